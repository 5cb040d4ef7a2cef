"""Labels in the app, in a real headless Chromium (docs/app.md): on the Monthly SLA review a
person picks a label to group by and a label to filter on with the widgets (not a prepared
link), and the page shows `sla --group-by journey --label tier=2`'s roll-up and nothing else.

The sample's tier-2 SLOs in March 2026 (data/README.md, "Labels"): catalog-availability,
catalog-latency, ledger-latency (its own tier over its Service's), search-availability
(breached: the March search incident) and search-latency: 5 SLOs, 4 met of 5 measured. By
journey: browse 4 (3 met, search-availability breached), purchase 1 (ledger-latency, met).
The same numbers are asserted from the CLI's JSON below, so the page and `sla` agree.
"""

from __future__ import annotations

import pytest

from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures
from conftest import run_cli
from test_browser import CHROMIUM, CHROMIUM_ARGS, SHOTS, open_page, screenshot, server, sync_playwright  # noqa: F401
from test_browser import wait_until_idle

pytestmark = pytest.mark.browser


def test_group_and_filter_by_label_with_the_widgets(server, demo_db):
    doc = run_cli("sla", "--month", "2026-03", "--group-by", "journey", "--label", "tier=2", "--json",
                  db=demo_db).json()
    assert sorted(s["slo"] for s in doc["slos"]) == [
        "catalog-availability", "catalog-latency", "ledger-latency", "search-availability", "search-latency"]
    assert [(g["value"], g["slos"], g["met"], g["measured"], g["breached_slos"]) for g in doc["groups"]] == [
        ("browse", 4, 3, 4, ["search-availability"]), ("purchase", 1, 1, 1, [])]
    assert (doc["all"]["slos"], doc["all"]["met"], doc["all"]["measured"]) == (5, 4, 5)

    playwright = sync_playwright()
    url, _ = server
    with playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            open_page(page, f"{url}/sla?month=2026-03", "Monthly SLA review", 0)
            assert "By journey" not in page.inner_text("body")
            # Group by journey: the selectbox, as a person uses it.
            page.get_by_label("Group by").click()
            page.get_by_role("option", name="journey", exact=True).click()
            page.get_by_role("heading", name="By journey").wait_for(state="visible", timeout=60_000)
            wait_until_idle(page)
            assert "group=journey" in page.url, page.url
            # Only tier 2: type into the multiselect and take the match.
            box = page.get_by_role("combobox", name="Only SLOs labelled")
            box.click()
            box.fill("tier=2")
            page.get_by_role("option", name="tier=2", exact=True).click()
            page.keyboard.press("Escape")
            page.wait_for_function("() => location.search.includes('label=tier')", timeout=60_000)
            wait_until_idle(page)
            page.get_by_text("4 of 5").first.wait_for(timeout=60_000)
            body = page.inner_text("body")
            assert "label=tier%3D2" in page.url or "label=tier=2" in page.url, page.url
            # The metrics: the filtered selection only (5 SLOs, 4 met of 5 measured, 1 breached).
            metrics = page.locator('[data-testid="stMetric"]').all_inner_texts()
            flat = [" ".join(m.split()) for m in metrics]
            assert flat[:3] == ["SLOs 5", "Met 4 of 5", "Breached 1"], flat
            assert "insufficient_data SLOs are neither met nor measured" in body
            assert page.locator('[data-testid="stException"]').count() == 0
            screenshot(page, SHOTS / "sla-grouped-by-widgets.png")
            assert not errors, errors
        finally:
            browser.close()
