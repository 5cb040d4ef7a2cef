"""`reliability changes`: deployments just inside and just outside the correlation window, and
the change failure rate counted in deployments, worked out by hand."""

from __future__ import annotations

import json

import pytest

from conftest import assert_bad_input, run_cli

DEPLOYS = (
    "id,service,deployed_at,version,rolled_back\n"
    "d1,api,2026-01-01T10:00:00Z,1.0,false\n"
    "d2,api,2026-01-02T10:00:00Z,1.1,false\n"
    "d3,web,2026-01-03T10:00:00Z,7.0,true\n"
    "d4,api,2026-01-05T10:00:00Z,1.2,false\n"
    "d5,api,2026-02-01T00:00:00Z,1.3,\n"
)
INCIDENTS = [
    {"id": "I1", "service": "api", "severity": "SEV-2", "detected_at": "2026-01-01T11:00:00Z"},  # exactly 1 h: in
    {"id": "I2", "service": "api", "severity": "SEV-2", "detected_at": "2026-01-02T11:00:01Z"},  # 1 h 1 s: out
    {"id": "I3", "service": "web", "severity": "SEV-3", "detected_at": "2026-01-03T09:59:00Z"},  # before d3
    {"id": "I4", "service": "api", "severity": "SEV-3", "detected_at": "2026-01-05T10:10:00Z"},
    {"id": "I5", "service": "api", "severity": "SEV-3", "detected_at": "2026-01-05T10:20:00Z"},  # same deploy
]


@pytest.fixture(scope="module")
def cdb(tmp_path_factory):
    base = tmp_path_factory.mktemp("changes")
    (base / "d.csv").write_text(DEPLOYS)
    (base / "i.json").write_text(json.dumps(INCIDENTS))
    db = base / "c.duckdb"
    for args in (("ingest", "deployments", base / "d.csv"), ("ingest", "incidents", base / "i.json")):
        r = run_cli(*args, db=db)
        assert r.code == 0, r.stderr
    return db


def changes(db, *args):
    r = run_cli("changes", *args, "--json", db=db)
    assert r.code == 0, r.stderr
    return r.json()


def test_correlation_window_edges(cdb):
    doc = changes(cdb)
    assert [(p["incident_id"], p["deployment_id"], p["minutes_after"]) for p in doc["correlated"]] == [
        ("I1", "d1", 60.0), ("I4", "d4", 10.0), ("I5", "d4", 20.0)]
    assert doc["incidents_after_deployments"] == 3
    wider = changes(cdb, "--hours", "2")["correlated"]
    assert ("I2", "d2", 60 + 1 / 60) in [(p["incident_id"], p["deployment_id"], p["minutes_after"]) for p in wider]


def test_change_failure_rate_counts_deployments(cdb):
    by = changes(cdb)["by_service"]
    assert by["api"]["months"]["2026-01"] == {
        "deployments": 3, "rolled_back": 0, "with_incident": 2, "failed": 2, "change_failure_rate": 2 / 3}
    assert by["api"]["months"]["2026-02"]["change_failure_rate"] == 0.0
    assert (by["api"]["deployments"], by["api"]["failed"], by["api"]["change_failure_rate"]) == (4, 2, 0.5)
    assert by["web"]["months"]["2026-01"] == {
        "deployments": 1, "rolled_back": 1, "with_incident": 0, "failed": 1, "change_failure_rate": 1.0}
    assert changes(cdb, "--hours", "2")["by_service"]["api"]["months"]["2026-01"]["failed"] == 3


def test_months_in_a_zone_and_range(cdb):
    by = changes(cdb, "--tz", "America/New_York")["by_service"]
    assert list(by["api"]["months"]) == ["2026-01"] and by["api"]["months"]["2026-01"]["deployments"] == 4
    doc = changes(cdb, "--start", "2026-02", "--end", "2026-02")
    assert doc["correlated"] == [] and list(doc["by_service"]) == ["api"]


def test_bad_options(cdb):
    assert_bad_input(run_cli("changes", "--hours", "0", db=cdb), "--hours")
    assert_bad_input(run_cli("changes", "--start", "2026-1", db=cdb), "--start")
