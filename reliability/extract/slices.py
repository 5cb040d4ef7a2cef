"""From range-query points to per-slice event counts (pure numpy, no I/O).

A chunk of ``n`` slices starting at ``start`` (epoch seconds) with ``step`` seconds is queried
at the ``n + 1`` times ``start + k * step``, ``k = 0..n`` (both ends included). Slice ``i``
covers ``[start + i*step, start + (i+1)*step)``:

- counter (cumulative): ``events = v[i+1] - v[i]``; a decrease is a reset and the events are
  then ``v[i+1]``. A missing point on either side means no data for the slice.
- not a counter: ``events = v[i+1]`` (the value at the end of the slice counts its events).

A query that returns several series is handled per series (so a reset in one series is seen
even though their sum would hide it) and the events are summed; a slice has data when at
least one series has data for it. NaN and infinite values count as missing points (a threshold
SLI keeps infinite values: see :func:`grid`).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

import numpy as np


def grid(series_points: Sequence[Sequence], start: float, step: float, n_points: int,
         infinite: bool = False) -> np.ndarray:
    """Values of each series at ``start + k*step`` as a ``(series, n_points)`` array, NaN where
    the server returned no point. ``series_points`` holds ``[(ts, "value"), ...]`` per series.
    ``+Inf``/``-Inf`` count as missing too, unless ``infinite`` (a threshold SLI's value:
    ``histogram_quantile`` gives +Inf above the highest bucket, which is a value, and a bad one)."""
    out = np.full((len(series_points), n_points), np.nan)
    for row, points in enumerate(series_points):
        if not points:
            continue
        ts = np.fromiter(map(itemgetter(0), points), dtype=float, count=len(points))
        values = np.array([p[1] for p in points], dtype=float)
        idx = np.rint((ts - start) / step).astype(np.int64)
        keep = (idx >= 0) & (idx < n_points) & (~np.isnan(values) if infinite else np.isfinite(values))
        out[row, idx[keep]] = values[keep]
    return out


def events(values: np.ndarray, counter: bool) -> np.ndarray:
    """Events per slice, ``(series, n_points - 1)``, NaN for slices without data."""
    after = values[:, 1:]
    if not counter:
        return after.copy()
    before = values[:, :-1]
    diff = after - before
    return np.where(diff < 0, after, diff)  # NaN on either side stays NaN


def total_over_series(per_series: np.ndarray) -> np.ndarray:
    """Sum over series per slice; NaN where no series has data (not zero traffic)."""
    if per_series.shape[0] == 0:
        return np.full(per_series.shape[1], np.nan)
    has = ~np.isnan(per_series).all(axis=0)
    summed = np.nansum(per_series, axis=0)
    return np.where(has, summed, np.nan)


def ratio(good: np.ndarray | None, bad: np.ndarray | None, total: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """``(good, total, has_data, clamped)`` per slice from the summed events.

    A slice has data when ``total`` has. A missing good (or bad) point next to a present total
    counts as 0 events: error counters usually do not exist until the first error. Good is
    clamped to ``[0, total]`` (counters scraped at slightly different times can disagree);
    ``clamped`` counts the slices where that changed a value.
    """
    has = ~np.isnan(total)
    total = np.where(has, np.maximum(total, 0.0), np.nan)
    if good is None:
        good = total - np.nan_to_num(bad, nan=0.0)
    else:
        good = np.nan_to_num(good, nan=0.0)
    clipped = np.clip(good, 0.0, total)
    changed = has & (clipped != good)
    return clipped, total, has, int(changed.sum())


def runs(missing: np.ndarray) -> list[tuple[int, int]]:
    """``[(first, end), ...]`` index ranges (end exclusive) of consecutive True values."""
    if not missing.any():
        return []
    padded = np.concatenate(([False], missing, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]
