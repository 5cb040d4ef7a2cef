"""`reliability sla` over N instances of one per-instance SLO (issue 17's scale goal).

    .venv/bin/python benchmarks/bench_instances.py                       # N=200: 8.6M rows, quick
    .venv/bin/python benchmarks/bench_instances.py --instances 5000      # the goal: 216M rows
    .venv/bin/python benchmarks/bench_instances.py --workdir /tmp/bi --keep [--reuse]

1. Generates N customers x one calendar month of 1-minute slices of one series (service
   `gateway`, SLI `availability`, label column `customer`) as Parquet, with DuckDB's own
   `hash()` (deterministic): 1-1,000 requests a minute, a background of failed requests,
   rare bad minutes (frequent for one customer in 50, which breach), 0.1 % of minutes missing, and one customer in 100 appearing on the 16th
   (a mid-month instance: insufficient data).
2. Times `reliability ingest series` of those files (the label column makes the instances).
3. Applies ONE OpenSLO SLO grouped by `customer` (Occurrences, 99.9 %) and times, interleaved,
   `--repeat` rounds of whole processes: `reliability sla --month M --json` (N instance rows)
   and the floor, a bare DuckDB `sum(good), sum(total), count(*)` grouped by `(service, sli)`
   over the same rows (harness.BARE_CODE). Wall clock, CPU and peak RSS per process.
4. Checks every instance's attainment, bad, allowed_bad and data coverage against the floor's
   sums (Occurrences: good / total, exactly), and exits 1 on a mismatch.

Goal: `sla` at most 3x the bare scan (medians, same run), peak memory stated.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
from fleet import month_bounds  # noqa: E402

BIN = Path(sys.executable).parent / "reliability"

GENERATE = """
copy (
    with grid as (
        select i, m
        from range($lo, $hi) as a(i), range(0, $minutes) as b(m)
    ),
    counted as (
        select
            i, m,
            1 + hash(i, m, 1) % 1000 as total,
            hash(i, m, 2) % 10000 as roll,
            hash(i, m, 3) % 1000 as gap
        from grid
    )
    select
        make_timestamptz(($start + m * 60) * 1000000) as timestamp,
        'gateway' as service,
        'availability' as sli,
        printf('c-%05d', i) as customer,
        total - case when roll < (case when i % 50 = 7 then 40 else 2 end) then total // 2
                     when roll < 500 then 1 else 0 end as good,
        total
    from counted
    where gap <> 0
      and not (i % 100 = 99 and m < $half)
    order by i, m
) to '{path}' (format parquet, row_group_size 1000000)
"""

SLO = """apiVersion: openslo/v1
kind: SLO
metadata:
  name: gateway-customer-availability
  annotations: {reliability/group-by: customer}
spec:
  service: gateway
  indicator:
    metadata: {name: availability}
    spec:
      ratioMetric:
        counter: false
        good: {metricSource: {type: Prometheus, spec: {query: 'sum by (customer) (ok)'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'sum by (customer) (all)'}}}
  timeWindow:
    - {duration: 1M, isRolling: false, calendar: {startTime: "2025-01-01 00:00:00", timeZone: UTC}}
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
"""

FLOOR_SUMS = (
    "import sys, json, duckdb\n"
    "con = duckdb.connect(sys.argv[1], read_only=True)\n"
    "con.execute('SET enable_progress_bar = false')\n"  # as the CLI (store.py)
    "rows = con.execute('select sli, sum(good), sum(total), count(*) filter (where total > 0) from sli_slices"
    " where ts >= $1::timestamptz and ts < $2::timestamptz group by sli', [sys.argv[2], sys.argv[3]]).fetchall()\n"
    "print(json.dumps(rows))\n"
)


def generate(workdir: Path, instances: int, month: str, per_file: int) -> list[Path]:
    import duckdb

    start, _, minutes = month_bounds(month)
    files = []
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    for lo in range(0, instances, per_file):
        path = workdir / "data" / f"customers-{lo:05d}.parquet"
        con.execute(GENERATE.format(path=path), {"lo": lo, "hi": min(lo + per_file, instances),
                                                 "minutes": minutes, "start": int(start.timestamp()),
                                                 "half": 15 * 1440})
        files.append(path)
    con.close()
    return files


def check(doc: dict, floor: list, minutes: int) -> int:
    """Mismatches between the CLI's instance rows and the floor's sums (0 when all agree)."""
    from fractions import Fraction

    sums = {sli: (g, t, n) for sli, g, t, n in floor}
    bad = 0
    rows = [r for r in doc["slos"] if "instance" in r]
    for r in rows:
        key = 'availability{customer="' + r["instance"]["customer"] + '"}'
        g, t, n = sums[key]
        ok = (r["attainment"] == float(Fraction(int(g), int(t))) and r["bad"] == t - g
              and abs(r["allowed_bad"] - 0.001 * t) <= 1e-9 * t and r["slices_with_data"] == n
              and r["data_coverage"] == float(Fraction(n, minutes)))
        bad += not ok
    if len(rows) != len(sums):
        bad += 1
    return bad


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog="Example:\n" + __doc__.split("\n\n")[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", type=int, default=200,
                    help="customers of the one definition (default 200; the issue's goal is 5000 = 216M rows)")
    ap.add_argument("--month", default="2025-11", help="calendar month generated (UTC; default 2025-11)")
    ap.add_argument("--per-file", type=int, default=500, help="customers per Parquet file ingested")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved rounds of sla and the bare scan")
    ap.add_argument("--workdir", help="where the files and database go (kept); default a temporary folder")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--reuse", action="store_true", help="re-time sla on the DB a --keep run left")
    args = ap.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-instances-"))
    db = workdir / "bench.duckdb"
    start, end, minutes = month_bounds(args.month)
    harness.log(f"workdir {workdir}; load average {os.getloadavg()}")
    if not args.reuse:
        if db.exists():
            db.unlink()
        harness.log(f"generating {args.instances} instances x {minutes} minutes")
        files = generate(workdir, args.instances, args.month, args.per_file)
        (workdir / "slo.yaml").write_text(SLO)
        harness.run([str(BIN), "--db", str(db), "slo", "apply", str(workdir / "slo.yaml")])
        ingest = harness.run([str(BIN), "--db", str(db), "ingest", "series", *map(str, files)])
        harness.log(f"ingest: {harness.fmt_s(ingest[0])} wall, {harness.fmt_gb(ingest[1])} peak RSS")
    else:
        ingest = None
    sla, floor = harness.Timing("sla"), harness.Timing("bare DuckDB scan")
    out = workdir / "sla.json"
    bare = [sys.executable, "-c", harness.BARE_CODE, str(db), start.isoformat(), end.isoformat()]
    loads = []
    for _ in range(args.repeat):
        loads.append(os.getloadavg()[0])
        floor.add(*harness.run(bare))
        sla.add(*harness.run([str(BIN), "--db", str(db), "sla", "--month", args.month, "--json"], stdout=out))
    doc = json.loads(out.read_text())
    sums = subprocess.run([sys.executable, "-c", FLOOR_SUMS, str(db), start.isoformat(), end.isoformat()],
                          capture_output=True, text=True, check=True)
    mismatches = check(doc, json.loads(sums.stdout), minutes)
    total_rows = sum(r[3] for r in json.loads(sums.stdout))
    statuses = {}
    for r in doc["slos"]:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    ratio = sla.median / floor.median
    report = {
        "instances": len([r for r in doc["slos"] if "instance" in r]),
        "rows_with_traffic": total_rows,
        "db_bytes": db.stat().st_size,
        "ingest": None if ingest is None else {"wall": ingest[0], "peak_rss": ingest[1], "cpu": ingest[2]},
        "sla": {"walls": sla.walls, "median": sla.median, "peak_rss": sla.rss, "cpu": sla.cpus},
        "floor": {"walls": floor.walls, "median": floor.median, "peak_rss": floor.rss, "cpu": floor.cpus},
        "ratio_median": ratio,
        "statuses": statuses,
        "mismatches": mismatches,
        "load_average_1m": loads,
    }
    print(json.dumps(report, indent=1))
    harness.log(f"sla median {harness.fmt_s(sla.median)} ({harness.fmt_gb(sla.rss)} peak RSS) vs bare scan "
                f"{harness.fmt_s(floor.median)}: {ratio:.2f}x -> {'PASS' if ratio <= 3 else 'MISS'} (goal <= 3x); "
                f"{mismatches} mismatches; load {loads}")
    if not args.keep and not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
