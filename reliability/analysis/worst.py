"""The N worst contiguous windows of an SLO in a calendar month, for breach investigations.

A window is ``[start, start + L)`` for a start on any slice boundary of the period, lying
wholly inside the period (``L`` a multiple of the slice length: 30m, 1h, 1d ...). Windows are
ranked by ``bad`` in the SLO's units (bad slices for Timeslices, failed events for
Occurrences, ``Σ(1 − good/total)`` for RatioTimeslices); the worst is taken, then the next
worst that does not overlap any taken, and so on. Ties go to a window that starts on a bad
slice, then to the earliest. Windows with nothing bad are never listed.

Per window: ``bad``; ``bad_minutes`` (slices whose error rate exceeds what the SLO allows ×
slice minutes, :attr:`reliability.analysis.timeline.Timeline.bad_minute`, the rule of
``impact``); ``failed_events`` and ``events`` (raw counts); ``burn_rate`` (as in ``burn``).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import numpy as np

from reliability import periods
from reliability.analysis import burn, sla, timeline
from reliability.openslo import SLO
from reliability.units import budget_unit


def worst_windows(tl: timeline.Timeline, first: int, count: int, length: int, top: int) -> list[dict]:
    """The ``top`` worst non-overlapping windows of ``length`` slices among slices
    ``[first, first + count)`` of ``tl``."""
    if length > count:
        return []
    cb = tl.cumulative("bad")[first : first + count + 1]
    sums = cb[length:] - cb[:-length]  # bad in the window starting at each slice
    # Greedy: the best start left (most bad, then starting on a bad slice, then earliest),
    # then every start whose window overlaps it is ruled out — the same as walking all
    # starts sorted by (−bad, not starting bad, start) and taking each that overlaps none
    # taken, at the cost of one argmax and one comparison per window taken.
    taken: list[int] = []
    while len(taken) < top:
        k = int(sums.argmax())
        best = sums[k]
        if not best > 0:
            break
        ties = (sums == best).nonzero()[0]  # ascending; ties[0] == k
        if len(ties) > 1:
            starting_bad = ties[tl.bad[first + ties] > 0]
            k = int(starting_bad[0]) if len(starting_bad) else k
        taken.append(k)
        sums[max(k - length + 1, 0) : k + length] = -np.inf
    out = []
    for k in taken:
        a, b = first + k, first + k + length
        bad = float(tl.bad[a:b].sum())
        bad_minutes = tl.bad_minutes(a, b)
        out.append({
            "start": tl.time(a),
            "end": tl.time(b),
            "bad": bad,
            "bad_minutes": bad_minutes,
            "failed_events": float(tl.failed[a:b].sum()),
            "events": float(tl.events[a:b].sum()),
            "burn_rate": burn.burn_rate(tl, a, b),
        })
    return out


def compute(con: duckdb.DuckDBPyConnection, slo: SLO, month: str, window_seconds: int, top: int = 5) -> dict:
    """The worst windows of ``slo`` in calendar month ``month`` (its zone)."""
    period = periods.month(month, sla.slo_zone(slo))
    return _result(timeline.load(con, slo, period.start, period.end), period, window_seconds, top)


def compute_many(
    con: duckdb.DuckDBPyConnection, selected: list[SLO], month: str, window_seconds: int, top: int = 5,
    then: Callable[[dict], object] | None = None,
) -> list:
    """:func:`compute` for every SLO of ``selected``, their series loaded by one query per
    zone and slice length (:mod:`reliability.analysis.fleet`): the same numbers, one scan.
    ``then``: applied to each result as soon as it is computed (the list holds what it returns)."""
    from reliability.analysis import fleet

    period_of = {s.name: periods.month(month, sla.slo_zone(s)) for s in selected}
    out: list = [None] * len(selected)
    for i, tl in fleet.timelines(con, selected, lambda s: (period_of[s.name].start, period_of[s.name].end)):
        out[i] = _result(tl, period_of[tl.slo.name], window_seconds, top)
        if then is not None:
            out[i] = then(out[i])
    return out


def _result(tl: timeline.Timeline, period: periods.Period, window_seconds: int, top: int) -> dict:
    slo = tl.slo
    length = window_seconds // tl.window_seconds
    return {
        "slo": slo.name,
        "service": slo.service,
        "sli": slo.sli,
        "budgeting_method": slo.budgeting_method,
        "budget_unit": budget_unit(slo.budgeting_method, tl.slice_minutes),  # what each window's bad counts
        "period_start": period.start,
        "period_end": period.end,
        "window_minutes": window_seconds / 60,
        "windows": worst_windows(tl, 0, tl.n, length, top),
    }
