"""The monthly SLA review: every number of the document, gathered from ``reliability.analysis``.

:func:`gather` returns a plain dict (the template context) and never writes; :func:`build`
renders it as HTML (interactive Plotly charts, plotly.js inline), Markdown (GFM tables) or PDF
(the HTML printed by headless Chromium). Units follow the analyses: ``bad``/``allowed_bad`` in
the SLO's budget units (minutes for 1-minute Timeslices, events for Occurrences), ratios as
ratios (rendered as percent), durations in minutes, instants in UTC.

- Fleet compliance = SLOs met / SLOs with a verdict (status ``met`` or ``breached``, each SLO's
  month in its own ``calendar.timeZone``). SLOs with ``insufficient_data`` are listed apart
  with their coverage and never counted as met; ``None`` when no SLO has a verdict.
- Credits owed: :func:`reliability.analysis.credits.owed` with the default tiers (the rule of
  ``credits``: only SLOs whose target is at least the highest tier's bound, 99.9 %; unknown
  for insufficient data).
- Budget status: :func:`reliability.analysis.budget.report` at the end of the month (or now).
- Incidents: those detected in the month (UTC) with their SLA impact (``impact``).
- Time metrics: means and medians of ``mttx`` (``timing.report``) for the month, the month
  before, and the quarter (three months) before the month.
- Recurring patterns: ``recurrence.report`` for incidents detected in the month.
- Overdue action items: open items due before the end of the month (or now, if earlier).
- By label: ``sla --group-by``'s roll-up for each label key (default team, tier and journey,
  those the SLOs carry): SLOs met / measured, insufficient data listed apart, Occurrences
  events-weighted and the others time-weighted.
- Definitions changed: the SLOs whose definition changed during the month, with both segments.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from reliability import periods, slos, store
from reliability.analysis import budget, categories, credits, impact, rollups, sla
from reliability.incidents import postmortems, recurrence, timing
from reliability.incidents import metrics as incident_rows
from reliability.reports import audit_section, render

METRICS = (("detect", "Time to detect"), ("acknowledge", "Time to acknowledge"),
           ("mitigate", "Time to mitigate"), ("resolve", "Time to resolve"))


def _slo_rows(con: duckdb.DuckDBPyConnection, month: str, now: datetime | None = None) -> list[dict]:
    rows = rollups.month_rows(con, month, now=now)  # = sla.compute, from the monthly rollups
    # The credit rule is credits.owed's, the same for `credits`, this report and the app.
    return [r.as_json() | {k: c[k] for k in ("covered", "credit_percent", "tier_below")}
            for r, c in zip(rows, credits.for_rows(rows))]


def _budgets(con: duckdb.DuckDBPyConnection, month: str, as_of: datetime) -> dict[str, dict]:
    from reliability import versions
    from reliability.analysis import segments

    history = versions.histories(con)
    sources = slos.datasources(con) if history else {}
    out = {}
    for slo in slos.load(con):
        if slo.group_by:  # per-instance SLOs: summarised apart (_instances), no budget each
            continue
        period = periods.month(month, sla.slo_zone(slo))
        at = min(as_of, period.end)
        if slo.name in history:  # the definition in force then, as `budget` uses
            slo, _note = segments.for_budget(slo, history[slo.name], period, at, sources)
        b = budget.load(con, slo, month, at)
        out[slo.name] = budget.report(b)
    return out


# The label keys the review rolls up by when the SLOs carry them (`report monthly --group-by`).
DEFAULT_GROUP_BY = ("team", "tier", "journey")

# The roll-up rule of `sla --group-by` (groups.RULE, the JSON's `rollup_rule`) in a reader's words:
# the review goes to people who do not read field names such as insufficient_data or allowed_bad.
BY_LABEL_RULE = (
    "How these roll-ups count: compliance is SLOs met / SLOs measured (met + breached); an SLO with "
    "insufficient data is neither met nor measured and is named under \u201cno verdict\u201d. Budgets are "
    "added within one budgeting method only: Occurrences weighted by events (attainment = good events / "
    "all events, budget left = 1 \u2212 bad events / allowed bad events), Timeslices and RatioTimeslices by "
    "time (budget left = 1 \u2212 bad minutes / allowed bad minutes). An SLO with several values of the "
    "label is in each of their groups. Each objective counts as one SLO, and each instance of a "
    "per-instance SLO (one per customer, say) as one SLO, so SLOs here are SLO instances (the fleet "
    "compliance of the executive summary counts the SLOs without grouping labels instead and summarises "
    "instances apart)"
)


def _by_label(con: duckdb.DuckDBPyConnection, rows: list[dict], keys: tuple[str, ...] | None) -> list[dict]:
    """The month's roll-ups by each label key (``sla --group-by``'s, from the same rows: each
    instance of a per-instance SLO counts as one SLO, with its definition's labels)."""
    from types import SimpleNamespace

    from reliability.analysis import groups

    labels = {s.name: s.labels for s in slos.load(con)}
    carried = {k for v in labels.values() for k, _ in v}
    wanted = [k for k in (keys if keys is not None else DEFAULT_GROUP_BY) if k in carried or k == "service"]
    items = [SimpleNamespace(**r, labels=labels.get(r["slo"].partition("{")[0], ())) for r in rows]
    return [{"key": key, "groups": groups.sla_groups(items, key), "rule": BY_LABEL_RULE} for key in wanted]


def _instances(rows: list[dict]) -> list[dict]:
    """Per definition with grouping labels: its instances' counts by status, the breached and
    insufficient-data instances by address, and the credits they owe (the rule of ``credits``)."""
    out: dict[str, dict] = {}
    for r in rows:
        d = out.setdefault(r["slo"].partition("{")[0], {"slo": r["slo"].partition("{")[0], "instances": 0, "met": 0,
                                                        "breached": [], "insufficient_data": [], "credits": []})
        d["instances"] += 1
        if r["status"] == "met":
            d["met"] += 1
        else:
            d[r["status"]].append(r["slo"])
        if r["credit_percent"]:
            d["credits"].append(r)
    return list(out.values())


def _composites(con: duckdb.DuckDBPyConnection, month: str, now: datetime) -> list[dict]:
    """Each composite SLO's month (:mod:`reliability.analysis.composite`)."""
    from reliability.analysis import composite

    return composite.month_rows(con, month, now=now)


def _timing(con: duckdb.DuckDBPyConnection, month: str) -> tuple[list[dict], dict]:
    prev = timing.shift_month(month, -1)
    spans = {"month": (month, month), "previous_month": (prev, prev),
             "previous_quarter": (timing.shift_month(month, -3), prev)}
    docs = {k: timing.report(con, a, b, "UTC")["overall"] for k, (a, b) in spans.items()}
    rows = [{"metric": "Incidents", "unit": "count", **{k: {"mean": d["count"], "median": None}
                                                         for k, d in docs.items()}}]
    for key, label in METRICS:
        rows.append({"metric": label, "unit": "minutes",
                     **{k: {"mean": d[key]["mean_minutes"], "median": d[key]["median_minutes"]}
                        for k, d in docs.items()}})
    return rows, {k: f"{a}" if a == b else f"{a} to {b}" for k, (a, b) in spans.items()}


TREND_MONTHS = 6  # the fleet compliance trend: this month and the five before
CAUSES = 3  # incidents named per breach


def _compliance(rows: list[dict]) -> dict:
    """Fleet compliance of one month's rows: SLOs met / SLOs with enough data."""
    found = Counter(categories.status(r) for r in rows)
    measured = found["met"] + found["breached"]
    return {"slos": len(rows), "measured": measured, "met": found["met"], "breached": found["breached"],
            "insufficient_data": found["insufficient_data"],
            "fleet_compliance": found["met"] / measured if measured else None}


def _trend(con: duckdb.DuckDBPyConnection, month: str, this: dict, now: datetime | None = None) -> list[dict]:
    """Fleet compliance month by month, oldest first, ending with ``month`` (from the rollups);
    each with its change against the month before in percentage points."""
    months = [timing.shift_month(month, -k) for k in range(TREND_MONTHS - 1, 0, -1)]
    plain = [s for s in slos.load(con) if not s.group_by]  # as this month's: SLOs without grouping
    out = [{"month": m, **_compliance([r.as_json() for r in rows])}
           for m, rows in rollups.monthly(con, months, selected=plain, now=now)]
    out.append({"month": month, **this})
    out = [t for t in out if t["measured"] or t["month"] == month]  # months before the data began: left out
    for before, t in zip([None, *out[:-1]], out):
        ok = before is not None and before["fleet_compliance"] is not None and t["fleet_compliance"] is not None
        t["change_points"] = (t["fleet_compliance"] - before["fleet_compliance"]) * 100 if ok else None
    return out


def _causes(impacts: list[dict], breach: dict, month: str) -> list[dict]:
    """The incidents that spent most of ``breach``'s error budget in its month, largest first."""
    found = []
    for inc in impacts:
        for i in inc["slos"]:
            if i.get("supported") and i["slo"] == breach["slo"] and i.get("month") == month and (i.get("budget_spent") or 0) > 0:
                found.append({"id": inc["id"], "title": inc["title"], "severity": inc["severity"],
                              "budget_spent": i["budget_spent"], "share_of_month_bad": i.get("share_of_month_bad"),
                              "bad": i.get("bad")})
    unique = {c["id"]: c for c in sorted(found, key=lambda c: c["budget_spent"])}
    return sorted(unique.values(), key=lambda c: -c["budget_spent"])[:CAUSES]


def gather(con: duckdb.DuckDBPyConnection, month: str, now: datetime | None = None,
           group_by: tuple[str, ...] | None = None) -> dict:
    """Every number of the monthly review of ``month`` (``YYYY-MM``); ``group_by``: the label
    keys to roll up by (default: those of team, tier and journey the SLOs carry)."""
    period = periods.month(month, "UTC")
    now = now or datetime.now(UTC)
    as_of = min(now, period.end)
    rows = _slo_rows(con, month, now)
    # Per-instance SLOs (one per customer: thousands, possibly) and composites are summarised
    # apart; fleet compliance stays over the SLOs without grouping.
    instance_rows = [r for r in rows if "{" in r["slo"]]
    rows = [r for r in rows if "{" not in r["slo"]]
    budgets = _budgets(con, month, now)
    for r in rows:
        b = budgets.get(r["slo"], {})
        r["budget_status"] = b.get("status")
        r["exhausted_at"] = b.get("exhausted_at")
    for r in rows:
        r["category"] = categories.category(r)
    judged = [r for r in rows if r["status"] != "insufficient_data"]
    breaches = [r for r in judged if r["status"] == "breached"]
    insufficient = [r for r in rows if r["status"] == "insufficient_data"]
    impacts = impact.month_impacts(con, month, "UTC")["incidents"]
    # An SLO's month in its zone can hold incidents detected at the end of the UTC month before.
    earlier = impact.month_impacts(con, timing.shift_month(month, -1), "UTC")["incidents"]
    for r in breaches:
        r["causes"] = _causes(earlier + impacts, r, month)
    severities = Counter(i["severity"] for i in impacts)
    rec = recurrence.report(con, month, month, "UTC")
    items = postmortems.action_items(con, as_of)
    timing_rows, timing_spans = _timing(con, month)
    # incidents whose acknowledgement is unknown: left out of time to acknowledge, never a miss
    ack_unknown = [r["id"] for r in incident_rows.detected_in(con, period.start, period.end) if r["ack_unknown"]]
    services = {}
    for r in rows:
        services.setdefault(r["service"], []).append(r)
    return {
        "month": period.label,
        "period_start": period.start,
        "period_end": period.end,
        "as_of": as_of,
        "min_coverage": sla.DEFAULT_MIN_COVERAGE,
        "summary": {
            "slos": len(rows),
            "measured": len(judged),
            "compliant": len(judged) - len(breaches),
            "fleet_compliance": (len(judged) - len(breaches)) / len(judged) if judged else None,
            "trend": _trend(con, month, _compliance(rows), now),
            "breaches": breaches,
            "insufficient_data": insufficient,
            "partial": [r for r in judged if r["partial"]],  # the insufficient ones are listed already
            "credits": [r for r in rows if r["credit_percent"]],
            "credits_unknown": [r for r in rows if r["covered"] and r["credit_percent"] is None],
            "budget_status": Counter(r["budget_status"] for r in rows if r["budget_status"]),
            "incidents": len(impacts),
            "by_severity": {s: severities.get(s, 0) for s in ("SEV-1", "SEV-2", "SEV-3", "SEV-4")},
            "ack_unknown": ack_unknown,
            "instances": _instances(instance_rows),
            "composites": _composites(con, month, now),
        },
        "services": [{"name": name, "slos": srows, "budgets": [budgets[r["slo"]] for r in srows
                                                               if r["slo"] in budgets]}
                     for name, srows in sorted(services.items())],
        "incidents": impacts,
        "timing": timing_rows,
        "timing_spans": timing_spans,
        "recurrence": {
            "repeats": rec["repeats"],
            "similar_titles": rec["similar_titles"],
            "not_anomalies": [f for f in rec["frequency"] if f["class"] != "Anomaly"],
            "window_days": rec["window_days"],
        },
        "action_items": {"as_of": items["as_of"], "overdue": items["overdue"],
                         "items": [i for i in items["open_items"] if i["overdue"]]},
        "audits": audit_section.gather(con, month, as_of),  # the "Audits" section (audits.*.j2)
        # Issue 17: roll-ups by label, and the SLOs whose definition changed during the month
        # (split at the change: docs/sla.md, "Definitions in force").
        "by_label": _by_label(con, rows + instance_rows, group_by),
        "definitions_changed": [r for r in rows if r.get("segments")],
    }


FLEET_BARS = 40  # the fleet chart shows the SLOs with the least budget left, at most this many


def _svg_charts(doc: dict) -> dict:
    """Static SVG charts (the default): budget left per SLO, and each service's burn-down."""
    from markupsafe import Markup

    from reliability import charts

    rows = sorted((r for s in doc["services"] for r in s["slos"]),
                  key=lambda r: (r["error_budget_remaining"] is None, r["error_budget_remaining"] or 0))[:FLEET_BARS]
    title = f"Error budget left at the end of {doc['month']}"
    if len(rows) < sum(len(s["slos"]) for s in doc["services"]):
        title += f" (the {len(rows)} SLOs with the least)"
    out = {"fleet": charts.hbars([r["slo"] for r in rows], [r["error_budget_remaining"] for r in rows],
                                 [charts.CATEGORY_COLORS[r["category"]] for r in rows], title)}
    for service in doc["services"]:
        series, x = {}, []
        for b in service["budgets"]:
            pts = b.get("points") or []
            if len(pts) > len(x):
                x = [p["at"] for p in pts]
            series[b["slo"]] = [None if p["remaining"] is None else p["remaining"] * 100 for p in pts]
        # The points are the local midnights of the SLOs' month: dated in their zone, so a Berlin
        # SLO's March starts on 03-01, not on 02-28 (23:00 UTC). Mixed zones stay in UTC.
        zones = {r.get("time_zone") or "UTC" for r in service["slos"]}
        zone = zones.pop() if len(zones) == 1 else "UTC"
        x = [t.astimezone(ZoneInfo(zone)) for t in x]
        # Keyed apart from "fleet", which is also a possible service name.
        out[("service", service["name"])] = charts.lines(
            x, series, f"{service['name']}: error budget left (%), daily ({zone})", zero_line=True) if x else ""
    return {k: Markup(f'<div class="svg-chart">{v}</div>' if v else "") for k, v in out.items()}


def _charts(doc: dict) -> dict:
    """Plotly figures (``--interactive``): budget remaining per SLO, and each service's burn-down."""
    import plotly.graph_objects as go

    charts = {}
    # Plotly reads a subset of HTML in text (<b>, <a href>): names from the store go in escaped.
    names = [escape(r["slo"]) for s in doc["services"] for r in s["slos"]]
    left = [r["error_budget_remaining"] for s in doc["services"] for r in s["slos"]]
    short = [r["status"] == "insufficient_data" for s in doc["services"] for r in s["slos"]]
    colors = ["#9e9e9e" if no_verdict else "#c62828" if (v is not None and v <= 0)  # grey: no verdict
              else "#ef6c00" if (v is not None and v < 0.25) else "#2e7d32" for v, no_verdict in zip(left, short)]
    fig = go.Figure(go.Bar(x=[None if v is None else v * 100 for v in left], y=names, orientation="h",
                           marker_color=colors))
    fig.update_layout(title=f"Error budget remaining at the end of {doc['month']} (%)", height=480,
                      margin=dict(l=200, r=20, t=50, b=40), yaxis=dict(autorange="reversed"))
    used: set[str] = set()
    charts["fleet"] = render.plotly_div(fig, render.chart_id("fleet", used))
    for service in doc["services"]:
        fig = go.Figure()
        for b in service["budgets"]:
            pts = b.get("points") or []
            fig.add_trace(go.Scatter(x=[p["at"].isoformat() for p in pts],
                                     y=[None if p["remaining"] is None else p["remaining"] * 100 for p in pts],
                                     mode="lines+markers", name=escape(b["slo"])))
        fig.add_hline(y=0, line_dash="dot", line_color="#c62828")
        fig.update_layout(title=f"{escape(service['name'])}: error budget remaining (%), daily", height=320,
                          margin=dict(l=50, r=20, t=50, b=40), legend=dict(orientation="h", y=-0.2))
        # Keyed apart from "fleet", which is also a possible service name.
        charts[("service", service["name"])] = render.plotly_div(fig, render.chart_id(service["name"], used))
    return charts


def build(con: duckdb.DuckDBPyConnection, month: str, out: str, now: datetime | None = None,
          interactive: bool = False, group_by: tuple[str, ...] | None = None) -> dict:
    """Compute the review of ``month`` and write it to ``out`` (format from the extension).

    HTML and PDF carry static SVG charts (a few hundred kB to mail); ``interactive`` draws
    them with Plotly instead (plotly.js inline, about 5 MB). Returns the gathered document.
    Nothing is written unless everything succeeded.
    """
    fmt = render.out_format(out)
    periods.parse_month(month)
    doc = gather(con, month, now, group_by)
    if fmt == "md":
        data = render.render("monthly.md.j2", doc=doc).encode()
    else:
        charts = _charts(doc) if interactive else _svg_charts(doc)
        html = render.render("monthly.html.j2", doc=doc, charts=charts,
                             plotly_js=render.plotly_js() if interactive else "")
        data = html.encode() if fmt == "html" else render.html_to_pdf(
            html, charts=len(charts) if interactive else 0, title=f"Monthly SLA review {doc['month']}")
    render.write_files({Path(out): data})
    return doc


def open_and_build(db, month: str, out: str, now: datetime | None = None, interactive: bool = False,
                   group_by: tuple[str, ...] | None = None) -> dict:
    """:func:`build` over a short-lived read-only connection to database ``db``."""
    render.out_format(out)
    periods.parse_month(month)
    with store.connect(db, read_only=True) as con:
        return build(con, month, out, now, interactive, group_by)
