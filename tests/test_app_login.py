"""The app's login (reliability/app/gate.py) against a real `streamlit run app.py` server.

With `app_password` set: plain HTTP requests without a cookie to every kind of Streamlit
endpoint get the login form or 401, never data (pages, the WebSocket, `/media/<id>.csv`
downloads, uploads, components, metrics, the agent API); a shared deep link survives the login
in a real Chromium; password attempts are rate-limited. The same server shows text from the
data literally (no Markdown link from a service name) and hands out CSV downloads whose
formula-looking cells are neutralised.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest
import requests

from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures
from conftest import run_cli
from test_browser import (
    CHROMIUM, CHROMIUM_ARGS, serving, sync_playwright, wait_until_idle,
)
from test_sla import slo_yaml

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
EVIL = '=HYPERLINK("http://evil.example/x","click") [see](http://evil.example/y) **bold**'
DEEP = "/breach?slo=search-availability&month=2026-03&days=2026-03-17..2026-03-17"


def _poison(db: Path, tmp: Path) -> None:
    """An SLO whose service is a spreadsheet formula with Markdown in it, with a few slices."""
    service = "'" + EVIL.replace("'", "''") + "'"  # a YAML single-quoted string
    (tmp / "evil.yaml").write_text(slo_yaml("poisoned-text", "Occurrences", "UTC", service=service))
    quoted = '"' + EVIL.replace('"', '""') + '"'
    rows = "".join(f"2026-03-0{d}T00:00:00Z,{quoted},availability,99,100\n" for d in range(1, 4))
    (tmp / "evil.csv").write_text("timestamp,service,sli,good,total\n" + rows)
    for args in (("slo", "apply", tmp / "evil.yaml"), ("ingest", "series", tmp / "evil.csv")):
        r = run_cli(*args, db=db)
        assert r.code == 0, r.stderr


@pytest.fixture
def gated(demo_db, tmp_path) -> Iterator[tuple[str, Path]]:
    """`make demo`'s server over a copy of the demo database, with `app_password` set."""
    db = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, db)
    _poison(db, tmp_path)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'app_password = "{PASSWORD}"\n')
    with serving(db, tmp_path, ("--secrets.files", str(secrets))) as url:
        yield url, db


def _names(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [r[0] for r in con.execute("select name from slos").fetchall()]


PAGES = ["/", "/overview", "/sla", "/sla?month=2026-03", DEEP, "/incidents", "/health", "/anything/else"]
# Every other kind of route Streamlit serves (media, uploads, components, the agent API,
# metrics, host config, auth, static app files): none answers without the login.
INTERNAL = [
    ("GET", "/_stcore/host-config"), ("GET", "/_stcore/metrics"), ("GET", "/_stcore/script-health-check"),
    ("GET", "/media/0123456789abcdef.csv"), ("HEAD", "/media/0123456789abcdef.csv"),
    ("PUT", "/_stcore/upload_file/session/file"), ("GET", "/component/x/index.html"),
    ("GET", "/_stcore/agent/openapi.json"), ("POST", "/_stcore/agent/interact"), ("POST", "/_stcore/agent/mcp"),
    ("GET", "/auth/login"), ("GET", "/app/static/x.png"), ("POST", "/"),
]


def _websocket_handshake(url: str, cookies: dict | None = None) -> int:
    headers = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    return requests.get(f"{url}/_stcore/stream", headers=headers, cookies=cookies, timeout=10, stream=True).status_code


def _assert_no_data(body: str, names: list[str], asked: str = "") -> None:
    """No SLO name in ``body``, except one the request itself named (the form keeps the URL)."""
    leaked = [n for n in names if n in body and n not in asked]
    assert not leaked, leaked


def test_nothing_with_data_before_login_then_deep_link_and_download(gated):
    url, db = gated
    names = _names(db)
    assert "search-availability" in names and "poisoned-text" in names
    plain = requests.Session()
    for path in PAGES:
        r = plain.get(url + path, timeout=10)
        assert r.status_code == 200 and 'type="password"' in r.text, path
        _assert_no_data(r.text, names, path)
        assert "reliability_login" not in r.headers.get("set-cookie", "")
    for method, path in INTERNAL:
        r = plain.request(method, url + path, timeout=10)
        assert r.status_code == 401, (method, path, r.status_code)
        _assert_no_data(r.text, names)
    assert plain.get(url + "/_stcore/health", timeout=10).text == "ok"
    assert _websocket_handshake(url) == 403  # the stream every page's data travels on
    assert _websocket_handshake(url, {"reliability_login": "9999999999.forged"}) == 403

    with sync_playwright()() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(accept_downloads=True)
            page = context.new_page()
            # A shared deep link, opened before login, lands on the linked view after it.
            page.goto(url + DEEP)
            page.fill('input[name="password"]', PASSWORD)
            page.click('input[type="submit"]')
            page.wait_for_selector("h1:has-text('Breach investigation')", timeout=90_000)
            wait_until_idle(page)
            query = parse_qs(urlparse(page.url).query)
            assert urlparse(page.url).path == "/breach"
            assert query["slo"] == ["search-availability"] and query["month"] == ["2026-03"]
            assert query["days"] == ["2026-03-17..2026-03-17"]
            assert page.locator('input[aria-label="SLO"]').input_value() == "search-availability"
            assert page.locator('input[aria-label="Month"]').input_value() == "2026-03"
            cookie = {c["name"]: c["value"] for c in context.cookies()}["reliability_login"]

            # Text from the data is literal: a service name with Markdown makes no link.
            page.goto(url + "/breach?slo=poisoned-text&month=2026-03")
            page.wait_for_selector("h1:has-text('Breach investigation')", timeout=90_000)
            wait_until_idle(page)
            sentence = page.locator("p", has_text="No incident of").first
            sentence.wait_for(timeout=90_000)
            assert EVIL in " ".join(sentence.inner_text().split())
            assert sentence.locator("a").count() == 0 and sentence.locator("strong").count() == 0
            assert page.locator('a[href*="evil.example"]').count() == 0

            # The CSV download: formulas neutralised; its /media URL is for logged-in clients only.
            page.goto(url + "/sla?month=2026-03")
            page.wait_for_selector("h1:has-text('Monthly SLA review')", timeout=90_000)
            wait_until_idle(page)
            with page.expect_download() as info:
                page.get_by_role("button", name="Download CSV").click()
            download = info.value
            text = Path(download.path()).read_text(encoding="utf-8")
            media = download.url
        finally:
            browser.close()
    assert urlparse(media).path.startswith("/media/") and media.endswith(".csv")
    assert "search-availability" in text
    assert "'=HYPERLINK(" in text and '\n=HYPERLINK' not in text and ',=HYPERLINK' not in text
    r = requests.get(media, timeout=10)
    assert r.status_code == 401 and "search-availability" not in r.text
    assert requests.get(media, cookies={"reliability_login": cookie}, timeout=10).text == text
    assert _websocket_handshake(url, {"reliability_login": cookie}) == 101


def test_password_attempts_are_rate_limited(gated):
    url, _ = gated
    s = requests.Session()
    for _ in range(5):
        r = s.post(url + "/_login", data={"password": "guess", "next": DEEP}, allow_redirects=False, timeout=10)
        assert r.status_code == 401 and "Wrong password." in r.text
    # Over the limit, even the right password is refused unchecked, and no cookie is set.
    r = s.post(url + "/_login", data={"password": PASSWORD, "next": DEEP}, allow_redirects=False, timeout=10)
    assert r.status_code == 429 and "Too many attempts" in r.text and int(r.headers["retry-after"]) > 0
    assert "set-cookie" not in r.headers
    assert s.get(url + "/sla", timeout=10).text.count('type="password"') == 1
