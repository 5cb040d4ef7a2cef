"""`reliability worst`: the worst non-overlapping windows, by hand.

Timeslices (svc, 99.9 %, 1-minute slices, November 2025 UTC), bad minutes only: 23:40-00:19
across the night of 5 to 6 November (40), 08:00-08:04 on 12 November (5), 15:00-15:02 on 20
November (3). Occurrences (occ): 1,000 events a minute 09:00-11:00 on 10 November, 100 failed
in each of 10:00-10:09 and 3 at 10:30.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest

from conftest import assert_bad_input, run_cli
from test_budget import iso
from test_burn import occ_rows
from test_sla import slo_yaml

UTC = timezone.utc


def T(day: int, hh: int = 0, mm: int = 0) -> str:
    return iso(datetime(2025, 11, day, hh, mm, tzinfo=UTC))


@pytest.fixture(scope="module")
def wdb(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("worst")
    db = tmp / "w.duckdb"
    docs = [slo_yaml("ts", "Timeslices", "UTC"), slo_yaml("occ", "Occurrences", "UTC", service="occ")]
    (tmp / "slos.yaml").write_text("---\n".join(docs))
    bad = ([datetime(2025, 11, 5, 23, 40, tzinfo=UTC) + timedelta(minutes=i) for i in range(40)]
           + [datetime(2025, 11, 12, 8, i, tzinfo=UTC) for i in range(5)]
           + [datetime(2025, 11, 20, 15, i, tzinfo=UTC) for i in range(3)])
    lines = ["timestamp,service,sli,good,total"] + [f"{iso(t)},svc,availability,1,10" for t in bad]
    day = datetime(2025, 11, 10, tzinfo=UTC)
    lines += [f"{iso(day + timedelta(minutes=m))},occ,availability,{g},{t}" for m, (g, t) in occ_rows().items()]
    (tmp / "s.csv").write_text("\n".join(lines) + "\n")
    assert run_cli("slo", "apply", tmp / "slos.yaml", db=db).code == 0
    assert run_cli("ingest", "series", tmp / "s.csv", db=db).code == 0
    return db


def windows(db, slo, window, top) -> list[dict]:
    r = run_cli("worst", "--month", "2025-11", "--slo", slo, "--window", window, "--top", str(top), "--json", db=db)
    assert r.code == 0, r.stderr
    return r.json()["slos"][0]["windows"]


def w(start, end, bad, failed, events, burn, bad_minutes=None):
    return {"start": start, "end": end, "bad": bad, "bad_minutes": bad if bad_minutes is None else bad_minutes,
            "failed_events": failed, "events": events, "burn_rate": burn}


def test_worst_hours_straddle_midnight(wdb):
    # bad/60 slices/0.001: 40 -> 666.67, 5 -> 83.33, 3 -> 50; each row has 9 failed of 10 events
    assert windows(wdb, "ts", "1h", 5) == [
        w(T(5, 23, 40), T(6, 0, 40), 40.0, 360.0, 400.0, float(Fraction(40, 60) * 1000)),
        w(T(12, 8), T(12, 9), 5.0, 45.0, 50.0, float(Fraction(5, 60) * 1000)),
        w(T(20, 15), T(20, 16), 3.0, 27.0, 30.0, float(Fraction(3, 60) * 1000)),
    ]


def test_worst_30_minutes_split_the_night(wdb):
    # 23:40-00:10 holds 30 bad minutes; the next worst not overlapping it is 00:10-00:40 (10).
    got = windows(wdb, "ts", "30m", 2)
    assert [(x["start"], x["end"], x["bad"]) for x in got] == [(T(5, 23, 40), T(6, 0, 10), 30.0),
                                                               (T(6, 0, 10), T(6, 0, 40), 10.0)]


def test_worst_day_is_not_a_calendar_day(wdb):
    got = windows(wdb, "ts", "1d", 1)
    assert got == [w(T(5, 23, 40), T(6, 23, 40), 40.0, 360.0, 400.0, float(Fraction(40, 1440) * 1000))]


def test_worst_occurrences_by_failed_events(wdb):
    assert windows(wdb, "occ", "30m", 3) == [
        w(T(10, 10), T(10, 10, 30), 1000.0, 1000.0, 30000.0, float(Fraction(1000, 30000) * 1000), bad_minutes=10.0),
        w(T(10, 10, 30), T(10, 11), 3.0, 3.0, 30000.0, float(Fraction(3, 30000) * 1000), bad_minutes=1.0),
    ]


@pytest.mark.parametrize("args, fragments", [
    (("--month", "2025-11", "--window", "1M"), ("--window",)),
    (("--month", "2025-11", "--window", "90s"), ("--window",)),
    (("--month", "2025-11", "--slo", "nope"), ("--slo",)),
    (("--month", "11-2025"), ("--month",)),
])
def test_bad_options(wdb, args, fragments):
    assert_bad_input(run_cli("worst", *args, "--json", db=wdb), *fragments)
