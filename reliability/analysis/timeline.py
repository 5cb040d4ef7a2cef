"""One SLO's slices as dense per-slice arrays: the common input of budget burn-down, burn
rates, alert replay, exhaustion forecasts and worst windows.

Slice ``k`` is ``[start + k·w, start + (k+1)·w)`` with ``w`` the objective's
``timeSliceWindow`` (60 s when none is given, as for Occurrences); a row counts in the slice it
starts in. Per slice:

- ``bad`` in the SLO's units of budget: Occurrences failed events (``total − good``; threshold
  SLIs one event per slice with a value, bad when the threshold fails); Timeslices 1 for a bad
  slice, else 0; RatioTimeslices ``1 − good/total``.
- ``weight`` — what the bad fraction is taken over: Occurrences events; Timeslices 1 per slice;
  RatioTimeslices 1 per slice with data.
- ``failed``/``events``: the raw failed and total events (0 for threshold SLIs).

No-data slices (no row or ``total = 0``) burn no budget (the ``sla`` default policy ``good``):
Timeslices counts them as good slices; the others give them no weight. So over a whole
calendar period ``1 − Σbad / ((1 − target)·Σweight)`` is exactly ``sla``'s
``error_budget_remaining``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import duckdb
import numpy as np

from reliability import store
from reliability.openslo import SLO

DEFAULT_SLICE_SECONDS = 60


@dataclass(frozen=True)
class Timeline:
    """Dense per-slice arrays of one SLO objective from ``start`` (UTC), ``window_seconds`` apart."""

    slo: SLO
    objective: int
    start: datetime
    window_seconds: int
    bad: np.ndarray
    weight: np.ndarray
    failed: np.ndarray
    events: np.ndarray
    no_data: np.ndarray

    @property
    def n(self) -> int:
        return len(self.bad)

    @cached_property
    def target(self) -> Fraction:
        """The objective's target as the decimal it was written as (0.999 exactly); computed
        once per timeline (the replay and worst windows ask for it thousands of times)."""
        return Fraction(Decimal(repr(self.slo.objectives[self.objective].target)))

    @cached_property
    def budget(self) -> float:
        """``1 − target``: the share of the weight that may be bad."""
        return float(1 - self.target)

    @property
    def slice_minutes(self) -> float:
        return self.window_seconds / 60

    def time(self, k: int) -> datetime:
        """Start of slice ``k`` (= end of slice ``k − 1``)."""
        return self.start + timedelta(seconds=k * self.window_seconds)

    def index(self, at: datetime) -> int:
        """The slice boundary at or before ``at``."""
        return int((at - self.start).total_seconds() // self.window_seconds)

    def cumulative(self, name: str) -> np.ndarray:
        """Prefix sums of array ``name`` with a leading 0: ``c[j] − c[i]`` = sum of slices [i, j)."""
        if name == "weight" and self.slo.budgeting_method == "Timeslices":
            return np.arange(self.n + 1, dtype=float)  # weight 1 per slice: the same numbers
        out = np.zeros(self.n + 1)
        np.cumsum(getattr(self, name), out=out[1:])
        return out


def slice_seconds(slo: SLO) -> int:
    return slo.time_slice_window_seconds or DEFAULT_SLICE_SECONDS


def align(at: datetime, slo: SLO) -> datetime:
    """``at`` rounded down to a multiple of the SLO's slice length since the epoch."""
    w = slice_seconds(slo)
    ts = int(at.timestamp())
    return datetime.fromtimestamp(ts - ts % w, tz=timezone.utc)


def _holds(op: str, lo: np.ndarray, hi: np.ndarray, threshold: float) -> np.ndarray:
    if op == "lt":
        return hi < threshold
    if op == "lte":
        return hi <= threshold
    if op == "gt":
        return lo > threshold
    return lo >= threshold


def load(con: duckdb.DuckDBPyConnection, slo: SLO, start: datetime, end: datetime, objective: int = 0) -> Timeline:
    """The slices of ``[start, end)`` (``start`` on the slice grid the caller wants; the last
    slice may be partial)."""
    w = slice_seconds(slo)
    seconds = int((end - start).total_seconds())
    n = max(0, -(-seconds // w))
    cur = con.execute(
        store.query("burn.slices"),
        {
            "service": slo.service,
            "sli": slo.sli,
            "start": start,
            "end": end,
            "start_us": int(start.timestamp() * 1_000_000),
            "window_us": w * 1_000_000,
        },
    )
    cols = cur.fetchnumpy()
    idx = np.asarray(cols["slice"], dtype=np.int64)
    good, total = np.zeros(n), np.zeros(n)
    lo, hi = np.full(n, np.nan), np.full(n, np.nan)
    good[idx] = np.asarray(cols["good"], dtype=float)
    total[idx] = np.asarray(cols["total"], dtype=float)
    lo[idx] = np.asarray(cols["min_value"], dtype=float)
    hi[idx] = np.asarray(cols["max_value"], dtype=float)
    return from_arrays(slo, objective, start, w, good, total, lo, hi)


def from_arrays(
    slo: SLO, objective: int, start: datetime, w: int,
    good: np.ndarray, total: np.ndarray, lo: np.ndarray, hi: np.ndarray,
) -> Timeline:
    """The timeline from dense per-slice sums (``good``, ``total``: events; ``lo``/``hi``: the
    lowest/highest value, NaN without one), as :func:`load` and the all-SLO loader build them."""
    n = len(good)
    obj = slo.objectives[objective]
    method = slo.budgeting_method
    if slo.indicator.kind == "threshold":
        data = ~np.isnan(lo)
        bad_slice = data & ~_holds(obj.op, lo, hi, obj.value)
        bad = bad_slice.astype(float)
        weight = np.ones(n) if method == "Timeslices" else data.astype(float)
        failed, events = np.zeros(n), np.zeros(n)
    else:
        data = total > 0
        failed, events = total - good, total
        if method == "Occurrences":
            bad, weight = failed.copy(), total.copy()
        elif method == "Timeslices":
            ratio = np.divide(good, total, out=np.ones(n), where=data)
            bad = (data & (ratio < obj.time_slice_target)).astype(float)
            weight = np.ones(n)
        else:
            ratio = np.divide(good, total, out=np.ones(n), where=data)
            bad, weight = np.where(data, 1 - ratio, 0.0), data.astype(float)
    return Timeline(slo, objective, start, w, bad, weight, failed, events, ~data)
