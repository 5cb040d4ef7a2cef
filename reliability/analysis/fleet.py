"""Timelines of many SLOs from a few queries: the all-SLO path of ``worst`` and ``burn --all``.

:func:`reliability.analysis.timeline.load` runs one query per SLO, which at 1,000 services
costs a scan per SLO. Here the SLOs that share a slice length and a range are loaded together:
one query per 50 series of one SLI returns their rows (cell = series x slices + slice, good,
total) in file order; NumPy puts them into dense per-series arrays (adding rows of one slice
up when a slice has several, see :func:`dense`), and each SLO's
:class:`~reliability.analysis.timeline.Timeline` is built from its series' row by the same code
as the per-SLO loader — so every number is the same.
Threshold series get their per-slice lowest and highest value from a second, grouped query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

import duckdb
import numpy as np

from reliability import store
from reliability.analysis import timeline
from reliability.openslo import SLO

FIRST_CHUNK = 4  # series in the first query, which nothing overlaps
CHUNK = 50  # series per query (25-100 measured alike; fewer = smaller arrays)


def timelines(
    con: duckdb.DuckDBPyConnection,
    selected: Sequence[SLO],
    span: Callable[[SLO], tuple[datetime, datetime]],
    objective: int = 0,
) -> Iterator[tuple[int, timeline.Timeline]]:
    """``(i, timeline of selected[i] over span(selected[i]))`` for every SLO (``[start, end)``,
    start on its slice grid), in loading order: SLOs sharing slice length and span are loaded
    together. Consume them as they come, so that only one chunk's arrays are alive."""
    for chunk in chunked(con, selected, span, objective):
        yield from chunk


def chunked(
    con: duckdb.DuckDBPyConnection,
    selected: Sequence[SLO],
    span: Callable[[SLO], tuple[datetime, datetime]],
    objective: int = 0,
) -> Iterator[list[tuple[int, timeline.Timeline]]]:
    """:func:`timelines` one loaded chunk at a time (its SLOs share slice length and span)."""
    groups: dict[tuple, list[int]] = {}
    for i, slo in enumerate(selected):
        start, end = span(slo)
        groups.setdefault((timeline.slice_seconds(slo), start, end), []).append(i)
    # In chunks of up to CHUNK series of one SLI (sorted, so each chunk's rows sit together
    # in the file and the scan skips the rest): dense arrays of CHUNK series, not of all.
    chunks = []
    for (w, start, end), members in groups.items():
        by_sli: dict[str, set[str]] = {}
        for i in members:
            by_sli.setdefault(selected[i].sli, set()).add(selected[i].service)
        for sli, services in sorted(by_sli.items()):
            ordered = sorted(services)
            # The first chunk small: nothing is computed until it arrives.
            cuts = [0, *range(FIRST_CHUNK if not chunks else CHUNK, len(ordered), CHUNK), len(ordered)]
            for a, b in zip(cuts, cuts[1:]):
                part = set(ordered[a:b])
                chunk = [i for i in members if selected[i].sli == sli and selected[i].service in part]
                chunks.append((chunk, w, start, end))
    # The next chunk's query runs in a thread (its own cursor; DuckDB and the Arrow copy release
    # the GIL) while this chunk's timelines are used: the scan overlaps the NumPy work.
    with ThreadPoolExecutor(max_workers=1) as pool, con.cursor() as cur:
        def fetch(k: int) -> Future:
            chunk, w, start, end = chunks[k]
            return pool.submit(_fetch, cur, [selected[i] for i in chunk], w, start, end)

        pending = fetch(0) if chunks else None
        for k, (chunk, w, start, end) in enumerate(chunks):
            arrays = pending.result()
            pending = fetch(k + 1) if k + 1 < len(chunks) else None
            yield list(zip(chunk, _group([selected[i] for i in chunk], w, start, objective, *arrays), strict=True))
            del arrays


def _fetch(con, slos: list[SLO], w: int, start: datetime, end: datetime) -> tuple:
    """``(code by series, good, total, lo, hi)``: the chunk's dense per-series arrays (``lo``/``hi``
    None without threshold SLOs)."""
    n = max(0, -(-int((end - start).total_seconds()) // w))
    services = sorted({s.service for s in slos})
    (sli,) = {s.sli for s in slos}
    code = {(service, sli): i for i, service in enumerate(services)}
    params = {
        "services": services, "sli": sli, "first_service": services[0], "last_service": services[-1],
        "start": start, "end": end, "start_us": int(start.timestamp() * 1_000_000), "window_us": w * 1_000_000,
    }
    # Arrow out of DuckDB, then NumPy: several times faster than fetchnumpy at 40M rows.
    rows = con.sql(store.query("burn.rows_many"), params=params | {"slices": n}).to_arrow_table()
    size = len(services) * n
    good, total = dense(numpy_chunks(rows, "cell"), size, numpy_chunks(rows, "good"), numpy_chunks(rows, "total"))
    del rows
    good, total = good.reshape(len(services), n), total.reshape(len(services), n)
    lo = hi = None
    if any(s.indicator.kind == "threshold" for s in slos):
        vals = con.sql(store.query("burn.values_many"), params=params).to_arrow_table()
        lo, hi = np.full(size, np.nan), np.full(size, np.nan)
        at = numpy_column(vals, "code").astype(np.int64) * n + numpy_column(vals, "slice")
        lo[at] = numpy_column(vals, "min_value")
        hi[at] = numpy_column(vals, "max_value")
        lo, hi = lo.reshape(len(services), n), hi.reshape(len(services), n)
    return code, good, total, lo, hi


def _group(slos: list[SLO], w: int, start: datetime, objective: int, code: dict, good: np.ndarray,
           total: np.ndarray, lo: np.ndarray | None, hi: np.ndarray | None) -> list[timeline.Timeline]:
    nan = np.full(good.shape[1], np.nan)
    result = []
    for slo in slos:
        c = code[(slo.service, slo.sli)]
        result.append(timeline.from_arrays(
            slo, objective, start, w, good[c], total[c], nan if lo is None else lo[c], nan if hi is None else hi[c]))
    return result


def numpy_chunks(table, name: str) -> list[np.ndarray]:
    """A primitive Arrow column without nulls as NumPy views of its chunks. Arrow's own
    ``to_numpy`` imports pandas (0.2 s) to ask whether it is there."""
    col = table.column(name)
    dtype = np.dtype(col.type.to_pandas_dtype())
    parts = []
    for chunk in col.chunks:
        if chunk.null_count:
            raise ValueError(f"column {name} has nulls")
        parts.append(np.frombuffer(chunk.buffers()[1], dtype=dtype, count=len(chunk) + chunk.offset)[chunk.offset :])
    return parts


def numpy_column(table, name: str) -> np.ndarray:
    """:func:`numpy_chunks` as one array (a view of a single chunk, else a copy)."""
    parts = numpy_chunks(table, name)
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.dtype(table.column(name).type.to_pandas_dtype()))


def dense(cell: list[np.ndarray], size: int, *columns: list[np.ndarray]) -> list[np.ndarray]:
    """Each column (chunks aligned with ``cell``'s) added up per cell into a dense float
    array of ``size``. Rows come out of DuckDB in file order, which is usually cell order
    with one row per cell: then each chunk's values are put in their places (or, every cell
    present, the column is the array), else the rows are added up by ``np.bincount``."""
    chunks = [c for c in cell if len(c)]
    increasing = all(bool(np.all(c[1:] > c[:-1])) for c in chunks) and all(
        a[-1] < b[0] for a, b in zip(chunks, chunks[1:]))  # strictly: no cell twice
    rows = sum(len(c) for c in cell)
    if increasing and rows == size:  # cell == arange(size)
        return [np.concatenate(col).astype(float, copy=False) if col else np.zeros(0) for col in columns]
    if increasing:
        out = []
        for col in columns:
            d = np.zeros(size)
            for at, values in zip(cell, col):
                d[at] = values
            out.append(d)
        return out
    flat = np.concatenate(cell)  # out of order: at least two rows
    return [np.bincount(flat, weights=np.concatenate(col), minlength=size) for col in columns]
