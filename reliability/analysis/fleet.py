"""Timelines of many SLOs from a few queries: the all-SLO path of ``worst`` and ``burn --all``.

:func:`reliability.analysis.timeline.load` runs one query per SLO, which at 1,000 services
costs a scan per SLO. Here the SLOs that share a slice length and a range are loaded together:
one query per 25 series returns their rows (cell = series x slices + slice, good, total), NumPy
adds the rows of each slice up (``np.bincount`` on ``series × slices + slice``) into dense
per-series arrays, and each SLO's :class:`~reliability.analysis.timeline.Timeline` is built
from its series' row by the same code as the per-SLO loader — so every number is the same.
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

CHUNK = 25  # series per query (25-100 measured alike; fewer = smaller arrays)


def timelines(
    con: duckdb.DuckDBPyConnection,
    selected: Sequence[SLO],
    span: Callable[[SLO], tuple[datetime, datetime]],
    objective: int = 0,
) -> Iterator[tuple[int, timeline.Timeline]]:
    """``(i, timeline of selected[i] over span(selected[i]))`` for every SLO (``[start, end)``,
    start on its slice grid), in loading order: SLOs sharing slice length and span are loaded
    together. Consume them as they come, so that only one chunk's arrays are alive."""
    groups: dict[tuple, list[int]] = {}
    for i, slo in enumerate(selected):
        start, end = span(slo)
        groups.setdefault((timeline.slice_seconds(slo), start, end), []).append(i)
    # In chunks of CHUNK series (sorted, so each chunk's rows sit together in the file and
    # DuckDB's join filter skips the rest): dense arrays of CHUNK series, not of all of them.
    chunks = []
    for (w, start, end), members in groups.items():
        series = sorted({(selected[i].service, selected[i].sli) for i in members})
        for c in range(0, len(series), CHUNK):
            part = set(series[c : c + CHUNK])
            chunks.append(([i for i in members if (selected[i].service, selected[i].sli) in part], w, start, end))
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
            yield from zip(chunk, _group([selected[i] for i in chunk], w, start, objective, *arrays), strict=True)
            del arrays


def _fetch(con, slos: list[SLO], w: int, start: datetime, end: datetime) -> tuple:
    """``(code by series, good, total, lo, hi)``: the chunk's dense per-series arrays (``lo``/``hi``
    None without threshold SLOs)."""
    n = max(0, -(-int((end - start).total_seconds()) // w))
    keys = sorted({(s.service, s.sli) for s in slos})
    code = {k: i for i, k in enumerate(keys)}
    params = {
        "services": [k[0] for k in keys], "slis": [k[1] for k in keys], "codes": list(range(len(keys))),
        "first_service": keys[0][0], "last_service": keys[-1][0],
        "start": start, "end": end, "start_us": int(start.timestamp() * 1_000_000), "window_us": w * 1_000_000,
    }
    # Arrow out of DuckDB, then NumPy: several times faster than fetchnumpy at 40M rows.
    rows = con.sql(store.query("burn.rows_many"), params=params | {"slices": n}).to_arrow_table()
    flat = rows.column("cell").to_numpy()
    size = len(keys) * n
    good = np.bincount(flat, weights=rows.column("good").to_numpy(), minlength=size)
    total = np.bincount(flat, weights=rows.column("total").to_numpy(), minlength=size)
    del flat, rows
    good, total = good.reshape(len(keys), n), total.reshape(len(keys), n)
    lo = hi = None
    if any(s.indicator.kind == "threshold" for s in slos):
        vals = con.execute(store.query("burn.values_many"), params).fetchnumpy()
        lo, hi = np.full(size, np.nan), np.full(size, np.nan)
        at = np.asarray(vals["code"], dtype=np.int64) * n + np.asarray(vals["slice"], dtype=np.int64)
        lo[at] = np.asarray(vals["min_value"], dtype=float)
        hi[at] = np.asarray(vals["max_value"], dtype=float)
        lo, hi = lo.reshape(len(keys), n), hi.reshape(len(keys), n)
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
