"""Definitions in force: `slo apply --effective-from`, `slo history`, and months split at a change.

The SLO is Timeslices (1-minute slices, timeSliceTarget 0.95) in America/New_York. Its series has
a row for every minute of February to April 2026 (total 100); a bad minute has good 50. In March
2026 New York starts daylight saving on the 8th, so March has 31 · 1,440 − 60 = 44,580 minutes.
The target changes from 99.9 % to 99.5 % on 15 March (local midnight, 04:00 UTC):

- segment 1, 1 March 05:00Z to 15 March 04:00Z: 14 days less the lost hour = 20,100 minutes, 30 bad;
- segment 2, 15 March 04:00Z to 1 April 04:00Z: 17 days = 24,480 minutes, 60 bad.

Every expected value below is computed by hand from those counts (fractions), not by the code.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import assert_bad_input, run_cli
from test_sla import slo_yaml

UTC = timezone.utc
NY_MARCH_START = datetime(2026, 3, 1, 5, tzinfo=UTC)
CHANGE = datetime(2026, 3, 15, 4, tzinfo=UTC)  # 2026-03-15 00:00 in New York (EDT)
NY_APRIL_START = datetime(2026, 4, 1, 4, tzinfo=UTC)
BAD_BEFORE = [datetime(2026, 3, 10, 12, tzinfo=UTC) + timedelta(minutes=i) for i in range(30)]
BAD_AFTER = [datetime(2026, 3, 20, 12, tzinfo=UTC) + timedelta(minutes=i) for i in range(60)]
BAD_FEB = [datetime(2026, 2, 10, 12, tzinfo=UTC) + timedelta(minutes=i) for i in range(40)]  # > 0.1 % of Feb

V1 = slo_yaml("ny-avail", "Timeslices", "America/New_York", target="target: 0.999")
V2 = slo_yaml("ny-avail", "Timeslices", "America/New_York", target="targetPercent: 99.5")
V3_OCCURRENCES = slo_yaml("ny-avail", "Occurrences", "America/New_York", target="target: 0.999")


def _series(path: Path) -> None:
    bad = {t for t in BAD_BEFORE + BAD_AFTER + BAD_FEB}
    lines = ["timestamp,service,sli,good,total"]
    t, end = datetime(2026, 2, 1, 5, tzinfo=UTC), datetime(2026, 5, 1, 4, tzinfo=UTC)
    while t < end:
        lines.append(f"{t:%Y-%m-%dT%H:%M:%SZ},svc,availability,{50 if t in bad else 100},100")
        t += timedelta(minutes=1)
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A database with version 1 applied and the series ingested (copied per test)."""
    tmp = tmp_path_factory.mktemp("versions")
    db = tmp / "base.duckdb"
    (tmp / "v1.yaml").write_text(V1)
    _series(tmp / "series.csv")
    assert run_cli("slo", "apply", tmp / "v1.yaml", db=db).code == 0
    r = run_cli("ingest", "series", tmp / "series.csv", db=db)
    assert r.code == 0, r.stderr
    return db


@pytest.fixture
def vdb(base, tmp_path) -> Path:
    db = tmp_path / "v.duckdb"
    db.write_bytes(base.read_bytes())
    (tmp_path / "v2.yaml").write_text(V2)
    (tmp_path / "v3.yaml").write_text(V3_OCCURRENCES)
    return db


def sla(db: Path, month: str) -> dict:
    r = run_cli("sla", "--month", month, "--json", db=db)
    assert r.code == 0, r.stderr
    (row,) = r.json()["slos"]
    return row


def test_target_change_on_the_15th_in_new_york_splits_the_dst_month(vdb):
    r = run_cli("slo", "apply", vdb.parent / "v2.yaml", "--effective-from", "2026-03-15", db=vdb)
    assert r.code == 0, r.stderr
    assert "ny-avail: new version 2 in force from 2026-03-15T04:00:00Z" in r.stderr
    row = sla(vdb, "2026-03")
    one, two = row["segments"]
    # Segment 1: version 1 (99.9 %), 20,100 minutes, 30 bad.
    assert (one["version"], one["effective_from"], one["target"]) == (1, None, 0.999)
    assert (one["period_start"], one["period_end"]) == ("2026-03-01T05:00:00Z", "2026-03-15T04:00:00Z")
    assert (one["slices"], one["bad"]) == (20_100, 30.0)
    assert one["allowed_bad"] == float(Fraction(1, 1000) * 20_100) == 20.1
    assert one["attainment"] == float(Fraction(20_070, 20_100))
    assert one["error_budget_remaining"] == float(1 - Fraction(30) / Fraction(201, 10))
    assert (one["status"], one["breached"]) == ("breached", True)
    # Segment 2: version 2 (99.5 %), 24,480 minutes, 60 bad.
    assert (two["version"], two["effective_from"], two["target"]) == (2, "2026-03-15T04:00:00Z", 0.995)
    assert (two["period_start"], two["period_end"]) == ("2026-03-15T04:00:00Z", "2026-04-01T04:00:00Z")
    assert (two["slices"], two["bad"]) == (24_480, 60.0)
    assert two["allowed_bad"] == float(Fraction(5, 1000) * 24_480)
    assert two["error_budget_remaining"] == float(1 - Fraction(60) / (Fraction(5, 1000) * 24_480))
    assert two["status"] == "met"
    # The month: budgets added (prorated), judged as a whole.
    allowed = Fraction(1, 1000) * 20_100 + Fraction(5, 1000) * 24_480  # 142.5 minutes
    assert row["combined"] == "prorated"
    assert (row["period_start"], row["period_end"]) == ("2026-03-01T05:00:00Z", "2026-04-01T04:00:00Z")
    assert row["slices"] == 44_580 and row["bad"] == 90.0
    assert row["allowed_bad"] == float(allowed) == 142.5
    assert row["attainment"] == float(Fraction(44_490, 44_580))
    assert row["target"] == float(1 - allowed / 44_580)
    assert row["error_budget_remaining"] == float(1 - 90 / allowed)
    assert (row["status"], row["breached"], row["data_coverage"]) == ("met", False, 1.0)
    assert (row["version"], row["effective_from"]) == (2, "2026-03-15T04:00:00Z")


def test_months_before_and_after_use_the_version_in_force_then(vdb):
    before = sla(vdb, "2026-02")
    # February 2026 has 28 days: 40,320 minutes, 40.32 allowed, 40 bad.
    assert (before["target"], before["status"], before["bad"]) == (0.999, "met", 40.0)
    assert before["allowed_bad"] == float(Fraction(1, 1000) * 28 * 1440)
    assert before["error_budget_remaining"] == float(1 - 40 / (Fraction(1, 1000) * 28 * 1440))
    run_cli("slo", "apply", vdb.parent / "v2.yaml", "--effective-from", "2026-03-15", db=vdb)
    after_change = sla(vdb, "2026-02")
    assert (after_change["version"], after_change["effective_from"]) == (1, None)
    assert {k: v for k, v in after_change.items() if k not in ("version", "effective_from")} == before
    april = sla(vdb, "2026-04")
    assert (april["target"], april["version"], april["allowed_bad"]) == (0.995, 2, float(Fraction(5, 1000) * 30 * 1440))
    assert "segments" not in april


def test_a_change_applied_today_does_not_rewrite_last_years_reviews(vdb):
    """Without --effective-from a change takes effect now: every past month keeps its target."""
    months = {m: sla(vdb, m) for m in ("2026-02", "2026-03", "2026-04")}
    r = run_cli("slo", "apply", vdb.parent / "v2.yaml", db=vdb)
    assert r.code == 0 and "new version 2 in force from" in r.stderr
    for month, before in months.items():
        now = sla(vdb, month)
        assert now.pop("version") == 1 and now.pop("effective_from") is None
        assert now == before
    # The sample's monthly report and credits read the same rows.
    r = run_cli("credits", "--month", "2026-02", "--json", db=vdb)
    assert r.json()["slos"][0]["target"] == 0.999


def test_slo_without_history_prints_exactly_as_before(base):
    r = run_cli("sla", "--month", "2026-03", "--json", db=base)
    row = r.json()["slos"][0]
    assert "version" not in row and "segments" not in row and "labels" not in row
    assert list(row)[-1] == "budget_unit"


def test_history_lists_versions_and_what_changed(vdb):
    run_cli("slo", "apply", vdb.parent / "v2.yaml", "--effective-from", "2026-03-15T04:00:00Z", db=vdb)
    r = run_cli("slo", "history", "ny-avail", "--json", db=vdb)
    assert r.code == 0, r.stderr
    doc = r.json()
    assert doc["slo"] == "ny-avail"
    v1, v2 = doc["versions"]
    assert (v1["version"], v1["effective_from"], v1["until"]) == (1, None, "2026-03-15T04:00:00Z")
    assert (v2["version"], v2["effective_from"], v2["until"]) == (2, "2026-03-15T04:00:00Z", None)
    assert v1["objectives"][0]["target"] == 0.999 and v2["objectives"][0]["target"] == 0.995
    assert v2["changed"] == ["objectives"] and v1["changed"] == []
    table = run_cli("slo", "history", "ny-avail", db=vdb)
    assert "since always" in table.stdout and "2026-03-15T04:00:00Z" in table.stdout and "objectives" in table.stdout


def test_reapplying_changes_nothing(vdb):
    for _ in range(2):
        r = run_cli("slo", "apply", vdb.parent / "v2.yaml", "--effective-from", "2026-03-15", db=vdb)
        assert r.code == 0, r.stderr
    assert "new version" not in r.stderr
    doc = run_cli("slo", "history", "ny-avail", "--json", db=vdb).json()
    assert [v["version"] for v in doc["versions"]] == [1, 2]


@pytest.mark.parametrize(
    ("when", "fragment"),
    [
        ("2999-01-01", "in the future"),
        ("2026-03-15T04:00:00", "needs Z or an offset"),
        ("15/03/2026", "expected an ISO 8601 time"),
    ],
)
def test_bad_effective_from(vdb, when, fragment):
    r = run_cli("slo", "apply", vdb.parent / "v2.yaml", "--effective-from", when, db=vdb)
    assert_bad_input(r, "--effective-from", fragment)
    assert "segments" not in sla(vdb, "2026-03")  # nothing written


def test_history_is_append_only(vdb):
    assert run_cli("slo", "apply", vdb.parent / "v2.yaml", "--effective-from", "2026-03-15", db=vdb).code == 0
    r = run_cli("slo", "apply", vdb.parent / "v3.yaml", "--effective-from", "2026-03-01", db=vdb)
    assert_bad_input(r, "--effective-from", "append-only")


def test_change_of_budgeting_method_is_judged_worst_of_segments(vdb):
    """Occurrences events cannot be added to Timeslices minutes: no combined numbers, the worst
    segment's status (segment 1 is breached)."""
    assert run_cli("slo", "apply", vdb.parent / "v3.yaml", "--effective-from", "2026-03-15", db=vdb).code == 0
    row = sla(vdb, "2026-03")
    assert row["combined"] == "worst_of_segments"
    assert [s["budgeting_method"] for s in row["segments"]] == ["Timeslices", "Occurrences"]
    assert row["attainment"] is None and row["target"] is None and row["bad"] is None
    assert (row["status"], row["breached"]) == ("breached", True)
    # Segment 2 by events: 60 minutes at 50 of 100 failed = 3,000 failed of 2,448,000.
    two = row["segments"][1]
    assert (two["good"], two["total"]) == (2_448_000 - 3_000, 2_448_000)
    table = run_cli("sla", "--month", "2026-03", db=vdb)
    assert table.code == 0, table.stderr
    assert "2026-03-15T04:00:00Z" in table.stdout
    # No one attainment for the month: its credit is unknown, never 0.
    (credit,) = run_cli("credits", "--month", "2026-03", "--json", db=vdb).json()["slos"]
    assert (credit["covered"], credit["credit_percent"]) == (True, None)
    assert run_cli("credits", "--month", "2026-03", db=vdb).code == 0


def test_split_month_in_the_table(vdb):
    run_cli("slo", "apply", vdb.parent / "v2.yaml", "--effective-from", "2026-03-15", db=vdb)
    r = run_cli("sla", "--month", "2026-03", db=vdb)
    assert r.code == 0, r.stderr
    text = r.stdout
    assert "ny-avail: definition changed during the period" in text
    assert "99.9%" in text and "99.5%" in text and "BREACHED" in text
    doc = json.loads(run_cli("sla", "--from", "2026-02", "--to", "2026-04", "--json", db=vdb).stdout)
    assert [m["slos"][0].get("combined") for m in doc["months"]] == [None, "prorated", None]


def test_budget_uses_the_version_in_force(vdb):
    run_cli("slo", "apply", vdb.parent / "v2.yaml", "--effective-from", "2026-03-15", db=vdb)
    feb = run_cli("budget", "--month", "2026-02", "--json", db=vdb).json()["slos"][0]
    assert (feb["target"], feb["version"], feb["allowed_bad"]) == (0.999, 1, float(Fraction(1, 1000) * 40_320))
    assert "definition_changes" not in feb
    r = run_cli("budget", "--month", "2026-03", db=vdb)
    assert "definition changed at 2026-03-15T04:00:00Z (version 2)" in r.stdout
    march = run_cli("budget", "--month", "2026-03", "--json", db=vdb).json()["slos"][0]
    assert march["definition_changes"] == [{"version": 2, "effective_from": "2026-03-15T04:00:00Z"}]
    assert (march["version"], march["target"]) == (2, 0.995)
    mid = run_cli("budget", "--month", "2026-03", "--at", "2026-03-12T00:00:00Z", "--json", db=vdb).json()["slos"][0]
    assert (mid["version"], mid["target"]) == (1, 0.999)


def test_a_new_slo_applied_with_effective_from_starts_then(tmp_path, base):
    """A first version applied with --effective-from starts the SLO: March keeps only the part
    from the 15th (24,480 minutes, 60 bad), February has no row."""
    db = tmp_path / "fresh.duckdb"
    db.write_bytes(base.read_bytes())
    (tmp_path / "other.yaml").write_text(V2.replace("name: ny-avail", "name: ny-late"))
    r = run_cli("slo", "apply", tmp_path / "other.yaml", "--effective-from", "2026-03-15", db=db)
    assert r.code == 0 and "ny-late: defined from 2026-03-15T04:00:00Z" in r.stderr
    feb = run_cli("sla", "--month", "2026-02", "--json", db=db).json()["slos"]
    assert [s["slo"] for s in feb] == ["ny-avail"]
    table = run_cli("sla", "--month", "2026-02", "--slo", "ny-late", db=db)
    assert table.code == 0 and "ny-late was not defined yet in 2026-02" in table.stdout
    march = next(s for s in run_cli("sla", "--month", "2026-03", "--json", db=db).json()["slos"] if s["slo"] == "ny-late")
    (seg,) = march["segments"]
    assert (seg["period_start"], seg["slices"], seg["bad"]) == ("2026-03-15T04:00:00Z", 24_480, 60.0)
    assert (march["period_start"], march["slices"], march["allowed_bad"]) == (
        "2026-03-01T05:00:00Z", 24_480, float(Fraction(5, 1000) * 24_480))


def test_incident_impact_in_a_split_month(vdb, tmp_path):
    """An incident in segment 1: its 30 bad minutes against the month's 142.5 allowed."""
    run_cli("slo", "apply", vdb.parent / "v2.yaml", "--effective-from", "2026-03-15", db=vdb)
    (tmp_path / "inc.csv").write_text(
        "id,service,severity,title,started_at,detected_at,mitigated_at\n"
        "I-1,svc,SEV-2,half,2026-03-10T12:00:00Z,2026-03-10T12:00:00Z,2026-03-10T12:30:00Z\n")
    assert run_cli("ingest", "incidents", tmp_path / "inc.csv", db=vdb).code == 0
    (entry,) = run_cli("impact", "--incident", "I-1", "--json", db=vdb).json()["slos"]
    assert (entry["bad"], entry["month_bad"], entry["month_allowed_bad"]) == (30.0, 90.0, 142.5)
    assert entry["budget_spent"] == float(Fraction(30) / Fraction(285, 2))


def _grouped(doc: str) -> str:
    return doc.replace("metadata:\n  name: ny-avail\n",
                       "metadata:\n  name: ny-avail\n  annotations:\n    reliability/group-by: customer\n", 1)


def test_instances_of_a_changed_definition_are_split_too(tmp_path):
    """A per-instance definition (one SLO per customer) changed on 15 March: each instance's
    March is split as the plain SLO's is (the same series under customer=acme, the same hand
    counts), February keeps 99.9 %, and the budget of April uses 99.5 %."""
    db = tmp_path / "g.duckdb"
    (tmp_path / "v1.yaml").write_text(_grouped(V1))
    (tmp_path / "v2.yaml").write_text(_grouped(V2))
    assert "reliability/group-by: customer" in (tmp_path / "v2.yaml").read_text()
    _series(tmp_path / "plain.csv")
    lines = (tmp_path / "plain.csv").read_text().splitlines()
    (tmp_path / "series.csv").write_text("\n".join([lines[0] + ",customer"] + [x + ",acme" for x in lines[1:]]) + "\n")
    for args in (("slo", "apply", tmp_path / "v1.yaml"), ("ingest", "series", tmp_path / "series.csv"),
                 ("slo", "apply", tmp_path / "v2.yaml", "--effective-from", "2026-03-15")):
        r = run_cli(*args, db=db)
        assert r.code == 0, r.stderr

    def row(month: str) -> dict:
        r = run_cli("sla", "--month", month, "--slo", "ny-avail", "--instance", "customer=acme", "--json", db=db)
        assert r.code == 0, r.stderr
        (found,) = r.json()["slos"]
        assert found["instance"] == {"customer": "acme"}
        return found

    march = row("2026-03")
    one, two = march["segments"]
    assert (one["target"], one["slices"], one["bad"], one["status"]) == (0.999, 20_100, 30.0, "breached")
    assert (two["target"], two["slices"], two["bad"], two["status"]) == (0.995, 24_480, 60.0, "met")
    assert (march["combined"], march["allowed_bad"], march["status"]) == ("prorated", 142.5, "met")
    assert march["target"] == float(1 - Fraction(285, 2) / 44_580)
    feb = row("2026-02")
    assert (feb["target"], feb["version"], feb["allowed_bad"]) == (0.999, 1, float(Fraction(1, 1000) * 28 * 1440))
    (april,) = run_cli("budget", "--month", "2026-04", "--slo", "ny-avail", "--instance", "customer=acme", "--json",
                       db=db).json()["slos"]
    assert (april["target"], april["version"]) == (0.995, 2)
    # Versions belong to the definition: asking for an instance's history says where they are.
    r = run_cli("slo", "history", 'ny-avail{customer="acme"}', db=db)
    assert_bad_input(r, "NAME", "slo history ny-avail")
    assert [v["version"] for v in run_cli("slo", "history", "ny-avail", "--json", db=db).json()["versions"]] == [1, 2]
