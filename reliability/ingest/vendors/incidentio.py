"""incident.io imports: API v2 ``GET /v2/incidents`` responses.

``{"incidents": [IncidentV2...], "pagination_meta": {...}}`` with field names as published in
https://api-docs.incident.io/tag/Incidents-V2 (``id``, ``reference``, ``name``, ``severity``
``{name, rank}``, ``incident_status`` ``{category}``, ``mode``, ``created_at``,
``incident_timestamp_values``, ``custom_field_entries``, ``postmortem_document_url``).

Mapping: id ``iio:<reference>`` (``iio:INC-123``; the reference is what responders quote and
never changes), vendor_id = ``id``; title = ``name``. Lifecycle from the incident timestamps,
matched by name (case-insensitive, a trailing "at" optional): "Impact started at" →
``started_at``, "Reported at" → ``detected_at`` (else ``created_at``), "Accepted at" →
``acknowledged_at``, "Fixed at" → ``mitigated_at``, "Resolved at" → ``resolved_at``, "Closed
at" → ``closed_at``. Service and team from custom fields named "Affected services" /
"Affected service" / "Services" / "Service" and "Teams" / "Team" / "Owning team" (the first
value: catalog entry name, option value or text). Severity (section ``incidentio``): by
``severity.name``, else by ``rank:<severity.rank>``. Test and tutorial incidents (``mode``) and
declined, canceled or merged ones (``incident_status.category``) are not incidents of the
service and are skipped (counted as ``skipped``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reliability.ingest.common import Record
from reliability.ingest.incidents import Incident
from reliability.ingest.vendors import base
from reliability.ingest.vendors.severity import SeverityMap, normalise

VENDOR = "incidentio"
PREFIX = "iio:"
EXPECTED = "an incident.io GET /v2/incidents response {\"incidents\": [...], \"pagination_meta\": ...}"
SKIP_MODES = frozenset({"test", "tutorial"})
SKIP_CATEGORIES = frozenset({"declined", "canceled", "cancelled", "merged"})
TIMESTAMPS = {
    "impact started": "started_at",
    "reported": "detected_at",
    "accepted": "acknowledged_at",
    "fixed": "mitigated_at",
    "resolved": "resolved_at",
    "closed": "closed_at",
}
SERVICE_FIELDS = ("affected services", "affected service", "services", "service")
TEAM_FIELDS = ("teams", "team", "owning team", "owning teams")


def parse(path: str | Path, smap: SeverityMap) -> base.Parsed:
    """The incidents of one saved incident.io incidents list response."""
    name, doc = base.load_document(path)
    recs = base.records(name, doc, "incidents", EXPECTED)
    base.check_looks_like(recs, ("reference", "incident_status", "incident_timestamp_values"), "an incident.io IncidentV2")
    kept = [r for r in recs if not _skipped(r)]
    items = tuple((r, _incident(r, smap)) for r in kept)
    return base.Parsed(name, "incidentio-v2", items, skipped=len(recs) - len(kept))


def _skipped(rec: Record) -> bool:
    mode = base.get(rec, "mode")
    category = base.get(rec, "incident_status.category")
    return (isinstance(mode, str) and mode.casefold() in SKIP_MODES) or (
        isinstance(category, str) and category.casefold() in SKIP_CATEGORIES
    )


def _timestamp_name(raw: Any) -> str:
    text = normalise(raw) if isinstance(raw, str) else ""
    return text.removesuffix(" at")


def _times(rec: Record) -> base.Times:
    raw = rec.fields.get("incident_timestamp_values") or []
    if not isinstance(raw, list):
        raise rec.bad(f"expected a list, found a JSON {base.json_type(raw)}", "incident_timestamp_values")
    times: base.Times = {}
    for k, entry in enumerate(raw, start=1):
        label = f"incident_timestamp_values[{k}]"
        if not isinstance(entry, dict):
            raise rec.bad(f"expected an object, found a JSON {base.json_type(entry)}", label)
        field = TIMESTAMPS.get(_timestamp_name(base.get(entry, "incident_timestamp.name")))
        if field is None or field in times:
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
        raise rec.bad("severity is missing: the incident has no severity yet", "severity")
    name = base.text(rec, "severity.name")
    rank = base.get(rec, "severity.rank")
    sev = smap.lookup(VENDOR, name) or (smap.lookup(VENDOR, f"rank:{rank}") if rank is not None else None)
    if sev is None:
        key = name or f"rank:{rank}"
        raise rec.bad(
            f"unknown severity '{name}' (rank {rank}); {smap.hint(VENDOR, key)}", "severity.name"
        )
    return sev


def _incident(rec: Record, smap: SeverityMap) -> Incident:
    iid = base.text(rec, "id", required=True)
    reference = base.text(rec, "reference", required=True)
    created = base.timestamp(rec, "created_at", required=True)
    times = _times(rec)
    times.setdefault("detected_at", (created, "created_at"))
    service = _custom_value(rec, SERVICE_FIELDS)
    if service is None:
        raise rec.bad(
            "no service: expected a custom field 'Affected services' (or 'Service') with a value",
            "custom_field_entries",
        )
    return base.build(
        rec,
        vendor=VENDOR,
        vendor_id=iid,
        incident_id=PREFIX + reference,
        service=service,
        severity=_severity(rec, smap),
        title=base.text(rec, "name"),
        times=times,
        team=_custom_value(rec, TEAM_FIELDS),
        postmortem_url=base.text(rec, "postmortem_document_url"),
    )
