"""incident.io imports: API v2 ``GET /v2/incidents`` responses.

``{"incidents": [IncidentV2...], "pagination_meta": {...}}`` with field names as published in
https://api-docs.incident.io/tag/Incidents-V2 (``id``, ``reference``, ``name``, ``severity``
``{name, rank}``, ``incident_status`` ``{category}``, ``mode``, ``created_at``,
``incident_timestamp_values``, ``custom_field_entries``, ``postmortem_document_url``).

Mapping: id ``iio:<reference>`` (``iio:INC-123``; the reference is what responders quote and
never changes), vendor_id = ``id``; title = ``name``. Lifecycle from the incident timestamps,
matched by name (case-insensitive, a trailing "at" optional):

- ``started_at`` = "Impact started at";
- ``detected_at`` = "Reported at", else the incident's ``reported_at``, else "Declared at",
  else ``created_at``;
- ``acknowledged_at`` = "Accepted at" (accepted out of triage), else "Declared at" (a
  responder declared it); with neither the acknowledgement is **unknown** (stored as such,
  never counted as a missed or met response target);
- ``mitigated_at`` = "Fixed at";
- ``resolved_at`` = "Resolved at", else "Closed at": incident.io's default lifecycle
  (Investigating → Fixing → Monitoring → Closed) has no "Resolved at", and "Closed at" is when
  the incident left its live statuses, so it closes the incident;
- ``closed_at`` = "Closed at".

Retrospective incidents (``mode: retrospective``) are declared after they were resolved, so
``created_at`` and "Declared at" say nothing about detection or response: ``detected_at`` =
"Reported at", else "Impact started at" (one of them is required), and the acknowledgement is
"Accepted at" or unknown.

Service and team from custom fields named "Affected services" / "Affected service" /
"Services" / "Service" and "Teams" / "Team" / "Owning team" / "Affected team" (the first value:
catalog entry name, option value or text); without a service field, a ``--service-map``
(``team`` table, ``default``) may name it, and such records are listed in ``no_service``.
Severity (section ``incidentio``): by ``severity.name``, else by ``rank:<severity.rank>``; an
incident with no severity is looked up as ``none`` (e.g. ``incidentio: {none: SEV-4}``) and,
unmapped, left out and listed with its reason (its response target cannot be known).

Left out as not incidents of the service, and listed: test and tutorial incidents (``mode``);
triage, declined, canceled and merged ones (``incident_status.category``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reliability.ingest.common import Record
from reliability.ingest.incidents import Incident
from reliability.ingest.vendors import base
from reliability.ingest.vendors.services import ServiceMap
from reliability.ingest.vendors.severity import SeverityMap, normalise

VENDOR = "incidentio"
PREFIX = "iio:"
EXPECTED = "an incident.io GET /v2/incidents response {\"incidents\": [...], \"pagination_meta\": ...}"
SKIP_MODES = frozenset({"test", "tutorial"})
SKIP_CATEGORIES = frozenset({"triage", "declined", "canceled", "cancelled", "merged"})
TIMESTAMPS = ("impact started", "reported", "declared", "accepted", "fixed", "resolved", "closed")
SERVICE_FIELDS = ("affected services", "affected service", "services", "service")
TEAM_FIELDS = ("teams", "team", "owning team", "owning teams", "affected team", "affected teams")
NO_SEVERITY = "none"  # the --severity-map key for an incident without a severity


def parse(path: str | Path, opts: base.Options) -> base.Parsed:
    """The incidents of one saved incident.io incidents list response."""
    name, doc = base.load_document(path)
    return parse_doc(name, doc, opts)


def parse_doc(name: str, doc: Any, opts: base.Options) -> base.Parsed:
    """As :func:`parse`, for a response already read (``extract`` passes the pages it pulled)."""
    recs = base.records(name, doc, "incidents", EXPECTED)
    base.check_looks_like(recs, ("reference", "incident_status", "incident_timestamp_values"), "an incident.io IncidentV2")
    built, skips = base.collect(recs, lambda r: _incident(r, opts.smap, opts.services), skip_invalid=opts.skip_invalid)
    more = base.more_pages(doc)
    return base.Parsed(
        name, "incidentio-v2", tuple((r, inc) for r, (inc, _, _) in built), tuple(skips),
        warnings=(more,) if more else (),
        ack_unknown=frozenset(inc.id for _, (inc, unknown, _) in built if unknown),
        no_service=tuple(ns for _, (_, _, ns) in built if ns),
    )


def _excluded(rec: Record) -> str | None:
    """Why a record is not an incident of the service (test, triage, ...), else None."""
    mode = base.get(rec, "mode")
    if isinstance(mode, str) and mode.casefold() in SKIP_MODES:
        return f"mode {mode}: not a real incident"
    category = base.get(rec, "incident_status.category")
    if isinstance(category, str) and category.casefold() in SKIP_CATEGORIES:
        return f"status category {category}: not an accepted incident"
    return None


def _timestamp_name(raw: Any) -> str:
    text = normalise(raw) if isinstance(raw, str) else ""
    return text.removesuffix(" at")


def _stamps(rec: Record) -> base.Times:
    """The known incident timestamps by name ("reported", "declared", ...), with their paths."""
    raw = rec.fields.get("incident_timestamp_values") or []
    if not isinstance(raw, list):
        raise rec.bad(f"expected a list, found a JSON {base.json_type(raw)}", "incident_timestamp_values")
    times: base.Times = {}
    for k, entry in enumerate(raw, start=1):
        label = f"incident_timestamp_values[{k}]"
        if not isinstance(entry, dict):
            raise rec.bad(f"expected an object, found a JSON {base.json_type(entry)}", label)
        field = _timestamp_name(base.get(entry, "incident_timestamp.name"))
        if field not in TIMESTAMPS or field in times:
            continue
        value = entry.get("value")
        path = f"{label}.value.value"
        at = base.timestamp(rec, path, value=value.get("value") if isinstance(value, dict) else value)
        if at is not None:
            times[field] = (at, path)
    return times


def _custom_value(rec: Record, names: tuple[str, ...]) -> str | None:
    raw = rec.fields.get("custom_field_entries") or []
    if not isinstance(raw, list):
        raise rec.bad(f"expected a list, found a JSON {base.json_type(raw)}", "custom_field_entries")
    for k, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict) or normalise(base.get(entry, "custom_field.name") or "") not in names:
            continue
        values = entry.get("values") or []
        if not isinstance(values, list):
            raise rec.bad(f"expected a list, found a JSON {base.json_type(values)}", f"custom_field_entries[{k}].values")
        for value in values:
            if not isinstance(value, dict):
                continue
            for path in ("value_catalog_entry.name", "value_option.value", "value_text"):
                found = base.get(value, path)
                if isinstance(found, str) and found.strip():
                    return found.strip()
    return None


def _severity(rec: Record, smap: SeverityMap) -> str:
    if not isinstance(rec.fields.get("severity"), dict):
        sev = smap.lookup(VENDOR, NO_SEVERITY)
        if sev is None:
            raise base.Excluded(
                "no severity: its response target cannot be known (map 'none' under incidentio in "
                "--severity-map to import such incidents)"
            )
        return sev
    name = base.text(rec, "severity.name")
    rank = base.get(rec, "severity.rank")
    sev = smap.lookup(VENDOR, name) or (smap.lookup(VENDOR, f"rank:{rank}") if rank is not None else None)
    if sev is None:
        key = name or f"rank:{rank}"
        raise rec.bad(
            f"unknown severity '{name}' (rank {rank}); {smap.hint(VENDOR, key)}", "severity.name"
        )
    return sev


def _lifecycle(rec: Record, stamps: base.Times) -> tuple[base.Times, bool]:
    """The contract's times from the incident timestamps, and whether the acknowledgement is
    unknown (see the module docstring)."""
    def stamp(name: str) -> tuple | None:
        return stamps.get(name)

    retrospective = str(base.get(rec, "mode") or "").casefold() == "retrospective"
    times: base.Times = {}
    for name, field in (("impact started", "started_at"), ("fixed", "mitigated_at"), ("closed", "closed_at")):
        if stamp(name):
            times[field] = stamp(name)
    resolved = stamp("resolved") or stamp("closed")
    if resolved:
        times["resolved_at"] = resolved
    if retrospective:
        detected = stamp("reported") or stamp("impact started")
        if detected is None:
            raise rec.bad("a retrospective incident needs a 'Reported at' or 'Impact started at' timestamp "
                          "(its created_at is when it was written up)", "incident_timestamp_values")
        times["detected_at"] = detected
        ack = stamp("accepted")
    else:
        top = base.timestamp(rec, "reported_at")
        detected = (stamp("reported") or ((top, "reported_at") if top else None) or stamp("declared")
                    or (base.timestamp(rec, "created_at", required=True), "created_at"))
        times["detected_at"] = detected
        ack = stamp("accepted") or stamp("declared")
    if ack:
        times["acknowledged_at"] = ack
    return times, ack is None


def _incident(rec: Record, smap: SeverityMap, services: ServiceMap) -> tuple[Incident, bool, dict | None]:
    """The incident, whether its acknowledgement is unknown, and its no-service note."""
    iid = base.text(rec, "id", required=True)
    reference = base.text(rec, "reference", required=True)
    reason = _excluded(rec)
    if reason:
        raise base.Excluded(reason)
    base.timestamp(rec, "created_at", required=True)
    severity = _severity(rec, smap)
    times, ack_unknown = _lifecycle(rec, _stamps(rec))
    team = _custom_value(rec, TEAM_FIELDS)
    service, origin = _custom_value(rec, SERVICE_FIELDS), None
    if service is None:
        service = services.lookup("team", [team] if team else [])
        origin = "service map: team" if service else None
    if service is None and services.default:
        service, origin = services.default, "service map: default"
    if service is None:
        raise rec.bad(
            "no service: expected a custom field 'Affected services' (or 'Service') with a value, "
            "or a --service-map (team table or default)",
            "custom_field_entries",
        )
    incident = base.build(
        rec,
        vendor=VENDOR,
        vendor_id=iid,
        incident_id=PREFIX + reference,
        service=service,
        severity=severity,
        title=base.text(rec, "name"),
        times=times,
        team=team,
        postmortem_url=base.text(rec, "postmortem_document_url"),
    )
    note = {"record": rec.record, "id": incident.id, "service": service, "from": origin} if origin else None
    return incident, ack_unknown, note
