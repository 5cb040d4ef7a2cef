"""Edge cases of `reliability sla` as a table of hand-computed cases: threshold SLIs,
5-minute slices over 1-minute rows, a month with no data at all, targetPercent."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import assert_bad_input, run_cli
from reliability import store
from test_sla import slo_yaml

THRESHOLD_SLO = textwrap.dedent(
    """\
    apiVersion: openslo/v1
    kind: SLO
    metadata:
      name: {name}
    spec:
      service: svc
      indicator:
        metadata:
          name: p95
        spec:
          thresholdMetric:
            metricSource:
              type: Prometheus
              spec:
                query: histogram_quantile(0.95, sum by (le) (rate(x_bucket[1m])))
      timeWindow:
        - duration: 1M
          isRolling: false
          calendar:
            startTime: 2025-01-01 00:00:00
            timeZone: UTC
      budgetingMethod: {method}
      objectives:
        - target: 0.999
          op: lt
          value: 500
    {extra}"""
)

# Rows of 2025-11 (UTC, 43,200 minutes); everything else in the month is missing.
RATIO_ROWS = [  # minute, good, total
    (0, 100, 100), (1, 100, 100), (2, 0, 100), (3, 100, 100), (4, 100, 100),  # 400/500 = 0.8
    (5, 100, 100), (6, 100, 100), (7, 100, 100), (8, 100, 100), (9, 96, 100),  # 496/500 = 0.992
]
VALUE_ROWS = [(0, 300.0), (1, 600.0), (2, 500.0)]  # 500 is not < 500


@pytest.fixture(scope="module")
def cases_db(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cases")
    db = tmp / "cases.duckdb"
    docs = [
        slo_yaml("ratio-ts-5m", "Timeslices", "UTC", window="5m"),
        slo_yaml("ratio-rts-5m", "RatioTimeslices", "UTC", window="5m"),
        slo_yaml("ratio-occ", "Occurrences", "UTC", target="targetPercent: 99.9"),
        slo_yaml("empty-ts", "Timeslices", "UTC", service="empty"),
        slo_yaml("empty-occ", "Occurrences", "UTC", service="empty"),
        slo_yaml("empty-rts", "RatioTimeslices", "UTC", service="empty"),
        THRESHOLD_SLO.format(name="thr-ts", method="Timeslices", extra="      timeSliceWindow: 1m\n"),
        THRESHOLD_SLO.format(name="thr-ts-5m", method="Timeslices", extra="      timeSliceWindow: 5m\n"),
        THRESHOLD_SLO.format(name="thr-occ", method="Occurrences", extra=""),
    ]
    (tmp / "slos.yaml").write_text("---\n".join(docs))
    ratio = ["timestamp,service,sli,good,total"] + [
        f"2025-11-01T00:{m:02d}:00Z,svc,availability,{g},{t}" for m, g, t in RATIO_ROWS
    ]
    values = ["timestamp,service,sli,value"] + [f"2025-11-01T00:{m:02d}:00Z,svc,p95,{v}" for m, v in VALUE_ROWS]
    (tmp / "ratio.csv").write_text("\n".join(ratio) + "\n")
    (tmp / "values.csv").write_text("\n".join(values) + "\n")
    assert run_cli("slo", "apply", tmp / "slos.yaml", db=db).code == 0
    r = run_cli("ingest", "series", tmp / "ratio.csv", tmp / "values.csv", db=db)
    assert r.code == 0, r.stderr
    return db


# (slo, policy, expected fields) — worked out by hand.
CASES = [
    # 5-minute slices: 8,640 in the month; slice 0 is 0.8 (bad), slice 1 is 0.992 (good).
    ("ratio-ts-5m", "good", {"attainment": 8639 / 8640, "bad": 1.0, "slices": 8640, "no_data": 8638}),
    ("ratio-ts-5m", "bad", {"attainment": 1 / 8640, "bad": 8639.0, "breached": True}),
    ("ratio-ts-5m", "exclude", {"attainment": 0.5, "bad": 1.0, "allowed_bad": 0.002}),
    ("ratio-rts-5m", "good", {"attainment": 0.896, "slices_with_data": 2}),
    ("ratio-rts-5m", "bad", {"attainment": 1.792 / 8640}),
    # Occurrences: 10 rows, 896 good of 1,000 events; targetPercent 99.9 is exactly 0.999.
    ("ratio-occ", "good", {"attainment": 0.896, "bad": 104.0, "allowed_bad": 1.0, "target": 0.999,
                           "error_budget_remaining": -103.0, "good": 896.0, "total": 1000.0}),
    # No data at all: nothing burns by default; all bad under --no-data bad; nothing to
    # measure when excluded.
    ("empty-ts", "good", {"attainment": 1.0, "bad": 0.0, "breached": False, "error_budget_remaining": 1.0,
                          "no_data": 43200}),
    ("empty-ts", "bad", {"attainment": 0.0, "bad": 43200.0, "breached": True}),
    ("empty-ts", "exclude", {"attainment": None, "bad": 0.0, "allowed_bad": 0.0, "breached": False,
                             "error_budget_remaining": 1.0}),
    ("empty-occ", "good", {"attainment": None, "bad": 0.0, "breached": False, "error_budget_remaining": 1.0}),
    ("empty-occ", "bad", {"attainment": 0.0, "breached": True}),
    ("empty-rts", "good", {"attainment": None, "breached": False}),
    # Threshold (value < 500): minutes 1 (600) and 2 (500) are bad.
    ("thr-ts", "good", {"attainment": 43198 / 43200, "bad": 2.0, "no_data": 43197}),
    ("thr-ts", "exclude", {"attainment": 1 / 3, "bad": 2.0}),
    # 5-minute slices take the worst value in the slice: slice 0 holds 600.
    ("thr-ts-5m", "good", {"attainment": 8639 / 8640, "bad": 1.0}),
    ("thr-occ", "good", {"attainment": 1 / 3, "bad": 2.0, "good": 1.0, "total": 3.0}),
]


@pytest.mark.parametrize("slo, policy, want", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_case(cases_db, slo, policy, want):
    r = run_cli("sla", "--month", "2025-11", "--slo", slo, "--no-data", policy, "--json", db=cases_db)
    assert r.code == 0, r.stderr
    (row,) = r.json()["slos"]
    got = {k: row[k] for k in want}
    approx = {k: pytest.approx(v, rel=1e-12) if isinstance(v, float) else v for k, v in want.items()}
    assert got == approx


def test_readable_table(cases_db):
    # The cases store a few slices each: insufficient data unless any coverage may do.
    r = run_cli("sla", "--month", "2025-11", "--min-coverage", "0", db=cases_db)
    assert r.code == 0
    assert "BREACHED" in r.stdout and "ratio-occ" in r.stdout


def test_no_slos_is_not_an_error(db):
    with store.connect(db):  # an empty database (reading never creates one)
        pass
    r = run_cli("sla", "--month", "2025-11", "--json", db=db)
    assert r.code == 0
    assert r.json()["slos"] == []


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--month", "2025-13"], "--month"),
        (["--month", "11/2025"], "--month"),
        (["--month", "2025-11", "--slo", "nope"], "nope"),
        (["--month", "2025-11", "--no-data", "maybe"], "--no-data"),
    ],
)
def test_bad_options(cases_db, args, fragment):
    assert_bad_input(run_cli("sla", *args, "--json", db=cases_db), fragment)
