"""The Python API documents itself: every public method has a runnable example in its
docstring, and the examples of docs/api.md run as written (docs that cannot drift)."""

from __future__ import annotations

import doctest
import inspect
import os
import re
from pathlib import Path

import pytest

import reliability as rel
from app_fixtures import demo_db, demo_db_build  # noqa: F401  (session fixtures)
from conftest import ROOT

from reliability.api import app_incidents, app_views, audits, contracts, database, incident_analytics, slo_math

API_MODULES = (database, slo_math, incident_analytics, contracts, audits, app_views, app_incidents)
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def public_methods():
    return sorted(name for name, _ in inspect.getmembers(rel.Database, inspect.isfunction) if not name.startswith("_"))


def test_every_public_method_has_a_runnable_example():
    names = public_methods()
    assert {"sla", "budget", "burn", "worst", "credits", "incidents", "mttx", "compliance", "impact",
            "recurrence", "changes", "latency", "slos", "slo", "series", "action_items"} <= set(names)
    without = [n for n in names if ">>> " not in (getattr(rel.Database, n).__doc__ or "")]
    assert without == []
    for name in names:
        assert "Example" in getattr(rel.Database, name).__doc__, name


@pytest.fixture
def in_a_checkout_like_folder(tmp_path, demo_db):  # noqa: F811
    """A working directory whose data/demo.duckdb is the sample, as in a checkout after `make demo`."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "demo.duckdb").symlink_to(demo_db)
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


@pytest.mark.parametrize("module", API_MODULES, ids=[m.__name__ for m in API_MODULES])
def test_docstring_examples_run(module, demo_db, tmp_path):  # noqa: F811
    globs = {"rel": rel, "db": rel.open(demo_db), "DEMO_DB": str(demo_db), "TMP": tmp_path}
    tests = [t for t in doctest.DocTestFinder().find(module, globs=globs) if t.examples]
    assert tests
    for test in tests:
        runner = doctest.DocTestRunner(optionflags=FLAGS)
        runner.run(test)
        assert runner.failures == 0, f"{test.name}: see the doctest output above"


def _blocks(text: str) -> list[str]:
    return re.findall(r"```pycon\n(.*?)```", text, flags=re.S)


def test_docs_api_examples_run(in_a_checkout_like_folder):
    text = (ROOT / "docs" / "api.md").read_text()
    blocks = _blocks(text)
    assert len(blocks) >= 5
    globs: dict = {}
    parser = doctest.DocTestParser()
    for i, block in enumerate(blocks):
        test = parser.get_doctest(block, globs, f"docs/api.md block {i + 1}", "docs/api.md", 0)
        assert test.examples, block
        runner = doctest.DocTestRunner(optionflags=FLAGS)
        runner.run(test, clear_globs=False)
        globs.update(test.globs)  # a DocTest works on a copy: the next block sees this one's names
        assert runner.failures == 0, f"docs/api.md block {i + 1}: see the doctest output above"
    assert not (in_a_checkout_like_folder / "data" / "demo.duckbd").exists()


def test_docs_api_lists_every_public_method():
    text = (ROOT / "docs" / "api.md").read_text()
    missing = [n for n in public_methods() if f"`{n}(" not in text]
    assert missing == []
