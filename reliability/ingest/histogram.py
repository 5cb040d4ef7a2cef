"""Latency histograms in: CSV or JSON records into ``histogram_slices``, validated, upserted.

Columns ``timestamp, service, sli, le, count``: per slice (the ``(service, sli, timestamp)``
it starts at) one row per bucket, Prometheus-style cumulative — ``count`` is the number of
observations ``<= le`` in that slice (a non-negative number), ``le`` a number or ``+Inf``
(also ``Inf``, ``inf``). Each slice must have distinct ``le``, counts that never decrease
as ``le`` grows, and a ``+Inf`` bucket (its count is the slice's observations). Ingesting a
slice that is stored already replaces all of its buckets.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from reliability import store
from reliability.ingest import common
from reliability.ingest.series_columns import MAX_COUNT
from reliability.ingest.common import Record, iso

REQUIRED = ("timestamp", "service", "sli", "le", "count")
_INF = {"+inf", "inf", "infinity", "+infinity"}


@dataclass(frozen=True)
class Bucket:
    service: str
    sli: str
    ts: datetime
    le: float
    count: float
    rec: Record


def _number(rec: Record, name: str, *, allow_inf: bool) -> float:
    value = rec.fields.get(name)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise rec.bad(f"{name} is missing or empty", name)
        if allow_inf and text.lower() in _INF:
            return math.inf
        try:
            number = float(text)
        except ValueError:
            raise rec.bad(f"expected a number{' or +Inf' if allow_inf else ''}, found '{value}'", name) from None
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif value is None:
        raise rec.bad(f"{name} is missing or empty", name)
    else:
        raise rec.bad(f"expected a number, found {value!r}", name)
    if math.isnan(number) or (math.isinf(number) and not (allow_inf and number > 0)):
        raise rec.bad(f"expected a finite number{' or +Inf' if allow_inf else ''}, found {value}", name)
    if math.isfinite(number) and abs(number) > MAX_COUNT:  # as for series: sums must stay finite
        raise rec.bad(f"expected a number within ±2^53 (9007199254740992), found {value}", name)
    return number


def parse_bucket(rec: Record) -> Bucket:
    """One validated row; BadInput names the row or record and the field."""
    count = _number(rec, "count", allow_inf=False)
    if count < 0:
        raise rec.bad(f"expected a count >= 0, found {rec.fields.get('count')}", "count")
    return Bucket(
        service=common.text_field(rec, "service", required=True),
        sli=common.text_field(rec, "sli", required=True),
        ts=common.ts_field(rec, "timestamp", required=True),
        le=_number(rec, "le", allow_inf=True),
        count=count,
        rec=rec,
    )


def check_slices(buckets: list[Bucket]) -> dict[tuple, list[Bucket]]:
    """The buckets grouped by slice ``(service, sli, ts)``, each sorted by ``le``; BadInput on a
    repeated ``le``, a count that decreases as ``le`` grows, or a slice without ``+Inf``."""
    slices: dict[tuple, list[Bucket]] = defaultdict(list)
    for b in buckets:
        slices[(b.service, b.sli, b.ts)].append(b)
    for (service, sli, ts), items in slices.items():
        items.sort(key=lambda b: b.le)
        for prev, cur in zip(items, items[1:]):
            if cur.le == prev.le:
                raise cur.rec.bad(f"le {_le(cur.le)} repeats in this slice (also {_at(prev.rec, cur.rec)})", "le")
            if cur.count < prev.count:
                raise cur.rec.bad(
                    f"cumulative count {cur.count:g} at le {_le(cur.le)} is below {prev.count:g} at le "
                    f"{_le(prev.le)} ({_at(prev.rec, cur.rec)}); bucket counts must not decrease as le grows",
                    "count",
                )
        if items[-1].le != math.inf:
            first = min(items, key=lambda b: (b.rec.row or 0, b.rec.record or 0))
            raise first.rec.bad(
                f"slice {service}/{sli} at {iso(ts)} has no +Inf bucket (every slice needs one)", "le"
            )
    return slices


def _le(le: float) -> str:
    return "+Inf" if le == math.inf else f"{le:g}"


def _at(other: Record, rec: Record) -> str:
    return other.where if other.file == rec.file else f"{other.file} {other.where}"


def ingest_histograms(con: duckdb.DuckDBPyConnection, paths: list[str | Path]) -> list[dict]:
    """Validate every file (slices may span files), then upsert; one summary per file."""
    per_file = []
    for path in paths:
        records = common.read_records(path, REQUIRED)
        per_file.append((common.display(path), [parse_bucket(r) for r in records]))
    slices = check_slices([b for _, items in per_file for b in items])
    _write(con, [b for items in slices.values() for b in items])
    return [_summary(name, items) for name, items in per_file]


def _summary(name: str, items: list[Bucket]) -> dict:
    return {
        "file": name,
        "rows": len(items),
        "slices": len({(b.service, b.sli, b.ts) for b in items}),
        "series": len({(b.service, b.sli) for b in items}),
        "start": iso(min(b.ts for b in items)) if items else None,
        "end": iso(max(b.ts for b in items)) if items else None,
    }


def _write(con: duckdb.DuckDBPyConnection, items: list[Bucket]) -> None:
    import pyarrow as pa

    if not items:
        return
    table = pa.table({
        "service": pa.array([b.service for b in items], pa.string()),
        "sli": pa.array([b.sli for b in items], pa.string()),
        "ts": pa.array([b.ts for b in items], pa.timestamp("us", tz="UTC")),
        "le": pa.array([b.le for b in items], pa.float64()),
        "count": pa.array([b.count for b in items], pa.float64()),
    })
    con.register("ingest_histogram", table)
    try:
        con.execute(store.query("histogram.upsert")).fetchall()
    finally:
        con.unregister("ingest_histogram")
