"""Incident metrics (``incidents``, docs/incidents.md): MTTD, MTTA, MTTM, MTTR and response targets.

- An incident belongs to the month (in the report's zone) in which it was detected.
- Time to detect = ``detected_at − started_at``; to acknowledge (TTA) = ``acknowledged_at −
  detected_at``; to mitigate = ``mitigated_at − detected_at``; to resolve (TTR) =
  ``resolved_at − detected_at``. Means and medians are over the incidents that have both
  timestamps, in minutes.
- ``ack_target_met`` = incidents acknowledged within their severity's response target
  (inclusive: exactly 5 minutes meets a 5-minute target) / incidents whose acknowledgement is
  known; an incident never acknowledged has not met it. An incident whose acknowledgement is
  *unknown* (``ack_unknown``: e.g. a resolved PagerDuty incident imported without its log) is
  neither met nor missed: it is counted apart in ``ack_unknown`` and left out of the share
  (null when no incident of the group has a known acknowledgement). SEV-4's target is the end
  of the next business day (Monday–Friday, local midnight in the report's zone).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from datetime import date, datetime
from fractions import Fraction

import duckdb

from reliability import periods, store
from reliability.errors import BadInput

SEVERITIES = ("SEV-1", "SEV-2", "SEV-3", "SEV-4")
NEXT_BUSINESS_DAY = "next-business-day"
# Response (acknowledgement) targets, minutes, per the incident-response playbook.
DEFAULT_ACK_TARGETS: dict[str, float | str] = {
    "SEV-1": 5.0,
    "SEV-2": 15.0,
    "SEV-3": 60.0,
    "SEV-4": NEXT_BUSINESS_DAY,
}
US_PER_MINUTE = 60_000_000


def parse_severity_minutes(
    items: tuple[str, ...] | list[str],
    defaults: Mapping[str, float | str],
    option: str,
    words: Mapping[str, str | None] | None = None,
) -> dict[str, float | str]:
    """``SEV-N=MINUTES`` overrides of per-severity targets in minutes (e.g. ``--ack-target``,
    ``--cadence``). ``words`` are special values: a word mapped to a string sets that string
    (``next-business-day``); a word mapped to None drops the severity's target (``off``)."""
    words = words or {}
    shape = "SEV-N=MINUTES" + "".join(f" or SEV-N={w}" for w in words)
    targets = dict(defaults)
    for item in items:
        sev, _, value = item.partition("=")
        sev, value = sev.strip().upper(), value.strip()
        if sev not in SEVERITIES or not value:
            raise BadInput(f"expected {shape}, got {item!r}", field=option)
        if value in words:
            if words[value] is None:
                targets.pop(sev, None)
            else:
                targets[sev] = words[value]
            continue
        try:
            minutes = float(value)
        except ValueError:
            raise BadInput(f"expected minutes as a number, got {value!r}", field=option) from None
        if not minutes > 0:
            raise BadInput(f"expected a positive number of minutes, got {value!r}", field=option)
        targets[sev] = minutes
    return targets


def parse_targets(items: tuple[str, ...] | list[str]) -> dict[str, float | str]:
    """``SEV-1=5`` (minutes) or ``SEV-4=next-business-day`` overrides of the default targets."""
    return parse_severity_minutes(items, DEFAULT_ACK_TARGETS, "--ack-target", {NEXT_BUSINESS_DAY: NEXT_BUSINESS_DAY})


def _mean(values: list[int]) -> float | None:
    return float(Fraction(sum(values), len(values) * US_PER_MINUTE)) if values else None


def _median(values: list[int]) -> float | None:
    if not values:
        return None
    mid = statistics.median_low(values), statistics.median_high(values)
    return float(Fraction(mid[0] + mid[1], 2 * US_PER_MINUTE))


def met_target(severity: str, detected: datetime, acknowledged: datetime | None, targets: Mapping, tz: str,
               holidays: frozenset[date] = frozenset()) -> bool:
    if acknowledged is None:
        return False
    target = targets[severity]
    if target == NEXT_BUSINESS_DAY:
        return acknowledged < periods.next_business_day_end(detected, tz, holidays)
    return (acknowledged - detected).total_seconds() <= float(target) * 60


def summarise(rows: list[dict], targets: Mapping, tz: str, holidays: frozenset[date] = frozenset()) -> dict:
    """The metrics of one group of incidents (rows of ``incidents.timing_rows``)."""

    def present(key: str) -> list[int]:
        return [r[key] for r in rows if r[key] is not None]

    known = [r for r in rows if not r.get("ack_unknown")]
    met = [met_target(r["severity"], r["detected_at"], r["acknowledged_at"], targets, tz, holidays) for r in known]
    resolve = present("resolve_us")
    return {
        "count": len(rows),
        "mttd_minutes": _mean(present("detect_us")),
        "mtta_minutes": _mean(present("ack_us")),
        "mttm_minutes": _mean(present("mitigate_us")),
        "mttr_minutes": _mean(resolve),
        "mttr_minutes_median": _median(resolve),
        "ack_target_met": float(Fraction(sum(met), len(met))) if met else None,
        "ack_unknown": len(rows) - len(known),
    }


def detected_in(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, service: str | None = None
) -> list[dict]:
    """Incidents detected in ``[start, end)`` (optionally of one service), with the
    microseconds between their timeline points (``incidents.timing_rows``)."""
    return store.rows(con, "incidents.timing_rows", {"start": start, "end": end, "service": service})


def monthly(
    con: duckdb.DuckDBPyConnection,
    month: str,
    tz: str = "UTC",
    *,
    service: str | None = None,
    targets: Mapping | None = None,
    holidays: frozenset[date] = frozenset(),
    keep=None,
) -> dict:
    """The contract's ``incidents --month`` document. ``holidays`` (local dates in ``tz``) are
    not business days for the next-business-day target; ``keep(row)``, when given, selects the
    incidents counted (e.g. by their service's labels)."""
    targets = targets or DEFAULT_ACK_TARGETS
    period = periods.month(month, tz)
    rows = detected_in(con, period.start, period.end, service)
    if keep is not None:
        rows = [r for r in rows if keep(r)]
    overall = summarise(rows, targets, tz, holidays)
    by_severity = {sev: summarise([r for r in rows if r["severity"] == sev], targets, tz, holidays)
                   for sev in SEVERITIES}
    count = overall.pop("count")
    return {
        "month": period.label,
        "time_zone": tz,
        "period_start": period.start,
        "period_end": period.end,
        "count": count,
        "overall": overall,
        "by_severity": by_severity,
        "ack_targets_minutes": {k: v for k, v in targets.items()},
        "holidays": sorted(d.isoformat() for d in holidays),
    }
