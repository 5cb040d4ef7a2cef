"""What the alert replay shares between one SLO and many: the workbook's alert windows, the
episodes they form, and the exact burn rate (:mod:`reliability.analysis.burn` replays one SLO,
:mod:`reliability.analysis.burn_many` a chunk of SLOs at once; both build on this module, and
neither imports the other's internals, so the two cannot import each other).

Alert windows (Google SRE workbook, "Alerting on SLOs", table 5-8) for a 30-day period:

    severity  long  short  budget share  factor
    page      1h    5m     2 %           14.4
    page      6h    30m    5 %           6
    ticket    1d    2h     10 %          3
    ticket    3d    6h     10 %          1

For other periods the factors scale as Sloth does: ``factor = share × period hours / long
window hours``; a 7-day period uses Sloth's 7-day table (shares 8 %, 12.5 %, 20 %, 42 %:
factors 13.44, 3.5, 1.4, 0.98). See :mod:`reliability.analysis.burn` for when an alert fires.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

import numpy as np

from reliability.analysis import timeline
from reliability.openslo import SLO

HOUR = 3600
# (severity, long window s, short window s, share of the budget)
WORKBOOK = (
    ("page", 1 * HOUR, 5 * 60, Fraction(2, 100)),
    ("page", 6 * HOUR, 30 * 60, Fraction(5, 100)),
    ("ticket", 24 * HOUR, 2 * HOUR, Fraction(10, 100)),
    ("ticket", 72 * HOUR, 6 * HOUR, Fraction(10, 100)),
)
# A 7-day SLO scaled from the workbook would ticket at burn rate 0.23 (0.1 · 168 h / 72 h),
# spending a fifth of its budget per week. Sloth's published 7-day table (slok/sloth
# examples/windows/7d.yaml) keeps every factor near or above 1: 13.44, 3.5, 1.4, 0.98.
SEVEN_DAYS = (
    ("page", 1 * HOUR, 5 * 60, Fraction(8, 100)),
    ("page", 6 * HOUR, 30 * 60, Fraction(125, 1000)),
    ("ticket", 24 * HOUR, 2 * HOUR, Fraction(20, 100)),
    ("ticket", 72 * HOUR, 6 * HOUR, Fraction(42, 100)),
)
LONGEST = 72 * HOUR
_NOMINAL_DAYS = {"M": 30, "Q": 90, "Y": 365}


@dataclass(frozen=True)
class AlertWindow:
    severity: str
    long_seconds: int
    short_seconds: int
    budget_share: Fraction
    factor: Fraction

    @property
    def label(self) -> str:
        return f"{_dur(self.long_seconds)}/{_dur(self.short_seconds)}"

    def as_json(self) -> dict:
        return {
            "severity": self.severity,
            "long_window_minutes": self.long_seconds / 60,
            "short_window_minutes": self.short_seconds / 60,
            "budget_share": float(self.budget_share),
            "factor": float(self.factor),
        }


def _dur(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % HOUR == 0:
        return f"{seconds // HOUR}h"
    return f"{seconds // 60}m"


def period_hours(slo: SLO) -> Fraction:
    """The SLO period in hours used to scale the factors (calendar month = 30 days)."""
    d = slo.window.duration
    if d.seconds is not None:
        return Fraction(d.seconds, HOUR)
    return Fraction(d.count * _NOMINAL_DAYS[d.unit] * 24)


def alert_windows(slo: SLO) -> list[AlertWindow]:
    """The workbook's four (long, short) windows with factors scaled to the SLO's period
    (Sloth's 7-day table for a 7-day period)."""
    d = slo.window.duration
    key = (d.seconds, d.count, d.unit)  # hashing these is cheap; hashing a Fraction is not
    if key not in _WINDOWS:
        hours = period_hours(slo)
        _WINDOWS[key] = scaled(SEVEN_DAYS if hours == 7 * 24 else WORKBOOK, hours)
    return list(_WINDOWS[key])


def scaled(rows, hours: Fraction) -> tuple[AlertWindow, ...]:
    """(severity, long s, short s, share) rows with ``factor = share × period hours / long
    window hours``, as Sloth computes it."""
    return tuple(AlertWindow(sev, long, short, share, share * hours / Fraction(long, HOUR))
                 for sev, long, short, share in rows)


_WINDOWS: dict[tuple, tuple[AlertWindow, ...]] = {}
_THRESHOLDS: dict[tuple, float] = {}  # (long s, short s, factor n, factor d, target) -> threshold


def _threshold(aw: AlertWindow, target: float, target_exact: Fraction) -> float:
    """The bad fraction at which a window burns at ``aw.factor``: ``factor × (1 − target)``,
    rounded once (cached: the replay asks for it four times per SLO)."""
    key = (aw.long_seconds, aw.short_seconds, aw.factor.numerator, aw.factor.denominator, target)
    if key not in _THRESHOLDS:
        _THRESHOLDS[key] = float(aw.factor * (1 - target_exact))
    return _THRESHOLDS[key]


def exact_burn(bad: float, weight: float, budget_n: int, budget_d: int) -> float:
    """``(bad / weight) / (1 − target)`` in rationals, rounded once, with ``1 − target =
    budget_n / budget_d`` (``Timeline.budget_ratio``); 0 when the window has no weight (no
    events burn nothing: docs/budgets-and-burn.md). As integer ratios:
    Python's int / int is correctly rounded, so this is exactly
    ``float(Fraction(bad) / Fraction(weight) / (1 − target))``, without building Fractions."""
    if weight <= 0:
        return 0.0
    bn, bd = float(bad).as_integer_ratio()
    wn, wd = float(weight).as_integer_ratio()
    return (bn * wd * budget_d) / (bd * wn * budget_n)


def _sums(c: np.ndarray, i0: int, i1: int, k: int) -> np.ndarray:
    """``c[i] − c[max(i − k, 0)]`` for every ``i`` in ``[i0, i1]``, by slicing (the same
    numbers as indexing with ``at = arange(i0, i1 + 1)``, several times faster)."""
    hi = c[i0 : i1 + 1]
    first = i0 - k
    if first >= 0:
        return hi - c[first : i1 + 1 - k]
    head = np.full(min(-first, len(hi)), c[0])
    return hi - np.concatenate((head, c[0 : max(i1 + 1 - k, 0)]))


@dataclass(frozen=True)
class Episode:
    """A run of evaluations where an alert of ``severity`` fired: ``[start, end)``; ``end`` is
    the first evaluation at which it no longer fired (None: still firing at the replay's end)."""

    severity: str
    start: datetime
    end: datetime | None
    duration_minutes: float
    peak_burn_rate: float
    windows: list[str]

    def as_json(self) -> dict:
        # Shallow: dataclasses.asdict deep-copies, 3 s over 2,000 SLOs' episodes.
        return {"severity": self.severity, "start": self.start, "end": self.end,
                "duration_minutes": self.duration_minutes, "peak_burn_rate": self.peak_burn_rate,
                "windows": list(self.windows)}


def plain_replay(tl: timeline.Timeline, start: datetime, end: datetime) -> tuple[list[Episode], list[AlertWindow]]:
    """Alert episodes of the SLO's four alert windows, evaluated at every slice boundary in
    ``[start, end]``, both windows at every boundary: the plain computation (what
    ``burn.replay(shortcuts=False)`` runs, and what a timeline without the 3-day lead gets)."""
    windows = alert_windows(tl.slo)
    i0, i1 = max(tl.index(start), 0), min(tl.index(end), tl.n)
    w = tl.window_seconds
    cb, cw = tl.cumulative("bad"), tl.cumulative("weight")
    # Fires when both windows' bad > factor·(1 − target)·weight; burn = bad / (weight·(1 − target)).
    # The short window is checked at every boundary; the long one only where the short fires
    # (``c[i] − c[max(i − k, 0)]``: the numbers _sums gives there).
    fired: dict[str, list[tuple]] = {}
    for aw in windows:
        n_long, n_short = aw.long_seconds // w, max(aw.short_seconds // w, 1)
        threshold = _threshold(aw, tl.slo.objectives[tl.objective].target, tl.target)
        bad_s, weight_s = _sums(cb, i0, i1, n_short), _sums(cw, i0, i1, n_short)
        on = (bad_s > threshold * weight_s).nonzero()[0]  # boundaries i0 + on
        i = i0 + on[weight_s[on] > 0]
        lo = np.maximum(i - n_long, 0)
        bad_l, weight_l = cb[i] - cb[lo], cw[i] - cw[lo]
        keep = (weight_l > 0) & (bad_l > threshold * weight_l)
        i, bad_l, weight_l = i[keep], bad_l[keep], weight_l[keep]
        if len(i):  # with the long-window burn rate where it fires, to find each episode's peak
            fired.setdefault(aw.severity, []).append((i, bad_l / (weight_l * tl.budget), bad_l, weight_l, aw.label, n_long))
    return episodes([tl], tl.n + 1, i0, i1, fired)[0]




def episodes(tls: Sequence[timeline.Timeline], stride: int, i0: int, i1: int,
             fired: dict[str, list[tuple]]) -> list:
    """Per SLO: its episodes and its alert windows. ``fired[severity]``: per alert window
    that fired, ``(boundaries k·stride + i of SLO k where it fired, long-window burn rate,
    bad and weight there, label, long-window slices)``; an episode is a run of consecutive
    boundaries where any window of its severity fired."""
    per_slo: list[list[Episode]] = [[] for _ in tls]
    count = i1 - i0 + 1
    ratios = np.array([tl.budget_ratio for tl in tls], dtype=object)
    t0, w = tls[0].start, tls[0].window_seconds  # shared: SLOs are batched by slice grid
    for severity, conds in fired.items():
        mask = np.zeros(len(tls) * stride, dtype=bool)
        for c in conds:
            mask[c[0]] = True
        points = mask.nonzero()[0]
        breaks = (points[1:] - points[:-1] > 1).nonzero()[0]
        starts = points[np.concatenate(([0], breaks + 1))]
        ends = points[np.concatenate((breaks, [len(points) - 1]))] + 1
        bad, weight, labels = _peaks(conds, starts, ends)
        k = starts // stride
        first, after = starts - k * stride, ends - k * stride  # boundaries of SLO k
        still = after - i0 >= count  # firing at the end of the replay: no end
        # Minutes as (stop − begin).total_seconds() / 60 gives them: whole seconds / 60.
        minutes = ((np.where(still, i1, after) - first) * w / 60).tolist()
        peaks = _exact_burns(bad, weight, ratios[k])
        for slo, s, e, open_, m, peak, names in zip(k.tolist(), (first * w).tolist(), (after * w).tolist(),
                                                    still.tolist(), minutes, peaks, labels):
            begin = t0 + timedelta(seconds=s)  # = tl.time(first)
            stop = None if open_ else t0 + timedelta(seconds=e)
            per_slo[slo].append(Episode(severity, begin, stop, m, peak, names))
    out = []
    for tl, episodes in zip(tls, per_slo):
        episodes.sort(key=lambda ep: (ep.start, ep.severity))
        out.append((episodes, alert_windows(tl.slo)))
    return out


def _peaks(conds: list[tuple], starts: np.ndarray, ends: np.ndarray) -> tuple[list, list, list]:
    """Per episode ``[starts[r], ends[r])`` (evaluations; ``conds`` fire only inside episodes):
    the long window's bad and weight where its burn rate peaked, and the labels of the
    alert windows that fired in it. The peak is the highest long-window burn rate of any
    condition, ties to the later evaluation, then to the longer window; within one
    condition the first evaluation with its highest rate. Located in floats; the caller
    computes the burn rate exactly from bad and weight."""
    runs = len(starts)
    best_v, best_i, best_n = np.full(runs, -np.inf), np.full(runs, -1), np.zeros(runs, dtype=np.int64)
    bad, weight = np.zeros(runs), np.zeros(runs)
    present = []
    for on, long, bad_l, weight_l, _, n in conds:
        a, b = on.searchsorted(starts), on.searchsorted(ends)
        has = a < b
        present.append(has.tolist())
        if not has.any():
            continue
        # The evaluations of consecutive episodes are consecutive in ``on``: one reduceat.
        first = a[has]
        top = np.maximum.reduceat(long, first)
        episode = np.repeat(np.arange(len(first)), b[has] - first)
        at_top = (long == top[episode]).nonzero()[0]
        # First evaluation at the top, per episode (every episode of ``first`` has one).
        k = at_top[episode[at_top].searchsorted(np.arange(len(first)))]
        v, i, r = long[k], on[k], (has).nonzero()[0]
        better = (v > best_v[r]) | ((v == best_v[r]) & ((i > best_i[r]) | ((i == best_i[r]) & (n > best_n[r]))))
        r, k = r[better], k[better]
        best_v[r], best_i[r], best_n[r] = v[better], i[better], n
        bad[r], weight[r] = bad_l[k], weight_l[k]
    names = [c[4] for c in conds]
    labels = [[name for name, has in zip(names, flags) if has] for flags in zip(*present)]
    return bad, weight, labels


_EXACT = float(2**53)


def _exact_burns(bad: np.ndarray, weight: np.ndarray, ratios: np.ndarray) -> list[float]:
    """``exact_burn`` of each (bad, weight, 1 − target as (n, d)). Whole numbers whose
    products with d and n stay below 2^53 are exact doubles, and one IEEE division of exact
    operands is correctly rounded — the same number as the rational division — so those are
    divided in one vectorised step; any other falls back to the rational computation."""
    if not len(bad):
        return []
    n = np.array([r[0] for r in ratios], dtype=float)
    d = np.array([r[1] for r in ratios], dtype=float)
    top, bottom = bad * d, weight * n
    plain = ((bad == np.floor(bad)) & (weight == np.floor(weight)) & (bad >= 0) & (weight > 0)
             & (top < _EXACT) & (bottom < _EXACT) & (d < _EXACT) & (n < _EXACT))
    out = (top / np.where(plain, bottom, 1.0)).tolist()
    if not plain.all():
        for j in (~plain).nonzero()[0].tolist():
            out[j] = exact_burn(float(bad[j]), float(weight[j]), *ratios[j])
    return out
