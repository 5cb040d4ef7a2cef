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
days, a quarter 90, a year 365, as the workbook does). A 7-day period uses Sloth's 7-day table
instead (shares 8 %, 12.5 %, 20 %, 42 %: factors 13.44, 3.5, 1.4, 0.98). An alert of a row fires at evaluation
time t when the burn rates over ``[t − long, t)`` and ``[t − short, t)`` both exceed
(``>``) its factor, as the Prometheus rules of ``reliability rules`` do. Evaluation runs at
every slice boundary (every minute with 1-minute slices).
"""

from __future__ import annotations

from collections.abc import Callable
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


def burn_rate(tl: timeline.Timeline, first: int, last: int) -> float:
    """Burn rate over slices ``[first, last)``; 0 when the window has no weight (no events)."""
    first, last = max(0, first), min(tl.n, last)
    if tl.slo.budgeting_method == "Timeslices":  # bad 0/1 and weight 1 per slice: counts
        slices = max(last - first, 0)
        bad = int(tl.bad_slices.searchsorted(last) - tl.bad_slices.searchsorted(first)) if slices else 0
        return exact_burn(float(bad), float(slices), *tl.budget_ratio)
    return exact_burn(float(tl.bad[first:last].sum()), float(tl.weight[first:last].sum()), *tl.budget_ratio)


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


def replay(tl: timeline.Timeline, start: datetime, end: datetime,
           shortcuts: bool = True) -> tuple[list[Episode], list[AlertWindow]]:
    """Alert episodes of the SLO's four alert windows, evaluated at every slice boundary in
    ``[start, end]``. ``tl`` must begin at least 3 days before ``start`` for full windows.

    By :mod:`reliability.analysis.burn_many` (the same numbers with far fewer operations);
    ``shortcuts=False``: both windows evaluated at every boundary, the plain computation the
    tests compare the shortcuts with, and what a timeline without the 3-day lead gets."""
    if shortcuts:
        from reliability.analysis.burn_many import replay_many

        return replay_many([tl], start, end)[0]
    from reliability.analysis.burn_many import episodes

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
    con: duckdb.DuckDBPyConnection, selected: list[SLO], start: datetime, end: datetime, windows: list | None = None,
    then: Callable[[dict], object] | None = None,
) -> list:
    """:func:`analyse` for every SLO of ``selected``, their slices loaded by one scan
    (:mod:`reliability.analysis.fleet`) and their incidents by one query: the same numbers.
    ``then``: applied to each result as soon as it is computed (e.g. JSON encoding, done
    while the next chunk loads); the list holds what it returns."""
    from reliability.analysis import fleet
    from reliability.analysis.burn_many import replay_many

    services = sorted({s.service for s in selected})
    rows = con.execute(store.query("burn.incidents_many"), {"services": services, "start": start, "end": end}).fetchall()
    by_service: dict[str, list] = {}
    for r in rows:
        by_service.setdefault(r[1], []).append(r[:1] + r[2:])
    out: list = [None] * len(selected)
    for chunk in fleet.chunked(con, selected, lambda s: (_first(s, start, end, windows), end)):
        replays = replay_many([tl for _, tl in chunk], start, end)  # the chunk's replays at once
        for (i, tl), replayed in zip(chunk, replays):
            out[i] = _analysed(con, tl, start, end, windows, by_service.get(tl.slo.service, []), replayed)
            if then is not None:
                out[i] = then(out[i])
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
