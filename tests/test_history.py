"""`reliability sla` history: --from/--to month by month, --quarter, --year, rolling --at.

The series has rows only in bad minutes (no-data slices count as good by default), so every
expected number is a count of minutes: month k of 2024 has k bad minutes starting at 12:00 UTC
on the 15th (inside the same month in UTC and in New York). Expected values are fractions of
hand-counted minutes, including February 2024 (29 days) and New York's DST months (March
2024: one hour less, November 2024: one hour more).
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import assert_bad_input, run_cli
from test_sla import slo_yaml

UTC = timezone.utc
T = Fraction(999, 1000)

ROLLING = slo_yaml("roll-28d", "Timeslices", "UTC").replace(
    """    - duration: 1M
      isRolling: false
      calendar:
        startTime: 2024-01-01 00:00:00
        timeZone: UTC
""",
    """    - duration: 28d
      isRolling: true
""",
)


def bad_minutes(month: int) -> list[datetime]:
    return [datetime(2024, month, 15, 12, tzinfo=UTC) + timedelta(minutes=i) for i in range(month)]


@pytest.fixture(scope="module")
def hdb(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("history")
    db = tmp / "h.duckdb"
    assert "isRolling: true" in ROLLING
    docs = [slo_yaml("ts-utc", "Timeslices", "UTC"), slo_yaml("ts-ny", "Timeslices", "America/New_York"), ROLLING]
    (tmp / "slos.yaml").write_text("---\n".join(docs))
    lines = ["timestamp,service,sli,good,total"]
    for month in range(1, 13):
        lines += [f"{t:%Y-%m-%dT%H:%M:%SZ},svc,availability,0,10" for t in bad_minutes(month)]
    (tmp / "bad.csv").write_text("\n".join(lines) + "\n")
    assert run_cli("slo", "apply", tmp / "slos.yaml", db=db).code == 0
    r = run_cli("ingest", "series", tmp / "bad.csv", db=db)
    assert r.code == 0, r.stderr
    return db


def minutes_of(month: int, zone: str) -> int:
    n = calendar.monthrange(2024, month)[1] * 1440
    if zone == "America/New_York":
        n += {3: -60, 11: 60}.get(month, 0)  # DST starts 10 March, ends 3 November 2024
    return n


def check(row: dict, bad: int, slices: int) -> None:
    att = Fraction(slices - bad, slices)
    allowed = (1 - T) * slices
    assert row["bad"] == bad
    assert row["slices"] == slices
    assert row["allowed_bad"] == float(allowed)
    assert row["attainment"] == float(att)
    assert row["error_budget_remaining"] == float(1 - bad / allowed)
    assert row["breached"] == (att < T)


def test_twelve_months_in_one_call(hdb):
    r = run_cli("sla", "--from", "2024-01", "--to", "2024-12", "--json", db=hdb)
    assert r.code == 0, r.stderr
    doc = r.json()
    assert (doc["from"], doc["to"]) == ("2024-01", "2024-12")
    assert [m["month"] for m in doc["months"]] == [f"2024-{k:02d}" for k in range(1, 13)]
    for k, month in enumerate(doc["months"], start=1):
        rows = {row["slo"]: row for row in month["slos"]}
        for name, zone in (("ts-utc", "UTC"), ("ts-ny", "America/New_York")):
            check(rows[name], k, minutes_of(k, zone))
    feb = {row["slo"]: row for row in doc["months"][1]["slos"]}["ts-utc"]
    assert feb["slices"] == 29 * 1440 and feb["allowed_bad"] == 41.76
    assert feb["period_start"] == "2024-02-01T00:00:00Z" and feb["period_end"] == "2024-03-01T00:00:00Z"
    march_ny = {row["slo"]: row for row in doc["months"][2]["slos"]}["ts-ny"]
    assert march_ny["period_start"] == "2024-03-01T05:00:00Z" and march_ny["period_end"] == "2024-04-01T04:00:00Z"
    assert march_ny["allowed_bad"] == 44.58  # (31 * 1440 - 60) / 1000


def test_a_month_range_equals_single_months(hdb):
    history = run_cli("sla", "--from", "2024-11", "--to", "2024-12", "--slo", "ts-ny", "--json", db=hdb).json()
    for month in history["months"]:
        single = run_cli("sla", "--month", month["month"], "--slo", "ts-ny", "--json", db=hdb).json()
        assert single["slos"] == month["slos"]


@pytest.mark.parametrize(
    "args, zone, bad, slices",
    [
        (("--quarter", "2024-Q1"), "UTC", 1 + 2 + 3, (31 + 29 + 31) * 1440),
        (("--quarter", "2024-Q1"), "America/New_York", 6, (31 + 29 + 31) * 1440 - 60),
        (("--quarter", "2024-Q4"), "America/New_York", 10 + 11 + 12, (31 + 30 + 31) * 1440 + 60),
        (("--year", "2024"), "UTC", 78, 366 * 1440),
        (("--year", "2024"), "America/New_York", 78, 366 * 1440),
    ],
)
def test_quarters_and_years(hdb, args, zone, bad, slices):
    name = "ts-utc" if zone == "UTC" else "ts-ny"
    r = run_cli("sla", *args, "--slo", name, "--json", db=hdb)
    assert r.code == 0, r.stderr
    doc = r.json()
    assert doc[args[0].lstrip("-")] == args[1]
    check(doc["slos"][0], bad, slices)


def test_quarter_period_bounds_in_new_york(hdb):
    row = run_cli("sla", "--quarter", "2024-Q4", "--slo", "ts-ny", "--json", db=hdb).json()["slos"][0]
    assert (row["period_start"], row["period_end"]) == ("2024-10-01T04:00:00Z", "2025-01-01T05:00:00Z")


def test_rolling_window_at_any_end_time(hdb):
    # [2024-02-17T00:00Z, 2024-03-16T00:00Z): March's 3 bad minutes, not February's 2.
    r = run_cli("sla", "--at", "2024-03-16T00:00:00Z", "--window", "28d", "--slo", "ts-utc", "--json", db=hdb)
    assert r.code == 0, r.stderr
    row = r.json()["slos"][0]
    assert (row["period_start"], row["period_end"]) == ("2024-02-17T00:00:00Z", "2024-03-16T00:00:00Z")
    check(row, 3, 28 * 1440)
    # The rolling SLO's own 28d window, ending mid-way through March's bad minutes (12:02).
    row = run_cli("sla", "--at", "2024-03-15T12:02:00Z", "--slo", "roll-28d", "--json", db=hdb).json()["slos"][0]
    assert row["period_start"] == "2024-02-16T12:02:00Z"
    check(row, 2, 28 * 1440)


def test_rolling_window_not_on_a_minute(hdb):
    # Ends at 12:01:30: the slices are [12:01:30 - 28d + k min, ...); the bad rows at 12:00 and
    # 12:01 start in slices k = 40318 and 40319 (the one that starts at 12:00:30).
    row = run_cli("sla", "--at", "2024-03-15T12:01:30Z", "--window", "28d", "--slo", "ts-utc", "--json",
                  db=hdb).json()["slos"][0]
    check(row, 2, 28 * 1440)


@pytest.mark.parametrize(
    "args, fragments",
    [
        (("--from", "2024-05", "--to", "2024-01"), ("--to", "before")),
        (("--from", "2024-05"), ("--to",)),
        (("--quarter", "2024-Q5"), ("--quarter", "YYYY-Qn")),
        (("--year", "24"), ("--year",)),
        (("--month", "2024-01", "--year", "2024"), ("exactly one",)),
        (("--month", "2024-01", "--window", "28d"), ("--window",)),
        (("--at", "2024-03-01T00:00:00", "--window", "28d"), ("--at", "offset")),
        (("--at", "2024-03-01T00:00:00Z", "--window", "28x"), ("--window",)),
        (("--at", "2024-03-01T00:00:00Z", "--slo", "nope"), ("--slo", "nope")),
    ],
)
def test_bad_options(hdb, args, fragments):
    assert_bad_input(run_cli("sla", *args, "--json", db=hdb), *fragments)
