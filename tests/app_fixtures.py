"""Fixtures shared by the demo, AppTest and browser tests: the demo database, built once.

Import the fixture into a test module (``from app_fixtures import demo_db``); pytest collects
fixtures imported into a module. The build runs the real ``reliability demo`` command (~15 s),
once per session (per xdist worker under ``make test``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import Result, run_cli


@dataclass(frozen=True)
class DemoDb:
    path: Path
    build: Result  # the first `reliability demo` run


@pytest.fixture(scope="session")
def demo_db_build(tmp_path_factory: pytest.TempPathFactory) -> DemoDb:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    result = run_cli("demo", db=path)
    assert result.code == 0, (result.stdout, result.stderr)
    return DemoDb(path, result)


@pytest.fixture(scope="session")
def demo_db(demo_db_build: DemoDb) -> Path:
    """The path of a database holding the whole bundled sample. Tests must only read it."""
    return demo_db_build.path
