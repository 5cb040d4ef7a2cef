"""SLI series ingestion, part 3: writing validated chunks into ``sli_slices``.

Stored rows that a chunk replaces, by (service, sli, ts), are deleted (only rows that
existed before this call, told apart by DuckDB row ids) and the chunk is appended, grouped
by series, inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa

from reliability import store
from reliability.ingest.series_columns import EPOCH0, TS_TYPE, Prepared, iso_us

# More runs of one series than this share of the rows: the chunk is not grouped by series
# (e.g. one row per service per minute), so group it by series before writing.
_RUNS_SHARE = 64


@dataclass
class _Run:
    series: tuple[str, str]
    lo: int
    hi: int


def _runs(p: Prepared) -> list[_Run] | None:
    """The maximal blocks of one series with strictly increasing ts, or None when rows of one
    series are not strictly increasing (unsorted, or repeated). Sets ``p.order`` when the rows
    must be regrouped by series first."""
    code, ts = p.code, p.ts
    n = len(code)
    change = np.flatnonzero(code[1:] != code[:-1]) + 1
    if len(change) > max(1024, n // _RUNS_SHARE):
        # Not grouped by series (e.g. one row per series per minute): a stable sort by series
        # (a radix sort when codes fit 16 bits) keeps each series' rows in input order.
        small = code.astype(np.uint16) if len(p.services) <= 65535 else code
        p.order = np.argsort(small, kind="stable")
        code, ts = code[p.order], ts[p.order]
        change = np.flatnonzero(code[1:] != code[:-1]) + 1
    step_back = np.flatnonzero(ts[1:] <= ts[:-1]) + 1
    if len(step_back) and np.any(code[step_back] == code[step_back - 1]):
        p.order = None
        return None
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change - 1, [n - 1]))
    lows, highs, series = ts[starts].tolist(), ts[ends].tolist(), code[starts].tolist()
    return [_Run(p.services[c], lo, hi) for c, lo, hi in zip(series, lows, highs, strict=True)]


class Writer:
    """Appends validated chunks to ``sli_slices``, first deleting the stored rows they replace.

    Only rows that existed before the call (rowid <= max_old; rows appended in a transaction
    get higher row ids) are deleted, so a key repeated inside the call is never masked: when
    two chunks' blocks of one series overlap in time, ``first_repeat`` checks exactly.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.max_old = con.execute(store.query("ingest.max_slice_rowid")).fetchall()[0][0]
        self.spans: dict[tuple[str, str], list[int]] = {}
        self.suspect: set[tuple[str, str]] = set()

    def add(self, p: Prepared) -> None:
        runs = _runs(p)
        staged = _staged(p)
        unsorted = runs is None
        if runs is None:
            self.suspect.update(p.services)
            bounds = _on_staged(self.con, staged, "ingest.staged_bounds").to_arrow_table()
            runs = [
                _Run((s, sli), _micros(lo), _micros(hi))
                for s, sli, lo, hi in zip(*(bounds.column(i).to_pylist() for i in range(4)), strict=True)
            ]
        chunk_spans: dict[tuple[str, str], list[int]] = {}
        for r in sorted(runs, key=lambda r: (r.series, r.lo)):
            span = self.spans.get(r.series)
            if span is not None and r.lo <= span[1] and r.hi >= span[0]:
                self.suspect.add(r.series)
            if span is None:
                self.spans[r.series] = [r.lo, r.hi]
            else:
                span[0], span[1] = min(span[0], r.lo), max(span[1], r.hi)
            own = chunk_spans.setdefault(r.series, [r.lo, r.hi])
            own[0], own[1] = min(own[0], r.lo), max(own[1], r.hi)
        # The bounds (one row per series) are small: registering them costs nothing that lasts.
        self.con.register("ingest_bounds", _bounds_table(chunk_spans, self.max_old))
        try:
            if self.max_old >= 0:  # an empty table has nothing to replace
                _on_staged(self.con, staged, "ingest.delete_replaced_slices")
            _on_staged(self.con, staged, "ingest.insert_slices_sorted" if unsorted else "ingest.insert_slices")
        finally:
            self.con.unregister("ingest_bounds")

    def first_repeat(self) -> tuple[str, str, int] | None:
        """(service, sli, ts in µs) of a key appended twice by this call, if any."""
        if not self.suspect:
            return None
        bounds = _bounds_table({s: self.spans[s] for s in self.suspect}, self.max_old)
        self.con.register("ingest_bounds", bounds)
        try:
            rows = self.con.execute(store.query("ingest.first_repeated_slice")).fetchall()
            row = rows[0] if rows else None
        finally:
            self.con.unregister("ingest_bounds")
        if row is None:
            return None
        return row[0], row[1], _micros(row[2])


def _micros(ts: datetime) -> int:
    delta = ts - EPOCH0
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _on_staged(con: duckdb.DuckDBPyConnection, staged: pa.Table, name: str):
    """Run the named query with the chunk visible as ``ingest_staged``.

    Not through ``con.register``: inside a transaction, an unregistered view lives on (with
    the Arrow table it holds) until the transaction ends, so every chunk of a long ingest
    stayed in memory (2.9 GB at 43.2M rows). A relation's virtual table ends with the query.
    """
    return con.from_arrow(staged).query("ingest_staged", store.query(name))


def _bounds_table(spans: dict[tuple[str, str], list[int]], max_old: int) -> pa.Table:
    """One row per series: its [lo, hi] span and the highest row id stored before the call
    (a column, not a parameter: queries run on a relation take no parameters)."""
    keys = list(spans)
    return pa.table(
        {
            "service": pa.array([k[0] for k in keys], pa.string()),
            "sli": pa.array([k[1] for k in keys], pa.string()),
            "lo": pa.array([spans[k][0] for k in keys], pa.int64()).cast(TS_TYPE),
            "hi": pa.array([spans[k][1] for k in keys], pa.int64()).cast(TS_TYPE),
            "max_old": pa.array([max_old] * len(keys), pa.int64()),
        }
    )


def _staged(p: Prepared) -> pa.Table:
    """The chunk as an Arrow table for DuckDB, grouped by series when ``p.order`` is set."""

    def take(a: np.ndarray) -> np.ndarray:
        return a if p.order is None else a[p.order]

    codes = take(p.code)
    services = sorted({s for s, _ in p.services})
    slis = sorted({s for _, s in p.services})
    s_pos = {s: i for i, s in enumerate(services)}
    l_pos = {s: i for i, s in enumerate(slis)}
    s_map = np.array([s_pos[s] for s, _ in p.services], np.int32)
    l_map = np.array([l_pos[s] for _, s in p.services], np.int32)
    columns = {
        "service": pa.DictionaryArray.from_arrays(s_map[codes], pa.array(services, pa.string())),
        "sli": pa.DictionaryArray.from_arrays(l_map[codes], pa.array(slis, pa.string())),
        "ts": pa.array(take(p.ts), pa.int64()).cast(TS_TYPE),
    }
    for name in ("good", "total", "value"):
        values = getattr(p, name)
        columns[name] = pa.nulls(p.rows, pa.float64()) if values is None else pa.array(take(values))
    return pa.table(columns)


def raise_repeat(chunks, service: str, sli: str, ts: int) -> None:
    """Read the input again to name both rows of a repeated (service, sli, ts) (error path)."""
    first = None
    for p in chunks():
        if (service, sli) not in p.services:
            continue
        code = p.services.index((service, sli))
        for i in np.flatnonzero((p.code == code) & (p.ts == ts)).tolist():
            if first is None:
                first = (p.where.file, p.where.name(i))
                continue
            where = first[1] if first[0] == p.where.file else f"{first[0]} {first[1]}"
            raise p.where.bad(
                f"duplicate slice: service '{service}', sli '{sli}', timestamp {iso_us(ts)} "
                f"is also in {where}",
                i,
                "timestamp",
            )
