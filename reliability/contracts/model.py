"""A customer contract as frozen values: terms, covered SLOs, credit tiers and exclusions.

Units: ``monthly_fee`` is a :class:`~decimal.Decimal` amount of ``currency`` per calendar
month; tiers are :class:`reliability.analysis.credits.Tier` (bound a ratio, credit a percent);
``start`` and ``end`` are dates in ``time_zone``, both included; exclusion windows are UTC
instants ``[start, end)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

from reliability import periods
from reliability.analysis.credits import Tier

EXCLUSION_KINDS = ("maintenance", "force-majeure", "customer-caused", "other")
COMBINE_RULES = ("max", "sum")


@dataclass(frozen=True)
class Selector:
    """Which SLOs one entry of ``spec.slos`` covers: by ``slo`` name, or every SLO carrying all
    of ``labels`` (key → value); ``instance`` (grouping label → value) narrows an SLO with
    per-instance series to that instance (e.g. ``{"customer": "acme"}``)."""

    slo: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    instance: tuple[tuple[str, str], ...] = ()

    def as_json(self) -> dict:
        out: dict = {"slo": self.slo} if self.slo else {"labels": dict(self.labels)}
        if self.instance:
            out["instance"] = dict(self.instance)
        return out

    def text(self) -> str:
        what = self.slo or "labels " + ", ".join(f"{k}={v}" for k, v in self.labels)
        # An instance as tables write it: api-gateway-availability{customer="acme"}.
        return what + ("{" + ",".join(f'{k}="{v}"' for k, v in self.instance) + "}" if self.instance else "")


@dataclass(frozen=True)
class Exclusion:
    """A window the contract leaves out of its SLA period: ``start``/``end`` (UTC, end
    exclusive), or the impact window of ``incident`` (resolved when credits are computed)."""

    id: str
    kind: str
    reason: str
    start: datetime | None = None
    end: datetime | None = None
    incident: str | None = None

    def as_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "reason": self.reason, "start": self.start, "end": self.end,
                "incident": self.incident}


@dataclass(frozen=True)
class Contract:
    """One customer contract (``kind: Contract``, docs/contracts.md)."""

    name: str
    customer: str
    customer_name: str
    display_name: str
    time_zone: str
    start: date
    end: date | None  # last day covered, included; None: open-ended
    monthly_fee: Decimal
    currency: str
    slos: tuple[Selector, ...]
    tiers: tuple[Tier, ...]
    combine: str = "max"
    min_coverage: float | None = None  # None: the command's --min-coverage
    exclusions: tuple[Exclusion, ...] = field(default=())

    @property
    def sla_level(self) -> Fraction:
        """The attainment the contract commits to (a ratio): its highest tier bound."""
        return max(t.below for t in self.tiers)

    def term(self) -> tuple[datetime, datetime | None]:
        """``[start, end)`` in UTC: local midnight of ``start`` to local midnight after ``end``."""
        zi = periods.zone(self.time_zone)
        lo = datetime.combine(self.start, time(0), zi).astimezone(timezone.utc)
        hi = None if self.end is None else datetime.combine(self.end + timedelta(days=1), time(0), zi).astimezone(
            timezone.utc)
        return lo, hi

    def period(self, month: str) -> periods.Period | None:
        """The contract's SLA period of ``month``: the calendar month in the contract's zone cut
        to its term; None when the contract is not in force at all that month."""
        whole = periods.month(month, self.time_zone)
        lo, hi = self.term()
        start, end = max(whole.start, lo), whole.end if hi is None else min(whole.end, hi)
        if end <= start:
            return None
        return periods.Period(whole.label, self.time_zone, start, end)

    def matches_customer(self, customer: str) -> bool:
        """``--customer`` matches the customer id or display name, ignoring case."""
        wanted = customer.strip().casefold()
        return wanted in (self.customer.casefold(), self.customer_name.casefold())

    def as_json(self) -> dict:
        return {
            "contract": self.name, "display_name": self.display_name, "customer": self.customer,
            "customer_name": self.customer_name, "time_zone": self.time_zone, "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None, "monthly_fee": float(self.monthly_fee),
            "currency": self.currency, "slos": [s.as_json() for s in self.slos],
            "tiers": [t.as_json() for t in self.tiers], "sla_level": float(self.sla_level),
            "combine": self.combine, "min_coverage": self.min_coverage,
            "exclusions": [e.as_json() for e in self.exclusions],
        }
