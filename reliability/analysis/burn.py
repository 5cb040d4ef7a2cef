"""Burn rates and the replay of multi-window, multi-burn-rate alerts over history.

Burn rate over a window W = (bad fraction in W) / (1 − target): Occurrences
``failed events / events``, Timeslices ``bad slices / slices``, RatioTimeslices
``Σ(1 − good/total) / slices with data`` (see :mod:`reliability.analysis.timeline`). A burn
rate of 1 spends exactly the budget over the SLO's period; a window with no weight burns 0.

Alert windows (Google SRE workbook, "Alerting on SLOs", table 5-8) for a 30-day period:

    severity  long  short  budget share  factor
    page      1h    5m     2 %           14.4
    page      6h    30m    5 %           6
    ticket    1d    2h     10 %          3
    ticket    3d    6h     10 %          1

For other periods the factors scale as Sloth does: ``factor = share × period hours / long
window hours``; the period is the SLO's ``timeWindow.duration`` (a calendar month counts as 30
days, a quarter 90, a year 365, as the workbook does). An alert of a row fires at evaluation
time t when the burn rates over ``[t − long, t)`` and ``[t − short, t)`` both exceed
(``>``) its factor, as the Prometheus rules of ``reliability rules`` do. Evaluation runs at
every slice boundary (every minute with 1-minute slices).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

import duckdb
import numpy as np

from reliability import store
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
    """The workbook's four (long, short) windows with factors scaled to the SLO's period."""
    d = slo.window.duration
    key = (d.seconds, d.count, d.unit)  # hashing these is cheap; hashing a Fraction is not
    if key not in _WINDOWS:
        hours = period_hours(slo)
        _WINDOWS[key] = tuple(
            AlertWindow(sev, long, short, share, share * hours / Fraction(long, HOUR))
            for sev, long, short, share in WORKBOOK
        )
    return list(_WINDOWS[key])


_WINDOWS: dict[tuple, tuple[AlertWindow, ...]] = {}
_THRESHOLDS: dict[tuple[Fraction, float], float] = {}


def _threshold(aw: AlertWindow, target: float, target_exact: Fraction) -> float:
    """The bad fraction at which a window burns at ``aw.factor``: ``factor × (1 − target)``,
    rounded once (cached: the replay asks for it four times per SLO)."""
    key = (aw.long_seconds, aw.short_seconds, aw.factor.numerator, aw.factor.denominator, target)
    if key not in _THRESHOLDS:
        _THRESHOLDS[key] = float(aw.factor * (1 - target_exact))
    return _THRESHOLDS[key]


def exact_burn(bad: float, weight: float, target: Fraction) -> float | None:
    """``(bad / weight) / (1 − target)`` in rationals, rounded once; None without weight. As
    integer ratios: Python's int / int is correctly rounded, so this is exactly
    ``float(Fraction(bad) / Fraction(weight) / (1 − target))``, without building Fractions."""
    budget = 1 - target
    return _exact_burn(bad, weight, budget.numerator, budget.denominator)


def _exact_burn(bad: float, weight: float, budget_n: int, budget_d: int) -> float | None:
    """:func:`exact_burn` with ``1 − target = budget_n / budget_d``."""
    if weight <= 0:
        return None
    bn, bd = float(bad).as_integer_ratio()
    wn, wd = float(weight).as_integer_ratio()
    return (bn * wd * budget_d) / (bd * wn * budget_n)


def burn_rate(tl: timeline.Timeline, first: int, last: int) -> float | None:
    """Burn rate over slices ``[first, last)``; None when the window has no weight."""
    first, last = max(0, first), min(tl.n, last)
    if tl.slo.budgeting_method == "Timeslices":  # bad 0/1 and weight 1 per slice: counts
        slices = max(last - first, 0)
        bad = int(tl.bad_slices.searchsorted(last) - tl.bad_slices.searchsorted(first)) if slices else 0
        return _exact_burn(float(bad), float(slices), *tl.budget_ratio)
    return _exact_burn(float(tl.bad[first:last].sum()), float(tl.weight[first:last].sum()), *tl.budget_ratio)


def _sums(c: np.ndarray, i0: int, i1: int, k: int) -> np.ndarray:
    """``c[i] − c[max(i − k, 0)]`` for every ``i`` in ``[i0, i1]``, by slicing (the same
    numbers as indexing with ``at = arange(i0, i1 + 1)``, several times faster)."""
    hi = c[i0 : i1 + 1]
    first = i0 - k
    if first >= 0:
        return hi - c[first : i1 + 1 - k]
    head = np.full(min(-first, len(hi)), c[0])
    return hi - np.concatenate((head, c[0 : max(i1 + 1 - k, 0)]))


def _holding(bad_at: np.ndarray, k: int, r: int, i0: int, i1: int) -> np.ndarray:
    """``i − i0`` for every boundary ``i`` in ``[i0, i1]`` whose window ``[i − k, i)`` holds at
    least ``r`` of the (sorted) bad slices ``bad_at``.

    The window holds ``bad_at[j .. j+r−1]`` exactly when ``bad_at[j] ≥ i − k`` and
    ``bad_at[j+r−1] < i``: the boundaries ``(bad_at[j+r−1], bad_at[j] + k]``, one interval
    per ``j``; their union is the answer (both ends grow with ``j``, so each interval is cut
    to start after the previous one ends, and the rest laid out with one arange)."""
    m = len(bad_at)
    if m < r:
        return np.zeros(0, dtype=np.int64)
    first = np.maximum(bad_at[r - 1 :] + 1, i0)
    last = np.minimum(bad_at[: m - r + 1] + k, i1)
    first[1:] = np.maximum(first[1:], last[:-1] + 1)
    keep = first <= last
    first, last = first[keep], last[keep]
    lengths = last - first + 1
    offsets = np.repeat(first - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return offsets + np.arange(int(lengths.sum())) - i0


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
    return bad.tolist(), weight.tolist(), labels


def _may_fire(cb: np.ndarray, cw: np.ndarray, i0: int, i1: int, n: int, threshold: float) -> np.ndarray:
    """The boundaries ``i`` in ``[i0, i1]`` (ascending) where the long window
    ``[max(i − n, 0), i)`` may burn above ``threshold``: every boundary where it does, and no
    more than the blocks holding them.

    Boundaries go in blocks ``[b, e]`` of n/2, at most 60. Every window of the block lies within
    ``U = [max(b − n, 0), e)`` and covers ``I = [max(e − n, 0), b)``; bad and weight are never
    negative, so prefix sums never decrease and, rounding being monotone, each window's
    ``bad ≤ bad(U)`` and ``threshold·weight ≥ threshold·weight(I)`` in floats too. A block
    with ``bad(U) ≤ threshold·weight(I)`` cannot fire (usually almost all of them)."""
    size = max(min(n // 2, 60), 1)  # U and I within 60 slices of the window, or n/2 for short ones
    b = np.arange(i0, i1 + 1, size)
    e = np.minimum(b + size - 1, i1)
    u, x = np.maximum(b - n, 0), np.maximum(e - n, 0)
    weight_in = np.where(x <= b, cw[b] - cw[np.minimum(x, b)], 0.0)
    keep = cb[e] - cb[u] > threshold * weight_in
    if not keep.any():
        return np.zeros(0, dtype=np.int64)
    first, last = b[keep], e[keep]
    lengths = last - first + 1
    return np.repeat(first - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths) + np.arange(int(lengths.sum()))


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


def replay(tl: timeline.Timeline, start: datetime, end: datetime,
           sparse: bool | None = None) -> tuple[list[Episode], list[AlertWindow]]:
    """Alert episodes of the SLO's four alert windows, evaluated at every slice boundary in
    ``[start, end]``. ``tl`` must begin at least 3 days before ``start`` for full windows.
    ``sparse=False``: evaluate both windows at every boundary, the plain way the tests
    compare the shortcuts with (None: the bad slices' positions for Timeslices, else only
    the boundaries :func:`_may_fire` leaves; the same numbers)."""
    windows = alert_windows(tl.slo)
    i0, i1 = max(tl.index(start), 0), min(tl.index(end), tl.n)
    w = tl.window_seconds
    shorts = [max(aw.short_seconds // w, 1) for aw in windows]
    # Timeslices with every short window whole: bad is 0 or 1 per slice and the weight of a
    # window is its length, so the replay needs only where the bad slices are (usually a few
    # hundred of 40,000): prefix sums are counts of bad slices before a boundary, and the
    # boundaries where a short window holds enough of them come from those positions alone.
    plain = sparse is False
    sparse = not plain and tl.slo.budgeting_method == "Timeslices" and i0 >= max(shorts)
    if sparse:
        bad_at = tl.bad_slices

        def cb(idx):  # prefix sums of bad at boundaries idx (the numbers of the dense path)
            return bad_at.searchsorted(idx).astype(float)

        def cw(idx):
            return np.asarray(idx, dtype=float)
    else:
        cb_all, cw_all = tl.cumulative("bad"), tl.cumulative("weight")
        cb, cw = cb_all.__getitem__, cw_all.__getitem__
    sums: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # window slices -> (bad, weight) at each boundary

    def window(k: int) -> tuple[np.ndarray, np.ndarray]:
        if k not in sums:
            sums[k] = (_sums(cb_all, i0, i1, k), _sums(cw_all, i0, i1, k))
        return sums[k]

    # Fires when both windows' bad > factor·(1 − target)·weight; burn = bad / (weight·(1 − target)).
    # The short window is checked at every boundary; the long one only where the short fires
    # (``c[i] − c[max(i − k, 0)]``: the numbers _sums gives there).
    fired: dict[str, list[tuple]] = {}
    for aw, n_short in zip(windows, shorts):
        n_long = aw.long_seconds // w
        threshold = _threshold(aw, tl.slo.objectives[tl.objective].target, tl.target)
        if sparse:
            # bad_s > threshold·n_short for a whole number bad_s: at least floor(·) + 1 bad slices.
            on = _holding(bad_at, n_short, math.floor(threshold * n_short) + 1, i0, i1)
        elif plain:
            bad_s, weight_s = window(n_short)
            on = (bad_s > threshold * weight_s).nonzero()[0]  # boundaries i0 + on
            on = on[weight_s[on] > 0]
        else:
            # The short window checked only where the long one may fire (see _may_fire).
            at = _may_fire(cb_all, cw_all, i0, i1, n_long, threshold)
            lo = np.maximum(at - n_short, 0)
            bad_s, weight_s = cb_all[at] - cb_all[lo], cw_all[at] - cw_all[lo]
            on = at[(bad_s > threshold * weight_s) & (weight_s > 0)] - i0
        if not len(on):
            continue
        i = i0 + on
        lo = np.maximum(i - n_long, 0)
        bad_l, weight_l = cb(i) - cb(lo), cw(i) - cw(lo)
        keep = (weight_l > 0) & (bad_l > threshold * weight_l)
        on, bad_l, weight_l = on[keep], bad_l[keep], weight_l[keep]
        # The long-window burn rate where it fires, to find each episode's peak.
        fired.setdefault(aw.severity, []).append((on, bad_l / (weight_l * tl.budget), bad_l, weight_l, aw.label, n_long))
    episodes = []
    count = i1 - i0 + 1  # evaluations
    budget_n, budget_d = tl.budget_ratio
    for severity, conds in fired.items():
        mask = np.zeros(count, dtype=bool)
        for c in conds:
            mask[c[0]] = True
        firing = (mask).nonzero()[0]
        if not len(firing):
            continue
        breaks = (firing[1:] - firing[:-1] > 1).nonzero()[0]
        starts = firing[np.concatenate(([0], breaks + 1))]  # episodes [starts, ends) of evaluations
        ends = firing[np.concatenate((breaks, [len(firing) - 1]))] + 1
        peak_bad, peak_weight, labels = _peaks(conds, starts, ends)
        for s, e, bad, weight, names in zip(starts.tolist(), ends.tolist(), peak_bad, peak_weight, labels):
            stop = tl.time(i0 + e) if e < count else None
            begin = tl.time(i0 + s)
            minutes = ((stop or tl.time(i1)) - begin).total_seconds() / 60
            peak = _exact_burn(bad, weight, budget_n, budget_d)
            episodes.append(Episode(severity, begin, stop, minutes, peak, names))
    episodes.sort(key=lambda ep: (ep.start, ep.severity))
    return episodes, windows


def incidents_paged(
    con: duckdb.DuckDBPyConnection, slo: SLO, episodes: list[Episode], start: datetime, end: datetime,
    rows: list | None = None,
) -> list[dict]:
    """For each incident of the SLO's service overlapping ``[start, end)``: would a page (or a
    ticket) of the replay have been open during its impact, and how long after its start the
    first one fired (minutes; negative when the alert was already firing)."""
    if rows is None:  # else: the rows of burn.incidents, already fetched for many SLOs
        rows = con.execute(store.query("burn.incidents"), {"service": slo.service, "start": start, "end": end}).fetchall()
    out = []
    for inc_id, severity, title, impact_start, impact_end, detected_at in rows:
        stop = impact_end or end
        result = {"id": inc_id, "severity": severity, "title": title, "impact_start": impact_start,
                  "impact_end": impact_end, "detected_at": detected_at}
        for kind in ("page", "ticket"):
            hits = [ep for ep in episodes if ep.severity == kind and ep.start < stop and (ep.end is None or ep.end > impact_start)]
            first = min((ep.start for ep in hits), default=None)
            result[f"{kind}d"] = bool(hits)
            result[f"first_{kind}_at"] = first
            result[f"{kind}_delay_minutes"] = None if first is None else (first - impact_start).total_seconds() / 60
        out.append(result)
    return out


def _first(slo: SLO, start: datetime, end: datetime, windows: list | None) -> datetime:
    """Where the slices must begin: 3 days before ``start`` (full alert windows), or earlier
    for a longer extra window."""
    t0 = timeline.align(start - timedelta(seconds=LONGEST), slo)
    longest_extra = max((d for d in windows or []), default=0)
    return min(t0, timeline.align(end - timedelta(seconds=longest_extra), slo))


def analyse(con: duckdb.DuckDBPyConnection, slo: SLO, start: datetime, end: datetime, windows: list | None = None) -> dict:
    """Everything ``burn`` prints: burn rate over ``[start, end)``, over each extra window
    ending at ``end``, the alert windows, the replayed episodes and the incidents check."""
    tl = timeline.load(con, slo, _first(slo, start, end, windows), end)
    return _analysed(con, tl, start, end, windows)


def analyse_many(
    con: duckdb.DuckDBPyConnection, selected: list[SLO], start: datetime, end: datetime, windows: list | None = None
) -> list[dict]:
    """:func:`analyse` for every SLO of ``selected``, their slices loaded by one scan
    (:mod:`reliability.analysis.fleet`) and their incidents by one query: the same numbers."""
    from reliability.analysis import fleet

    services = sorted({s.service for s in selected})
    rows = con.execute(store.query("burn.incidents_many"), {"services": services, "start": start, "end": end}).fetchall()
    by_service: dict[str, list] = {}
    for r in rows:
        by_service.setdefault(r[1], []).append(r[:1] + r[2:])
    from reliability.analysis.burn_many import replay_many

    out: list = [None] * len(selected)
    for chunk in fleet.chunked(con, selected, lambda s: (_first(s, start, end, windows), end)):
        replays = replay_many([tl for _, tl in chunk], start, end)  # the chunk's replays at once
        for (i, tl), replayed in zip(chunk, replays):
            out[i] = _analysed(con, tl, start, end, windows, by_service.get(tl.slo.service, []), replayed)
    return out


def _analysed(con, tl: timeline.Timeline, start: datetime, end: datetime, windows: list | None,
              incident_rows: list | None = None, replayed: tuple | None = None) -> dict:
    slo = tl.slo
    episodes, alert_ws = replayed or replay(tl, start, end)
    i_end = tl.index(end)
    extra = {_dur(d): burn_rate(tl, i_end - d // tl.window_seconds, i_end) for d in windows or []}
    return {
        "slo": slo.name,
        "service": slo.service,
        "sli": slo.sli,
        "budgeting_method": slo.budgeting_method,
        "target": slo.objectives[0].target,
        "from": start,
        "to": end,
        "burn_rate": burn_rate(tl, tl.index(start), i_end),
        "burn_rates_at_end": extra,
        "alert_windows": [aw.as_json() for aw in alert_ws],
        "episodes": [ep.as_json() for ep in episodes],
        "incidents": incidents_paged(con, slo, episodes, start, end, incident_rows),
    }
