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

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


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
    m = _MONTH.match(text or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise BadInput(f"expected a month as YYYY-MM (e.g. 2025-11), got {text!r}", field=option)
    return int(m.group(1)), int(m.group(2))


def zone(name: str, option: str = "--tz") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(f"expected an IANA time zone such as America/New_York, got {name!r}", field=option) from None


def month(text: str, tz: str = "UTC") -> Period:
    """The calendar month ``YYYY-MM`` in zone ``tz``: local midnight on the 1st to the next 1st."""
    year, mon = parse_month(text)
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
