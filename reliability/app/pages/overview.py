"""Leadership overview: are we reliable, is it getting better, where to invest — in ten seconds.

KPIs with their change against the previous period, the breached SLO-months (each a link to
its breach investigation), the SLO x month grid coloured by category (breached red,
insufficient data grey, at risk amber, met green), the fleet's monthly trend, incidents and
time to resolve, and where the breaches concentrate. Charts are static SVG
(:mod:`reliability.charts`): no charting library to load in the browser; each grid cell's
tooltip says what it holds and a breached cell links to its breach investigation.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from reliability import charts, units
from reliability.api.app_views import CATEGORY_ORDER, months_between, shift_month
from reliability.app import composites_view, data, freshness, instances_view, static_chart, tables, widgets

SEVERITY_COLORS = {"SEV-1": "#b2182b", "SEV-2": "#ef8a62", "SEV-3": "#67a9cf", "SEV-4": "#2166ac"}
HALF = 460  # px: a chart in one of two columns, drawn at its size on a laptop screen
GRID_ROWS = 40  # larger fleets: the SLOs with the most months not met, worst first
BREACH_LINES = 25  # breached SLO-months listed (newest, most overspent first)


def investigate_link(slo: str, month: str) -> str:
    return "breach?" + urlencode({"slo": slo, "month": month})


def grid(history_: pd.DataFrame, months: list[str]) -> tuple[str, int]:
    """The SLO x month category grid as SVG, and how many SLOs it leaves out."""
    order = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    h = history_.assign(rank=history_["category"].map(order), not_met=history_["category"] != "met")
    per_slo = h.groupby("slo").agg(worst=("rank", "min"), not_met=("not_met", "sum"),
                                   left=("error_budget_remaining", "min"))
    per_slo = per_slo.sort_values(["worst", "not_met", "left"], ascending=[True, False, True])
    hidden = 0
    if len(per_slo) > GRID_ROWS:
        shown = per_slo[per_slo["not_met"] > 0].head(GRID_ROWS)
        hidden = len(per_slo) - len(shown)
        names = list(shown.index)
    else:
        names = sorted(per_slo.index)
    cells = {}
    for r in h[h["slo"].isin(names)].itertuples():
        att = "" if pd.isna(r.attainment) else f"{r.attainment * 100:.2f}"
        left = None if pd.isna(r.error_budget_remaining) else float(r.error_budget_remaining)
        label = charts.CATEGORY_LABELS[r.category]
        tip = f"{r.slo} {r.month}: {label}, attainment {att or '-'} %, budget left " \
              f"{'-' if left is None else f'{left * 100:.1f} %'}"
        cells[(r.slo, r.month)] = charts.Cell(r.category, att, left, investigate_link(r.slo, r.month)
                                              if r.category == "breached" else None, tip)
    title = "SLA attainment % per SLO and month (colour: category; shade: budget left)"
    return charts.heatmap(names, months, cells, title), hidden


def _delta(now: float | None, before: float | None, fmt: str) -> str | None:
    if now is None or before is None:
        return None
    return fmt.format(now - before)


def kpis(hist: pd.DataFrame, prev: pd.DataFrame | None, last: str, before: str | None, inc: dict) -> None:
    """The latest month's KPIs, each with its change against the month before (arrow and
    delta), and the period's breached SLO-months against the previous period of the same
    length (when the data reaches back that far: a delta against missing data would mislead)."""
    rows = {m: hist[hist["month"] == m] for m in (last, before) if m}

    def compliance(month: str | None) -> float | None:
        if month not in rows:
            return None
        measured = rows[month][rows[month]["category"] != "insufficient_data"]
        return float(measured["category"].isin(["met", "at_risk"]).mean()) if len(measured) else None

    def count(month: str | None, cat: str) -> int | None:
        return None if month not in rows else int((rows[month]["category"] == cat).sum())

    def incidents(month: str | None) -> int | None:
        return None if month is None else sum(n for (m, _s), n in inc["by_month_severity"].items() if m == month)

    def mttr_minutes(month: str | None) -> float | None:
        found = inc["mttx"]["by_month"].get(month) or {}
        return (found.get("resolve") or {}).get("median_minutes") if found.get("count") else None

    def hours(minutes: float | None) -> float | None:
        return None if minutes is None else minutes / 60

    def delta(now, then, fmt: str) -> str | None:
        if now is None or then is None:
            return None
        return "no change" if now == then else fmt.format(now - then)

    share, share_before = compliance(last), compliance(before)
    versus = f"against {before}" if before else "(no month before in the data)"
    c = st.columns(3)
    _metric(c[0], f"Fleet compliance {last}", "-" if share is None else f"{share * 100:.1f}%",
                delta(None if share is None else share * 100, None if share_before is None else share_before * 100,
                      "{:+.1f} pp"),
            help="SLOs that met their target / SLOs with enough data, over the SLOs without grouping labels "
                 "(per-instance SLOs are summarised in their own block below; roll-ups by label count each "
                 f"instance as one SLO); {versus}")
    _metric(c[1], f"SLOs breached {last}", count(last, "breached"),
                delta(count(last, "breached"), count(before, "breached"), "{:+d}"), delta_color="inverse", help=versus)
    _metric(c[2], f"SLOs at risk {last}", count(last, "at_risk"),
                delta(count(last, "at_risk"), count(before, "at_risk"), "{:+d}"), delta_color="inverse",
                help=f"Met, with less than 25 % of the error budget left; {versus}")
    c = st.columns(3)
    _metric(c[0], f"Incidents {last}", incidents(last), delta(incidents(last), incidents(before), "{:+d}"),
                delta_color="inverse", help=f"Detected in the month (UTC); {versus}")
    _metric(c[1], f"Median time to resolve {last}", units.duration(mttr_minutes(last)),
            delta(hours(mttr_minutes(last)), hours(mttr_minutes(before)), "{:+.1f} h"), delta_color="inverse",
            help=versus)
    breached = int((hist["category"] == "breached").sum())
    breached_before = None if prev is None else int((prev["category"] == "breached").sum())
    _metric(c[2], "SLO-months breached", f"{breached} of {len(hist)}", delta(breached, breached_before, "{:+d}"),
                delta_color="inverse", help="In the period; against the previous period of the same length"
                if prev is not None else "In the period (the data does not reach back a whole previous period)")


def _metric(container, label, value, delta=None, **kw) -> None:
    """``st.metric``, with an unchanged value shown as "no change" without an arrow."""
    if delta == "no change":
        kw |= {"delta_color": "off", "delta_arrow": "off"}
    container.metric(label, value, delta, **kw)


def breach_list(hist: pd.DataFrame, instance_rows: pd.DataFrame | None = None) -> None:
    """The breached SLO-months, newest month first and most overspent first, each a link; at
    most ``BREACH_LINES`` (a fleet can have thousands: the monthly review lists them all). Then
    the breached months of per-instance SLOs (a customer's SLA: globex's July), listed apart as
    the KPIs count SLOs without grouping only; the per-instance block shows the last month only."""
    st.subheader("Breached SLO-months")
    found = hist[hist["category"] == "breached"].sort_values(["month", "error_budget_remaining"], ascending=[False, True])
    if found.empty:
        st.write("No SLO breached its target in the period.")
    else:
        st.markdown("\n".join(_breach_lines(found)))
    if instance_rows is not None and not instance_rows.empty:
        apart = instance_rows[instance_rows["category"] == "breached"].sort_values(
            ["month", "error_budget_remaining"], ascending=[False, True])
        if not apart.empty:
            st.markdown("Instances of per-instance SLOs (customers; not in the counts above):\n\n"
                        + "\n".join(_breach_lines(apart)))


def _breach_lines(found: pd.DataFrame) -> list[str]:
    lines = []
    for r in found.head(BREACH_LINES).itertuples():
        lines.append(f"- [{_md(r.slo)} · {r.month}]({investigate_link(r.slo, r.month)}) — attainment "
                     f"{r.attainment * 100:.4f}% (target {r.target * 100:g}%), budget left "  # as `sla` prints them
                     f"{r.error_budget_remaining * 100:.1f}%")
    if len(found) > BREACH_LINES:
        lines.append(f"- … and {len(found) - BREACH_LINES} more: each month's are listed in the "
                     f"[monthly SLA review](sla?{urlencode({'month': found['month'].iloc[0]})})")
    return lines


def _md(text: str) -> str:
    """Text from the data, inert inside Markdown link text."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!<>|~" else ch for ch in str(text))


def trend_chart(hist: pd.DataFrame, months: list[str]) -> str:
    # One count per (month, category), then the share of the month's SLOs (exact ratios of
    # counts; filtering the frame per month and category took ~1 s of a warm rerun).
    per_month = {m: int(n) for m, n in hist["month"].value_counts().items()}
    pairs = {k: int(n) for k, n in hist.groupby(["month", "category"]).size().items()}
    shares = {}
    for cat in ("met", "at_risk", "insufficient_data", "breached"):
        shares[charts.CATEGORY_LABELS[cat]] = [
            pairs.get((m, cat), 0) / per_month[m] if per_month.get(m) else 0.0 for m in months]
    colors = {charts.CATEGORY_LABELS[c]: charts.CATEGORY_COLORS[c] for c in charts.CATEGORY_COLORS}
    return charts.stacked_bars(months, shares, colors, "Fleet per month: share of SLOs by category", percent=True,
                               width=HALF)


def incident_chart(inc: dict, months: list[str]) -> str:
    counts = inc["by_month_severity"]
    series = {sev: [counts.get((m, sev), 0) for m in months] for sev in SEVERITY_COLORS}
    return charts.stacked_bars(months, series, SEVERITY_COLORS, "Incidents per month by severity (UTC)", width=HALF)


def mttr_chart(inc: dict, months: list[str]) -> str:
    by_month = inc["mttx"]["by_month"]
    hours = [None if not (by_month.get(m) or {}).get("count") else
             (by_month[m]["resolve"]["median_minutes"] or 0) / 60 for m in months]
    return charts.lines(months, {"median hours to resolve": hours}, "Median time to resolve per month (hours)",
                        width=HALF)


def invest(hist: pd.DataFrame) -> pd.DataFrame:
    """Per service: SLO-months breached, at risk (met, little budget left) and without a
    verdict (insufficient data), and the worst budget left (%), worst first. At risk and
    insufficient data are counted apart, never as "not met": an at-risk month met its target."""
    cat = hist["category"]
    g = hist.assign(breached=cat == "breached", at_risk=cat == "at_risk", no_verdict=cat == "insufficient_data"
                    ).groupby("service").agg(
        breached=("breached", "sum"), at_risk=("at_risk", "sum"), no_verdict=("no_verdict", "sum"),
        slos=("slo", "nunique"), worst_budget_left=("error_budget_remaining", "min"),
    ).reset_index()
    g = g[(g["breached"] + g["at_risk"] + g["no_verdict"]) > 0].sort_values(
        ["breached", "at_risk", "no_verdict", "worst_budget_left"], ascending=[False, False, False, True])
    g = g.assign(worst_budget_left=g["worst_budget_left"] * 100).head(10)
    # The worst budget first: in half a page the last columns scroll out of sight.
    return g[["service", "worst_budget_left", "breached", "at_risk", "no_verdict", "slos"]]


def recurring(repeats: pd.DataFrame) -> pd.DataFrame:
    """The root causes with the most repeats: per service and root cause, the repeats (the
    distinct later incidents, as `recurrence` defines a repeat) and the incidents involved
    (the first one included). The rows of ``repeats`` are pairs (earlier, later): four
    incidents with one cause are six pairs but three repeats."""
    key = ["service", "root_cause"]
    both = pd.concat([repeats[[*key, "earlier"]].rename(columns={"earlier": "id"}),
                      repeats[[*key, "later"]].rename(columns={"later": "id"})])
    top = pd.DataFrame({"repeats": repeats.groupby(key)["later"].nunique(),
                        "incidents": both.groupby(key)["id"].nunique()}).reset_index()
    top = top.sort_values(["repeats", "service"], ascending=[False, True]).head(5)
    return top[["repeats", "incidents", "service", "root_cause"]]


def page() -> None:
    st.title("Leadership overview")
    db = data.db_path()
    stamp = data.stamp(db)
    months_all = data.months_with_data(db, stamp)
    if not months_all:
        st.info("No SLI data yet. Load the sample with `reliability demo` or ingest series.")
        return
    freshness.warn(data.newest_slices(db, stamp))
    first, last = widgets.period_picker(months_all)
    months = months_between(first, last)
    # Per-instance SLOs (thousands of customers) get their own block below: grouped, filtered,
    # top-N worst, never one grid row each; the KPIs and the grid are over SLOs without grouping.
    hist, instance_rows = instances_view.split(data.sla_history(db, first, last, stamp))
    journeys = data.composites(db, last, stamp)
    if hist.empty and not instance_rows.empty:
        instances_view.section(instance_rows[instance_rows["month"] == last], last)
        composites_view.section(journeys, last)
        return
    if hist.empty:
        st.info("No SLOs defined. Apply OpenSLO files with `reliability slo apply`.")
        return
    span = len(months)
    prev_first, prev_last = shift_month(first, -span), shift_month(first, -1)
    earliest = min(months_all)
    prev = instances_view.split(data.sla_history(db, prev_first, prev_last, stamp))[0] if prev_first >= earliest else None
    inc = data.overview_incidents(db, first, last, stamp)
    before = shift_month(last, -1)
    before = before if before >= first else None

    kpis(hist, prev, last, before, inc)
    breach_list(hist, instance_rows)

    markup, hidden = grid(hist, months)
    static_chart.show(markup, scroll=True)  # its numbers readable on a phone: scrolls sideways there
    if hidden:
        st.caption(f"{hidden} SLOs met their target every month of the period (or are not among the "
                   f"{GRID_ROWS} worst) and are not drawn.")
    instances_view.section(instance_rows[instance_rows["month"] == last], last)
    composites_view.section(journeys, last)

    left, right = st.columns(2)
    with left:
        static_chart.show(trend_chart(hist, months))
    with right:
        static_chart.show(incident_chart(inc, months))

    left, right = st.columns(2)
    with left:
        static_chart.show(mttr_chart(inc, months))
    with right:
        st.subheader("Where to invest")
        where = invest(hist)
        if where.empty:
            st.write("No SLO-month of the period was breached, at risk or without enough data.")
        else:
            st.caption("SLO-months of the period, per service: breached, at risk (met, with less than 25 % "
                       "of the budget left) and with no data (insufficient data: no verdict).")
            tables.show(where, {"at_risk": tables.Col("at risk"), "no_verdict": tables.Col("no data"),
                                "slos": tables.Col("SLOs"),
                                "worst_budget_left": tables.Col("worst budget left %", digits=1)})
    repeats = pd.DataFrame(inc["repeats"])
    st.subheader("Top recurring causes")
    if repeats.empty:
        st.write("No repeated root causes in the period.")
    else:
        st.caption(f"A repeat: a later incident of the same service with the same root cause within "
                   f"{inc['repeat_window_days']} days of an earlier one (`recurrence`); incidents: the "
                   "first one included.")
        tables.show(recurring(repeats), {"root_cause": tables.Col("root cause")})


if __name__ == "__main__":
    page()
