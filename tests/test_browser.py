"""The whole app (app.py, st.navigation) in a real headless Chromium, served by `make demo`'s command.

Needs Debian's /usr/bin/chromium and the playwright package (never `playwright install`: no
downloads). Missing either skips the test, except under CI=true, where it fails.
"""

from __future__ import annotations

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


@pytest.fixture
def server(demo_db, tmp_path) -> Iterator[tuple[str, Path]]:
    """`make demo`'s streamlit over a copy of the demo database (this test writes to it)."""
    db = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, db)
    port = free_port()
    env, argv = make_demo_server_command(db, port)
    assert env == {"RELIABILITY_DB": str(db)}
    assert argv[1:4] == ["run", "app.py", "--server.address"] and "127.0.0.1" in argv, argv
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(
        argv, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as one below
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert proc.poll() is None, (tmp_path / "streamlit.log").read_text()
            try:
                if requests.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "streamlit.log").read_text()
            time.sleep(0.2)
        yield url, db
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def wait_until_idle(page) -> None:
    # The status widget ("Running...") is attached while a script run is in progress.
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=30_000)


def non_white_fraction(png: Path) -> float:
    from PIL import Image

    with Image.open(png) as img:
        gray = img.convert("L")
        hist = gray.histogram()
        return 1 - sum(hist[250:]) / sum(hist)


def test_monthly_sla_page_in_chromium(server, tmp_path):
    playwright = sync_playwright()
    url, db = server
    with playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url, timeout=30_000)
            title = page.get_by_role("heading", name="Monthly SLA review")
            title.wait_for(state="visible", timeout=30_000)
            page.wait_for_selector('[data-testid="stDataFrame"]', state="visible", timeout=30_000)
            wait_until_idle(page)
            assert page.locator('[data-testid="stException"]').count() == 0
            metrics = page.locator('[data-testid="stMetric"]')
            assert metrics.count() == 3
            assert "16" in metrics.nth(0).inner_text()

            # Pick March 2026: the search breach shows in the metrics.
            page.get_by_test_id("stSelectbox").click()
            page.get_by_role("option", name="2026-03").click()
            page.wait_for_function(
                "() => [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
                ".some(e => e.innerText.includes('Breached') && /\\b1\\b/.test(e.innerText))",
                timeout=30_000,
            )
            wait_until_idle(page)
            assert page.locator('[data-testid="stException"]').count() == 0
            assert "-108.3%" in metrics.nth(2).inner_text()

            shot = tmp_path / "monthly_sla.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 20_000
            assert non_white_fraction(shot) > 0.02  # text, metrics and the table's grid

            # The app holds no connection between reruns: a writer gets the file right away.
            csv = tmp_path / "tiny.csv"
            csv.write_text("timestamp,service,sli,good,total\n2026-11-01T00:00:00Z,web,availability,99,100\n")
            started = time.monotonic()
            result = run_cli("ingest", "series", csv, db=db)
            assert result.code == 0, result.stderr
            assert time.monotonic() - started < 15
            with duckdb.connect(str(db), read_only=True) as con:
                assert con.execute("select count(*) from sli_slices where service = 'web'").fetchone() == (1,)

            # And the app keeps working after the write.
            page.reload()
            page.wait_for_selector('[data-testid="stDataFrame"]', state="visible", timeout=30_000)
            wait_until_idle(page)
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()


@pytest.mark.parametrize("ci, outcome", [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_missing_chromium_fails_only_under_ci(monkeypatch, tmp_path, ci, outcome):
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="not installed"):
        sync_playwright()
