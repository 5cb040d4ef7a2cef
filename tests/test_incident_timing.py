"""`reliability mttx`: time metrics with mean, median and p90, worked out by hand.

The incidents (UTC), minutes from detected_at (detect from started_at):
  I1 api SEV-1 core  det 01-05 10:10  detect 10  ack 5   mitigate 30  resolve 60   impact 40
  I2 api SEV-1 core  det 01-20 10:00  detect -   ack 2   mitigate -   resolve 20   impact 20 (detected..resolved)
  I3 api SEV-2 core  det 02-01 00:00  detect 10  ack 30  mitigate 60  resolve 600  impact 70
  I4 web SEV-2 -     det 02-10 12:00  nothing else                                 impact missing
  I5 web SEV-3 edge  det 03-03 09:00  detect 60  ack 20  mitigate 30  resolve 40   impact 90
Quantiles interpolate linearly at q*(n-1): resolve [20, 40, 60, 600] -> median 50, p90 at 2.7
= 60 + 0.7*540 = 438 while the mean is 180 (the long one does not vanish).
"""

from __future__ import annotations

import json

import pytest

from conftest import assert_bad_input, run_cli

INCIDENTS = [
    {"id": "I1", "service": "api", "severity": "SEV-1", "team": "core", "started_at": "2026-01-05T10:00:00Z",
     "detected_at": "2026-01-05T10:10:00Z", "acknowledged_at": "2026-01-05T10:15:00Z",
     "mitigated_at": "2026-01-05T10:40:00Z", "resolved_at": "2026-01-05T11:10:00Z"},
    {"id": "I2", "service": "api", "severity": "SEV-1", "team": "core", "detected_at": "2026-01-20T10:00:00Z",
     "acknowledged_at": "2026-01-20T10:02:00Z", "resolved_at": "2026-01-20T10:20:00Z"},
    {"id": "I3", "service": "api", "severity": "SEV-2", "team": "core", "started_at": "2026-01-31T23:50:00Z",
     "detected_at": "2026-02-01T00:00:00Z", "acknowledged_at": "2026-02-01T00:30:00Z",
     "mitigated_at": "2026-02-01T01:00:00Z", "resolved_at": "2026-02-01T10:00:00Z"},
    {"id": "I4", "service": "web", "severity": "SEV-2", "detected_at": "2026-02-10T12:00:00Z"},
    {"id": "I5", "service": "web", "severity": "SEV-3", "team": "edge", "started_at": "2026-03-03T08:00:00Z",
     "detected_at": "2026-03-03T09:00:00Z", "acknowledged_at": "2026-03-03T09:20:00Z",
     "mitigated_at": "2026-03-03T09:30:00Z", "resolved_at": "2026-03-03T09:40:00Z"},
]


@pytest.fixture(scope="module")
def timing_db(tmp_path_factory):
    base = tmp_path_factory.mktemp("timing")
    path = base / "inc.json"
    path.write_text(json.dumps(INCIDENTS))
    db = base / "t.duckdb"
    r = run_cli("ingest", "incidents", path, db=db)
    assert r.code == 0, r.stderr
    return db


def mttx(db, *args):
    r = run_cli("mttx", *args, "--json", db=db)
    assert r.code == 0, r.stderr
    return r.json()


def test_overall_mean_median_p90_and_missing(timing_db):
    doc = mttx(timing_db, "--start", "2026-01", "--end", "2026-04")
    o = doc["overall"]
    assert o["count"] == 5
    assert o["detect"] == {"n": 3, "missing": 2, "mean_minutes": 80 / 3, "median_minutes": 10.0, "p90_minutes": 50.0}
    assert o["acknowledge"] == {"n": 4, "missing": 1, "mean_minutes": 14.25, "median_minutes": 12.5, "p90_minutes": 27.0}
    assert o["mitigate"] == {"n": 3, "missing": 2, "mean_minutes": 40.0, "median_minutes": 30.0, "p90_minutes": 54.0}
    assert o["resolve"] == {"n": 4, "missing": 1, "mean_minutes": 180.0, "median_minutes": 50.0, "p90_minutes": 438.0}
    assert o["customer_impact_minutes"] == 220.0 and o["impact_missing"] == 1
    assert doc["period_start"] == "2026-01-01T00:00:00Z" and doc["period_end"] == "2026-05-01T00:00:00Z"


def test_groups_and_trend(timing_db):
    doc = mttx(timing_db, "--start", "2026-01", "--end", "2026-04")
    sev1 = doc["by_severity"]["SEV-1"]
    assert sev1["count"] == 2
    assert sev1["acknowledge"] == {"n": 2, "missing": 0, "mean_minutes": 3.5, "median_minutes": 3.5, "p90_minutes": 4.7}
    assert doc["by_severity"]["SEV-4"]["count"] == 0 and doc["by_severity"]["SEV-4"]["resolve"]["mean_minutes"] is None
    assert {k: v["count"] for k, v in doc["by_team"].items()} == {"(none)": 1, "core": 3, "edge": 1}
    assert {k: v["count"] for k, v in doc["by_service"].items()} == {"api": 3, "web": 2}
    assert doc["by_service"]["api"]["customer_impact_minutes"] == 130.0
    assert {k: v["count"] for k, v in doc["by_month"].items()} == {"2026-01": 2, "2026-02": 2, "2026-03": 1, "2026-04": 0}
    assert doc["by_month"]["2026-02"]["resolve"]["mean_minutes"] == 600.0


def test_mtbf_per_service(timing_db):
    doc = mttx(timing_db, "--start", "2026-01", "--end", "2026-03")
    # api: 01-05 10:10 -> 01-20 10:00 = 21,590 min; -> 02-01 00:00 = 16,680 min.
    # web: 02-10 12:00 -> 03-03 09:00 = 21 days - 3 h = 30,060 min (February 2026 has 28 days).
    assert doc["mtbf_by_service"] == {
        "api": {"incidents": 3, "mtbf_minutes": 19135.0},
        "web": {"incidents": 2, "mtbf_minutes": 30060.0},
    }


def test_default_range_is_13_months_ending_at_the_latest_incident(timing_db):
    doc = mttx(timing_db)
    assert (doc["start"], doc["end"]) == ("2025-03", "2026-03")
    assert len(doc["by_month"]) == 13 and doc["overall"]["count"] == 5


def test_months_in_another_zone(timing_db):
    doc = mttx(timing_db, "--start", "2026-01", "--end", "2026-03", "--tz", "America/New_York")
    # I3, detected 2026-02-01 00:00Z, is January 31 in New York.
    assert {k: v["count"] for k, v in doc["by_month"].items()} == {"2026-01": 3, "2026-02": 1, "2026-03": 1}


def test_table_output(timing_db):
    r = run_cli("mttx", "--start", "2026-01", "--end", "2026-03", "--by", "team", db=timing_db)
    assert r.code == 0 and "core" in r.stdout and "3 h 00 min / 50 min / 7 h 18 min" in r.stdout  # resolve: 180 / 50 / 438 minutes


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--start", "2026-03", "--end", "2026-01"], ["--end", "before"]),
        (["--end", "2026-13"], ["--end", "YYYY-MM"]),
        (["--tz", "Mars/Base"], ["--tz", "IANA"]),
    ],
)
def test_bad_options(timing_db, args, fragments):
    assert_bad_input(run_cli("mttx", *args, "--json", db=timing_db), *fragments)
