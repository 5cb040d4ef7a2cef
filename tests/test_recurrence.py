"""`reliability recurrence`: repeats within and just outside the window, similar titles,
PagerDuty-style frequency classes at their boundaries, weekday x hour, related incidents."""

from __future__ import annotations

import json

import pytest

from conftest import assert_bad_input, run_cli


def inc(id, service, det, cause, title=None, tags=None):
    return {"id": id, "service": service, "severity": "SEV-3", "detected_at": det, "root_cause": cause,
            "title": title, "tags": tags}


INCIDENTS = [
    # R2 is exactly 90 days after R1 (31 + 28 + 31); R3 is 90 days and 1 minute after R2.
    inc("R1", "api", "2026-01-01T00:00:00Z", "Disk full.", "Disk full on db-1", ["disk"]),
    inc("R2", "api", "2026-04-01T00:00:00Z", "disk   FULL", "Disk full on db-1", ["disk", "db"]),
    inc("R3", "api", "2026-06-30T00:01:00Z", "Disk full", "Certificate expired", ["disk"]),
    inc("R4", "web", "2026-04-01T01:00:00Z", "Same as R2.", "Payment latency"),
    inc("R5", "web", "2026-04-01T02:00:00Z", "Disk full"),
    # svc: X has 5 alike of 6 prior (Frequent), Y 1 of 7 (Occasional), Z none (Anomaly).
    *[inc(f"P{i}", "svc", f"2026-09-0{i}T00:00:00Z", "A") for i in range(1, 6)],
    inc("Q1", "svc", "2026-09-06T00:00:00Z", "B"),
    inc("X", "svc", "2026-09-10T00:00:00Z", "A"),
    inc("Y", "svc", "2026-09-11T00:00:00Z", "B"),
    inc("Z", "svc", "2026-09-12T00:00:00Z", "C"),
    # svc2: W has 1 alike of 20 prior = 5 % exactly (Rare).
    inc("K1", "svc2", "2026-08-01T00:00:00Z", "B"),
    *[inc(f"A{i}", "svc2", f"2026-08-01T{i:02d}:00:00Z", "A") for i in range(1, 20)],
    inc("W", "svc2", "2026-08-02T00:00:00Z", "B"),
    # svc3: T2 exactly 30 days after T1 (inside the prior 30 days); T3 30 days + 1 minute after T2.
    inc("T1", "svc3", "2026-01-01T00:00:00Z", "A"),
    inc("T2", "svc3", "2026-01-31T00:00:00Z", "A"),
    inc("T3", "svc3", "2026-03-02T00:01:00Z", "A"),
]


@pytest.fixture(scope="module")
def rdb(tmp_path_factory):
    base = tmp_path_factory.mktemp("rec")
    (base / "inc.json").write_text(json.dumps(INCIDENTS))
    db = base / "r.duckdb"
    r = run_cli("ingest", "incidents", base / "inc.json", db=db)
    assert r.code == 0, r.stderr
    return db


def rec(db, *args):
    r = run_cli("recurrence", *args, "--json", db=db)
    assert r.code == 0, r.stderr
    return r.json()


def test_repeats_within_and_just_outside_the_window(rdb):
    repeats = [(r["earlier"], r["later"], r["gap_minutes"]) for r in rec(rdb)["repeats"] if r["service"] == "api"]
    assert repeats == [("R1", "R2", 129600.0)]
    wider = [(r["earlier"], r["later"]) for r in rec(rdb, "--window-days", "91")["repeats"] if r["service"] == "api"]
    assert wider == [("R1", "R2"), ("R2", "R3")]


def test_similar_titles(rdb):
    assert [(s["a"], s["b"], s["similarity"]) for s in rec(rdb)["similar_titles"]] == [("R1", "R2", 1.0)]


def test_frequency_classes(rdb):
    doc = rec(rdb)
    freq = {f["id"]: (f["prior"], f["alike"], f["class"]) for f in doc["frequency"]}
    assert freq["X"] == (6, 5, "Frequent")
    assert freq["Y"] == (7, 1, "Occasional")
    assert freq["Z"] == (8, 0, "Anomaly")
    assert freq["W"] == (20, 1, "Rare")
    assert freq["A1"] == (1, 0, "Anomaly") and freq["A2"] == (2, 1, "Frequent")
    assert freq["T2"] == (1, 1, "Frequent") and freq["T3"] == (0, 0, "Anomaly")
    assert doc["frequency_by_service"]["svc3"] == {"Frequent": 1, "Occasional": 0, "Rare": 0, "Anomaly": 2}


def test_weekday_hour_in_a_zone(rdb):
    # January 2026 UTC: R1 and T1 (Thursday 00:00), T2 (Saturday 00:00).
    assert rec(rdb, "--start", "2026-01", "--end", "2026-01")["weekday_hour"] == [
        {"weekday": 4, "hour": 0, "incidents": 2}, {"weekday": 6, "hour": 0, "incidents": 1}]
    # January in New York starts 05:00Z: only T2, Friday 19:00 there.
    assert rec(rdb, "--start", "2026-01", "--end", "2026-01", "--tz", "America/New_York")["weekday_hour"] == [
        {"weekday": 5, "hour": 19, "incidents": 1}]


def test_related_incidents_with_reasons(rdb):
    related = rec(rdb, "--incident", "R2")["related"]
    assert [r["id"] for r in related] == ["R1", "R4"]
    assert related[0]["reasons"] == [
        {"reason": "repeat", "root_cause": "disk   FULL", "gap_minutes": 129600.0},  # the later one's text
        {"reason": "similar_title", "similarity": 1.0},
        {"reason": "shared_tags", "tags": ["disk"]},
    ]
    assert related[1]["reasons"] == [{"reason": "mentions", "detail": "R4 names R2"}]


def test_sample_recurrence_finds_the_connection_pool_story(tmp_path):
    from conftest import ROOT

    db = tmp_path / "s.duckdb"
    assert run_cli("ingest", "incidents", ROOT / "data" / "incidents.json", db=db).code == 0
    related = {r["id"]: r["reasons"] for r in rec(db, "--incident", "INC-0137")["related"]}
    assert {x["reason"] for x in related["INC-0111"]} == {"mentions", "shared_tags"}


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--window-days", "0"], ["--window-days"]),
        (["--similarity", "1.5"], ["--similarity"]),
        (["--incident", "NOPE"], ["--incident", "NOPE"]),
        (["--start", "2026/01"], ["--start"]),
    ],
)
def test_bad_options(rdb, args, fragments):
    assert_bad_input(run_cli("recurrence", *args, "--json", db=rdb), *fragments)
