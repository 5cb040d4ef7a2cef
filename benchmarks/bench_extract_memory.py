"""Peak RSS of ``reliability extract prometheus`` against a server sending a huge body.

A local HTTP server (Python's http.server on 127.0.0.1, ``tests/http_servers.huge``) answers
the preflight instant query normally and every range query with a JSON matrix body of
``--body-mb`` MiB (default 1536, the 1.5 GB of issue #12), streamed. Each case runs the real
CLI as a process and reads its peak RSS and wall time from ``wait4``:

- floor: the same CLI against a normal answer (60 one-minute slices): start-up, imports, DuckDB;
- capped: the huge body with the default ``--max-response`` (32 MiB): refused, exit 1;
- ``--max-response N`` for each ``--uncapped-mb`` size (default 32): a body of that size read
  and parsed in full, to show what the cap saves (RSS grows with the body, ~6x it).

    .venv/bin/python benchmarks/bench_extract_memory.py
    .venv/bin/python benchmarks/bench_extract_memory.py --body-mb 512 --uncapped-mb 64 128
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from http_servers import FakeServer, huge, prometheus_like  # noqa: E402

SLO = """apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout}
spec:
  service: checkout
  indicator:
    metadata: {name: availability}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'sum(ok_total)'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'sum(all_total)'}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
"""


def cli() -> str:
    return str(Path(sys.executable).parent / "reliability")


def run(argv: list[str]) -> tuple[int, float, float, str]:
    """``(exit code, wall seconds, peak RSS MiB, last stderr line)`` of one process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, time.perf_counter() - t0, usage.ru_maxrss / 1024, (err.strip().splitlines() or [""])[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--body-mb", type=int, default=1536)
    parser.add_argument("--uncapped-mb", type=int, nargs="*", default=[32])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db, slo = Path(tmp) / "bench.duckdb", Path(tmp) / "slo.yaml"
        slo.write_text(SLO)
        subprocess.run([cli(), "--db", str(db), "slo", "apply", str(slo)], check=True, capture_output=True)
        base = [cli(), "--db", str(db), "extract", "prometheus", "--start", "2025-03-03T00:00:00Z",
                "--end", "2025-03-03T01:00:00Z", "--retries", "1", "--parallel", "1"]
        rows = []
        with FakeServer(prometheus_like) as server:
            rows.append(("floor: normal answer, 60 slices", *run(base + ["--url", server.url])))
        with FakeServer(huge(args.body_mb << 20)) as server:
            rows.append((f"{args.body_mb} MiB body, default cap (32 MiB)", *run(base + ["--url", server.url])))
        for mb in args.uncapped_mb:
            with FakeServer(huge(mb << 20)) as server:
                rows.append((f"{mb} MiB body, --max-response {mb + 16}",
                             *run(base + ["--url", server.url, "--max-response", str(mb + 16)])))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'case':44} {'exit':>4} {'wall':>8} {'peak RSS':>10}")
    for name, code, wall, rss, last in rows:
        print(f"{name:44} {code:>4} {wall:>7.2f}s {rss:>7.0f} MiB   {last[:90]}")


if __name__ == "__main__":
    main()
