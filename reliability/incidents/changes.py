"""Change correlation: incidents that follow deployments, and the change failure rate.

- An incident is correlated with a deployment of the same service when it was detected within
  ``hours`` hours after it: ``deployed_at <= detected_at <= deployed_at + hours`` (both ends
  inclusive; default 1 hour).
- Change failure rate per service and month (of ``deployed_at``, in the report's zone) =
  failed deployments / deployments, counting deployments, not incidents: a deployment failed
  when it was rolled back or an incident of its service was detected within ``hours`` after it
  (several incidents after one deployment count once). A ratio in [0, 1].
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import duckdb

from reliability import periods, store
from reliability.incidents.recurrence import FAR_FUTURE, FAR_PAST
from reliability.errors import BadInput



def report(
    con: duckdb.DuckDBPyConnection,
    start: str | None = None,
    end: str | None = None,
    tz: str = "UTC",
    *,
    hours: float = 1.0,
) -> dict:
    """The ``changes`` document: correlated incidents and change failure rates by service and
    month, for incidents and deployments from month ``start`` to ``end`` (all when omitted)."""
    if not hours > 0:
        raise BadInput(f"expected a positive number of hours, got {hours}", field="--hours")
    periods.zone(tz)
    lo = periods.month(start, tz, "--start").start if start else FAR_PAST
    hi = periods.month(end, tz, "--end").end if end else FAR_FUTURE
    params = {"start": lo, "end": hi, "hours": float(hours)}
    pairs = store.rows(con, "changes.correlated", params)
    rates = store.rows(con, "changes.failure_rate", params | {"tz": tz})
    by_service: dict[str, dict] = defaultdict(lambda: {"deployments": 0, "failed": 0, "months": {}})
    for r in rates:
        r["change_failure_rate"] = float(Fraction(r["failed"], r["deployments"]))
        s = by_service[r["service"]]
        s["deployments"] += r["deployments"]
        s["failed"] += r["failed"]
        s["months"][r["month"]] = {k: r[k] for k in ("deployments", "rolled_back", "with_incident", "failed",
                                                      "change_failure_rate")}
    for s in by_service.values():
        s["change_failure_rate"] = float(Fraction(s["failed"], s["deployments"]))
    incidents = sorted({p["incident_id"] for p in pairs})
    return {
        "start": start,
        "end": end,
        "time_zone": tz,
        "window_hours": float(hours),
        "correlated": pairs,
        "incidents_after_deployments": len(incidents),
        "by_service": dict(sorted(by_service.items())),
    }
