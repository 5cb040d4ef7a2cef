"""``--month YYYY-MM`` on the commands that take a range of months (``mttx``, ``recurrence``,
``changes``): a monthly review types ``--month`` everywhere, as ``sla``, ``budget`` and
``incidents`` take it. It means ``--start M --end M``, exactly."""

from __future__ import annotations

import pytest

from app_fixtures import demo_db, demo_db_build  # noqa: F401 (pytest fixtures)
from conftest import assert_bad_input, run_cli


@pytest.mark.parametrize("command", ["mttx", "recurrence", "changes"])
def test_month_is_start_and_end(demo_db, command):  # noqa: F811
    one = run_cli(command, "--month", "2026-03", "--json", db=demo_db)
    assert one.code == 0, one.stderr
    assert one.json() == run_cli(command, "--start", "2026-03", "--end", "2026-03", "--json", db=demo_db).json()


def test_month_of_mttx_counts_the_months_incidents(demo_db):  # noqa: F811
    """March 2026 has 17 incidents (INC-0067 to INC-0083, data/README.md), as `incidents` says."""
    doc = run_cli("mttx", "--month", "2026-03", "--json", db=demo_db).json()
    assert doc["overall"]["count"] == 17
    assert run_cli("incidents", "--month", "2026-03", "--json", db=demo_db).json()["count"] == 17


@pytest.mark.parametrize("args, fragments", [
    (["mttx", "--month", "2026-13"], ["--month", "2026-13"]),
    (["recurrence", "--month", "march"], ["--month", "march"]),
    (["changes", "--month", "2026-03", "--start", "2026-01"], ["--month", "--start"]),
])
def test_bad_month_is_bad_input(demo_db, args, fragments):  # noqa: F811
    assert_bad_input(run_cli(*args, db=demo_db), *fragments)
