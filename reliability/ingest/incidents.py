"""Incidents in: CSV or JSON records into ``incidents`` (+ ``incident_updates``, ``action_items``).

Fields: ``id, service, severity, title, started_at, detected_at, acknowledged_at, mitigated_at,
resolved_at, root_cause`` and optionally ``closed_at, postmortem_url, postmortem_published_at,
customer_impact, tags, team``. JSON records may also carry ``timeline`` (a list of
``{"at", "kind", "text"}``) and ``action_items`` (a list of ``{"title", "owner", "due",
"done"}``).

Re-ingesting an id replaces the incident's own fields. Its timeline and action items change
only where the record carries those lists, and then only the entries an incident record gave
before: what ``ingest updates`` and ``ingest action-items`` stored for it is kept (a CSV, which
has no timeline column, never deletes a timeline), so re-ingesting a file changes nothing.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from reliability import store
from reliability.ingest import common
from reliability.ingest.common import Record, iso

REQUIRED = ("id", "service", "severity", "detected_at")
# The order the lifecycle timestamps must respect where present.
LIFECYCLE = ("started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at", "closed_at")
SEVERITIES = ("SEV-1", "SEV-2", "SEV-3", "SEV-4")
_TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class Update:
    at: datetime
    kind: str | None
    body: str | None


@dataclass(frozen=True)
class ActionItem:
    title: str | None
    owner: str | None
    due: datetime | None
    done: bool | None


@dataclass(frozen=True)
class Incident:
    id: str
    service: str
    severity: str
    title: str | None
    times: dict[str, datetime | None]  # LIFECYCLE field -> UTC instant or None
    root_cause: str | None
    postmortem_url: str | None
    postmortem_published_at: datetime | None
    customer_impact: str | None
    tags: tuple[str, ...] | None
    updates: tuple[Update, ...]
    action_items: tuple[ActionItem, ...]
    source: str
    team: str | None = None  # optional field ``team`` (issue 5: metrics by team)
    vendor: str | None = None  # set by the vendor importers (pagerduty, opsgenie, incidentio)
    vendor_id: str | None = None
    # Whether the record carried a ``timeline`` / ``action_items`` list at all (an absent list
    # leaves the stored one alone; a present one, even empty, replaces what a record gave before).
    has_timeline: bool = False
    has_action_items: bool = False


def ingest_incidents(
    con: duckdb.DuckDBPyConnection, paths: list[str | Path], severity_map: str | Path | None = None
) -> list[dict]:
    """Validate every file, then replace/insert all their incidents; one summary per file.

    With ``severity_map`` (a ``--severity-map`` file), a severity that is not SEV-N is looked
    up in its ``generic`` section (or its flat entries) before validation.
    """
    translate = _severity_translator(severity_map)
    per_file = []
    seen: dict[str, Record] = {}
    for path in paths:
        records = common.read_records(path, REQUIRED)
        incidents = [parse_incident(translate(r)) for r in records]
        common.check_unique(records, "id", seen)
        per_file.append((common.display(path), incidents))
    _write(con, [i for _, items in per_file for i in items])
    return [summary(name, items) for name, items in per_file]


def _severity_translator(path: str | Path | None):
    if path is None:
        return lambda rec: rec
    from reliability.ingest.vendors.severity import load_map

    smap = load_map(path)

    def translate(rec: Record) -> Record:
        raw = rec.fields.get("severity")
        mapped = smap.lookup("generic", raw) if isinstance(raw, str) and raw.strip() else None
        if mapped is None:
            return rec
        return Record(rec.file, {**rec.fields, "severity": mapped}, row=rec.row, record=rec.record)

    return translate


def ingest_incident_records(
    con: duckdb.DuckDBPyConnection, records: list[dict], source_name: str
) -> dict:
    """Validate and upsert incident dicts (the JSON shape); "record N" names a bad one."""
    recs = common.records_from_dicts(records, source_name)
    incidents = [parse_incident(r) for r in recs]
    common.check_unique(recs, "id", {})
    _write(con, incidents)
    return summary(source_name, incidents)


def summary(name: str, items: list[Incident]) -> dict:
    """Per-file counts and the detection span (ISO UTC), as ``ingest --json`` prints them."""
    detected = [i.times["detected_at"] for i in items]
    return {
        "file": name,
        "incidents": len(items),
        "updates": sum(len(i.updates) for i in items),
        "action_items": sum(len(i.action_items) for i in items),
        "start": iso(min(detected)) if detected else None,
        "end": iso(max(detected)) if detected else None,
    }


_SEVERITY = re.compile(r"sev-([1-4])", re.IGNORECASE)


def parse_severity(rec: Record) -> str:
    raw = rec.fields.get("severity")
    if isinstance(raw, str) and _SEVERITY.fullmatch(raw.strip()):
        return raw.strip().upper()
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise rec.bad("severity is missing or empty; expected one of SEV-1, SEV-2, SEV-3, SEV-4", "severity")
    found = f"'{raw}'" if isinstance(raw, str) else json.dumps(raw)
    raise rec.bad(f"unknown severity {found}; expected one of SEV-1, SEV-2, SEV-3, SEV-4", "severity")


def parse_incident(rec: Record) -> Incident:
    """One validated incident from a raw record; BadInput names the record and field."""
    text = common.text_field
    incident_id = text(rec, "id", required=True)
    service = text(rec, "service", required=True)
    severity = parse_severity(rec)
    times = {name: common.ts_field(rec, name, required=name == "detected_at") for name in LIFECYCLE}
    present = [(n, t) for n, t in times.items() if t is not None]
    for (a, ta), (b, tb) in itertools.pairwise(present):
        if tb < ta:
            raise rec.bad(f"{b} ({iso(tb)}) is before {a} ({iso(ta)}); expected {a} <= {b}", b)
    return Incident(
        id=incident_id,
        service=service,
        severity=severity,
        title=text(rec, "title"),
        times=times,
        root_cause=text(rec, "root_cause"),
        postmortem_url=text(rec, "postmortem_url"),
        postmortem_published_at=common.ts_field(rec, "postmortem_published_at"),
        customer_impact=text(rec, "customer_impact"),
        tags=_tags(rec),
        updates=_updates(rec),
        action_items=_action_items(rec),
        source=rec.file,
        team=text(rec, "team"),
        has_timeline=isinstance(rec.fields.get("timeline"), list),
        has_action_items=isinstance(rec.fields.get("action_items"), list),
    )


def _tags(rec: Record) -> tuple[str, ...] | None:
    raw = rec.fields.get("tags")
    if raw is None:
        return None
    if isinstance(raw, str):
        if not raw.strip():
            return None
        parts = re.split(r"[;,]", raw)
        return tuple(p.strip() for p in parts if p.strip())
    if isinstance(raw, list) and all(isinstance(t, str) for t in raw):
        return tuple(t.strip() for t in raw if t.strip())
    raise rec.bad(f"expected a list of strings, found {json.dumps(raw)}", "tags")


def _sub_records(rec: Record, field: str) -> list[tuple[str, dict]]:
    raw = rec.fields.get(field)
    if raw is None or raw == "":
        return []
    if not isinstance(raw, list):
        raise rec.bad(f"expected a list of objects, found {json.dumps(raw)[:80]}", field)
    out = []
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise rec.bad(f"entry {i}: expected an object, found {json.dumps(item)[:80]}", field)
        out.append((f"{field}[{i}]", item))
    return out


def _sub(rec: Record, label: str, item: dict) -> Record:
    """A nested object as a record of its own, so field errors read e.g. 'timeline[2].at'."""
    return Record(rec.file, {f"{label}.{k}": v for k, v in item.items()}, row=rec.row, record=rec.record)


def _updates(rec: Record) -> tuple[Update, ...]:
    out = []
    for label, item in _sub_records(rec, "timeline"):
        sub = _sub(rec, label, item)
        at = common.ts_field(sub, f"{label}.at", required=True)
        body = common.text_field(sub, f"{label}.text") or common.text_field(sub, f"{label}.body")
        out.append(Update(at, common.text_field(sub, f"{label}.kind"), body))
    return tuple(out)


def _action_items(rec: Record) -> tuple[ActionItem, ...]:
    out = []
    titles: dict[str, str] = {}
    for label, item in _sub_records(rec, "action_items"):
        sub = _sub(rec, label, item)
        # The title is the item's key (as in `ingest action-items`): required and unique.
        title = common.text_field(sub, f"{label}.title", required=True)
        if title in titles:
            raise rec.bad(f"duplicate action item title '{title}' (also {titles[title]})", f"{label}.title")
        titles[title] = label
        out.append(
            ActionItem(
                title,
                common.text_field(sub, f"{label}.owner"),
                common.ts_field(sub, f"{label}.due", allow_date=True),
                common.bool_field(sub, f"{label}.done"),
            )
        )
    return tuple(out)


def _column(values: list[Any], typ: pa.DataType) -> pa.Array:
    return pa.array(values, typ)


def store_incidents(
    con: duckdb.DuckDBPyConnection, incidents: list[Incident], *, keep_children: bool = False
) -> None:
    """Replace/insert validated incidents by id. ``keep_children`` keeps the stored timeline
    and action items of a replaced incident (vendor imports carry neither)."""
    _write(con, incidents, keep_children=keep_children)


def _write(con: duckdb.DuckDBPyConnection, incidents: list[Incident], *, keep_children: bool = False) -> None:
    if not incidents:
        return
    s = pa.string()
    cols: dict[str, pa.Array] = {
        "id": _column([i.id for i in incidents], s),
        "service": _column([i.service for i in incidents], s),
        "severity": _column([i.severity for i in incidents], s),
        "title": _column([i.title for i in incidents], s),
    }
    for name in LIFECYCLE:
        cols[name] = _column([i.times[name] for i in incidents], _TS)
    cols.update(
        root_cause=_column([i.root_cause for i in incidents], s),
        postmortem_url=_column([i.postmortem_url for i in incidents], s),
        postmortem_published_at=_column([i.postmortem_published_at for i in incidents], _TS),
        customer_impact=_column([i.customer_impact for i in incidents], s),
        tags=_column([list(i.tags) if i.tags is not None else None for i in incidents], pa.list_(s)),
        source=_column([i.source for i in incidents], s),
    )
    updates = [(i.id, u) for i in incidents for u in i.updates]
    actions = [(i.id, n, a) for i in incidents for n, a in enumerate(i.action_items, start=1)]
    relations = {
        "ingest_ids": pa.table({"id": cols["id"]}),
        "ingest_timeline_ids": pa.table({"id": _column([i.id for i in incidents if i.has_timeline], s)}),
        "ingest_action_ids": pa.table({"id": _column([i.id for i in incidents if i.has_action_items], s)}),
        "ingest_incidents": pa.table(cols),
        "ingest_updates": pa.table(
            {
                "incident_id": _column([iid for iid, _ in updates], s),
                "at": _column([u.at for _, u in updates], _TS),
                "kind": _column([u.kind for _, u in updates], s),
                "body": _column([u.body for _, u in updates], s),
            }
        ),
        "ingest_action_rows": pa.table(
            {
                "incident_id": _column([iid for iid, _, _ in actions], s),
                "title": _column([a.title for _, _, a in actions], s),
                "owner": _column([a.owner for _, _, a in actions], s),
                "due": _column([a.due for _, _, a in actions], _TS),
                "done": _column([a.done for _, _, a in actions], pa.bool_()),
                "ord": _column([n for _, n, _ in actions], pa.int64()),
                "origin": _column(["incident"] * len(actions), s),
            }
        ),
        "ingest_incident_extra": pa.table(
            {
                "id": cols["id"],
                "team": _column([i.team for i in incidents], s),
                "vendor": _column([i.vendor for i in incidents], s),
                "vendor_id": _column([i.vendor_id for i in incidents], s),
            }
        ),
    }
    for name, table in relations.items():
        con.register(name, table)
    try:
        delete = "ingest.delete_incident_rows" if keep_children else "ingest.delete_incidents"
        con.execute(store.query(delete)).fetchall()
        con.execute(store.query("ingest.insert_incidents")).fetchall()
        con.execute(store.query("ingest.insert_incident_updates")).fetchall()
        con.execute(store.query("ingest.delete_dropped_action_items")).fetchall()
        con.execute(store.query("ingest.upsert_action_items")).fetchall()
        con.execute(store.query("incidents.set_team_and_vendor")).fetchall()
    finally:
        for name in relations:
            con.unregister(name)
