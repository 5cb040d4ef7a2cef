"""SLA rows for many SLO periods at once: :func:`reliability.analysis.sla.finish` over columns.

The leadership overview reads every SLO's months from the monthly rollups: 26,000 SLO-months
for 2,000 SLOs over 13 months. ``sla.finish`` turns each into a
:class:`~reliability.analysis.sla.SlaRow` with ``Fraction`` arithmetic (~60 µs a row, then
``as_json`` and a frame built from dicts). :func:`finish_many` gives the same numbers, bit for
bit, as columns (lists, one entry per row, keyed as ``SlaRow.as_json()``):

- Every rational ``finish`` rounds to a float is formed here as a numerator over a positive
  denominator in Python integers (a float input ``x`` is exactly ``x.as_integer_ratio()``) and
  divided once. ``int / int`` is correctly rounded, and ``float(Fraction)`` is that same
  division, so both give the float nearest the same rational: no ``Fraction`` object, no gcd,
  no dataclass per row, and nothing approximated.
- ``breached`` (attainment < target) compares cross-multiplied integers, exactly.
- Everything else (slices, coverage, status, partial, ``as_of``) follows ``finish`` line by line.

tests/test_finish_many.py checks every field against ``sla.finish`` over random rows and edge
cases (zero traffic, months without data, partial months, 28-31-day and DST months).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from numbers import Integral

from reliability import periods
from reliability.analysis import sla
from reliability.analysis.verdict import exact_target, status_of
from reliability.openslo import SLO
from reliability.units import budget_unit

# The columns, in the order of SlaRow.as_json() (labels and history aside).
COLUMNS = (*sla._SLA_FIELDS, "budget_unit")


def _ratio(value) -> tuple[int, int]:
    """``value`` (an int or a float, as stored) as an exact ``(numerator, denominator > 0)``."""
    if type(value) is int:
        return value, 1
    if type(value) is float:
        return value.as_integer_ratio()
    if isinstance(value, Integral):  # numpy's integers
        return int(value), 1
    return float(value).as_integer_ratio()


def numbers(method: str, threshold: bool, no_data: str, n: int, n_data: int, good_slices: int,
            sum_good, sum_total, sum_ratio, tn: int, td: int) -> tuple:
    """``(attainment, breached, bad, allowed_bad, error_budget_remaining, good, total)`` of one
    objective over ``n`` slices (after maintenance), exactly as ``sla.finish`` computes them.
    ``threshold``: a threshold SLI; ``tn / td`` the target as written (``td > 0``)."""
    tk = td - tn  # 1 - target = tk / td
    n_none = n - n_data
    good_ev = total_ev = None
    if method == "Occurrences":
        if threshold:  # each slice with a value is one occurrence
            gp, gq, sp, sq = good_slices, 1, n_data, 1
        else:
            (gp, gq), (sp, sq) = _ratio(sum_good), _ratio(sum_total)
        imputed = no_data == "bad" and n_none
        if not imputed:
            tp, tq = sp, sq
        elif n_data:  # missing slices: fully bad at the mean events per slice with data
            tp, tq = sp * n, sq * n_data
        else:
            tp, tq = 0, 1
        if tp:  # attainment = good / total
            an, ad = gp * tq, gq * tp
        else:
            an, ad = (0, 1) if imputed else (None, None)
        bn, bd = tp * gq - gp * tq, tq * gq  # bad = total - good
        alp, alq = tk * tp, td * tq  # allowed = (1 - target) * total
        good_ev, total_ev = gp / gq, tp / tq
    elif method == "Timeslices":
        if no_data == "good":
            den, good = n, good_slices + n_none
        elif no_data == "bad":
            den, good = n, good_slices
        else:
            den, good = n_data, good_slices
        an, ad = (good, den) if den else (None, None)
        bn, bd = den - good, 1
        alp, alq = tk * den, td
    else:  # RatioTimeslices
        rp, rq = _ratio(sum_ratio)
        den = n if no_data == "bad" else n_data
        an, ad = (rp, rq * den) if den else (None, None)
        bn, bd = den * rq - rp, rq  # bad = slices - ratio sum
        alp, alq = tk * den, td
    if an is None:
        attainment, breached = None, False
    else:
        if ad < 0:  # a positive denominator: 0 / -n would be -0.0
            an, ad = -an, -ad
        attainment, breached = an / ad, an * td < tn * ad
    if alp:  # remaining = 1 - bad / allowed = (bd·alp − bn·alq) / (bd·alp)
        rn, rd = bd * alp - bn * alq, bd * alp
        if rd < 0:
            rn, rd = -rn, -rd
        remaining = rn / rd
    else:
        remaining = 1.0 if bn == 0 else None
    return attainment, breached, bn / bd, alp / alq, remaining, good_ev, total_ev


def finish_many(
    slos_: Sequence[SLO], idxs: Sequence[int], periods_: Sequence[periods.Period], aggs: Mapping[str, Sequence],
    no_data: str = "good", excluded: Sequence[int] | None = None, window_ids: Sequence[Sequence[str]] | None = None,
    min_coverage: float = sla.DEFAULT_MIN_COVERAGE, as_of: Sequence[datetime | None] | None = None,
) -> dict[str, list]:
    """``sla.finish(slos_[i], idxs[i], periods_[i], {k: aggs[k][i]}, no_data, excluded[i],
    window_ids[i], min_coverage, as_of[i]).as_json()`` for every ``i``, as columns (:data:`COLUMNS`).
    ``aggs``: ``slices_with_data``, ``good_slices``, ``sum_good``, ``sum_total``, ``sum_ratio``."""
    size = len(slos_)
    excluded = excluded if excluded is not None else [0] * size
    window_ids = window_ids if window_ids is not None else [()] * size
    as_of = as_of if as_of is not None else [None] * size
    out: dict[str, list] = {c: [None] * size for c in COLUMNS}
    (c_slo, c_service, c_sli, c_method, c_target, c_start, c_end, c_att, c_breached, c_bad, c_allowed, c_left,
     c_none, c_objective, c_zone, c_window, c_slices, c_data, c_good_slices, c_good, c_total, c_excluded,
     c_maint, c_windows, c_coverage, c_status, c_partial, c_as_of, c_unit) = (out[c] for c in COLUMNS)
    swd, gs, sg, st, sr = (aggs[k] for k in ("slices_with_data", "good_slices", "sum_good", "sum_total", "sum_ratio"))
    objectives: dict[tuple[int, int], tuple] = {}  # what an objective of an SLO contributes to each of its rows
    spans: dict[int, int] = {}  # seconds of each period
    for i in range(size):
        slo, idx, period, ex = slos_[i], idxs[i], periods_[i], excluded[i]
        fixed = objectives.get((id(slo), idx))
        if fixed is None:
            objective = slo.objectives[idx]
            window = slo.time_slice_window_seconds or sla.DEFAULT_SLICE_SECONDS
            t = exact_target(objective.target)
            fixed = objectives[(id(slo), idx)] = (
                slo.name, slo.service, slo.sli, slo.budgeting_method, objective.target, objective.name, window,
                slo.indicator.kind == "threshold", t.numerator, t.denominator,
                budget_unit(slo.budgeting_method, window / 60))
        name, service, sli, method, target, objective_name, window, threshold, tn, td, unit = fixed
        seconds = spans.get(id(period))
        if seconds is None:
            seconds = spans[id(period)] = period.seconds
        n = seconds // window + (1 if seconds % window else 0) - ex
        n_data, good_slices = int(swd[i]), int(gs[i])
        att, breached, bad, allowed, left, good, total = numbers(
            method, threshold, no_data, n, n_data, good_slices, sg[i], st[i], sr[i], tn, td)
        coverage = n_data / n if n > 0 else None
        start, end = period.start, period.end
        at = as_of[i]
        at = end if at is None or at > end else (start if at < start else at)
        c_slo[i], c_service[i], c_sli[i], c_method[i], c_target[i] = name, service, sli, method, target
        c_start[i], c_end[i], c_att[i], c_breached[i], c_bad[i], c_allowed[i] = start, end, att, breached, bad, allowed
        c_left[i], c_none[i], c_objective[i], c_zone[i] = left, n - n_data, objective_name, period.zone
        c_window[i], c_slices[i], c_data[i] = window / 60, n, n_data
        c_good_slices[i] = good_slices if method != "Occurrences" else None
        c_good[i], c_total[i], c_excluded[i], c_maint[i] = good, total, ex, ex * window / 60
        c_windows[i], c_coverage[i] = list(window_ids[i]), coverage
        c_status[i], c_partial[i], c_as_of[i] = status_of(coverage, breached, min_coverage), at < end, at
        c_unit[i] = unit
    return out
