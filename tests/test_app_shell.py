"""The page shell (reliability/app/shell.py): the app's page URLs answer Streamlit's own
index.html with the server's address set, so the browser connects without probing the page's
path first; every other request is Streamlit's. In ASGI (every path and method) and in Chromium
behind a base URL path (the browser journey at / is tests/test_browser.py's)."""

from __future__ import annotations

import asyncio
import re
import shutil

import pytest
from playwright.sync_api import sync_playwright
from streamlit import config

from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures
from reliability.app.pages import PAGES
from reliability.app.shell import PageShell, streamlit_index
from test_browser import CHROMIUM, CHROMIUM_ARGS, open_page, serving


def call(path: str, method: str = "GET") -> tuple[int | None, dict, bytes]:
    """(status, headers, body) of ``method path`` through the shell; status None when it went on
    to Streamlit (the inner app)."""
    sent: list[dict] = []

    async def inner(scope, receive, send):
        sent.append({"type": "passed"})

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": method, "path": path, "headers": [], "query_string": b""}
    asyncio.run(PageShell(inner)(scope, receive, send))
    if sent[0]["type"] == "passed":
        return None, {}, b""
    start, body = sent
    return start["status"], dict(start["headers"]), body["body"]


@pytest.fixture
def base_url_path():
    def set_to(value: str) -> None:
        config.set_option("server.baseUrlPath", value)

    before = config.get_option("server.baseUrlPath")
    yield set_to
    config.set_option("server.baseUrlPath", before)


def test_every_page_path_gets_streamlits_shell_with_the_server_pinned():
    index = streamlit_index()
    assert '<script type="module"' in index and '<div id="root"></div>' in index  # Streamlit's page shell
    for path in ["/", *(f"/{p}" for _m, _t, p in PAGES)]:
        status, headers, body = call(path)
        assert status == 200, path
        assert headers[b"content-type"] == b"text/html; charset=utf-8"
        assert headers[b"cache-control"] == b"no-cache"  # like Streamlit's: a new version is picked up
        assert int(headers[b"content-length"]) == len(body)
        text = body.decode()
        pin = re.search(r"<head><script>(.*?)</script>", text).group(1)
        assert "window.__streamlit = {BACKEND_BASE_URL:" in pin
        assert f"var page = {'' if path == '/' else path[1:]!r}".replace("'", '"') in pin
        # Streamlit's own file otherwise, byte for byte: its scripts, styles and the app root.
        assert text.replace(f"<script>{pin}</script>", "", 1) == index
        # Before Streamlit's module script: set when the frontend reads it.
        assert text.index("window.__streamlit") < text.index('<script type="module"')
    assert call("/sla", "HEAD")[:2] == (200, call("/sla")[1]) and call("/sla", "HEAD")[2] == b""


@pytest.mark.parametrize("path,method", [
    ("/sla", "POST"),  # not a page load
    ("/sla/", "GET"),  # Streamlit redirects it to /sla
    ("/nope", "GET"),  # not a page: Streamlit's own answer
    ("/_stcore/health", "GET"),
    ("/_stcore/host-config", "GET"),
    ("/static/js/index.js", "GET"),
    ("/media/abc.csv", "GET"),
    ("/sla/_stcore/health", "GET"),
    ("/breach/extra", "GET"),
])
def test_everything_else_is_streamlits(path, method):
    assert call(path, method)[0] is None


def test_behind_a_base_url_path_only_its_pages(base_url_path):
    base_url_path("rel")
    assert call("/rel/sla")[0] == call("/rel")[0] == call("/rel/")[0] == 200
    for path in ("/sla", "/", "/relx", "/relsla", "/other/sla"):
        assert call(path)[0] is None, path


def test_behind_a_base_url_path_in_chromium(demo_db, tmp_path):  # noqa: F811
    """Served under /rel: a page's shared link opens the page, the browser asks only /rel/ for
    the server (never /rel/incidents/_stcore/...), and the sidebar's links stay under /rel."""
    db = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, db)
    with serving(db, tmp_path, ("--server.baseUrlPath", "rel"), base="/rel") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            requested: list[str] = []
            page.on("request", lambda r: requested.append(r.url))
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            open_page(page, f"{url}/incidents?service=payments", "Incidents", 5)
            core = sorted({u.split("?")[0].removeprefix(url) for u in requested if "/_stcore/" in u})
            assert core == ["/_stcore/health", "/_stcore/host-config"], core
            assert page.locator('[data-testid="stException"]').count() == 0
            assert not errors, errors
            page.get_by_role("link", name="Monthly SLA review").click()
            page.get_by_role("heading", name="Monthly SLA review").wait_for(state="visible", timeout=60_000)
            assert page.url.startswith(f"{url}/sla"), page.url
            page.reload()
            page.get_by_role("heading", name="Monthly SLA review").wait_for(state="visible", timeout=60_000)
            assert not errors, errors
        finally:
            browser.close()
