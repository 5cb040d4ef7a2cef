"""Opsgenie imports: Alert API ``GET /v2/alerts`` and Incident API ``GET /v1/incidents`` responses.

Both respond ``{"data": [...], "took", "requestId"}`` (plus ``paging`` for alerts; field names as
published in https://docs.opsgenie.com/docs/alert-api and https://docs.opsgenie.com/docs/incident-api).
A record with ``impactedServices`` or ``ownerTeam`` is read as an incident, any other as an alert.

Mapping: id ``og:<id>`` (the API's UUID; ``tinyId`` is recycled, so it cannot key
re-imports); title = ``message``; ``detected_at`` = ``createdAt``; ``acknowledged_at`` =
``createdAt`` + ``report.ackTime`` and ``resolved_at`` = ``createdAt`` + ``report.closeTime``
(both milliseconds; an alert is closed when it is resolved). Incidents: ``started_at`` =
``impactStartDate`` and ``mitigated_at`` = ``impactEndDate`` (the customer-impact window).

Acknowledgement: an alert with ``report.ackTime`` was acknowledged then; one with
``acknowledged: false`` and no ``ackTime`` never was. Anything else (``acknowledged: true``
without a time, and every Incident API record, whose list carries no acknowledgement) is
*unknown*: stored as such and never counted as a missed or met response target.

Service: the value of a ``service:<name>`` tag, else ``details.service``, else the alert's
``entity``; else the ``--service-map`` file (lookups by alias, tag, team, integration, source or
``impactedServices`` id; fields named by its ``from``; its ``default``); else an incident's first
``impactedServices`` id as it is. A record whose service did not come from its own service
fields is listed in ``no_service``; one with none at all is bad input. Team: a ``team:<name>``
tag, else ``ownerTeam``. Severity (section ``opsgenie``): ``priority`` P1 … P5, P3 when absent
(Opsgenie's own default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reliability.ingest.common import Record
from reliability.ingest.incidents import Incident
from reliability.ingest.vendors import base
from reliability.ingest.vendors.services import ServiceMap

VENDOR = "opsgenie"
PREFIX = "og:"
EXPECTED = "an Opsgenie GET /v2/alerts or GET /v1/incidents response {\"data\": [...]}"
DEFAULT_PRIORITY = "P3"
_INCIDENT_KEYS = ("impactedServices", "ownerTeam")


def parse(path: str | Path, opts: base.Options) -> base.Parsed:
    """The incidents of one saved Opsgenie alert or incident list response."""
    name, doc = base.load_document(path)
    return parse_doc(name, doc, opts)


def parse_doc(name: str, doc: Any, opts: base.Options) -> base.Parsed:
    """As :func:`parse`, for a response already read (``extract`` passes the pages it pulled)."""
    recs = base.records(name, doc, "data", EXPECTED)
    base.check_looks_like(recs, ("tinyId", "createdAt", "message"), "an Opsgenie alert or incident")
    built, skips = base.collect(recs, lambda r: _incident(r, opts), skip_invalid=opts.skip_invalid)
    kinds = {_kind(r) for r in recs}
    kind = "opsgenie-" + ("+".join(sorted(kinds)) if kinds else "alerts")
    warning = base.more_pages(doc)
    return base.Parsed(
        name, kind, tuple((r, inc) for r, (inc, _, _) in built), tuple(skips),
        warnings=(warning,) if warning else (),
        ack_unknown=frozenset(inc.id for _, (inc, unknown, _) in built if unknown),
        no_service=tuple(ns for _, (_, _, ns) in built if ns),
    )


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


def _teams(rec: Record, tags: tuple[str, ...] | None) -> list[str]:
    """Every team reference of a record: team tags, owner team, teams and team responders."""
    found = [v for t in tags or () if (v := _tagged((t,), "team"))]
    for path in ("ownerTeam", "ownerTeamId"):
        value = base.get(rec, path)
        if isinstance(value, str) and value.strip():
            found.append(value.strip())
    for key in ("teams", "responders"):
        for item in rec.fields.get(key) or []:
            if isinstance(item, dict) and (key == "teams" or item.get("type") == "team"):
                found += [str(item[k]) for k in ("id", "name") if isinstance(item.get(k), str) and item[k].strip()]
    return found


def _from_field(rec: Record, tags: tuple[str, ...] | None, spec: str) -> str | None:
    if spec.startswith("tag:"):
        return _tagged(tags, spec[4:].casefold())
    if spec.startswith("details:"):
        return base.text(rec, f"details.{spec[8:]}")
    if spec == "team":
        teams = _teams(rec, tags)
        return teams[0] if teams else None
    if spec == "integration":
        return base.text(rec, "integration.name")
    return base.text(rec, spec)  # alias, source


def _impacted(rec: Record) -> list[str]:
    raw = rec.fields.get("impactedServices")
    return [s.strip() for s in raw if isinstance(s, str) and s.strip()] if isinstance(raw, list) else []


def _service(rec: Record, tags: tuple[str, ...] | None, smap: ServiceMap) -> tuple[str, str | None]:
    """(service, where it came from when not from the record's own service fields)."""
    found = _tagged(tags, "service") or base.text(rec, "details.service") or base.text(rec, "entity")
    if found:
        return found, None
    lookups = {
        "alias": [v for v in [base.text(rec, "alias")] if v],
        "tag": list(tags or ()),
        "team": _teams(rec, tags),
        "integration": [v for v in [base.text(rec, "integration.name")] if v],
        "source": [v for v in [base.text(rec, "source")] if v],
        "service_id": _impacted(rec),
    }
    for table, values in lookups.items():
        service = smap.lookup(table, values)
        if service:
            return service, f"service map: {table}"
    for spec in smap.from_fields:
        service = _from_field(rec, tags, spec)
        if service:
            return service, f"service map: from {spec}"
    if lookups["service_id"]:
        return lookups["service_id"][0], "impactedServices id (no name: map it under service_id)"
    if smap.default:
        return smap.default, "service map: default"
    raise rec.bad(
        "no service: tag the alert 'service:<name>', set details.service or entity, or give a "
        "--service-map (by alias, tag, team, integration or source, or a default)", "tags"
    )


def _ack_unknown(rec: Record, acknowledged) -> bool:
    if acknowledged is not None:
        return False
    return _kind(rec) == "incidents" or base.flag(rec, "acknowledged") is not False


def _incident(rec: Record, opts: base.Options) -> tuple[Incident, bool, dict | None]:
    """The incident, whether its acknowledgement is unknown, and its no-service note."""
    smap = opts.smap
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
    service, origin = _service(rec, tags, opts.services)
    acknowledged = base.after(rec, created, "report.ackTime", "milliseconds")
    incident = base.build(
        rec,
        vendor=VENDOR,
        vendor_id=oid,
        incident_id=PREFIX + oid,
        service=service,
        severity=severity,
        title=base.text(rec, "message"),
        times={
            "started_at": (base.timestamp(rec, "impactStartDate"), "impactStartDate"),
            "detected_at": (created, "createdAt"),
            "acknowledged_at": (acknowledged, "report.ackTime"),
            "mitigated_at": (base.timestamp(rec, "impactEndDate"), "impactEndDate"),
            "resolved_at": (base.after(rec, created, "report.closeTime", "milliseconds"), "report.closeTime"),
        },
        team=_tagged(tags, "team") or base.text(rec, "ownerTeam"),
        tags=tags,
    )
    note = {"record": rec.record, "id": incident.id, "service": service, "from": origin} if origin else None
    return incident, _ack_unknown(rec, acknowledged), note
