"""The Contracts at risk page in a real headless Chromium (app.py's router, `make demo`'s
server), as an account manager uses it: opened from a shared link on a month, read (metrics,
chart, table), then another month picked with the page's own selector — the URL follows, the
numbers are `contracts risk`'s for that month, and no exception or console error on the way."""

from __future__ import annotations

import pytest

from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures
from conftest import run_cli
from test_browser import (  # noqa: F401 - the server fixture and the helpers of the app's browser test
    CHART, CHROMIUM, CHROMIUM_ARGS, SHOTS, non_white_fraction, open_page, screenshot, server,
    sync_playwright, wait_until_idle,
)

pytestmark = pytest.mark.browser

MONTH = "2026-10"  # over by now: measured whole, so the numbers do not move with the clock


def _metric(tab, label: str) -> str:
    """The value of the metric labelled exactly ``label`` ("Owed so far", not "Credit owed so far")."""
    metrics = tab.locator('[data-testid="stMetric"]')
    for i in range(metrics.count()):
        box = metrics.nth(i)
        if box.locator('[data-testid="stMetricLabel"]').inner_text().strip() == label:
            return box.locator('[data-testid="stMetricValue"]').inner_text().strip()
    raise AssertionError(f"no metric {label!r}")


def test_contracts_page_in_chromium(server):  # noqa: F811
    playwright = sync_playwright()
    url, db = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    july = run_cli("contracts", "risk", "--month", "2026-07", "--json", db=db).json()
    with playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.on("console", lambda m: errors.append(f"console: {m.text} at {m.location.get('url')}")
                   if m.type == "error" else None)
            tab.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            open_page(tab, f"{url}/contracts?month={MONTH}", "Contracts at risk", 1)
            assert tab.locator('[data-testid="stException"]').count() == 0
            text = tab.inner_text("body")
            for shown in ("Room left to the contract's SLA level", "Covered SLOs"):
                assert shown in text, shown
            assert (_metric(tab, "Contracts in force"), _metric(tab, "Owed so far")) == ("2", "750.00 EUR")
            assert f"month={MONTH}" in tab.url  # the month is in the URL: a link reproduces the view
            # The chart names each contract (SVG text, not the canvas data frame).
            svg = tab.locator(CHART).first.inner_html()
            for name in ("acme-gateway", "globex-gateway"):
                assert name in svg, name
            assert "initech-gateway" not in svg  # its term ended in August
            shot = SHOTS / "contracts.png"
            screenshot(tab, shot)
            assert shot.stat().st_size > 20_000 and non_white_fraction(shot) > 0.02

            # Another month, picked with the page's selector as a person would.
            box = tab.locator('[data-testid="stSelectbox"]').filter(has_text="Month (measured so far)")
            box.locator("input").first.click()
            tab.get_by_role("option", name="2026-07", exact=True).click()
            tab.wait_for_url("**month=2026-07**", timeout=60_000)
            tab.wait_for_function("() => document.body.innerText.includes('initech-gateway')", timeout=60_000)
            wait_until_idle(tab)
            assert tab.locator('[data-testid="stException"]').count() == 0
            assert _metric(tab, "Contracts in force") == str(len(july["contracts"])) == "3"
            assert _metric(tab, "At risk") == str(july["counts"]["at_risk"])
            svg = tab.locator(CHART).first.inner_html()
            for d in july["contracts"]:
                assert d["contract"] in svg, d["contract"]
            assert not errors, errors
        finally:
            browser.close()
