"""Leadership overview: fleet SLA compliance, budgets, incidents and risks on one screen."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from reliability import units
from reliability.app import composites_view, data, freshness, instances_view, widgets

SEVERITY_COLORS = {"SEV-1": "#b2182b", "SEV-2": "#ef8a62", "SEV-3": "#67a9cf", "SEV-4": "#2166ac"}
STATUS_ORDER = {"exhausted": 0, "at_risk": 1, "insufficient_data": 2, "healthy": 3}


def compliance_heatmap(history: pd.DataFrame) -> go.Figure:
    """SLOs x months coloured by error budget remaining (attainment against target)."""
    grid = history.pivot(index="slo", columns="month", values="error_budget_remaining").sort_index(ascending=False)
    att = history.pivot(index="slo", columns="month", values="attainment").reindex_like(grid)
    text = att.map(lambda a: "" if pd.isna(a) else f"{a * 100:.2f}")
    # A month with insufficient data has no verdict: no colour that reads as met, "no data" instead.
    if "status" in history:
        short = history.pivot(index="slo", columns="month", values="status").reindex_like(grid) == "insufficient_data"
        grid, text = grid.mask(short), text.mask(short, "no data")
    fig = go.Figure(go.Heatmap(
        z=(grid.clip(-1, 1) * 100).values, x=list(grid.columns), y=widgets.plot_text(grid.index), text=text.values,
        texttemplate="%{text}", zmin=-100, zmax=100, colorscale="RdYlGn",
        colorbar={"title": "budget left %"},
        hovertemplate="%{y} %{x}<br>attainment %{text} %<br>budget left %{z:.1f} %<extra></extra>",
    ))
    fig.update_layout(height=40 + 26 * len(grid), margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      title="SLA attainment % (colour: error budget left; red = breached)")
    return fig


def page() -> None:
    st.title("Leadership overview")
    db = data.db_path()
    stamp = data.stamp(db)
    months = data.months_with_data(db, stamp)
    if not months:
        st.info("No SLI data yet. Load the sample with `reliability demo` or ingest series.")
        return
    freshness.warn(data.newest_slices(db, stamp))
    first, last = widgets.period_picker(months)
    history = data.sla_history(db, first, last, stamp)
    # Per-instance SLOs (thousands of customers) get their own block below: grouped, filtered,
    # top-N worst, never one heatmap row each.
    history, instance_rows = instances_view.split(history)
    journeys = data.composites(db, last, stamp)
    if history.empty and not instance_rows.empty:
        instances_view.section(instance_rows[instance_rows["month"] == last], last)
        composites_view.section(journeys, last)
        return
    if history.empty:
        st.info("No SLOs defined. Apply OpenSLO files with `reliability slo apply`.")
        return
    budgets = data.budget_status(db, last, stamp)
    incidents = data.incident_rows(db, first, last, "UTC", None, stamp)
    report = data.incident_report(db, first, last, "UTC", None, stamp)

    breaches = history[history["breached"]]
    at_risk = budgets[budgets["status"] != "healthy"]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("SLO-months breached", f"{len(breaches)} of {len(history)}")
    c2.metric(f"SLOs at risk in {last}", len(at_risk))
    c3.metric("Incidents", len(incidents))
    median = report["mttx"]["overall"]["resolve"]["median_minutes"]
    c4.metric("Median time to resolve", units.duration(median))

    st.plotly_chart(compliance_heatmap(history), width="stretch")
    instances_view.section(instance_rows[instance_rows["month"] == last], last)
    composites_view.section(journeys, last)

    left, right = st.columns(2)
    b = budgets.sort_values("remaining")
    b = b.assign(slo=widgets.plot_text(b["slo"]), remaining=b["remaining"] * 100)  # percent, as everywhere
    fig = px.bar(b, x="remaining", y="slo", color="status", orientation="h",
                 color_discrete_map={"healthy": "#1a9850", "at_risk": "#fdae61", "exhausted": "#d73027",
                                     "insufficient_data": "#9e9e9e"},
                 title=f"Error budget left in {last}", labels={"remaining": "budget left %", "slo": ""})
    fig.update_layout(height=480, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    left.plotly_chart(fig, width="stretch")

    if not incidents.empty:
        counts = incidents.groupby(["month", "severity"]).size().reset_index(name="incidents")
        counts["severity"] = widgets.plot_text(counts["severity"])
        fig = px.bar(counts, x="month", y="incidents", color="severity", color_discrete_map=SEVERITY_COLORS,
                     title="Incidents per month by severity", category_orders={"severity": list(SEVERITY_COLORS)})
        fig.update_layout(height=480, margin={"l": 10, "r": 10, "t": 40, "b": 10})
        right.plotly_chart(fig, width="stretch")

    left, right = st.columns(2)
    trend = pd.DataFrame([
        {"month": m, "median hours to resolve": (v["resolve"]["median_minutes"] or 0) / 60, "incidents": v["count"]}
        for m, v in report["mttx"]["by_month"].items() if v["count"]
    ])
    if not trend.empty:
        fig = px.line(trend, x="month", y="median hours to resolve", markers=True, title="Median time to resolve")
        fig.update_layout(height=360, margin={"l": 10, "r": 10, "t": 40, "b": 10})
        left.plotly_chart(fig, width="stretch")
    repeats = pd.DataFrame(report["recurrence"]["repeats"])
    right.subheader("Top recurring causes")
    if repeats.empty:
        right.write("No repeated root causes in the period.")
    else:
        top = (repeats.groupby(["service", "root_cause"]).size().reset_index(name="repeats")
               .sort_values("repeats", ascending=False).head(5))[["repeats", "service", "root_cause"]]
        right.dataframe(top, hide_index=True, width="stretch")

    st.subheader(f"Services at risk ({last})")
    if at_risk.empty:
        st.write("Every SLO's error budget is healthy.")
    else:
        view = at_risk.assign(order=at_risk["status"].map(STATUS_ORDER)).sort_values(["order", "remaining"])
        st.dataframe(view[["slo", "service", "status", "remaining", "data_coverage", "exhausted_at", "exhausts_at_1d"]]
                     .assign(remaining=view["remaining"] * 100, data_coverage=view["data_coverage"] * 100),
                     hide_index=True, width="stretch",
                     column_config={"remaining": st.column_config.NumberColumn("budget left %", format="%.1f"),
                                    "data_coverage": st.column_config.NumberColumn("coverage %", format="%.1f"),
                                    "exhausted_at": st.column_config.DatetimeColumn("exhausted since (UTC)")})


if __name__ == "__main__":
    page()
