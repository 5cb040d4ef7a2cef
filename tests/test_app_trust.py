"""What would make a first-time reader distrust the app: wording that contradicts a status, a
count that is not what its label says, an unknown shown as a success-looking zero. Each test
runs a page file under AppTest over the demo database and checks the shown text against the
analysis API or the command line.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode
from collections import Counter
from datetime import datetime, timezone

from streamlit.testing.v1 import AppTest

from app_fixtures import demo_db, demo_db_build, shown_tables  # noqa: F401 - fixtures
from conftest import run_cli
from test_app_pages import env, run  # noqa: F401 - the page runner and its fixture
from reliability import store
from reliability.analysis import categories, history
from reliability.incidents import recurrence

def table_with(at: AppTest, column: str):
    [found] = [t for t in shown_tables(at) if column in t.columns]
    return found


def test_where_to_invest_counts_at_risk_apart_from_breached(env):
    """An at-risk month met its target: "Where to invest" never counts it as "not met" (it
    said notifications had a month "not met" when it had met every target), and each count is
    the categories' own, per service."""
    at = run("overview")
    where = table_with(at, "at risk")
    assert "months not met" not in where.columns
    assert list(where.columns) == ["service", "worst budget left %", "breached", "at risk", "no data", "SLOs"]
    with store.connect(env, read_only=True) as con:
        rows = [r.as_json() | {"service": r.service} for _m, found in history.monthly(con, "2025-11", "2026-10")
                for r in found if "{" not in r.slo]
    counts = Counter((r["service"], categories.category(r)) for r in rows)
    shown = {r["service"]: r for r in where.to_dict("records")}
    for service, row in shown.items():
        assert int(row["breached"]) == counts[(service, "breached")]
        assert int(row["at risk"]) == counts[(service, "at_risk")]
        assert int(row["no data"]) == counts[(service, "insufficient_data")]
    # notifications: no breach, one at-risk month (February's 99.90 %)
    assert (shown["notifications"]["breached"], shown["notifications"]["at risk"]) == ("0", "1")


def test_recurring_causes_count_repeats_not_pairs(env):
    """Four api-gateway incidents with one root cause are three repeats (later incidents, as
    `recurrence --help` defines a repeat), not the six (earlier, later) pairs it showed."""
    at = run("overview")
    top = table_with(at, "root cause")
    assert list(top.columns) == ["repeats", "incidents", "service", "root cause"]
    with store.connect(env, read_only=True) as con:
        pairs = recurrence.report(con, "2025-11", "2026-10", "UTC")["repeats"]
    cache = [p for p in pairs if p["service"] == "api-gateway" and "cache without a size bound" in p["root_cause"]]
    later = {p["later"] for p in cache}
    involved = later | {p["earlier"] for p in cache}
    assert (len(cache), len(later), len(involved)) == (6, 3, 4)
    first = top.iloc[0]
    assert (first["service"], first["repeats"], first["incidents"]) == ("api-gateway", "3", "4")
    assert any("A repeat: a later incident" in c.value and "90 days" in c.value for c in at.caption)


def test_contracts_month_without_data_owes_unknown_not_zero(env):
    """The current month, which the sample's data do not reach: both contracts are unknown, so
    what they owe is unknown (it showed "0"), and the notice says there is no data yet instead of
    "measured up to" the month's first instant."""
    month = f"{datetime.now(timezone.utc):%Y-%m}"
    at = run("contracts", month=month)
    shown = {m.label: m.value for m in at.metric}
    assert (shown["Unknown"], shown["Owed so far"]) == ("2", "unknown")
    assert shown["Credit owed so far"] == "0 (+2 unknown)"  # as the review counts SLOs owing credits
    [notice] = [i.value for i in at.info]
    assert f"No data yet in {month} for acme-gateway, globex-gateway" in notice
    assert "measured up to" not in notice


def test_owed_so_far_is_a_lower_bound_while_some_contracts_are_unknown():
    from reliability.app.pages.contracts import owed_text

    known = {"amount": 750.0, "currency": "EUR"}
    unknown = {"amount": None, "amount_at_least": 0.0, "currency": "USD"}
    assert owed_text([known]) == "750.00 EUR"
    assert owed_text([known | {"amount": 0.0}]) == "0"
    assert owed_text([known, unknown]) == "at least 750.00 EUR"
    assert owed_text([unknown, unknown]) == "unknown"
    assert owed_text([unknown | {"amount_at_least": 100.0}]) == "at least 100.00 USD"


def test_incident_response_targets_are_full_width_with_units(env):
    """The acknowledgement table was drawn in half the page: each row wrapped its missed ids to
    five lines and met % was out of sight on a desktop. Now full width, met % next to the counts,
    and targets with their unit ("5 min", not "5.0")."""
    at = run("incidents")
    ack = table_with(at, "missed ids")
    assert list(ack.columns)[:6] == ["severity", "target", "incidents", "met", "missed", "met %"]
    assert dict(zip(ack["severity"], ack["target"])) == {
        "SEV-1": "5 min", "SEV-2": "15 min", "SEV-3": "60 min", "SEV-4": "next business day"}
    in_columns = [m.value for c in at.columns for m in c.markdown]
    for name in ("missed ids", "gaps over target"):
        assert not [v for v in in_columns if f">{name}<" in v], f"the table with {name!r} is in a column"


def _cli_rows(db, month: str) -> dict[str, list[str]]:
    """`reliability sla --month MONTH`'s table: each SLO's cells as printed."""
    out = run_cli("sla", "--month", month, db=db).stdout.splitlines()
    start = next(i for i, line in enumerate(out) if line.startswith("slo ")) + 2
    rows = {}
    for line in out[start:]:
        if not line.strip() or line.startswith(("partial", "insufficient", "Composite")):
            break
        cells = re.split(r"\s{2,}", line.strip())
        rows[cells[0]] = cells
    return rows


def test_monthly_review_prints_bad_and_allowed_as_sla_does(env):
    """50,451 bad events, not 50,451.00; 5.37 minutes; each row's bad and allowed the text of
    `sla`'s table for the same SLO-month."""
    at = run("monthly_sla", month="2026-10")
    shown = table_with(at, "investigate")
    cli = _cli_rows(env, "2026-10")
    assert len(shown) == len(cli) == 19
    for r in shown.to_dict("records"):
        assert (r["bad"], r["allowed"]) == (cli[r["slo"]][4], cli[r["slo"]][5]), r["slo"]
    by_slo = shown.set_index("slo")
    assert (by_slo.loc["api-gateway-availability", "bad"], by_slo.loc["auth-availability", "bad"]) == ("50,451", "5.37")


def test_an_slo_without_a_verdict_is_not_shown_as_not_breached(env):
    """initech's half month of June 2026 (insufficient data): breached is unknown ("-"), as its
    credit is, not "no"."""
    at = run("monthly_sla", month="2026-06")
    [grey] = [t for t in shown_tables(at) if "investigate" in t.columns and (t["status"] == "insufficient data").all()]
    row = grey.set_index("slo").loc['api-gateway-customer-availability{customer="initech"}']
    assert (row["breached"], row["credit %"]) == ("-", "-")
    [judged] = [t for t in shown_tables(at) if "investigate" in t.columns and (t["status"] != "insufficient data").all()]
    assert set(judged["breached"]) == {"no"}
    # Its credit is unknown too: counted apart, not as owing none.
    assert {m.label: m.value for m in at.metric}["SLOs owing credits"] == "0 (+1 unknown)"


def test_a_month_without_data_in_a_link_is_not_called_nonexistent(env):
    """November 2026 exists; the sample has no data in it. The warning said it "does not
    exist", which reads as a broken link or a broken tool."""
    at = run("monthly_sla", month="2026-11")
    [warning] = [w.value for w in at.warning]
    assert warning == ("Month 2026-11 from the link has no data (the data cover 2025-10 to 2026-10); "
                       "showing 2026-10 instead.")
    at = run("overview", to="2026-13")
    [warning] = [w.value for w in at.warning]
    assert warning == "To month `2026-13` from the link is not a month (YYYY-MM); showing 2026-10 instead."


class _Banner:
    def __init__(self):
        self.text = None

    def error(self, text, icon=None):
        self.text = text


def test_stale_banner_names_no_series_when_every_series_is_stale():
    """On the sample every series stopped a month ago: the banner listed ten of them and filled
    a phone's first screen. When all are stale it says so and since when; otherwise it names
    the series most behind, with how long ago."""
    import pandas as pd

    from reliability.app import freshness

    now = datetime(2026, 12, 2, 16, 0, tzinfo=timezone.utc)
    series = pd.DataFrame({"service": ["api", "auth", "db"], "sli": ["availability", "latency", "availability"],
                           "last_slice": pd.to_datetime(["2026-10-31 23:59", "2026-11-30 11:59", "2026-12-02 15:00"],
                                                        utc=True)})
    banner = _Banner()
    freshness.warn(series.iloc[:2], 24, now, banner)
    assert banner.text == ("Stale data: 2 of 2 series have had no new slice for more than 24 hours (every series; "
                           "the newest slice started 2026-11-30 11:59 UTC, 2 days ago). Periods after that have no "
                           "data: their SLA status is insufficient data, not met.")
    freshness.warn(series, 24, now, banner)
    assert banner.text.startswith("Stale data: 2 of 3 series have had no new slice for more than 24 hours (latest of "
                                  "them 2026-11-30 11:59 UTC, 2 days ago): api/availability, auth/latency.")


GLOBEX = 'api-gateway-customer-availability{customer="globex"}'


def test_the_reviews_investigate_link_of_an_instance_opens_that_instance(env):
    """globex's July 2026 breach: the Monthly SLA review's link (slo=the instance's address)
    said the SLO "does not exist" and showed api-gateway-availability, whose budget was fine."""
    review = run("monthly_sla", month="2026-07")
    links = table_with(review, "investigate").set_index("slo")["investigate"]
    assert links[GLOBEX] == "breach?" + urlencode({"slo": GLOBEX, "month": "2026-07"})
    at = run("breach", slo=GLOBEX, month="2026-07")
    assert not at.warning, [w.value for w in at.warning]
    doc = run_cli("sla", "--month", "2026-07", "--slo", GLOBEX, "--json", db=env).json()["slos"][0]
    assert doc["status"] == "breached"
    shown = {m.label: m.value for m in at.metric}
    assert shown["Budget left at the end of 2026-07"] == f"{doc['error_budget_remaining'] * 100:.1f}%" == "-114.9%"
    options = at.selectbox(key="qp_slo").options
    assert GLOBEX in options and "api-gateway-customer-availability" not in options
    # Its incidents' impact is not computed per instance: unknown, and said so.
    impact = table_with(at, "budget spent %")
    assert set(impact["budget spent %"]) == {"-"}
    assert any("is not computed yet: '-' (unknown), not none" in c.value for c in at.caption)


def test_a_per_instance_definition_in_a_link_opens_one_of_its_instances(env):
    """The definition alone has no series of its own: it showed api-gateway-availability's
    numbers (its plain series) under the definition's name."""
    at = run("breach", slo="api-gateway-customer-availability", month="2026-07")
    assert at.selectbox(key="qp_slo").value == 'api-gateway-customer-availability{customer="acme"}'
    [note] = [i.value for i in at.info]
    assert "is a per-instance SLO" in note
    assert not at.warning


def test_the_backtest_offers_instances_not_the_bare_definition(env):
    """`backtest --slo api-gateway-customer-availability` silently measures one series; the
    app's backtest offers each instance by address, as `backtest --slo ADDRESS` takes it."""
    at = run("audits", **{"from": "2026-07", "to": "2026-07", "slo": GLOBEX})
    assert not at.warning, [w.value for w in at.warning]
    picker = at.selectbox(key="qp_slo")
    assert picker.value == GLOBEX and "api-gateway-customer-availability" not in picker.options
    doc = run_cli("backtest", "--slo", GLOBEX, "--from", "2026-07", "--to", "2026-07", "--json", db=env).json()
    [current] = [v for v in doc["variants"] if v["name"] == "current"]
    assert [m["status"] for m in current["months"]] == ["breached"]
    variants = next(t for t in shown_tables(at) if "variant" in t.columns)
    assert list(variants["breached"]) == ["1", "1"]


def test_days_outside_the_month_in_a_link_are_named_as_such(env):
    at = run("breach", slo="search-availability", month="2026-03", days="2026-04-01..2026-04-03")
    [warning] = [w.value for w in at.warning]
    assert warning == ("Days 2026-04-01..2026-04-03 from the link are not within 2026-03-01..2026-03-31 (the month "
                       "picked); showing 2026-03-01..2026-03-31 instead.")
    at = run("breach", slo="search-availability", month="2026-03", days="17th")
    [warning] = [w.value for w in at.warning]
    assert "are not a range of days (YYYY-MM-DD..YYYY-MM-DD)" in warning


def test_the_overviews_instances_read_as_sla_prints_them(env):
    """globex's October 2026: the summary said 99.944 and the row below 99.9436 for the same
    attainment; allowed bad 22,437.856 where `sla` prints 22,437.86."""
    at = run("overview")
    summary = table_with(at, "lowest attainment %")
    rows = table_with(at, "allowed bad").set_index("instance")
    cli = _cli_rows(env, "2026-10")
    assert summary.iloc[0]["lowest attainment %"] == rows.loc[GLOBEX, "attainment %"] == cli[GLOBEX][3].rstrip("%")
    for name, row in rows.iterrows():
        assert (row["bad"], row["allowed bad"]) == (cli[name][4], cli[name][5])


INITECH = 'api-gateway-customer-availability{customer="initech"}'


def test_a_month_without_a_verdict_shows_no_budget_left_on_the_breach_page(env):
    """initech before it was onboarded (March 2026: no slice) showed "Budget left 100.0%" and a
    burn rate of 0.00x; its half month of June (insufficient data in `sla`) a budget of 84.9%."""
    for month, coverage in (("2026-03", "0.0"), ("2026-06", "50.0")):
        at = run("breach", slo=INITECH, month=month)
        doc = run_cli("sla", "--month", month, "--slo", INITECH, "--json", db=env).json()["slos"][0]
        assert doc["status"] == "insufficient_data"
        shown = {m.label: m.value for m in at.metric}
        assert shown[f"Budget left at the end of {month}"] == "-"
        [warning] = [w.value for w in at.warning]
        assert f"has data for {coverage} % of {month}: insufficient data, no verdict" in warning
    assert shown["Burn rate over the range"] != "-"  # June has slices in the range: their burn is known
    at = run("breach", slo=INITECH, month="2026-03")
    assert {m.label: m.value for m in at.metric}["Burn rate over the range"] == "-"
    # A month with a verdict: no warning, the budget as `sla` gives it.
    at = run("breach", slo="search-availability", month="2026-03")
    assert not at.warning and {m.label: m.value for m in at.metric}["Budget left at the end of 2026-03"] == "-108.3%"


def test_a_partial_month_is_named_on_the_breach_page(env):
    """ledger-availability's October 2026 in New York ends four hours after the data: `sla`
    says "met (partial)"; the breach page said nothing."""
    doc = run_cli("sla", "--month", "2026-10", "--slo", "ledger-availability", "--json", db=env).json()["slos"][0]
    assert (doc["status"], doc["partial"]) == ("met", True)
    at = run("breach", slo="ledger-availability", month="2026-10")
    assert any("2026-10 is partial for ledger-availability" in i.value for i in at.info)
    at = run("breach", slo="ledger-availability", month="2026-09")
    assert not any("partial" in i.value for i in at.info)


def test_the_breached_list_reads_as_sla_prints_it(env):
    """search-availability 2026-03: 99.7917 % on the review and in `sla`; the overview said 99.792%."""
    at = run("overview")
    [listing] = [m.value for m in at.markdown if "breach?" in m.value and "per-instance" not in m.value]
    for slo, month in (("search-availability", "2026-03"), ("catalog-availability", "2026-02")):
        row = _cli_rows(env, month)[slo]
        assert f"attainment {row[3]} (target" in listing, (row[3], listing)
        assert f"budget left {row[7]}" in listing


def test_the_overview_lists_the_breached_months_of_instances(env):
    """globex's July 2026 breach (a customer's SLA) was nowhere on the overview of the year:
    the KPIs and the list are over SLOs without grouping, the per-instance block over the last
    month only. It is now listed apart, linked to its investigation."""
    at = run("overview")
    [listing] = [m.value for m in at.markdown if "Instances of per-instance SLOs" in m.value]
    link = "breach?" + urlencode({"slo": GLOBEX, "month": "2026-07"})
    assert f"]({link})" in listing
    row = _cli_rows(env, "2026-07")[GLOBEX]
    assert f"attainment {row[3]} (target 99.9%), budget left {row[7]}" in listing
    assert {m.label: m.value for m in at.metric}["SLO-months breached"] == "2 of 192"  # unchanged: fleet only
