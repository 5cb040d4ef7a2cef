"""Incident time metrics (MTTx) over a range of months: mean, median and p90 per group, MTBF.

All durations are minutes (floats), computed exactly from microsecond differences:

- detect = ``detected_at − started_at``; acknowledge = ``acknowledged_at − detected_at``;
  mitigate = ``mitigated_at − detected_at``; resolve = ``resolved_at − detected_at``.
  Each statistic is over the incidents that have both timestamps; the others are excluded from
  that metric only and counted in its ``missing``.
- median and p90 interpolate linearly between order statistics (DuckDB's ``quantile_cont``,
  numpy's default): position ``q · (n − 1)`` in the sorted values, 0-based.
- customer-impact minutes = ``(mitigated_at, else resolved_at) − (started_at, else
  detected_at)``, summed over the group; incidents with neither end are counted in
  ``impact_missing``.
- MTBF per service = the mean gap between the ``detected_at`` of consecutive incidents of the
  service inside the range (minutes; null with fewer than two incidents).
- Groups: severity, service, team (incident field ``team``; ``(none)`` when absent) and month
  (the calendar month of ``detected_at`` in the report's zone). A range of months runs from
  the first day of ``start`` to the end of ``end``, both inclusive, in that zone.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import duckdb

from reliability import periods, store
from reliability.incidents.metrics import detected_in
from reliability.errors import BadInput

US_PER_MINUTE = 60_000_000
METRICS = {"detect": "detect_us", "acknowledge": "ack_us", "mitigate": "mitigate_us", "resolve": "resolve_us"}
GROUPINGS = ("severity", "service", "team", "month")


def quantile(values: list[int], q: Fraction) -> Fraction | None:
    """The ``q`` quantile of integers with linear interpolation (quantile_cont), exactly."""
    if not values:
        return None
    xs = sorted(values)
    pos = q * (len(xs) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (pos - lo) * (xs[hi] - xs[lo])


def _minutes(value: Fraction | int | None) -> float | None:
    return None if value is None else float(Fraction(value) / US_PER_MINUTE)


def stats(values: list[int], missing: int) -> dict:
    """``n``, ``missing``, ``mean_minutes``, ``median_minutes``, ``p90_minutes`` of µs values."""
    return {
        "n": len(values),
        "missing": missing,
        "mean_minutes": _minutes(Fraction(sum(values), len(values))) if values else None,
        "median_minutes": _minutes(quantile(values, Fraction(1, 2))),
        "p90_minutes": _minutes(quantile(values, Fraction(9, 10))),
    }


def summarise(rows: list[dict]) -> dict:
    """Count, customer-impact minutes and the four time metrics of one group of incidents."""
    out: dict = {"count": len(rows)}
    impact = [r["impact_us"] for r in rows if r["impact_us"] is not None]
    out["customer_impact_minutes"] = _minutes(sum(impact)) if rows else 0.0
    out["impact_missing"] = len(rows) - len(impact)
    for name, key in METRICS.items():
        present = [r[key] for r in rows if r[key] is not None]
        out[name] = stats(present, len(rows) - len(present))
    return out


def month_range(start: str, end: str, tz: str) -> tuple[periods.Period, periods.Period, list[str]]:
    """The first and last month periods and every month label from ``start`` to ``end``."""
    first, last = periods.month(start, tz, "--start"), periods.month(end, tz, "--end")
    if last.start < first.start:
        raise BadInput(f"--end {end} is before --start {start}", field="--end")
    labels = []
    year, mon = periods.parse_month(start, "--start")
    while True:
        label = f"{year:04d}-{mon:02d}"
        labels.append(label)
        if label == last.label:
            return first, last, labels
        year, mon = year + (mon == 12), mon % 12 + 1


def shift_month(label: str, months: int) -> str:
    """``YYYY-MM`` moved by ``months`` (negative goes back)."""
    year, mon = periods.parse_month(label)
    index = year * 12 + (mon - 1) + months
    periods.check_month_range(index // 12, "--months")
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def latest_month(con: duckdb.DuckDBPyConnection, tz: str) -> str | None:
    """The month (in ``tz``) of the most recently detected incident, None with no incidents."""
    last = con.execute(store.query("incidents.detected_range")).fetchone()[1]
    return None if last is None else last.astimezone(ZoneInfo(tz)).strftime("%Y-%m")


rows_between = detected_in  # rows of ``incidents.timing_rows``: one query serves both modules


def mtbf(rows: list[dict]) -> dict:
    """Per service: incidents, MTBF minutes (mean gap between consecutive detections)."""
    by_service: dict[str, list[datetime]] = defaultdict(list)
    for r in rows:
        by_service[r["service"]].append(r["detected_at"])
    out = {}
    for service in sorted(by_service):
        times = sorted(by_service[service])
        gaps = [int((b - a).total_seconds() * 1_000_000) for a, b in zip(times, times[1:])]
        out[service] = {
            "incidents": len(times),
            "mtbf_minutes": _minutes(Fraction(sum(gaps), len(gaps))) if gaps else None,
        }
    return out


def report(
    con: duckdb.DuckDBPyConnection,
    start: str | None = None,
    end: str | None = None,
    tz: str = "UTC",
    *,
    months: int = 13,
    service: str | None = None,
    services=None,
) -> dict:
    """The ``mttx`` document: overall, by severity/service/team/month (trend), MTBF per service.
    ``services``: when given, only the incidents of these services (a label filter's).

    ``end`` defaults to the month of the latest incident and ``start`` to ``months − 1``
    months before ``end`` (13 months by default).
    """
    periods.zone(tz)
    if months < 1:
        raise BadInput(f"expected at least 1 month, got {months}", field="--months")
    if end is None:
        end = latest_month(con, tz) or datetime.now(ZoneInfo(tz)).strftime("%Y-%m")
    if start is None:
        start = shift_month(periods.month(end, tz, "--end").label, -(months - 1))
    first, last, labels = month_range(start, end, tz)
    rows = rows_between(con, first.start, last.end, service)
    if services is not None:
        rows = [r for r in rows if r["service"] in services]
    zi = ZoneInfo(tz)
    groups: dict[str, dict[str, list[dict]]] = {g: defaultdict(list) for g in GROUPINGS}
    for r in rows:
        r["month"] = r["detected_at"].astimezone(zi).strftime("%Y-%m")
        for g in GROUPINGS:
            groups[g][r[g]].append(r)
    by_severity = {s: summarise(groups["severity"].get(s, [])) for s in ("SEV-1", "SEV-2", "SEV-3", "SEV-4")}
    return {
        "start": first.label,
        "end": last.label,
        "time_zone": tz,
        "period_start": first.start,
        "period_end": last.end,
        "service": service,
        "overall": summarise(rows),
        "by_severity": by_severity,
        "by_service": {k: summarise(v) for k, v in sorted(groups["service"].items())},
        "by_team": {k: summarise(v) for k, v in sorted(groups["team"].items())},
        "by_month": {m: summarise(groups["month"].get(m, [])) for m in labels},
        "mtbf_by_service": mtbf(rows),
    }
