"""`reliability incidents` through the real console script; every number worked out by hand.

The incidents (tests/data/incidents_nov2025.json), times to acknowledge (TTA) and to resolve
(TTR) in minutes from detected_at:
  A SEV-1 TTA 4 (met)  TTR 60      B SEV-1 TTA 6 (missed) TTR 52    C SEV-1 TTA 5 (met, inclusive) TTR 65
  D SEV-2 TTA 20 (missed), never resolved                            H SEV-2 never acknowledged, TTR 30
  E SEV-4 detected Friday 2025-11-28 18:00Z, acknowledged Monday 23:59Z (met: end of the next
    business day), TTA 4679, TTR 6120
  F SEV-3 detected 2025-11-01 03:30Z (October 31 in New York) TTA 30 (met) TTR 90
  G SEV-3 detected 2025-12-01 02:00Z (November 30 in New York) TTA 70 (missed) TTR 100
Only A (5) and B (2) have started_at: MTTD 3.5.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import assert_bad_input, run_cli

DATA = Path(__file__).parent / "data" / "incidents_nov2025.json"


@pytest.fixture(scope="module")
def incidents_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("inc") / "inc.duckdb"
    r = run_cli("ingest", "incidents", DATA, db=db)
    assert r.code == 0, r.stderr
    return db


def test_november_utc(incidents_db):
    doc = run_cli("incidents", "--month", "2025-11", "--json", db=incidents_db).json()
    assert doc["month"] == "2025-11"
    assert doc["count"] == 7  # A B C D E F H
    overall = doc["overall"]
    assert overall["mtta_minutes"] == 4744 / 6
    assert overall["mttr_minutes"] == 1069.5
    assert overall["mttr_minutes_median"] == 62.5
    assert overall["mttd_minutes"] == 3.5
    assert overall["ack_target_met"] == 4 / 7
    sev = doc["by_severity"]
    assert sev["SEV-1"] == {
        "count": 3, "mttd_minutes": 3.5, "mtta_minutes": 5.0, "mttm_minutes": 30.0,
        "mttr_minutes": 59.0, "mttr_minutes_median": 60.0, "ack_target_met": 2 / 3, "ack_unknown": 0,
    }
    assert sev["SEV-2"]["count"] == 2
    assert sev["SEV-2"]["mtta_minutes"] == 20.0
    assert sev["SEV-2"]["mttr_minutes"] == 30.0
    assert sev["SEV-2"]["ack_target_met"] == 0.0
    assert sev["SEV-3"]["mtta_minutes"] == 30.0
    assert sev["SEV-3"]["ack_target_met"] == 1.0
    assert sev["SEV-4"]["mtta_minutes"] == 4679.0
    assert sev["SEV-4"]["mttr_minutes"] == 6120.0
    assert sev["SEV-4"]["ack_target_met"] == 1.0


def test_november_in_new_york_takes_the_local_month(incidents_db):
    doc = run_cli("incidents", "--month", "2025-11", "--tz", "America/New_York", "--json", db=incidents_db).json()
    assert doc["count"] == 7  # A B C D E G H: F falls in October there, G in November
    assert doc["overall"]["mtta_minutes"] == 4784 / 6
    assert doc["overall"]["mttr_minutes"] == 6427 / 6
    assert doc["overall"]["mttr_minutes_median"] == 62.5
    assert doc["overall"]["ack_target_met"] == 3 / 7
    assert doc["by_severity"]["SEV-3"]["mtta_minutes"] == 70.0
    assert doc["by_severity"]["SEV-3"]["ack_target_met"] == 0.0


def test_configurable_targets(incidents_db):
    doc = run_cli(
        "incidents", "--month", "2025-11", "--ack-target", "SEV-1=6", "--ack-target", "SEV-2=30", "--json",
        db=incidents_db,
    ).json()
    assert doc["by_severity"]["SEV-1"]["ack_target_met"] == 1.0
    assert doc["by_severity"]["SEV-2"]["ack_target_met"] == 0.5  # D met, H never acknowledged


def test_holidays_are_not_business_days(incidents_db):
    """E (SEV-4) in Kiritimati (UTC+14): detected Saturday 2025-11-29 08:00 local, so the next
    business day is Monday 1 December, ending Tuesday 00:00 local = Monday 10:00Z; the ack at
    Monday 23:59Z misses it. With Monday a holiday the day is Tuesday, ending Tuesday 10:00Z: met."""
    args = ("incidents", "--month", "2025-11", "--tz", "Pacific/Kiritimati", "--json")
    plain = run_cli(*args, db=incidents_db).json()
    assert plain["by_severity"]["SEV-4"]["ack_target_met"] == 0.0
    assert plain["holidays"] == []
    holiday = run_cli(*args, "--holiday", "2025-12-01", "--holiday", "2025-12-25", db=incidents_db).json()
    assert holiday["by_severity"]["SEV-4"]["ack_target_met"] == 1.0
    assert holiday["holidays"] == ["2025-12-01", "2025-12-25"]


def test_empty_month_has_nulls_not_errors(incidents_db):
    doc = run_cli("incidents", "--month", "2024-01", "--json", db=incidents_db).json()
    assert doc["count"] == 0
    assert doc["overall"]["mtta_minutes"] is None
    assert doc["by_severity"]["SEV-1"]["count"] == 0


def test_readable_table(incidents_db):
    r = run_cli("incidents", "--month", "2025-11", db=incidents_db)
    assert r.code == 0
    assert "SEV-1" in r.stdout and "66.7%" in r.stdout


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--month", "2025-13"], "--month"),
        (["--month", "Nov"], "--month"),
        (["--month", "2025-11", "--tz", "Mars/Olympus"], "--tz"),
        (["--month", "2025-11", "--ack-target", "P1=5"], "--ack-target"),
        (["--month", "2025-11", "--ack-target", "SEV-1=soon"], "--ack-target"),
        (["--month", "2025-11", "--holiday", "2025-13-01"], "--holiday"),
    ],
)
def test_bad_options(incidents_db, args, fragment):
    assert_bad_input(run_cli("incidents", *args, "--json", db=incidents_db), fragment)
