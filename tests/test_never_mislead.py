"""Never mislead: one test (or more) per finding of a new user's end-to-end try, over the bundled
sample (data/README.md: SLI series from 2025-10-01 to 2026-10-31 UTC) and small databases built
here. Expected numbers come from the sample's own rows, counted with plain SQL, or by hand.

1. No data read as green.           5. A window with no events burned "null".
2. A mistyped --db created a file   6. "exhausted at" for a healthy Occurrences budget.
   (tests/test_read_never_creates).  7. Units: mixed "bad", three duration formats,
3. credits contradicted the report.    Occurrences bad minutes.
4. Tables 10x/100x too small         8. Updates stating what was not yet true; two
   (tests/test_tables_match_json).     impact ends for one incident.
"""

from __future__ import annotations

import re

from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import tables
from app_fixtures import demo_db, demo_db_build, shown_tables  # noqa: F401  (session fixtures)
from conftest import assert_bad_input, run_cli
from reliability import store
from reliability.analysis import sla
from reliability.units import duration
from test_sla import slo_yaml

UTC = timezone.utc
PAGES = Path(__file__).resolve().parent.parent / "reliability" / "app" / "pages"


def rows_with_data(db: Path, service: str, sli: str, start: str, end: str) -> int:
    """Stored 1-minute rows with total > 0 in [start, end): the sample has one row per minute."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select count(*) from sli_slices where service = ? and sli = ? and total > 0 and ts >= ?::timestamptz "
            "and ts < ?::timestamptz", [service, sli, start, end]).fetchone()[0]


# -- 1. No data is not green ---------------------------------------------------------------------


def test_a_month_after_the_data_is_insufficient_data_not_met(demo_db):
    doc = run_cli("sla", "--month", "2026-11", "--json", db=demo_db).json()
    assert doc["min_coverage"] == 0.9 and len(doc["slos"]) == 16
    for r in doc["slos"]:
        expected = Fraction(rows_with_data(demo_db, r["service"], r["sli"], r["period_start"], r["period_end"]),
                            r["slices"])
        assert r["data_coverage"] == float(expected)
        assert r["status"] == "insufficient_data" and r["partial"] is True
    # catalog (Europe/Berlin) starts 2026-10-31T23:00Z: one hour of the sample falls in its November.
    catalog = next(r for r in doc["slos"] if r["slo"] == "catalog-availability")
    assert catalog["data_coverage"] == float(Fraction(60, 43200))
    table = run_cli("sla", "--month", "2026-11", db=demo_db).stdout
    (headers, rows), *_composites = tables.tables(table)  # the SLOs' table, then the checkout journey's
    assert {row[headers.index("status")] for row in rows} == {"insufficient data (partial)"}
    assert "no verdict for" in table


def test_budget_of_a_month_without_data_is_insufficient_data(demo_db):
    doc = run_cli("budget", "--month", "2026-11", "--json", db=demo_db).json()
    assert {r["status"] for r in doc["slos"]} == {"insufficient_data"}
    assert "healthy" not in run_cli("budget", "--month", "2026-11", db=demo_db).stdout


def test_report_of_a_month_without_data_counts_nothing_as_met(demo_db, tmp_path):
    out = tmp_path / "review.md"
    r = run_cli("report", "monthly", "--month", "2027-03", "--out", out, db=demo_db)
    assert r.code == 0, r.stderr
    text = out.read_text()
    summary = text[: text.index("## Services")]
    assert "100.0%" not in summary and "healthy 0" in summary
    assert "Fleet compliance: **unknown** (none of the 16 SLOs has enough data for a verdict)" in text
    assert "0 of 0" not in text and "Fleet compliance trend" not in text
    assert "Insufficient data (no verdict, not counted as met): **16**" in text
    assert "warning: 16 of 16 SLOs have too little data in 2027-03" in r.stderr


def test_data_ending_before_the_period_makes_it_partial(demo_db):
    """ledger's October in New York ends 2026-11-01T04:00Z; the sample ends 00:00Z: 240 minutes
    short of 44,640 (31 days, the DST change falls on 1 November, after local midnight)."""
    [r] = run_cli("sla", "--month", "2026-10", "--slo", "ledger-availability", "--json", db=demo_db).json()["slos"]
    assert (r["period_end"], r["slices"]) == ("2026-11-01T04:00:00Z", 44640)
    assert r["partial"] is True and r["as_of"] == "2026-11-01T00:00:00Z"
    assert r["data_coverage"] == float(Fraction(44400, 44640)) and r["status"] == "met"
    [full] = run_cli("sla", "--month", "2026-09", "--slo", "ledger-availability", "--json", db=demo_db).json()["slos"]
    assert full["partial"] is False and full["as_of"] == full["period_end"]


def test_a_month_in_progress_is_partial_as_of_now(demo_db):
    now = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)
    with store.connect(demo_db, read_only=True) as con:
        [r] = sla.compute(con, "2026-10", "search-availability", now=now)
        [done] = sla.compute(con, "2026-09", "search-availability", now=now)
    assert r.partial and r.as_of == now and r.status == "met"  # provisional: the month is not over
    assert not done.partial and done.as_of == done.period_end


def test_min_coverage_is_the_line(demo_db):
    """catalog's February 2026 (Berlin, 40,320 minutes) lacks 17 minutes: 99.958 % covered."""
    args = ("sla", "--month", "2026-02", "--slo", "catalog-availability", "--json")
    [r] = run_cli(*args, db=demo_db).json()["slos"]
    assert r["data_coverage"] == float(Fraction(40303, 40320)) and r["status"] == "breached"
    [r] = run_cli(*args, "--min-coverage", "0.9999", db=demo_db).json()["slos"]
    assert r["status"] == "insufficient_data"
    assert_bad_input(run_cli(*args, "--min-coverage", "90", db=demo_db), "--min-coverage")


def _two_slo_db(tmp_path: Path) -> Path:
    """Two Occurrences SLOs; only svc-a has data in March 2026 (every minute), svc-b none."""
    db = tmp_path / "two.duckdb"
    (tmp_path / "slos.yaml").write_text("---\n".join(
        slo_yaml(n, "Occurrences", "UTC", service=n) for n in ("svc-a", "svc-b")))
    start = datetime(2026, 3, 1, tzinfo=UTC)
    lines = ["timestamp,service,sli,good,total"] + [
        f"{(start + timedelta(minutes=m)).strftime('%Y-%m-%dT%H:%M:%SZ')},svc-a,availability,100,100"
        for m in range(31 * 1440)]
    (tmp_path / "s.csv").write_text("\n".join(lines) + "\n")
    assert run_cli("slo", "apply", tmp_path / "slos.yaml", db=db).code == 0
    assert run_cli("ingest", "series", tmp_path / "s.csv", db=db).code == 0
    return db


def test_app_review_lists_insufficient_data_apart(monkeypatch, tmp_path):
    """A month where one SLO has no data: the page used to crash ("cannot convert NaN to
    integer ratio"); now the SLO is listed apart, grey, and not counted as met."""
    monkeypatch.setenv("RELIABILITY_DB", str(_two_slo_db(tmp_path)))
    at = AppTest.from_file(str(PAGES / "monthly_sla.py"), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    found = {m.label: m.value for m in at.metric}
    assert (found["SLOs"], found["Met"], found["Insufficient data"]) == ("2", "1 of 1", "1")
    assert any("no verdict" in w.value for w in at.warning)
    verdict, short = shown_tables(at)
    assert list(verdict["slo"]) == ["svc-a"] and list(short["slo"]) == ["svc-b"]
    # svc-b has no row at all: its data reach no further than the month's start (partial).
    assert list(short["coverage %"]) == ["0.0"]
    assert list(short["status"]) == ["insufficient data (partial)"]
    assert list(short["credit %"]) == ["-"]  # unknown, not 0


def test_app_warns_about_stale_series(demo_db, monkeypatch):
    """The sample ends 2026-10-31: every series is more than a day old (the clock is past it)."""
    assert datetime.now(UTC) > datetime(2026, 11, 2, tzinfo=UTC)
    monkeypatch.setenv("RELIABILITY_DB", str(demo_db))
    health = AppTest.from_file(str(PAGES / "data_health.py"), default_timeout=120).run()
    assert not health.exception, [e.value for e in health.exception]
    # 16 per-service series and the three enterprise customers' own (data/fleet.yaml)
    assert {m.label: m.value for m in health.metric}["Stale series"] == "19"
    assert any("Stale data: 19 of 19 series" in e.value for e in health.error)
    overview = AppTest.from_file(str(PAGES / "overview.py"), default_timeout=180).run()
    assert not overview.exception, [e.value for e in overview.exception]
    assert any("Stale data: 19 of 19 series" in e.value for e in overview.error)


def test_fresh_series_are_not_flagged():
    import pandas as pd

    from reliability.app import freshness

    now = datetime(2026, 3, 2, tzinfo=UTC)
    series = pd.DataFrame({"service": ["a", "b"], "sli": ["x", "x"],
                           "last_slice": pd.to_datetime(["2026-03-01T23:58:00Z", "2026-02-28T23:58:00Z"], utc=True)})
    late = freshness.stale(series, 24, now)
    assert list(late["service"]) == ["b"] and late["lag_hours"].iloc[0] == pytest.approx(24 + 1 / 60)
    assert freshness.colour(25.0) and freshness.colour(13.0) and not freshness.colour(2.0)


# -- 3. One rule for credits ---------------------------------------------------------------------


def test_credits_report_and_app_agree(demo_db, tmp_path, monkeypatch):
    doc = run_cli("credits", "--month", "2026-03", "--json", db=demo_db).json()
    owed = {r["slo"] for r in doc["slos"] if r["credit_percent"]}
    assert owed == {"search-availability"}
    for r in doc["slos"]:
        if r["target"] < 0.999:  # latency objectives met their 99 % but are below 99.9 %
            assert (r["covered"], r["credit_percent"], r["breached"]) == (False, 0.0, False)
    out = tmp_path / "review.md"
    assert run_cli("report", "monthly", "--month", "2026-03", "--out", out, db=demo_db).code == 0
    assert "- Service credits owed: search-availability 10% of the monthly fee\n" in out.read_text()
    from reliability.app import data

    monkeypatch.setenv("RELIABILITY_DB", str(demo_db))
    frame = data.sla_table.__wrapped__(str(demo_db), "2026-03")
    assert set(frame[frame["credit_percent"] > 0]["slo"]) == owed


def test_credit_of_insufficient_data_is_unknown(demo_db):
    doc = run_cli("credits", "--month", "2026-11", "--json", db=demo_db).json()
    covered = [r for r in doc["slos"] if r["covered"]]
    assert covered and all(r["credit_percent"] is None and r["status"] == "insufficient_data" for r in covered)
    assert "unknown" in run_cli("credits", "--month", "2026-11", db=demo_db).stdout


# -- 5. No events burn nothing -------------------------------------------------------------------


def test_a_window_without_events_burns_zero(demo_db):
    doc = run_cli("burn", "--slo", "api-gateway-availability", "--from", "2026-11-02", "--to", "2026-11-03",
                  "--window", "1h", "--json", db=demo_db).json()
    assert doc["burn_rate"] == 0.0 and doc["burn_rates_at_end"] == {"1h": 0.0}
    # ... but a forecast from a window without data cannot be known: null, never a rate of 0
    # that reads "not this period" (tests/test_budget_partial.py).
    [b] = run_cli("budget", "--month", "2026-11", "--slo", "api-gateway-availability", "--json", db=demo_db).json()["slos"]
    assert [f["burn_rate"] for f in b["forecast"]] == [None, None]
    assert all(f["exhausts_at"] is None and f["exhausts_this_period"] is None for f in b["forecast"])


# -- 6. What "exhausted" means for a budget that grows with traffic ------------------------------


def test_an_occurrences_budget_spent_early_and_recovered_is_not_exhausted(demo_db):
    """notifications-availability (Occurrences, 99.9 %) spends its young budget on 4 March and
    ends March with half of it left: not "exhausted at 2026-03-04T17:42Z"."""
    [r] = run_cli("budget", "--month", "2026-03", "--slo", "notifications-availability", "--json",
                  db=demo_db).json()["slos"]
    assert r["status"] == "healthy" and r["error_budget_remaining"] > 0.5
    assert r["exhausted_at"] is None
    # First boundary where Σfailed >= 0.001·Σtotal since 1 March, counted in SQL.
    with duckdb.connect(str(demo_db), read_only=True) as con:
        first = con.execute("""
            with s as (select ts, sum(total - good) over w as bad, sum(total) over w as tot from sli_slices
                       where service = 'notifications' and sli = 'availability'
                         and ts >= '2026-03-01T00:00:00Z' and ts < '2026-04-01T00:00:00Z'
                       window w as (order by ts))
            select min(ts) + interval 1 minute from s where bad > 0 and bad * 1000 >= tot""").fetchone()[0]
    assert r["first_exhausted_at"] == first.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") == "2026-03-04T17:42:00Z"
    assert "2026-03-04T17:42" not in run_cli("budget", "--month", "2026-03", db=demo_db).stdout
    # While it is spent, it says since when.
    [then] = run_cli("budget", "--month", "2026-03", "--slo", "notifications-availability", "--at",
                     "2026-03-04T18:00:00Z", "--json", db=demo_db).json()["slos"]
    assert then["status"] == "exhausted" and then["exhausted_at"] == "2026-03-04T17:42:00Z"


# -- 7. Units ------------------------------------------------------------------------------------


def test_every_bad_figure_says_its_unit(demo_db):
    doc = run_cli("sla", "--month", "2026-03", "--json", db=demo_db).json()
    units = {r["budgeting_method"]: r["budget_unit"] for r in doc["slos"]}
    assert units == {"Occurrences": "events", "Timeslices": "minutes", "RatioTimeslices": "minutes"}
    # the SLOs' table, then the checkout journey's composite table (its unit is "share")
    (headers, rows), *_composites = tables.tables(run_cli("sla", "--month", "2026-03", db=demo_db).stdout)
    assert headers[headers.index("allowed") + 1] == "unit"
    assert {(row[1], row[headers.index("unit")]) for row in rows} == {(m, u) for m, u in units.items()}


def test_one_duration_format_on_every_surface(demo_db, tmp_path, monkeypatch):
    """March 2026's mean time to resolve, 1,277.6 minutes: 21 h 18 min in the table, the report
    and (the median over the overview's months) the app — JSON keeps minutes."""
    doc = run_cli("incidents", "--month", "2026-03", "--json", db=demo_db).json()
    mttr = doc["overall"]["mttr_minutes"]
    assert round(mttr, 1) == 1277.6 and duration(mttr) == "21 h 18 min"
    [(headers, rows)] = tables.tables(run_cli("incidents", "--month", "2026-03", db=demo_db).stdout)
    assert rows[0][headers.index("MTTR")] == "21 h 18 min"
    out = tmp_path / "review.md"
    assert run_cli("report", "monthly", "--month", "2026-03", "--out", out, db=demo_db).code == 0
    assert "| Time to resolve | 21 h 18 min / " in out.read_text()
    monkeypatch.setenv("RELIABILITY_DB", str(demo_db))
    at = AppTest.from_file(str(PAGES / "overview.py"), default_timeout=180).run()
    assert not at.exception
    median = run_cli("mttx", "--start", "2026-10", "--end", "2026-10", "--json", db=demo_db).json()
    shown = {m.label: m.value for m in at.metric}["Median time to resolve 2026-10"]  # the latest complete month
    assert shown == duration(median["overall"]["resolve"]["median_minutes"])


def test_occurrences_bad_minutes_exceed_the_allowed_error_rate(demo_db):
    """A bad minute of an Occurrences SLO is one whose failures exceed 1 − target of its
    requests, not any minute with one failed request; worst and impact agree."""
    doc = run_cli("worst", "--month", "2026-03", "--slo", "search-latency", "--top", "3", "--json",
                  db=demo_db).json()
    counted = []
    with duckdb.connect(str(demo_db), read_only=True) as con:
        for w in doc["slos"][0]["windows"]:
            bad, any_failed = con.execute(
                "select count(*) filter (where good / total < 0.99), count(*) filter (where good < total) "
                "from sli_slices where service = 'search' and sli = 'latency' and total > 0 "
                "and ts >= ?::timestamptz and ts < ?::timestamptz", [w["start"], w["end"]]).fetchone()
            assert w["bad_minutes"] == bad
            counted.append((bad, any_failed))
    assert any(any_failed > bad for bad, any_failed in counted)  # the old rule said more
    inc = run_cli("impact", "--incident", "INC-0074", "--json", db=demo_db).json()
    latency = next(s for s in inc["slos"] if s["slo"] == "search-latency")
    with duckdb.connect(str(demo_db), read_only=True) as con:
        bad = con.execute(
            "select count(*) from sli_slices where service = 'search' and sli = 'latency' and total > 0 "
            "and good / total < 0.99 and ts >= date_trunc('minute', ?::timestamptz) and ts < ?::timestamptz",
            [inc["window_start"], inc["window_end"]]).fetchone()[0]  # the minutes the window touches
    assert latency["bad_minutes"] == bad == 93


# -- 8. Say only what was true at --at; one impact window ----------------------------------------


def test_a_resolved_update_before_resolution_is_refused(demo_db):
    r = run_cli("report", "update", "INC-0074", "--kind", "resolved", "--at", "2026-03-17T16:00:00Z", db=demo_db)
    assert_bad_input(r, "--at", "17:50")


def test_an_update_states_what_was_true_then(demo_db):
    doc = run_cli("report", "update", "INC-0074", "--kind", "progress", "--at", "2026-03-17T16:00:00Z", "--json",
                  db=demo_db).json()
    assert doc["status"] == "Investigating"
    assert "resolved" not in doc["text"].lower() and "Customer impact" not in doc["text"]
    # Impact so far: from the start of impact to 16:00, minutes of search-availability below its
    # timeSliceTarget (0.95), counted in SQL.
    impact = run_cli("impact", "--incident", "INC-0074", "--json", db=demo_db).json()
    with duckdb.connect(str(demo_db), read_only=True) as con:
        bad = con.execute(
            "select count(*) from sli_slices where service = 'search' and sli = 'availability' and total > 0 "
            "and good / total < 0.95 and ts >= date_trunc('minute', ?::timestamptz) "
            "and ts < '2026-03-17T16:00:00Z'",
            [impact["window_start"]]).fetchone()[0]
    assert doc["bad_minutes"] == bad
    final = run_cli("report", "update", "INC-0074", "--kind", "resolved", "--json", db=demo_db).json()
    avail = next(s for s in impact["slos"] if s["slo"] == "search-availability")
    assert final["bad_minutes"] == avail["bad_minutes"] == 93
    assert "over 1 h 32 min, 93 bad minutes" in final["text"]


def test_one_impact_window_for_an_incident(demo_db):
    impact = run_cli("impact", "--incident", "INC-0074", "--json", db=demo_db).json()
    burn = run_cli("burn", "--slo", "search-availability", "--from", "2026-03-17", "--to", "2026-03-18", "--json",
                   db=demo_db).json()
    [inc] = [i for i in burn["incidents"] if i["id"] == "INC-0074"]
    assert (inc["impact_start"], inc["impact_end"]) == (impact["window_start"], impact["window_end"])


def test_heatmaps_never_show_a_month_without_data_as_fine():
    import pandas as pd

    from reliability.app.pages.data_health import coverage_heatmap
    from reliability.analysis import categories
    from reliability.app.pages.overview import grid

    cov = pd.DataFrame({"service": ["a", "a", "b"], "sli": ["x", "x", "x"], "month": ["2026-01", "2026-03", "2026-01"],
                        "expected": [44640.0, 44640.0, 44640.0], "with_data": [44640, 44640, 44623]})
    svg = coverage_heatmap(cov)  # static SVG: each cell's tooltip says what it holds
    tips = dict(re.findall(r"<title>(\w / \w \d{4}-\d{2}): ([^<]*)</title>", svg))
    assert tips["b / x 2026-01"] == "17 slices without data, 99.962 % covered"
    # b has no row in March: all of it lacks data, not "complete".
    assert tips["b / x 2026-03"] == "44,640 slices without data, 0.000 % covered"
    history = pd.DataFrame({"slo": ["s", "s"], "month": ["2026-10", "2026-11"], "error_budget_remaining": [0.5, 1.0],
                            "attainment": [0.9995, None], "status": ["met", "insufficient_data"]})
    history["category"] = [categories.category(r) for r in history.to_dict("records")]
    markup, _hidden = grid(history, ["2026-10", "2026-11"])
    cells = re.findall(r'fill="(#[0-9a-f]{6})" data-category="(\w+)"><title>([^<]*)</title>', markup)
    by_month = {title.split(":")[0].split()[-1]: (fill, cat, title) for fill, cat, title in cells}
    assert by_month["2026-10"][1] == "met" and "attainment 99.95 %" in by_month["2026-10"][2]
    # No verdict: grey, "insufficient data", never a shade of a met month.
    assert by_month["2026-11"][:2] == ("#9e9e9e", "insufficient_data")
    assert "insufficient data, attainment - %" in by_month["2026-11"][2]


def test_the_health_heatmap_draws_the_series_lacking_most_and_counts_the_rest():
    import pandas as pd

    from reliability.app.pages.data_health import coverage_heatmap, most_lacking

    months = ["2026-01", "2026-02"]
    rows = [{"service": f"s{i:02d}", "sli": "x", "month": m, "expected": 44640.0 if m == "2026-01" else 40320.0,
             "with_data": 44640 if m == "2026-01" else 40320} for i in range(45) for m in months]
    rows[6]["with_data"] = 44000  # s03 lacks 640 slices in January
    rows = [r for r in rows if not (r["service"] == "s44" and r["month"] == "2026-02")]  # s44: no row in February
    cov = pd.DataFrame(rows)
    drawn, hidden = most_lacking(cov, limit=3)
    assert hidden == 42
    kept = list(dict.fromkeys(drawn["service"]))
    # s44 lacks all of February (40,320 slices), s03 640; the third is a complete series.
    assert {"s44", "s03"} <= set(kept) and len(kept) == 3
    assert "s44 / x 2026-02: 40,320 slices without data" in coverage_heatmap(drawn)
    assert most_lacking(cov, limit=45)[1] == 0
