"""`reliability budget`: a partial month is partial by `sla`'s rule, and a forecast over a window
without data is unknown (never "not this period"), by hand.

November 2025 in New York: 2025-11-01T04:00Z to 2025-12-01T05:00Z, 43,260 one-minute slices
(DST ends on the 2nd). Series svc has a row every minute from the start to 2025-11-30T05:00Z
(41,820 rows: 29 days and 1 hour; then it stops, so the last local day has no data), all good
(10/10) but 20 bad minutes (0/10) 2025-11-29T10:00Z-10:19Z. Series zero has the same rows plus
a row with total = 0 every minute of that last day (1,440 rows: the series reaches the month's
end, without data). Coverage 41,820 / 43,260 = 697/721 (96.7 %) for both.

- stopped (Timeslices 99.9 %, svc): allowed 43.26, bad 20, remaining 1 − 20/43.26 = 1163/2163.
  The 1-day window before the month's end has no data: forecast unknown. The 7-day window
  (from 11-24T05:00Z) holds 20 bad of 10,080 slices: burn rate (20/10,080)/0.001 = 125/63,
  lasting (43.26 − 20)/(20/10,080) = 11,723.04 minutes, past the month's end.
- strict (Timeslices 99.99 %, svc): allowed 4.326, spent by the 5th bad minute (10:05Z).
- idle (Timeslices 99.9 %, zero): rows to the month's end, so not partial; still no data in the
  last day.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest

from conftest import run_cli
from test_budget import iso
from test_sla import slo_yaml

UTC = timezone.utc
START = datetime(2025, 11, 1, 4, tzinfo=UTC)
STOP = datetime(2025, 11, 30, 5, tzinfo=UTC)
END = datetime(2025, 12, 1, 5, tzinfo=UTC)
BAD = datetime(2025, 11, 29, 10, tzinfo=UTC)
COVERAGE = float(Fraction(41820, 43260))
NO_FORECAST = {"burn_rate": None, "minutes_to_exhaustion": None, "exhausts_at": None, "exhausts_this_period": None}


@pytest.fixture(scope="module")
def pdb(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("budget_partial")
    db = tmp / "p.duckdb"
    ny = "America/New_York"
    docs = [slo_yaml("stopped", "Timeslices", ny), slo_yaml("strict", "Timeslices", ny, target="target: 0.9999"),
            slo_yaml("idle", "Timeslices", ny, service="zero")]
    (tmp / "slos.yaml").write_text("---\n".join(docs))
    lines = ["timestamp,service,sli,good,total"]
    minutes = int((STOP - START).total_seconds() // 60)
    assert minutes == 41820
    for m in range(minutes):
        t = START + timedelta(minutes=m)
        good = 0 if BAD <= t < BAD + timedelta(minutes=20) else 10
        lines += [f"{iso(t)},svc,availability,{good},10", f"{iso(t)},zero,availability,{good},10"]
    lines += [f"{iso(STOP + timedelta(minutes=m))},zero,availability,0,0" for m in range(1440)]
    (tmp / "s.csv").write_text("\n".join(lines) + "\n")
    assert run_cli("slo", "apply", tmp / "slos.yaml", db=db).code == 0
    r = run_cli("ingest", "series", tmp / "s.csv", db=db)
    assert r.code == 0, r.stderr
    return db


def budget(db, slo: str, *args: str, month: str = "2025-11") -> dict:
    r = run_cli("budget", "--month", month, "--slo", slo, *args, "--json", db=db)
    assert r.code == 0, r.stderr
    return r.json()["slos"][0]


def sla(db, slo: str, month: str = "2025-11") -> dict:
    r = run_cli("sla", "--month", month, "--slo", slo, "--json", db=db)
    assert r.code == 0, r.stderr
    return r.json()["slos"][0]


def test_a_series_that_stopped_makes_the_month_partial_as_in_sla(pdb):
    row = budget(pdb, "stopped")
    assert sla(pdb, "stopped")["partial"] is True and sla(pdb, "stopped")["as_of"] == iso(STOP)
    assert row["partial"] is True
    assert row["as_of"] == iso(END)  # the instant evaluated, as before
    assert row["data_until"] == iso(STOP)  # what the data reach: sla's as_of
    assert list(row).index("data_until") == list(row).index("partial") + 1
    assert row["data_coverage"] == COVERAGE and row["bad"] == 20 and row["allowed_bad"] == 43.26
    assert row["error_budget_remaining"] == float(Fraction(1163, 2163))


def test_a_series_reaching_the_end_with_empty_rows_is_not_partial(pdb):
    row = budget(pdb, "idle")
    assert sla(pdb, "idle")["partial"] is False
    assert row["partial"] is False and "data_until" not in row and row["as_of"] == iso(END)
    # ... but its last day has no data all the same: the 1-day forecast is unknown.
    assert {k: v for k, v in row["forecast"][0].items() if k != "window"} == NO_FORECAST
    assert row["status"] == "healthy"


def test_at_an_instant_the_data_reach_it(pdb):
    row = budget(pdb, "stopped", "--at", "2025-11-15T00:00:00Z")
    assert row["partial"] is True and row["as_of"] == row["data_until"] == "2025-11-15T00:00:00Z"
    one_day = row["forecast"][0]  # a day of good data: a known rate of 0, not unknown
    assert one_day["burn_rate"] == 0.0 and one_day["exhausts_this_period"] is False


def test_no_data_in_the_last_day_means_no_forecast(pdb):
    row = budget(pdb, "stopped")
    one_day, seven_days = row["forecast"]
    assert {k: v for k, v in one_day.items() if k != "window"} == NO_FORECAST
    assert seven_days["burn_rate"] == float(Fraction(125, 63))
    assert seven_days["minutes_to_exhaustion"] == float((Fraction(4326, 100) - 20) * 504) == 11723.04
    assert seven_days["exhausts_at"] is None and seven_days["exhausts_this_period"] is False
    # Status by remaining (53.8 % > 25 %) and coverage (96.7 % >= 90 %) only.
    assert row["status"] == "healthy"


def test_a_spent_budget_stays_spent_without_data(pdb):
    row = budget(pdb, "strict")
    assert row["status"] == "exhausted" and row["exhausted_at"] == "2025-11-29T10:05:00Z"
    one_day = row["forecast"][0]
    assert one_day["burn_rate"] is None and one_day["minutes_to_exhaustion"] == 0.0


def test_a_month_without_data(pdb):
    row = budget(pdb, "stopped", month="2025-10")
    month_start = "2025-10-01T04:00:00Z"
    assert sla(pdb, "stopped", "2025-10")["as_of"] == month_start
    assert row["partial"] is True and row["data_until"] == month_start and row["status"] == "insufficient_data"
    assert [{k: v for k, v in f.items() if k != "window"} for f in row["forecast"]] == [NO_FORECAST] * 2


def test_the_table_says_partial_and_no_data(pdb):
    out = run_cli("budget", "--month", "2025-11", db=pdb).stdout
    lines = {line.split()[0]: line for line in out.splitlines() if line.split()}
    assert "healthy (partial)" in lines["stopped"] and "healthy (partial)" not in lines["idle"]
    assert lines["stopped"].rstrip().endswith("no data             not this period")  # 1d unknown, 7d known
    assert "no data" in lines["idle"] and "already spent" in lines["strict"]
    assert f"partial: data only up to {iso(STOP)} for stopped, strict; the status may still change" in out
    empty = run_cli("budget", "--month", "1999-01", db=pdb).stdout
    assert "no data" in empty and "not this period" not in empty
