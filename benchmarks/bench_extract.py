"""Benchmark ``extract prometheus`` against a bare ``requests`` + JSON fetch of the same chunks.

A real Prometheus serves ``--slos`` SLOs (default 100, the acceptance run; ``--slos 20`` is quick),
each two counters (``ok``, ``err``) over ``--days`` days (default 30) scraped every
``--scrape-interval`` seconds (default 300: the query still evaluates all 43,200 one-minute
points per series, the lookback fills between samples, and the backfill stays small). The
data set is generated and backfilled once into ``--cache`` and reused by later runs.

Each round times (1) the bare fetch: the same query_range requests (same chunks, same
thread count) with ``requests`` and ``resp.json()``, nothing else; and (2) the extractor's
``run``: fetch, per-slice events, DuckDB writes and watermarks. It prints slices/s of both
(slices = SLOs x one-minute slices) and their ratio (goal: >= 0.7), best of ``--rounds``.

    .venv/bin/python benchmarks/bench_extract.py              # the acceptance run: 100 SLOs
    .venv/bin/python benchmarks/bench_extract.py --slos 20    # quick, ~1 minute once cached
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from prometheus_server import (  # noqa: E402
    PrometheusServer, backfill, find_prometheus, series, write_openmetrics_per_day,
)

BASE = 1740960000  # 2025-03-03T00:00:00Z
STEP = 60


def build_data(slos: int, days: int, interval: int) -> dict:
    data = {}
    for i in range(slos):
        ok = err = 0
        ok_points, err_points = [], []
        for k in range(days * 86400 // interval):
            ok += 50 + (k * 7 + i) % 13
            err += (k + i) % 5 == 0
            ts = BASE + k * interval + interval // 2
            ok_points.append((ts, ok))
            err_points.append((ts, err))
        data[series("bench_requests_total", slo=f"s{i:03d}", code="ok")] = ok_points
        data[series("bench_requests_total", slo=f"s{i:03d}", code="err")] = err_points
    return data


def slo_yaml(i: int) -> str:
    sel = f'slo="s{i:03d}"'
    return f"""apiVersion: openslo/v1
kind: SLO
metadata: {{name: bench-{i:03d}}}
spec:
  service: bench-{i:03d}
  indicator:
    metadata: {{name: availability}}
    spec:
      ratioMetric:
        counter: true
        good: {{metricSource: {{type: Prometheus, spec: {{query: 'sum(bench_requests_total{{{sel},code="ok"}})'}}}}}}
        total: {{metricSource: {{type: Prometheus, spec: {{query: 'sum(bench_requests_total{{{sel}}})'}}}}}}
  timeWindow: [{{duration: 28d, isRolling: true}}]
  budgetingMethod: Occurrences
  objectives: [{{target: 0.999}}]
---
"""


def prepare(args) -> Path:
    """The TSDB dir with the data set, generated and backfilled on first use."""
    tsdb = args.cache / f"slos{args.slos}-days{args.days}-every{args.scrape_interval}" / "tsdb"
    done = tsdb.parent / "done"
    if done.exists():
        return tsdb
    _, promtool = find_prometheus() or sys.exit("prometheus/promtool not available")
    t0 = time.perf_counter()
    files = write_openmetrics_per_day(build_data(args.slos, args.days, args.scrape_interval), tsdb.parent / "om")
    backfill(promtool, files, tsdb)
    for f in files:
        f.unlink()
    done.write_text("ok")
    print(f"backfilled {args.slos} SLOs x {args.days} days in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return tsdb


def bare_fetch(url: str, targets, start: int, end: int, parallel: int) -> float:
    """Seconds to fetch and JSON-parse every chunk of every query, nothing more."""
    from reliability.extract.prometheus import MAX_POINTS, chunks

    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=parallel))
    jobs = [(q, cs, n) for t in targets for cs, n in chunks(start, end, STEP, MAX_POINTS - 1) for _, q in t.queries()]

    def one(job):
        query, cs, n = job
        resp = session.post(f"{url}/api/v1/query_range",
                            data={"query": query, "start": cs, "end": cs + n * STEP, "step": STEP}, timeout=60)
        resp.raise_for_status()
        return len(resp.json()["data"]["result"][0]["values"])

    t0 = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        points = sum(pool.map(one, jobs))
    # Every point but the first few, before the first raw sample of each series.
    expected = len(targets) * 2 * ((end - start) // STEP + len(chunks(start, end, STEP, MAX_POINTS - 1)))
    assert expected - len(targets) * 2 * 5 <= points <= expected
    return time.perf_counter() - t0


def extract_run(db: Path, targets, start: int, end: int, parallel: int) -> float:
    from reliability.extract import prometheus as prom

    t0 = time.perf_counter()
    summaries = prom.run(db, targets, start=start, end=end, parallel=parallel)
    elapsed = time.perf_counter() - t0
    assert sum(s.slices for s in summaries) == len(targets) * (end - start) // STEP
    return elapsed


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU seconds of a process (this one when ``pid`` is None)."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(fn, server_pid: int) -> tuple[float, float, float]:
    """``(wall seconds, client CPU seconds, server CPU seconds)`` of ``fn()`` (which returns its wall)."""
    c0, s0 = cpu_seconds(), cpu_seconds(server_pid)
    wall = fn()
    return wall, cpu_seconds() - c0, cpu_seconds(server_pid) - s0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slos", type=int, default=100, help="number of SLOs (default 100, the acceptance run; --slos 20 for a quick run)")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--scrape-interval", type=int, default=300, help="seconds between raw samples")
    parser.add_argument("--parallel", type=int, default=4, help="requests in flight, both sides")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "reliability-bench-extract")
    args = parser.parse_args()

    from reliability import slos, store
    from reliability.extract import prometheus as prom
    from reliability.extract.connection import Overrides

    tsdb = prepare(args)
    prometheus, _ = find_prometheus()
    server = PrometheusServer(prometheus, tsdb)
    server.start()
    start, end = BASE, BASE + args.days * 86400
    slices = args.slos * (end - start) // STEP
    try:
        with tempfile.TemporaryDirectory() as tmp:
            yaml_path = Path(tmp) / "slos.yaml"
            yaml_path.write_text("".join(slo_yaml(i) for i in range(args.slos)))
            with store.connect(Path(tmp) / "setup.duckdb") as con, store.transaction(con):
                slos.apply(con, [str(yaml_path)])
                targets = prom.targets(slos.load(con), lambda name: None, Overrides(url=server.url), None)
            bare_fetch(server.url, targets[:1], start, end, args.parallel)  # warm the page cache
            best_bare = best_extract = float("inf")
            pid = server.proc.pid
            for r in range(args.rounds):
                bare, bare_cpu, bare_srv = timed(lambda: bare_fetch(server.url, targets, start, end, args.parallel), pid)
                ext, ext_cpu, ext_srv = timed(
                    lambda: extract_run(Path(tmp) / f"round{r}.duckdb", targets, start, end, args.parallel), pid)
                best_bare, best_extract = min(best_bare, bare), min(best_extract, ext)
                print(f"round {r + 1}: bare {bare:.2f} s (client CPU {bare_cpu:.2f} s, Prometheus CPU {bare_srv:.2f} s), "
                      f"extract {ext:.2f} s (client CPU {ext_cpu:.2f} s, Prometheus CPU {ext_srv:.2f} s)", file=sys.stderr)
    finally:
        server.stop()
    bare_rate, ext_rate = slices / best_bare, slices / best_extract
    print(f"{args.slos} SLOs x {args.days} days x 1-minute slices = {slices:,} slices, parallel {args.parallel}")
    print(f"bare requests + json: {bare_rate:12,.0f} slices/s ({best_bare:.2f} s)")
    print(f"extract prometheus:   {ext_rate:12,.0f} slices/s ({best_extract:.2f} s)")
    print(f"ratio: {ext_rate / bare_rate:.2f} (goal >= 0.70)")


if __name__ == "__main__":
    main()
