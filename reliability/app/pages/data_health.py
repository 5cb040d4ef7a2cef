"""Data health: per series the last slice, gaps and no-data slices, coverage per month, and
extraction watermarks and runs."""

from __future__ import annotations

from datetime import datetime, timezone

import plotly.graph_objects as go
import streamlit as st

from reliability.app import data, widgets

MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def coverage_heatmap(coverage) -> go.Figure:
    cov = coverage.assign(series=coverage["service"] + " / " + coverage["sli"],
                          pct=100 * coverage["with_data"] / coverage["expected"])
    grid = cov.pivot(index="series", columns="month", values="pct").sort_index(ascending=False)
    fig = go.Figure(go.Heatmap(
        z=grid.values, x=list(grid.columns), y=list(grid.index), zmin=90, zmax=100, colorscale="RdYlGn",
        text=grid.map(lambda v: "" if v != v else f"{v:.2f}").values, texttemplate="%{text}",
        colorbar={"title": "% of slices"}, hovertemplate="%{y} %{x}<br>%{z:.3f} % with data<extra></extra>",
    ))
    fig.update_layout(title="Coverage per month: slices with data / minutes in the month (UTC)",
                      height=60 + 26 * len(grid), margin=MARGIN)
    return fig


def page() -> None:
    st.title("Data health")
    db = data.db_path()
    stamp = data.stamp(db)
    health = data.data_health(db, stamp)
    series = health["series"]
    if series.empty:
        st.info("No SLI data yet. Load the sample with `reliability demo` or ingest series.")
        return
    services = sorted(series["service"].unique())
    service = widgets.service_picker(services)
    coverage = health["coverage"]
    if service:
        series = series[series["service"] == service]
        coverage = coverage[coverage["service"] == service]
    now = datetime.now(timezone.utc)
    newest = series["last_slice"].max()
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Series", len(series))
    c2.metric("Newest slice (UTC day)", newest.strftime("%Y-%m-%d"))
    c3.metric("Missing slices", int(series["missing_slices"].sum()))
    c4.metric("No-data slices", int(series["no_data_slices"].sum()))
    view = series.assign(lag_hours=(now - series["last_slice"]).dt.total_seconds() / 3600)
    st.dataframe(view, hide_index=True, width="stretch", height=36 * (len(view) + 1) + 2, column_config={
        "missing_slices": st.column_config.NumberColumn(
            "missing slices", help="1-minute slices without a row between the first and last slice", format="%d"),
        "no_data_slices": st.column_config.NumberColumn("no-data slices", help="Rows with total 0 or null"),
        "lag_hours": st.column_config.NumberColumn("hours since last slice", format="%.1f"),
    })
    st.plotly_chart(coverage_heatmap(coverage), width="stretch")

    st.subheader("Extraction")
    marks = health["watermarks"]
    if service and not marks.empty:
        marks = marks[marks["service"] == service]
    if marks.empty:
        st.write("No extraction watermarks: this database was loaded by `ingest` or `demo`, not `extract`.")
    else:
        st.dataframe(marks, hide_index=True, width="stretch")
    runs = health["runs"]
    if not runs.empty:
        st.caption("Last extraction runs")
        st.dataframe(runs, hide_index=True, width="stretch")


if __name__ == "__main__":
    page()
