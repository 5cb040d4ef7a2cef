"""The browser side of bench_app_browser.py: the app's server, headless Chromium, the settle
probe, one visit and one interaction (times in seconds)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 1000}
POLL_MS = 50
QUIET_MS = 600  # no DOM change for this long, everything drawn: settled
TIMEOUT_S = 180

# The settle probe, installed in every document before Streamlit's own scripts run. Times are
# performance.now() (ms since the navigation started).
PROBE = """
(() => {
  const s = window.__settle = {changes: 0, lastChange: 0, statusSeen: 0, statusGone: 0,
                               done: null, since: 0, armed: true};
  new MutationObserver(() => { s.changes++; s.lastChange = performance.now(); })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  window.__settleFrom = (t0) => { s.since = t0; s.done = null; s.statusSeen = 0; s.statusGone = 0;
                                   s.armed = true; };
  setInterval(() => {
    if (!s.armed || s.done) return;
    const now = performance.now();
    const running = document.querySelector('[data-testid="stStatusWidget"]');
    if (running) { s.statusSeen = now; return; }
    if (s.statusSeen && !s.statusGone) s.statusGone = now;
    if (!document.querySelector('[data-testid="stMainBlockContainer"] h1')) return;
    if (document.querySelector('[data-stale="true"]')) return;
    if (document.querySelector('[data-testid="stSkeleton"]')) return;  // a lazy component loading
    const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
    for (const c of charts) if (!c.querySelector('.main-svg')) return;
    if (s.lastChange <= s.since) return;  // after an interaction: nothing happened yet
    if (now - s.lastChange < %(quiet)d) return;
    let points = 0;
    for (const el of document.querySelectorAll('.js-plotly-plot')) {
      for (const tr of (el.data || [])) {
        const n = (tr.x && tr.x.length) || (tr.y && tr.y.length) || (tr.z && tr.z.length * ((tr.z[0] || []).length || 1)) || 0;
        points += n;
      }
    }
    // The app's static charts (reliability/app/static_chart.py): inline SVG, each element a mark.
    const svgs = document.querySelectorAll('svg.reliability-chart');
    for (const svg of svgs) points += svg.querySelectorAll('*').length;
    s.done = {settled: s.lastChange - s.since, script_end: (s.statusGone || s.statusSeen || s.lastChange) - s.since,
              charts: charts.length + svgs.length, points: points};
  }, %(poll)d);
})();
""" % {"quiet": QUIET_MS, "poll": POLL_MS}


# -- the server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``make demo``'s ``streamlit run`` over ``db`` on a free port, in its own process group."""

    def __init__(self, db: Path, log: Path, script: str = "app.py"):
        self.port = free_port()
        bin_dir = Path(sys.executable).parent
        argv = [str(bin_dir / "streamlit"), "run", script, "--server.address", "127.0.0.1",
                "--server.port", str(self.port), "--server.headless", "true",
                "--browser.gatherUsageStats", "false"]
        self.log = log.open("w")
        self.proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, "RELIABILITY_DB": str(db)},
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        import urllib.request

        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"streamlit exited: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("streamlit did not answer /_stcore/health within 60 s")
            time.sleep(0.1)

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()


# -- the browser -------------------------------------------------------------------------------


class Browser:
    def __init__(self):
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)

    def context(self):
        """A new incognito-like context (Playwright's default): caches in memory only, and no V8
        code cache at all, so every tab compiles Streamlit's JavaScript again."""
        ctx = self.browser.new_context(viewport=VIEWPORT)
        ctx.add_init_script(PROBE)
        return ctx

    def profile(self):
        """A browser with a new profile on disk, as a reader's own Chromium: its HTTP cache and
        V8's code cache (the compiled JavaScript) outlive a tab. Closing it deletes the profile."""
        folder = tempfile.mkdtemp(prefix="bench-profile-")
        ctx = self._pw.chromium.launch_persistent_context(folder, executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                          headless=True, viewport=VIEWPORT)
        ctx.on("close", lambda _: shutil.rmtree(folder, ignore_errors=True))
        ctx.add_init_script(PROBE)
        return ctx

    def close(self) -> None:
        self.browser.close()
        self._pw.stop()


def _watch_ws(page) -> dict:
    """Count bytes received over the page's websockets (Streamlit's forward messages)."""
    counter = {"bytes": 0, "frames": 0}

    def on_ws(ws):
        def on_frame(payload):
            counter["bytes"] += len(payload)
            counter["frames"] += 1
        ws.on("framereceived", on_frame)

    page.on("websocket", on_ws)
    return counter


STATE = """() => ({settle: window.__settle, running: !!document.querySelector('[data-testid="stStatusWidget"]'),
  stale: document.querySelectorAll('[data-stale="true"]').length,
  skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
  undrawn: [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].filter(c => !c.querySelector('.main-svg')).length,
  exception: !!document.querySelector('[data-testid="stException"]')})"""


class NotSettled(RuntimeError):
    """A visit that did not settle within TIMEOUT_S (reported, not fatal)."""


def _wait_settled(page) -> dict:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function("() => window.__settle && window.__settle.done", timeout=TIMEOUT_S * 1000,
                               polling=POLL_MS)
    except PlaywrightTimeout:
        raise NotSettled(f"{page.url}: not settled after {TIMEOUT_S} s: {page.evaluate(STATE)}") from None
    return page.evaluate("() => window.__settle.done")


def tolerant(run, *args, log=print) -> dict | None:
    """``run(*args)``, or None (logged) when the visit did not settle."""
    try:
        return run(*args)
    except NotSettled as exc:
        log(f"TIMEOUT {exc}")
        return None


def median(rows: list[dict | None], key: str) -> float | None:
    found = [r[key] for r in rows if r is not None]
    return __import__('statistics').median(found) if found else None


def visit(browser: Browser, url: str, ctx=None) -> dict:
    """One visit: seconds to settled and where the time went. Without ``ctx``, in a fresh
    context (a first-time visitor: nothing cached); with ``ctx``, a new tab in that context
    (what it caches depends on the context: see Browser.context and Browser.profile)."""
    own = ctx is None
    ctx = browser.context() if own else ctx
    page = None
    try:
        page = ctx.new_page()
        ws = _watch_ws(page)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url, timeout=TIMEOUT_S * 1000)
        done = _wait_settled(page)
        if page.locator('[data-testid="stException"]').count():
            raise SystemExit(f"{url}: the page shows an exception")
        return {"seconds": done["settled"] / 1000, "script_end": done["script_end"] / 1000,
                "charts": done["charts"], "points": done["points"], "ws_bytes": ws["bytes"], "errors": errors}
    finally:
        if own:
            ctx.close()
        elif page is not None:
            page.close()


def pick(page, label: str, option: str) -> None:
    """Choose ``option`` in the selectbox labelled ``label`` (Streamlit's combobox)."""
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def set_days(page, first: str, last: str) -> None:
    """Pick the range ``first``..``last`` (``YYYY-MM-DD``) in the days field's calendar."""
    import re
    from datetime import date

    page.get_by_role("spinbutton", name=re.compile(r"^day, .*start date$")).first.click()
    page.keyboard.press("Alt+ArrowDown")  # the calendar
    for text in (first, last):
        d = date.fromisoformat(text)
        page.get_by_role("button", name=re.compile(rf"^{d:%A}, {d:%B} {d.day}, {d.year}")).first.click()


def interaction(browser: Browser, url: str, act, expect: str) -> dict:
    """Open ``url`` in a fresh context, let it settle, then time ``act(page)`` to settled
    (the URL must then hold ``expect``: the change reached the server)."""
    ctx = browser.context()
    try:
        page = ctx.new_page()
        page.goto(url, timeout=TIMEOUT_S * 1000)
        _wait_settled(page)
        ws = _watch_ws(page)  # counts frames of sockets opened later only: read the live one below
        page.wait_for_timeout(200)
        t0 = page.evaluate("() => performance.now()")
        page.evaluate(f"() => window.__settleFrom({t0})")
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            act(page)
            page.wait_for_url(lambda u: expect in u, timeout=TIMEOUT_S * 1000)
        except PlaywrightTimeout as exc:
            raise NotSettled(f"{url}: the interaction did not go through: {str(exc).splitlines()[0]}") from None
        done = _wait_settled(page)
        if page.locator('[data-testid="stException"]').count():
            raise SystemExit(f"{url}: the page shows an exception after the interaction")
        return {"seconds": done["settled"] / 1000, "script_end": done["script_end"] / 1000,
                "charts": done["charts"], "points": done["points"], "ws_bytes": ws["bytes"], "url": page.url}
    finally:
        ctx.close()


# -- what is measured --------------------------------------------------------------------------
