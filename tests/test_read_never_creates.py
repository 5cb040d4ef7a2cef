"""Reading never creates: every command that only reads refuses a missing database file.

A mistyped ``--db`` used to create an empty database (and its directories), after which
``sla`` said "no SLOs defined" and ``report monthly`` wrote "0 of 0 SLOs met", exit 0.
"""

from __future__ import annotations

import pytest

from conftest import assert_bad_input, run_cli
from test_docs import ALL

# Every command that writes to the database (creating it is its job).
WRITERS = {("demo",), ("slo", "apply"), ("contracts", "apply")} | {p for p in ALL if p[0] in ("ingest", "extract")}

# Valid arguments for every command that only reads.
READERS = {
    ("action-items",): [],
    ("app",): ["--port", "1"],  # refuses before it would serve
    ("budget",): ["--month", "2026-03"],
    ("burn",): ["--slo", "search-availability", "--from", "2026-03-01", "--to", "2026-03-02"],
    ("changes",): [],
    ("compliance",): ["--month", "2026-03"],
    ("contracts", "breaches"): ["--month", "2026-03"],
    ("contracts", "list"): [],
    ("contracts", "remove"): ["acme-gateway"],  # finds the contract first
    ("contracts", "risk"): [],
    ("contracts", "show"): ["acme-gateway"],
    ("credits",): ["--month", "2026-03"],
    ("impact",): ["--incident", "INC-0074"],
    ("incidents",): ["--month", "2026-03"],
    ("latency",): ["--service", "search", "--sli", "latency", "--month", "2026-03"],
    ("mttx",): [],
    ("recurrence",): [],
    ("report", "monthly"): ["--month", "2026-03", "--out", "{tmp}/review.md"],
    ("report", "postmortem"): ["INC-0074", "--out", "{tmp}/pm.md"],
    ("report", "statement"): ["--customer", "acme", "--month", "2026-03", "--out", "{tmp}/acme.md"],
    ("report", "update"): ["INC-0074", "--kind", "initial"],
    ("rules",): ["--slo", "search-availability"],
    ("sla",): ["--month", "2026-03"],
    ("slo", "list"): [],
    ("worst",): ["--month", "2026-03"],
}


def test_every_command_is_a_reader_or_a_writer():
    assert set(ALL) == WRITERS | set(READERS), set(ALL) ^ (WRITERS | set(READERS))


@pytest.mark.parametrize("path", sorted(READERS), ids=[" ".join(p) for p in sorted(READERS)])
def test_a_reader_refuses_a_missing_database(path, tmp_path):
    missing = tmp_path / "typo" / "relaibility.duckdb"
    args = [a.replace("{tmp}", str(tmp_path)) for a in READERS[path]]
    r = run_cli(*path, *args, db=missing)
    assert_bad_input(r, str(missing), "demo")
    assert r.stdout == ""
    assert not missing.parent.exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no report file either


def test_the_environment_variable_is_refused_too(tmp_path):
    missing = tmp_path / "nothing.duckdb"
    r = run_cli("sla", "--month", "2026-03", "--json", env={"RELIABILITY_DB": str(missing)})
    assert_bad_input(r, str(missing))
    assert not missing.exists()


def test_a_writer_still_creates_it(tmp_path):
    target = tmp_path / "new" / "rel.duckdb"
    slo = tmp_path / "slo.yaml"
    slo.write_text(
        "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: s}\nspec:\n  service: svc\n"
        "  indicator:\n    metadata: {name: availability}\n    spec:\n      ratioMetric:\n"
        "        counter: false\n        good: {metricSource: {type: CSV, spec: {}}}\n"
        "        total: {metricSource: {type: CSV, spec: {}}}\n"
        "  timeWindow: [{duration: 1M, isRolling: false, calendar: {startTime: '2026-01-01 00:00:00', timeZone: UTC}}]\n"
        "  budgetingMethod: Occurrences\n  objectives: [{target: 0.999}]\n"
    )
    r = run_cli("slo", "apply", slo, db=target)
    assert r.code == 0, r.stderr
    assert target.exists()
    r = run_cli("sla", "--month", "2026-03", "--json", db=target)
    assert r.code == 0, r.stderr
