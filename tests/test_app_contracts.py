"""The Contracts at risk page under AppTest: its numbers are `contracts risk`'s (same month,
same JSON). In a real headless Chromium: tests/test_browser_contracts.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_fixtures import demo_db, demo_db_build, shown_charts, shown_tables  # noqa: F401 - fixtures
from conftest import run_cli
from reliability import units

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
    table = shown_tables(page)[0]
    assert list(table["contract"]) == [d["contract"] for d in doc["contracts"]]
    assert list(table["room left %"]) == [units.number(round(d["room_left"] * 100, 2)) for d in doc["contracts"]]
    globex = table[table["contract"] == "globex-gateway"].iloc[0]
    assert (globex["risk"], globex["credit so far"], globex["amount so far"]) == ("credit owed", "5%", "750.00 EUR")
    assert not page.get("plotly_chart")  # static SVG: no charting library for the browser to load
    [chart] = shown_charts(page)
    for d in doc["contracts"]:
        assert d["contract"] in chart


def test_no_contracts_says_how_to_add_them(tmp_path):
    db = tmp_path / "empty.duckdb"
    slos = Path(__file__).resolve().parent.parent / "data" / "slos.yaml"
    assert run_cli("slo", "apply", slos, db=db).code == 0
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RELIABILITY_DB", str(db))
        at = AppTest.from_file(str(PAGE), default_timeout=120).run()
    assert not at.exception
    assert "contracts apply" in at.info[0].value

