"""`reliability impact`: an incident's SLA impact, checked by hand.

Series api/availability in February 2026 (28 days = 40,320 one-minute slices): rows only for
2026-02-10 10:00-10:59, 100 requests a minute; 10:10-10:19 good 90 (10 % failing), 10:20-10:24
good 98, every other minute good 100. Month: 6,000 requests, 110 failed; 10 slices below 0.95.
Incident X started 10:12, mitigated 10:22: window [10:12, 10:22) = 8 minutes at 90 + 2 at 98:
failed 8*10 + 2*2 = 84 of 1,000.
- api-timeslices (Timeslices, timeSliceTarget 0.95, target 0.999): 8 bad minutes; allowed
  0.001 * 40,320 = 40.32 -> budget spent 8 / 40.32 = 25/126; month bad 10 -> share 0.8.
- api-occurrences (Occurrences, target 0.99): minutes below 0.99 = 10; allowed 0.01 * 6,000 =
  60 events -> spent 84/60 = 1.4; share of the month's 110 failed = 84/110.
"""

from __future__ import annotations

import json

import pytest

from conftest import assert_bad_input, run_cli
from test_sla import slo_yaml


# The series of the module docstring: 2026-02-10 10:00-10:59, 100 requests a minute.
SERIES = "timestamp,service,sli,good,total\n" + "".join(
    f"2026-02-10T10:{m:02d}:00Z,api,availability,{90 if 10 <= m < 20 else 98 if 20 <= m < 25 else 100},100\n"
    for m in range(60))


@pytest.fixture(scope="module")
def idb(tmp_path_factory):
    base = tmp_path_factory.mktemp("impact")
    (base / "slos.yaml").write_text(
        slo_yaml("api-timeslices", "Timeslices", "UTC", service="api")
        + "---\n" + slo_yaml("api-occurrences", "Occurrences", "UTC", service="api", target="target: 0.99"))
    (base / "series.csv").write_text(SERIES)
    (base / "inc.json").write_text(json.dumps([
        {"id": "X", "service": "api", "severity": "SEV-2", "started_at": "2026-02-10T10:12:00Z",
         "detected_at": "2026-02-10T10:15:00Z", "mitigated_at": "2026-02-10T10:22:00Z",
         "resolved_at": "2026-02-10T11:00:00Z"},
        {"id": "OPEN", "service": "api", "severity": "SEV-3", "detected_at": "2026-02-11T00:00:00Z"},
        {"id": "LATE", "service": "api", "severity": "SEV-3", "detected_at": "2026-02-28T23:58:00Z",
         "mitigated_at": "2026-03-01T00:30:00Z"},
    ]))
    db = base / "i.duckdb"
    for args in (("slo", "apply", base / "slos.yaml"), ("ingest", "series", base / "series.csv"),
                 ("ingest", "incidents", base / "inc.json")):
        r = run_cli(*args, db=db)
        assert r.code == 0, r.stderr
    return db


def test_impact_of_one_incident(idb):
    doc = run_cli("impact", "--incident", "X", "--json", db=idb).json()
    assert (doc["window_start"], doc["window_end"]) == ("2026-02-10T10:12:00Z", "2026-02-10T10:22:00Z")
    by = {s["slo"]: s for s in doc["slos"]}
    ts = by["api-timeslices"]
    assert (ts["month"], ts["failed"], ts["total"], ts["failed_share"]) == ("2026-02", 84.0, 1000.0, 0.084)
    assert (ts["bad_minutes"], ts["bad"], ts["month_bad"], ts["month_allowed_bad"]) == (8.0, 8.0, 10.0, 40.32)
    assert ts["budget_spent"] == 25 / 126 and ts["share_of_month_bad"] == 0.8
    assert ts["window_minutes"] == 10.0 and ts["window_clipped"] is False
    occ = by["api-occurrences"]
    assert (occ["bad_minutes"], occ["bad"], occ["month_bad"], occ["month_allowed_bad"]) == (10.0, 84.0, 110.0, 60.0)
    assert occ["budget_spent"] == 1.4 and occ["share_of_month_bad"] == 84 / 110


def test_window_is_clipped_to_the_month_and_open_incidents_have_no_window(idb):
    doc = run_cli("impact", "--month", "2026-02", "--json", db=idb).json()
    by = {d["id"]: d for d in doc["incidents"]}
    assert list(by) == ["X", "OPEN", "LATE"]
    assert by["OPEN"]["slos"] == [] and by["OPEN"]["window_end"] is None
    late = by["LATE"]["slos"][0]
    assert (late["window_end"], late["window_clipped"], late["window_minutes"]) == ("2026-03-01T00:00:00Z", True, 2.0)
    assert late["total"] == 0.0 and late["failed_share"] is None and late["budget_spent"] == 0.0


def test_failed_share_rounds_as_in_the_reports(idb, tmp_path):
    """84 of 1,000 requests failed in X's window: 8.40 % in the `impact` table as in the
    post-mortem draft and the monthly review (two decimals); the table said 8.400 %."""
    rows = [line.split() for line in run_cli("impact", "--incident", "X", db=idb).stdout.splitlines()]
    assert [r[5] for r in rows if r[:2] == ["X", "api-timeslices"]] == ["8.40%"]
    out = tmp_path / "pm.md"
    assert run_cli("report", "postmortem", "X", "--out", out, db=idb).code == 0
    assert "84 of 1,000 requests failed (8.40%)" in out.read_text()


def test_table_and_bad_input(idb):
    r = run_cli("impact", "--incident", "X", db=idb)
    assert r.code == 0 and "api-occurrences" in r.stdout and "140.0%" in r.stdout
    assert_bad_input(run_cli("impact", "--incident", "NOPE", db=idb), "--incident", "NOPE")
    assert_bad_input(run_cli("impact", db=idb), "--incident")
    assert_bad_input(run_cli("impact", "--month", "2026-2", db=idb), "--month")


def test_the_minute_an_incident_starts_in_is_part_of_its_impact(tmp_path):
    """An outage that starts at 10:11:30 spoils the minute 10:11 (its failures are in that
    minute's row): the impact counts every slice the window [10:11:30, 10:21:30) touches, 10:11
    to 10:21 — 9 minutes at 90 good of 100 and 2 at 98: 9 bad minutes (below 0.95), 9·10 + 2·2
    = 94 failed of 1,100. Counting only rows starting inside the window dropped 10:11 (8 bad
    minutes, 84 of 1,000) while keeping the partial minute 10:21 at the end."""
    (tmp_path / "slos.yaml").write_text(slo_yaml("api-timeslices", "Timeslices", "UTC", service="api"))
    (tmp_path / "series.csv").write_text(SERIES)
    (tmp_path / "inc.json").write_text(json.dumps([
        {"id": "MID", "service": "api", "severity": "SEV-2", "started_at": "2026-02-10T10:11:30Z",
         "detected_at": "2026-02-10T10:13:00Z", "mitigated_at": "2026-02-10T10:21:30Z"}]))
    db = tmp_path / "i.duckdb"
    for args in (("slo", "apply", tmp_path / "slos.yaml"), ("ingest", "series", tmp_path / "series.csv"),
                 ("ingest", "incidents", tmp_path / "inc.json")):
        assert run_cli(*args, db=db).code == 0
    [ts] = run_cli("impact", "--incident", "MID", "--json", db=db).json()["slos"]
    assert (ts["bad_minutes"], ts["failed"], ts["total"], ts["window_minutes"]) == (9.0, 94.0, 1100.0, 10.0)
    assert (ts["month_bad"], ts["share_of_month_bad"]) == (10.0, 0.9)
    update = run_cli("report", "update", "MID", "--kind", "initial", "--json", db=db).json()
    assert (update["bad_minutes"], update["failed"], update["total"]) == (2.0, 20.0, 200.0)  # 10:11, 10:12
