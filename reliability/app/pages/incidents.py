"""Incidents: time metrics and their distributions, response and cadence compliance,
post-mortems and action items, recurrence and when incidents happen; for a period, a service
and the labels of the incidents' services (``incidents --label``'s rule), all in the URL.
Charts are static SVG (:mod:`reliability.charts_dist`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from reliability import charts, charts_dist, units
from reliability.api.app_views import services_matching
from reliability.app import data, static_chart, tables, widgets

SEVERITIES = ["SEV-1", "SEV-2", "SEV-3", "SEV-4"]
SEVERITY_COLORS = {"SEV-1": "#b2182b", "SEV-2": "#ef8a62", "SEV-3": "#67a9cf", "SEV-4": "#2166ac"}
METRICS = {"detect": "time to detect", "acknowledge": "time to acknowledge", "mitigate": "time to mitigate",
           "resolve": "time to resolve"}
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


POSTMORTEM_COLORS = {"on time": "#1a9850", "late": "#fdae61", "missing": "#d73027", "due": "#bababa"}
HALF = 460  # px: a chart in one of two columns


def distribution(rows: pd.DataFrame, metric: str, by: str) -> str:
    """Each incident's minutes as a point per severity or service (log scale), median and p90
    marked; each point's tooltip names the incident."""
    order = [s for s in SEVERITIES if (rows[by] == s).any()] if by == "severity" else sorted(rows[by].dropna().unique())
    points = {g: [charts_dist.Point(float(r[metric]) if pd.notna(r[metric]) else None,
                                    f"{r['id']} ({r['severity']}, {r['service']}): {units.duration(r[metric])} - "
                                    f"{r['title'] if pd.notna(r['title']) else ''}")
                  for _i, r in part.iterrows()] for g, part in rows.groupby(by)}
    return charts_dist.strip(order, points, f"{METRICS[metric].capitalize()} by {by}", y_label="minutes (log scale)",
                             log=True, colors=SEVERITY_COLORS if by == "severity" else None, width=HALF)


def weekday_hour(rows: pd.DataFrame, tz: str) -> str:
    """Incidents detected per weekday and hour of day (in ``tz``), from the rows shown (so the
    service and label filters hold)."""
    local = pd.to_datetime(rows["detected_at"], utc=True).dt.tz_convert(tz)
    counts = pd.DataFrame({"d": local.dt.day_of_week, "h": local.dt.hour}).value_counts()
    values = {(WEEKDAYS[d], str(h)): float(n) for (d, h), n in counts.items()}
    tips = {(WEEKDAYS[d], str(h)): f"{WEEKDAYS[d]} {h:02d}:00-{h:02d}:59: {n} incident{'s' if n != 1 else ''}"
            for (d, h), n in counts.items()}
    return charts_dist.value_heatmap(WEEKDAYS, [str(h) for h in range(24)], values,
                                     f"Incidents detected by weekday and hour ({tz})", tooltips=tips, color="#2166ac",
                                     legend="incidents", column_label="hour of day", width=HALF, row_height=22)


def ack_target(target) -> str:
    """An acknowledgement target as a reader says it: ``5 min``, ``next business day``."""
    if isinstance(target, (int, float)):
        return f"{target:g} min"
    return str(target).replace("-", " ")


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
    c1, c2, c3 = st.columns([1, 1, 2])
    services = sorted({s["service"] for s in data.slo_list(db, stamp)} | set(data.incident_services(db, stamp)))
    service = widgets.service_picker(services, c1)
    tz = widgets.zone_picker(c2)
    # Labels of each incident's service (`incidents --label`): its Service document's, else
    # those all its SLOs share. The filter narrows to the services that match.
    labels_of = data.service_labels(db, stamp)
    options: dict[str, set] = {}
    for found in labels_of.values():
        for key, values in found:
            options.setdefault(key, set()).update(values)
    wanted = widgets.label_filter({k: sorted(v) for k, v in sorted(options.items())}, c3,
                                  label="Only services labelled")
    keep = services_matching(labels_of, services, wanted) if wanted else None
    if keep is not None:
        st.caption(f"Services labelled {', '.join(f'{k}={v}' for k, v in wanted)}: "
                   f"{', '.join(keep) if keep else 'none'}.")
    rows = data.incident_rows(db, first, last, tz, service, stamp, keep)
    if rows.empty:
        st.info("No incidents detected in the period" + (" for these labels." if keep is not None else "."))
        return
    report = data.incident_report(db, first, last, tz, service, stamp, keep)
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
    static_chart.show(distribution(rows, metric, "severity"), left)
    static_chart.show(distribution(rows, metric, "service"), right)
    with st.expander("Median and p90 minutes by severity and service"):
        tables.show(summary_table(mttx["by_severity"]))
        tables.show(summary_table(mttx["by_service"]))

    st.subheader("Response targets and update cadence")
    # Full width, one under the other: in half a page the missed ids wrapped each row to five
    # lines and pushed met % out of sight. met % is over the incidents whose acknowledgement is
    # known; "ack unknown" are neither met nor missed.
    resp = pd.DataFrame([{"severity": s, "target": ack_target(v["target"]), "incidents": v["count"], "met": v["met"],
                          "missed": v["missed"],
                          "met %": (100 * v["met"] / (v["count"] - v["ack_unknown"])
                                    if v["count"] - v["ack_unknown"] else None),
                          "never acknowledged": v["never_acknowledged"], "ack unknown": v["ack_unknown"],
                          "missed ids": ", ".join(v["missed_ids"]),
                          "ack unknown ids": ", ".join(v["ack_unknown_ids"])}
                         for s, v in sorted(report["response"].items())])
    st.caption("Time to acknowledge against each severity's target")
    tables.show(resp, {"met %": tables.Col(digits=0)})
    cad = pd.DataFrame([{"severity": s, "every (min)": v["target_minutes"], "assessed": v["assessed"],
                         "compliant": v["compliant"], "gaps over target": v["gaps_over_target"],
                         "compliant %": 100 * v["compliant"] / v["assessed"] if v["assessed"] else None}
                        for s, v in sorted(report["cadence"].items())])
    st.caption("Stakeholder-update cadence (between detection and mitigation)")
    tables.show(cad, {"compliant %": tables.Col(digits=0)})

    st.subheader("Post-mortems and action items")
    left, right = st.columns(2)
    pm = pd.DataFrame([{"severity": s, **v} for s, v in sorted(report["postmortems"].items())])
    if not pm.empty:
        status = {name: [int(v) for v in pm[col]] for col, name in
                  (("on_time", "on time"), ("late", "late"), ("missing", "missing"), ("due", "due"))}
        static_chart.show(charts.stacked_bars(list(pm["severity"]), status, POSTMORTEM_COLORS,
                                              "Post-mortem status by severity", width=HALF, y_label="incidents"), left)
    late = pd.DataFrame(report["postmortems_not_compliant"])
    if not late.empty:
        right.caption("Post-mortems late or missing")
        tables.show(late[["id", "severity", "status", "hours_after_resolution"]],
                    {"hours_after_resolution": tables.Col("hours after resolution", digits=1)}, container=right)
    # Full width: an item's title and owner read on one or two lines, not eight in half a page.
    items = report["action_items"]
    st.metric("Overdue action items (now)", f"{items['overdue']} of {items['open']} open")
    open_items = pd.DataFrame(items.get("open_items") or items.get("items") or [])
    if not open_items.empty:
        tables.show(open_items, {"incident_id": tables.Col("incident"), "idx": tables.Col("item")})

    st.subheader("Recurrence")
    rec = report["recurrence"]
    left, right = st.columns(2)
    static_chart.show(weekday_hour(rows, tz), left)
    classes = pd.DataFrame(rec["frequency"])
    if not classes.empty:
        if service:
            classes = classes[classes["service"] == service]
        counts = classes.groupby("class").size()
        static_chart.show(charts.stacked_bars(list(counts.index), {"incidents": [int(v) for v in counts]},
                                              {"incidents": "#2166ac"}, "Frequency classes (PagerDuty-style)",
                                              width=HALF, y_label="incidents"), right)
    repeats = pd.DataFrame(rec["repeats"])
    if service and not repeats.empty:
        repeats = repeats[repeats["service"] == service]
    st.caption(f"Repeats: the same root cause on the same service within {rec['window_days']} days")
    if repeats.empty:
        st.write("No repeats in the period.")
    else:
        tables.show(repeats.assign(gap_days=repeats["gap_minutes"] / 1440).drop(columns=["gap_minutes"]),
                    {"gap_days": tables.Col(digits=1)})


if __name__ == "__main__":
    page()
