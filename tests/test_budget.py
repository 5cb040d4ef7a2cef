"""`reliability budget`: burn-down points, policy status and exhaustion forecasts, by hand.

Timeslices (svc, 99.9 %, 1-minute slices, November 2025 UTC: 43,200 slices, allowed 43.2):
bad minutes are 00:00-00:09 on 3 November (10) and 12:00-12:39 on 20 November (40), nothing
else has data (good). In New York the same SLO's month has 43,260 slices (DST ends on the 2nd).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest

from conftest import assert_bad_input, run_cli
from test_burn import occ_rows
from test_sla import slo_yaml

UTC = timezone.utc
BUDGET = Fraction(1, 1000)
ALLOWED = BUDGET * 43200  # 43.2


def iso(t: datetime) -> str:
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        text += f".{t.microsecond:06d}".rstrip("0")
    return text + "Z"


def T(day: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(2025, 11, day, hh, mm, tzinfo=UTC)


@pytest.fixture(scope="module")
def gdb(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("budget")
    db = tmp / "g.duckdb"
    docs = [slo_yaml("ts", "Timeslices", "UTC"), slo_yaml("ts-ny", "Timeslices", "America/New_York"),
            slo_yaml("occ", "Occurrences", "UTC", service="occ")]
    (tmp / "slos.yaml").write_text("---\n".join(docs))
    bad = [T(3) + timedelta(minutes=i) for i in range(10)] + [T(20, 12) + timedelta(minutes=i) for i in range(40)]
    lines = ["timestamp,service,sli,good,total"] + [f"{iso(t)},svc,availability,0,10" for t in bad]
    day = T(10)
    lines += [f"{iso(day + timedelta(minutes=m))},occ,availability,{g},{t}" for m, (g, t) in occ_rows().items()]
    (tmp / "s.csv").write_text("\n".join(lines) + "\n")
    assert run_cli("slo", "apply", tmp / "slos.yaml", db=db).code == 0
    assert run_cli("ingest", "series", tmp / "s.csv", db=db).code == 0
    return db


def one(db, *args) -> dict:
    # The fixture stores only the slices that matter (the rest is no data, counted good): a
    # coverage of a few slices, which is insufficient data unless the test says it may do.
    r = run_cli("budget", "--month", "2025-11", *args, "--min-coverage", "0", "--json", db=db)
    assert r.code == 0, r.stderr
    return r.json()["slos"][0]


def test_burn_down_crosses_zero(gdb):
    row = one(gdb, "--slo", "ts")
    points = row["points"]
    assert [p["at"] for p in points] == [iso(T(1) + timedelta(days=d)) for d in range(30)] + ["2025-12-01T00:00:00Z"]
    bad_by_day = [0] * 3 + [10] * 17 + [50] * 11  # bad so far at midnight of 1..30 Nov and 1 Dec
    for p, bad in zip(points, bad_by_day):
        assert p["bad"] == bad and p["allowed_bad"] == 43.2
        assert p["remaining"] == float(1 - bad / ALLOWED)
    assert points[3]["remaining"] == float(Fraction(83, 108)) and points[-1]["remaining"] == float(Fraction(-17, 108))
    # The 44th bad minute (12:33) takes bad past 43.2: exhausted when it ends.
    assert row["exhausted_at"] == "2025-11-20T12:34:00Z"
    assert row["status"] == "exhausted" and row["error_budget_remaining"] == float(Fraction(-17, 108))
    sla_row = run_cli("sla", "--month", "2025-11", "--slo", "ts", "--json", db=gdb).json()["slos"][0]
    assert row["error_budget_remaining"] == sla_row["error_budget_remaining"]


def test_hourly_points_and_dst_month(gdb):
    row = one(gdb, "--slo", "ts", "--step", "1h", "--at", "2025-11-03T03:00:00Z")
    assert [p["bad"] for p in row["points"]] == [0] * 49 + [10, 10, 10]
    assert len(row["points"]) == 2 * 24 + 3 + 1 and row["points"][-1]["at"] == "2025-11-03T03:00:00Z"
    ny = one(gdb, "--slo", "ts-ny")
    # Local midnights: 04:00Z while daylight time lasts (1-2 Nov), 05:00Z after.
    assert [p["at"] for p in ny["points"][:4]] == ["2025-11-01T04:00:00Z", "2025-11-02T04:00:00Z",
                                                    "2025-11-03T05:00:00Z", "2025-11-04T05:00:00Z"]
    assert ny["allowed_bad"] == 43.26 and len(ny["points"]) == 31


def test_forecast_exhausts_this_period(gdb):
    row = one(gdb, "--slo", "ts", "--at", "2025-11-20T12:20:00Z")
    assert row["bad"] == 30 and row["status"] == "at_risk"  # 1 - 30/43.2 = 30.6 % left, forecast hits
    left = ALLOWED - 30  # 13.2 slices
    one_day, seven_days = row["forecast"]
    # last day: 20 bad of 1,440 slices -> 20/1440 bad minutes a minute -> 950.4 minutes
    assert one_day["burn_rate"] == float(Fraction(20, 1440) / BUDGET)
    assert one_day["minutes_to_exhaustion"] == float(left / Fraction(20, 1440)) == 950.4
    assert one_day["exhausts_at"] == "2025-11-21T04:10:24Z" and one_day["exhausts_this_period"] is True
    # last 7 days: 20 of 10,080 -> 6,652.8 minutes -> 25 Nov 03:12:48
    assert seven_days["minutes_to_exhaustion"] == float(left / Fraction(20, 10080))
    assert seven_days["exhausts_at"] == "2025-11-25T03:12:48Z"


def test_forecast_not_this_period(gdb):
    row = one(gdb, "--slo", "ts", "--at", "2025-11-10T00:00:00Z")
    assert row["status"] == "healthy"  # 76.9 % left; the last day has no data (status by remaining)
    one_day, seven_days = row["forecast"]
    # No slice with data on 9 November: the rate cannot be known (not 0, not "not this period").
    assert one_day["burn_rate"] is None and one_day["minutes_to_exhaustion"] is None
    assert one_day["exhausts_at"] is None and one_day["exhausts_this_period"] is None
    # 10 bad in the last 7 days: 33.2 left / (10/10080) = 33,465.6 minutes -> 3 December
    assert seven_days["minutes_to_exhaustion"] == float((ALLOWED - 10) / Fraction(10, 10080))
    assert seven_days["exhausts_at"] is None and seven_days["exhausts_this_period"] is False


def test_at_risk_threshold_is_configurable(gdb):
    assert one(gdb, "--slo", "ts", "--at", "2025-11-10T00:00:00Z", "--at-risk", "0.8")["status"] == "at_risk"


def test_occurrences_budget_grows_with_traffic(gdb):
    row = one(gdb, "--slo", "occ", "--at", "2025-11-10T10:05:00Z")
    # 09:00-10:05: 65,000 events, 500 failed; allowed 65; remaining 1 - 500/65
    assert (row["bad"], row["allowed_bad"]) == (500.0, 65.0)
    assert row["error_budget_remaining"] == float(1 - Fraction(500, 65))
    assert row["exhausted_at"] == "2025-11-10T10:01:00Z"  # 100 failed > 61 allowed after 10:00
    end = one(gdb, "--slo", "occ")
    sla_row = run_cli("sla", "--month", "2025-11", "--slo", "occ", "--json", db=gdb).json()["slos"][0]
    assert end["error_budget_remaining"] == sla_row["error_budget_remaining"] == float(1 - Fraction(1003, 120))
    # Occurrences only run out when the burn rate exceeds 1: the last day burned 1003/120000/0.001
    fc = one(gdb, "--slo", "occ", "--at", "2025-11-10T11:00:00Z")["forecast"][0]
    assert fc["burn_rate"] == float(Fraction(1003, 120))
    assert fc["minutes_to_exhaustion"] == 0.0  # already overspent


@pytest.mark.parametrize(
    "args, fragments",
    [
        (("--month", "2025-13"), ("--month",)),
        (("--month", "2025-11", "--step", "90s"), ("--step",)),
        (("--month", "2025-11", "--at-risk", "2"), ("--at-risk",)),
        (("--month", "2025-11", "--slo", "nope"), ("--slo",)),
    ],
)
def test_bad_options(gdb, args, fragments):
    assert_bad_input(run_cli("budget", *args, "--json", db=gdb), *fragments)
