"""Recurring incidents: repeats, similar titles, frequency classes, when they happen, relations.

- Repeat: a later incident of the same service with the same root cause (compared lower case,
  blanks collapsed, no final period) detected within ``days`` days (inclusive; default 90)
  after an earlier one.
- Similar titles: Jaro-Winkler similarity (DuckDB ``jaro_winkler_similarity``, case-insensitive,
  0..1) of at least ``threshold`` (default 0.9), any service.
- Frequency class of an incident, as PagerDuty's: among the incidents of its service detected
  in the 30 days before it, the share that are alike (same root cause or similar title):
  ``Anomaly`` when none is alike (or there are none), ``Frequent`` when the share is >= 20 %,
  ``Rare`` when <= 5 %, else ``Occasional``.
- When: counts by local ISO weekday (1 = Monday … 7) and hour (0–23) of ``detected_at``.
- Related incidents of one incident, each with its reasons: ``repeat`` (either direction),
  ``similar_title``, ``mentions`` (its id named in the other's title, root cause or timeline, or
  the reverse), ``shared_tags`` (same service, within ``days`` days).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from fractions import Fraction

import duckdb

from reliability import periods, store
from reliability.errors import BadInput

FREQUENT, RARE = Fraction(1, 5), Fraction(1, 20)
CLASSES = ("Frequent", "Occasional", "Rare", "Anomaly")
FAR_PAST = datetime.fromisoformat("1900-01-01T00:00:00+00:00")
FAR_FUTURE = datetime.fromisoformat("2200-01-01T00:00:00+00:00")



def frequency_class(prior: int, alike: int) -> str:
    """PagerDuty-style class from the service's prior-30-day incidents and the alike ones."""
    if alike == 0:
        return "Anomaly"
    share = Fraction(alike, prior)
    if share >= FREQUENT:
        return "Frequent"
    if share <= RARE:
        return "Rare"
    return "Occasional"


def check_options(days: int, threshold: float) -> None:
    if days < 1:
        raise BadInput(f"expected a positive number of days, got {days}", field="--window-days")
    if not 0 < threshold <= 1:
        raise BadInput(f"expected a similarity in (0, 1], got {threshold}", field="--similarity")


def related(con: duckdb.DuckDBPyConnection, incident_id: str, days: int = 90, threshold: float = 0.9) -> list[dict]:
    """The incidents related to one, each with the list of reasons (see the module docstring)."""
    everything = {"start": FAR_PAST, "end": FAR_FUTURE}
    reasons: dict[str, list[dict]] = defaultdict(list)
    for r in store.rows(con, "recurrence.repeats", everything | {"days": days}):
        if incident_id in (r["earlier"], r["later"]):
            other = r["later"] if r["earlier"] == incident_id else r["earlier"]
            reasons[other].append({"reason": "repeat", "root_cause": r["root_cause"], "gap_minutes": r["gap_minutes"]})
    for r in store.rows(con, "recurrence.similar_titles", everything | {"threshold": threshold}):
        if incident_id in (r["a"], r["b"]):
            other = r["b"] if r["a"] == incident_id else r["a"]
            reasons[other].append({"reason": "similar_title", "similarity": r["similarity"]})
    for r in store.rows(con, "recurrence.mentions", {}):
        if r["id"] == incident_id:
            reasons[r["other"]].append({"reason": "mentions", "detail": f"{r['other']} names {incident_id}"})
        elif r["other"] == incident_id:
            reasons[r["id"]].append({"reason": "mentions", "detail": f"{incident_id} names {r['id']}"})
    if not store.rows(con, "recurrence.exists", {"id": incident_id}):
        raise BadInput(f"no incident with id {incident_id!r}", field="--incident")
    for r in store.rows(con, "recurrence.shared_tags", {"id": incident_id, "days": days}):
        reasons[r["other"]].append({"reason": "shared_tags", "tags": list(r["shared"])})
    return [{"id": k, "reasons": v} for k, v in sorted(reasons.items())]


def report(
    con: duckdb.DuckDBPyConnection,
    start: str | None = None,
    end: str | None = None,
    tz: str = "UTC",
    *,
    days: int = 90,
    threshold: float = 0.9,
    incident: str | None = None,
) -> dict:
    """The ``recurrence`` document for incidents detected from month ``start`` to ``end``
    (inclusive, in ``tz``; all incidents when omitted)."""
    check_options(days, threshold)
    periods.zone(tz)
    lo = periods.month(start, tz, "--start").start if start else FAR_PAST
    hi = periods.month(end, tz, "--end").end if end else FAR_FUTURE
    rng = {"start": lo, "end": hi}
    repeats = store.rows(con, "recurrence.repeats", rng | {"days": days})
    similar = store.rows(con, "recurrence.similar_titles", rng | {"threshold": threshold})
    prior = store.rows(con, "recurrence.prior_30_days", rng | {"days": 30, "threshold": threshold})
    for r in prior:
        r["class"] = frequency_class(r["prior"], r["alike"])
        r["alike_share"] = float(Fraction(r["alike"], r["prior"])) if r["prior"] else None
    by_service: dict[str, Counter] = defaultdict(Counter)
    for r in prior:
        by_service[r["service"]][r["class"]] += 1
    when = store.rows(con, "recurrence.when_detected", rng | {"tz": tz})
    doc = {
        "start": start,
        "end": end,
        "time_zone": tz,
        "window_days": days,
        "similarity_threshold": threshold,
        "repeats": repeats,
        "repeat_count": len(repeats),
        "similar_titles": similar,
        "frequency_by_service": {s: {c: by_service[s][c] for c in CLASSES} for s in sorted(by_service)},
        "frequency": [{k: r[k] for k in ("id", "service", "prior", "alike", "alike_share", "class")} for r in prior],
        "weekday_hour": [{"weekday": w["weekday"], "hour": w["hour"], "incidents": w["incidents"]} for w in when],
    }
    if incident is not None:
        doc["incident"] = incident
        doc["related"] = related(con, incident, days, threshold)
    return doc
