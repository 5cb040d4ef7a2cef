"""The app's charts as a fresh browser tab meets them, in a real headless Chromium (`make demo`'s
server): no page loads Plotly by default (its 4.7 MB chunk cost each fresh tab seconds,
benchmarks/README.md); the breach page's zoomable chart on request (a toggle in the URL); the
Incidents page filtered by the labels of the incidents' services (`incidents --label`), picked
with the widget as a person would, with the CLI's numbers.

Needs Debian's /usr/bin/chromium and the playwright package; missing either skips, except under
CI=true, where it fails (as tests/test_browser.py).
"""

from __future__ import annotations

import re

import pytest

from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures
from conftest import run_cli
from test_browser import (  # noqa: F401 - the server fixture and the helpers of the app's browser test
    CHART, CHROMIUM, CHROMIUM_ARGS, PLOTLY_CHUNK, SHOTS, open_page, screenshot, server,
    sync_playwright, wait_until_idle,
)
from reliability.units import duration

pytestmark = pytest.mark.browser

# (path, heading, static charts at least): the pages test_browser.py's every-page test does not
# visit (it checks the same on the overview, SLA review, breach, incidents and data health).
PAGES = [
    ("audits?from=2026-02&to=2026-03", "Audits", 2),
    ("contracts?month=2026-10", "Contracts at risk", 1),
]


def test_no_page_loads_plotly_unless_asked(server):  # noqa: F811
    playwright = sync_playwright()
    url, _db = server
    errors: list[str] = []
    with playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            for path, heading, charts in PAGES:
                # A fresh context per page, as a reader opening a shared link: nothing cached.
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                tab = context.new_page()
                requested: list[str] = []
                tab.on("request", lambda r: requested.append(r.url))
                tab.on("pageerror", lambda e: errors.append(f"{path}: pageerror: {e}"))
                tab.on("console", lambda m: errors.append(f"{path}: console: {m.text}")
                       if m.type == "error" else None)
                open_page(tab, f"{url}/{path}", heading, charts)
                if charts:  # every tab's charts drawn (the audits' other tabs are in the page too)
                    assert tab.locator(CHART).count() >= charts, path
                assert tab.locator(".js-plotly-plot").count() == 0, path
                assert tab.locator('[data-testid="stPlotlyChart"]').count() == 0, path
                assert not [u for u in requested if PLOTLY_CHUNK.search(u)], path
                assert any(re.search(r"/static/js/index\.[\w-]+\.js$", u) for u in requested), path  # it did watch
                assert tab.locator('[data-testid="stException"]').count() == 0, path
                context.close()
            assert not errors, errors

            # The zoomable SLI chart on request: the toggle, in the URL like every filter.
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            tab = context.new_page()
            requested = []
            tab.on("request", lambda r: requested.append(r.url))
            open_page(tab, f"{url}/breach?slo=search-availability&month=2026-03", "Breach investigation", 2)
            tab.get_by_text("Interactive chart", exact=False).first.click()
            tab.wait_for_url(re.compile(r"interactive=1"), timeout=60_000)
            tab.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
            wait_until_idle(tab)
            assert [u for u in requested if PLOTLY_CHUNK.search(u)]
            assert tab.locator(CHART).count() == 1  # the burn-down stays static
            context.close()
            # ... and a shared link with it opens the interactive chart.
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            tab = context.new_page()
            tab.goto(f"{url}/breach?slo=search-availability&month=2026-03&interactive=1", timeout=30_000)
            tab.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
            assert tab.get_by_role("switch", name=re.compile("Interactive chart")).is_checked()
            context.close()
        finally:
            browser.close()


def _metric(tab, label: str) -> str:
    box = tab.locator('[data-testid="stMetric"]').filter(
        has=tab.locator('[data-testid="stMetricLabel"]', has_text=re.compile(f"^{re.escape(label)}$")))
    return box.locator('[data-testid="stMetricValue"]').first.inner_text().strip()


def test_incidents_filtered_by_label_with_the_widget(server):  # noqa: F811
    """March 2026, tier 2 (catalog and search): `incidents --month 2026-03 --label tier=2`'s count
    and median time to resolve, picked with the multiselect; the URL reproduces the view."""
    playwright = sync_playwright()
    url, db = server
    every = run_cli("incidents", "--month", "2026-03", "--json", db=db).json()
    tier2 = run_cli("incidents", "--month", "2026-03", "--label", "tier=2", "--json", db=db).json()
    assert 0 < tier2["count"] < every["count"]
    errors: list[str] = []
    with playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.on("pageerror", lambda e: errors.append(str(e)))
            open_page(tab, f"{url}/incidents?from=2026-03&to=2026-03", "Incidents", 5)
            assert _metric(tab, "Incidents") == str(every["count"])
            box = tab.get_by_role("combobox", name="Only services labelled")
            box.click()
            box.fill("tier=2")
            tab.get_by_role("option", name="tier=2", exact=True).click()
            tab.keyboard.press("Escape")
            tab.wait_for_function("() => location.search.includes('label=tier')", timeout=60_000)
            wait_until_idle(tab)
            tab.wait_for_function("n => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')]"
                                  ".some(e => e.innerText.trim() === n)", arg=str(tier2["count"]), timeout=60_000)
            assert "label=tier%3D2" in tab.url or "label=tier=2" in tab.url, tab.url
            assert _metric(tab, "Incidents") == str(tier2["count"])
            assert _metric(tab, "Median time to resolve") == duration(tier2["overall"]["mttr_minutes_median"])
            body = tab.inner_text("body")
            assert "Services labelled tier=2: catalog, search." in body
            # The charts follow: only catalog's and search's incidents in the by-service chart.
            by_service = tab.locator(CHART).filter(has_text="by service").first.inner_html()
            assert ">catalog<" in by_service and ">search<" in by_service and ">payments<" not in by_service
            screenshot(tab, SHOTS / "incidents-by-label.png")

            # The link alone reproduces it in a new tab.
            other = browser.new_page(viewport={"width": 1400, "height": 1000})
            open_page(other, tab.url, "Incidents", 5)
            assert _metric(other, "Incidents") == str(tier2["count"])
            assert not errors, errors
        finally:
            browser.close()
