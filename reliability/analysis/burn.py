"""Burn rates and the replay of multi-window, multi-burn-rate alerts over history.

Burn rate over a window W = (bad fraction in W) / (1 − target): Occurrences
``failed events / events``, Timeslices ``bad slices / slices``, RatioTimeslices
``Σ(1 − good/total) / slices with data`` (see :mod:`reliability.analysis.timeline`). A burn
rate of 1 spends exactly the budget over the SLO's period; a window with no weight burns 0.

The alert windows are the Google SRE workbook's four (long, short) pairs, their factors scaled
to the SLO's period (Sloth's 7-day table for a 7-day period) (:mod:`reliability.analysis.alerting`, which the one-SLO and the many-SLO
replays share). An alert of a row fires at evaluation time t when the burn rates over
``[t − long, t)`` and ``[t − short, t)`` both exceed (``>``) its factor, as the Prometheus
rules of ``reliability rules`` do. Evaluation runs at every slice boundary (every minute with
1-minute slices).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import duckdb

from reliability import store
from reliability.analysis import timeline
from reliability.analysis.alerting import (  # noqa: F401  (burn.alert_windows & co. kept for callers)
    HOUR, LONGEST, SEVEN_DAYS, WORKBOOK, AlertWindow, Episode, _dur, alert_windows, exact_burn, period_hours,
    plain_replay, scaled,
)
from reliability.analysis.burn_many import replay_many
from reliability.openslo import SLO


def burn_rate(tl: timeline.Timeline, first: int, last: int) -> float:
    """Burn rate over slices ``[first, last)``; 0 when the window has no weight (no events)."""
    first, last = max(0, first), min(tl.n, last)
    if tl.slo.budgeting_method == "Timeslices":  # bad 0/1 and weight 1 per slice: counts
        slices = max(last - first, 0)
        bad = int(tl.bad_slices.searchsorted(last) - tl.bad_slices.searchsorted(first)) if slices else 0
        return exact_burn(float(bad), float(slices), *tl.budget_ratio)
    return exact_burn(float(tl.bad[first:last].sum()), float(tl.weight[first:last].sum()), *tl.budget_ratio)


def replay(tl: timeline.Timeline, start: datetime, end: datetime,
           shortcuts: bool = True) -> tuple[list[Episode], list[AlertWindow]]:
    """Alert episodes of the SLO's four alert windows, evaluated at every slice boundary in
    ``[start, end]``. ``tl`` must begin at least 3 days before ``start`` for full windows.

    By :mod:`reliability.analysis.burn_many` (the same numbers with far fewer operations);
    ``shortcuts=False``: both windows evaluated at every boundary, the plain computation the
    tests compare the shortcuts with, and what a timeline without the 3-day lead gets."""
    if shortcuts:
        return replay_many([tl], start, end)[0]
    return plain_replay(tl, start, end)


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
