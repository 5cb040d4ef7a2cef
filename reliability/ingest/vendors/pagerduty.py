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
``service.summary``, team = the first of ``teams[].summary``, title = ``title``. A resolved (or
acknowledged) incident with no acknowledgement and *no log entries in the file* has an
**unknown** acknowledgement (its list was emptied on resolution): it is stored as such and never
counted as a missed or met response target. An incident resolved by merging into another
(``resolve_reason.type: merge_resolve_reason``) is not an incident of its own: skipped.

Analytics mapping: timestamps without an offset are local times in the response's
``time_zone`` (else ``--tz``; without either they are ambiguous, hence bad input);
``detected_at`` = ``created_at``; ``acknowledged_at`` = ``created_at`` +
``seconds_to_first_ack``; ``resolved_at`` = ``created_at`` + ``seconds_to_resolve`` — the
durations are taken over ``resolved_at`` because they need no time zone; when the two disagree
by more than a second the file's summary warns — else ``resolved_at``; service =
``service_name``, team = ``team_name``, title = ``description``. A row with
``acknowledgement_count`` > 0 but no ``seconds_to_first_ack`` has an unknown acknowledgement.

Severity (``--severity-map``, section ``pagerduty``): the priority (``priority.summary`` or
``priority.name``; Analytics ``priority_name``) when there is one — taken first because P1 and
P2 incidents are "major" by PagerDuty's definition, so a P2 stays SEV-2 whichever API it came
from — else ``major: true`` → SEV-1, else the urgency (``urgency:high`` → SEV-2,
``urgency:low`` → SEV-3). The id is ``pd:<incident id>`` in both shapes, so importing the same
incident from REST and from Analytics replaces one row.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from reliability.errors import BadInput
from reliability.ingest.common import Record, iso
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


MERGED = "merge_resolve_reason"
# resolved_at and created_at + seconds_to_resolve may differ by rounding; more is a warning.
TOLERANCE = timedelta(seconds=1)


def parse(path: str | Path, opts: base.Options) -> base.Parsed:
    """The incidents of one saved PagerDuty response (REST v2 or Analytics, by shape)."""
    name, doc = base.load_document(path)
    return parse_doc(name, doc, opts)


def parse_doc(name: str, doc: Any, opts: base.Options) -> base.Parsed:
    """As :func:`parse`, for a response already read (``extract`` passes the pages it pulled)."""
    warnings: list[str] = []
    if isinstance(doc, dict) and "incidents" in doc:
        recs = base.records(name, doc, "incidents", EXPECTED)
        base.check_looks_like(recs, ("incident_number", "urgency", "service"), "a PagerDuty REST v2 incident")
        logs = _log_index(name, doc.get("log_entries"))
        built, skips = base.collect(recs, lambda r: _rest(r, logs, opts.smap), skip_invalid=opts.skip_invalid)
        kind = "pagerduty-rest"
    elif isinstance(doc, dict) and "data" in doc:
        recs = base.records(name, doc, "data", EXPECTED)
        base.check_looks_like(
            recs, ("seconds_to_resolve", "seconds_to_first_ack", "service_name", "priority_name"), "a PagerDuty Analytics raw incident"
        )
        zone = _analytics_zone(name, doc, opts.tz, warnings)
        built, skips = base.collect(recs, lambda r: _analytics(r, opts.smap, zone, warnings),
                                    skip_invalid=opts.skip_invalid)
        kind = "pagerduty-analytics"
    else:
        base.records(name, doc, "incidents", EXPECTED)  # raises: names what was found instead
        raise AssertionError("unreachable")
    more = base.more_pages(doc)
    return base.Parsed(
        name, kind, tuple((r, inc) for r, (inc, _) in built), tuple(skips),
        warnings=tuple(warnings) + ((more,) if more else ()),
        ack_unknown=frozenset(inc.id for _, (inc, unknown) in built if unknown),
    )


def _analytics_zone(name: str, doc: dict, tz: str | None, warnings: list[str]):
    """The zone of the response's naive timestamps: its ``time_zone``, else ``--tz``, else None."""
    given = doc.get("time_zone")
    if given is not None and (not isinstance(given, str) or not given.strip()):
        raise BadInput(f"expected an IANA time zone name, found {json.dumps(given)}", file=name, field="time_zone")
    if given:
        zone = base.zone(given.strip(), file=name, field="time_zone")
        if tz and base.zone(tz, field="--tz").key != zone.key:
            warnings.append(f"--tz {tz} ignored: the response says its times are in {given.strip()} (time_zone)")
        return zone
    return base.zone(tz, field="--tz") if tz else None


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


def _merged(rec: Record) -> bool:
    reason = rec.fields.get("resolve_reason")
    kind = reason.get("type") if isinstance(reason, dict) else reason
    return isinstance(kind, str) and kind.strip().casefold() in (MERGED, "merge")


def _rest(rec: Record, logs: dict[str, Entries], smap: SeverityMap) -> tuple[Incident, bool]:
    """The incident and whether its acknowledgement is unknown."""
    pid = base.text(rec, "id", required=True)
    if _merged(rec):
        into = base.get(rec, "resolve_reason.incident.id")
        raise base.Excluded(f"merged into incident {into}" if into else "resolved by a merge")
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
    # Without its log, a resolved incident's emptied acknowledgements list says nothing.
    unknown = acknowledged[0] is None and not entries and rec.fields.get("status") in ("resolved", "acknowledged")
    incident = base.build(
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
    return incident, unknown


def _analytics(rec: Record, smap: SeverityMap, zone, warnings: list[str]) -> tuple[Incident, bool]:
    """The incident and whether its acknowledgement is unknown; disagreements go to ``warnings``."""
    pid = base.text(rec, "id", required=True)
    try:
        created = base.timestamp(rec, "created_at", required=True, zone=zone)
    except BadInput as exc:
        if zone is None and "no time zone" in exc.message:
            exc.message += " (the response has no time_zone: give one with --tz)"
        raise
    stated = base.timestamp(rec, "resolved_at", zone=zone)
    by_duration = base.after(rec, created, "seconds_to_resolve", "seconds")
    resolved = (by_duration, "seconds_to_resolve") if by_duration is not None else (stated, "resolved_at")
    if by_duration is not None and stated is not None and abs(stated - by_duration) > TOLERANCE:
        warnings.append(
            f"record {rec.record} ({pid}): resolved_at ({iso(stated)}) disagrees with created_at + "
            f"seconds_to_resolve ({iso(by_duration)}); seconds_to_resolve used"
        )
    acknowledged = base.after(rec, created, "seconds_to_first_ack", "seconds")
    count = base.get(rec, "acknowledgement_count")
    unknown = acknowledged is None and isinstance(count, int) and not isinstance(count, bool) and count > 0
    incident = base.build(
        rec,
        vendor=VENDOR,
        vendor_id=pid,
        incident_id=PREFIX + pid,
        service=base.text(rec, "service_name", required=True),
        severity=_severity(rec, smap, "priority_name", "major"),
        title=base.text(rec, "description"),
        times={
            "detected_at": (created, "created_at"),
            "acknowledged_at": (acknowledged, "seconds_to_first_ack"),
            "resolved_at": resolved,
        },
        team=base.text(rec, "team_name"),
    )
    return incident, unknown
