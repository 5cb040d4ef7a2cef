"""A non-editable install works: the wheel carries queries/, data/ and the app."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import ROOT


def test_wheel_carries_queries_and_runs_outside_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("reliability-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "reliability/_queries/migrations/001_initial.sql" in names
    assert "reliability/_queries/sla.sql" in names
    assert "reliability/_data/slos.yaml" in names
    assert "reliability/_data/incidents.json" in names
    assert "reliability/_app/app.py" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    # Run from an unrelated folder with only the unpacked wheel (plus the venv's dependencies,
    # but not the checkout) on the path.
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONSAFEPATH": "1"}
    work = tmp_path / "elsewhere"
    work.mkdir()
    probe = subprocess.run(
        [sys.executable, "-c", "import reliability.store as s, reliability.sample as d; print(s.queries_dir()); print(d.data_dir())"],
        cwd=work, env=env, capture_output=True, text=True, check=True,
    )
    queries, data = probe.stdout.split()
    assert Path(queries).is_relative_to(site) and Path(data).is_relative_to(site)
    db = work / "w.duckdb"
    apply = subprocess.run(
        [sys.executable, "-m", "reliability", "--db", str(db), "slo", "apply", str(Path(data) / "slos.yaml")],
        cwd=work, env=env, capture_output=True, text=True,
    )
    assert apply.returncode == 0, apply.stderr
    sla = subprocess.run(
        [sys.executable, "-m", "reliability", "--db", str(db), "sla", "--month", "2026-03", "--json"],
        cwd=work, env=env, capture_output=True, text=True,
    )
    assert sla.returncode == 0, sla.stderr
    assert len(__import__("json").loads(sla.stdout)["slos"]) == 16
