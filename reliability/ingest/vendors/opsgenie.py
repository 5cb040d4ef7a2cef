"""Opsgenie imports: Alert API ``GET /v2/alerts`` and Incident API ``GET /v1/incidents`` responses.

Both respond ``{"data": [...], "took", "requestId"}`` (field names as published in
https://docs.opsgenie.com/docs/alert-api and https://docs.opsgenie.com/docs/incident-api). A
record with ``impactedServices`` or ``ownerTeam`` is read as an incident, any other as an alert.

Mapping: id ``og:<id>`` (the API's UUID; ``tinyId`` is recycled, so it cannot key
re-imports); title = ``message``; ``detected_at`` = ``createdAt``; ``acknowledged_at`` =
``createdAt`` + ``report.ackTime`` and ``resolved_at`` = ``createdAt`` + ``report.closeTime``
(both milliseconds; an alert is closed when it is resolved). The Incident API list carries no
acknowledgement or resolution time, so incidents get one only when their record has a
``report`` too. Service: the value of a ``service:<name>`` tag, else ``details.service``, else
the alert's ``entity``, else the incident's first ``impactedServices``; team: a ``team:<name>``
tag, else ``ownerTeam``. Severity (section ``opsgenie``): ``priority`` P1 … P5, P3 when absent
(Opsgenie's own default).
"""

from __future__ import annotations

from pathlib import Path

from reliability.ingest.common import Record
from reliability.ingest.incidents import Incident
from reliability.ingest.vendors import base
from reliability.ingest.vendors.severity import SeverityMap

VENDOR = "opsgenie"
PREFIX = "og:"
EXPECTED = "an Opsgenie GET /v2/alerts or GET /v1/incidents response {\"data\": [...]}"
DEFAULT_PRIORITY = "P3"
_INCIDENT_KEYS = ("impactedServices", "ownerTeam")


def parse(path: str | Path, smap: SeverityMap) -> base.Parsed:
    """The incidents of one saved Opsgenie alert or incident list response."""
    name, doc = base.load_document(path)
    recs = base.records(name, doc, "data", EXPECTED)
    base.check_looks_like(recs, ("tinyId", "createdAt", "message"), "an Opsgenie alert or incident")
    items = tuple((r, _incident(r, smap)) for r in recs)
    kinds = {_kind(r) for r in recs}
    kind = "opsgenie-" + ("+".join(sorted(kinds)) if kinds else "alerts")
    return base.Parsed(name, kind, items)


def _kind(rec: Record) -> str:
    return "incidents" if any(k in rec.fields for k in _INCIDENT_KEYS) else "alerts"


def _tags(rec: Record) -> tuple[str, ...] | None:
    raw = rec.fields.get("tags")
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
        raise rec.bad(f"expected a list of strings, found a JSON {base.json_type(raw)}", "tags")
    return tuple(t.strip() for t in raw if t.strip())


def _tagged(tags: tuple[str, ...] | None, key: str) -> str | None:
    for tag in tags or ():
        head, sep, value = tag.partition(":")
        if sep and head.strip().casefold() == key and value.strip():
            return value.strip()
    return None


def _service(rec: Record, tags: tuple[str, ...] | None) -> str:
    found = _tagged(tags, "service") or base.text(rec, "details.service") or base.text(rec, "entity")
    if found:
        return found
    impacted = rec.fields.get("impactedServices")
    if isinstance(impacted, list) and impacted and isinstance(impacted[0], str) and impacted[0].strip():
        return impacted[0].strip()
    raise rec.bad(
        "no service: tag the alert 'service:<name>' (or set details.service or entity)", "tags"
    )


def _incident(rec: Record, smap: SeverityMap) -> Incident:
    oid = base.text(rec, "id", required=True)
    tags = _tags(rec)
    created = base.timestamp(rec, "createdAt", required=True)
    priority = base.text(rec, "priority") or DEFAULT_PRIORITY
    severity = smap.lookup(VENDOR, priority)
    if severity is None:
        raise rec.bad(f"unknown priority '{priority}'; {smap.hint(VENDOR, priority)}", "priority")
    report = rec.fields.get("report")
    if report is not None and not isinstance(report, dict):
        raise rec.bad(f"expected an object, found a JSON {base.json_type(report)}", "report")
    return base.build(
        rec,
        vendor=VENDOR,
        vendor_id=oid,
        incident_id=PREFIX + oid,
        service=_service(rec, tags),
        severity=severity,
        title=base.text(rec, "message"),
        times={
            "detected_at": (created, "createdAt"),
            "acknowledged_at": (base.after(rec, created, "report.ackTime", "milliseconds"), "report.ackTime"),
            "resolved_at": (base.after(rec, created, "report.closeTime", "milliseconds"), "report.closeTime"),
        },
        team=_tagged(tags, "team") or base.text(rec, "ownerTeam"),
        tags=tags,
    )
