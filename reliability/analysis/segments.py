"""Periods computed with the definitions in force then (docs/sla.md, "Definitions in force").

An SLO with a history (:mod:`reliability.versions`) is computed over a period with the
version(s) in force during it:

- The period is laid out in the time zone of the version in force when it starts (the
  newest version's zone decides which instant "starts" it).
- Each version in force during the period gives a **segment**: from its ``effective_from``
  (or the period's start) to the next version's (or the period's end). A change takes effect
  at the first slice boundary at or after ``effective_from`` in the new version's slices, laid
  from the period's start, so no slice is split. Each segment is computed exactly as ``sla``
  computes a period, with its own version's target, SLI, budgeting method and slices: its own
  attainment, budget, coverage and status.
- The period's numbers, when every segment has the same budgeting method and budget unit
  (``combined: "prorated"``): each segment earns error budget at its own target over what it
  measured, and the period is judged against the sum. With ``D`` what a segment measured (the
  denominator of its attainment: events for Occurrences, slices for Timeslices, slices with
  data for RatioTimeslices, as the no-data policy says) and ``G`` its good part:
  ``attainment = ΣG / ΣD``, ``bad = ΣD − ΣG``, ``allowed_bad = Σ (1 − target_i) · D_i``,
  ``error_budget_remaining = 1 − bad / allowed_bad``, and ``target = 1 − allowed_bad / ΣD``
  (the segments' targets weighted by ``D``; by slices when nothing was measured), so that
  ``breached = attainment < target`` holds as for any period. ``data_coverage`` is over all
  slices of the period, and the status follows from it as always.
- Segments with different budgeting methods or budget units cannot be added up
  (``combined: "worst_of_segments"``): ``target``, ``attainment``, ``bad``, ``allowed_bad`` and
  ``error_budget_remaining`` are null and the status is the worst segment's (breached, else
  insufficient_data, else met).
- Before the first version takes effect (only when it was applied with ``--effective-from``)
  the SLO did not exist: such a stretch belongs to no segment, and a period entirely before it
  has no row for the SLO.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from fractions import Fraction

from reliability import openslo, periods
from reliability.analysis.verdict import exact_target as _target
from reliability.analysis.verdict import status_of
from reliability.openslo import SLO
from reliability.versions import Version, in_force

# Rows are reliability.analysis.sla.SlaRow (not imported: sla calls this module).

_SEP = "\x1f"  # internal names of segment SLOs: NAME␟k, never a valid SLO name


def _slo_of(version: Version, current: SLO, sources: dict) -> SLO:
    """The SLO as ``version`` defined it, named and labelled as it is now; for an instance of a
    per-instance definition, that instance of the version (its series, its address)."""
    parsed = openslo.slo_from_definition(version.definition, sources)
    if current.instance and tuple(k for k, _ in current.instance) == parsed.group_by:
        from reliability.instances import instance_of

        parsed = instance_of(parsed, current.instance)
    return dataclasses.replace(parsed, labels=current.labels, display_name=current.display_name)


def version_slo(version: Version, current: SLO, sources: dict) -> SLO:
    """The SLO as ``version`` defined it (see :func:`_slo_of`): for callers outside this module."""
    return _slo_of(version, current, sources)


def histories_of(con, selected: Sequence[SLO]) -> dict[str, list[Version]]:
    """The history of each of ``selected`` that has one, by its name: an instance of a
    per-instance definition has its definition's history (versions are kept per definition)."""
    from reliability import versions

    found = versions.histories(con, sorted({s.base_name for s in selected}))
    return {s.name: found[s.base_name] for s in selected if s.base_name in found}


def _snap(t: datetime, period: periods.Period, window_seconds: int) -> datetime:
    """``t`` moved to the first slice boundary at or after it (slices laid from the period's start)."""
    if t <= period.start or t >= period.end:
        return t
    step = window_seconds * 1_000_000
    micro = (t - period.start) // timedelta(microseconds=1)
    return period.start + timedelta(microseconds=-(-micro // step) * step)


def plan(current: SLO, history: Sequence[Version], period_for, sources: dict):
    """``(period, [(version, version's SLO, segment period), ...])`` for ``current`` (the SLO as
    in force now) over the period ``period_for`` gives."""
    slo_for = {v.version: _slo_of(v, current, sources) for v in history}
    first = period_for(current)
    starting = in_force(history, first.start) or history[0]
    period = period_for(slo_for[starting.version])
    windows = {v.version: (slo_for[v.version].time_slice_window_seconds or 60) for v in history}
    bounds = []
    for i, v in enumerate(history):
        start = period.start if v.effective_from is None else _snap(v.effective_from, period, windows[v.version])
        nxt = history[i + 1] if i + 1 < len(history) else None
        end = period.end if nxt is None else _snap(nxt.effective_from, period, windows[nxt.version])
        start, end = max(start, period.start), min(end, period.end)
        if start < end:
            bounds.append((v, slo_for[v.version], periods.Period(period.label, period.zone, start, end)))
    return period, bounds


def compute(
    selected: Sequence[SLO],
    period_for,
    histories: dict[str, list[Version]],
    sources: dict,
    core: Callable[[list[SLO], Callable], list],
    no_data: str,
    min_coverage: float,
) -> list:
    """The rows of ``selected`` over ``period_for``'s periods, SLOs with a history computed per
    segment (``core(items, period_for)`` computes plain rows, SLO by SLO and objective by
    objective) and combined as the module says."""
    items: list[SLO] = []
    period_of: dict[str, periods.Period] = {}
    plans: dict[str, tuple] = {}
    for slo in selected:
        history = histories.get(slo.name)
        if not history:
            items.append(slo)
            continue
        period, segs = plan(slo, history, period_for, sources)
        plans[slo.name] = (period, segs)
        for k, (_v, vslo, p) in enumerate(segs):
            internal = dataclasses.replace(vslo, name=f"{slo.name}{_SEP}{k}")
            period_of[internal.name] = p
            items.append(internal)
    computed = iter(core(items, lambda s: period_of[s.name] if _SEP in s.name else period_for(s)))
    by_item: dict[str, list] = {}
    for item in items:
        by_item[item.name] = [next(computed) for _ in item.objectives]
    rows: list = []
    for slo in selected:
        if slo.name not in plans:
            rows.extend(by_item[slo.name])
            continue
        period, segs = plans[slo.name]
        if not segs:
            continue  # the SLO was not defined yet in this period
        parts = [
            (v, [dataclasses.replace(r, slo=slo.name, labels=()) for r in by_item[f"{slo.name}{_SEP}{k}"]])
            for k, (v, _s, _p) in enumerate(segs)
        ]
        last_version, last_rows = parts[-1]
        for idx in range(len(last_rows)):
            pieces = [(v, rs[idx]) for v, rs in parts if idx < len(rs)]
            rows.append(_combine(slo, period, pieces, no_data, min_coverage))
    return rows


def _info(version: Version) -> dict:
    return {"version": version.version, "effective_from": version.effective_from}


def _measured(r, no_data: str) -> tuple[Fraction, Fraction]:
    """``(D, G)``: what the segment's attainment divides by, and its good part (exact)."""
    if r.budgeting_method == "Occurrences":
        return Fraction(r.total or 0), Fraction(r.good or 0)
    if r.budgeting_method == "Timeslices":
        n, nd, gs = r.slices, r.slices_with_data, r.good_slices or 0
        if no_data == "good":
            return Fraction(n), Fraction(gs + n - nd)
        if no_data == "bad":
            return Fraction(n), Fraction(gs)
        return Fraction(nd), Fraction(gs)
    d = Fraction(r.slices if no_data == "bad" else r.slices_with_data)
    return d, d - Fraction(r.bad)


def _combine(slo: SLO, period: periods.Period, pieces: list[tuple], no_data: str, min_coverage: float):
    rows = [r for _, r in pieces]
    last_version, last = pieces[-1]
    whole = len(pieces) == 1 and last.period_start == period.start and last.period_end == period.end
    if whole:  # one version over the whole period: its row, saying which version it is
        return dataclasses.replace(last, labels=slo.labels, history=_info(last_version))
    n = sum(r.slices for r in rows)
    n_data = sum(r.slices_with_data for r in rows)
    coverage = float(Fraction(n_data, n)) if n else None
    partial = [r for r in rows if r.partial]
    as_of = partial[0].as_of if partial else period.end
    same = len({(r.budgeting_method, r.unit, r.time_slice_window_minutes) for r in rows}) == 1
    numbers: dict = {}
    if same:
        measured = [_measured(r, no_data) for r in rows]
        d = sum(m[0] for m in measured)
        g = sum(m[1] for m in measured)
        allowed = sum((1 - _target(r.target)) * m[0] for r, m in zip(rows, measured))
        bad = d - g
        if d:
            target = 1 - allowed / d
            attainment = g / d
        else:
            weights = sum(r.slices for r in rows) or 1
            target = sum(_target(r.target) * r.slices for r in rows) / weights
            attainment = None if all(r.attainment is None for r in rows) else Fraction(0)
        remaining = 1 - bad / allowed if allowed else (Fraction(1) if bad == 0 else None)
        breached = attainment is not None and attainment < target
        status = status_of(coverage, breached, min_coverage)
        numbers = {
            "target": float(target), "attainment": None if attainment is None else float(attainment),
            "bad": float(bad), "allowed_bad": float(allowed),
            "error_budget_remaining": None if remaining is None else float(remaining),
        }
        rule = "prorated"
    else:
        breached = any(r.breached for r in rows)
        statuses = {r.status for r in rows}
        status = "breached" if "breached" in statuses else (
            "insufficient_data" if "insufficient_data" in statuses else "met")
        numbers = dict.fromkeys(("target", "attainment", "bad", "allowed_bad", "error_budget_remaining"))
        rule = "worst_of_segments"

    def total(name):
        values = [getattr(r, name) for r in rows]
        return None if any(v is None for v in values) else sum(values)

    windows = tuple(dict.fromkeys(w for r in rows for w in r.maintenance_windows))
    return dataclasses.replace(
        last, **numbers, period_start=period.start, period_end=period.end, breached=breached,
        no_data=sum(r.no_data for r in rows), slices=n, slices_with_data=n_data,
        good_slices=total("good_slices"), good=total("good"), total=total("total"),
        excluded_slices=sum(r.excluded_slices for r in rows),
        maintenance_minutes=sum(r.maintenance_minutes for r in rows), maintenance_windows=windows,
        data_coverage=coverage, status=status, partial=bool(partial), as_of=as_of, labels=slo.labels,
        history=_info(last_version) | {"combined": rule, "segments": pieces},
    )


def for_budget(current: SLO, history: Sequence[Version], period: periods.Period, at: datetime | None,
               sources: dict) -> tuple[SLO, dict]:
    """The SLO a burn-down over ``period`` uses — the version in force at ``at`` (else at the
    period's end; the first version before it takes effect) for the whole period — and what
    ``budget`` says about it: ``version``, ``effective_from`` and ``definition_changes`` (the
    versions taking effect inside the period; ``sla`` splits such a period)."""
    ref = min(at or period.end, period.end) - timedelta(microseconds=1)
    version = in_force(history, ref) or history[0]
    changes = [{"version": v.version, "effective_from": v.effective_from} for v in history
               if v.effective_from is not None and period.start < v.effective_from < period.end]
    note = _info(version) | ({"definition_changes": changes} if changes else {})
    return _slo_of(version, current, sources), note


def in_force_at(con, selected: Sequence[SLO], at: datetime) -> list[SLO]:
    """``selected`` (SLOs as in force now) each as the version in force at ``at`` (the first
    version when ``at`` is before it); SLOs without a history are returned as they are."""
    from reliability import slos

    history = histories_of(con, selected)
    if not history:
        return list(selected)
    sources = slos.datasources(con)
    out = []
    for slo in selected:
        found = history.get(slo.name)
        out.append(slo if not found else _slo_of(in_force(found, at) or found[0], slo, sources))
    return out
