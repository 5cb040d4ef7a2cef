"""Shared fixtures: a fresh DuckDB file on disk and a runner for the real console script."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = shutil.which("reliability", path=str(Path(sys.executable).parent)) or "reliability"


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build):
    """``build(folder)`` once per test run: in a single process in a folder of its own; under
    pytest-xdist in the run's common temporary directory, guarded by a file lock, so that the
    workers share one build. ``build`` must skip work a finished earlier call left there."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # a single process
        return build(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent / name
    shared.mkdir(exist_ok=True)
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return build(shared)


def pytest_configure(config) -> None:
    """Compile the package's bytecode once, before any test (in the controller, before xdist
    starts its workers). Each of the ~1,500 `reliability` processes a run starts would otherwise
    compile every module it imports from source when PYTHONDONTWRITEBYTECODE is set (as on
    the CI machine): about 0.05-0.1 s of CPU per process. Python still checks each .pyc
    against its source's mtime, so an edited module is never run stale."""
    if hasattr(config, "workerinput"):
        return
    import compileall

    compileall.compile_dir(ROOT / "reliability", quiet=2)


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


def run_cli(*args: str | os.PathLike, db: Path | None = None, env: dict | None = None, cwd=None) -> Result:
    """Run the installed ``reliability`` console script as a separate process."""
    argv = [SCRIPT]
    if db is not None:
        argv += ["--db", str(db)]
    argv += [str(a) for a in args]
    full_env = {**os.environ, **(env or {})}
    full_env.pop("RELIABILITY_DEBUG", None)
    proc = subprocess.run(argv, capture_output=True, text=True, env=full_env, cwd=cwd, timeout=600)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def assert_bad_input(result: Result, *fragments: str) -> None:
    """Exit 2, no traceback, and every fragment (file, row, field...) named on stderr."""
    assert result.code == 2, (result.code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The path of a fresh, empty database file (created by the first command)."""
    return tmp_path / "test.duckdb"


@pytest.fixture
def cli():
    return run_cli
