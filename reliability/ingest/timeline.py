"""Incident updates and action items in, from their own CSV or JSON files.

``ingest updates``: fields ``incident_id, at`` (required), ``kind, body`` (``text`` is read as
``body`` too). A stored entry with the same ``(incident_id, at, kind)`` is replaced, so
re-ingesting a file changes nothing.

``ingest action-items``: fields ``incident_id, title`` (required), ``owner, due`` (a timestamp,
or a date ``YYYY-MM-DD`` as midnight UTC), ``done`` (true/false). An item is keyed by
``(incident_id, title)``: a stored item with that title is updated in place (keeping its
position), a new one is appended after the incident's last item.

In both, ``incident_id`` must name a stored incident (else bad input naming the row), a key
may appear once per call, and each call is one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from reliability import store
from reliability.ingest import common
from reliability.ingest.common import Record, iso

_TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class UpdateRow:
    incident_id: str
    at: datetime
    kind: str | None
    body: str | None


@dataclass(frozen=True)
class ActionRow:
    incident_id: str
    title: str
    owner: str | None
    due: datetime | None
    done: bool | None


def parse_update(rec: Record) -> UpdateRow:
    """One validated timeline entry; BadInput names the row or record and the field."""
    return UpdateRow(
        incident_id=common.text_field(rec, "incident_id", required=True),
        at=common.ts_field(rec, "at", required=True),
        kind=common.text_field(rec, "kind"),
        body=common.text_field(rec, "body") or common.text_field(rec, "text"),
    )


def parse_action(rec: Record) -> ActionRow:
    """One validated action item; BadInput names the row or record and the field."""
    return ActionRow(
        incident_id=common.text_field(rec, "incident_id", required=True),
        title=common.text_field(rec, "title", required=True),
        owner=common.text_field(rec, "owner"),
        due=common.ts_field(rec, "due", allow_date=True),
        done=common.bool_field(rec, "done"),
    )


def _read(paths, required, parse, key, describe):
    """(name, [(record, row)]) per file, with keys unique across the whole call."""
    per_file = []
    seen: dict[tuple, Record] = {}
    for path in paths:
        records = common.read_records(path, required)
        rows = [(r, parse(r)) for r in records]
        for rec, row in rows:
            k = key(row)
            first = seen.get(k)
            if first is not None:
                where = first.where if first.file == rec.file else f"{first.file} {first.where}"
                raise rec.bad(f"duplicate {describe(row)} (also in {where})", required[-1])
            seen[k] = rec
        per_file.append((common.display(path), rows))
    return per_file


def _check_known(con: duckdb.DuckDBPyConnection, per_file) -> None:
    """BadInput naming the first row whose incident_id is not a stored incident."""
    ids = [row.incident_id for _, rows in per_file for _, row in rows]
    con.register("ingest_ref_ids", pa.table({"id": pa.array(ids, pa.string())}))
    try:
        known = {r[0] for r in con.execute(store.query("ingest.known_incident_ids")).fetchall()}
    finally:
        con.unregister("ingest_ref_ids")
    for _, rows in per_file:
        for rec, row in rows:
            if row.incident_id not in known:
                raise rec.bad(
                    f"unknown incident '{row.incident_id}': ingest the incident first", "incident_id"
                )


def _run(con, name: str, table: pa.Table, query: str) -> None:
    con.register(name, table)
    try:
        con.execute(store.query(query)).fetchall()
    finally:
        con.unregister(name)


def ingest_updates(con: duckdb.DuckDBPyConnection, paths: list[str | Path]) -> list[dict]:
    """Validate every file, then replace/insert their timeline entries; one summary per file."""
    per_file = _read(
        paths,
        ("incident_id", "at"),
        parse_update,
        lambda u: (u.incident_id, u.at, u.kind),
        lambda u: f"update ({u.incident_id}, {iso(u.at)}, {u.kind})",
    )
    _check_known(con, per_file)
    rows = [row for _, items in per_file for _, row in items]
    if rows:
        s = pa.string()
        table = pa.table(
            {
                "incident_id": pa.array([u.incident_id for u in rows], s),
                "at": pa.array([u.at for u in rows], _TS),
                "kind": pa.array([u.kind for u in rows], s),
                "body": pa.array([u.body for u in rows], s),
            }
        )
        _run(con, "ingest_update_rows", table, "ingest.replace_updates")
    return [_summary(name, [r for _, r in items], "updates", lambda u: u.at) for name, items in per_file]


def ingest_action_items(con: duckdb.DuckDBPyConnection, paths: list[str | Path]) -> list[dict]:
    """Validate every file, then upsert their action items by (incident_id, title)."""
    per_file = _read(
        paths,
        ("incident_id", "title"),
        parse_action,
        lambda a: (a.incident_id, a.title),
        lambda a: f"action item '{a.title}' of {a.incident_id}",
    )
    _check_known(con, per_file)
    rows = [row for _, items in per_file for _, row in items]
    if rows:
        s = pa.string()
        table = pa.table(
            {
                "incident_id": pa.array([a.incident_id for a in rows], s),
                "title": pa.array([a.title for a in rows], s),
                "owner": pa.array([a.owner for a in rows], s),
                "due": pa.array([a.due for a in rows], _TS),
                "done": pa.array([a.done for a in rows], pa.bool_()),
                "ord": pa.array(list(range(len(rows))), pa.int64()),
                "origin": pa.array(["action-items"] * len(rows), s),
            }
        )
        _run(con, "ingest_action_rows", table, "ingest.upsert_action_items")
    return [_summary(name, [r for _, r in items], "action_items", lambda a: a.due) for name, items in per_file]


def _summary(name: str, rows: list, label: str, when) -> dict:
    times = [t for t in (when(r) for r in rows) if t is not None]
    return {
        "file": name,
        label: len(rows),
        "incidents": len({r.incident_id for r in rows}),
        "start": iso(min(times)) if times else None,
        "end": iso(max(times)) if times else None,
    }
