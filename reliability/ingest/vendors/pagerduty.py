"""PagerDuty imports: REST API v2 incidents with their log entries, and Analytics raw incidents.

Two saved response shapes, told apart by their top-level key (field names as published in the
PagerDuty API reference, https://developer.pagerduty.com/api-reference/):

* **REST API v2** ``GET /incidents`` — ``{"incidents": [...], "limit", "offset", "more"}`` — with
  each incident's log entries (``GET /incidents/{id}/log_entries`` → ``{"log_entries": [...]}``)
  in any of three places: embedded in the incident as ``log_entries`` (a list); a top-level
  ``log_entries`` object keyed by incident id whose values are the list or the whole response;
  or a top-level ``log_entries`` list (``GET /log_entries``) whose entries name ``incident.id``.
* **Analytics** ``POST /analytics/raw/incidents`` — ``{"data": [...]}`` — one enriched row per
  incident with ``seconds_to_first_ack``, ``seconds_to_resolve``, ``priority_name``, ``major``.

REST mapping: ``detected_at`` = the earliest ``trigger_log_entry`` (else ``created_at``);
``acknowledged_at`` = the earliest ``acknowledge_log_entry`` — an incident's
``acknowledgements`` list is emptied once it is resolved, so the log is the only record (used
as a fallback for open incidents); ``resolved_at`` = the earliest ``resolve_log_entry``, else
the incident's ``resolved_at``, else ``last_status_change_at`` of a resolved incident. Service =
``service.summary``, team = the first of ``teams[].summary``, title = ``title``.

Analytics mapping: ``detected_at`` = ``created_at``; ``acknowledged_at`` = ``created_at`` +
``seconds_to_first_ack``; ``resolved_at`` = ``resolved_at``, else ``created_at`` +
``seconds_to_resolve``; service = ``service_name``, team = ``team_name``, title =
``description``.

Severity (``--severity-map``, section ``pagerduty``): the priority (``priority.summary`` or
``priority.name``; Analytics ``priority_name``) when there is one — taken first because P1 and
P2 incidents are "major" by PagerDuty's definition, so a P2 stays SEV-2 whichever API it came
from — else ``major: true`` → SEV-1, else the urgency (``urgency:high`` → SEV-2,
``urgency:low`` → SEV-3). The id is ``pd:<incident id>`` in both shapes, so importing the same
incident from REST and from Analytics replaces one row.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from reliability.errors import BadInput
from reliability.ingest.common import Record
from reliability.ingest.incidents import Incident
from reliability.ingest.vendors import base
from reliability.ingest.vendors.severity import SeverityMap

VENDOR = "pagerduty"
PREFIX = "pd:"
EXPECTED = (
    "a PagerDuty REST API v2 GET /incidents response {\"incidents\": [...]} or an Analytics "
    "POST /analytics/raw/incidents response {\"data\": [...]}"
)
TRIGGER, ACK, RESOLVE = "trigger_log_entry", "acknowledge_log_entry", "resolve_log_entry"

Entries = list[tuple[str, Any]]  # (field path for messages, log entry)


def parse(path: str | Path, smap: SeverityMap) -> base.Parsed:
    """The incidents of one saved PagerDuty response (REST v2 or Analytics, by shape)."""
    name, doc = base.load_document(path)
    if isinstance(doc, dict) and "incidents" in doc:
        recs = base.records(name, doc, "incidents", EXPECTED)
        base.check_looks_like(recs, ("incident_number", "urgency", "service"), "a PagerDuty REST v2 incident")
        logs = _log_index(name, doc.get("log_entries"))
        items = tuple((r, _rest(r, logs, smap)) for r in recs)
        return base.Parsed(name, "pagerduty-rest", items)
    if isinstance(doc, dict) and "data" in doc:
        recs = base.records(name, doc, "data", EXPECTED)
        base.check_looks_like(
            recs, ("seconds_to_resolve", "seconds_to_first_ack", "service_name", "priority_name"), "a PagerDuty Analytics raw incident"
        )
        return base.Parsed(name, "pagerduty-analytics", tuple((r, _analytics(r, smap)) for r in recs))
    base.records(name, doc, "incidents", EXPECTED)  # raises: names what was found instead
    raise AssertionError("unreachable")


def _log_index(name: str, raw: Any) -> dict[str, Entries]:
    """Top-level log entries by incident id (the keyed object or the account-wide list)."""
    index: dict[str, Entries] = {}
    if raw is None:
        return index
    if isinstance(raw, dict):
        for incident_id, value in raw.items():
            if isinstance(value, dict) and "log_entries" in value:
                value = value["log_entries"]
            label = f"log_entries.{incident_id}"
            if not isinstance(value, list):
                raise BadInput(f"expected a list of log entries, found a JSON {base.json_type(value)}", file=name, field=label)
            index[str(incident_id)] = [(f"{label}[{k}]", e) for k, e in enumerate(value, start=1)]
        return index
    if isinstance(raw, list):
        for k, entry in enumerate(raw, start=1):
            incident_id = base.get(entry, "incident.id") if isinstance(entry, dict) else None
            if not isinstance(incident_id, str):
                raise BadInput("a log entry without incident.id (needed to match it to its incident)", file=name, field=f"log_entries[{k}].incident.id")
            index.setdefault(incident_id, []).append((f"log_entries[{k}]", entry))
        return index
    raise BadInput(f"expected an object keyed by incident id or a list, found a JSON {base.json_type(raw)}", file=name, field="log_entries")


def _entries(rec: Record, incident_id: str, index: dict[str, Entries]) -> Entries:
    embedded = rec.fields.get("log_entries")
    if embedded is None:
        return index.get(incident_id, [])
    if isinstance(embedded, dict) and "log_entries" in embedded:
        embedded = embedded["log_entries"]
    if not isinstance(embedded, list):
        raise rec.bad(f"expected a list of log entries, found a JSON {base.json_type(embedded)}", "log_entries")
    return [(f"log_entries[{k}]", e) for k, e in enumerate(embedded, start=1)]


def _earliest(rec: Record, entries: Entries, kind: str) -> tuple[datetime | None, str]:
    """The earliest ``created_at`` among log entries of ``type`` kind (the API lists newest first)."""
    best: tuple[datetime | None, str] = (None, "")
    for label, entry in entries:
        if not isinstance(entry, dict):
            raise rec.bad(f"expected a log entry object, found a JSON {base.json_type(entry)}", label)
        if entry.get("type") != kind:
            continue
        path = f"{label}.created_at"
        at = base.timestamp(rec, path, required=True, value=entry.get("created_at"))
        if best[0] is None or at < best[0]:
            best = (at, path)
    return best


def _first_acknowledgement(rec: Record) -> tuple[datetime | None, str]:
    raw = rec.fields.get("acknowledgements") or []
    if not isinstance(raw, list):
        raise rec.bad(f"expected a list, found a JSON {base.json_type(raw)}", "acknowledgements")
    best: tuple[datetime | None, str] = (None, "")
    for k, ack in enumerate(raw, start=1):
        path = f"acknowledgements[{k}].at"
        at = base.timestamp(rec, path, required=True, value=base.get(ack, "at") if isinstance(ack, dict) else ack)
        if best[0] is None or at < best[0]:
            best = (at, path)
    return best


def _severity(rec: Record, smap: SeverityMap, priority_path: str, major_path: str | None) -> str:
    priority = base.text(rec, priority_path)
    if priority:
        sev = smap.lookup(VENDOR, priority)
        if sev is None:
            raise rec.bad(f"unknown priority '{priority}'; {smap.hint(VENDOR, priority)}", priority_path)
        return sev
    if major_path and base.flag(rec, major_path):
        sev = smap.lookup(VENDOR, "major")
        if sev is not None:
            return sev
    urgency = base.text(rec, "urgency")
    if urgency:
        sev = smap.lookup(VENDOR, f"urgency:{urgency}")
        if sev is None:
            raise rec.bad(f"unknown urgency '{urgency}'; {smap.hint(VENDOR, 'urgency:' + urgency)}", "urgency")
        return sev
    raise rec.bad("no priority and no urgency: nothing to take the severity from", priority_path)


def _team(rec: Record) -> str | None:
    teams = rec.fields.get("teams")
    summary = teams[0].get("summary") if isinstance(teams, list) and teams and isinstance(teams[0], dict) else None
    return summary.strip() if isinstance(summary, str) and summary.strip() else None


def _rest(rec: Record, logs: dict[str, Entries], smap: SeverityMap) -> Incident:
    pid = base.text(rec, "id", required=True)
    entries = _entries(rec, pid, logs)
    created = base.timestamp(rec, "created_at", required=True)
    detected = _earliest(rec, entries, TRIGGER)
    if detected[0] is None:
        detected = (created, "created_at")
    acknowledged = _earliest(rec, entries, ACK)
    if acknowledged[0] is None:
        acknowledged = _first_acknowledgement(rec)
    resolved = _earliest(rec, entries, RESOLVE)
    if resolved[0] is None:
        resolved = (base.timestamp(rec, "resolved_at"), "resolved_at")
    if resolved[0] is None and rec.fields.get("status") == "resolved":
        resolved = (base.timestamp(rec, "last_status_change_at"), "last_status_change_at")
    priority_path = "priority.name" if base.get(rec, "priority.summary") is None and base.get(rec, "priority.name") else "priority.summary"
    return base.build(
        rec,
        vendor=VENDOR,
        vendor_id=pid,
        incident_id=PREFIX + pid,
        service=base.text(rec, "service.summary", required=True),
        severity=_severity(rec, smap, priority_path, None),
        title=base.text(rec, "title") or base.text(rec, "summary"),
        times={"detected_at": detected, "acknowledged_at": acknowledged, "resolved_at": resolved},
        team=_team(rec),
    )


def _analytics(rec: Record, smap: SeverityMap) -> Incident:
    pid = base.text(rec, "id", required=True)
    created = base.timestamp(rec, "created_at", required=True)
    resolved = (base.timestamp(rec, "resolved_at"), "resolved_at")
    if resolved[0] is None:
        resolved = (base.after(rec, created, "seconds_to_resolve", "seconds"), "seconds_to_resolve")
    return base.build(
        rec,
        vendor=VENDOR,
        vendor_id=pid,
        incident_id=PREFIX + pid,
        service=base.text(rec, "service_name", required=True),
        severity=_severity(rec, smap, "priority_name", "major"),
        title=base.text(rec, "description"),
        times={
            "detected_at": (created, "created_at"),
            "acknowledged_at": (base.after(rec, created, "seconds_to_first_ack", "seconds"), "seconds_to_first_ack"),
            "resolved_at": resolved,
        },
        team=base.text(rec, "team_name"),
    )
