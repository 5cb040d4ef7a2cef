"""Declared maintenance windows: `ingest maintenance` and their exclusion from `sla` periods.

Every expected number is worked out by hand from the rows and windows below (slices counted
in minutes of the month, Fractions for the ratios).

Rows (1-minute, service svc unless said): 2025-11-01 00:00-00:09 good 90/100 (bad at 0.95);
01:00 good 50/100; 2025-11-30 23:30 - 2025-12-01 00:59 good 0/100 (90 minutes); service five:
2025-11-01 01:00 good 50/100. Every other minute is missing (no data: good by default).

Windows: MW-A svc [11-01 00:00, 00:10) (10 min); MW-B every service [11-30 23:30, 12-01 00:30)
(across the UTC month boundary, 30 + 30 min); MW-C svc [11-02 05:30, 06:30) (the repeated
01:xx hour of New York's fall-back, 60 min); MW-D svc [12-01 04:30, 05:20) (across New York's
month boundary: 30 min in its November, 20 in its December); MW-E five [11-01 01:02, 01:03).
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import assert_bad_input, run_cli
from test_sla import slo_yaml

WINDOWS = [
    ("MW-A", "svc", "2025-11-01T00:00:00Z", "2025-11-01T00:10:00Z", "db upgrade"),
    ("MW-B", "", "2025-11-30T23:30:00Z", "2025-12-01T00:30:00Z", "network (all services)"),
    ("MW-C", "svc", "2025-11-02T01:30:00-04:00", "2025-11-02T01:30:00-05:00", "over the fall-back hour"),
    ("MW-D", "svc", "2025-12-01T04:30:00Z", "2025-12-01T05:20:00Z", "across New York's month end"),
    ("MW-E", "five", "2025-11-01T01:02:00Z", "2025-11-01T01:03:00Z", "one minute"),
]


def _rows() -> list[str]:
    rows = [f"2025-11-01T00:{m:02d}:00Z,svc,availability,90,100" for m in range(10)]
    rows.append("2025-11-01T01:00:00Z,svc,availability,50,100")
    rows += [f"2025-11-30T23:{m:02d}:00Z,svc,availability,0,100" for m in range(30, 60)]
    rows += [f"2025-12-01T00:{m:02d}:00Z,svc,availability,0,100" for m in range(60)]
    rows.append("2025-11-01T01:00:00Z,five,availability,50,100")
    return ["timestamp,service,sli,good,total", *rows]


@pytest.fixture(scope="module")
def mdb(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("maint")
    db = tmp / "m.duckdb"
    docs = [
        slo_yaml("ts", "Timeslices", "UTC"),
        slo_yaml("occ", "Occurrences", "UTC"),
        slo_yaml("rts", "RatioTimeslices", "UTC"),
        slo_yaml("ts-ny", "Timeslices", "America/New_York"),
        slo_yaml("occ-ny", "Occurrences", "America/New_York"),
        slo_yaml("other-ts", "Timeslices", "UTC", service="other"),
        slo_yaml("five-5m", "Timeslices", "UTC", service="five", window="5m"),
        slo_yaml("five-1m", "Timeslices", "UTC", service="five"),
    ]
    (tmp / "slos.yaml").write_text("---\n".join(docs))
    (tmp / "series.csv").write_text("\n".join(_rows()) + "\n")
    (tmp / "mw.csv").write_text(
        "id,service,starts_at,ends_at,description\n" + "\n".join(",".join(w) for w in WINDOWS) + "\n"
    )
    for args in (("slo", "apply", tmp / "slos.yaml"), ("ingest", "series", tmp / "series.csv"),
                 ("ingest", "maintenance", tmp / "mw.csv")):
        r = run_cli(*args, db=db)
        assert r.code == 0, r.stderr
    return db


def _sla(db: Path, month: str, slo: str, *extra: str) -> dict:
    r = run_cli("sla", "--month", month, "--slo", slo, "--json", *extra, db=db)
    assert r.code == 0, r.stderr
    (row,) = r.json()["slos"]
    return row


F = Fraction
# (month, slo, expected) by hand.
CASES = [
    # UTC November: 43,200 slices; MW-A removes 10 (its 10 bad minutes), MW-C 60, MW-B the
    # last 30 (30 bad minutes): 43,100 left, of which only 01:00 has data and is bad.
    ("2025-11", "ts", {"slices": 43100, "excluded_slices": 100, "maintenance_minutes": 100.0, "bad": 1.0,
                       "attainment": F(43099, 43100), "allowed_bad": F(431, 10), "no_data": 43099,
                       "error_budget_remaining": 1 - F(10, 431), "breached": False,
                       "maintenance_windows": ["MW-A", "MW-C", "MW-B"]}),
    ("2025-11", "occ", {"good": 50.0, "total": 100.0, "bad": 50.0, "attainment": F(1, 2), "allowed_bad": F(1, 10),
                        "excluded_slices": 100, "breached": True}),
    ("2025-11", "rts", {"slices_with_data": 1, "attainment": F(1, 2), "bad": F(1, 2), "allowed_bad": F(1, 1000),
                        "excluded_slices": 100}),
    # UTC December: 44,640 slices; MW-B removes 00:00-00:29, MW-D 04:30-05:19 (50): 44,560
    # left; 00:30-00:59 are 30 bad minutes with 3,000 failed events.
    ("2025-12", "ts", {"slices": 44560, "excluded_slices": 80, "bad": 30.0, "attainment": F(44530, 44560),
                       "maintenance_windows": ["MW-B", "MW-D"]}),
    ("2025-12", "occ", {"good": 0.0, "total": 3000.0, "attainment": F(0), "bad": 3000.0, "allowed_bad": F(3)}),
    ("2025-12", "rts", {"slices_with_data": 30, "attainment": F(0), "bad": 30.0, "allowed_bad": F(3, 100)}),
    # New York November (DST): [11-01 04:00Z, 12-01 05:00Z) = 43,260 minutes. MW-A and the
    # 01:00Z row are before it. MW-B 60, MW-C 60 (the repeated hour), MW-D 30: 150 removed.
    # Left with data: 12-01 00:30-00:59Z, 30 bad minutes.
    ("2025-11", "ts-ny", {"slices": 43110, "excluded_slices": 150, "maintenance_minutes": 150.0, "bad": 30.0,
                          "attainment": F(43080, 43110), "allowed_bad": F(43110, 1000),
                          "maintenance_windows": ["MW-C", "MW-B", "MW-D"]}),
    ("2025-11", "occ-ny", {"total": 3000.0, "bad": 3000.0, "excluded_slices": 150}),
    # New York December starts 12-01 05:00Z: MW-D's last 20 minutes.
    ("2025-12", "ts-ny", {"slices": 44620, "excluded_slices": 20, "bad": 0.0, "attainment": F(1),
                          "maintenance_windows": ["MW-D"]}),
    # Windows of other services do not apply; MW-B (all services) does.
    ("2025-11", "other-ts", {"slices": 43170, "excluded_slices": 30, "no_data": 43170,
                             "maintenance_windows": ["MW-B"]}),
    # 5-minute slices: MW-E (one minute) removes the whole slice [01:00, 01:05), and with it
    # the bad 01:00 row; MW-B removes 6 slices. 8,640 - 7 = 8,633.
    ("2025-11", "five-5m", {"slices": 8633, "excluded_slices": 7, "maintenance_minutes": 35.0, "bad": 0.0,
                            "attainment": F(1), "slices_with_data": 0}),
    # 1-minute slices: MW-E removes 01:02 only; the 01:00 row stays bad.
    ("2025-11", "five-1m", {"slices": 43169, "excluded_slices": 31, "bad": 1.0, "attainment": F(43168, 43169)}),
]


@pytest.mark.parametrize("month, slo, want", CASES, ids=[f"{c[1]}-{c[0]}" for c in CASES])
def test_maintenance_is_left_out_of_the_period(mdb, month, slo, want):
    row = _sla(mdb, month, slo)
    got = {k: row[k] for k in want}
    assert got == {k: float(v) if isinstance(v, Fraction) else v for k, v in want.items()}


def test_no_data_bad_does_not_count_maintenance_as_bad(mdb):
    row = _sla(mdb, "2025-11", "ts", "--no-data", "bad")
    assert (row["slices"], row["bad"], row["attainment"]) == (43100, 43100.0, 0.0)


def test_without_windows_the_same_numbers_as_before(tmp_path, mdb):
    # The same SLO over the same rows in a database with no windows: every bad minute counts.
    db = tmp_path / "plain.duckdb"
    src = mdb.parent
    assert run_cli("slo", "apply", src / "slos.yaml", db=db).code == 0
    assert run_cli("ingest", "series", src / "series.csv", db=db).code == 0
    row = _sla(db, "2025-11", "ts")
    assert (row["slices"], row["bad"], row["excluded_slices"], row["maintenance_minutes"],
            row["maintenance_windows"]) == (43200, 41.0, 0, 0.0, [])
    # --maintenance FILE: the same windows from a file, not stored.
    row = _sla(db, "2025-11", "ts", "--maintenance", src / "mw.csv")
    assert (row["slices"], row["bad"], row["excluded_slices"]) == (43100, 1.0, 100)
    assert _sla(db, "2025-11", "ts")["excluded_slices"] == 0


def test_history_and_text_output_show_maintenance(mdb):
    r = run_cli("sla", "--from", "2025-11", "--to", "2025-12", "--slo", "ts", "--json", db=mdb)
    assert r.code == 0, r.stderr
    assert [m["slos"][0]["excluded_slices"] for m in r.json()["months"]] == [100, 80]
    r = run_cli("sla", "--month", "2025-11", "--slo", "ts", db=mdb)
    assert "ts: 100 minutes of maintenance left out of the period (MW-A, MW-C, MW-B)" in r.stdout


def test_reingest_replaces_by_id(tmp_path, mdb):
    db = tmp_path / "r.duckdb"
    src = mdb.parent
    assert run_cli("slo", "apply", src / "slos.yaml", db=db).code == 0
    assert run_cli("ingest", "maintenance", src / "mw.csv", db=db).code == 0
    assert run_cli("ingest", "maintenance", src / "mw.csv", db=db).code == 0
    assert _sla(db, "2025-11", "ts")["excluded_slices"] == 100
    moved = tmp_path / "moved.json"
    moved.write_text(json.dumps([{"id": "MW-A", "service": "svc", "starts_at": "2025-11-01T00:00:00Z",
                                  "ends_at": "2025-11-01T00:20:00Z"}]))
    r = run_cli("ingest", "maintenance", moved, "--json", db=db)
    assert r.code == 0, r.stderr
    assert r.json()["files"][0]["windows"] == 1 and r.json()["files"][0]["minutes"] == 20.0
    assert _sla(db, "2025-11", "ts")["excluded_slices"] == 110


BAD = [
    ("id,starts_at,ends_at\nX,2025-11-01T01:00:00Z,2025-11-01T00:00:00Z\n", "bad.csv", ["row 2", "ends_at"]),
    ("id,starts_at,ends_at\nX,2025-11-01T00:00:00Z,2025-11-01T00:00:00Z\n", "bad.csv", ["row 2", "ends_at"]),
    ("id,starts_at,ends_at\nX,2025-11-01T00:00:00Z,2025-11-01T01:00:00Z\n,2025-11-01T00:00:00Z,2025-11-01T01:00:00Z\n",
     "bad.csv", ["row 3", "'id'"]),
    ("id,starts_at,ends_at\nX,2025-11-01 00:00:00,2025-11-01T01:00:00Z\n", "bad.csv", ["row 2", "starts_at", "time zone"]),
    ("id,starts_at\nX,2025-11-01T00:00:00Z\n", "bad.csv", ["row 1", "ends_at"]),
    ("id,starts_at,ends_at\nX,2025-11-01T00:00:00Z,2025-11-01T01:00:00Z\nX,2025-11-02T00:00:00Z,2025-11-02T01:00:00Z\n",
     "bad.csv", ["row 3", "duplicate id"]),
    ('[{"id": "X", "starts_at": "2025-11-01T00:00:00Z"}]', "bad.json", ["record 1", "ends_at"]),
]


@pytest.mark.parametrize("text, name, fragments", BAD, ids=[f"bad-{i}" for i in range(len(BAD))])
def test_bad_input_writes_nothing(tmp_path, text, name, fragments):
    db = tmp_path / "b.duckdb"
    good = tmp_path / "good.csv"
    good.write_text("id,starts_at,ends_at\nOK,2025-11-01T00:00:00Z,2025-11-01T01:00:00Z\n")
    bad = tmp_path / name
    bad.write_text(text)
    assert_bad_input(run_cli("ingest", "maintenance", good, bad, db=db), name, *fragments)
    assert not db.exists()  # a failing first write leaves no database behind
    series = tmp_path / "series.csv"
    series.write_text("timestamp,service,sli,good,total\n2025-11-01T00:00:00Z,s,a,1,1\n")
    assert run_cli("ingest", "series", series, db=db).code == 0
    assert_bad_input(run_cli("ingest", "maintenance", good, bad, db=db), name, *fragments)
    assert_bad_input(run_cli("sla", "--month", "2025-11", "--maintenance", bad, db=db), name, *fragments)
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from maintenance_windows").fetchone()[0] == 0
