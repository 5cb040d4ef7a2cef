"""The notebooks use the public Python API only, and open what they are given: a mistyped
$RELIABILITY_DB fails clearly instead of silently building demo data. (`make test` executes
them whole with nbmake.)"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import reliability
from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def code_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def package_uses(source: str) -> list[str]:
    """What the code takes from the package beyond `import reliability [as x]` and the names of
    `reliability.__all__`: imports of submodules, other names, attributes outside __all__."""
    tree = ast.parse(source)
    aliases, bad = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "reliability":
                    aliases.add(a.asname or a.name)
                elif a.name.startswith("reliability."):
                    bad.append(f"import {a.name}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "reliability":
            if node.module != "reliability":
                bad.append(f"from {node.module} import ...")
                continue
            bad += [f"from reliability import {a.name}" for a in node.names if a.name not in reliability.__all__]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            if node.attr not in reliability.__all__:
                bad.append(f"{node.value.id}.{node.attr}")
    return bad


def test_there_are_notebooks():
    assert {p.stem for p in NOTEBOOKS} >= {"monthly_review", "breach_investigation", "incident_patterns"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebooks_use_only_the_public_api(path):
    cells = code_cells(path)
    assert any("import reliability as rel" in c for c in cells)
    assert [u for c in cells for u in package_uses(c)] == []


def test_the_check_sees_internals():
    assert package_uses("from reliability import store\nfrom reliability.analysis import sla\n"
                        "import reliability.api\nimport reliability as rel\nrel.api.args\nrel.open('x')\n") == [
        "from reliability import store", "from reliability.analysis import ...", "import reliability.api", "rel.api"]


def _setup_cell(path: Path) -> str:
    [cell] = [c for c in code_cells(path) if "RELIABILITY_DB" in c]
    return cell


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_a_mistyped_database_fails_and_builds_nothing(path, tmp_path):
    """With $RELIABILITY_DB naming a file that does not exist, the first cell raises
    FileNotFoundError naming it, creates nothing there, and builds no demo data."""
    work = tmp_path / "checkout"
    (work / "data").mkdir(parents=True)
    typo = tmp_path / "demo.duckbd"
    env = {**os.environ, "RELIABILITY_DB": str(typo)}
    r = subprocess.run([sys.executable, "-c", _setup_cell(path)], cwd=work, env=env, capture_output=True, text=True)
    assert r.returncode != 0
    assert "FileNotFoundError" in r.stderr and str(typo) in r.stderr
    assert not typo.exists()
    assert list((work / "data").iterdir()) == []


def test_without_a_database_the_demo_is_built_once(tmp_path):
    """No $RELIABILITY_DB: the checkout's data/demo.duckdb, built from the sample when missing
    (the same file `reliability demo` builds), then opened as it is."""
    path = NOTEBOOKS[0]
    work = tmp_path / "checkout"
    (work / "data").mkdir(parents=True)
    (work / "notebooks").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "RELIABILITY_DB"}
    code = _setup_cell(path) + "\nprint(len(db.slos()), db.path.resolve())\n"
    first = subprocess.run([sys.executable, "-c", code], cwd=work / "notebooks", env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    demo = work / "data" / "demo.duckdb"
    assert first.stdout.split() == ["17", str(demo.resolve())]
    stamp = demo.stat().st_mtime_ns
    again = subprocess.run([sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert demo.stat().st_mtime_ns == stamp  # opened, not rebuilt
