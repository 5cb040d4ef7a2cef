"""Breach investigation: one SLO over a time range, from the SLI down to the incidents behind it."""

from __future__ import annotations

import html
from datetime import datetime, time, timedelta

import pandas as pd
import streamlit as st

from reliability import charts_time, periods
from reliability.app import data, safe, static_chart, tables, widgets
from reliability.app.tables import Col

MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def in_zone(frame: pd.DataFrame, zone: str) -> pd.DataFrame:
    """``frame`` with its instants (time-zone-aware columns, or columns of aware datetimes and
    None) shown in ``zone``: the SLO's, the zone its month and the day picker are in."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            out[name] = col.dt.tz_convert(zone)
        elif col.dtype == object and len(col.dropna()) and all(isinstance(v, datetime) for v in col.dropna()):
            out[name] = pd.to_datetime(col, utc=True).dt.tz_convert(zone)
    return out


def _local(values, zone) -> list[datetime]:
    """Instants (aware, any zone) as datetimes in ``zone``, for a static chart's time axis."""
    return [pd.Timestamp(v).tz_convert(zone).to_pydatetime() for v in values]


def sli_svg(inv: dict, start: datetime, end: datetime, zone, zone_name: str) -> str:
    """The SLI against the target as static SVG: incident windows shaded and named, deployments
    as triangles (red: rolled back), the lowest point labelled, each column's range on hover."""
    series = inv["series"]
    bands = [charts_time.Band(pd.Timestamp(r.window_start).tz_convert(zone).to_pydatetime(),
                              pd.Timestamp(r.window_end).tz_convert(zone).to_pydatetime(), str(r.id),
                              f"{r.id} {r.severity}: {r.title}")
             for r in (inv["incidents"].itertuples() if not inv["incidents"].empty else [])]
    deploys = inv["deployments"]
    marks = [charts_time.Mark(at, "#d73027" if rolled else "#4d4d4d",
                              f"deployment {version} at {at:%Y-%m-%d %H:%M}" + (" (rolled back)" if rolled else ""))
             for at, version, rolled in zip(_local(deploys["deployed_at"], zone), deploys["version"],
                                            deploys["rolled_back"])] if not deploys.empty else []
    return charts_time.series(
        _local(series["at"], zone), [None if pd.isna(v) else float(v) * 100 for v in series["sli"]],
        "SLI per slice (down-sampled to the chart's width keeping each pixel's lowest and highest)",
        start=start, end=end, threshold=inv["target"] * 100, threshold_label=f"target {inv['target'] * 100:g} %",
        y_label="good %", x_label=zone_name, name="SLI %", fmt=lambda v: f"{v:.3f} %", bands=bands, marks=marks,
        mark_note="shaded: incident windows; triangles: deployments (red: rolled back)" if marks or bands else "")


def burndown_svg(bd: pd.DataFrame, month: str, period, zone, zone_name: str) -> str:
    """Error budget left over the month, the exhausted line at 0."""
    return charts_time.series(
        _local(bd["at"], zone), [float(v) * 100 for v in bd["remaining"]], f"Error budget burn-down, {month}",
        start=period.start.astimezone(zone), end=period.end.astimezone(zone), threshold=0.0,
        threshold_label="budget exhausted", y_label="budget left %", x_label=zone_name, name="budget left %",
        fmt=lambda v: f"{v:.1f} %", width=460, height=320)


def sli_chart(inv: dict, bucket: int):
    """The SLI chart in Plotly, zoomable: drawn only when the reader asks for it (its JavaScript
    costs a fresh browser tab seconds)."""
    import plotly.graph_objects as go

    series = inv["series"]
    fig = go.Figure(go.Scatter(x=series["at"], y=series["sli"] * 100, mode="lines", name="SLI %",
                               line={"color": "#2166ac", "width": 1.5},
                               hovertemplate="%{x}<br>%{y:.3f} %<extra></extra>"))
    fig.add_hline(y=inv["target"] * 100, line={"color": "#d73027", "dash": "dash"},
                  annotation_text=f"target {inv['target'] * 100:g} %")
    for row in inv["incidents"].itertuples() if not inv["incidents"].empty else []:
        fig.add_vrect(x0=row.window_start, x1=row.window_end, fillcolor="#f4a582", opacity=0.45, line_width=1,
                      line_color="#d6604d", annotation_text=html.escape(row.id), annotation_position="top left",
                      annotation_font_size=10)
    deploys = inv["deployments"]
    if not deploys.empty:
        low = float(series["sli"].min() * 100) if series["sli"].notna().any() else 99
        fig.add_trace(go.Scatter(
            x=deploys["deployed_at"], y=[low] * len(deploys), mode="markers", name="deployment",
            marker={"symbol": "triangle-up", "size": 10,
                    "color": ["#d73027" if r else "#4d4d4d" for r in deploys["rolled_back"]]},
            customdata=deploys[["version", "rolled_back"]].astype(str).apply(widgets.plot_text).values,
            hovertemplate="%{x}<br>%{customdata[0]} rolled back: %{customdata[1]}<extra></extra>",
        ))
    fig.update_layout(title="SLI per slice, down-sampled to the chart's width keeping each pixel's lowest and "
                            "highest (shaded: incident windows, triangles: deployments)",
                      height=380, margin=MARGIN, yaxis_title="good %", xaxis_title="UTC", legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1})
    return fig


def page() -> None:
    st.title("Breach investigation")
    db = data.db_path()
    stamp = data.stamp(db)
    months = data.months_with_data(db, stamp)
    slo_rows = data.slo_list(db, stamp)
    if not months or not slo_rows:
        st.info("Needs SLI data and SLOs: load the sample with `reliability demo`.")
        return
    by_name = data.slo_choices(db, stamp)
    wanted = st.query_params.get("slo")
    firsts = sorted(n for n in by_name if n.startswith(f"{wanted}{{"))
    if wanted not in by_name and firsts:  # a per-instance definition: one of its instances
        st.info(f"{wanted!r} is a per-instance SLO: each instance is investigated on its own; showing "
                f"{firsts[0]} (pick another in the list).")
        st.query_params["slo"] = firsts[0]
    c1, c2, c3 = st.columns([2, 1, 2])
    name = widgets.slo_picker(sorted(by_name), c1)
    month = widgets.month_picker(months, c2)
    slo = by_name[name]
    period = periods.month(month, slo["time_zone"])
    zone = periods.zone(slo["time_zone"])
    first_day = period.start.astimezone(zone).date()
    last_day = (period.end.astimezone(zone) - timedelta(seconds=1)).date()
    start_day, end_day = widgets.days_picker(first_day, last_day, f"Days ({slo['time_zone']})", c3)
    start = datetime.combine(start_day, time(), zone)
    end = min(datetime.combine(end_day + timedelta(days=1), time(), zone), period.end)
    # Slice by slice; the loader sends per pixel only the lowest and highest point, so the
    # worst minute of a month stays visible and the browser draws at most ~1,200 points.
    bucket = 1

    inv = data.investigation(db, name, month, start, end, bucket, stamp)
    budget_left = inv["burndown"]["remaining"].iloc[-1] if not inv["burndown"].empty else None
    verdict = inv.get("month") or {"status": "insufficient_data", "data_coverage": 0.0}
    unknown = verdict["status"] == "insufficient_data"
    if unknown:  # no verdict: a budget "left" over the few slices with data would read as one
        budget_left = None
        st.warning(f"{name} has data for {verdict['data_coverage'] * 100:.1f} % of {month}: insufficient data, "
                   "no verdict (the Monthly SLA review lists it apart). The charts and tables below show the "
                   "slices with data only.", icon="⚠️")
    elif verdict.get("partial"):
        st.info(f"{month} is partial for {name}: its data end before the month does, so its budget and "
                "status may still change (as on the Monthly SLA review).")
    m1, m2, m3, m4 = st.columns(4)
    no_slice = inv["series"].empty or inv["series"]["sli"].isna().all()  # nothing measured in the range
    m1.metric("Burn rate over the range", "-" if inv["burn_rate"] is None or no_slice else f"{inv['burn_rate']:.2f}x")
    m2.metric(f"Budget left at the end of {month}", "-" if budget_left is None else f"{budget_left * 100:.1f}%",
              help="Unknown: insufficient data in the month" if unknown else None)
    m3.metric("Alert episodes", len(inv["episodes"]))
    m4.metric("Incidents in range", len(inv["incidents"]))

    # Static SVG by default; the zoomable Plotly chart only on request (in the URL: interactive=1).
    if widgets.toggle("interactive", "Interactive chart (zoom; loads a charting library)"):
        st.plotly_chart(sli_chart(inv, bucket), width="stretch")
    else:
        static_chart.show(sli_svg(inv, start, end, zone, f"time in {slo['time_zone']}"))

    left, right = st.columns(2)
    bd = inv["burndown"]
    if not bd.empty:
        static_chart.show(burndown_svg(bd, month, period, zone, f"time in {slo['time_zone']}"), left)
    episodes = inv["episodes"]
    right.subheader("Burn-rate alert episodes")
    if episodes.empty:
        right.write("No multi-window burn-rate alert would have fired in the range.")
    else:
        ep = in_zone(episodes.assign(windows=episodes["windows"].map(", ".join)), slo["time_zone"])
        tables.show(ep[["severity", "start", "end", "duration_minutes", "peak_burn_rate", "windows"]],
                    {"peak_burn_rate": Col("peak burn", digits=1), "duration_minutes": Col("minutes", digits=0)},
                    container=right)

    st.subheader(f"Worst {inv['worst_minutes']:g}-minute windows of {month}")
    if inv["worst"].empty:
        st.write("No bad slices this month.")
    else:
        tables.show(in_zone(inv["worst"], slo["time_zone"]), {"burn_rate": Col("burn rate", digits=1)})

    st.subheader("Incidents in range and their SLA impact")
    st.caption(f"Times in {slo['time_zone']}, the SLO's zone. Impact: the incident's window (start to "
               "mitigation) in this SLO's month." + (" An incident's impact on one instance of a per-instance SLO "
                                                     "is not computed yet: '-' (unknown), not none."
                                                     if "{" in name else ""))
    incidents = in_zone(inv["incidents"], slo["time_zone"])
    if not incidents.empty:  # shares as percentages, as on every other page
        incidents = incidents.assign(budget_spent=incidents["budget_spent"] * 100,
                                     share_of_month_bad=incidents["share_of_month_bad"] * 100)
    if incidents.empty:
        st.write(f"No incident of {safe.md(inv['service'])} was detected in the range.")
    else:
        tables.show(incidents, {
            "bad": Col(f"bad ({inv['budget_unit']})", digits=2),
            "budget_spent": Col("budget spent %", digits=1, help="share of the month's error budget (100 = all of it)"),
            "share_of_month_bad": Col("share of month's bad %", digits=1),
        })
    if not inv["paged"].empty:
        st.caption("Would the burn-rate alerts have paged for these incidents?")
        paged = in_zone(inv["paged"].drop(columns=["title"], errors="ignore"), slo["time_zone"])
        tables.show(paged)
    st.subheader("Related incidents")
    if inv["related"].empty:
        st.write("None found (same root cause, similar title, mentions or shared tags).")
    else:
        tables.show(inv["related"])


if __name__ == "__main__":
    page()
