"""The overview's per-instance block in a real headless Chromium (docs/app.md): the enterprise
customers of the sample grouped by definition, filtered by address, never one row each."""

from __future__ import annotations

import pytest

from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures
from test_browser import CHROMIUM, CHROMIUM_ARGS, server, sync_playwright, wait_until_idle  # noqa: F401

pytestmark = pytest.mark.browser


def test_overview_groups_and_filters_instances(server):
    playwright = sync_playwright()
    url, _ = server
    with playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{url}/", timeout=30_000)
            page.get_by_text("Per-instance SLOs").first.wait_for(timeout=120_000)
            wait_until_idle(page)
            body = page.inner_text("body")
            assert "3 of 3 matching instances (3 in all), least budget left first." in body
            assert page.locator('[data-testid="stException"]').count() == 0
            box = page.get_by_placeholder('e.g. customer="acme" or a definition name')
            box.fill('customer="globex"')
            box.press("Enter")
            page.get_by_text("1 of 1 matching instances (3 in all)").first.wait_for(timeout=60_000)
            wait_until_idle(page)
            assert page.locator('[data-testid="stException"]').count() == 0
            assert not errors, errors
        finally:
            browser.close()
