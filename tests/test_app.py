"""The Monthly SLA review page under Streamlit's AppTest, over the demo database and empty ones.

AppTest cannot drive ``st.navigation`` (app.py), so the page file runs on its own: AppTest
executes it as ``__main__``, which is what calls ``page()``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from streamlit.testing.v1 import AppTest

from app_fixtures import demo_db, demo_db_build, shown_tables  # noqa: F401 - fixtures
from conftest import run_cli
from reliability import store

PAGE = str(Path(__file__).resolve().parent.parent / "reliability" / "app" / "pages" / "monthly_sla.py")
TIMEOUT = 60  # seconds; the first run computes all 16 SLOs over a month


def run_page(monkeypatch, db: Path) -> AppTest:
    monkeypatch.setenv("RELIABILITY_DB", str(db))
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture(scope="module")
def module_monkeypatch():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def demo_page(module_monkeypatch, demo_db) -> AppTest:
    return run_page(module_monkeypatch, demo_db)


def test_page_runs_as_main(demo_page):
    # Without __main__ the page function would never run and nothing would render.
    assert [t.value for t in demo_page.title] == ["Monthly SLA review"]
    # October 2026, the default, ends 4 hours after the sample's last slice in New York: said so.
    assert [i.value for i in demo_page.info] == [
        "Partial month for 2 SLO(s): data only up to 2026-11-01 00:00 UTC; their status may still change."]


def test_month_picker_lists_the_13_months_newest_first(demo_page):
    picker, zone, group = demo_page.selectbox
    assert picker.label == "Month"
    assert (zone.label, zone.value) == ("Time zone", "each SLO's own zone")
    assert (group.label, group.value) == ("Group by", "(none)")  # the label picker (group and filter)
    assert picker.options[0] == "2026-10" and picker.options[-1] == "2025-10"
    assert len(picker.options) == 13
    # The default is the latest complete month (the sample ends with October 2026).
    assert picker.value == "2026-10"
    assert [r.value for r in demo_page.radio] == ["good"]


def test_table_has_one_row_per_slo(demo_page):
    [table] = shown_tables(demo_page)
    customers = [f'api-gateway-customer-availability{{customer="{c}"}}' for c in ("acme", "globex", "initech")]
    assert len(table) == 16 + 3  # and one row per customer of the per-customer SLO
    assert sorted(table["slo"]) == sorted([f"{s}-{sli}" for s in (
        "api-gateway", "auth", "catalog", "checkout", "ledger", "notifications", "payments", "search"
    ) for sli in ("availability", "latency")] + customers)
    assert metrics(demo_page)["SLOs"] == "19"
    # Each row links to the breach investigation of its SLO (an instance by its address, URL-encoded) and month.
    assert set(table["investigate"]) == {f"breach?slo={quote(s, safe='')}&month=2026-10" for s in table["slo"]}


def test_march_shows_the_search_breach(demo_page):
    demo_page.selectbox[0].select("2026-03").run(timeout=TIMEOUT)
    assert not demo_page.exception, [e.value for e in demo_page.exception]
    found = metrics(demo_page)
    assert int(found["Breached"]) >= 1
    table = shown_tables(demo_page)[0]
    assert len(table) == 18  # 16 SLOs and the two customers onboarded by March
    breached = table[table["breached"] == "yes"]
    assert list(breached["slo"]) == ["search-availability"]
    row = breached.iloc[0]
    assert (row["bad"], row["allowed"], row["unit"]) == ("93", "44.64", "minutes")  # as `sla` prints them
    # The page shows percentages: attainment and budget scaled by 100, to the digits the CLI prints.
    assert (row["attainment %"], row["budget left %"], row["status"]) == ("99.7917", "-108.3", "breached")
    assert found["Lowest budget left"] == "-108.3%"


def test_empty_database_shows_how_to_load_data(monkeypatch, tmp_path):
    empty = tmp_path / "empty.duckdb"
    with store.connect(empty):  # an empty database (the app never creates one)
        pass
    at = run_page(monkeypatch, empty)
    assert [t.value for t in at.title] == ["Monthly SLA review"]
    assert len(at.info) == 1
    assert "reliability demo" in at.info[0].value
    assert not shown_tables(at) and not at.metric


def test_slices_without_slos_say_so(monkeypatch, tmp_path):
    db = tmp_path / "no-slos.duckdb"
    csv = tmp_path / "series.csv"
    csv.write_text("timestamp,service,sli,good,total\n2026-03-01T00:00:00Z,web,availability,99,100\n")
    result = run_cli("ingest", "series", csv, db=db)
    assert result.code == 0, result.stderr
    at = run_page(monkeypatch, db)
    assert [s.value for s in at.selectbox] == ["2026-03", "each SLO's own zone"]
    assert len(at.info) == 1
    assert "No SLOs defined" in at.info[0].value
    assert not shown_tables(at)
