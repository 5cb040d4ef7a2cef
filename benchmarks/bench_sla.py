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
"""

from __future__ import annotations

import argparse
import calendar
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

SLI = "availability"
TARGET = 0.999
TIME_SLICE_TARGETS = (0.9, 0.95, 0.99)  # per service, in turn
GOAL_BARE_RATIO = 3.0  # sla time / bare DuckDB group-by time: at most
GOAL_PANDAS_RATIO = 4.0  # pandas time / sla time: at least
TOLERANCE = 1e-9
SEED = 20251101


# ---------------------------------------------------------------------------------------------
# The data set


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


# ---------------------------------------------------------------------------------------------
# Baseline 2: pandas, run as `bench_sla.py _pandas SPEC OUT MONTH BATCH FILES...`


def pandas_baseline(spec_path: str, out_path: str, month: str, batch: str, files: list[str]) -> None:
    """The same numbers as `reliability sla --json` for the SLOs of `spec_path`, with pandas:
    Occurrences attainment = Σgood / Σtotal; Timeslices attainment = (good slices + no-data
    slices) / slices in the month, a slice being good when good/total >= timeSliceTarget."""
    import numpy as np
    import pandas as pd

    with open(spec_path) as fh:  # not pd.read_json: its default float parser is not exact (0.95 -> 0.9500000000000001)
        slos = pd.DataFrame(json.load(fh))
    start = pd.Timestamp(f"{month}-01", tz="UTC")
    end = start + pd.offsets.MonthBegin(1)
    slices = (end - start) // pd.Timedelta(minutes=1)
    tst = slos[slos["method"] == "Timeslices"].set_index("service")["tst"]

    def aggregate(df: pd.DataFrame) -> pd.DataFrame:
        df = df[(df["timestamp"] >= start) & (df["timestamp"] < end)]
        has_data = df["total"] > 0
        good_slice = has_data & (df["good"] / df["total"] >= df["service"].map(tst))
        return (
            df.assign(has_data=has_data, good_slice=good_slice)
            .groupby(["service", "sli"], sort=False)
            .agg(good=("good", "sum"), total=("total", "sum"), with_data=("has_data", "sum"), good_slices=("good_slice", "sum"))
        )

    columns = ["timestamp", "service", "sli", "good", "total"]
    if batch == "all":
        agg = aggregate(pd.read_parquet(files, columns=columns))
    else:  # one file (a batch of services) at a time, partial sums added up
        agg = pd.concat([aggregate(pd.read_parquet(f, columns=columns)) for f in files]).groupby(level=[0, 1]).sum()

    res = slos.merge(agg.reset_index(), on=["service", "sli"], how="left")
    res[["good", "total", "with_data", "good_slices"]] = res[["good", "total", "with_data", "good_slices"]].fillna(0)
    res["no_data"] = slices - res["with_data"]
    occ = res["method"] == "Occurrences"
    good_minutes = res["good_slices"] + res["no_data"]
    res["attainment"] = np.where(occ, res["good"] / res["total"].where(res["total"] > 0), good_minutes / slices)
    res["bad"] = np.where(occ, res["total"] - res["good"], slices - good_minutes)
    res["allowed_bad"] = (1 - res["target"]) * np.where(occ, res["total"], slices)
    res["breached"] = res["attainment"] < res["target"]
    out = res[["slo", "attainment", "bad", "allowed_bad", "no_data", "breached"]]
    with open(out_path, "w") as fh:  # json, not to_json: that rounds to 15 significant digits at most
        json.dump(out.astype(object).where(out.notna(), None).to_dict(orient="records"), fh)


# ---------------------------------------------------------------------------------------------
# Running and timing processes


WORST_TOP = 5
WORST_MINUTES = 60
# The SRE workbook's alert rows (burn.py): severity, long and short window (minutes), budget
# share; factor = share x 720 h / long-window hours for a calendar-month SLO.
ALERT_ROWS = (("page", 60, 5, (2, 100)), ("page", 360, 30, (5, 100)), ("ticket", 1440, 120, (10, 100)),
              ("ticket", 4320, 360, (10, 100)))


def pandas_windows(spec_path: str, out_path: str, month: str, files: list[str]) -> None:
    """The same numbers as `worst --window 1h --top 5` and `burn --all` over the month, with
    pandas rolling windows: per file (100 services) a minute x service frame of bad and weight
    (Occurrences: failed events and events; Timeslices: good/total < timeSliceTarget and 1 per
    minute), `rolling(60).sum()` for the worst windows (greedy: most bad, then starting on a
    bad minute, then earliest; no overlap), and rolling sums over 5m ... 3d, 3 days of empty
    history before the month, for the alert replay (episode starts per severity)."""
    from fractions import Fraction

    import numpy as np
    import pandas as pd

    with open(spec_path) as fh:
        specs = json.load(fh)
    start = pd.Timestamp(f"{month}-01", tz="UTC")
    end = start + pd.offsets.MonthBegin(1)
    n = (end - start) // pd.Timedelta(minutes=1)
    pad = 3 * 1440
    grid = pd.date_range(start, end, freq="1min", inclusive="left")
    by_service: dict[str, list[dict]] = {}
    for spec in specs:
        by_service.setdefault(spec["service"], []).append(spec)
    out = {}
    for f in files:
        df = pd.read_parquet(f, columns=["timestamp", "service", "good", "total"])
        df = df[(df["timestamp"] >= start) & (df["timestamp"] < end)]
        good = df.pivot(index="timestamp", columns="service", values="good").reindex(grid).fillna(0.0)
        total = df.pivot(index="timestamp", columns="service", values="total").reindex(grid).fillna(0.0)
        for kind in ("Occurrences", "Timeslices"):
            cols = [sv for sv in good.columns]
            if kind == "Occurrences":
                bad, weight = total - good, total
            else:
                tst = pd.Series({sv: next(x["tst"] for x in by_service[sv] if x["method"] == kind) for sv in cols})
                ratio = (good / total.where(total > 0)).fillna(1.0)
                bad = (ratio < tst).astype(float) * (total > 0)
                weight = pd.DataFrame(1.0, index=grid, columns=cols)
            sums = bad.rolling(WORST_MINUTES).sum().shift(-(WORST_MINUTES - 1)).iloc[: n - WORST_MINUTES + 1]
            padded_bad = pd.concat([pd.DataFrame(0.0, index=range(pad), columns=cols), bad.reset_index(drop=True)],
                                   ignore_index=True)
            padded_w = pd.concat([pd.DataFrame(0.0 if kind == "Occurrences" else 1.0, index=range(pad), columns=cols),
                                  weight.reset_index(drop=True)], ignore_index=True)
            rolled = {m: (padded_bad.rolling(m, min_periods=1).sum(), padded_w.rolling(m, min_periods=1).sum())
                      for m in {x for r in ALERT_ROWS for x in r[1:3]}}
            for sv in cols:
                name = f"{sv}-{kind.lower()}"
                s = sums[sv].to_numpy().copy()
                starts_bad = bad[sv].to_numpy()[: len(s)] > 0
                score = np.where(s > 0, s, -np.inf)
                windows = []
                while len(windows) < WORST_TOP and len(score) and score.max() > -np.inf:
                    best = score.max()
                    ties = score == best
                    pref = np.flatnonzero(ties & starts_bad)
                    k = int(pref[0]) if len(pref) else int(np.flatnonzero(ties)[0])
                    windows.append([k, float(best)])
                    score[max(0, k - WORST_MINUTES + 1): k + WORST_MINUTES] = -np.inf
                episodes = {}
                for sev in ("page", "ticket"):
                    firing = np.zeros(n + 1, bool)
                    for row_sev, long_m, short_m, (a, b) in ALERT_ROWS:
                        if row_sev != sev:
                            continue
                        thr = float(Fraction(a, b) * 720 / Fraction(long_m, 60) * (1 - Fraction(str(TARGET))))
                        on = np.ones(n + 1, bool)
                        for m in (long_m, short_m):
                            rb, rw = rolled[m][0][sv].to_numpy(), rolled[m][1][sv].to_numpy()
                            at = np.arange(pad, pad + n + 1) - 1  # boundary i: window ends at slice i - 1
                            on &= (rw[at] > 0) & (rb[at] > thr * rw[at])
                        firing |= on
                    edges = np.flatnonzero(np.diff(np.concatenate(([0], firing.astype(np.int8), [0]))))
                    episodes[sev] = edges[::2].tolist()
                out[name] = {"worst": windows, "episodes": episodes}
    with open(out_path, "w") as fh:
        json.dump(out, fh)


def compare_windows(worst_json: Path, burn_json: Path, pandas_json: Path, month: str) -> list[str]:
    """Worst windows (start minute, bad) and episode starts per severity, CLI vs pandas."""
    start, _, _ = month_bounds(month)
    # A service with no rows at all is in no pandas frame: nothing bad, no episode.
    empty = {"worst": [], "episodes": {"page": [], "ticket": []}}
    pds = json.loads(pandas_json.read_text())
    problems = []
    for r in json.loads(worst_json.read_text())["slos"]:
        got = [[int((datetime.fromisoformat(w["start"].replace("Z", "+00:00")) - start).total_seconds() // 60), w["bad"]]
               for w in r["windows"]]
        if got != pds.get(r["slo"], empty)["worst"]:
            problems.append(f"worst {r['slo']}: CLI {got[:3]} vs pandas {pds.get(r['slo'], empty)['worst'][:3]}")
    for r in json.loads(burn_json.read_text())["slos"]:
        got = {"page": [], "ticket": []}
        for e in r["episodes"]:
            got[e["severity"]].append(int((datetime.fromisoformat(e["start"].replace("Z", "+00:00")) - start).total_seconds() // 60))
        if got != pds.get(r["slo"], empty)["episodes"]:
            problems.append(f"burn {r['slo']}: CLI {got} vs pandas {pds.get(r['slo'], empty)['episodes']}")
    return problems


class Failed(Exception):
    pass


# A small launcher process forks the command, so that the command's peak RSS is its own (a
# child forked from this process would inherit this process's high-water mark) and the wall
# clock covers the command alone: fork, exec, run, exit.
_LAUNCHER = """
import json, os, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.dup2(fd, 1)
        os.execv(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
print(json.dumps({"wall": wall, "rss": ru.ru_maxrss * 1024, "cpu": ru.ru_utime + ru.ru_stime,
                  "code": os.waitstatus_to_exitcode(status)}))
"""


def run(cmd: list[str], stdout: Path | None = None) -> tuple[float, int, float]:
    """Run `cmd` as a process; (wall seconds, peak RSS bytes, CPU seconds). Raises Failed on
    exit != 0."""
    with tempfile.TemporaryFile() as err:
        launcher = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, str(stdout or os.devnull), *cmd], stdout=subprocess.PIPE, stderr=err, check=False
        )
        try:
            result = json.loads(launcher.stdout.decode().strip().splitlines()[-1])
        except (IndexError, ValueError):
            result = {"code": launcher.returncode}
        if launcher.returncode != 0 or result["code"] != 0:
            err.seek(0)
            raise Failed(f"exit {result['code']}: {' '.join(cmd[:6])} ...\n{err.read().decode(errors='replace')[-3000:]}")
    return result["wall"], result["rss"], result["cpu"]


class Timing:
    def __init__(self, name: str):
        self.name, self.walls, self.rss, self.cpus = name, [], 0, []

    def add(self, wall: float, rss: int, cpu: float) -> None:
        self.walls.append(wall)
        self.rss = max(self.rss, rss)
        self.cpus.append(cpu)

    @property
    def best(self) -> float:
        return min(self.walls)

    @property
    def median(self) -> float:
        return statistics.median(self.walls)


def fmt_s(x: float) -> str:
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def fmt_gb(b: int) -> str:
    return f"{b / 2**30:.2f} GB" if b >= 2**30 else f"{b / 2**20:.0f} MB"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Comparing results


def compare(cli_json: Path, pandas_json: Path, specs: list[dict]) -> tuple[bool, dict, list[str]]:
    cli = {r["slo"]: r for r in json.loads(cli_json.read_text())["slos"]}
    pds = {r["slo"]: r for r in json.loads(pandas_json.read_text())}
    problems: list[str] = []
    worst = {"attainment": 0.0, "bad": 0.0, "allowed_bad": 0.0}
    for spec in specs:
        name = spec["slo"]
        a, b = cli.get(name), pds.get(name)
        if a is None or b is None:
            problems.append(f"{name}: missing from {'the CLI' if a is None else 'pandas'}")
            continue
        for field in list(worst):
            x, y = a[field], b[field]
            x_none = x is None or (isinstance(x, float) and math.isnan(x))
            y_none = y is None or (isinstance(y, float) and math.isnan(y))
            if x_none or y_none:
                if x_none != y_none:
                    problems.append(f"{name}: {field} CLI {x!r} vs pandas {y!r}")
                continue
            diff = abs(x - y)
            worst[field] = max(worst[field], diff)
            # attainment is a ratio (absolute 1e-9); bad/allowed_bad are counts (relative 1e-9)
            scale = 1.0 if field == "attainment" else max(1.0, abs(x), abs(y))
            if diff > TOLERANCE * scale:
                problems.append(f"{name}: {field} CLI {x!r} vs pandas {y!r}")
        if int(a["no_data"]) != int(b["no_data"]) or bool(a["breached"]) != bool(b["breached"]):
            problems.append(f"{name}: no_data/breached CLI {a['no_data']}/{a['breached']} vs pandas {b['no_data']}/{b['breached']}")
    extra = set(cli) - {s["slo"] for s in specs}
    if extra:
        problems.append(f"CLI reports SLOs not defined here: {sorted(extra)[:5]}")
    return not problems, worst, problems


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
    bare_code = (
        "import sys, duckdb\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "rows = con.execute('select service, sli, sum(good), sum(total), count(*) from sli_slices"
        " where ts >= $1::timestamptz and ts < $2::timestamptz group by service, sli', [sys.argv[2], sys.argv[3]]).fetchall()\n"
        "print(len(rows))\n"
    )
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
    bare_code = (
        "import sys, duckdb\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "rows = con.execute('select service, sli, sum(good), sum(total), count(*) from sli_slices"
        " where ts >= $1::timestamptz and ts < $2::timestamptz group by service, sli', [sys.argv[2], sys.argv[3]]).fetchall()\n"
        "print(len(rows))\n"
    )
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


def _mem() -> str:
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
        return f"{kb / 2**20:.0f} GB RAM"
    except OSError:
        return "RAM ?"


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for pkg in ("duckdb", "pandas", "pyarrow", "numpy"):
        try:
            parts.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            pass
    return ", ".join(parts)


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
