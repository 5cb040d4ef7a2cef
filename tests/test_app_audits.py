"""The Audits page: under AppTest its numbers are the commands' (same month range, same JSON),
and in a real headless Chromium (app.py's router, `make demo`'s server) it draws its charts
with no exception and no console error, showing the sample's findings."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_fixtures import demo_db, demo_db_build, shown_charts, shown_tables  # noqa: F401 - fixtures
from conftest import run_cli
from test_browser import (  # noqa: F401 - the server fixture and the helpers of the app's browser test
    CHART, CHROMIUM, CHROMIUM_ARGS, SHOTS, non_white_fraction, open_page, screenshot, server,
    sync_playwright,
)

PAGE = Path(__file__).resolve().parent.parent / "reliability" / "app" / "pages" / "audits.py"


@pytest.fixture(scope="module")
def page(demo_db):  # noqa: F811
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RELIABILITY_DB", str(demo_db))
        at = AppTest.from_file(str(PAGE), default_timeout=300)
        at.query_params["from"] = "2026-02"
        at.query_params["to"] = "2026-03"
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        yield at


def test_the_page_shows_the_commands_numbers(page, demo_db):  # noqa: F811
    metrics = {m.label: m.value for m in page.metric}
    pol = run_cli("audit", "policy", "--from", "2026-02", "--to", "2026-03", "--json", db=demo_db).json()["summary"]
    br_doc = run_cli("audit", "breaches", "--from", "2026-02", "--to", "2026-03", "--json", db=demo_db).json()
    br = br_doc["summary"]
    sli = run_cli("audit", "sli", "--from", "2026-02", "--to", "2026-03", "--json", db=demo_db).json()["summary"]
    assert metrics["Violations"] == str(pol["violations"])
    assert metrics["Deployed during a freeze"] == str(pol["release_freeze"])
    assert metrics["Exemptions applied"] == str(pol["exemptions_applied"]) == "1"
    assert (metrics["Breached SLO-months"], metrics["Process complete"]) == (str(br["breaches"]), str(br["complete"]))
    assert metrics["Contractual breaches"] == str(br_doc["contractual"]["summary"]["breaches"])
    # Breaches with a step missing (the CLI's "1 with steps missing"), not a count of steps; the
    # labels fit a desktop's column ("Incidents over budget s..." was cut).
    assert metrics["With steps missing"] == str(br["incomplete"])
    assert metrics["Contractual, with steps missing"] == str(br_doc["contractual"]["summary"]["incomplete"])
    assert metrics["Over-budget incidents"] == str(pol["incident_budget"])
    evidence = next(t for t in shown_tables(page) if "evidence" in t.columns and "slo" in t.columns)
    assert set(evidence["status"]) == {"✔ done", "✘ missing", "– n/a"}  # as in the table above, not not_applicable
    assert metrics["Blind spots"] == str(sli["blind_spots"])
    assert metrics["Detected by other means"] == str(sli["detected_by_other_means"])
    violations = shown_tables(page)[0]
    assert list(violations.columns) == ["rule", "subject", "service", "at", "slo", "detail"]
    assert "DEP-0693" in set(violations["subject"])
    assert not page.get("plotly_chart")  # static SVG: no charting library for the browser to load
    assert len(shown_charts(page)) >= 3


def test_the_backtest_tab_follows_its_inputs(page):
    [target] = [n for n in page.number_input if n.key == "bt_target"]
    target.set_value(99.5).run(timeout=300)
    assert not page.exception
    variants = next(t for t in shown_tables(page) if "variant" in t.columns)
    assert list(variants["variant"]) == ["current", "backtest"] and list(variants["target"])[1] == "99.5000%"


def test_audits_page_in_chromium(server):  # noqa: F811
    playwright = sync_playwright()
    url, _db = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.on("console", lambda m: errors.append(f"console: {m.text} at {m.location.get('url')}")
                   if m.type == "error" else None)
            tab.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            open_page(tab, f"{url}/audits?from=2026-02&to=2026-03", "Audits", 1)
            assert tab.locator('[data-testid="stException"]').count() == 0
            text = tab.inner_text("body")
            for shown in ("Error-budget policy", "Exemptions applied", "Deployed during a freeze"):
                assert shown in text, shown
            assert "from=2026-02" in tab.url and "to=2026-03" in tab.url  # the range is in the URL
            tab.get_by_role("tab", name="Breach process").click()
            tab.get_by_text("Contractual breaches", exact=True).first.wait_for(timeout=60_000)
            tab.get_by_role("tab", name="SLIs and alerts").click()
            tab.wait_for_function(f"() => document.querySelectorAll('{CHART}').length >= 2", timeout=60_000)
            assert "Blind spots" in tab.inner_text("body")
            shot = SHOTS / "audits.png"
            screenshot(tab, shot)
            assert shot.stat().st_size > 20_000 and non_white_fraction(shot) > 0.02
            assert not errors, errors
        finally:
            browser.close()
