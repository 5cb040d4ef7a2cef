"""The whole app (app.py, st.navigation) in a real headless Chromium, served by `make demo`'s command:
every page opened, charts drawn, no exception box, no browser console error, a screenshot each.

Needs Debian's /usr/bin/chromium and the playwright package (never `playwright install`: no
downloads). Missing either skips the test, except under CI=true, where it fails.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import requests

from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures
from conftest import ROOT, run_cli

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
START_TIMEOUT = 30.0  # seconds for the server to answer /_stcore/health


def missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


def sync_playwright():
    if not CHROMIUM.is_file():
        missing(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed")
    return sync_playwright


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_demo_server_command(db: Path, port: int) -> tuple[dict[str, str], list[str]]:
    """The `streamlit run` line of `make demo`, as make expands it: (env assignments, argv)."""
    bin_dir = str(Path(sys.executable).parent)
    if shutil.which("make"):
        dry = subprocess.run(
            ["make", "-n", "demo", f"DB={db}", f"PORT={port}", f"BIN={bin_dir}"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout
    else:  # the recipe as written, with its three variables substituted
        dry = (ROOT / "Makefile").read_text().replace("$(DB)", str(db)).replace("$(PORT)", str(port))
        dry = dry.replace("$(BIN)", bin_dir)
    [line] = [ln.strip() for ln in dry.splitlines() if re.search(r"\bstreamlit run ", ln)]
    words = shlex.split(line)
    env = {}
    while "=" in words[0] and not words[0].startswith(("/", ".")):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    return env, words


@contextlib.contextmanager
def serving(db: Path, folder: Path, extra: tuple[str, ...] = (), base: str = "") -> Iterator[str]:
    """`make demo`'s streamlit over ``db`` on a free port (its log in ``folder``), with
    ``extra`` arguments after make's (e.g. ``--secrets.files``): the URL. ``base``: the
    server's ``--server.baseUrlPath`` when ``extra`` sets one ("/rel"), part of the URL."""
    port = free_port()
    env, argv = make_demo_server_command(db, port)
    assert env == {"RELIABILITY_DB": str(db)}
    assert argv[1:4] == ["run", "app.py", "--server.address"] and "127.0.0.1" in argv, argv
    log = (folder / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [*argv, *extra], cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as one below
    )
    url = f"http://127.0.0.1:{port}{base}"
    try:
        wait_for_health(proc, url, folder / "streamlit.log", START_TIMEOUT)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture
def server(demo_db, tmp_path) -> Iterator[tuple[str, Path]]:
    """`make demo`'s streamlit over a copy of the demo database (this test writes to it)."""
    db = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, db)
    with serving(db, tmp_path) as url:
        yield url, db


def wait_for_health(proc: subprocess.Popen, url: str, log: Path, timeout: float) -> None:
    """Until the server answers ``/_stcore/health`` with ``ok`` (its log shown on failure)."""
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, log.read_text()
        try:
            if requests.get(f"{url}/_stcore/health", timeout=5).text == "ok":
                return
        except requests.RequestException:  # not up yet (refused, or slow on a busy machine)
            pass
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def wait_until_idle(page) -> None:
    # The status widget ("Running...") is attached while a script run is in progress.
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=90_000)


def non_white_fraction(png: Path) -> float:
    from PIL import Image

    with Image.open(png) as img:
        gray = img.convert("L")
        hist = gray.histogram()
        return 1 - sum(hist[250:]) / sum(hist)


# Opened on a page's own URL (/sla, a shared link), Streamlit's frontend would first try that path
# as the server's base path (/sla/_stcore/health, a 404, then 100 ms later /); the page shell
# (reliability/app/shell.py) tells it where the server is, so no such probe is made.
BASE_PATH_PROBE = re.compile(r"/[\w-]+/_stcore/")
SHOTS = ROOT / "build" / "screenshots"  # one PNG per page, kept for people to look at (build/ is git-ignored)
# The pages' charts: static SVG inline (reliability.app.static_chart), no charting library.
CHART = "svg.reliability-chart"
# (url path and query, heading, charts expected at least, what the page must show)
PLOTLY_CHUNK = re.compile(r"/PlotlyChart\.[\w-]+\.js$")  # Streamlit's Plotly chunk (4.7 MB)
PAGES = [
    ("", "Leadership overview", 0, "SLO-months breached"),  # the default page lives at / (static SVG charts)
    ("sla?month=2026-03", "Monthly SLA review", 0, "search-availability"),
    ("breach?slo=search-availability&month=2026-03", "Breach investigation", 2, "INC-0074"),
    ("incidents?service=payments", "Incidents", 5, "Overdue action items"),
    ("health", "Data health", 1, "Missing slices"),
]


def open_page(page, url: str, heading: str, charts: int) -> None:
    page.goto(url, timeout=30_000)
    page.get_by_role("heading", name=heading).wait_for(state="visible", timeout=60_000)
    wait_until_idle(page)
    if charts:
        page.wait_for_function(
            f"() => document.querySelectorAll('{CHART}').length >= {charts}", timeout=60_000,
        )
    else:
        page.wait_for_selector(".rel-table", state="visible", timeout=30_000)
    wait_until_idle(page)
    page.wait_for_timeout(300)  # let the browser lay out the page before the screenshot


def screenshot(page, shot: Path) -> None:
    """The whole page: Streamlit scrolls inside its main block, so grow the viewport to fit it."""
    height = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMainBlockContainer\"]').scrollHeight"
    )
    page.set_viewport_size({"width": 1400, "height": min(max(1000, height + 150), 6000)})
    page.wait_for_timeout(600)  # charts and tables reflow on resize
    wait_until_idle(page)
    page.screenshot(path=str(shot), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_every_page_in_chromium(server, tmp_path):
    playwright = sync_playwright()
    url, db = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    current = [""]
    with playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: errors.append(f"{current[0]}: console: {m.text} at {m.location.get('url')}")
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            # No page loads Plotly by default (static SVG; test_browser_static.py has the other
            # pages and the interactive chart on request): one tab, so the first page that
            # requested its chunk would show here.
            requested: list[str] = []
            page.on("request", lambda r: requested.append(r.url))
            for path, heading, charts, shows in PAGES:
                current[0] = path
                open_page(page, f"{url}/{path}", heading, charts)
                assert page.locator('[data-testid="stException"]').count() == 0, path
                assert page.locator(CHART).count() >= charts, path
                assert page.locator(".js-plotly-plot").count() == 0, path
                assert page.locator('[data-testid="stPlotlyChart"]').count() == 0, path
                assert not [u for u in requested if PLOTLY_CHUNK.search(u)], path
                assert not [u for u in requested if BASE_PATH_PROBE.search(u.removeprefix(url))], path
                assert shows in page.inner_text("body"), path  # tables are text (static HTML), not a canvas
                # The filters are in the URL: a link reproduces the view.
                if "?" in path:
                    key, _, value = path.split("?", 1)[1].split("&")[0].partition("=")
                    assert f"{key}={value}" in page.url, (path, page.url)
                shot = SHOTS / f"{path.split('?')[0] or 'overview'}.png"
                screenshot(page, shot)
                assert shot.stat().st_size > 20_000
                assert non_white_fraction(shot) > 0.02
            assert not errors, errors

            # The breach page's month came from the URL, not the default.
            open_page(page, f"{url}/breach?slo=search-availability&month=2026-03", "Breach investigation", 2)
            page.wait_for_function(
                "() => document.body.innerText.includes('Budget left at the end of 2026-03')", timeout=30_000,
            )

            # Labels from a shared link: grouped by journey, tier 1 only, and June 2026's split
            # month named (ledger-availability's target changed on the 15th).
            open_page(page, f"{url}/sla?month=2026-06&group=journey&label=tier%3D1", "Monthly SLA review", 0)
            page.get_by_role("heading", name="By journey").wait_for(state="visible", timeout=30_000)
            body = page.inner_text("body")
            assert "insufficient_data SLOs are neither met nor measured" in body
            assert "ledger-availability: definition changed during the period" in body and "99.95%" in body
            assert "group=journey" in page.url and "label=tier" in page.url, page.url
            assert page.locator('[data-testid="stException"]').count() == 0
            screenshot(page, SHOTS / "sla-by-journey.png")
            assert not errors, errors

            # The app holds no connection between reruns: a writer gets the file right away.
            csv = tmp_path / "tiny.csv"
            csv.write_text("timestamp,service,sli,good,total\n2026-11-01T00:00:00Z,web,availability,99,100\n")
            started = time.monotonic()
            result = run_cli("ingest", "series", csv, db=db)
            assert result.code == 0, result.stderr
            assert time.monotonic() - started < 15
            with duckdb.connect(str(db), read_only=True) as con:
                assert con.execute("select count(*) from sli_slices where service = 'web'").fetchone() == (1,)

            # New data shows without a restart: the cache is keyed by the file's stamp.
            open_page(page, f"{url}/health", "Data health", 1)
            assert page.locator('[data-testid="stException"]').count() == 0
            page.wait_for_function(  # Series: 19 in the sample (16 and 3 customers), 20 with the one just written
                "() => /Series\\s+20/.test(document.querySelector('[data-testid=\"stMetric\"]')?.innerText || '')",
                timeout=30_000,
            )
            assert not errors, errors
        finally:
            browser.close()


@pytest.mark.parametrize("ci, outcome", [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_missing_chromium_fails_only_under_ci(monkeypatch, tmp_path, ci, outcome):
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="not installed"):
        sync_playwright()
