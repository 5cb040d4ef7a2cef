"""Every page file under Streamlit's AppTest over the demo database: no exception, the expected
widgets and charts, and a filter change that changes the numbers, checked against the analysis API.

AppTest cannot drive ``st.navigation`` (app.py), so each page file runs on its own as ``__main__``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_fixtures import demo_db, demo_db_build, shown_charts, shown_tables  # noqa: F401 - fixtures
from conftest import run_cli
from reliability import slos, store, units
from reliability.analysis import budget, burn, history
from reliability.incidents import timing
from reliability.instances import address
from reliability.units import duration

PAGES = Path(__file__).resolve().parent.parent / "reliability" / "app" / "pages"
TIMEOUT = 120  # seconds; a cold first run of the overview computes 13 months of 16 SLOs


@pytest.fixture(scope="module")
def env(demo_db):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RELIABILITY_DB", str(demo_db))
        yield demo_db


def run(name: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rerun(at: AppTest) -> AppTest:
    at.run(timeout=TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def charts(at: AppTest) -> list[str]:
    """The page's charts: static SVG inline (reliability.app.static_chart); never Plotly unless asked for."""
    assert not at.get("plotly_chart")
    return shown_charts(at)


def con_of(db: Path):
    return store.connect(db, read_only=True)


# -- Leadership overview ------------------------------------------------------------------------


def test_overview(env):
    at = run("overview")
    assert [t.value for t in at.title] == ["Leadership overview"]
    # The latest complete month (the sample ends with October 2026) and the 12 months to it.
    assert [(s.label, s.value) for s in at.selectbox] == [("From month", "2025-11"), ("To month", "2026-10")]
    assert not at.get("plotly_chart")  # static SVG: no charting library for the browser to load
    assert len(charts(at)) == 4  # category grid, fleet trend, incidents by severity, time to resolve
    with con_of(env) as con:
        months = history.monthly(con, "2025-11", "2026-10")
        later = history.monthly(con, "2026-04", "2026-10")
        october = timing.rows_between(con, datetime(2026, 10, 1, tzinfo=timezone.utc),
                                      datetime(2026, 11, 1, tzinfo=timezone.utc))
        september = timing.rows_between(con, datetime(2026, 9, 1, tzinfo=timezone.utc),
                                         datetime(2026, 10, 1, tzinfo=timezone.utc))
    # Fleet KPIs are over the 16 SLOs without grouping; the per-customer SLO's instances have a
    # block of their own (globex's breach of July 2026 is there, not in this count).
    breached = sum(r.breached for _m, rows in months for r in rows if "{" not in r.slo)
    assert metrics(at)["SLO-months breached"] == f"{breached} of 192" == "2 of 192"
    # Each KPI of the month against the month before.
    deltas = {m.label: m.delta for m in at.metric}
    assert metrics(at)["Incidents 2026-10"] == str(len(october))
    assert deltas["Incidents 2026-10"] == f"{len(october) - len(september):+d}"
    # The breached SLO-months, each a link to its investigation.
    [listing] = [m.value for m in at.markdown if "breach?" in m.value and "per-instance" not in m.value]
    assert "(breach?slo=search-availability&month=2026-03)" in listing
    assert "(breach?slo=catalog-availability&month=2026-02)" in listing
    # Narrow the period: the breaches of February and March fall out.
    at.selectbox(key="qp_from").select("2026-04")
    rerun(at)
    assert at.query_params["from"] in ("2026-04", ["2026-04"])
    assert metrics(at)["SLO-months breached"] == f"{sum(r.breached for _m, rows in later for r in rows if '{' not in r.slo)} of 112"
    assert metrics(at)["SLO-months breached"] == "0 of 112"


def test_url_values_that_do_not_exist_are_named(env):
    at = run("overview", to="2026-13")
    [warning] = [w.value for w in at.warning]
    assert "`2026-13`" in warning and "showing 2026-10" in warning
    at = run("breach", slo="search-avail")
    [warning] = [w.value for w in at.warning]
    assert "SLO `search-avail`" in warning and "api-gateway-availability" in warning
    # A link is anyone's text: Markdown in it is a literal code span (no link, no markup).
    at = run("breach", slo="[sign in](https://evil.example/)")
    [warning] = [w.value for w in at.warning]
    assert "SLO `[sign in](https://evil.example/)` from the link does not exist" in warning
    at = run("breach", slo="search-availability", month="2026-03", days="**17th**")
    [warning] = [w.value for w in at.warning]
    assert warning.startswith("Days `**17th**` from the link are not a range of days")
    at = run("overview", to="<b>x</b>")
    [warning] = [w.value for w in at.warning]
    assert warning.startswith("To month `<b>x</b>` from the link is not a month")
    # The no-data radio is in the URL too.
    at = run("monthly_sla", month="2026-03", no_data="bad")
    assert at.radio[0].value == "bad"


# -- Monthly SLA review (more in test_app.py) -----------------------------------------------------


def test_monthly_review_credits_zone_and_links(env):
    from reliability import periods
    from reliability.analysis import credits, sla

    at = run("monthly_sla", month="2026-03")
    assert [s.label for s in at.selectbox] == ["Month", "Time zone", "Group by"]
    assert at.selectbox(key="qp_month").value == "2026-03"
    table = shown_tables(at)[0].set_index("slo")
    with con_of(env) as con:
        owed = {r["slo"]: r["credit_percent"] if r["target"] >= 0.999 else 0.0
                for r in credits.compute(con, "2026-03")}
    assert table["credit %"].to_dict() == {s: "-" if v is None else f"{v:.0f}" for s, v in owed.items()}
    assert owed["search-availability"] == 10.0 and owed["search-latency"] == 0.0
    assert table.loc["search-availability", "investigate"] == "breach?slo=search-availability&month=2026-03"
    assert len(at.get("download_button")) == 1
    # The review document is built on demand, from the reports module.
    at.button[0].click()
    rerun(at)
    assert len(at.get("download_button")) == 2
    # One zone for every SLO: Tokyo's March starts 9 hours earlier, so the numbers move.
    at.selectbox(key="qp_tz").select("Asia/Tokyo")
    rerun(at)
    tokyo = shown_tables(at)[0].set_index("slo")
    with con_of(env) as con:
        period = periods.month("2026-03", "Asia/Tokyo")
        expected = {r.slo: r.bad for r in sla.compute_periods(con, lambda _s: period)}
    assert tokyo["bad"].to_dict() == {s: units.number(v, 2) for s, v in expected.items()}  # as `sla` prints it
    assert tokyo.loc["catalog-availability", "bad"] != table.loc["catalog-availability", "bad"]


def test_monthly_review_grouped_and_filtered_by_labels_from_the_url(env):
    """group=journey&label=tier=1 in the URL: only tier-1 SLOs, and the roll-up by journey is
    `sla --group-by journey --label tier=1`'s, number for number."""
    at = run("monthly_sla", month="2026-03", group="journey", label="tier=1")
    assert at.selectbox(key="qp_group").value == "journey"
    assert at.multiselect(key="qp_label").value == ["tier=1"]
    cli = run_cli("sla", "--month", "2026-03", "--group-by", "journey", "--label", "tier=1", "--json", db=env).json()
    rollup, listed = shown_tables(at)[:2]
    rollup = rollup.set_index("journey")
    assert list(rollup.index) == [g["value"] for g in cli["groups"]] + ["all"] == ["browse", "purchase", "all"]
    for g in [*cli["groups"], cli["all"] | {"value": "all"}]:
        row = rollup.loc[g["value"]]
        assert (row["SLOs"], row["met"], row["breached"]) == (str(g["slos"]), str(g["met"]), str(g["breached"]))
        assert row["met / measured %"] == f"{g['compliance'] * 100:.2f}"
        assert row["Occurrences attainment %"] == f"{g['by_method']['Occurrences']['attainment'] * 100:.2f}"
        for method in ("Timeslices", "RatioTimeslices"):  # a group without the method shows "-"
            block = g["by_method"].get(method)
            shown = row[f"{method} budget left %"]
            assert shown == (f"{block['error_budget_remaining'] * 100:.2f}" if block else "-")
    assert "RatioTimeslices" in cli["all"]["by_method"]  # auth-latency (tier 1): the column is exercised
    slos_shown = set(listed["slo"])
    # The JSON names an instance slo + instance; the page by its address, as tables do.
    assert slos_shown == {address(r["slo"], tuple(sorted(r.get("instance", {}).items()))) for r in cli["slos"]}
    assert "ledger-latency" not in slos_shown  # tier 2: its own label overrides the ledger Service's tier 1
    # Clearing the grouping writes the URL back.
    at.selectbox(key="qp_group").select("(none)")
    rerun(at)
    assert at.query_params["group"] in ("(none)", ["(none)"])


def test_monthly_review_names_a_split_month(env):
    at = run("monthly_sla", month="2026-06")
    notes = [i.value for i in at.info]
    assert any("ledger-availability: definition changed during the period" in n and "99.95%" in n for n in notes)


# -- Breach investigation -----------------------------------------------------------------------


def test_breach_investigation_from_a_shared_link(env):
    at = run("breach", slo="search-availability", month="2026-03")
    assert [t.value for t in at.title] == ["Breach investigation"]
    assert at.selectbox(key="qp_slo").value == "search-availability"
    assert at.selectbox(key="qp_month").value == "2026-03"
    assert len(charts(at)) == 2  # SLI series with incidents and deployments, burn-down
    found = metrics(at)
    assert found["Budget left at the end of 2026-03"] == "-108.3%"
    assert found["Incidents in range"] == "3"
    assert found["Alert episodes"] == "2"
    frames = shown_tables(at)
    incidents = next(f for f in frames if "budget spent %" in f.columns)
    assert "INC-0074" in set(incidents["id"])
    assert incidents.set_index("id").loc["INC-0074", "bad (minutes)"] == "93.00"  # data/README.md: all 93

    # Zoom to the day of INC-0074: the burn rate is the API's over that day.
    at.date_input(key="days").set_value((date(2026, 3, 17), date(2026, 3, 17)))
    rerun(at)
    with con_of(env) as con:
        slo = slos.load(con, "search-availability")[0]
        day = burn.analyse(con, slo, datetime(2026, 3, 17, tzinfo=timezone.utc),
                           datetime(2026, 3, 18, tzinfo=timezone.utc))
    assert metrics(at)["Burn rate over the range"] == f"{day['burn_rate']:.2f}x"
    assert metrics(at)["Incidents in range"] == "1"
    assert at.query_params["days"] in ("2026-03-17..2026-03-17", ["2026-03-17..2026-03-17"])
    # ... and a link with that range opens the same view.
    shared = run("breach", slo="search-availability", month="2026-03", days="2026-03-17..2026-03-17")
    assert shared.date_input(key="days").value == (date(2026, 3, 17), date(2026, 3, 17))
    assert metrics(shared) == metrics(at)


def test_breach_tables_show_times_in_the_slos_zone(env):
    """ledger-availability's month and day picker are in America/New_York: so are its tables."""
    at = run("breach", slo="ledger-availability", month="2025-11")
    incidents = next(f for f in shown_tables(at) if "budget spent %" in f.columns)
    with con_of(env) as con:
        detected = dict(con.execute("select id, coalesce(started_at, detected_at) from incidents "
                                    "where service = 'ledger'").fetchall())
    assert set(incidents["id"]) >= {"INC-0016", "INC-0020", "INC-0024"}
    york = ZoneInfo("America/New_York")
    for _, row in incidents.iterrows():  # the same instants, shown in New York time with its zone's name
        local = detected[row["id"]].astimezone(york)
        assert row["window start"] == f"{local:%Y-%m-%d %H:%M} {local.tzname()}", row
    # INC-0016 started 06:30Z on the night the clocks went back: 01:30 EST, the second 01:30
    # (the first was 01:30 EDT): the zone's name tells them apart.
    assert detected["INC-0016"] == datetime(2025, 11, 2, 6, 30, tzinfo=timezone.utc)
    assert incidents.set_index("id").loc["INC-0016", "window start"] == "2025-11-02 01:30 EST"
    assert any("Times in America/New_York" in c.value for c in at.caption)


def test_breach_investigation_other_slo(env):
    at = run("breach", slo="payments-availability", month="2026-08")
    with con_of(env) as con:
        slo = slos.load(con, "payments-availability")[0]
        rep = budget.report(budget.load(con, slo, "2026-08"))
    assert metrics(at)["Budget left at the end of 2026-08"] == f"{rep['error_budget_remaining'] * 100:.1f}%"
    ids = set(next(f for f in shown_tables(at) if "budget spent %" in f.columns)["id"])
    assert "INC-0137" in ids
    related = next(f for f in shown_tables(at) if "reasons" in f.columns)
    pairs = set(zip(related["incident"], related["related"]))
    assert ("INC-0137", "INC-0111") in pairs  # data/README.md: a recurrence


# -- Incidents ----------------------------------------------------------------------------------


def test_incidents(env):
    at = run("incidents")
    assert [t.value for t in at.title] == ["Incidents"]
    assert [s.label for s in at.selectbox] == ["From month", "To month", "Service", "Time zone"]
    assert len(charts(at)) == 5  # two distributions, post-mortems, weekday x hour, frequency classes
    assert at.radio[0].value == "resolve"
    start, end = datetime(2025, 11, 1, tzinfo=timezone.utc), datetime(2026, 11, 1, tzinfo=timezone.utc)
    with con_of(env) as con:
        every = timing.rows_between(con, start, end)
        payments = timing.rows_between(con, start, end, "payments")
        report = timing.report(con, "2025-11", "2026-10", service="payments")
    assert metrics(at)["Incidents"] == str(len(every))
    # Open action items: each named by its incident and its number there, no internal names.
    items = next(t for t in shown_tables(at) if "owner" in t.columns)
    assert list(items.columns) == ["incident", "item", "service", "severity", "title", "owner", "due", "overdue"]
    at.selectbox(key="qp_service").select("payments")
    rerun(at)
    assert at.query_params["service"] in ("payments", ["payments"])
    found = metrics(at)
    assert found["Incidents"] == str(len(payments))
    assert found["Median time to resolve"] == duration(report["overall"]["resolve"]["median_minutes"])
    # The box plots switch metric.
    at.radio[0].set_value("acknowledge")
    rerun(at)
    assert "Time to acknowledge by severity" in charts(at)[0]


def test_incidents_filtered_by_service_labels(env):
    """`label=tier=2` in the URL: the incidents of catalog and search only, the CLI's numbers
    (`incidents --label tier=2`), every chart and table of the page over the same incidents."""
    doc = run_cli("incidents", "--month", "2026-03", "--label", "tier=2", "--json", db=env).json()
    at = run("incidents", **{"from": "2026-03", "to": "2026-03", "label": "tier=2"})
    assert at.multiselect(key="qp_label").value == ["tier=2"]
    assert any("Services labelled tier=2: catalog, search." in c.value for c in at.caption)
    assert metrics(at)["Incidents"] == str(doc["count"]) == "4"
    assert metrics(at)["Median time to resolve"] == duration(doc["overall"]["mttr_minutes_median"])
    by_service = next(c for c in charts(at) if "by service" in c)
    assert ">catalog<" in by_service and ">search<" in by_service and ">payments<" not in by_service
    # The weekday x hour grid counts the same incidents (it ignored the filters before).
    grid = next(c for c in charts(at) if "weekday and hour" in c)
    assert sum(int(float(v)) for v in re.findall(r'data-value="([\d.]+)"', grid)) == doc["count"]
    # Two labels of different keys must both hold; a label nobody has is named, not ignored.
    at = run("incidents", **{"from": "2026-03", "to": "2026-03", "label": "team=nobody"})
    assert any("`team=nobody`" in w.value for w in at.warning)
    assert metrics(at)["Incidents"] == str(run_cli("incidents", "--month", "2026-03", "--json", db=env).json()["count"])


# -- Data health --------------------------------------------------------------------------------


def test_data_health(env):
    at = run("data_health")
    assert [t.value for t in at.title] == ["Data health"]
    assert len(charts(at)) == 1
    found = metrics(at)
    # data/README.md: catalog's 17-minute scrape gap and ledger's 20 minutes of total = 0, both SLIs;
    # 16 series of the fleet's SLOs and 3 of the API gateway's enterprise customers.
    assert (found["Series"], found["Missing slices"], found["No-data slices"]) == ("19", "34", "40")
    assert found["Newest slice (UTC day)"] == "2026-10-31"
    at.selectbox(key="qp_service").select("ledger")
    rerun(at)
    found = metrics(at)
    assert (found["Series"], found["Missing slices"], found["No-data slices"]) == ("2", "0", "40")


@pytest.mark.parametrize("name", ["overview", "breach", "incidents", "data_health"])
def test_pages_on_an_empty_database(monkeypatch, tmp_path, name):
    with store.connect(tmp_path / "empty.duckdb"):  # empty, but there (the app never creates one)
        pass
    monkeypatch.setenv("RELIABILITY_DB", str(tmp_path / "empty.duckdb"))
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.info) == 1 and "reliability demo" in at.info[0].value


APP = Path(__file__).resolve().parent.parent / "reliability" / "app_router.py"


def test_a_password_from_secrets_gates_the_app(env):
    gated = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    gated.secrets["app_password"] = "s3cret"
    gated.run()
    assert [t.label for t in gated.text_input] == ["Password"]
    assert not gated.title  # no page ran
    gated.text_input[0].input("wrong").run()
    assert [e.value for e in gated.error] == ["Wrong password."]
    assert not gated.title


def test_data_health_shows_extraction_runs(monkeypatch, tmp_path):
    from reliability.extract import prometheus

    db = tmp_path / "runs.duckdb"
    csv = tmp_path / "series.csv"
    csv.write_text("timestamp,service,sli,good,total\n2026-03-01T00:00:00Z,web,availability,99,100\n"
                   "2026-03-01T00:03:00Z,web,availability,0,0\n")
    assert run_cli("ingest", "series", csv, db=db).code == 0
    # A run (here of no SLO) leaves one row in extract_runs when it ends.
    assert prometheus.run(db, [], end=1_772_323_200) == []
    with store.connect(db) as con:
        con.execute(store.query("app.insert_extract_run"), {
            "source": "prometheus", "started_at": datetime(2026, 3, 1, tzinfo=timezone.utc), "outcome": "failed",
            "slos": 2, "slices": 10, "written": 0, "error": "ConnectionError: <b>refused</b>"})
    monkeypatch.setenv("RELIABILITY_DB", str(db))
    at = AppTest.from_file(str(PAGES / "data_health.py"), default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    found = metrics(at)
    assert (found["Series"], found["Missing slices"], found["No-data slices"]) == ("1", "2", "1")
    runs = shown_tables(at)[-1]
    assert list(runs["outcome"]) == ["ok", "failed"]  # newest first
    assert runs["error"].iloc[1] == "ConnectionError: <b>refused</b>"  # shown as text


def test_plot_text_makes_data_literal_for_plotly():
    import pandas as pd

    from reliability.app import widgets

    assert widgets.plot_text(["<b>x</b>", "a & b"]) == ["&lt;b&gt;x&lt;/b&gt;", "a &amp; b"]
    assert list(widgets.plot_text(pd.Series(['<a href="javascript:x">']))) == ["&lt;a href=&quot;javascript:x&quot;&gt;"]


def test_overview_grid_colours_categories_not_shades(env):
    """A breach is red however small (catalog's -5.6 % of February), never a pale near-miss."""
    import re

    from reliability import charts
    from reliability.app.pages import overview

    with con_of(env) as con:
        rows = [r.as_json() | {"month": m} for m, found in history.monthly(con, "2025-11", "2026-10") for r in found
                if "{" not in r.slo]  # the grid is over SLOs without grouping
    from reliability.analysis import categories

    import pandas as pd

    frame = pd.DataFrame([r | {"category": categories.category(r)} for r in rows])
    markup, hidden = overview.grid(frame, history.months_between("2025-11", "2026-10"))
    assert hidden == 0
    cells = re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})" data-category="(\w+)"><title>([^<]*)</title>', markup)
    by_name = {title.split(":")[0]: (fill, cat) for fill, cat, title in cells}
    assert by_name["catalog-availability 2026-02"] == (charts.CATEGORY_COLORS["breached"], "breached")
    assert by_name["search-availability 2026-03"][1] == "breached"
    assert sum(cat == "breached" for _f, cat, _t in cells) == 2
    # Every other cell is green or amber (met, at risk); shades stay within their category.
    for fill, cat, _t in cells:
        r, g, b = (int(fill[i:i + 2], 16) for i in (1, 3, 5))
        assert {"breached": r > g and r > b, "met": g > r and g > b, "at_risk": r > b and g > b,
                "insufficient_data": r == g == b}[cat], (fill, cat)
    assert '<a href="breach?slo=search-availability&amp;month=2026-03">' in markup
