"""SLA history: month by month over a range, calendar quarters and years, rolling windows.

Every period is a :class:`reliability.periods.Period` (``[start, end)`` in UTC) computed in
the SLO's ``calendar.timeZone`` (UTC for rolling SLOs), then handed to the monthly engine
(:func:`reliability.analysis.sla.compute_periods`), so every number means what it means for
``sla --month``: only the period changes.

- ``--from YYYY-MM --to YYYY-MM``: every calendar month of the range, both ends included.
- ``--quarter YYYY-Qn``: local midnight on the 1st of January, April, July or October to the
  1st three months later. ``--year YYYY``: 1 January to the next 1 January.
- ``--at T [--window D]``: a rolling window ``[T - D, T)`` ending at instant ``T`` (UTC). ``D``
  is ``--window`` (OpenSLO units: ``28d``, ``30d``, ``1w``, ``24h``; ``1M``/``1Q``/``1Y`` step
  back whole calendar months in UTC), else the SLO's own ``timeWindow.duration``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import duckdb

from reliability import periods, slos
from reliability.analysis import sla
from reliability.errors import BadInput
from reliability.openslo import SLO, Duration, UNIT_SECONDS

_QUARTER = re.compile(r"^([0-9]{4})-Q([1-4])$")
_YEAR = re.compile(r"^([0-9]{4})$")
MAX_WINDOW_YEARS = periods.LAST_YEAR - periods.FIRST_YEAR
_WINDOW = re.compile(r"^([1-9][0-9]*)([mhdwMQY])$")
MAX_MONTHS = 120


def months_between(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last``, both included."""
    y0, m0 = periods.parse_month(first, "--from")
    y1, m1 = periods.parse_month(last, "--to")
    count = (y1 * 12 + m1) - (y0 * 12 + m0) + 1
    if count < 1:
        raise BadInput(f"--to {last} is before --from {first}", field="--to")
    if count > MAX_MONTHS:
        raise BadInput(f"at most {MAX_MONTHS} months per call, got {count}", field="--to")
    return [f"{(y0 * 12 + m0 - 1 + i) // 12:04d}-{(m0 - 1 + i) % 12 + 1:02d}" for i in range(count)]


def _months_span(year: int, month: int, count: int, label: str, tz: str) -> periods.Period:
    periods.check_month_range(year, "--quarter" if count == 3 else "--year")
    zi = periods.zone(tz)
    start = datetime(year, month, 1, tzinfo=zi)
    k = year * 12 + month - 1 + count
    end = datetime(k // 12, k % 12 + 1, 1, tzinfo=zi)
    return periods.Period(label, tz, start.astimezone(timezone.utc), end.astimezone(timezone.utc))


def quarter(text: str, tz: str = "UTC") -> periods.Period:
    """Calendar quarter ``YYYY-Qn`` in zone ``tz``."""
    m = _QUARTER.match(text or "")
    if not m:
        raise BadInput(f"expected a quarter as YYYY-Qn (e.g. 2025-Q4), got {text!r}", field="--quarter")
    return _months_span(int(m.group(1)), 3 * int(m.group(2)) - 2, 3, text, tz)


def year(text: str, tz: str = "UTC") -> periods.Period:
    """Calendar year ``YYYY`` in zone ``tz``."""
    if not _YEAR.match(text or ""):
        raise BadInput(f"expected a year as YYYY (e.g. 2025), got {text!r}", field="--year")
    return _months_span(int(text), 1, 12, text, tz)


def parse_instant(text: str, option: str) -> datetime:
    """An ISO 8601 instant with ``Z`` or an offset (a date alone is midnight UTC)."""
    raw = (text or "").strip()
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadInput(f"expected an ISO 8601 time such as 2025-11-03T12:00:00Z, got {text!r}", field=option) from None
    if value.tzinfo is None:
        if len(raw) == 10:  # a bare date
            return value.replace(tzinfo=timezone.utc)
        raise BadInput(f"a time needs Z or an offset (ambiguous otherwise), got {text!r}", field=option)
    try:
        value = value.astimezone(timezone.utc)
    except OverflowError:
        value = None
    if value is None or not periods.FIRST_YEAR <= value.year <= periods.LAST_YEAR:
        raise BadInput(f"{text} is outside the supported range {periods.FIRST_YEAR}-01-01 .. "
                       f"{periods.LAST_YEAR}-12-31", field=option)
    return value


def parse_window(text: str, option: str = "--window") -> Duration:
    m = _WINDOW.match(text or "")
    if not m:
        raise BadInput(f"expected a duration such as 28d, 30d, 1w, 6h or 1M, got {text!r}", field=option)
    duration = Duration(int(m.group(1)), m.group(2))
    # No window is longer than the supported years (and a longer one overflows dates).
    if (duration.months or 0) > 12 * MAX_WINDOW_YEARS or (duration.seconds or 0) > MAX_WINDOW_YEARS * 366 * 86400:
        raise BadInput(f"{text} is longer than the supported {MAX_WINDOW_YEARS} years", field=option)
    return duration


def rolling(at: datetime, duration: Duration) -> periods.Period:
    """The window ``[at - duration, at)`` in UTC; months, quarters and years step back whole
    calendar months from ``at`` (UTC), clamping the day to the month's last day."""
    end = at.astimezone(timezone.utc)
    if duration.unit in UNIT_SECONDS:
        if duration.seconds > (end - periods.EARLIEST).total_seconds():
            raise BadInput(f"a window of {duration} before {end:%Y-%m-%d} starts before {periods.FIRST_YEAR}",
                           field="--window")
        start = end - timedelta(seconds=duration.seconds)
    else:
        k = end.year * 12 + end.month - 1 - duration.months
        y, mo = k // 12, k % 12 + 1
        last = (datetime(y + (mo == 12), mo % 12 + 1, 1) - timedelta(days=1)).day
        periods.check_month_range(y, "--window")
        start = end.replace(year=y, month=mo, day=min(end.day, last))
    return periods.Period(f"{duration}@{end:%Y-%m-%dT%H:%M:%SZ}", "UTC", start, end)


def _selected(con: duckdb.DuckDBPyConnection, slo_name: str | None) -> list[SLO]:
    selected = slos.load(con, slo_name)
    if slo_name is not None and not selected:
        raise BadInput(f"no SLO named {slo_name!r} (see `reliability slo list`)", field="--slo")
    return selected


def monthly(
    con: duckdb.DuckDBPyConnection, first: str, last: str, slo_name: str | None = None, no_data: str = "good",
    maintenance=None, min_coverage: float = sla.DEFAULT_MIN_COVERAGE,
) -> list[tuple[str, list[sla.SlaRow]]]:
    """``(month, rows)`` for every month from ``first`` to ``last`` (a 12-month review is one call)."""
    months = months_between(first, last)
    selected = _selected(con, slo_name)
    return [
        (m, sla.compute_periods(con, lambda s, m=m: periods.month(m, sla.slo_zone(s)), no_data=no_data, selected=selected,
                                maintenance=maintenance, min_coverage=min_coverage))
        for m in months
    ]


def calendar_span(
    con: duckdb.DuckDBPyConnection, kind: str, text: str, slo_name: str | None = None, no_data: str = "good",
    maintenance=None, min_coverage: float = sla.DEFAULT_MIN_COVERAGE,
) -> list[sla.SlaRow]:
    """Rows over calendar quarter (``kind="quarter"``, ``YYYY-Qn``) or year (``"year"``, ``YYYY``)."""
    build = quarter if kind == "quarter" else year
    build(text)  # validate before touching the database
    selected = _selected(con, slo_name)
    return sla.compute_periods(con, lambda s: build(text, sla.slo_zone(s)), no_data=no_data, selected=selected,
                               maintenance=maintenance, min_coverage=min_coverage)


def rolling_at(
    con: duckdb.DuckDBPyConnection,
    at: datetime,
    window: Duration | None = None,
    slo_name: str | None = None,
    no_data: str = "good",
    maintenance=None,
    min_coverage: float = sla.DEFAULT_MIN_COVERAGE,
) -> list[sla.SlaRow]:
    """Rows over the rolling window ending at ``at``: ``window``, else each SLO's own duration."""
    selected = _selected(con, slo_name)
    return sla.compute_periods(
        con, lambda s: rolling(at, window or s.window.duration), no_data=no_data, selected=selected,
        maintenance=maintenance, min_coverage=min_coverage,
    )
