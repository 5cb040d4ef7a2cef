#!/usr/bin/env python3
"""Benchmark of `reliability ingest series` at scale: time and peak memory (see
benchmarks/README.md for recorded results).

Uses the data set of bench_sla.py (N services x one calendar month of 1-minute slices as
Parquet files; default N=1000: 43.2M rows) and times, interleaved, `--repeat` rounds of
whole processes (wall clock from fork to exit; peak RSS and CPU time from `wait4`):

- `reliability --db DB ingest series FILES...` into a fresh database file;
- the floor: a fresh `python -c` that imports duckdb and runs a bare
  `CREATE TABLE AS SELECT * FROM read_parquet([...])` of the same files into a fresh file;

then one re-ingest of every file into the full database (every row replaced: the
idempotence path) and checks that the row count did not change.

Goals (issue "Hold under attack and faults"): peak RSS of the ingest <= 1 GB whatever the
file size, and its time <= 1.5x the bare load's (medians). Printed as PASS/MISS; exit 1 only
when a process fails or the re-ingest changes the row count.

Usage:
    python benchmarks/bench_ingest.py                      # N=1000 (43.2M rows)
    python benchmarks/bench_ingest.py --services 100       # quick run (4.3M rows)
    python benchmarks/bench_ingest.py --workdir /tmp/b --keep   # keep (and reuse) the data
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_sla  # noqa: E402  (the data set, the process runner, formatting)

GOAL_RSS = 1 << 30  # bytes: peak RSS of the ingest, at most
GOAL_RATIO = 1.5  # ingest time / bare CREATE TABLE AS time (medians): at most

_BARE = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table t as select * from read_parquet($files)", {"files": sys.argv[2:]})
con.close()
"""


def _fresh(db: Path) -> None:
    for p in (db, db.with_name(db.name + ".wal")):
        p.unlink(missing_ok=True)


def _count(exe: Path, db: Path) -> int:
    code = "import sys, duckdb; print(duckdb.connect(sys.argv[1], read_only=True).execute('select count(*) from sli_slices').fetchall()[0][0])"
    return int(subprocess.run([str(exe), "-c", code, str(db)], capture_output=True, text=True, check=True).stdout)


def _data(args: argparse.Namespace, work: Path) -> tuple[list[Path], int]:
    meta_path = work / "ingest-meta.json"
    setup = {"services": args.services, "month": args.month, "per_file": args.services_per_file, "seed": bench_sla.SEED}
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        files = [Path(f) for f in meta["files"]]
        if meta["setup"] == setup and all(f.exists() for f in files):
            bench_sla.log(f"reusing {len(files)} files ({meta['rows']:,} rows) in {work / 'data'}")
            return files, meta["rows"]
    bench_sla.log(f"generating {args.services} services x {args.month} ...")
    files, rows = bench_sla.generate(work, args.services, args.month, args.services_per_file)
    meta_path.write_text(json.dumps({"setup": setup, "files": [str(f) for f in files], "rows": rows}))
    return files, rows


def bench(args: argparse.Namespace) -> int:
    exe = Path(sys.executable)
    cli = shutil.which("reliability", path=str(exe.parent)) or shutil.which("reliability")
    if cli is None:
        raise SystemExit("the `reliability` console script is not installed next to this Python")
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        files, rows = _data(args, work)
        names = [str(f) for f in files]
        db, bare_db = work / "ingest.duckdb", work / "bare.duckdb"
        ingest, bare = bench_sla.Timing("reliability ingest series"), bench_sla.Timing("bare CREATE TABLE AS")
        for i in range(args.repeat):
            bench_sla.log(f"round {i + 1}/{args.repeat}")
            _fresh(bare_db)
            bare.add(*bench_sla.run([str(exe), "-c", _BARE, str(bare_db), *names]))
            _fresh(db)
            ingest.add(*bench_sla.run([cli, "--db", str(db), "ingest", "series", *names]))
        _fresh(bare_db)
        stored = _count(exe, db)
        reingest = bench_sla.Timing("re-ingest (every row replaced)")
        reingest.add(*bench_sla.run([cli, "--db", str(db), "ingest", "series", *names]))
        again = _count(exe, db)
        load = os.getloadavg()
        ratio = ingest.median / bare.median
        out = [
            f"bench_ingest: {len(files)} Parquet files, {rows:,} rows, repeat {args.repeat}; "
            f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {bench_sla._versions()}",
            f"{'process':<34}{'best':>9}{'median':>10}{'peak RSS':>10}{'CPU (med)':>11}",
        ]
        for t in (ingest, bare, reingest):
            out.append(f"{t.name:<34}{bench_sla.fmt_s(t.best):>9}{bench_sla.fmt_s(t.median):>10}"
                       f"{bench_sla.fmt_gb(t.rss):>10}{bench_sla.fmt_s(statistics.median(t.cpus)):>11}")
        out.append(f"{'goal':<46}{'measured':>10}{'goal':>9}  result")
        out.append(f"{'ingest peak RSS':<46}{bench_sla.fmt_gb(ingest.rss):>10}{'<= 1 GB':>9}  "
                   f"{'PASS' if ingest.rss <= GOAL_RSS else 'MISS'}")
        out.append(f"{'ingest / bare CREATE TABLE AS (median time)':<46}{ratio:>9.2f}x{'<= 1.5x':>9}  "
                   f"{'PASS' if ratio <= GOAL_RATIO else 'MISS'}")
        out.append(f"{'ingest peak RSS / bare peak RSS':<46}{ingest.rss / bare.rss:>9.2f}x")
        same = stored == again == rows
        out.append(f"{'rows stored after ingest, after re-ingest':<46}{stored:>10,} {again:,}  {'PASS' if same else 'FAIL'}")
        print("\n".join(out))
        return 0 if same else 1
    except bench_sla.Failed as exc:
        print(f"bench_ingest: a process failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            bench_sla.log(f"kept {work}")
        else:
            for name in ("ingest.duckdb", "ingest.duckdb.wal", "bare.duckdb", "bare.duckdb.wal"):
                (work / name).unlink(missing_ok=True)
            if not args.workdir:
                shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--services", type=int, default=1000, help="number of services N (default 1000: 43.2M rows)")
    ap.add_argument("--month", default="2025-11", help="calendar month YYYY-MM (UTC; default 2025-11)")
    ap.add_argument("--services-per-file", type=int, default=100, help="services per Parquet file (default 100)")
    ap.add_argument("--workdir", help="where data and DBs go (default: a temp dir); data there is reused when it matches")
    ap.add_argument("--keep", action="store_true", help="keep the databases (the data is kept in --workdir anyway)")
    ap.add_argument("--repeat", type=int, default=3, help="rounds of ingest and bare load (default 3)")
    return bench(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
