"""What an audit covers: a range of calendar months in a zone, judged as of an instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from reliability import periods
from reliability.errors import BadInput


@dataclass(frozen=True)
class Scope:
    """Months ``first`` to ``last`` (both included) in ``tz``: ``[start, end)`` in UTC."""

    first: str
    last: str
    tz: str
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        return self.first if self.first == self.last else f"{self.first}..{self.last}"

    def months(self) -> list[str]:
        from reliability.analysis.history import months_between

        return months_between(self.first, self.last)

    def as_json(self) -> dict:
        return {"from": self.first, "to": self.last, "time_zone": self.tz, "start": self.start, "end": self.end}


def scope(month: str | None = None, first: str | None = None, last: str | None = None, tz: str = "UTC") -> Scope:
    """``month``, or ``first`` and ``last`` (``--from``/``--to``, both included), in ``tz``."""
    if month is not None and (first is not None or last is not None):
        raise BadInput("give --month or --from/--to, not both", field="--month")
    if month is not None:
        first = last = month
    if first is None and last is None:
        raise BadInput("give --month YYYY-MM, or --from YYYY-MM --to YYYY-MM", field="--month")
    if first is None or last is None:
        raise BadInput("--from and --to go together", field="--from" if first is None else "--to")
    periods.zone(tz)
    lo, hi = periods.month(first, tz), periods.month(last, tz)
    periods.parse_month(first, "--from")
    periods.parse_month(last, "--to")
    if hi.end <= lo.start:
        raise BadInput(f"--to {last} is before --from {first}", field="--to")
    return Scope(lo.label, hi.label, tz, lo.start, hi.end)


def as_of(text: str | None) -> datetime:
    """``--as-of``: an ISO 8601 instant or a date (midnight UTC); default now."""
    if text is None:
        return datetime.now(timezone.utc)
    from reliability.analysis.history import parse_instant

    return parse_instant(text, "--as-of")


def measured(con, start: datetime, end: datetime, slo_name: str | None = None) -> list:
    """The stored SLOs (or the one named) as the audits measure them: a definition with
    grouping labels replaced by its instances with rows in ``[start, end)`` (each named by
    its address, ``name{label="value"}``), as ``sla`` and ``burn`` do."""
    from reliability import slos
    from reliability.analysis.instances import expand

    return expand(con, slos.load(con, slo_name), start, end)


def base_name(slo) -> str:
    """The definition's name of an SLO or of one of its instances."""
    return slo.name.split("{", 1)[0]
