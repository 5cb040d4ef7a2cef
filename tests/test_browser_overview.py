"""The leadership overview and shared links in a real headless Chromium (the `make demo` server):
categories not shades, KPI deltas, the latest complete month by default, a visible warning for
URL values that do not exist, and a 390 px phone screen without horizontal overflow.

Needs Debian's /usr/bin/chromium and the playwright package; missing either skips, except under
CI=true, where it fails (as tests/test_browser.py).
"""

from __future__ import annotations

import re

import pytest

from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures
from test_browser import CHROMIUM, CHROMIUM_ARGS, server, sync_playwright, wait_until_idle  # noqa: F401

pytestmark = pytest.mark.browser

SETTLE_MS = 120_000


def settled(page, heading: str) -> None:
    page.get_by_role("heading", name=heading).first.wait_for(state="visible", timeout=SETTLE_MS)
    wait_until_idle(page)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=SETTLE_MS)
    wait_until_idle(page)


def grid_svg(page) -> str:
    """The SVG markup of the overview's category grid, as the page holds it."""
    for text in page.locator("svg.reliability-chart").evaluate_all("els => els.map(e => e.outerHTML)"):
        if "SLA attainment % per SLO and month" in text:
            return text
    raise AssertionError("no category grid on the page")


def test_overview_and_shared_links_in_chromium(server):  # noqa: F811
    playwright = sync_playwright()
    url, _db = server
    with playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            page.goto(f"{url}/", timeout=30_000)
            settled(page, "Leadership overview")
            # The title is drawn first; a fast first run can still be between its title and
            # its KPIs when the running indicator has not shown yet: wait for the KPIs.
            page.get_by_text("Fleet compliance").first.wait_for(state="visible", timeout=SETTLE_MS)
            wait_until_idle(page)
            body = page.inner_text("body")
            # The latest complete month: the sample ends with October 2026.
            assert page.get_by_role("combobox", name="To month").input_value() == "2026-10"
            assert "Fleet compliance 2026-10" in body
            # Each KPI with its change against the month before (an arrow and a delta).
            deltas = page.locator('[data-testid="stMetricDelta"]')
            assert deltas.count() >= 5
            incidents = page.locator('[data-testid="stMetric"]').filter(has_text="Incidents 2026-10")
            assert re.search(r"[+-]\d+", incidents.locator('[data-testid="stMetricDelta"]').inner_text())
            assert incidents.locator('[data-testid="stMetricDelta"] svg').count() == 1  # the arrow
            # Categories, not shades: both breaches red, whatever their size (-5.6 % and -108 %).
            svg = grid_svg(page)
            cells = re.findall(r'fill="(#[0-9a-f]{6})" data-category="(\w+)"><title>([^<]*)</title>', svg)
            red = {title.split(":")[0] for fill, cat, title in cells if fill == "#c62828"}
            assert red == {"catalog-availability 2026-02", "search-availability 2026-03"}
            assert {cat for fill, cat, _t in cells if fill == "#c62828"} == {"breached"}
            # A live SVG, not a picture: a breached cell links to its investigation.
            cell = page.locator('svg.reliability-chart a[href="breach?slo=search-availability&month=2026-03"] rect')
            assert cell.get_attribute("data-category") == "breached"
            # The breached SLO-months are listed, each a link to its investigation.
            link = page.get_by_role("link", name=re.compile("search-availability · 2026-03"))
            assert link.get_attribute("href").endswith("breach?slo=search-availability&month=2026-03")
            page.goto(link.evaluate("a => a.href"), timeout=30_000)  # Streamlit opens it in a new tab
            settled(page, "Breach investigation")
            assert page.get_by_role("combobox", name="SLO").input_value() == "search-availability"
            assert page.get_by_role("combobox", name="Month").input_value() == "2026-03"

            # Shared links with values that do not exist: a visible warning naming them.
            for path, named, shown in (
                ("breach?slo=search-avail", "search-avail", "api-gateway-availability"),
                ("sla?month=2026-13", "2026-13", "2026-10"),
                # a link is anyone's text: Markdown in it shows literally, never as a link
                ("breach?slo=%5Bsign%20in%5D(https://evil.example/)", "[sign in](https://evil.example/)",
                 "api-gateway-availability"),
            ):
                page.goto(f"{url}/{path}", timeout=30_000)
                settled(page, "Breach investigation" if path.startswith("breach") else "Monthly SLA review")
                warning = page.locator('[data-testid="stAlertContentWarning"]').filter(has_text=named)
                warning.first.wait_for(state="visible", timeout=SETTLE_MS)
                assert shown in warning.first.inner_text()
                assert not warning.first.locator("a").count()
            # The no-data radio is in the URL like every other filter.
            page.goto(f"{url}/sla?month=2026-03&no_data=bad", timeout=30_000)
            settled(page, "Monthly SLA review")
            assert page.get_by_role("radio", name="bad").is_checked()

            # A phone: 390 px wide, no horizontal overflow, titles not cut.
            phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                        device_scale_factor=2).new_page()
            for path, heading in (("", "Leadership overview"), ("sla?month=2026-03", "Monthly SLA review")):
                phone.goto(f"{url}/{path}", timeout=30_000)
                settled(phone, heading)
                widths = phone.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
                assert widths[0] <= widths[1], (path, widths)
                title = phone.get_by_role("heading", name=heading).first
                box = title.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (path, box)
                assert title.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), path
                # Every element of the main block inside the screen (tables and charts scale or scroll
                # inside themselves, never push the page sideways).
                outside = phone.evaluate(
                    "() => [...document.querySelectorAll('[data-testid=\"stMainBlockContainer\"] "
                    "[data-testid=\"stElementContainer\"]')].filter(e => e.getBoundingClientRect().right > "
                    "window.innerWidth + 1).map(e => e.innerText.slice(0, 40))")
                assert outside == [], (path, outside)
            # The breached SLO-months list, the key table of the overview, readable on the phone.
            phone.goto(f"{url}/", timeout=30_000)
            settled(phone, "Leadership overview")
            # The grid's attainments readable too: drawn at its size and scrolling sideways in its
            # box (scaled to the phone's width they were ~6 px high).
            heights = phone.evaluate(
                "() => [...document.querySelectorAll('svg.reliability-chart text')].filter(t => "
                "/^\\d+\\.\\d\\d$/.test(t.textContent)).map(t => t.getBoundingClientRect().height)")
            assert len(heights) == 192 and min(heights) >= 9, (len(heights), min(heights))
            item = phone.get_by_role("link", name=re.compile("search-availability · 2026-03"))
            box = item.bounding_box()
            assert 0 <= box["x"] and box["x"] + box["width"] <= 390
        finally:
            browser.close()
