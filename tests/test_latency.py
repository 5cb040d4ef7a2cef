"""Latency percentiles from histogram buckets: `ingest histogram`, `latency`, and a threshold
SLO over the per-slice p95. Expected values are interpolated by hand (worked in comments) and
checked once more by Prometheus itself (`promtool test rules` with histogram_quantile)."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from conftest import assert_bad_input, run_cli
from reliability.analysis.latency import bucket_quantile, label, merge
from test_sla_cases import THRESHOLD_SLO

INF = math.inf
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None and os.environ.get("CI") != "true", reason="no promtool")

# (q, les, counts, expected) — by hand.
QUANTILE_CASES = [
    # rank 9.5 of 19 lies in (0, 0.5] (6..11): 0 + 0.5 * (9.5 - 6) / 5 = 0.35
    (0.5, [0, 0.5, 1, INF], [6, 11, 14, 19], 0.35),
    # rank 5.7 in the lowest bucket, whose bound 0 is <= 0: that bound
    (0.3, [0, 0.5, 1, INF], [6, 11, 14, 19], 0.0),
    # lowest bucket with bound > 0: lower bound 0; rank 25 of 100 in (0, 0.1] (0..50): 0.05
    (0.25, [0.1, 0.25, INF], [50, 80, 100], 0.05),
    # rank 90 in (+Inf]: the highest finite bound
    (0.9, [0.1, 0.25, INF], [50, 80, 100], 0.25),
    # rank 80 exactly at the top of (0.1, 0.25]: 0.25
    (0.8, [0.1, 0.25, INF], [50, 80, 100], 0.25),
    (1.0, [0.1, 0.25, INF], [50, 80, 80], 0.25),
    # no observations; only a +Inf bucket; no +Inf bucket: no value
    (0.5, [0.1, INF], [0, 0], None),
    (0.5, [INF], [10], None),
    (0.5, [0.1, 0.2], [5, 10], None),
    # q = 0 with an empty lowest bucket is 0/0 (NaN in Prometheus)
    (0.0, [0.1, INF], [0, 4], None),
    # negative lowest bound, quantile above it: interpolate from it; rank 3 of 4 in (-1, 1]
    (0.75, [-1, 1, INF], [2, 4, 4], 0.0),
]


@pytest.mark.parametrize("q, les, counts, want", QUANTILE_CASES)
def test_bucket_quantile_by_hand(q, les, counts, want):
    got = bucket_quantile(q, les, counts)
    assert got == (pytest.approx(want, abs=1e-15) if want is not None else None)


def test_merge_and_labels():
    assert merge([([0.1, INF], [1, 2]), ([0.1, 0.5, INF], [3, 4, 5])]) == ([0.1, 0.5, INF], [4.0, 4.0, 7.0])
    assert [label(q) for q in (0.5, 0.95, 0.99, 0.999)] == ["p50", "p95", "p99", "p99.9"]


# Slices of api/latency (le in seconds), 2025-11-01 00:00, 00:01, 00:02 (UTC):
SLICES = {
    "00:00": [(0.1, 50), (0.25, 80), (0.5, 95), (1, 100), ("+Inf", 100)],
    "00:01": [(0.1, 0), (0.25, 10), (0.5, 40), (1, 90), ("+Inf", 100)],
    "00:02": [(0.1, 0), (0.25, 0), (0.5, 0), (1, 0), ("+Inf", 0)],
}
# By hand, per slice:
#  00:00 p50: rank 50 in (0, 0.1] (0..50) -> 0.1; p95: rank 95 in (0.25, 0.5] (80..95) -> 0.5;
#        p99: rank 99 in (0.5, 1] (95..100) -> 0.5 + 0.5 * 4/5 = 0.9
#  00:01 p50: rank 50 in (0.5, 1] (40..90) -> 0.5 + 0.5 * 10/50 = 0.6; p95, p99: +Inf -> 1
#  00:02 no observations -> null
# Month (buckets summed: 50, 90, 135, 190, 200): p50 rank 100 in (0.25, 0.5] (90..135) ->
#  0.25 + 0.25 * 10/45 = 0.3055...; p95 rank 190 at the top of (0.5, 1] -> 1; p99 -> +Inf -> 1.
EXPECTED_SLICES = [
    {"ts": "2025-11-01T00:00:00Z", "count": 100.0, "p50": 0.1, "p95": 0.5, "p99": 0.9},
    {"ts": "2025-11-01T00:01:00Z", "count": 100.0, "p50": 0.6, "p95": 1.0, "p99": 1.0},
    {"ts": "2025-11-01T00:02:00Z", "count": 0.0, "p50": None, "p95": None, "p99": None},
]


def _csv(slices: dict) -> str:
    rows = ["timestamp,service,sli,le,count"]
    for hhmm, buckets in slices.items():
        rows += [f"2025-11-01T{hhmm}:00Z,api,latency,{le},{c}" for le, c in buckets]
    return "\n".join(rows) + "\n"


@pytest.fixture()
def hdb(tmp_path) -> Path:
    db = tmp_path / "h.duckdb"
    (tmp_path / "h.csv").write_text(_csv(SLICES))
    r = run_cli("ingest", "histogram", tmp_path / "h.csv", "--json", db=db)
    assert r.code == 0, r.stderr
    assert r.json()["files"][0] | {"file": None} == {"file": None, "rows": 15, "slices": 3, "series": 1,
                                                    "start": "2025-11-01T00:00:00Z", "end": "2025-11-01T00:02:00Z",
                                                    "fixed_slices": {"duplicate_le": 0, "nonmonotonic": 0, "precision": 0},
                                                    "fixed_examples": {}}
    return db


def test_latency_per_slice_and_month(hdb):
    r = run_cli("latency", "--service", "api", "--sli", "latency", "--month", "2025-11", "--json", db=hdb)
    assert r.code == 0, r.stderr
    doc = r.json()
    assert doc["slices"] == EXPECTED_SLICES
    assert doc["period"] == {"slices": 3, "count": 200.0, "p50": pytest.approx(0.25 + 0.25 * 10 / 45, abs=1e-15),
                             "p95": 1.0, "p99": 1.0}
    assert doc["buckets"][-1] == {"le": "+Inf", "count": 200.0}
    assert (doc["period_start"], doc["period_end"]) == ("2025-11-01T00:00:00Z", "2025-12-01T00:00:00Z")
    # Another month has no slices: nothing to interpolate.
    r = run_cli("latency", "--service", "api", "--sli", "latency", "--month", "2025-12", "--json", db=hdb)
    assert r.json()["period"] == {"slices": 0, "count": 0.0, "p50": None, "p95": None, "p99": None}


def test_p95_series_drives_a_threshold_slo(hdb, tmp_path):
    (tmp_path / "slo.yaml").write_text(
        THRESHOLD_SLO.format(name="api-p95", method="Timeslices", extra="      timeSliceWindow: 1m\n")
        .replace("service: svc", "service: api"))
    assert run_cli("slo", "apply", tmp_path / "slo.yaml", db=hdb).code == 0
    r = run_cli("latency", "--slo", "api-p95", "--sli", "latency", "--month", "2025-11", "--quantile", "0.95",
                "--scale", "1000", "--to-series", "p95", "--json", db=hdb)
    assert r.code == 0, r.stderr
    assert r.json()["written"] == {"sli": "p95", "rows": 2}
    assert [s["p95"] for s in r.json()["slices"]] == [500.0, 1000.0, None]
    # value lt 500: 00:00 (500 ms) and 00:01 (1000 ms) are bad; 00:02 has no data (good).
    r = run_cli("sla", "--month", "2025-11", "--slo", "api-p95", "--json", db=hdb)
    (row,) = r.json()["slos"]
    assert (row["bad"], row["slices_with_data"], row["attainment"]) == (2.0, 2, 43198 / 43200)


def test_reingest_replaces_a_slice_whole(hdb, tmp_path):
    (tmp_path / "again.csv").write_text(_csv({"00:00": [(0.5, 10), ("+Inf", 10)]}))
    assert run_cli("ingest", "histogram", tmp_path / "again.csv", db=hdb).code == 0
    r = run_cli("latency", "--service", "api", "--sli", "latency", "--month", "2025-11", "--quantile", "0.5",
                "--json", db=hdb)
    # rank 5 of 10 in (0, 0.5]: 0.25
    assert r.json()["slices"][0] == {"ts": "2025-11-01T00:00:00Z", "count": 10.0, "p50": 0.25}


BAD = [
    ({"00:00": [(0.1, 5), (0.5, 6)]}, ["row 2", "'le'", "+Inf"]),
    ({"00:00": [("fast", 5), ("+Inf", 6)]}, ["row 2", "'le'"]),
    ({"00:00": [(0.1, -1), ("+Inf", 6)]}, ["row 2", "'count'"]),
    ({"00:00": [(0.1, "NaN"), ("+Inf", 6)]}, ["row 2", "'count'"]),
]


@pytest.mark.parametrize("slices, fragments", BAD, ids=[f"bad-{i}" for i in range(len(BAD))])
def test_bad_input_writes_nothing(tmp_path, slices, fragments):
    db = tmp_path / "b.duckdb"
    (tmp_path / "ok.csv").write_text(_csv({"00:05": [(0.1, 1), ("+Inf", 1)]}))
    (tmp_path / "bad.csv").write_text(_csv(slices))
    assert_bad_input(run_cli("ingest", "histogram", tmp_path / "ok.csv", tmp_path / "bad.csv", db=db),
                     "bad.csv", *fragments)
    assert not db.exists()  # a refused first write leaves no database behind
    assert run_cli("ingest", "histogram", tmp_path / "ok.csv", db=db).code == 0
    assert_bad_input(run_cli("ingest", "histogram", tmp_path / "bad.csv", db=db), "bad.csv", *fragments)
    r = run_cli("latency", "--service", "api", "--sli", "latency", "--month", "2025-11", "--json", db=db)
    assert r.json()["period"]["slices"] == 1  # only ok.csv's: the refused file added nothing


@pytest.mark.parametrize("args, fragment", [
    (["--service", "api", "--sli", "latency", "--month", "2025-11", "--quantile", "1.5"], "--quantile"),
    (["--service", "api", "--sli", "latency", "--month", "2025-11", "--to-series", "p"], "--to-series"),
    (["--service", "api", "--month", "2025-11"], "--sli"),
    (["--sli", "latency", "--month", "2025-11"], "--service"),
    (["--slo", "nope", "--month", "2025-11"], "--slo"),
    (["--service", "api", "--sli", "latency", "--month", "2025-13"], "--month"),
])
def test_bad_options(hdb, args, fragment):
    assert_bad_input(run_cli("latency", *args, "--json", db=hdb), fragment)


@needs_promtool
def test_prometheus_agrees(hdb, tmp_path):
    """Prometheus' histogram_quantile over the same buckets, per slice (gauges sampled each
    minute) and summed over the three slices, equals `latency`'s numbers."""
    les = [le for le, _ in SLICES["00:00"]]
    series = "\n".join(
        f"      - series: 'x_bucket{{le=\"{le}\"}}'\n        values: '{' '.join(str(SLICES[s][i][1]) for s in SLICES)}'"
        for i, le in enumerate(les))
    r = run_cli("latency", "--service", "api", "--sli", "latency", "--month", "2025-11", "--json", db=hdb)
    doc = r.json()
    checks = []
    for k, s in enumerate(doc["slices"][:2]):
        for q in (0.5, 0.95, 0.99):
            checks.append((f"histogram_quantile({q}, x_bucket)", f"{k}m", s[label(q)]))
    for q in (0.5, 0.95, 0.99):
        checks.append((f"histogram_quantile({q}, sum by (le) (sum_over_time(x_bucket[3m])))", "2m",
                       doc["period"][label(q)]))
    tests = "\n".join(
        f"      - expr: '{expr}'\n        eval_time: {at}\n        exp_samples:\n          - labels: '{{}}'\n"
        f"            value: {value!r}" for expr, at, value in checks)
    (tmp_path / "empty.yml").write_text("groups: []\n")
    (tmp_path / "t.yml").write_text(textwrap.dedent("""\
        rule_files: [empty.yml]
        evaluation_interval: 1m
        tests:
          - interval: 1m
            input_series:
        """) + series + "\n    promql_expr_test:\n" + tests + "\n")
    run = subprocess.run([PROMTOOL, "test", "rules", "t.yml"], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
