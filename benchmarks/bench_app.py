#!/usr/bin/env python3
"""Benchmark of the Streamlit pages: server-side run time per page on the sample database.

For every page file in ``reliability/app/pages/``, in a fresh Python process each (so the cold
load pays for what a freshly started server pays: imports and empty caches):

- cold: the first ``AppTest.from_file(page).run()`` — imports, every loader computing;
- warm: the median (and max) of ``--repeat`` further runs, each a new AppTest session on the
  same database, as a user opening the page after someone else did (cached loaders, same file
  stamp). Goal: under 1.5 s a page.

AppTest executes the page script as Streamlit's script runner would; the browser's own
rendering (Plotly drawing, the websocket) is not in these numbers.

Usage:
    python benchmarks/bench_app.py                      # builds the demo DB in a temp folder
    python benchmarks/bench_app.py --db demo.duckdb     # an existing sample database
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "reliability" / "app" / "pages"
NAMES = ["overview", "monthly_sla", "breach", "incidents", "data_health"]
GOAL_SECONDS = 1.5


def _page(name: str, db: str, repeat: int) -> None:
    """Child process: time one page, print one JSON line."""
    os.environ["RELIABILITY_DB"] = db
    started = time.perf_counter()
    from streamlit.testing.v1 import AppTest

    def once() -> float:
        t0 = time.perf_counter()
        at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=300).run()
        elapsed = time.perf_counter() - t0
        if at.exception:
            raise SystemExit(f"{name}: {[e.value for e in at.exception]}")
        return elapsed

    first = once()
    cold_total = time.perf_counter() - started
    warm = [once() for _ in range(repeat)]
    print(json.dumps({"page": name, "cold_run": first, "cold_with_imports": cold_total,
                      "warm_median": statistics.median(warm), "warm_max": max(warm)}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing sample database (default: build one with `reliability demo`)")
    parser.add_argument("--repeat", type=int, default=5, help="warm runs per page (default 5)")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = str(Path(tmp) / "demo.duckdb")
            t0 = time.perf_counter()
            subprocess.run([str(bin_dir / "reliability"), "--db", db, "demo"], check=True, capture_output=True)
            print(f"demo database built in {time.perf_counter() - t0:.1f} s")
        print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
        rows = []
        for name in NAMES:
            out = subprocess.run([sys.executable, __file__, "_page", name, db, str(args.repeat)],
                                 check=True, capture_output=True, text=True).stdout
            rows.append(json.loads(out.strip().splitlines()[-1]))
    print()
    print(f"{'page':<14} {'cold (imports+run)':>19} {'cold run':>9} {'warm median':>12} {'warm max':>9}  goal < {GOAL_SECONDS} s")
    for r in rows:
        verdict = "PASS" if r["warm_median"] < GOAL_SECONDS else "MISS"
        print(f"{r['page']:<14} {r['cold_with_imports']:>17.2f} s {r['cold_run']:>7.2f} s "
              f"{r['warm_median']:>10.3f} s {r['warm_max']:>7.3f} s  {verdict}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_page":
        _page(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        raise SystemExit(0)
    raise SystemExit(main())
