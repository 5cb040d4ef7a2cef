"""Post-mortem drafts: the playbook's sections, with every number computed from the store.

:func:`gather` collects the incident (``queries/reports.sql``), its SLA impact
(:func:`reliability.analysis.impact.incident_impact`: failed requests of all requests in the
window, bad minutes, share of the month's error budget), the month's SLA per SLO of its service
(:func:`reliability.analysis.sla.compute`: does it still hold, and by how many percentage
points), the timeline (the incident's timestamps merged with its stored updates), its action
items and related incidents (:func:`reliability.incidents.recurrence.report`). Root cause
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
from reliability.analysis import impact, sla, timeline
from reliability.incidents import recurrence
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


DEPLOY_HOURS = 6  # deployments of the service this long before the impact started are listed


def _timeline(incident: dict, pages: list[dict] | None = None, deployments: list[dict] | None = None) -> list[dict]:
    """Milestones, stored updates, the replay's first page per SLO and deployments, in time
    order. Each milestone appears once: a status update recorded at a milestone's instant
    (e.g. "Resolved." at ``resolved_at``) is that milestone's text, not a second row."""
    updates = list(incident["updates"])
    events = []
    for key, label in MILESTONES:
        at = incident.get(key)
        if at is None:
            continue
        same = [u for u in updates if u["at"] == at and ((u["kind"] or "note") == "status"
                                                         or (u["body"] or "").startswith(label))]
        for u in same:
            updates.remove(u)
        text = label
        for u in same:
            body = (u["body"] or "").strip()
            if body.rstrip(".") == label:
                continue
            text = body if body.startswith(label) else f"{text}: {body}"
        events.append({"at": at, "kind": "milestone", "text": text})
    events += [{"at": u["at"], "kind": u["kind"] or "note", "text": u["body"]} for u in updates]
    for p in pages or []:
        events.append({"at": p["at"], "kind": "alert (replay)",
                       "text": f"The {p['slo']} burn-rate alert would have paged"})
    for d in deployments or []:
        events.append({"at": d["deployed_at"], "kind": "deployment",
                       "text": f"Deployed {d['version'] or d['id']}{': ' + d['description'] if d['description'] else ''}"
                               f"{' (rolled back)' if d['rolled_back'] else ''}"})
    order = {"milestone": 0}
    return sorted(events, key=lambda e: (e["at"], order.get(e["kind"], 1)))


def _pages(con: duckdb.DuckDBPyConnection, incident: dict, doc_impact: dict) -> list[dict]:
    """Per SLO of the service, when the replayed multi-window burn-rate alert would first have
    paged during the incident's impact (``burn``'s replay), and how long after the impact
    started (minutes; negative: already paging). SLOs whose alert would not have paged: absent."""
    from reliability.analysis import burn

    start, end = doc_impact.get("window_start"), doc_impact.get("window_end")
    if start is None or end is None:
        return []
    out = []
    for slo in slos.load(con):
        if slo.service != incident["service"]:
            continue
        found = burn.analyse(con, slo, start, end + timedelta(hours=1))
        mine = next((i for i in found["incidents"] if i["id"] == incident["id"]), None)
        if mine and mine.get("first_page_at") is not None:
            out.append({"slo": slo.name, "at": mine["first_page_at"], "delay_minutes": mine["page_delay_minutes"]})
    return sorted(out, key=lambda p: p["at"])


def _deployments(con: duckdb.DuckDBPyConnection, incident: dict, doc_impact: dict) -> list[dict]:
    start = doc_impact.get("window_start") or incident.get("started_at") or incident["detected_at"]
    end = doc_impact.get("window_end") or incident["detected_at"]
    return store.rows(con, "reports.deployments_before", {
        "service": incident["service"], "start": start - timedelta(hours=DEPLOY_HOURS), "end": end})


def bad_word(sli: str) -> str:
    """How a bad event of the SLI reads: a latency SLI's bad requests were slow, not failed."""
    name = sli.lower()
    return "slow" if any(w in name for w in ("latency", "slow", "duration", "response-time", "speed")) else "failed"


def bad_verb(sli: str) -> str:
    """``failed`` or ``were slow``: what the bad requests of the SLI did."""
    return "were slow" if bad_word(sli) == "slow" else "failed"


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
    pages = _pages(con, incident, doc_impact)
    deployments = _deployments(con, incident, doc_impact)
    sli_of = {s.name: s.sli for s in slos.load(con)}
    supported = [i | {"bad_word": bad_word(sli_of.get(i["slo"], "")), "bad_verb": bad_verb(sli_of.get(i["slo"], ""))}
                 for i in impacts if i.get("supported")]
    return {
        "incident": incident,
        "impact": doc_impact,
        "impacts": supported,
        "sla": _sla_for(con, impacts),
        "pages": pages,
        "deployments": deployments,
        "deploy_hours": DEPLOY_HOURS,
        "timeline": _timeline(incident, pages, deployments),
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
