"""The app's overview over many per-instance SLOs, in a real Chromium (issue 17's scale goal).

    .venv/bin/python benchmarks/bench_instances.py --instances 5000 --workdir /tmp/bi --keep
    .venv/bin/python benchmarks/bench_instances_app.py --db /tmp/bi/bench.duckdb [--visits 3]

Serves the database with `reliability app` on a free port and opens the overview in headless
Chromium (Debian's /usr/bin/chromium through Playwright, a fresh browser context per visit),
timing from navigation until the page is settled: Streamlit's running indicator gone and the
per-instance block drawn. It then types a filter and times the rerun, and reports how many
table rows the page holds (the point: a top-N, not one row per instance). A screenshot of the
last visit is written next to the database. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_settled(page, text: str, timeout_s: float) -> None:
    page.get_by_text(text).first.wait_for(timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:  # the running indicator may come and go: poll it
        if page.locator('[data-testid="stStatusWidget"]').count() == 0:
            return
        time.sleep(0.05)
    raise TimeoutError("the page never settled")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog="Example:\n" + __doc__.split("\n\n")[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="a database bench_instances.py --keep left (workdir/bench.duckdb)")
    ap.add_argument("--visits", type=int, default=3, help="fresh browser contexts, each timed (default 3)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds allowed for the page to settle")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent / "reliability"), "--db", a.db, "app", "--port",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    out = {"load_average": os.getloadavg(), "visits": []}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for i in range(a.visits):
                ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = ctx.new_page()
                t0 = time.monotonic()
                for _ in range(200):  # the server may still be starting
                    try:
                        page.goto(url, timeout=a.timeout * 1000)
                        break
                    except Exception:  # noqa: BLE001 - connection refused while it starts
                        time.sleep(0.25)
                wait_settled(page, "Per-instance SLOs", a.timeout)
                settled = time.monotonic() - t0
                rows = page.locator('[data-testid="stDataFrame"]').count()
                box = page.get_by_placeholder('e.g. customer="acme" or a definition name')
                caption = page.get_by_text("matching instances").first
                before = caption.inner_text()
                t1 = time.monotonic()
                box.fill("c-0004")
                box.press("Enter")
                # Until the caption changed (the rerun reached the page: c-00040..c-00049 match),
                # then settled: a check of the running indicator alone can pass before the
                # rerun starts.
                deadline = time.monotonic() + a.timeout
                while caption.inner_text() == before:
                    if time.monotonic() > deadline:
                        raise TimeoutError("the filter never changed the caption")
                    time.sleep(0.05)
                wait_settled(page, "matching instances", a.timeout)
                filtered = time.monotonic() - t1
                out["visits"].append({"settled_s": settled, "filter_s": filtered, "dataframes": rows,
                                      "caption": page.get_by_text("matching instances").first.inner_text()})
                if i == a.visits - 1:
                    page.screenshot(path=str(Path(a.db).with_suffix(".overview.png")), full_page=True)
                ctx.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
