"""Data health: per series the last slice, gaps and no-data slices, coverage per month, and
extraction watermarks and runs."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import streamlit as st

from reliability import charts_dist, periods, units
from reliability.app import data, freshness, static_chart, tables, widgets
from reliability.app.tables import Col


HEATMAP_SERIES = 40  # rows of the coverage heatmap: the series that lack the most data


def most_lacking(coverage, limit: int = HEATMAP_SERIES):
    """``(rows, hidden)``: the coverage rows of the ``limit`` series lacking the most slices over
    the months shown (a month without a row lacks all of it), and how many series are left out.
    A fleet's 2,000 series x 13 months would be 26,000 cells (4 MB to the browser) to show that
    most are complete; the page says how many are not drawn."""
    import pandas as pd

    if coverage.empty:
        return coverage, 0
    months = coverage["month"].unique()
    expected = {m: periods.month(m, "UTC").seconds / 60 for m in months}
    key = coverage["service"] + " / " + coverage["sli"]
    have = coverage.assign(key=key, lacking=coverage["expected"] - coverage["with_data"])
    by_series = have.groupby("key")["lacking"].sum()
    present = have.groupby("key")["month"].apply(set)
    total = pd.Series({k: by_series[k] + sum(expected[m] for m in months if m not in present[k]) for k in by_series.index})
    if len(total) <= limit:
        return coverage, 0
    keep = set(total.sort_values(ascending=False, kind="stable").index[:limit])
    return coverage[key.isin(keep)], len(total) - limit


def coverage_heatmap(coverage) -> str:
    """Series x months shaded by the slices without data (missing rows and no-data rows), so a
    17-minute gap stands out in a month of 44,640 minutes; each cell's tooltip gives the
    coverage. A series without a single row in a month lacks the whole month: never a blank
    ("complete") cell."""
    cov = coverage.assign(series=coverage["service"] + " / " + coverage["sli"],
                          lacking=coverage["expected"] - coverage["with_data"],
                          pct=100 * coverage["with_data"] / coverage["expected"])
    names, months = sorted(cov["series"].unique()), sorted(cov["month"].unique())
    found = {(r.series, r.month): (float(r.lacking), float(r.pct)) for r in cov.itertuples()}
    values, tips = {}, {}
    for name in names:
        for m in months:
            lacking, pct = found.get((name, m), (periods.month(m, "UTC").seconds / 60, 0.0))
            values[(name, m)] = lacking
            tips[(name, m)] = f"{name} {m}: {lacking:,.0f} slices without data, {pct:.3f} % covered"
    return charts_dist.value_heatmap(
        names, months, values, "Slices without data per month (1-minute slices, UTC months; blank = complete)",
        tooltips=tips, top=max([60.0] + list(values.values())), legend="slices without data", row_height=24)


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
    hours = st.number_input("Stale after (hours without a new slice)", min_value=0.0, value=freshness.STALE_HOURS,
                            step=1.0, key="stale_hours")
    late = freshness.warn(series, hours, now)
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric("Series", len(series))
    c2.metric("Stale series", len(late), help=f"No new slice for more than {hours:g} hours")
    c3.metric("Newest slice (UTC day)", newest.strftime("%Y-%m-%d"))
    c4.metric("Missing slices", units.number(int(series["missing_slices"].sum())))
    c5.metric("No-data slices", units.number(int(series["no_data_slices"].sum())))
    view = series.assign(lag_hours=freshness.lag_hours(series["last_slice"], now))
    tables.show(view, {  # a fleet's thousands of series: the grid, scrolling past 25 rows
        "missing_slices": Col("missing slices", help="1-minute slices without a row between the first and last slice"),
        "no_data_slices": Col("no-data slices", help="rows with total 0 or null"),
        "lag_hours": Col("hours since last slice", digits=1, style=lambda v: freshness.colour(v, hours)),
        "first_slice": Col("first slice (UTC)"),
        "last_slice": Col("last slice (UTC)"),
    })
    drawn, hidden = most_lacking(coverage)
    static_chart.show(coverage_heatmap(drawn))
    if hidden:
        st.caption(f"The {HEATMAP_SERIES} series lacking the most slices are drawn; "
                   f"{units.count_of(hidden, 'more series', 'more series')} lack fewer (the table above lists every series).")
    unusable = health.get("unusable", pd.DataFrame())
    if service and not unusable.empty:
        unusable = unusable[unusable["service"] == service]
    if not unusable.empty:
        # Rows that ingestion would refuse today (written some other way): every report counts
        # them as no data; this names where they are so they can be re-ingested.
        st.warning(f"{len(unusable)} series hold stored rows that cannot be used (non-finite or out-of-range "
                   "numbers, or an instant outside 1970-2200); every report counts them as no data. "
                   "Re-ingest those slices to replace them.")
        tables.show(unusable, {"rows": Col("unusable rows"), "first_ts": Col("first (UTC)")})

    st.subheader("Extraction")
    marks = health["watermarks"]
    if service and not marks.empty:
        marks = marks[marks["service"] == service]
    if marks.empty:
        st.write("No extraction watermarks yet: only `reliability extract` records them (`ingest` and `demo` do not).")
    else:
        tables.show(marks)
    runs = health["runs"]
    if not runs.empty:
        st.caption("Last extraction runs")
        tables.show(runs)


if __name__ == "__main__":
    page()
