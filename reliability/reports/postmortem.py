"""Post-mortem drafts: the playbook's sections, with every number computed from the store.

:func:`gather` collects the incident (``queries/reports.sql``), its SLA impact
(:func:`reliability.analysis.impact.incident_impact`: failed requests of all requests in the
window, bad minutes, share of the month's error budget), the month's SLA per SLO of its service
(:func:`reliability.analysis.sla.compute`: does it still hold, and by how many percentage
points), the timeline (the incident's timestamps merged with its stored updates), its action
items and related incidents (:func:`reliability.analysis.recurrence.report`). Root cause
details, what went well or poorly and lessons are placeholders for humans.

The supporting chart is an SVG written next to the Markdown (``NAME.impact.svg``): the share of
failed requests per slice of the service's availability SLI (else its first ratio SLO) from an
hour before the impact window to an hour after it, the window shaded and the SLO's error
allowance ``1 − target`` drawn as a line. The SVG has no script and every text is escaped.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape
from pathlib import Path

import duckdb

from reliability import slos, store
from reliability.analysis import impact, recurrence, sla, timeline
from reliability.errors import BadInput
from reliability.reports import render

MILESTONES = (("started_at", "Impact started"), ("detected_at", "Detected"),
              ("acknowledged_at", "Acknowledged"), ("mitigated_at", "Mitigated"),
              ("resolved_at", "Resolved"), ("postmortem_published_at", "Post-mortem published"),
              ("closed_at", "Closed"))



def load_incident(con: duckdb.DuckDBPyConnection, incident_id: str, field: str = "INC_ID") -> dict:
    """The incident's stored fields plus ``updates`` and ``action_items``; BadInput if unknown."""
    found = store.rows(con, "reports.incident", {"id": incident_id})
    if not found:
        raise BadInput(f"no incident with id {incident_id!r}", field=field)
    incident = found[0]
    incident["updates"] = store.rows(con, "reports.updates", {"id": incident_id})
    incident["action_items"] = store.rows(con, "reports.action_items", {"id": incident_id})
    incident["tags"] = list(incident.get("tags") or [])
    return incident


def _timeline(incident: dict) -> list[dict]:
    events = [{"at": incident[k], "kind": "milestone", "text": label}
              for k, label in MILESTONES if incident.get(k) is not None]
    events += [{"at": u["at"], "kind": u["kind"] or "note", "text": u["body"]} for u in incident["updates"]]
    order = {"milestone": 0}
    return sorted(events, key=lambda e: (e["at"], order.get(e["kind"], 1)))


def _sla_for(con: duckdb.DuckDBPyConnection, impacts: list[dict]) -> list[dict]:
    out = []
    for i in impacts:
        if not i.get("supported"):
            continue
        row = sla.compute(con, i["month"], i["slo"])[0]
        margin = None if row.attainment is None else row.attainment - row.target
        out.append({"slo": i["slo"], "month": i["month"], "target": row.target, "attainment": row.attainment,
                    # "holds" only with a verdict: a month without enough data holds nothing yet.
                    "holds": row.status == "met", "status": row.status, "data_coverage": row.data_coverage,
                    "partial": row.partial, "margin_points": None if margin is None else margin * 100,
                    "bad": row.bad, "allowed_bad": row.allowed_bad,
                    "error_budget_remaining": row.error_budget_remaining})
    return out


def _related(con: duckdb.DuckDBPyConnection, incident_id: str) -> tuple[list[dict], dict | None]:
    rec = recurrence.report(con, incident=incident_id)
    related = []
    for r in rec.get("related") or []:
        other = store.rows(con, "reports.incident", {"id": r["id"]})[0]
        reasons = []
        for reason in r["reasons"]:
            detail = reason.get("detail") or ", ".join(reason.get("tags") or []) or ""
            reasons.append(reason["reason"] + (f" ({detail})" if detail else ""))
        open_items = [a["title"] for a in store.rows(con, "reports.action_items", {"id": r["id"]}) if not a["done"]]
        related.append({**other, "reasons": reasons, "open_items": open_items})
    freq = next((f for f in rec["frequency"] if f["id"] == incident_id), None)
    return related, freq


def gather(con: duckdb.DuckDBPyConnection, incident_id: str) -> dict:
    """Everything the post-mortem draft of ``incident_id`` shows."""
    incident = load_incident(con, incident_id)
    doc_impact = impact.incident_impact(con, incident_id)
    impacts = doc_impact["slos"]
    related, freq = _related(con, incident_id)
    return {
        "incident": incident,
        "impact": doc_impact,
        "impacts": [i for i in impacts if i.get("supported")],
        "sla": _sla_for(con, impacts),
        "timeline": _timeline(incident),
        "related": related,
        "frequency": freq,
    }


def _chart_slo(con: duckdb.DuckDBPyConnection, service: str):
    ratio = [s for s in slos.load(con) if s.service == service and s.indicator.kind == "ratio"]
    preferred = [s for s in ratio if s.sli == "availability"]
    return (preferred or ratio or [None])[0]


def chart_svg(con: duckdb.DuckDBPyConnection, doc: dict, width: int = 760, height: int = 260) -> str | None:
    """The SVG chart of the failed share around the impact window (None without a window)."""
    imp = doc["impact"]
    slo = _chart_slo(con, imp["service"])
    if slo is None or imp.get("window_end") is None:
        return None
    start = timeline.align(imp["window_start"] - timedelta(hours=1), slo)
    end = imp["window_end"] + timedelta(hours=1)
    tl = timeline.load(con, slo, start, end)
    shares = [None if tl.events[k] == 0 else float(tl.failed[k] / tl.events[k]) for k in range(tl.n)]
    allowance = 1 - slo.objectives[0].target
    top = max([s for s in shares if s is not None] + [allowance * 2, 0.001]) * 1.1
    left, right, upper, lower = 60, 20, 30, 40
    pw, ph = width - left - right, height - upper - lower

    def x(k: float) -> float:
        return left + pw * k / max(tl.n, 1)

    def y(v: float) -> float:
        return upper + ph * (1 - v / top)

    ws, we = tl.index(imp["window_start"]), tl.index(imp["window_end"])
    points = " ".join(f"{x(k + 0.5):.1f},{y(s):.1f}" for k, s in enumerate(shares) if s is not None)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="18" font-size="13">{escape(imp["id"])}: failed requests per minute, '
        f'{escape(slo.service)} {escape(slo.sli)} (UTC)</text>',
        f'<rect x="{x(ws):.1f}" y="{upper}" width="{max(x(we) - x(ws), 1):.1f}" height="{ph}" fill="#ffcdd2"/>',
        f'<line x1="{left}" x2="{left + pw}" y1="{y(allowance):.1f}" y2="{y(allowance):.1f}" '
        f'stroke="#ef6c00" stroke-dasharray="4 3"/>',
        f'<text x="{left + pw - 4}" y="{y(allowance) - 4:.1f}" text-anchor="end" fill="#ef6c00">'
        f'allowed {allowance * 100:.2g}%</text>',
        f'<polyline fill="none" stroke="#c62828" stroke-width="1.5" points="{points}"/>',
        f'<line x1="{left}" x2="{left}" y1="{upper}" y2="{upper + ph}" stroke="#333"/>',
        f'<line x1="{left}" x2="{left + pw}" y1="{upper + ph}" y2="{upper + ph}" stroke="#333"/>',
    ]
    for frac in (0, 0.25, 0.5, 0.75, 1):
        v = top * frac
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v * 100:.1f}%</text>')
    step = max(1, tl.n // 6)
    for k in range(0, tl.n + 1, step):
        parts.append(f'<text x="{x(k):.1f}" y="{upper + ph + 16}" text-anchor="middle">'
                     f'{tl.time(k):%H:%M}</text>')
    parts.append("</svg>\n")
    return "\n".join(parts)


def build(con: duckdb.DuckDBPyConnection, incident_id: str, out: str) -> dict:
    """Write the draft to ``out`` (``.md``) and its chart next to it; returns the document."""
    render.out_format(out, (".md",))
    doc = gather(con, incident_id)
    path = Path(out)
    svg = chart_svg(con, doc)
    files = {}
    doc["chart"] = None
    if svg is not None:
        chart = path.with_name(f"{path.stem}.impact.svg")
        files[chart] = svg.encode()
        doc["chart"] = chart.name
    files[path] = render.render("postmortem.md.j2", doc=doc).encode()
    render.write_files(files)
    return doc
