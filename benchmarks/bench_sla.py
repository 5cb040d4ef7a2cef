#!/usr/bin/env python3
"""Benchmark of `reliability sla` at scale (see benchmarks/README.md for recorded results).

Generates N services x one calendar month of 1-minute slices as Parquet files (default
N=1000: 43.2M rows for a 30-day month), then times, each as a whole process (wall clock):

- `reliability --db DB ingest series FILES...`                      -> rows/s
- `reliability --db DB slo apply slos.yaml` (2N SLOs: per service one Occurrences and one
  Timeslices SLO, target 0.999, 1-minute slices)                    -> informational
- `reliability --db DB sla --month M --json`                        -> the number under test
- a bare DuckDB group-by over the same rows in a fresh process      -> floor (goal: sla <= 3x)
- an idiomatic pandas implementation of the same 2N SLO numbers     -> goal: sla >= 4x faster

and checks that attainment, bad, allowed_bad, no_data and breached agree between the CLI's
JSON and pandas (1e-9), exiting 1 on any mismatch or failed process. The goals are reported
as PASS/MISS (a MISS does not change the exit code).

Usage:
    python benchmarks/bench_sla.py                    # N=1000, a few minutes
    python benchmarks/bench_sla.py --services 50      # quick run
    python benchmarks/bench_sla.py --workdir /tmp/b --keep   # reuse / keep data and DB

Only the standard library is imported at the top: the pandas baseline re-runs this file as
`bench_sla.py _pandas ...` in a fresh process, and should pay for nothing but its own imports.
The fleet's data and SLOs are made by fleet.py, the pandas baselines and comparisons live in
baselines.py, and harness.py runs and times the processes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from baselines import TOLERANCE, WORST_TOP, compare, compare_windows, pandas_baseline, pandas_windows
from fleet import SEED, generate, month_bounds, slo_specs, slo_yaml
from harness import BARE_CODE, Failed, Timing, _mem, _versions, fmt_gb, fmt_s, log, run

GOAL_BARE_RATIO = 3.0  # sla time / bare DuckDB group-by time: at most
GOAL_PANDAS_RATIO = 4.0  # pandas time / sla time: at least


# ---------------------------------------------------------------------------------------------
# The benchmark


def bench(args: argparse.Namespace) -> int:
    exe = Path(sys.executable)
    cli = shutil.which("reliability", path=str(exe.parent)) or shutil.which("reliability")
    if cli is None:
        raise SystemExit("the `reliability` console script is not installed next to this Python")
    if args.services < 3:
        raise SystemExit("--services must be at least 3")
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bench-sla-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        return _bench(args, work, [cli], exe)
    finally:
        if args.keep:
            log(f"kept {work}")
        elif args.workdir:  # remove what this run made, not the directory
            shutil.rmtree(work / "data", ignore_errors=True)
            for name in ("bench.duckdb", "bench.duckdb.wal", "slos.json", "slos.yaml", "sla.json", "pandas.json", "bench-meta.json"):
                (work / name).unlink(missing_ok=True)
        else:
            shutil.rmtree(work, ignore_errors=True)


def _bench(args: argparse.Namespace, work: Path, cli: list[str], exe: Path) -> int:
    n, month, repeat = args.services, args.month, args.repeat
    start, end, minutes = month_bounds(month)
    db = work / "bench.duckdb"
    specs = slo_specs(n)
    spec_path, yaml_path = work / "slos.json", work / "slos.yaml"
    spec_path.write_text(json.dumps(specs))
    yaml_path.write_text("".join(slo_yaml(s) for s in specs))

    meta_path = work / "bench-meta.json"
    setup = {"services": n, "month": month, "per_file": args.services_per_file, "seed": SEED}
    meta = json.loads(meta_path.read_text()) if args.reuse and meta_path.exists() else {}
    ingest, apply, reingest = Timing("ingest series"), Timing("slo apply"), None
    if meta.get("setup") == setup and db.exists():
        files, rows, gen_s = [Path(f) for f in meta["files"]], meta["rows"], meta["generate_seconds"]
        for t, key in ((ingest, "ingest"), (apply, "apply")):
            t.walls, t.cpus, t.rss = meta[key]["walls"], meta[key]["cpus"], meta[key]["rss"]
        ingest.name += " (reused)"
        apply.name += " (reused)"
        log(f"reusing the data and DB of {work} (--reuse)")
    else:
        if args.reuse:
            log("--reuse: nothing to reuse for these settings, generating")
        log(f"generating {n} services x {minutes} minutes of {month} in {work / 'data'} ...")
        t0 = time.perf_counter()
        files, rows = generate(work, n, month, args.services_per_file)
        gen_s = time.perf_counter() - t0
        log(f"  {rows:,} rows in {len(files)} Parquet files, {gen_s:.1f} s")
        for i in range(args.ingest_repeat or repeat):
            for p in work.glob("bench.duckdb*"):
                p.unlink()
            log(f"ingest {i + 1}/{args.ingest_repeat or repeat} ...")
            ingest.add(*run([*cli, "--db", str(db), "ingest", "series", *map(str, files)]))
            log(f"  {ingest.walls[-1]:.1f} s")
        log("slo apply ...")
        apply.add(*run([*cli, "--db", str(db), "slo", "apply", str(yaml_path)]))
        meta_path.write_text(json.dumps({
            "setup": setup, "files": [str(f) for f in files], "rows": rows, "generate_seconds": gen_s,
            "ingest": vars(ingest) | {"name": None}, "apply": vars(apply) | {"name": None},
        }))
    size = sum(f.stat().st_size for f in files)
    str_files = [str(f) for f in files]
    if args.reingest:
        reingest = Timing("re-ingest (all rows replaced)")
        log("re-ingest ...")
        reingest.add(*run([*cli, "--db", str(db), "ingest", "series", *str_files]))

    if args.windows:
        return _bench_windows(args, work, cli, exe, db, str_files, specs, rows)

    cli_json, pandas_json = work / "sla.json", work / "pandas.json"
    sla = Timing("reliability sla --json")
    bare = Timing("bare DuckDB group-by")
    pandas_t = Timing("pandas baseline")
    start_py = Timing("python -c pass")
    help_t = Timing("reliability --help")
    bare_code = BARE_CODE
    iso = "%Y-%m-%dT%H:%M:%SZ"
    bare_cmd = [str(exe), "-c", bare_code, str(db), start.strftime(iso), end.strftime(iso)]
    sla_cmd = [*cli, "--db", str(db), "sla", "--month", month, "--json"]
    batch = args.pandas_batch if args.pandas_batch != "auto" else ("all" if rows <= 20_000_000 else "file")
    pandas_cmd = [str(exe), str(Path(__file__).resolve()), "_pandas", str(spec_path), str(pandas_json), month, batch, *str_files]
    load_start = os.getloadavg()[0]
    for i in range(repeat):  # interleaved, so that drift hits every contender alike
        log(f"round {i + 1}/{repeat}: sla, bare DuckDB, pandas ...")
        sla.add(*run(sla_cmd, stdout=cli_json))
        bare.add(*run(bare_cmd))
        pandas_t.add(*run(pandas_cmd))
        start_py.add(*run([str(exe), "-c", "pass"]))
        help_t.add(*run([*cli, "--help"]))
        log(f"  sla {sla.walls[-1]:.3f} s, bare {bare.walls[-1]:.3f} s, pandas {pandas_t.walls[-1]:.2f} s")

    ok, worst, problems = compare(cli_json, pandas_json, specs)
    breached = sum(r["breached"] for r in json.loads(cli_json.read_text())["slos"])

    # ---- report
    bare_ratio = sla.median / bare.median
    pandas_ratio = pandas_t.median / sla.median
    out = []
    out.append(f"bench_sla: {n} services x {minutes:,} minutes ({month}), {rows:,} rows in {len(files)} Parquet files"
               f" ({fmt_gb(size)}), {len(specs):,} SLOs ({breached} breached)")
    out.append(f"machine: {platform.node() or '?'}; {os.cpu_count()} CPUs; {_mem()}; Python {platform.python_version()};"
               f" {_versions()}; repeat={repeat}")
    out.append(f"load average (1 min) at start / end of the timed rounds: {load_start:.2f} / {os.getloadavg()[0]:.2f}")
    out.append(f"data generation (in-process, numpy): {gen_s:.1f} s")
    out.append("")
    out.append(f"{'process':30} {'wall best':>9} {'median':>9} {'CPU med':>9} {'peak RSS':>9}  note")
    out.append("-" * 100)

    def line(t: Timing, note: str = "") -> None:
        cpu = statistics.median(t.cpus)
        out.append(f"{t.name:30} {fmt_s(t.best):>9} {fmt_s(t.median):>9} {fmt_s(cpu):>9} {fmt_gb(t.rss):>9}  {note}")

    line(ingest, f"{rows / ingest.median / 1e6:.2f} M rows/s (median; best {rows / ingest.best / 1e6:.2f})")
    if reingest:
        line(reingest, f"{rows / reingest.median / 1e6:.2f} M rows/s")
    line(apply, f"{len(specs)} SLOs")
    line(sla, f"{len(specs)} SLOs")
    line(bare, "sum(good), sum(total), count(*) per (service, sli)")
    line(pandas_t, f"read Parquet ({'all files at once' if batch == 'all' else 'one file at a time'}) + groupby")
    line(start_py, "start-up floor")
    line(help_t, "CLI start-up")
    out.append("")
    out.append(f"{'goal':44} {'measured':>10} {'goal':>8}  result")
    out.append("-" * 74)

    def goal(name: str, value: float, target: str, passed: bool) -> None:
        out.append(f"{name:44} {value:>9.2f}x {target:>8}  {'PASS' if passed else 'MISS'}")

    goal("sla / bare DuckDB group-by (median)", bare_ratio, "<= 3x", bare_ratio <= GOAL_BARE_RATIO)
    goal("  (best / best)", sla.best / bare.best, "<= 3x", sla.best / bare.best <= GOAL_BARE_RATIO)
    goal("pandas / sla (median)", pandas_ratio, ">= 4x", pandas_ratio >= GOAL_PANDAS_RATIO)
    goal("  (best / best)", pandas_t.best / sla.best, ">= 4x", pandas_t.best / sla.best >= GOAL_PANDAS_RATIO)
    out.append(f"(CPU time, median: sla / bare {statistics.median(sla.cpus) / statistics.median(bare.cpus):.2f}x,"
               f" pandas / sla {statistics.median(pandas_t.cpus) / statistics.median(sla.cpus):.2f}x)")
    agree = (f"CLI vs pandas, {len(specs)} SLOs: max |diff| attainment {worst['attainment']:.1e}, bad {worst['bad']:.1e},"
             f" allowed_bad {worst['allowed_bad']:.1e}; no_data, breached equal")
    out.append(f"{agree}  {'PASS' if ok else 'FAIL'} (tolerance {TOLERANCE:g})")
    print("\n".join(out))
    if not ok:
        print("mismatches:\n  " + "\n  ".join(problems[:20]), file=sys.stderr)
        return 1
    return 0


GOAL_WINDOWS_RATIO = 4.0  # worst / burn --all time / bare DuckDB group-by time: at most


def _bench_windows(args, work: Path, cli: list[str], exe: Path, db: Path, files: list[str], specs: list[dict],
                   rows: int) -> int:
    month, repeat = args.month, args.repeat
    start, end, minutes = month_bounds(month)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    bare_code = BARE_CODE
    spec_path = work / "slos.json"
    worst_json, burn_json, pandas_json = work / "worst.json", work / "burn.json", work / "pandas-windows.json"
    worst_t, burn_t = Timing("reliability worst (all) --json"), Timing("reliability burn --all --json")
    bare, pandas_t = Timing("bare DuckDB group-by"), Timing("pandas rolling windows")
    cmds = [
        (worst_t, [*cli, "--db", str(db), "worst", "--month", month, "--window", "1h", "--top", str(WORST_TOP), "--json"], worst_json),
        (burn_t, [*cli, "--db", str(db), "burn", "--all", "--from", start.strftime(iso), "--to", end.strftime(iso), "--json"], burn_json),
        (bare, [str(exe), "-c", bare_code, str(db), start.strftime(iso), end.strftime(iso)], None),
        (pandas_t, [str(exe), str(Path(__file__).resolve()), "_pandas_windows", str(spec_path), str(pandas_json), month, *files], None),
    ]
    load_start = os.getloadavg()[0]
    for i in range(repeat):
        for t, cmd, out in cmds:
            log(f"round {i + 1}/{repeat}: {t.name} ...")
            t.add(*run(cmd, stdout=out))
            log(f"  {t.walls[-1]:.2f} s")
    problems = compare_windows(worst_json, burn_json, pandas_json, month)
    out = [f"bench_sla --windows: {args.services} services x {minutes:,} minutes ({month}), {rows:,} rows, {len(specs):,} SLOs",
           f"machine: {platform.node() or '?'}; {os.cpu_count()} CPUs; {_mem()}; Python {platform.python_version()}; {_versions()}; repeat={repeat}",
           f"load average (1 min) at start / end: {load_start:.2f} / {os.getloadavg()[0]:.2f}", "",
           f"{'process':32} {'wall best':>9} {'median':>9} {'CPU med':>9} {'peak RSS':>9}",
           "-" * 74]
    for t in (worst_t, burn_t, bare, pandas_t):
        out.append(f"{t.name:32} {fmt_s(t.best):>9} {fmt_s(t.median):>9} {fmt_s(statistics.median(t.cpus)):>9} {fmt_gb(t.rss):>9}")
    out += ["", f"{'goal':44} {'measured':>10} {'goal':>8}  result", "-" * 74]
    for t in (worst_t, burn_t):
        ratio = t.median / bare.median
        out.append(f"{t.name.split(' --')[0] + ' / bare (median)':44} {ratio:>9.2f}x {'<= 4x':>8}  {'PASS' if ratio <= GOAL_WINDOWS_RATIO else 'MISS'}")
        ratio = pandas_t.median / t.median
        out.append(f"{'pandas / ' + t.name.split(' --')[0] + ' (median)':44} {ratio:>9.2f}x {'> 1x':>8}  {'PASS' if ratio > 1 else 'MISS'}")
    out.append(f"CLI vs pandas: worst windows (start, bad) and episode starts of {len(specs)} SLOs: "
               f"{'equal  PASS' if not problems else f'{len(problems)} differ  FAIL'}")
    print("\n".join(out))
    if problems:
        print("mismatches:\n  " + "\n  ".join(problems[:20]), file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_pandas_windows":
        spec, out, month, *files = argv[1:]
        pandas_windows(spec, out, month, files)
        return 0
    if argv and argv[0] == "_pandas":
        spec, out, month, batch, *files = argv[1:]
        pandas_baseline(spec, out, month, batch, files)
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--services", type=int, default=1000, help="number of services N (default 1000)")
    ap.add_argument("--month", default="2025-11", help="calendar month YYYY-MM (UTC; default 2025-11)")
    ap.add_argument("--workdir", help="where data and DB go (default: a temp dir); what the run made there is removed unless --keep")
    ap.add_argument("--keep", action="store_true", help="keep the working directory")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each timed process; best and median reported (default 3)")
    ap.add_argument("--ingest-repeat", type=int, default=None, help="runs of the ingest, each into a new DB (default: --repeat)")
    ap.add_argument("--services-per-file", type=int, default=100, help="services per Parquet file (default 100)")
    ap.add_argument("--pandas-batch", choices=("auto", "all", "file"), default="auto",
                    help="pandas reads all files at once, or one file (a batch of services) at a time; "
                         "auto: all at once up to 20M rows (default)")
    ap.add_argument("--reuse", action="store_true",
                    help="with --workdir: reuse the data and DB an earlier --keep run left there with the same settings (no generation, no ingest)")
    ap.add_argument("--reingest", action="store_true", help="also time re-ingesting every file into the full DB")
    ap.add_argument("--windows", action="store_true",
                    help="instead of sla: time `worst --window 1h` over all SLOs and `burn --all` over the month "
                         "against the bare DuckDB scan (goal: each <= 4x) and a pandas rolling-window equivalent")
    args = ap.parse_args(argv)
    try:
        return bench(args)
    except Failed as exc:
        print(f"bench_sla: a process failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
