"""The Contracts at risk page: under AppTest its numbers are `contracts risk`'s (same month, same
JSON), and in a real headless Chromium (app.py's router, `make demo`'s server) it draws its
chart with no exception and no console error, showing the sample's customers in force."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures
from conftest import run_cli
from test_browser import (  # noqa: F401 - the server fixture and the helpers of the app's browser test
    BASE_PATH_PROBE, CHART, CHROMIUM, CHROMIUM_ARGS, SHOTS, non_white_fraction, open_page, screenshot, server,
    sync_playwright,
)

PAGE = Path(__file__).resolve().parent.parent / "reliability" / "app" / "pages" / "contracts.py"
MONTH = "2026-10"  # over by now: measured whole, so the numbers do not move with the clock


@pytest.fixture(scope="module")
def page(demo_db):  # noqa: F811
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RELIABILITY_DB", str(demo_db))
        at = AppTest.from_file(str(PAGE), default_timeout=300)
        at.query_params["month"] = MONTH
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        yield at


def test_the_page_shows_the_commands_numbers(page, demo_db):  # noqa: F811
    doc = run_cli("contracts", "risk", "--month", MONTH, "--json", db=demo_db).json()
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Contracts in force"] == str(len(doc["contracts"])) == "2"  # initech ended in August
    assert metrics["Credit owed so far"] == str(doc["counts"]["credit_owed"])
    assert metrics["At risk"] == str(doc["counts"]["at_risk"])
    assert metrics["Unknown"] == str(doc["counts"]["unknown"])
    assert metrics["Owed so far"] == "750.00 EUR"
    table = page.dataframe[0].value
    assert list(table["contract"]) == [d["contract"] for d in doc["contracts"]]
    assert list(table["room left %"]) == [round(d["room_left"] * 100, 2) for d in doc["contracts"]]
    globex = table[table["contract"] == "globex-gateway"].iloc[0]
    assert (globex["risk"], globex["credit so far"], globex["amount so far"]) == ("credit owed", "5%", "750.00 EUR")
    assert len(list(page.get("plotly_chart"))) == 1


def test_no_contracts_says_how_to_add_them(tmp_path):
    db = tmp_path / "empty.duckdb"
    slos = Path(__file__).resolve().parent.parent / "data" / "slos.yaml"
    assert run_cli("slo", "apply", slos, db=db).code == 0
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RELIABILITY_DB", str(db))
        at = AppTest.from_file(str(PAGE), default_timeout=120).run()
    assert not at.exception
    assert "contracts apply" in at.info[0].value


def test_contracts_page_in_chromium(server):  # noqa: F811
    playwright = sync_playwright()
    url, _db = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.on("console", lambda m: errors.append(f"console: {m.text} at {m.location.get('url')}")
                   if m.type == "error" and not BASE_PATH_PROBE.search(m.location.get("url") or "") else None)
            tab.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            open_page(tab, f"{url}/contracts?month={MONTH}", "Contracts at risk", 1)
            assert tab.locator('[data-testid="stException"]').count() == 0
            text = tab.inner_text("body")
            for shown in ("Contracts in force", "750.00 EUR", "Room left to the contract's SLA level"):
                assert shown in text, shown
            assert f"month={MONTH}" in tab.url  # the month is in the URL: a link reproduces the view
            # The chart names each contract (SVG text, not the canvas data frame).
            svg = tab.locator(CHART).first.inner_html()
            for name in ("acme-gateway", "globex-gateway"):
                assert name in svg, name
            shot = SHOTS / "contracts.png"
            screenshot(tab, shot)
            assert shot.stat().st_size > 20_000 and non_white_fraction(shot) > 0.02
            assert not errors, errors
        finally:
            browser.close()
