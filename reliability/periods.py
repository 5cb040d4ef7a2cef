"""Reporting periods: calendar months in an IANA time zone, as UTC instants.

A month has 28 to 31 days, and in a zone with daylight saving the month of a change has 60
minutes more or less than its days times 1,440: never assume 30 days or 43,200 minutes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reliability.errors import BadInput

_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
# The supported years, for data (ingestion refuses instants outside them) and for periods:
# wide enough for any real history and forecast, and far from the limits of Python dates
# (year 9999) and of pandas' nanosecond timestamps (2262-04-11), so period arithmetic
# (a month, a quarter, a rolling window) never overflows.
FIRST_YEAR = 1970
LAST_YEAR = 2200
EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=timezone.utc)  # the first supported instant


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in UTC; ``label`` such as ``2025-11``; ``zone`` the IANA zone."""

    label: str
    zone: str
    start: datetime
    end: datetime

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())


def parse_month(text: str, option: str = "--month") -> tuple[int, int]:
    """``(year, month)`` of ``YYYY-MM`` (ASCII digits), a month of FIRST_YEAR .. LAST_YEAR."""
    m = _MONTH.match(text or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise BadInput(f"expected a month as YYYY-MM (e.g. 2025-11), got {text!r}", field=option)
    year = int(m.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadInput(f"{text} is outside the supported range {FIRST_YEAR}-01 .. {LAST_YEAR}-12", field=option)
    return year, int(m.group(2))


def check_month_range(year: int, option: str) -> None:
    """BadInput naming ``option`` when a month computed from it (e.g. ``--months`` before an
    end month) falls outside FIRST_YEAR .. LAST_YEAR."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadInput(f"the range reaches year {year}, outside the supported {FIRST_YEAR} .. {LAST_YEAR}",
                       field=option)


def zone(name: str, option: str = "--tz") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(f"expected an IANA time zone such as America/New_York, got {name!r}", field=option) from None


def month(text: str, tz: str = "UTC", option: str = "--month") -> Period:
    """The calendar month ``YYYY-MM`` in zone ``tz``: local midnight on the 1st to the next 1st.
    ``option`` is what a bad month is reported against."""
    year, mon = parse_month(text, option)
    zi = zone(tz)
    start = datetime(year, mon, 1, tzinfo=zi)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=zi)
    return Period(f"{year:04d}-{mon:02d}", tz, start.astimezone(timezone.utc), end.astimezone(timezone.utc))


def next_business_day_end(at: datetime, tz: str = "UTC", holidays: frozenset[date] = frozenset()) -> datetime:
    """The end (local midnight after it, in UTC) of the first business day — Monday to Friday,
    not one of ``holidays`` (local dates) — after ``at``'s local date in ``tz``."""
    zi = ZoneInfo(tz)
    day = at.astimezone(zi).date() + timedelta(days=1)
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    end = day + timedelta(days=1)
    return datetime(end.year, end.month, end.day, tzinfo=zi).astimezone(timezone.utc)
