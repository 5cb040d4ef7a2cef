"""Declared maintenance windows in: CSV or JSON records into ``maintenance_windows``, by ``id``.

Fields: ``id, starts_at, ends_at`` (required; ``[starts_at, ends_at)``, start inclusive, end
exclusive, ``starts_at < ends_at``), ``service`` (empty or absent: every service),
``description``. Ingesting an existing ``id`` replaces that window. The same records can be
read without storing them (:func:`read_windows`) for ``sla --maintenance FILE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from reliability import store
from reliability.ingest import common
from reliability.ingest.common import Record, iso

REQUIRED = ("id", "starts_at", "ends_at")


@dataclass(frozen=True)
class Window:
    """One declared window ``[starts_at, ends_at)`` (UTC); ``service`` None = all services."""

    id: str
    service: str | None
    starts_at: datetime
    ends_at: datetime
    description: str | None = None


def parse_window(rec: Record) -> Window:
    """One validated window; BadInput names the row or record and the field."""
    starts = common.ts_field(rec, "starts_at", required=True)
    ends = common.ts_field(rec, "ends_at", required=True)
    if ends <= starts:
        raise rec.bad(f"ends_at ({iso(ends)}) is not after starts_at ({iso(starts)})", "ends_at")
    return Window(
        id=common.text_field(rec, "id", required=True),
        service=common.text_field(rec, "service"),
        starts_at=starts,
        ends_at=ends,
        description=common.text_field(rec, "description"),
    )


def read_windows(paths: list[str | Path]) -> list[tuple[str, list[Window]]]:
    """``(file, windows)`` per file, every record validated; ids unique across the files."""
    per_file = []
    seen: dict[str, Record] = {}
    for path in paths:
        records = common.read_records(path, REQUIRED)
        items = [parse_window(r) for r in records]
        common.check_unique(records, "id", seen)
        per_file.append((common.display(path), items))
    return per_file


def ingest_maintenance(con: duckdb.DuckDBPyConnection, paths: list[str | Path]) -> list[dict]:
    """Validate every file, then upsert all their windows (inside the caller's transaction)."""
    per_file = read_windows(paths)
    _write(con, [w for _, items in per_file for w in items])
    return [_summary(name, items) for name, items in per_file]


def _summary(name: str, items: list[Window]) -> dict:
    return {
        "file": name,
        "windows": len(items),
        "minutes": sum((w.ends_at - w.starts_at).total_seconds() for w in items) / 60,
        "start": iso(min(w.starts_at for w in items)) if items else None,
        "end": iso(max(w.ends_at for w in items)) if items else None,
    }


def _write(con: duckdb.DuckDBPyConnection, items: list[Window]) -> None:
    import pyarrow as pa

    if not items:
        return
    s, ts = pa.string(), pa.timestamp("us", tz="UTC")
    table = pa.table({
        "id": pa.array([w.id for w in items], s),
        "service": pa.array([w.service for w in items], s),
        "starts_at": pa.array([w.starts_at for w in items], ts),
        "ends_at": pa.array([w.ends_at for w in items], ts),
        "description": pa.array([w.description for w in items], s),
    })
    con.register("ingest_maintenance", table)
    try:
        con.execute(store.query("maintenance.upsert")).fetchall()
    finally:
        con.unregister("ingest_maintenance")


def stored(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> list[Window]:
    """The stored windows overlapping ``[start, end)``."""
    rows = con.execute(store.query("maintenance.overlapping"), {"start": start, "end": end}).fetchall()
    return [Window(*r) for r in rows]
