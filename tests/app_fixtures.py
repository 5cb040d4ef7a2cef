"""Fixtures shared by the demo, AppTest and browser tests: the demo database, built once.

Import the fixture into a test module (``from app_fixtures import demo_db``); pytest collects
fixtures imported into a module. The build runs the real ``reliability demo`` command (~15 s)
once per test run: under pytest-xdist (``make test``) the workers share one build, guarded by a
file lock in the run's common temporary directory.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import Result, run_cli


@dataclass(frozen=True)
class DemoDb:
    path: Path
    build: Result  # the one `reliability demo` run that built it


def _build(folder: Path) -> DemoDb:
    path = folder / "demo.duckdb"
    done = folder / "demo.build.json"  # written only after a successful build
    if not done.exists():
        result = run_cli("demo", db=path)
        assert result.code == 0, (result.stdout, result.stderr)
        done.write_text(json.dumps(result.__dict__))
    return DemoDb(path, Result(**json.loads(done.read_text())))


@pytest.fixture(scope="session")
def demo_db_build(tmp_path_factory: pytest.TempPathFactory) -> DemoDb:
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # a single process
        return _build(tmp_path_factory.mktemp("demo"))
    shared = tmp_path_factory.getbasetemp().parent / "demo-db"
    shared.mkdir(exist_ok=True)
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build(shared)


@pytest.fixture(scope="session")
def demo_db(demo_db_build: DemoDb) -> Path:
    """The path of a database holding the whole bundled sample. Tests must only read it."""
    return demo_db_build.path
