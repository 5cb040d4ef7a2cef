"""Error budgets over a calendar month: burn-down points, policy status, exhaustion forecast.

Units: ``bad`` and ``allowed_bad`` as in ``sla`` (events for Occurrences, slices — minutes with
1-minute slices — for Timeslices and RatioTimeslices); ``remaining`` is a ratio of the budget
(1 = untouched, 0 = spent, negative = overspent); times are UTC instants.

- Burn-down: at each point t, ``bad(t)`` = bad so far in the period and ``remaining(t) = 1 −
  bad(t) / allowed(t)``. For Timeslices ``allowed = (1 − target) · slices in the whole period``
  (fixed); for Occurrences and RatioTimeslices the budget grows with what was measured,
  ``allowed(t) = (1 − target) · events (or slices with data) so far``. At the period's end both
  equal ``sla``'s ``error_budget_remaining``. ``exhausted_at``: since when the budget has been
  spent (``remaining <= 0`` at every slice boundary from then to ``as_of``), None when it is
  not spent as of ``as_of``; ``first_exhausted_at``: the first boundary with ``remaining <= 0``
  at all — for Occurrences and RatioTimeslices the budget grows with traffic, so a few failures
  early in the month can spend it for a while and the month still end healthy.
- ``data_coverage``: slices with data / slices from the period start to ``as_of`` (None before
  the first slice).
- Policy status as of ``as_of``: ``insufficient_data`` when ``data_coverage`` is below
  ``min_coverage`` (default 0.9, as in ``sla``); else ``exhausted`` when ``remaining <= 0``;
  ``at_risk`` when ``remaining < at_risk`` (default 0.25) or the forecast at the last day's
  burn rate exhausts the budget before the period ends; else ``healthy``.
- Forecast at the burn rate ``b`` of the last 1 day and of the last 7 days before ``as_of``:
  Timeslices spend ``b · (1 − target)`` slices per slice, so the remaining ``allowed − bad``
  slices last ``(allowed − bad) / (b · (1 − target))`` slices; Occurrences (and
  RatioTimeslices) earn budget with traffic too, so the budget runs out only when ``b > 1``,
  after ``(allowed − bad) / ((1 − target) · v · (b − 1))`` minutes at ``v`` events (slices with
  data) per minute over the same window. Past the period's end: "not this period". A window
  without a slice with data (``data_coverage``'s rule) cannot tell the rate: burn rate, time
  and ``exhausts_this_period`` are None ("no data"), except that a budget already spent is
  spent (0 minutes); such a forecast never makes the status ``at_risk``.
- ``partial`` is ``sla``'s rule (:func:`reliability.analysis.sla.data_as_of`, evaluated at
  ``as_of``): the period is partial when ``as_of`` is before its end or the series' newest row
  before ``as_of`` ends before the period's end; ``data_until`` says up to when (only in a
  partial period's report).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import duckdb
import numpy as np

from reliability import periods
from reliability.analysis import sla, timeline
from reliability.openslo import SLO
from reliability.units import budget_unit

DEFAULT_AT_RISK = 0.25
FORECAST_WINDOWS = (("1d", 86400), ("7d", 7 * 86400))


@dataclass(frozen=True)
class Budget:
    """One SLO's budget over ``period`` up to ``as_of``, with the slices needed to chart it."""

    slo: SLO
    period: periods.Period
    as_of: datetime
    tl: timeline.Timeline
    offset: int  # index of the period's first slice in tl
    slices: int  # slices in the whole period

    @property
    def fixed(self) -> bool:
        return self.slo.budgeting_method == "Timeslices"

    def index(self, at: datetime) -> int:
        return self.tl.index(at) - self.offset

    def totals(self, k: int) -> tuple[Fraction, Fraction]:
        """(bad, allowed) over the period's first ``k`` slices, exactly."""
        k = max(0, min(k, self.slices))
        bad = Fraction(float(self.tl.bad[self.offset : self.offset + k].sum()))
        weight = self.slices if self.fixed else Fraction(float(self.tl.weight[self.offset : self.offset + k].sum()))
        return bad, (1 - self.tl.target) * weight

    def remaining(self, k: int) -> Fraction | None:
        bad, allowed = self.totals(k)
        if allowed:
            return 1 - bad / allowed
        return Fraction(1) if bad == 0 else None


def load(con: duckdb.DuckDBPyConnection, slo: SLO, month: str, as_of: datetime | None = None) -> Budget:
    """The SLO's budget over calendar month ``month`` (its zone), as of ``as_of`` (default: the
    period's end, or now if earlier)."""
    period = periods.month(month, sla.slo_zone(slo))
    now = datetime.now(timezone.utc)
    as_of = min(as_of or min(now, period.end), period.end)
    as_of = max(as_of, period.start)
    back = timedelta(seconds=FORECAST_WINDOWS[-1][1])
    tl = timeline.load(con, slo, period.start - back, period.end)
    w = tl.window_seconds
    n = period.seconds // w + (1 if period.seconds % w else 0)
    return Budget(slo, period, as_of, tl, int(back.total_seconds()) // w, n)


def _boundaries(b: Budget, step_seconds: int | None) -> list[datetime]:
    """Daily points at local midnights (DST-aware), or every ``step_seconds`` from the start."""
    out = [b.period.start]
    if step_seconds is None:
        zi = periods.zone(b.period.zone)
        day = b.period.start.astimezone(zi).date()
        while True:
            day += timedelta(days=1)
            t = datetime(day.year, day.month, day.day, tzinfo=zi).astimezone(timezone.utc)
            if t >= b.as_of:
                break
            out.append(t)
    else:
        t = b.period.start + timedelta(seconds=step_seconds)
        while t < b.as_of:
            out.append(t)
            t += timedelta(seconds=step_seconds)
    return out + [b.as_of]


def burndown(b: Budget, step_seconds: int | None = None) -> list[dict]:
    """Points ``{at, bad, allowed_bad, remaining}`` from the period start to ``as_of``."""
    points = []
    for t in _boundaries(b, step_seconds):
        k = b.index(t)
        bad, allowed = b.totals(k)
        rem = b.remaining(k)
        points.append({"at": b.tl.time(b.offset + k), "bad": float(bad), "allowed_bad": float(allowed),
                       "remaining": None if rem is None else float(rem)})
    return points


def _spent(b: Budget) -> tuple[np.ndarray, int]:
    """A float mask, per slice boundary up to ``as_of`` (boundary k+1 closes slice k), that
    holds wherever the budget may be spent (a superset, within rounding), and ``k_end``."""
    k_end = b.index(b.as_of)
    bad = np.cumsum(b.tl.bad[b.offset : b.offset + k_end])
    if b.fixed:
        allowed = np.full(len(bad), float((1 - b.tl.target) * b.slices))
    else:
        allowed = np.cumsum(b.tl.weight[b.offset : b.offset + k_end]) * b.tl.budget
    return (bad > 0) & (bad >= allowed * (1 - 1e-12)), k_end


def _exactly_spent(b: Budget, k: int) -> bool:
    rem = b.remaining(k)
    return rem is not None and rem <= 0 and b.totals(k)[0] > 0


def first_exhausted_at(b: Budget) -> datetime | None:
    """The first slice boundary (up to ``as_of``) where ``remaining <= 0`` with budget spent,
    even if traffic earned budget back afterwards."""
    mask, _ = _spent(b)
    for k in np.flatnonzero(mask):
        if _exactly_spent(b, int(k) + 1):  # confirm exactly
            return b.tl.time(b.offset + int(k) + 1)
    return None


def exhausted_at(b: Budget) -> datetime | None:
    """Since when the budget has been spent without interruption up to ``as_of``; None when it
    is not spent as of ``as_of``."""
    mask, k_end = _spent(b)
    if not _exactly_spent(b, k_end):
        return None
    clear = np.flatnonzero(~mask)
    start = int(clear[-1]) + 1 if len(clear) else 0  # slices from here on may all be spent
    # Within the run only a boundary within rounding of the line can be unspent: confirm exactly
    # from the run's start (in practice the first boundary confirms).
    for k in range(start, k_end):
        if _exactly_spent(b, k + 1):
            return b.tl.time(b.offset + k + 1)
    return b.tl.time(b.offset + k_end)


def data_coverage(b: Budget) -> float | None:
    """Slices with data / slices from the period start to ``as_of`` (None when there are none)."""
    k = b.index(b.as_of)
    if k <= 0:
        return None
    return float(Fraction(int(b.tl.data[b.offset : b.offset + k].sum()), k))


def data_until(b: Budget) -> datetime:
    """Up to when the period has data as of ``as_of``: ``sla``'s ``as_of`` had it been run at
    ``as_of`` (the same function), from the newest slice with a row (any counts) before it."""
    k = b.index(b.as_of)
    rows = b.tl.rows if b.tl.rows is not None else b.tl.data  # a loader without row counts
    found = np.flatnonzero(rows[b.offset : b.offset + k])
    return sla.data_as_of(b.slo, b.period, {"last_slice": int(found[-1]) if len(found) else None}, b.as_of)


def forecast(b: Budget) -> list[dict]:
    """When the period's budget runs out at the burn rate of the last 1 day and 7 days."""
    k = b.index(b.as_of)
    bad, allowed = b.totals(k)
    budget = 1 - b.tl.target
    out = []
    for label, seconds in FORECAST_WINDOWS:
        j = b.offset + k
        n = seconds // b.tl.window_seconds
        w_bad = Fraction(float(b.tl.bad[j - n : j].sum()))
        w_weight = Fraction(float(b.tl.weight[j - n : j].sum()))
        known = bool(b.tl.data[max(j - n, 0) : j].any())  # no data: the rate cannot be known
        rate = (w_bad / w_weight / budget if w_weight else Fraction(0)) if known else None
        minutes: Fraction | None = None
        left = allowed - bad
        if left <= 0 and bad > 0:
            minutes = Fraction(0)  # spent is spent, whatever the window holds
        elif rate:
            slice_min = Fraction(b.tl.window_seconds, 60)
            if b.fixed:
                minutes = left / (rate * budget) * slice_min
            elif rate > 1:
                per_minute = w_weight / (Fraction(seconds, 60))
                minutes = left / (budget * per_minute * (rate - 1))
        when = None if minutes is None else b.as_of + timedelta(minutes=float(minutes))
        this_period = when is not None and when < b.period.end
        if minutes is None and rate is None:
            this_period = None  # unknown, not "not this period"
        out.append({
            "window": label,
            "burn_rate": None if rate is None else float(rate),
            "minutes_to_exhaustion": None if minutes is None else float(minutes),
            "exhausts_at": when if this_period else None,
            "exhausts_this_period": this_period,
        })
    return out


def status(remaining: float | None, forecasts: list[dict], at_risk: float = DEFAULT_AT_RISK,
           coverage: float | None = 1.0, min_coverage: float = sla.DEFAULT_MIN_COVERAGE) -> str:
    """Error-budget policy status: ``insufficient_data`` (coverage unknown or below
    ``min_coverage``, the rule of ``sla``), ``exhausted``, ``at_risk`` or ``healthy``."""
    if coverage is None or coverage < min_coverage:
        return "insufficient_data"
    if remaining is not None and remaining <= 0:
        return "exhausted"
    # An unknown forecast (None: no data in the last day) does not decide: remaining does.
    if (remaining is not None and remaining < at_risk) or forecasts[0]["exhausts_this_period"] is True:
        return "at_risk"
    return "healthy"


def report(b: Budget, step_seconds: int | None = None, at_risk: float = DEFAULT_AT_RISK,
           min_coverage: float = sla.DEFAULT_MIN_COVERAGE) -> dict:
    """Everything ``budget`` prints for one SLO."""
    k = b.index(b.as_of)
    bad, allowed = b.totals(k)
    rem = b.remaining(k)
    fc = forecast(b)
    coverage = data_coverage(b)
    until = data_until(b)
    return {
        "slo": b.slo.name,
        "service": b.slo.service,
        "sli": b.slo.sli,
        "budgeting_method": b.slo.budgeting_method,
        "target": b.slo.objectives[0].target,
        "period_start": b.period.start,
        "period_end": b.period.end,
        "as_of": b.as_of,
        "bad": float(bad),
        "allowed_bad": float(allowed),
        "error_budget_remaining": None if rem is None else float(rem),
        "budget_unit": budget_unit(b.slo.budgeting_method, b.tl.window_seconds / 60),
        "data_coverage": coverage,
        "status": status(None if rem is None else float(rem), fc, at_risk, coverage, min_coverage),
        "partial": until < b.period.end,
        # after `partial`, and only in a partial period: a complete month prints as before
        **({"data_until": until} if until < b.period.end else {}),
        "exhausted_at": exhausted_at(b),
        "first_exhausted_at": first_exhausted_at(b),
        "forecast": fc,
        "points": burndown(b, step_seconds),
    }
