"""Audits: the error-budget policy's violations, the breach process, whether the SLIs and alerts
tell the truth, and backtests — the numbers of ``audit policy``, ``audit breaches``, ``audit
sli`` and ``backtest`` (docs/audits.md) for a range of months."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from reliability import charts_dist, charts_time, units
from reliability.app import audit_data, data, safe, static_chart, tables, widgets
from reliability.errors import BadInput

VARIANT_COLORS = ["#2166ac", "#b2182b", "#1b7837", "#762a83", "#e08214", "#35978f"]
VERDICT_COLOURS = {"violation": "#b2182b", "fix_during_freeze": "#2166ac", "exempted": "#1b7837",
                   "undetermined": "#969696", "allowed": "#d9d9d9"}
STATUS_MARKS = {"done": "✔ done", "missing": "✘ missing", "not_applicable": "– n/a"}


def _table(rows: list[dict], columns: list[str]) -> None:
    tables.show(pd.DataFrame(rows, columns=columns))


def _when(value) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def freeze_chart(freeze: dict, start, end) -> str:
    """Freezes (bars from the budget running out to its recovery) and the deployments judged
    against them (triangles coloured by verdict), per SLO; each with its tooltip."""
    shown = [j for j in freeze["judged"] if j["verdict"] != "allowed"]
    spans = [charts_time.Span(f["slo"], f["start"], f["end"], f"{f['slo']}: freeze {_when(f['start'])} to "
                              f"{_when(f['end'])}") for f in freeze["freezes"]]
    events = [charts_time.Event(j["slos"][0]["slo"] if j["slos"] else j["service"], j["deployed_at"], j["verdict"],
                                f"{j['id']} ({j['verdict'].replace('_', ' ')}) at {_when(j['deployed_at'])}: "
                                f"{j['description']}") for j in shown]
    rows = list(dict.fromkeys([s.row for s in spans] + [e.row for e in events]))
    return charts_time.timeline(rows, spans, events,
                                "Release freezes (trailing budget spent) and deployments judged against them",
                                start=start.to_pydatetime(), end=end.to_pydatetime(),
                                colors={k: v for k, v in VERDICT_COLOURS.items() if k != "allowed"},
                                labels={k: k.replace("_", " ") for k in VERDICT_COLOURS}, span_label="freeze",
                                x_label="UTC")


def policy_tab(doc: dict) -> None:
    pol, s = doc["policy"], doc["summary"]
    st.caption(f"Policy {safe.md(pol['name'])} ({pol['source']}): releases frozen while a trailing "
               f"{pol['release_freeze']['trailing_window']} budget is spent; incidents over "
               f"{units.percent(pol['incident_budget']['max_share'], 0)} of a month's budget need a post-mortem"
               + (f" and a {pol['incident_budget']['require_action_item_priority']} action item"
                  if pol["incident_budget"]["require_action_item_priority"] else "")
               + "; post-mortems within " + ", ".join(f"{k} {v:g} h" for k, v in pol["postmortems"]["within_hours"].items())
               + ". As of " + _when(doc["as_of"]) + ".")
    cols = st.columns(5)
    cols[0].metric("Violations", s["violations"])
    cols[1].metric("Deployed during a freeze", s["release_freeze"], help="Not a fix, not exempted")
    cols[2].metric("Over-budget incidents", s["incident_budget"],
                   help="Incidents over the policy's share of a month's budget without a post-mortem or the "
                        "required action item")
    cols[3].metric("Post-mortems late or missing", s["postmortem"])
    cols[4].metric("Exemptions applied", s["exemptions_applied"])
    if doc["violations"]:
        _table([{**{k: v[k] for k in ("rule", "subject", "service", "at", "slo", "detail")}} for v in doc["violations"]],
               ["rule", "subject", "service", "at", "slo", "detail"])
    else:
        st.success("No violation of the policy in this range.")
    freeze = doc["release_freeze"]
    if freeze["freezes"] or any(j["verdict"] != "allowed" for j in freeze["judged"]):
        static_chart.show(freeze_chart(freeze, pd.Timestamp(doc["start"]), pd.Timestamp(doc["end"])))
    others = [j for j in freeze["judged"] if j["verdict"] in ("fix_during_freeze", "exempted", "undetermined")]
    if others:
        st.subheader("Deployments during a freeze that were allowed, or have no verdict")
        _table([{"deployment": j["id"], "service": j["service"], "deployed at": j["deployed_at"], "verdict": j["verdict"],
                 "description": j["description"],
                 "trailing budget left": ", ".join(f"{c['slo']} {units.percent(c['remaining'])}" for c in j["slos"]),
                 "coverage": ", ".join(units.percent(c["data_coverage"]) for c in j["slos"])} for j in others],
               ["deployment", "service", "deployed at", "verdict", "description", "trailing budget left", "coverage"])
    used = [e for e in freeze["exemptions"] if e["lifted_deployments"]]
    if used:
        st.subheader("Exemptions applied")
        _table([{"exemption": e["id"], "kind": e["kind"], "reason": e["reason"],
                 "lifted the freeze for": ", ".join(e["lifted_deployments"])} for e in used],
               ["exemption", "kind", "reason", "lifted the freeze for"])
    over = doc["incident_budget"].get("over", [])
    if over:
        st.subheader(f"Incidents over {units.percent(doc['incident_budget']['max_share'], 0)} of a month's budget")
        _table([{"incident": i["id"], "service": i["service"], "severity": i["severity"],
                 "budget spent": units.percent(i["budget_spent"]), "post-mortem": _when(i["postmortem_published_at"]),
                 "required items": ", ".join(x["title"] for x in i["required_items"]) or "-", "status": i["status"]}
                for i in over],
               ["incident", "service", "severity", "budget spent", "post-mortem", "required items", "status"])


BREACH_STEPS = ["incident_declared", "root_cause", "postmortem", "customer_postmortem", "credits", "action_plan"]


def breach_tab(doc: dict) -> None:
    s = doc["summary"]
    cols = st.columns(4)
    cols[0].metric("Breached SLO-months", s["breaches"])
    cols[1].metric("Process complete", s["complete"])
    cols[2].metric("With steps missing", s["incomplete"], help="Breached SLO-months whose process misses a step")
    cols[3].metric("Insufficient data (not judged)", s["insufficient_data"])
    if not doc["breaches"]:
        st.success("No SLO breached in this range.")
    else:
        _table([{"slo": b["slo"], "month": b["month"], "attainment": units.percent(b["attainment"], 4),
                 **{k.replace("_", " "): STATUS_MARKS[b["steps"][k]["status"]] for k in BREACH_STEPS}}
                for b in doc["breaches"]],
               ["slo", "month", "attainment", *[k.replace("_", " ") for k in BREACH_STEPS]])
        st.subheader("Evidence")
        _table([{"slo": b["slo"], "month": b["month"], "step": k.replace("_", " "), "status": STATUS_MARKS[v["status"]],
                 "evidence": v["evidence"]} for b in doc["breaches"] for k, v in b["steps"].items()],
               ["slo", "month", "step", "status", "evidence"])
    contractual_section(doc["contractual"])


def contractual_section(part: dict) -> None:
    """The contractual breaches (customer contracts), the same steps with the post-mortem shared
    with the customer applying."""
    s = part["summary"]
    st.subheader("Contractual breaches")
    cols = st.columns(3)
    cols[0].metric("Contractual breaches", s["breaches"])
    cols[1].metric("Contractual process complete", s["complete"])
    cols[2].metric("Contractual, with steps missing", s["incomplete"])
    if not part["breaches"]:
        st.success("No customer contract breached in this range.")
        return
    _table([{"contract": b["contract"], "customer": b["customer"], "month": b["month"], "slo": b["slo"],
             "attainment": units.percent(b["attainment"], 4), "sla level": units.percent(b["sla_level"], 4),
             **{k.replace("_", " "): STATUS_MARKS[b["steps"][k]["status"]] for k in BREACH_STEPS}}
            for b in part["breaches"]],
           ["contract", "customer", "month", "slo", "attainment", "sla level",
            *[k.replace("_", " ") for k in BREACH_STEPS]])
    _table([{"contract": b["contract"], "month": b["month"], "step": k.replace("_", " "), "status": STATUS_MARKS[v["status"]],
             "evidence": v["evidence"]} for b in part["breaches"] for k, v in b["steps"].items()],
           ["contract", "month", "step", "status", "evidence"])


def delay_chart(doc: dict) -> str:
    """Page delay of every paged incident and detection delay of those detected by other means."""
    paged = [charts_dist.Point(i["page_delay_minutes"], f"{s['slo']} {i['id']}: paged after "
                               f"{units.duration(i['page_delay_minutes'])}")
             for s in doc["slos"] for i in s["paged_incidents"]]
    other = [charts_dist.Point(i["detection_delay_minutes"], f"{s['slo']} {i['id']}: detected after "
                               f"{units.duration(i['detection_delay_minutes'])}")
             for s in doc["slos"] for i in s["detected_by_other_means"]]
    groups = {"page delay": paged, "detection delay (other means)": other}
    return charts_dist.strip(list(groups), groups,
                             "Minutes from the start of impact to the first page, or to detection by other means",
                             y_label="minutes", colors={"page delay": "#2166ac",
                                                        "detection delay (other means)": "#b2182b"}, width=900,
                             height=300)


def sli_tab(doc: dict) -> None:
    s = doc["summary"]
    cols = st.columns(4)
    cols[0].metric("Blind spots", s["blind_spots"], help=f"Impact window burn rate at most {doc['blind_burn_rate']:g}")
    cols[1].metric("Incidents no SLO saw", s["incidents_no_slo_saw"])
    cols[2].metric("Silent burns", s["silent_burns"], help="Alert episodes overlapping no incident")
    cols[3].metric("Detected by other means", s["detected_by_other_means"], help="No SLO paged before detection")
    _table([{"slo": x["slo"], "incidents": x["incidents"], "blind spots": len(x["blind_spots"]),
             "silent burns": len(x["silent_burns"]), "pages": x["alerts"]["page"]["episodes"],
             "page precision": units.percent(x["alerts"]["page"]["precision"]),
             "page recall": units.percent(x["alerts"]["page"]["recall"]),
             "median page delay": units.duration(x["page_delay_minutes"]["median"]),
             "median detection delay": units.duration(x["detection_delay_minutes"]["median"])} for x in doc["slos"]],
           ["slo", "incidents", "blind spots", "silent burns", "pages", "page precision", "page recall",
            "median page delay", "median detection delay"])
    static_chart.show(delay_chart(doc))
    silent = [{"slo": x["slo"], **e} for x in doc["slos"] for e in x["silent_burns"]]
    st.subheader("Silent burns")
    if silent:
        _table([{"slo": e["slo"], "severity": e["severity"], "start": e["start"], "end": e["end"],
                 "duration": units.duration(e["duration_minutes"]), "peak burn rate": units.number(e["peak_burn_rate"], 2)}
                for e in silent], ["slo", "severity", "start", "end", "duration", "peak burn rate"])
    else:
        st.write("Every alert episode overlapped an incident.")
    blind = [{"slo": x["slo"], **b} for x in doc["slos"] for b in x["blind_spots"]]
    st.subheader("Blind spots")
    if blind:
        _table([{"slo": b["slo"], "incident": b["id"], "severity": b["severity"], "impact start": b["impact_start"],
                 "burn rate": units.number(b["burn_rate"], 3), "coverage": units.percent(b["data_coverage"])}
                for b in blind], ["slo", "incident", "severity", "impact start", "burn rate", "coverage"])
    else:
        st.write("Every incident's impact window burned budget on its SLOs.")


def backtest_tab(db: str, stamp: tuple, first: str, last: str) -> None:
    slos = data.slo_choices(db, stamp)  # a per-instance SLO by instance, as `backtest --slo ADDRESS`
    if not slos:
        return
    left, mid, right = st.columns(3)
    name = widgets.slo_picker(sorted(slos), left)
    current = slos[name]["target"]
    target = mid.number_input("Target (%)", min_value=50.0, max_value=99.9999, value=float(round(current * 100, 4)),
                              step=0.05, format="%.4f", key="bt_target")
    windows = right.text_input("Alert windows (optional)", placeholder="page:1h/5m:14.4, ticket:1d/2h:3",
                               key="bt_windows")
    try:
        from reliability.audits.backtest import parse_target

        goal = parse_target(f"{target:.4f}")
        wanted = tuple(w.strip() for w in windows.split(",") if w.strip())
        doc = audit_data.backtest(db, stamp, name, first, last, goal, wanted, None)
    except BadInput as exc:
        st.error(safe.md(str(exc)))  # it quotes what was typed
        return
    st.caption(f"Highest target met in every month with enough data: "
               f"**{units.percent(doc['highest_target_met_every_month'], 4)}** ({doc['months_judged']} months)")
    _table([{"variant": v["name"], "target": units.percent(v["target"], 4), "pages": v["pages"], "tickets": v["tickets"],
             "incidents": v["incidents"], "missed": v["incidents_missed"],
             "median page delay": units.duration(v["median_page_delay_minutes"]), "months met": v["months_met"],
             "breached": v["months_breached"], "insufficient data": v["months_insufficient_data"]}
            for v in doc["variants"]],
           ["variant", "target", "pages", "tickets", "incidents", "missed", "median page delay", "months met",
            "breached", "insufficient data"])
    months = list(dict.fromkeys(m["month"] for v in doc["variants"] for m in v["months"]))
    series = {}
    for v in doc["variants"]:
        left = {m["month"]: m["error_budget_remaining"] for m in v["months"]}
        series[v["name"]] = [None if left.get(m) is None else left[m] * 100 for m in months]
    colors = {name: VARIANT_COLORS[k % len(VARIANT_COLORS)] for k, name in enumerate(series)}
    static_chart.show(charts_dist.grouped_bars(months, series, colors, "Error budget left per month (%)",
                                               y_label="budget left % (none: insufficient data)",
                                               fmt=lambda v: f"{v:,.1f}"))


def page() -> None:
    st.title("Audits")
    db = data.db_path()
    stamp = data.stamp(db)
    months = data.months_with_data(db, stamp)
    if not months:
        st.info("No SLI data yet. Load the sample with `reliability demo` or ingest series.")
        return
    first, last = widgets.period_picker(months, span=1)
    as_of = audit_data.today()
    policy, breach, truth, back = st.tabs(["Error-budget policy", "Breach process", "SLIs and alerts", "Backtest"])
    with policy:
        policy_tab(audit_data.policy(db, stamp, first, last, as_of))
    with breach:
        breach_tab(audit_data.breaches(db, stamp, first, last, as_of))
    with truth:
        blind = st.number_input("Blind spot: impact window burn rate at most", min_value=0.0, value=1.0, step=0.5,
                                key="blind_burn_rate")
        sli_tab(audit_data.sli(db, stamp, first, last, float(blind)))
    with back:
        backtest_tab(db, stamp, first, last)


if __name__ == "__main__":
    page()
