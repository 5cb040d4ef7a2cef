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
    """Dense per-slice arrays of one SLO objective from ``start`` (UTC), ``window_seconds`` apart.

    Holds the per-slice sums (``good``, ``total``; ``lo``/``hi`` for threshold SLIs, NaN where
    a slice has no value); ``bad``, ``weight``, ``failed``, ``events`` and ``no_data`` are
    derived from them when first asked for (worst windows over a whole fleet never need most).
    """

    slo: SLO
    objective: int
    start: datetime
    window_seconds: int
    good: np.ndarray
    total: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    # Rows stored per slice, whatever their counts (a row with total = 0 has no data but shows
    # how far the series reaches: sla's ``data_end``); None when the loader did not count them.
    rows: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.good)

    @property
    def threshold(self) -> bool:
        return self.slo.indicator.kind == "threshold"

    @cached_property
    def data(self) -> np.ndarray:
        """Slices with data: a value (threshold SLIs), else ``total > 0``."""
        return ~np.isnan(self.lo) if self.threshold else self.total > 0

    @property
    def no_data(self) -> np.ndarray:
        return ~self.data

    @cached_property
    def failed(self) -> np.ndarray:
        return np.zeros(self.n) if self.threshold else self.total - self.good

    @property
    def events(self) -> np.ndarray:
        return np.zeros(self.n) if self.threshold else self.total

    @cached_property
    def bad(self) -> np.ndarray:
        if self.threshold or self.slo.budgeting_method == "Timeslices":
            out = np.zeros(self.n)
            out[self.bad_slices] = 1.0
            return out
        if self.slo.budgeting_method == "Occurrences":
            return self.failed
        at = self._below_one  # RatioTimeslices: 1 − good/total
        out = np.zeros(self.n)
        out[at] = 1 - self.good[at] / self.total[at]
        return out

    @cached_property
    def _below_one(self) -> np.ndarray:
        """The slices where ``good/total < 1`` (``good < total``, ``total > 0``): the ratio is
        taken there and nowhere else, the same numbers as over every slice with data at a
        fraction of the cost."""
        at = (self.good < self.total).nonzero()[0]
        return at[self.total[at] > 0]

    @cached_property
    def bad_slices(self) -> np.ndarray:
        """Where ``bad`` is 1, ascending (threshold SLIs and Timeslices, whose ``bad`` is 0
        or 1 per slice)."""
        obj = self.slo.objectives[self.objective]
        if self.threshold:
            return (self.data & ~_holds(obj.op, self.lo, self.hi, obj.value)).nonzero()[0]
        if self.slo.budgeting_method != "Timeslices":
            raise ValueError(f"{self.slo.budgeting_method}: bad is not 0 or 1 per slice")
        at = self._below_one
        return at[self.good[at] / self.total[at] < obj.time_slice_target]

    @cached_property
    def bad_minute(self) -> np.ndarray:
        """1.0 per slice that counts towards "bad minutes", else 0.0 — the one rule behind every
        bad-minutes figure (``impact``, ``worst``, updates, post-mortems, reports): a slice is bad
        when its error rate exceeds what the SLO allows, i.e. ``good/total`` is below the
        objective's ``timeSliceTarget`` (Timeslices), else below its target (Occurrences and
        RatioTimeslices: 1 − target is the allowed error rate); threshold SLIs: a bad slice.
        Slices without data are never bad minutes. Bad minutes = these slices × slice minutes."""
        if self.threshold or self.slo.budgeting_method == "Timeslices":
            return self.bad
        obj = self.slo.objectives[self.objective]
        at = self._below_one
        out = np.zeros(self.n)
        out[at[self.good[at] / self.total[at] < obj.target]] = 1.0
        return out

    def bad_minutes(self, first: int, last: int) -> float:
        """Bad minutes (:attr:`bad_minute`) over slices ``[first, last)``."""
        return float(self.bad_minute[max(first, 0) : last].sum()) * self.slice_minutes

    @cached_property
    def weight(self) -> np.ndarray:
        method = self.slo.budgeting_method
        if method == "Timeslices":
            return np.ones(self.n)
        if method == "Occurrences" and not self.threshold:
            return self.total
        return self.data.astype(float)

    @cached_property
    def target(self) -> Fraction:
        """The objective's target as the decimal it was written as (0.999 exactly); computed
        once per timeline (the replay and worst windows ask for it thousands of times)."""
        return Fraction(Decimal(repr(self.slo.objectives[self.objective].target)))

    @cached_property
    def budget_ratio(self) -> tuple[int, int]:
        """``1 − target`` as (numerator, denominator)."""
        budget = 1 - self.target
        return budget.numerator, budget.denominator

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

    def cumulative(self, name: str, out: np.ndarray | None = None) -> np.ndarray:
        """Prefix sums of array ``name`` with a leading 0: ``c[j] − c[i]`` = sum of slices [i, j)
        (into ``out``, n + 1 floats, when given)."""
        method = self.slo.budgeting_method
        if out is None:
            out = np.empty(self.n + 1)
        if name == "weight" and method == "Timeslices":
            out[:] = np.arange(self.n + 1)  # weight 1 per slice: the same numbers
            return out
        # 0/1 per slice: bad slices, slices with data.
        flags = (name == "bad" and (self.threshold or method == "Timeslices")) or (
            name == "weight" and (self.threshold or method == "RatioTimeslices"))
        return prefix_sums(getattr(self, name), whole=flags, out=out)


_EXACT = 2**53  # integers up to here are exact in a double


def prefix_sums(values: np.ndarray, whole: bool = False, out: np.ndarray | None = None) -> np.ndarray:
    """``[0, v0, v0 + v1, ...]`` as float64, the numbers ``np.cumsum`` gives. Event counts
    are whole numbers: summed as int64 (several times faster than a float cumsum, which
    cannot be vectorised) when every value is whole and every partial sum is exact in a
    double, so both ways give the same numbers; otherwise as floats. ``whole``: the caller
    knows the values are 0 or 1 (no check needed). ``out``: where to write them."""
    if out is None:
        out = np.empty(len(values) + 1)
    out[0] = 0.0
    ints = values.astype(np.int64)
    if whole:
        out[1:] = ints.cumsum()
        return out
    if (ints == values).all():
        sums = ints.cumsum()
        # Every partial sum within 2^53: counts are never negative, so the last is the largest
        # (one pass for the minimum); otherwise both extremes.
        if len(sums) == 0 or (sums[-1] <= _EXACT and ints.min() >= 0) or (
                sums.max() <= _EXACT and sums.min() >= -_EXACT):
            out[1:] = sums
            return out
    np.cumsum(values, out=out[1:])
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
    rows = np.zeros(n, dtype=np.int64)
    rows[idx] = np.asarray(cols["rows"], dtype=np.int64)
    return from_arrays(slo, objective, start, w, good, total, lo, hi, rows)


def from_arrays(
    slo: SLO, objective: int, start: datetime, w: int,
    good: np.ndarray, total: np.ndarray, lo: np.ndarray, hi: np.ndarray, rows: np.ndarray | None = None,
) -> Timeline:
    """The timeline from dense per-slice sums (``good``, ``total``: events; ``lo``/``hi``: the
    lowest/highest value, NaN without one; ``rows``: rows per slice, when counted), as :func:`load`
    and the all-SLO loader build them."""
    return Timeline(slo, objective, start, w, good, total, lo, hi, rows)
