"""Deployments in: CSV or JSON records into ``deployments``, upserted by ``id``.

Fields: ``id, service, deployed_at`` (required), ``version, description, rolled_back``
(true/false).
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

REQUIRED = ("id", "service", "deployed_at")


@dataclass(frozen=True)
class Deployment:
    id: str
    service: str
    deployed_at: datetime
    version: str | None
    description: str | None
    rolled_back: bool | None


def parse_deployment(rec: Record) -> Deployment:
    """One validated deployment; BadInput names the row or record and the field."""
    return Deployment(
        id=common.text_field(rec, "id", required=True),
        service=common.text_field(rec, "service", required=True),
        deployed_at=common.ts_field(rec, "deployed_at", required=True),
        version=common.text_field(rec, "version"),
        description=common.text_field(rec, "description"),
        rolled_back=common.bool_field(rec, "rolled_back"),
    )


def ingest_deployments(con: duckdb.DuckDBPyConnection, paths: list[str | Path]) -> list[dict]:
    """Validate every file, then upsert all their deployments; one summary per file."""
    per_file = []
    seen: dict[str, Record] = {}
    for path in paths:
        records = common.read_records(path, REQUIRED)
        items = [parse_deployment(r) for r in records]
        common.check_unique(records, "id", seen)
        per_file.append((common.display(path), items))
    _write(con, [d for _, items in per_file for d in items])
    return [_summary(name, items) for name, items in per_file]


def ingest_deployment_records(
    con: duckdb.DuckDBPyConnection, records: list[dict], source_name: str
) -> dict:
    """Validate and upsert deployment dicts; "record N" names a bad one."""
    recs = common.records_from_dicts(records, source_name)
    items = [parse_deployment(r) for r in recs]
    common.check_unique(recs, "id", {})
    _write(con, items)
    return _summary(source_name, items)


def _summary(name: str, items: list[Deployment]) -> dict:
    times = [d.deployed_at for d in items]
    return {
        "file": name,
        "deployments": len(items),
        "start": iso(min(times)) if times else None,
        "end": iso(max(times)) if times else None,
    }


def _write(con: duckdb.DuckDBPyConnection, items: list[Deployment]) -> None:
    if not items:
        return
    s = pa.string()
    table = pa.table(
        {
            "id": pa.array([d.id for d in items], s),
            "service": pa.array([d.service for d in items], s),
            "deployed_at": pa.array([d.deployed_at for d in items], pa.timestamp("us", tz="UTC")),
            "version": pa.array([d.version for d in items], s),
            "description": pa.array([d.description for d in items], s),
            "rolled_back": pa.array([d.rolled_back for d in items], pa.bool_()),
        }
    )
    con.register("ingest_deployments", table)
    try:
        con.execute(store.query("ingest.upsert_deployments")).fetchall()
    finally:
        con.unregister("ingest_deployments")
