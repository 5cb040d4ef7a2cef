"""Incidents: time metrics and their distributions, response and cadence compliance,
post-mortems and action items, recurrence and when incidents happen."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from reliability import units
from reliability.app import data, widgets

SEVERITIES = ["SEV-1", "SEV-2", "SEV-3", "SEV-4"]
SEVERITY_COLORS = {"SEV-1": "#b2182b", "SEV-2": "#ef8a62", "SEV-3": "#67a9cf", "SEV-4": "#2166ac"}
METRICS = {"detect": "time to detect", "acknowledge": "time to acknowledge", "mitigate": "time to mitigate",
           "resolve": "time to resolve"}
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def distribution(rows: pd.DataFrame, metric: str, by: str) -> go.Figure:
    order = SEVERITIES if by == "severity" else widgets.plot_text(sorted(rows[by].unique()))
    # Plotly reads a subset of HTML in hover text: titles from the data are escaped first.
    rows = rows.assign(title=widgets.plot_text(rows["title"].fillna("")), id=widgets.plot_text(rows["id"]),
                       **{by: widgets.plot_text(rows[by])})
    fig = px.box(rows, x=by, y=metric, points="all", color=by if by == "severity" else None,
                 category_orders={by: order}, color_discrete_map=SEVERITY_COLORS, hover_data=["id", "title"], log_y=True,
                 title=f"{METRICS[metric].capitalize()} by {by} (minutes, log scale)",
                 labels={metric: "minutes", by: ""})
    fig.update_layout(height=380, margin=MARGIN, showlegend=False)
    fig.update_yaxes(dtick=1)  # log axis: label the powers of ten only
    return fig


def weekday_hour(cells: list[dict]) -> go.Figure:
    grid = pd.DataFrame(0, index=range(1, 8), columns=range(24))
    for c in cells:
        grid.loc[c["weekday"], c["hour"]] = c["incidents"]
    fig = go.Figure(go.Heatmap(z=grid.values, x=list(range(24)), y=WEEKDAYS, colorscale="Blues",
                               hovertemplate="%{y} %{x}:00<br>%{z} incidents<extra></extra>"))
    fig.update_layout(title="Incidents detected by hour and weekday", height=300, margin=MARGIN,
                      xaxis_title="hour of day", yaxis={"autorange": "reversed"})
    return fig


def summary_table(stats: dict) -> pd.DataFrame:
    out = []
    for group, v in stats.items():
        if not v["count"]:
            continue
        row = {"group": group, "incidents": v["count"]}
        for metric in METRICS:
            row[f"{metric} median"] = v[metric]["median_minutes"]
            row[f"{metric} p90"] = v[metric]["p90_minutes"]
        out.append(row)
    return pd.DataFrame(out)


def page() -> None:
    st.title("Incidents")
    db = data.db_path()
    stamp = data.stamp(db)
    # months with slices or incidents: a database of imported incidents alone has pages to show
    months = sorted(set(data.months_with_data(db, stamp)) | set(data.months_with_incidents(db, stamp)), reverse=True)
    if not months:
        st.info("No data yet. Load the sample with `reliability demo` or ingest incidents.")
        return
    first, last = widgets.period_picker(months)
    c1, c2 = st.columns(2)
    services = sorted({s["service"] for s in data.slo_list(db, stamp)} | set(data.incident_services(db, stamp)))
    service = widgets.service_picker(services, c1)
    tz = widgets.zone_picker(c2)
    rows = data.incident_rows(db, first, last, tz, service, stamp)
    if rows.empty:
        st.info("No incidents detected in the period.")
        return
    report = data.incident_report(db, first, last, tz, service, stamp)
    mttx = report["mttx"]
    overall = mttx["overall"]
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Incidents", overall["count"])
    for col, metric in ((m2, "acknowledge"), (m3, "mitigate"), (m4, "resolve")):
        median = overall[metric]["median_minutes"]
        col.metric(f"Median {METRICS[metric]}", units.duration(median))  # the one human format

    st.subheader("Time metrics")
    c1, c2 = st.columns([1, 3])
    metric = c1.radio("Metric", list(METRICS), index=3, format_func=lambda m: METRICS[m])
    left, right = c2.columns(2)
    left.plotly_chart(distribution(rows, metric, "severity"), width="stretch")
    right.plotly_chart(distribution(rows, metric, "service"), width="stretch")
    with st.expander("Median and p90 minutes by severity and service"):
        st.dataframe(summary_table(mttx["by_severity"]), hide_index=True, width="stretch")
        st.dataframe(summary_table(mttx["by_service"]), hide_index=True, width="stretch")

    st.subheader("Response targets and update cadence")
    left, right = st.columns(2)
    # met % is over the incidents whose acknowledgement is known; "ack unknown" are neither met nor missed
    resp = pd.DataFrame([{"severity": s, "target": str(v["target"]), "incidents": v["count"], "met": v["met"],
                          "missed": v["missed"], "never acknowledged": v["never_acknowledged"],
                          "ack unknown": v["ack_unknown"],
                          "met %": (100 * v["met"] / (v["count"] - v["ack_unknown"])
                                    if v["count"] - v["ack_unknown"] else None),
                          "missed ids": ", ".join(v["missed_ids"]),
                          "ack unknown ids": ", ".join(v["ack_unknown_ids"])}
                         for s, v in sorted(report["response"].items())])
    left.caption("Acknowledgement targets (minutes, SEV-4: next business day)")
    left.dataframe(resp, hide_index=True, width="stretch",
                   column_config={"met %": st.column_config.ProgressColumn("met %", min_value=0, max_value=100,
                                                                            format="%.0f%%")})
    cad = pd.DataFrame([{"severity": s, "every (min)": v["target_minutes"], "assessed": v["assessed"],
                         "compliant": v["compliant"], "gaps over target": v["gaps_over_target"],
                         "compliant %": 100 * v["compliant"] / v["assessed"] if v["assessed"] else None}
                        for s, v in sorted(report["cadence"].items())])
    right.caption("Stakeholder-update cadence (between detection and mitigation)")
    right.dataframe(cad, hide_index=True, width="stretch",
                    column_config={"compliant %": st.column_config.ProgressColumn(
                        "compliant %", min_value=0, max_value=100, format="%.0f%%")})

    st.subheader("Post-mortems and action items")
    left, right = st.columns(2)
    pm = pd.DataFrame([{"severity": s, **v} for s, v in sorted(report["postmortems"].items())])
    if not pm.empty:
        long = pm.melt(id_vars=["severity"], value_vars=["on_time", "late", "missing", "due"],
                       var_name="status", value_name="count")
        fig = px.bar(long, x="severity", y="count", color="status", title="Post-mortem status",
                     color_discrete_map={"on_time": "#1a9850", "late": "#fdae61", "missing": "#d73027",
                                         "due": "#bababa"})
        fig.update_layout(height=300, margin=MARGIN)
        left.plotly_chart(fig, width="stretch")
    late = pd.DataFrame(report["postmortems_not_compliant"])
    if not late.empty:
        left.dataframe(late[["id", "severity", "status", "hours_after_resolution"]], hide_index=True,
                       width="stretch")
    items = report["action_items"]
    right.metric("Overdue action items (now)", f"{items['overdue']} of {items['open']} open")
    open_items = pd.DataFrame(items.get("open_items") or items.get("items") or [])
    if not open_items.empty:
        right.dataframe(open_items, hide_index=True, width="stretch")

    st.subheader("Recurrence")
    rec = report["recurrence"]
    left, right = st.columns(2)
    left.plotly_chart(weekday_hour(rec["weekday_hour"]), width="stretch")
    classes = pd.DataFrame(rec["frequency"])
    if not classes.empty:
        if service:
            classes = classes[classes["service"] == service]
        counts = classes.groupby("class").size().reset_index(name="incidents")
        fig = px.bar(counts, x="class", y="incidents", title="Frequency classes (PagerDuty-style)")
        fig.update_layout(height=300, margin=MARGIN)
        right.plotly_chart(fig, width="stretch")
    repeats = pd.DataFrame(rec["repeats"])
    if service and not repeats.empty:
        repeats = repeats[repeats["service"] == service]
    st.caption(f"Repeats: the same root cause on the same service within {rec['window_days']} days")
    if repeats.empty:
        st.write("No repeats in the period.")
    else:
        st.dataframe(repeats.assign(gap_days=repeats["gap_minutes"] / 1440).drop(columns=["gap_minutes"]),
                     hide_index=True, width="stretch",
                     column_config={"gap_days": st.column_config.NumberColumn("gap days", format="%.1f")})


if __name__ == "__main__":
    page()
