"""Latency histograms in: CSV or JSON records into ``histogram_slices``, validated, upserted.

Columns ``timestamp, service, sli, le, count``: per slice (the ``(service, sli, timestamp)``
it starts at) one row per bucket, Prometheus-style cumulative — ``count`` is the number of
observations ``<= le`` in that slice (a non-negative number), ``le`` a number or ``+Inf``
(also ``Inf``, ``inf``). Each slice must have distinct ``le``, counts that never decrease
as ``le`` grows, and a ``+Inf`` bucket (its count is the slice's observations). Real exports
break the first two (recording-rule or federation races, float noise, ``le="0.2"`` next to
``le="2e-1"``): such slices are fixed as Prometheus' ``histogram_quantile`` fixes them — a
repeated ``le`` summed, a decreasing count raised to the one below it — stored fixed, and
counted. A slice without ``+Inf`` is refused. Ingesting a slice that is stored already
replaces all of its buckets.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace
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


# Prometheus' histogram_quantile (promql/quantile.go): differences this small relative to the
# counts are floating-point noise and are evened out silently, in either direction.
SMALL_DELTA_TOLERANCE = 1e-12
_MIN_NORMAL = 2.2250738585072014e-308


def _almost_equal(a: float, b: float) -> bool:
    """Prometheus' ``almost.Equal(a, b, 1e-12)``: relative difference below the tolerance."""
    if a == b:
        return True
    diff, total = abs(a - b), abs(a) + abs(b)
    if a == 0 or b == 0 or total < _MIN_NORMAL:
        return diff < SMALL_DELTA_TOLERANCE * _MIN_NORMAL
    return diff / min(total, 1.7976931348623157e308) < SMALL_DELTA_TOLERANCE


FIX_KINDS = ("duplicate_le", "nonmonotonic", "precision")


def _fix_slice(items: list[Bucket], fixed: set[str]) -> list[Bucket]:
    """One slice's buckets, sorted by ``le``, with a repeated ``le`` summed (Prometheus'
    ``coalesceBuckets``) and decreasing counts raised as ``ensureMonotonicAndIgnoreSmallDeltas``
    does: each count below the last accepted one becomes that count. Adds to ``fixed`` what was
    done: ``duplicate_le``, ``nonmonotonic``, or ``precision`` (only floating-point noise)."""
    merged: list[Bucket] = []
    for b in sorted(items, key=lambda b: b.le):
        if merged and merged[-1].le == b.le:
            merged[-1] = replace(merged[-1], count=merged[-1].count + b.count)
        else:
            merged.append(b)
    if len(merged) < len(items):
        fixed.add("duplicate_le")
    forced = fixed_precision = False
    prev = merged[0].count
    for i in range(1, len(merged)):
        cur = merged[i].count
        if cur == prev:
            continue
        if _almost_equal(prev, cur):
            merged[i] = replace(merged[i], count=prev)
            fixed_precision = True
        elif cur < prev:
            merged[i] = replace(merged[i], count=prev)
            forced = True
        else:
            prev = cur
    if forced:
        fixed.add("nonmonotonic")
    elif fixed_precision:
        fixed.add("precision")
    return merged


def check_slices(buckets: list[Bucket], fixed: dict[tuple, set[str]] | None = None) -> dict[tuple, list[Bucket]]:
    """The buckets grouped by slice ``(service, sli, ts)``, each sorted by ``le`` and fixed up
    as Prometheus does (see :func:`_fix_slice`; what was done per slice goes into ``fixed``);
    BadInput for a slice without a ``+Inf`` bucket."""
    fixed = fixed if fixed is not None else {}
    grouped: dict[tuple, list[Bucket]] = defaultdict(list)
    for b in buckets:
        grouped[(b.service, b.sli, b.ts)].append(b)
    slices: dict[tuple, list[Bucket]] = {}
    for (service, sli, ts), items in grouped.items():
        if max(b.le for b in items) != math.inf:
            first = min(items, key=lambda b: (b.rec.row or 0, b.rec.record or 0))
            raise first.rec.bad(
                f"slice {service}/{sli} at {iso(ts)} has no +Inf bucket (every slice needs one)", "le"
            )
        done: set[str] = set()
        slices[(service, sli, ts)] = _fix_slice(items, done)
        if done:
            fixed[(service, sli, ts)] = done
    return slices


def _le(le: float) -> str:
    return "+Inf" if le == math.inf else f"{le:g}"


def ingest_histograms(con: duckdb.DuckDBPyConnection, paths: list[str | Path]) -> list[dict]:
    """Validate every file (slices may span files), then upsert; one summary per file."""
    per_file = []
    for path in paths:
        records = common.read_records(path, REQUIRED)
        per_file.append((common.display(path), [parse_bucket(r) for r in records]))
    fixed: dict[tuple, set[str]] = {}
    slices = check_slices([b for _, items in per_file for b in items], fixed)
    _write(con, [b for items in slices.values() for b in items])
    return [_summary(name, items, fixed) for name, items in per_file]


def _summary(name: str, items: list[Bucket], fixed: dict[tuple, set[str]]) -> dict:
    """Counts for one file; ``fixed_slices`` counts the file's slices per fix (a slice spread
    over several files counts in each), ``fixed_examples`` names up to 3 of them per fix."""
    keys = sorted({(b.service, b.sli, b.ts) for b in items if (b.service, b.sli, b.ts) in fixed},
                  key=lambda k: (k[2], k[0], k[1]))
    counts = {kind: sum(kind in fixed[k] for k in keys) for kind in FIX_KINDS}
    examples = {kind: [f"{k[0]}/{k[1]} at {iso(k[2])}" for k in keys if kind in fixed[k]][:3]
                for kind in FIX_KINDS if counts[kind]}
    return {
        "file": name,
        "rows": len(items),
        "slices": len({(b.service, b.sli, b.ts) for b in items}),
        "series": len({(b.service, b.sli) for b in items}),
        "start": iso(min(b.ts for b in items)) if items else None,
        "end": iso(max(b.ts for b in items)) if items else None,
        "fixed_slices": counts,
        "fixed_examples": examples,
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
