"""The layout shows the architecture: no import cycle inside `reliability/`, one source for the
sample's generators, scripts of a readable size.

The import rule checked (docs/architecture.md): module A depends on module B of the package
when A's source holds an import statement naming B anywhere — at the top, inside a function
or a class, under `if TYPE_CHECKING:` — because a function-level import is still a dependency,
only a later one. `from pkg import name` depends on `pkg.name` when that is a module, else on
`pkg`; relative imports are resolved. The implicit import of a parent package is not an edge
(Python runs `reliability/__init__.py` before any submodule, which is why that file imports
nothing when it loads: test_api.py checks it). The graph must have no cycle.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "reliability"


def modules(package: Path) -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is a package) for every module under ``package``."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return out


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (the rule in this file's docstring)."""
    found = modules(package)
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in found.items():
        here = name if is_package else name.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name in found}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")[: len(here.split(".")) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    if f"{target}.{alias.name}" in found:
                        deps.add(f"{target}.{alias.name}")
                    elif target in found:
                        deps.add(target)
        deps.discard(name)
        graph[name] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = itertools.count()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = next(counter)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_inside_the_package():
    graph = import_graph(PACKAGE)
    assert "reliability.analysis.burn" in graph and len(graph) > 50
    assert cycles(graph) == []


def test_incident_analytics_stand_apart_from_the_slo_arithmetic():
    """The layout by domain: reliability.incidents (MTTx, targets, post-mortems, recurrence,
    changes) never imports reliability.analysis (SLA, budgets, burn, impact)."""
    graph = import_graph(PACKAGE)
    mine = {m for m in graph if m.startswith("reliability.incidents.")}
    assert {"reliability.incidents.metrics", "reliability.incidents.timing"} <= mine
    assert not [m for m in graph if m.startswith("reliability.analysis.") and m[21:] in
                ("changes", "incidents", "postmortems", "recurrence", "targets", "timing")]
    crossing = {m: sorted(d for d in graph[m] if d.startswith("reliability.analysis")) for m in mine}
    assert not {m: d for m, d in crossing.items() if d}, crossing


# Commands that may import the analysis modules directly: writers only (ingest, extract, slo
# apply, maintenance), which store what they read rather than compute numbers. None needs it
# today; an entry names the command module and the analysis module, with the reason.
WRITERS_ALLOWED: dict[str, set[str]] = {}


def test_commands_read_their_numbers_through_the_api():
    """The CLI calls the public API (reliability.api: rows, incident_rows), not the modules
    behind it: no module of reliability/commands imports reliability.analysis or
    reliability.incidents (at the top or inside a function), writers on the list aside."""
    graph = import_graph(PACKAGE)
    commands = {m for m in graph if m.startswith("reliability.commands.")}
    assert {"reliability.commands.sla", "reliability.commands.incidents", "reliability.commands.audit"} <= commands
    crossing = {m: sorted(d for d in graph[m] if d.split(".")[:2] in (["reliability", "analysis"],
                                                                       ["reliability", "incidents"])
                          and d not in WRITERS_ALLOWED.get(m, set())) for m in commands}
    assert not {m: d for m, d in crossing.items() if d}, crossing
    assert "reliability.api.rows" in graph["reliability.commands.sla"]
    assert "reliability.api.incident_rows" in graph["reliability.commands.incidents"]


def test_the_check_sees_function_level_and_type_checking_imports(tmp_path):
    """The checker itself: a cycle closed by an import inside a function, or one only under
    TYPE_CHECKING, or through a relative import, is found; a one-way import is not."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg import b\n")
    (pkg / "b.py").write_text("def f():\n    from pkg.a import thing\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.sub import d\n")
    (pkg / "sub" / "d.py").write_text("from .. import c\n")
    (pkg / "sub" / "e.py").write_text("import pkg.a\n")
    assert cycles(import_graph(pkg)) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.sub.d"]]


def test_the_burn_modules_share_a_third_one():
    graph = import_graph(PACKAGE)
    assert "reliability.analysis.alerting" in graph["reliability.analysis.burn"]
    assert "reliability.analysis.alerting" in graph["reliability.analysis.burn_many"]
    assert "reliability.analysis.burn" not in graph["reliability.analysis.burn_many"]


def _top_level_names(path: Path) -> set[str]:
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_the_sample_script_calls_the_package_instead_of_mirroring_it():
    """data/generate_sample.py takes the sample's period, services and error-rate rule from
    reliability/sample.py: it defines none of that module's names and imports it."""
    script = ROOT / "data" / "generate_sample.py"
    assert _top_level_names(script) & _top_level_names(PACKAGE / "sample.py") == set()
    text = script.read_text(encoding="utf-8")
    assert "from reliability import sample" in text
    assert "sample.incident_bad_ppm(" in text and "crc32" not in text


def test_no_script_or_module_is_a_wall_of_code():
    """Benchmarks are split (shared fleet generation in a module of its own): no file of
    benchmarks/ or of the new API reaches 500 lines."""
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in [*sorted((ROOT / "benchmarks").glob("*.py")), *sorted((PACKAGE / "api").glob("*.py"))]}
    assert "benchmarks/bench_sla.py" in sizes
    assert {k: v for k, v in sizes.items() if v >= 500} == {}


def test_the_split_benchmark_still_starts():
    """bench_sla.py imports its pieces (fleet, baselines, harness) from its own folder."""
    import subprocess
    import sys

    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_sla.py"), "--help"],
                       capture_output=True, text=True, cwd=ROOT.parent)
    assert r.returncode == 0, r.stderr
    assert "--windows" in r.stdout


@pytest.mark.parametrize("script", ["bench_instances.py", "bench_instances_app.py"])
def test_the_instances_benchmarks_start_and_show_an_example(script):
    """The scale benchmarks of per-instance SLOs (benchmarks/README.md) answer --help with an
    example; bench_instances.py's default is a quick size, the 5,000-instance goal an option."""
    import subprocess
    import sys

    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), "--help"],
                       capture_output=True, text=True, cwd=ROOT.parent)
    assert r.returncode == 0, r.stderr
    assert "Example" in r.stdout
    if script == "bench_instances.py":
        assert "default 200" in r.stdout and "--instances 5000" in r.stdout


def test_the_app_reads_through_the_python_api():
    """reliability/app/ (pages and loaders) imports nothing from reliability.analysis or
    reliability.incidents: what a page shows comes from reliability.api (the Database methods in
    reliability/api/app_views.py and app_incidents.py), so a notebook gets the same numbers."""
    graph = import_graph(PACKAGE)
    app = {m for m in graph if m.startswith("reliability.app.")}
    assert {"reliability.app.data", "reliability.app.pages.overview", "reliability.app.pages.monthly_sla"} <= app
    crossing = {m: sorted(d for d in graph[m] if d.startswith(("reliability.analysis", "reliability.incidents")))
                for m in sorted(app)}
    assert {m: d for m, d in crossing.items() if d} == {}
    assert "reliability.api" in graph["reliability.app.data"]
