"""Stakeholder / status-page updates written from an incident's data at a point in time.

Kinds and their default time ``at`` (UTC):

- ``initial``: at ``detected_at``; status *Investigating*.
- ``progress``: at ``detected_at`` + one cadence interval (SEV-1 15 minutes, SEV-2 60, others
  60), but no later than ``resolved_at``; status *Investigating* before ``mitigated_at``,
  *Monitoring* from it, *Resolved* from ``resolved_at``.
- ``resolved``: at ``resolved_at`` (an unresolved incident, or an ``at`` before ``resolved_at``,
  is bad input: an update never announces what had not happened yet); status *Resolved*.

An update states only what was true at ``at``: the status then, the impact measured up to then,
and the recorded customer impact and cause only once the incident is resolved (they are written
with hindsight).

Impact so far is measured as in ``reliability impact`` over ``[start of impact, min(at, end of
impact))`` on the service's availability SLO (else its first ratio SLO): failed requests of all
requests, the affected share, and bad minutes. The next update is due ``at`` + the severity's
cadence (``reliability.incidents.targets.DEFAULT_CADENCE_MINUTES``: SEV-1 15 minutes, SEV-2 60);
other severities update when the situation changes. A resolved update promises the
post-mortem within 48 hours for SEV-1 and SEV-2 (``postmortems.DEFAULT_POSTMORTEM_HOURS``).
The text is plain (no markup): it goes to chat, e-mail or a status page as it is.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from reliability import slos
from reliability.analysis import impact
from reliability.incidents import postmortems, targets
from reliability.errors import BadInput
from reliability.reports import render
from reliability.reports.postmortem import load_incident

KINDS = ("initial", "progress", "resolved")
FALLBACK_CADENCE_MINUTES = 60.0


def _one_line(text) -> str:
    return " ".join(str(text or "").split())


def cadence_minutes(severity: str) -> float | None:
    """The update cadence of ``severity`` in minutes (None: no fixed cadence)."""
    return targets.DEFAULT_CADENCE_MINUTES.get(severity)


def default_at(incident: dict, kind: str) -> datetime:
    """When an update of ``kind`` is written by default (see the module docstring)."""
    if kind == "initial":
        return incident["detected_at"]
    if kind == "resolved":
        return incident["resolved_at"]
    at = incident["detected_at"] + timedelta(minutes=cadence_minutes(incident["severity"]) or FALLBACK_CADENCE_MINUTES)
    return min(at, incident["resolved_at"]) if incident.get("resolved_at") else at


def status_at(incident: dict, at: datetime) -> str:
    """``Investigating``, ``Monitoring`` (mitigated) or ``Resolved`` at instant ``at``."""
    if incident.get("resolved_at") and at >= incident["resolved_at"]:
        return "Resolved"
    if incident.get("mitigated_at") and at >= incident["mitigated_at"]:
        return "Monitoring"
    return "Investigating"


def _impact_so_far(con: duckdb.DuckDBPyConnection, incident: dict, at: datetime) -> dict | None:
    start = incident.get("started_at") or incident["detected_at"]
    end = incident.get("mitigated_at") or incident.get("resolved_at")
    end = at if end is None else min(end, at)
    ratio = [s for s in slos.load(con) if s.service == incident["service"] and s.indicator.kind == "ratio"]
    chosen = ([s for s in ratio if s.sli == "availability"] or ratio or [None])[0]
    if chosen is None or end <= start:
        return None
    row = impact.slo_impact(con, {"window_start": start, "window_end": end}, chosen)
    return row if row.get("total") else None


def compose(con: duckdb.DuckDBPyConnection, incident_id: str, kind: str, at: datetime | None = None) -> dict:
    """The update of ``kind`` for ``incident_id`` at ``at``: ``text`` plus the facts behind it."""
    if kind not in KINDS:
        raise BadInput(f"expected one of {', '.join(KINDS)}, got {kind!r}", field="--kind")
    inc = load_incident(con, incident_id)
    if kind == "resolved" and inc.get("resolved_at") is None:
        raise BadInput(f"{incident_id} is not resolved yet", field="--kind")
    at = at or default_at(inc, kind)
    if at < inc["detected_at"]:
        raise BadInput(f"{render.ts(at)} is before {incident_id} was detected ({render.ts(inc['detected_at'])})",
                       field="--at")
    if kind == "resolved" and at < inc["resolved_at"]:
        raise BadInput(f"{incident_id} was resolved at {render.ts(inc['resolved_at'])}: a resolved update cannot be "
                       f"posted at {render.ts(at)}, before it (write a progress update instead)", field="--at")
    status = "Resolved" if kind == "resolved" else status_at(inc, at)
    so_far = _impact_so_far(con, inc, at)
    cadence = cadence_minutes(inc["severity"])
    next_at = None if status == "Resolved" or cadence is None else at + timedelta(minutes=cadence)
    started = inc.get("started_at") or inc["detected_at"]
    title = _one_line(inc["title"]) or f"{inc['service']} incident"
    lines = [f"[{status}] {title} ({inc['id']}, {inc['severity']}, {inc['service']})",
             f"Posted {render.ts(at)}", ""]
    if status == "Investigating":
        lines.append(f"We are investigating a problem with {inc['service']} that began at {render.hm(started)}.")
    elif status == "Monitoring":
        lines.append(f"A fix was applied at {render.hm(inc['mitigated_at'])} and {inc['service']} has recovered; "
                     f"we are monitoring it.")
    else:
        lines.append(f"This incident is resolved as of {render.hm(inc['resolved_at'])}.")
    if so_far:
        lines.append(f"Impact {'so far' if status == 'Investigating' else 'in total'}: "
                     f"{render.num(so_far['failed'])} of {render.num(so_far['total'])} {inc['service']} requests "
                     f"failed ({render.pct(so_far['failed_share'], 2)} affected) over "
                     f"{render.minutes(so_far['window_minutes'])}, {render.num(so_far['bad_minutes'])} bad minutes.")
    else:
        lines.append("Impact: being assessed (no measurements for the window yet).")
    if inc.get("customer_impact") and status == "Resolved":
        lines.append(f"Customer impact: {_one_line(inc['customer_impact'])}")
    if kind == "resolved" and inc.get("root_cause"):
        lines.append(f"Cause: {_one_line(inc['root_cause'])}")
    lines.append("")
    if next_at is not None:
        lines.append(f"Next update by {render.hm(next_at)} (every {cadence:g} minutes for {inc['severity']}).")
    elif status == "Resolved":
        hours = postmortems.DEFAULT_POSTMORTEM_HOURS.get(inc["severity"])
        lines.append(f"A post-mortem will follow within {hours:g} hours." if hours else "No further updates are planned.")
    else:
        lines.append("Next update when the situation changes.")
    return {
        "incident": inc["id"], "kind": kind, "at": at, "status": status, "severity": inc["severity"],
        "service": inc["service"], "failed": so_far and so_far["failed"], "total": so_far and so_far["total"],
        "affected_share": so_far and so_far["failed_share"], "bad_minutes": so_far and so_far["bad_minutes"],
        "slo": so_far and so_far["slo"], "cadence_minutes": cadence, "next_update_at": next_at,
        "text": "\n".join(lines) + "\n",
    }
