#!/usr/bin/env python3
"""Benchmark of the Streamlit app as its readers meet it: time to settled in a real Chromium.

``bench_app.py`` times the page scripts on the server; a person waits for more than that: the
websocket, the frontend rendering each element, Plotly drawing every chart. This benchmark
starts the app (the ``streamlit run`` line of ``make demo``) and, for every page, opens it in
headless Chromium (Playwright, ``/usr/bin/chromium``):

- cold: the first visit after the server started, by a first-time visitor (a fresh browser
  context: nothing cached in the browser; empty caches, imports paid by the server);
- warm: a returning reader opening the page in a new tab (the median of ``--repeat``): a
  browser with a profile on disk, as a person's own Chromium, that has opened the page once
  before. Streamlit's static files (served as immutable) come from its HTTP cache, and V8
  reuses the JavaScript it compiled (its code cache, kept with the profile);
- private tab: ``--repeat`` new tabs in the first-time visitor's context after the cold visit,
  as in an incognito window. The files come from its memory cache, but such a context keeps no
  code cache: every tab compiles Streamlit's JavaScript again (~0.2-0.3 s on this machine).
  Before 2026-12-02 15:45 this was the "warm" column;
- new browser: ``--repeat`` visits each in a fresh browser context to the warm server (a
  first-time visitor after someone else: the JavaScript loaded and compiled again);
- interactions, on a settled page: change the overview's end month, the breach page's SLO
  and its range of days. "first" is the first time the server sees that choice, "warm" the
  same change made again in a new context (its loaders cached).

Settled: the DOM is polled every 50 ms (in the page, ``setInterval``) until Streamlit's running
indicator (``stStatusWidget``) is gone, no element is stale, no placeholder of a component
still loading (``stSkeleton``) is left, every Plotly chart has drawn its
SVG and the DOM has not changed for ``QUIET_MS``; the time reported is that of the last DOM
change (the quiet window is not counted). Where the time goes is reported next to it: when
the script run ended (the running indicator gone for good), the bytes received over the
websocket, the charts (Plotly's and the app's inline SVG) and their points (handed to Plotly)
or SVG elements.

The floor, measured in the same run: a Streamlit page with a title and one metric, served and
visited the same way. On a shared machine the absolute times move with the load; a page's warm
time over the floor's ("x floor") says what the page itself adds.

Goals (issue 15): on the sample every page cold <= 3 s and warm <= 1.5 s; on a generated fleet
of 2,000 SLOs x 13 months the overview cold <= 5 s; every interaction warm <= 1 s.

Usage:
    python benchmarks/bench_app_browser.py                    # the sample (built in a temp folder)
    python benchmarks/bench_app_browser.py --db demo.duckdb   # an existing sample database
    python benchmarks/bench_app_browser.py --fleet --workdir /tmp/fleet --keep
        # 1,000 services x 2 SLOs (fleet.py's generator), 13 months of 5-minute slices
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import CHROMIUM, Browser, Server, interaction, median, pick, set_days, visit  # noqa: E402
from browser import tolerant as _tolerant  # noqa: E402


EPILOG = """\
Example (run on a quiet machine; the printout ends with the load average at its start and end):
  .venv/bin/python benchmarks/bench_app_browser.py --json /tmp/sample.json
      the sample: `reliability demo` built in a temp folder, every page cold and warm, the
      interactions, the floor (a title and a metric) measured in the same run
  .venv/bin/python benchmarks/bench_app_browser.py --db data/demo.duckdb
      the sample, from a database `make demo` already built
  .venv/bin/python benchmarks/bench_app_browser.py --fleet-only --workdir /tmp/fleet --keep --json /tmp/fleet.json
      the fleet of issue 15: 1,000 services x 2 SLOs = 2,000 SLOs, 13 months (2025-11..2026-11) of
      5-minute slices (113M rows; generating and ingesting it takes a while, --workdir keeps it
      for the next run); add --only floor,overview,interactions for the overview's goal alone
  .venv/bin/python benchmarks/bench_app_browser.py --fleet --workdir /tmp/fleet --keep
      both, one after the other

Goals: sample pages cold <= 3 s, warm <= 1.5 s; fleet overview cold <= 5 s; interactions warm
<= 1 s. Record the tables in benchmarks/README.md ("bench_app_browser.py" section) with the date,
the machine (cores) and the load average printed at start and end.
"""

GOALS = {"sample_cold": 3.0, "sample_warm": 1.5, "fleet_overview_cold": 5.0, "interaction_warm": 1.0}
FLEET_MONTHS = [f"{2025 + (m > 12)}-{(m - 1) % 12 + 1:02d}" for m in range(11, 24)]  # 2025-11 .. 2026-11


def tolerant(run, *args):
    """``run(*args)``, or None (logged) when the visit did not settle."""
    return _tolerant(run, *args, log=_log)


def pages_for(kind: str, months: list[str], slo: str, other_slo: str) -> list[tuple[str, str]]:
    latest = months[0]
    return [
        ("overview", ""),
        ("sla", f"sla?month={latest}"),
        ("breach", f"breach?{_q(slo=slo, month=latest)}"),
        ("incidents", "incidents"),
        ("health", "health"),
    ]


def _q(**kw) -> str:
    from urllib.parse import urlencode

    return urlencode(kw)


def interactions_for(months: list[str], slo: str, other_slo: str, days: tuple[str, str]):
    """(name, page, action, what the URL then holds); the range is within the latest month."""
    latest, previous = months[0], months[1]
    breach = f"breach?{_q(slo=slo, month=latest)}"
    return [
        ("overview: change end month", "", lambda p: pick(p, "To month", previous), f"to={previous}"),
        ("breach: change SLO", breach, lambda p: pick(p, "SLO", other_slo), f"slo={other_slo}"),
        ("breach: change range", breach, lambda p: set_days(p, *days), f"days={days[0]}..{days[1]}"),
    ]


def _visits(browser: Browser, url: str, repeat: int) -> dict:
    """The visits of one page on a freshly started server, each a list of results (None: did not
    settle):

    cold: the first visit, by a first-time visitor (a fresh browser context: nothing cached) to
    a server that has just started. private: ``repeat`` new tabs in that same context, an
    incognito window: the static files come from its memory cache, but it keeps no compiled
    JavaScript. warm: a returning reader, ``repeat`` new tabs in a browser with a profile on disk
    that has opened the page once before: the static files (served as immutable) come from its
    HTTP cache and V8 reuses the code it compiled (the issue's "a new tab"). fresh: ``repeat``
    visits each in a new context (a first-time visitor to a warm server)."""
    private = browser.context()
    try:
        cold = tolerant(visit, browser, url, private)
        private_tabs = [tolerant(visit, browser, url, private) for _ in range(repeat)]
    finally:
        private.close()
    own = browser.profile()
    try:
        tolerant(visit, browser, url, own)  # the reader's earlier visit, not counted
        warm = [tolerant(visit, browser, url, own) for _ in range(repeat)]
    finally:
        own.close()
    fresh = [tolerant(visit, browser, url) for _ in range(repeat)]
    return {"cold": cold, "warm": warm, "private": private_tabs, "fresh": fresh}


FLOOR_PAGE = """import streamlit as st
st.title("Floor")
st.metric("a number", 1)
"""


def measure(db: Path, label: str, months: list[str], slo: str, other_slo: str, days: tuple[str, str],
            repeat: int, work: Path, only: set[str] | None) -> dict:
    browser = Browser()
    out = {"pages": [], "interactions": []}
    try:
        if not only or "floor" in only:
            # The floor, measured in the same run: a page with a title and one metric, what any
            # Streamlit page costs a fresh browser context on this machine at this load.
            floor_script = work / "floor_page.py"
            floor_script.write_text(FLOOR_PAGE)
            server = Server(db, work / f"streamlit-{label}-floor.log", str(floor_script))
            try:
                v = _visits(browser, f"{server.url}/", repeat)
            finally:
                server.stop()
            out["floor"] = {"cold": v["cold"] and v["cold"]["seconds"], "warm": median(v["warm"], "seconds"),
                            "private": median(v["private"], "seconds"), "fresh": median(v["fresh"], "seconds")}
            _log(f"{label} floor: {out['floor']}")
        for name, path in pages_for(label, months, slo, other_slo):
            if only and name not in only:
                continue
            server = Server(db, work / f"streamlit-{label}-{name}.log")
            try:
                v = _visits(browser, f"{server.url}/{path}", repeat)
            finally:
                server.stop()
            cold, warm, private, fresh = v["cold"], v["warm"], v["private"], v["fresh"]
            done = [w for w in warm if w is not None] or [cold or {}]
            row = {"page": name, "path": "/" + path, "cold": cold and cold["seconds"],
                   "cold_script_end": cold and cold["script_end"],
                   "warm": median(warm, "seconds"), "warm_max": max((w["seconds"] for w in warm if w), default=None),
                   "warm_script_end": median(warm, "script_end"),
                   "private": median(private, "seconds"),
                   "fresh": median(fresh, "seconds"), "fresh_script_end": median(fresh, "script_end"),
                   "charts": done[0].get("charts"), "points": done[0].get("points"), "ws_bytes": done[0].get("ws_bytes"),
                   "timeouts": [cold, *warm, *private, *fresh].count(None),
                   "errors": [e for w in [cold, *warm, *private, *fresh] if w for e in w["errors"]]}
            out["pages"].append(row)
            _log(f"{label} {name}: {row}")
        if not only or "interactions" in only:
            server = Server(db, work / f"streamlit-{label}-interactions.log")
            try:
                for name, path, act, expect in interactions_for(months, slo, other_slo, days):
                    first = tolerant(interaction, browser, f"{server.url}/{path}", act, expect)
                    warm = [tolerant(interaction, browser, f"{server.url}/{path}", act, expect) for _ in range(repeat)]
                    row = {"interaction": name, "first": first and first["seconds"],
                           "warm": median(warm, "seconds"),
                           "warm_max": max((w["seconds"] for w in warm if w), default=None),
                           "warm_script_end": median(warm, "script_end"),
                           "timeouts": [first, *warm].count(None)}
                    out["interactions"].append(row)
                    _log(f"{label} {name}: {row}")
            finally:
                server.stop()
    finally:
        browser.close()
    return out


# -- data sets ---------------------------------------------------------------------------------


def _cli() -> str:
    return str(Path(sys.executable).parent / "reliability")


def sample_db(work: Path) -> Path:
    db = work / "demo.duckdb"
    if not db.exists():
        t0 = time.perf_counter()
        subprocess.run([_cli(), "--db", str(db), "demo"], check=True, capture_output=True)
        _log(f"sample database built in {time.perf_counter() - t0:.1f} s")
    return db


def fleet_db(work: Path, services: int, step: int) -> Path:
    """``services`` x 2 SLOs (fleet.py's specs, Occurrences made RatioTimeslices so that a
    5-minute row fills its slice), 13 months of ``step``-minute slices, ingested month by month."""
    import fleet

    db = work / "fleet.duckdb"
    setup = {"services": services, "step": step, "months": FLEET_MONTHS, "seed": fleet.SEED}
    meta = work / "fleet-meta.json"
    if db.exists() and meta.exists() and json.loads(meta.read_text()).get("setup") == setup:
        _log(f"reusing {db}")
        return db
    for p in work.glob("fleet.duckdb*"):
        p.unlink()
    specs = fleet.slo_specs(services)
    for s in specs:
        if s["method"] == "Occurrences":
            s["method"], s["slo"] = "RatioTimeslices", s["slo"].replace("occurrences", "ratio")
    yaml_path = work / "fleet-slos.yaml"
    yaml_path.write_text("".join(fleet.slo_yaml(s, f"{step}m") for s in specs))
    subprocess.run([_cli(), "--db", str(db), "slo", "apply", str(yaml_path)], check=True, capture_output=True)
    timings = {}
    for month in FLEET_MONTHS:
        t0 = time.perf_counter()
        files, rows = fleet.generate(work, services, month, 100, step_minutes=step)
        t1 = time.perf_counter()
        subprocess.run([_cli(), "--db", str(db), "ingest", "series", *map(str, files)], check=True,
                       capture_output=True)
        t2 = time.perf_counter()
        for f in files:
            f.unlink()
        timings[month] = {"rows": rows, "generate_s": t1 - t0, "ingest_s": t2 - t1}
        _log(f"fleet {month}: {rows:,} rows, generated {t1 - t0:.1f} s, ingested {t2 - t1:.1f} s")
    meta.write_text(json.dumps({"setup": setup, "months": timings}))
    return db


# -- output ------------------------------------------------------------------------------------


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _s(v, width: int = 6) -> str:
    return f"{'-':>{width}} " if v is None else f"{v:>{width}.2f}s"


def report(label: str, res: dict, goals: dict) -> list[str]:
    lines = [f"{label}"]
    floor = res.get("floor") or {}
    if floor.get("warm"):
        lines.append(f"floor (a Streamlit page with a title and a metric): cold {_s(floor['cold'])}, warm (new tab) "
                     f"{_s(floor['warm'])}, private tab {_s(floor.get('private'))}, new browser "
                     f"{_s(floor.get('fresh'))}; 'x floor' = warm / floor warm")
    lines.append(f"{'page':<10} {'cold':>7} {'(script)':>9} {'warm':>7} {'(script)':>9} {'max':>6} "
                 f"{'private tab':>11} {'new browser':>11} {'charts':>6} {'points':>9} {'ws kB':>7} {'x floor':>7}  goal")
    for r in res["pages"]:
        goal = goals.get(r["page"])
        verdict = f"{r['timeouts']} TIMEOUT " if r["timeouts"] else ""
        if goal:
            ok = all(r[k] is not None and r[k] <= v for k, v in goal.items())
            verdict += f"{'PASS' if ok else 'MISS'} ({', '.join(f'{k} <= {v:g} s' for k, v in goal.items())})"
        lines.append(f"{r['page']:<10} {_s(r['cold'])} {_s(r['cold_script_end'], 8)} {_s(r['warm'])} "
                     f"{_s(r['warm_script_end'], 8)} {_s(r['warm_max'], 5)} {_s(r.get('private'), 10)} {_s(r.get('fresh'), 10)} "
                     f"{r['charts'] or 0:>6} {r['points'] or 0:>9,} "
                     f"{(r['ws_bytes'] or 0) / 1e3:>7,.0f} "
                     f"{(r['warm'] / floor['warm']) if r['warm'] and floor.get('warm') else 0:>7.1f}  {verdict}")
    if res["interactions"]:
        lines.append(f"{'interaction':<28} {'first':>7} {'warm':>7} {'(script)':>9} {'max':>6}  goal")
        for r in res["interactions"]:
            ok = r["warm"] is not None and r["warm"] <= GOALS["interaction_warm"]
            lines.append(f"{r['interaction']:<28} {_s(r['first'])} {_s(r['warm'])} {_s(r['warm_script_end'], 8)} "
                         f"{_s(r['warm_max'], 5)}  {str(r['timeouts']) + ' TIMEOUT ' if r['timeouts'] else ''}"
                         f"{'PASS' if ok else 'MISS'} (warm <= {GOALS['interaction_warm']:g} s)")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="an existing sample database (default: build one with `reliability demo`)")
    parser.add_argument("--fleet", action="store_true", help="also the generated fleet (2 SLOs per service, 13 months)")
    parser.add_argument("--fleet-only", action="store_true", help="only the generated fleet")
    parser.add_argument("--services", type=int, default=1000, help="fleet services (2 SLOs each; default 1000)")
    parser.add_argument("--step", type=int, default=5, help="fleet slice length in minutes (default 5)")
    parser.add_argument("--repeat", type=int, default=3, help="warm visits per page (default 3)")
    parser.add_argument("--only", help="comma-separated: floor,overview,sla,breach,incidents,health,interactions")
    parser.add_argument("--workdir", help="keep data here (reused by the next run with the same settings)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--json", help="also write the results as JSON to this file")
    args = parser.parse_args()
    if not Path(CHROMIUM).is_file():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bench-app-browser-"))
    work.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(",")) if args.only else None
    load = os.getloadavg()
    results, lines = {}, []
    try:
        if not args.fleet_only:
            db = Path(args.db) if args.db else sample_db(work)
            res = measure(db, "sample", _months(db), "search-availability", "payments-availability",
                          ("2026-10-14", "2026-10-14"), args.repeat, work, only)
            results["sample"] = res
            goal = {"cold": GOALS["sample_cold"], "warm": GOALS["sample_warm"]}
            lines += report("sample (bundled demo database)", res, {p: goal for p in
                                                                     ("overview", "sla", "breach", "incidents", "health")})
        if args.fleet or args.fleet_only:
            db = fleet_db(work, args.services, args.step)
            res = measure(db, "fleet", _months(db), "svc-0000-timeslices", "svc-0001-timeslices",
                          (f"{FLEET_MONTHS[-1]}-10", f"{FLEET_MONTHS[-1]}-12"), args.repeat, work, only)
            results["fleet"] = res
            lines += ["", f"fleet ({2 * args.services:,} SLOs x {len(FLEET_MONTHS)} months, {args.step}-minute slices)"]
            lines += report("", res, {"overview": {"cold": GOALS["fleet_overview_cold"]}})[1:]
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    load_end = os.getloadavg()
    print(f"load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, at end {load_end[0]:.2f} "
          f"{load_end[1]:.2f} {load_end[2]:.2f}; {os.cpu_count()} cores")
    print("\n".join(lines))
    if args.json:
        Path(args.json).write_text(json.dumps({"load": [load, load_end], **results}, indent=1, default=str))
    return 0


def _months(db: Path) -> list[str]:
    """Months with data that have ended (UTC), newest first: the months a reader can pick."""
    from datetime import UTC, datetime

    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("select distinct strftime(ts at time zone 'UTC', '%Y-%m') as m from sli_slices "
                           "order by m desc").fetchall()
    now = datetime.now(UTC).strftime("%Y-%m")
    return [r[0] for r in rows if r[0] < now]


if __name__ == "__main__":
    raise SystemExit(main())
