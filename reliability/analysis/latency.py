"""Latency percentiles from Prometheus-style histogram buckets (issue 4, item 6).

:func:`bucket_quantile` is Prometheus' ``histogram_quantile`` over classic buckets
(``promql/quantile.go``, ``bucketQuantile``): buckets sorted by upper bound ``le``, the
highest must be ``+Inf`` (its count is every observation); ``rank = q · observations``; the
quantile lies in the first bucket whose cumulative count is ``>= rank`` and is interpolated
linearly inside it, ``lower + (upper − lower) · (rank − count below) / count in bucket``. The
lowest bucket's lower bound is 0 when its upper bound is above 0 (else that upper bound is
returned); a quantile in the ``+Inf`` bucket returns the highest finite upper bound. No
observations, or fewer than two buckets: no value (None; Prometheus says NaN).

Per slice, the quantile of that slice's buckets. Over a period, the buckets are first summed
by ``le`` over every slice of the period (as ``sum by (le) (increase(x_bucket[period]))``),
then interpolated once — never an average of per-slice quantiles. Should slices have different
bucket layouts, the summed counts are made non-decreasing as Prometheus does
(``ensureMonotonic``). Values are in the unit of ``le`` (seconds for most Prometheus
histograms, so "p95 < 500 ms" is ``value lt 0.5``, or ``--scale 1000`` to get milliseconds).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

import duckdb

from reliability import store


def bucket_quantile(q: float, les: Sequence[float], counts: Sequence[float]) -> float | None:
    """The ``q``-quantile (0 <= q <= 1) of cumulative buckets ``(le, count)`` sorted by ``le``."""
    if len(les) < 2 or les[-1] != math.inf:
        return None
    counts = list(counts)
    for i in range(1, len(counts)):  # Prometheus' ensureMonotonic
        counts[i] = max(counts[i], counts[i - 1])
    observations = counts[-1]
    if observations == 0:
        return None
    rank = q * observations
    b = next((i for i in range(len(les) - 1) if counts[i] >= rank), len(les) - 1)
    if b == len(les) - 1:
        return float(les[-2])
    if b == 0 and les[0] <= 0:
        return float(les[0])
    start, end, count = 0.0, float(les[b]), counts[b]
    if b > 0:
        start = float(les[b - 1])
        count -= counts[b - 1]
        rank -= counts[b - 1]
    if count == 0:  # q = 0 with an empty lowest bucket: 0/0 in Prometheus
        return None
    return start + (end - start) * (rank / count)


def merge(slices: Sequence[tuple[Sequence[float], Sequence[float]]]) -> tuple[list[float], list[float]]:
    """Buckets summed by ``le`` over slices of ``(les, counts)``."""
    total: dict[float, float] = {}
    for les, counts in slices:
        for le, c in zip(les, counts, strict=True):
            total[le] = total.get(le, 0.0) + c
    les = sorted(total)
    return les, [total[le] for le in les]


def label(q: float) -> str:
    """``0.95`` -> ``p95``, ``0.999`` -> ``p99.9``."""
    return "p" + format(round(q * 100, 10), "g")


def compute(
    con: duckdb.DuckDBPyConnection,
    service: str,
    sli: str,
    start: datetime,
    end: datetime,
    quantiles: Sequence[float],
    scale: float = 1.0,
) -> dict:
    """Per-slice and merged quantiles of histogram series ``(service, sli)`` over
    ``[start, end)``; values times ``scale`` (1000: seconds to milliseconds)."""
    rows = con.execute(
        store.query("histogram.slices"), {"service": service, "sli": sli, "start": start, "end": end}
    ).fetchall()

    def values(les, counts) -> dict:
        out = {}
        for q in quantiles:
            v = bucket_quantile(q, les, counts)
            out[label(q)] = None if v is None else v * scale
        return out

    slices = [{"ts": ts, "count": counts[-1] if counts else 0.0} | values(les, counts) for ts, les, counts in rows]
    les, counts = merge([(r[1], r[2]) for r in rows])
    return {
        "service": service,
        "sli": sli,
        "period_start": start,
        "period_end": end,
        "quantiles": list(quantiles),
        "scale": scale,
        "period": {"slices": len(rows), "count": counts[-1] if counts else 0.0} | values(les, counts),
        "buckets": [{"le": "+Inf" if le == math.inf else le, "count": c} for le, c in zip(les, counts, strict=True)],
        "slices": slices,
    }
