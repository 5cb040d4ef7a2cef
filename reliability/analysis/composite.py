"""Composite SLOs: a user journey's attainment, budget, burn and history from its members
(docs/sla.md, "Composite SLOs").

Each member is computed by ``sla`` over the **composite's** period (its calendar month in its
own zone, or the rolling window), with the same no-data policy, maintenance and coverage rule.
With ``w_i`` the member weights normalised to sum to 1 and ``a_i`` the members' attainments:

- weighted: ``attainment = Σ w_i · a_i``;  worst: ``attainment = min a_i``.
- ``bad = 1 − attainment`` and ``allowed_bad = 1 − target`` (the composite's own target), in
  the budget unit ``share`` (a share of the period's good service; a weighted mix of shares of
  requests and of minutes when members count differently); ``error_budget_remaining =
  1 − bad / allowed_bad``; ``breached = attainment < target``.
- ``status`` is ``insufficient_data`` when any member's is (or has no attainment), whatever
  the others say: a journey with an unmeasured step is never green. ``data_coverage`` is the
  lowest member's, ``partial`` when any member's period is, ``as_of`` the earliest.

Arithmetic is exact (fractions of the members' float attainments), rounded once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from decimal import Decimal
from fractions import Fraction

import duckdb

from reliability import periods, slos, store
from reliability.analysis import sla
from reliability.errors import BadInput
from reliability.openslo.composite import Composite, from_stored

BUDGET_UNIT = "share"


def load(con: duckdb.DuckDBPyConnection, name: str | None = None) -> list[Composite]:
    """The stored composite SLOs (all, or the one named; none on a database without the table)."""
    if not store.rows(con, "composite.has_table")[0]["n"]:
        return []
    rows = store.rows(con, "composite.definitions")
    return [from_stored(json.loads(r["definition"])) for r in rows if name in (None, r["name"])]


def zone(comp: Composite) -> str:
    return "UTC" if comp.window.is_rolling else comp.window.time_zone


def month_period(comp: Composite, month: str) -> periods.Period:
    """Calendar month ``YYYY-MM`` in the composite's zone (UTC for a rolling one)."""
    return periods.month(month, zone(comp))


def selected(con: duckdb.DuckDBPyConnection, slo_name: str | None) -> list[Composite]:
    """The composites a command's ``--slo`` selects: all without it, the one it names, or none
    (it names an SLO or an instance)."""
    if slo_name is not None and "{" in slo_name:
        return []
    return load(con, slo_name)


def _member_slos(con: duckdb.DuckDBPyConnection, comp: Composite) -> list[tuple[object, int]]:
    """(SLO, objective index) per member, in the definition's order."""
    out = []
    for m in comp.members:
        found = slos.load(con, m.slo)
        if not found:
            raise BadInput(f"composite {comp.name!r}: member SLO {m.slo!r} is not defined (any more)", field="--slo")
        slo = found[0]
        if slo.group_by and not slo.instance:
            raise BadInput(f"composite {comp.name!r}: member {m.slo!r} is a per-instance SLO; name one instance "
                           f'({m.slo}{{{slo.group_by[0]}="..."}})', field="--slo")
        idx = 0
        if m.objective is not None:
            names = [o.name for o in slo.objectives]
            if m.objective not in names:
                raise BadInput(f"composite {comp.name!r}: {m.slo!r} has no objective {m.objective!r}", field="--slo")
            idx = names.index(m.objective)
        out.append((slo, idx))
    return out


def _exact(x: float) -> Fraction:
    return Fraction(Decimal(repr(x)))


def compute(
    con: duckdb.DuckDBPyConnection,
    comp: Composite,
    period: periods.Period,
    no_data: str = "good",
    maintenance: Sequence | None = None,
    min_coverage: float = sla.DEFAULT_MIN_COVERAGE,
    now: datetime | None = None,
) -> dict:
    """The composite's row over ``period`` (JSON-ready; datetimes as datetimes)."""
    members = _member_slos(con, comp)
    rows = sla.compute_periods(con, lambda s: period, no_data=no_data, selected=[s for s, _ in members],
                               maintenance=maintenance, min_coverage=min_coverage, now=now)
    by_key = {}
    for r in rows:
        by_key.setdefault(r.slo, []).append(r)
    picked = [by_key[s.name][idx] for s, idx in members]
    total_weight = sum(Fraction(m.weight) for m in comp.members)
    weights = [Fraction(m.weight) / total_weight for m in comp.members]
    values = [None if r.attainment is None else
              r.exact_attainment if r.exact_attainment is not None else _exact(r.attainment) for r in picked]
    known = all(v is not None for v in values)
    target = _exact(comp.target)
    attainment = None
    worst_index = None
    if known:
        if comp.aggregation == "weighted":
            attainment = sum(w * a for w, a in zip(weights, values))
        else:
            worst_index = min(range(len(values)), key=lambda i: values[i])
            attainment = values[worst_index]
    bad = None if attainment is None else 1 - attainment
    allowed = 1 - target
    remaining = None if bad is None else (1 - bad / allowed if allowed else (Fraction(1) if bad == 0 else None))
    breached = attainment is not None and attainment < target
    insufficient = not known or any(r.status == "insufficient_data" for r in picked)
    coverages = [r.data_coverage for r in picked]
    coverage = None if any(c is None for c in coverages) else min(coverages)
    status = "insufficient_data" if insufficient else ("breached" if breached else "met")
    as_of = min(r.as_of or period.end for r in picked)
    out_members = []
    for i, (r, w) in enumerate(zip(picked, weights)):
        item = {
            "slo": r.slo, "objective": r.objective, "weight": float(w), "budgeting_method": r.budgeting_method,
            "target": r.target, "attainment": r.attainment, "status": r.status, "data_coverage": r.data_coverage,
            "bad": r.bad, "allowed_bad": r.allowed_bad, "budget_unit": r.unit,
            "error_budget_remaining": r.error_budget_remaining,
        }
        if comp.aggregation == "weighted":
            # The member's part of the composite's bad: w_i · (1 − a_i) (they add up to bad).
            item["contribution"] = None if r.attainment is None else float(w * (1 - values[i]))
        else:
            item["worst"] = i == worst_index
        out_members.append(item)
    return {
        "slo": comp.name,
        "service": comp.service,
        "objective": comp.objective,
        "aggregation": comp.aggregation,
        "target": comp.target,
        "period_start": period.start,
        "period_end": period.end,
        "time_zone": period.zone,
        "attainment": None if attainment is None else float(attainment),
        "breached": breached,
        "bad": None if bad is None else float(bad),
        "allowed_bad": float(allowed),
        "budget_unit": BUDGET_UNIT,
        "error_budget_remaining": None if remaining is None else float(remaining),
        "data_coverage": coverage,
        "status": status,
        "partial": as_of < period.end,
        "as_of": as_of,
        "members": out_members,
    }


def month_rows(con, month: str, name: str | None = None, **kw) -> list[dict]:
    """Every composite's (or the named one's) row for calendar month ``YYYY-MM``."""
    return [compute(con, c, periods.month(month, zone(c)), **kw) for c in load(con, name)]


def burn(con, comp: Composite, start: datetime, end: datetime, windows: Sequence[int] = (), **kw) -> dict:
    """The composite's burn rate over ``[start, end)`` and over each window (seconds) ending
    at ``end``: ``(1 − attainment) / (1 − target)`` with the attainment of that span (1: the
    budget spent exactly at the rate that empties it at the end of the window)."""

    def rate(t0: datetime) -> float | None:
        row = compute(con, comp, periods.Period("burn", "UTC", t0, end), **kw)
        return None if row["bad"] is None else row["bad"] / row["allowed_bad"]

    from datetime import timedelta

    from reliability.analysis.burn import _dur

    return {
        "slo": comp.name, "from": start, "to": end, "target": comp.target, "aggregation": comp.aggregation,
        "burn_rate": rate(start),
        "burn_rates_at_end": {_dur(s): rate(end - timedelta(seconds=s)) for s in windows},
    }


def budget(con, comp: Composite, month: str, as_of: datetime | None = None, **kw) -> dict:
    """The composite's budget over calendar month ``month``: the month's row as of ``as_of``
    (default now) and daily points (local midnights) of budget left since the month began."""
    period = periods.month(month, zone(comp))
    now = as_of or datetime.now(timezone.utc)
    end = min(period.end, max(now, period.start))
    row = compute(con, comp, periods.Period(month, period.zone, period.start, end), now=now, **kw) \
        if end > period.start else None
    points = []
    for day_end in _midnights(period):
        if day_end > end:
            break
        r = compute(con, comp, periods.Period(month, period.zone, period.start, day_end), now=now, **kw)
        points.append({"at": day_end, "attainment": r["attainment"], "remaining": r["error_budget_remaining"],
                       "status": r["status"]})
    return {"slo": comp.name, "month": month, "as_of": end, "row": row, "points": points}


def _midnights(period: periods.Period) -> list[datetime]:
    """The local midnights after the period's start, up to its end (DST-aware)."""
    from datetime import timedelta

    zi = periods.zone(period.zone)
    day, out = period.start.astimezone(zi).date(), []
    while True:
        day += timedelta(days=1)
        t = datetime(day.year, day.month, day.day, tzinfo=zi).astimezone(timezone.utc)
        if t > period.end:
            return out
        out.append(t)
