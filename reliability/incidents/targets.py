"""Response-target and update-cadence compliance of the incidents detected in a month.

Response (acknowledgement) targets, per severity, inclusive: SEV-1 5 minutes, SEV-2 15,
SEV-3 60 (minutes from ``detected_at`` to ``acknowledged_at``), SEV-4 before the end of the
next business day after the day of detection. Business days come from a ``BusinessCalendar``:
Monday–Friday minus holidays, in its own IANA zone; "end" is local midnight after that day.
An incident never acknowledged has missed its target. An incident whose acknowledgement is
unknown (``ack_unknown``, e.g. imported without the log that records it) has neither met nor
missed it: it is counted in ``ack_unknown`` (ids in ``ack_unknown_ids``) and left out of
``met_share``.

Update cadence: between ``detected_at`` and ``mitigated_at`` (else ``resolved_at``) a SEV-1
must get a stakeholder update at least every 15 minutes and a SEV-2 every 60. The silences are
the gaps between consecutive points of ``detected_at``, each update strictly inside the window
(entries of the given kinds, default ``update``), and the window's end. A gap longer than the
target (strictly) is over target; an incident complies when none is. Incidents with neither
``mitigated_at`` nor ``resolved_at`` are not assessed (counted in ``not_assessed``). Minutes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction

import duckdb

from reliability import periods, store
from reliability.incidents.metrics import (
    DEFAULT_ACK_TARGETS,
    NEXT_BUSINESS_DAY,
    SEVERITIES,
    parse_severity_minutes,
)
from reliability.errors import BadInput

DEFAULT_CADENCE_MINUTES: dict[str, float] = {"SEV-1": 15.0, "SEV-2": 60.0}
DEFAULT_UPDATE_KINDS = ("update",)


@dataclass(frozen=True)
class BusinessCalendar:
    """Monday–Friday working days in ``zone``, except ``holidays`` (local dates)."""

    zone: str = "UTC"
    holidays: frozenset[date] = field(default_factory=frozenset)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def next_business_day_end(self, at: datetime) -> datetime:
        """Local midnight ending the first business day after ``at``'s local date (UTC)."""
        return periods.next_business_day_end(at, self.zone, self.holidays)


def parse_holidays(items: tuple[str, ...] | list[str]) -> frozenset[date]:
    """``YYYY-MM-DD`` dates (repeatable option ``--holiday``)."""
    out = set()
    for item in items:
        try:
            out.add(date.fromisoformat(item.strip()))
        except ValueError:
            raise BadInput(f"expected a date as YYYY-MM-DD, got {item!r}", field="--holiday") from None
    return frozenset(out)


def parse_cadence(items: tuple[str, ...] | list[str]) -> dict[str, float]:
    """``SEV-N=MINUTES`` overrides of the update-cadence targets (``SEV-N=off`` drops one)."""
    return parse_severity_minutes(items, DEFAULT_CADENCE_MINUTES, "--cadence", {"off": None})



def _share(part: int, whole: int) -> float | None:
    return float(Fraction(part, whole)) if whole else None


def _minutes(delta: timedelta) -> float:
    return float(Fraction(delta // timedelta(microseconds=1), 60_000_000))


def response(rows: list[dict], targets: Mapping, calendar: BusinessCalendar) -> dict:
    """Per severity: count, met, missed, never_acknowledged, ack_unknown, met_share (over the
    incidents with a known acknowledgement), the target, missed and unknown ids."""
    out = {}
    for sev in SEVERITIES:
        group = [r for r in rows if r["severity"] == sev]
        target = targets[sev]
        met, missed, never, unknown = 0, [], 0, []
        for r in group:
            if r.get("ack_unknown"):
                unknown.append(r["id"])
                continue
            ack = r["acknowledged_at"]
            if ack is None:
                never += 1
                missed.append(r["id"])
                continue
            if target == NEXT_BUSINESS_DAY:
                ok = ack < calendar.next_business_day_end(r["detected_at"])
            else:
                ok = (ack - r["detected_at"]) <= timedelta(minutes=float(target))
            if ok:
                met += 1
            else:
                missed.append(r["id"])
        out[sev] = {
            "target": target if target == NEXT_BUSINESS_DAY else float(target),
            "count": len(group),
            "met": met,
            "missed": len(missed),
            "never_acknowledged": never,
            "ack_unknown": len(unknown),
            "met_share": _share(met, len(group) - len(unknown)),
            "missed_ids": missed,
            "ack_unknown_ids": unknown,
        }
    return out


def cadence_of(incident: dict, updates: list[datetime], target_minutes: float) -> dict | None:
    """Silences of one incident: gaps, gaps over target, longest silence (minutes); None when
    the incident has no window end (neither mitigated nor resolved)."""
    start = incident["detected_at"]
    end = incident["mitigated_at"] or incident["resolved_at"]
    if end is None:
        return None
    points = [start] + sorted(t for t in updates if start < t < end) + [end]
    gaps = [b - a for a, b in zip(points, points[1:])]
    limit = timedelta(minutes=target_minutes)
    over = [g for g in gaps if g > limit]
    return {
        "id": incident["id"],
        "gaps": len(gaps),
        "gaps_over_target": len(over),
        "longest_silence_minutes": _minutes(max(gaps)),
        "compliant": not over,
    }


def cadence(rows: list[dict], updates: dict[str, list[datetime]], targets: Mapping[str, float]) -> dict:
    """Per severity with a cadence target: incidents assessed, compliant share, share of gaps
    over target, the longest silence, and the incidents that violated it."""
    out = {}
    for sev in SEVERITIES:
        if sev not in targets:
            continue
        group = [r for r in rows if r["severity"] == sev]
        assessed = [c for r in group if (c := cadence_of(r, updates.get(r["id"], []), targets[sev]))]
        gaps = sum(c["gaps"] for c in assessed)
        over = sum(c["gaps_over_target"] for c in assessed)
        ok = sum(c["compliant"] for c in assessed)
        out[sev] = {
            "target_minutes": float(targets[sev]),
            "incidents": len(group),
            "assessed": len(assessed),
            "not_assessed": len(group) - len(assessed),
            "compliant": ok,
            "compliant_share": _share(ok, len(assessed)),
            "gaps": gaps,
            "gaps_over_target": over,
            "gaps_over_target_share": _share(over, gaps),
            "longest_silence_minutes": max((c["longest_silence_minutes"] for c in assessed), default=None),
            "violations": [c for c in assessed if not c["compliant"]],
        }
    return out


def monthly(
    con: duckdb.DuckDBPyConnection,
    month: str,
    tz: str = "UTC",
    *,
    service: str | None = None,
    ack_targets: Mapping | None = None,
    calendar: BusinessCalendar | None = None,
    cadence_targets: Mapping[str, float] | None = None,
    update_kinds: tuple[str, ...] = DEFAULT_UPDATE_KINDS,
    services=None,
) -> dict:
    """Response and cadence compliance of the incidents detected in ``month`` (in ``tz``);
    ``services``: when given, only the incidents of these services."""
    period = periods.month(month, tz)
    calendar = calendar or BusinessCalendar(tz)
    params = {"start": period.start, "end": period.end, "service": service}
    rows = store.rows(con, "compliance.incidents_between", params)
    if services is not None:
        rows = [r for r in rows if r["service"] in services]
    updates: dict[str, list[datetime]] = defaultdict(list)
    for u in store.rows(con, "compliance.updates_between", params | {"kinds": list(update_kinds)}):
        updates[u["incident_id"]].append(u["at"])
    return {
        "month": period.label,
        "time_zone": tz,
        "period_start": period.start,
        "period_end": period.end,
        "count": len(rows),
        "business_calendar": {"time_zone": calendar.zone, "holidays": sorted(d.isoformat() for d in calendar.holidays)},
        "response": response(rows, ack_targets or DEFAULT_ACK_TARGETS, calendar),
        "cadence": cadence(rows, updates, DEFAULT_CADENCE_MINUTES if cadence_targets is None else cadence_targets),
        "update_kinds": list(update_kinds),
    }
