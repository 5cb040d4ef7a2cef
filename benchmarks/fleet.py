"""The synthetic fleet of the benchmarks: N services x one calendar month of 1-minute slices
as Parquet files, and their SLOs (one Occurrences and one Timeslices SLO per service).

Deterministic (numpy generators seeded with SEED and the file's first service), so a run can
be compared with an earlier one. Only the standard library is imported at the top.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from pathlib import Path

SLI = "availability"
TARGET = 0.999
TIME_SLICE_TARGETS = (0.9, 0.95, 0.99)  # per service, in turn
SEED = 20251101


def month_bounds(month: str) -> tuple[datetime, datetime, int]:
    """[start, end) of the UTC calendar month and its number of minutes."""
    year, mon = (int(x) for x in month.split("-"))
    start = datetime(year, mon, 1, tzinfo=UTC)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=UTC)
    return start, end, calendar.monthrange(year, mon)[1] * 1440


def service_name(i: int) -> str:
    return f"svc-{i:04d}"


def generate(workdir: Path, services: int, month: str, per_file: int, step_minutes: int = 1) -> tuple[list[Path], int]:
    """Deterministic Parquet files of `per_file` services each; returns (files, rows).

    One row per `step_minutes` (default 1); with a longer step every rate, incident and outage
    below is per step instead of per minute (bench_app_browser.py's 13-month fleet uses 5).

    Per service: a base rate of hundreds to thousands of requests a minute (one in ten
    services is low-traffic: a few a minute, so many minutes have total = 0) with a daily
    cycle; a background error rate; a few incidents (runs of minutes with 5-60 % errors) and
    rare single bad minutes; 0.1 % of minutes missing at random and sometimes an exporter
    outage (a run of up to 3 hours missing). The last service has no rows at all and the one
    before it has rows with total = 0 all month, so every no-data path is exercised.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    start, _, minutes = month_bounds(month)
    minutes //= step_minutes  # from here on: steps
    start_us = int(start.timestamp()) * 1_000_000
    ts_all = start_us + np.arange(minutes, dtype=np.int64) * 60_000_000 * step_minutes
    day_phase = np.arange(minutes) / (1440.0 / step_minutes)
    data_dir = workdir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    files, rows = [], 0
    for first in range(0, services, per_file):
        last = min(first + per_file, services)
        rng = np.random.default_rng([SEED, first])
        k = last - first
        low = rng.random(k) < 0.1
        base = np.where(low, np.exp(rng.uniform(np.log(0.3), np.log(5), k)), np.exp(rng.uniform(np.log(200), np.log(3000), k)))
        phase = rng.random(k)
        rate = base[:, None] * (1 + 0.6 * np.sin(2 * np.pi * (day_phase[None, :] + phase[:, None])))
        total = rng.poisson(rate)
        p_err = 10 ** rng.uniform(-5.5, -3.5, k)[:, None] * np.ones((1, minutes))
        for j in range(k):  # incidents: a few runs of minutes with a high error rate
            for _ in range(rng.poisson(2)):
                at, length = rng.integers(0, minutes), int(rng.geometric(1 / 20))
                p_err[j, at : at + length] = rng.uniform(0.05, 0.6)
        blips = rng.random((k, minutes)) < 2e-4  # rare single bad minutes
        p_err[blips] = rng.uniform(0.01, 0.3, int(blips.sum()))
        bad = rng.binomial(total, p_err)
        keep = rng.random((k, minutes)) >= 1e-3  # missing minutes
        for j in range(k):
            if rng.random() < 0.3:  # an exporter outage
                at = rng.integers(0, minutes)
                keep[j, at : at + int(rng.integers(1, 180))] = False
            i = first + j
            if i == services - 2:
                total[j] = 0  # zero traffic all month
                bad[j] = 0
            if i == services - 1:
                keep[j] = False  # no rows at all
        names = np.array([service_name(i) for i in range(first, last)], dtype=object)
        sel = keep.ravel()
        n = int(sel.sum())
        if n == 0:
            continue
        total_f, bad_f = total.ravel()[sel], bad.ravel()[sel]
        table = pa.table(
            {
                "timestamp": pa.array(np.tile(ts_all, k)[sel], pa.int64()).cast(pa.timestamp("us", tz="UTC")),
                "service": pa.array(np.repeat(names, minutes)[sel], pa.string()),
                "sli": pa.array(np.full(n, SLI, dtype=object), pa.string()),
                "good": pa.array(total_f - bad_f, pa.int64()),
                "total": pa.array(total_f, pa.int64()),
            }
        )
        path = data_dir / f"series-{month}-{first:04d}.parquet"
        pq.write_table(table, path)
        files.append(path)
        rows += n
    return files, rows


def slo_specs(services: int) -> list[dict]:
    specs = []
    for i in range(services):
        svc = service_name(i)
        tst = TIME_SLICE_TARGETS[i % len(TIME_SLICE_TARGETS)]
        specs.append({"slo": f"{svc}-occurrences", "service": svc, "sli": SLI, "method": "Occurrences", "target": TARGET, "tst": None})
        specs.append({"slo": f"{svc}-timeslices", "service": svc, "sli": SLI, "method": "Timeslices", "target": TARGET, "tst": tst})
    return specs


def slo_yaml(spec: dict, slice_window: str = "1m") -> str:
    objective = f"    - target: {spec['target']}\n"
    if spec["method"] == "Timeslices":
        objective += f"      timeSliceTarget: {spec['tst']}\n"
    if spec["method"] != "Occurrences":
        objective += f"      timeSliceWindow: {slice_window}\n"
    svc = spec["service"]
    return f"""---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: {spec['slo']}
spec:
  service: {svc}
  indicator:
    metadata:
      name: {spec['sli']}
    spec:
      ratioMetric:
        counter: false
        good:
          metricSource:
            type: Prometheus
            spec:
              query: 'sum(increase(http_requests_total{{service="{svc}",code!~"5.."}}[1m]))'
        total:
          metricSource:
            type: Prometheus
            spec:
              query: 'sum(increase(http_requests_total{{service="{svc}"}}[1m]))'
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar:
        startTime: "2025-01-01 00:00:00"
        timeZone: UTC
  budgetingMethod: {spec['method']}
  objectives:
{objective}"""
