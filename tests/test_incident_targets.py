"""`reliability compliance` and `action-items`: response targets (SEV-4 over a weekend and a
holiday), update-cadence gaps, post-mortem deadlines and action items, all worked out by hand."""

from __future__ import annotations

import json

import pytest

from conftest import assert_bad_input, run_cli


def inc(id, sev, det, **kw):
    return {"id": id, "service": kw.pop("service", "api"), "severity": sev, "detected_at": det, **kw}


INCIDENTS = [
    # January 2026: response targets. 2026-01-09 is a Friday.
    inc("R1", "SEV-1", "2026-01-05T10:00:00Z", acknowledged_at="2026-01-05T10:05:00Z"),  # exactly 5: met
    inc("R2", "SEV-1", "2026-01-06T10:00:00Z", acknowledged_at="2026-01-06T10:05:01Z"),  # missed by a second
    inc("R3", "SEV-1", "2026-01-07T10:00:00Z"),  # never acknowledged
    inc("W1", "SEV-4", "2026-01-09T18:00:00Z", acknowledged_at="2026-01-12T23:59:00Z"),  # Monday 23:59: met
    inc("W2", "SEV-4", "2026-01-09T18:00:00Z", acknowledged_at="2026-01-13T00:00:00Z"),  # Tuesday 00:00: missed
    # February 2026: update cadence.
    inc("C1", "SEV-1", "2026-02-02T10:00:00Z", mitigated_at="2026-02-02T11:00:00Z", timeline=[
        {"at": "2026-02-02T10:15:00Z", "kind": "update", "text": "u1"},
        {"at": "2026-02-02T10:30:00Z", "kind": "update", "text": "u2"},
        {"at": "2026-02-02T10:40:00Z", "kind": "update", "text": "u3"},
        {"at": "2026-02-02T10:50:00Z", "kind": "status", "text": "status only"},
    ]),  # gaps 15 15 10 20: one over 15
    inc("C2", "SEV-1", "2026-02-03T12:00:00Z", resolved_at="2026-02-03T12:15:00Z"),  # one gap of exactly 15
    inc("C3", "SEV-2", "2026-02-04T00:00:00Z", mitigated_at="2026-02-04T03:00:00Z", timeline=[
        {"at": "2026-02-04T00:59:00Z", "kind": "update", "text": "a"},
        {"at": "2026-02-04T02:00:00Z", "kind": "update", "text": "b"},
    ]),  # gaps 59 61 60
    inc("C4", "SEV-2", "2026-02-05T00:00:00Z"),  # still open: not assessed
    # March 2026: post-mortems and action items.
    inc("P1", "SEV-1", "2026-03-02T09:00:00Z", resolved_at="2026-03-02T10:00:00Z",
        postmortem_published_at="2026-03-04T10:00:00Z", action_items=[
            {"title": "a", "owner": "ana", "due": "2026-03-10", "done": False},
            {"title": "b", "owner": "ana", "due": "2026-03-20", "done": False},
            {"title": "c", "owner": "bo", "due": "2026-03-01", "done": True},
            {"title": "d"},
        ]),
    inc("P2", "SEV-1", "2026-03-02T09:00:00Z", resolved_at="2026-03-02T10:00:00Z",
        postmortem_published_at="2026-03-04T10:01:00Z", service="web"),
    inc("P3", "SEV-1", "2026-03-09T23:00:00Z", resolved_at="2026-03-10T00:00:00Z"),
    inc("P4", "SEV-1", "2026-03-11T00:00:00Z"),
    inc("P5", "SEV-2", "2026-03-11T00:00:00Z", resolved_at="2026-03-11T01:00:00Z",
        postmortem_published_at="2026-03-11T13:00:00Z"),
]


@pytest.fixture(scope="module")
def tdb(tmp_path_factory):
    base = tmp_path_factory.mktemp("targets")
    (base / "inc.json").write_text(json.dumps(INCIDENTS))
    db = base / "t.duckdb"
    r = run_cli("ingest", "incidents", base / "inc.json", db=db)
    assert r.code == 0, r.stderr
    return db


def comp(db, month, *args):
    r = run_cli("compliance", "--month", month, *args, "--json", db=db)
    assert r.code == 0, r.stderr
    return r.json()


def test_response_targets_and_sev4_over_a_weekend(tdb):
    doc = comp(tdb, "2026-01", "--as-of", "2026-02-01")
    assert doc["response"]["SEV-1"] == {
        "target": 5.0, "count": 3, "met": 1, "missed": 2, "never_acknowledged": 1,
        "met_share": 1 / 3, "missed_ids": ["R2", "R3"], "ack_unknown": 0, "ack_unknown_ids": [],
    }
    sev4 = doc["response"]["SEV-4"]
    assert (sev4["target"], sev4["met"], sev4["missed_ids"]) == ("next-business-day", 1, ["W2"])


def test_holiday_moves_the_sev4_deadline(tdb):
    # Monday 2026-01-12 a holiday: the next business day is Tuesday, ending Wednesday 00:00.
    doc = comp(tdb, "2026-01", "--holiday", "2026-01-12", "--as-of", "2026-02-01")
    assert doc["response"]["SEV-4"]["met"] == 2
    assert doc["business_calendar"] == {"time_zone": "UTC", "holidays": ["2026-01-12"]}


def test_business_calendar_in_its_own_zone(tdb):
    # In New York, Monday ends at Tuesday 05:00Z: Tuesday 00:00Z meets it.
    doc = comp(tdb, "2026-01", "--business-tz", "America/New_York", "--as-of", "2026-02-01")
    assert doc["response"]["SEV-4"]["met"] == 2


def test_update_cadence_gaps(tdb):
    cad = comp(tdb, "2026-02", "--as-of", "2026-03-01")["cadence"]
    assert cad["SEV-1"] == {
        "target_minutes": 15.0, "incidents": 2, "assessed": 2, "not_assessed": 0, "compliant": 1,
        "compliant_share": 0.5, "gaps": 5, "gaps_over_target": 1, "gaps_over_target_share": 0.2,
        "longest_silence_minutes": 20.0,
        "violations": [{"id": "C1", "gaps": 4, "gaps_over_target": 1, "longest_silence_minutes": 20.0, "compliant": False}],
    }
    sev2 = cad["SEV-2"]
    assert (sev2["assessed"], sev2["not_assessed"], sev2["gaps"], sev2["gaps_over_target"]) == (1, 1, 3, 1)
    assert sev2["longest_silence_minutes"] == 61.0 and sev2["compliant_share"] == 0.0


def test_cadence_counting_status_entries_and_other_targets(tdb):
    cad = comp(tdb, "2026-02", "--update-kind", "update", "--update-kind", "status", "--cadence", "SEV-2=61",
               "--as-of", "2026-03-01")["cadence"]
    assert cad["SEV-1"]["compliant"] == 2 and cad["SEV-1"]["longest_silence_minutes"] == 15.0
    assert cad["SEV-2"]["compliant"] == 1 and cad["SEV-2"]["target_minutes"] == 61.0


def test_postmortems(tdb):
    pm = comp(tdb, "2026-03", "--as-of", "2026-03-20")["postmortems"]
    sev1 = pm["SEV-1"]
    assert (sev1["on_time"], sev1["late"], sev1["missing"], sev1["due"], sev1["unresolved"]) == (1, 1, 1, 0, 1)
    assert sev1["compliance"] == 1 / 3 and sev1["required"] is True
    assert [(i["id"], i["status"], i["hours_after_resolution"]) for i in sev1["not_compliant"]] == [
        ("P2", "late", 2881 / 60), ("P3", "missing", None)]
    assert pm["SEV-2"]["required"] is False and pm["SEV-2"]["on_time"] == 1 and pm["SEV-2"]["published_share"] == 1.0


def test_postmortem_not_missing_before_its_deadline(tdb):
    # P3 resolved 2026-03-10 00:00: its 48 hours end 2026-03-12 00:00 exactly.
    assert comp(tdb, "2026-03", "--as-of", "2026-03-12T00:00:00Z")["postmortems"]["SEV-1"]["due"] == 1
    assert comp(tdb, "2026-03", "--as-of", "2026-03-12T00:00:01Z")["postmortems"]["SEV-1"]["missing"] == 1


def test_action_items(tdb):
    doc = run_cli("action-items", "--as-of", "2026-03-15", "--json", db=tdb).json()
    assert (doc["total"], doc["done"], doc["open"], doc["overdue"]) == (4, 1, 3, 1)
    assert doc["by_owner"] == {
        "(unassigned)": {"total": 1, "done": 0, "open": 1, "overdue": 0},
        "ana": {"total": 2, "done": 0, "open": 2, "overdue": 1},
        "bo": {"total": 1, "done": 1, "open": 0, "overdue": 0},
    }
    assert [(i["title"], i["overdue"], i["due"]) for i in doc["open_items"]] == [
        ("a", True, "2026-03-10T00:00:00Z"), ("b", False, "2026-03-20T00:00:00Z"), ("d", False, None)]
    # Due exactly at --as-of is not overdue yet.
    assert run_cli("action-items", "--as-of", "2026-03-10", "--json", db=tdb).json()["overdue"] == 0
    assert run_cli("action-items", "--owner", "bo", "--as-of", "2026-03-15", "--json", db=tdb).json()["total"] == 1


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--holiday", "2026-13-01"], ["--holiday", "YYYY-MM-DD"]),
        (["--cadence", "SEV-1=0"], ["--cadence", "positive"]),
        (["--cadence", "P1=5"], ["--cadence"]),
        (["--business-tz", "Nowhere/Land"], ["--business-tz"]),
        (["--as-of", "yesterday"], ["--as-of"]),
    ],
)
def test_bad_options(tdb, args, fragments):
    assert_bad_input(run_cli("compliance", "--month", "2026-01", *args, "--json", db=tdb), *fragments)


@pytest.fixture(scope="module")
def sample_incidents_db(tmp_path_factory):
    from conftest import ROOT

    db = tmp_path_factory.mktemp("sample") / "s.duckdb"
    r = run_cli("ingest", "incidents", ROOT / "data" / "incidents.json", db=db)
    assert r.code == 0, r.stderr
    return db


def test_sample_matches_its_readme(sample_incidents_db):
    """data/README.md lists the misses of every target; an independent account of the sample."""
    from datetime import UTC, datetime

    from reliability import store
    from reliability.incidents import postmortems, targets

    months = ["2025-10", "2025-11", "2025-12"] + [f"2026-{m:02d}" for m in range(1, 11)]
    cadence, missed, late = [], [], []
    with store.connect(sample_incidents_db, read_only=True) as con:
        for m in months:
            doc = targets.monthly(con, m)
            cadence += [v["id"] for c in doc["cadence"].values() for v in c["violations"]]
            missed += [i for r in doc["response"].values() for i in r["missed_ids"]]
            pm = postmortems.monthly(con, m, as_of=datetime(2026, 12, 1, tzinfo=UTC))
            late += [(i["id"], i["status"]) for i in pm["SEV-1"]["not_compliant"]]
    assert sorted(cadence) == ["INC-0023", "INC-0030", "INC-0057", "INC-0091", "INC-0093"]
    assert sorted(missed) == sorted(
        "INC-0030 INC-0100 INC-0060 INC-0064 INC-0112 INC-0130 INC-0013 INC-0048 INC-0052 INC-0104 INC-0116 "
        "INC-0126 INC-0006 INC-0055 INC-0094 INC-0097 INC-0146 INC-0150".split())
    assert late == [("INC-0047", "late"), ("INC-0158", "missing")]
