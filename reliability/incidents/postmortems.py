"""Post-mortem compliance and action items.

Post-mortems: a SEV-1 must have one published (``postmortem_published_at``) within 48 hours
of ``resolved_at`` (inclusive); for SEV-2 it is recommended (reported, not required). Each
incident of those severities gets a status:

- ``on_time``: published at most ``hours`` after resolution;
- ``late``: published later;
- ``missing``: not published and the deadline (resolution + ``hours``) is before ``as_of``;
- ``due``: not published, deadline not reached yet at ``as_of``;
- ``unresolved``: no ``resolved_at`` (no deadline yet).

``compliance`` (SEV-1) = on_time / (on_time + late + missing); ``published_share`` (SEV-2) =
(on_time + late) / incidents with a deadline. ``hours_after_resolution`` are hours (floats).

Action items: ``open`` = not done (``done`` false or unknown); ``overdue`` = open with a ``due``
before ``as_of``. Counted per owner (``(unassigned)`` when none).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from fractions import Fraction

import duckdb

from reliability import periods, store

DEFAULT_POSTMORTEM_HOURS: dict[str, float] = {"SEV-1": 48.0, "SEV-2": 48.0}
REQUIRED = ("SEV-1",)  # SEV-2: recommended only



def _share(part: int, whole: int) -> float | None:
    return float(Fraction(part, whole)) if whole else None


def status(row: dict, hours: float, as_of: datetime) -> tuple[str, float | None]:
    """(status, hours after resolution or None) of one incident's post-mortem."""
    resolved, published = row["resolved_at"], row["postmortem_published_at"]
    if resolved is None:
        return "unresolved", None
    deadline = resolved + timedelta(hours=hours)
    if published is not None:
        after = float(Fraction((published - resolved) // timedelta(microseconds=1), 3_600_000_000))
        return ("on_time" if published <= deadline else "late"), after
    return ("missing" if deadline < as_of else "due"), None


def postmortems(rows: list[dict], as_of: datetime, hours: Mapping[str, float] | None = None) -> dict:
    """Per severity (SEV-1 required, SEV-2 recommended): counts by status and the incidents."""
    hours = hours or DEFAULT_POSTMORTEM_HOURS
    out = {}
    for sev, limit in hours.items():
        items = []
        for r in rows:
            if r["severity"] != sev:
                continue
            st, after = status(r, limit, as_of)
            items.append({"id": r["id"], "status": st, "hours_after_resolution": after,
                          "resolved_at": r["resolved_at"], "published_at": r["postmortem_published_at"],
                          "url": r["postmortem_url"]})
        counts = {s: sum(i["status"] == s for i in items) for s in ("on_time", "late", "missing", "due", "unresolved")}
        judged = counts["on_time"] + counts["late"] + counts["missing"]
        out[sev] = {
            "required": sev in REQUIRED,
            "within_hours": float(limit),
            "incidents": len(items),
            **counts,
            "compliance": _share(counts["on_time"], judged),
            "published_share": _share(counts["on_time"] + counts["late"], judged),
            "not_compliant": [i for i in items if i["status"] in ("late", "missing")],
        }
    return out


def monthly(
    con: duckdb.DuckDBPyConnection,
    month: str,
    tz: str = "UTC",
    *,
    as_of: datetime,
    service: str | None = None,
    hours: Mapping[str, float] | None = None,
    services=None,
) -> dict:
    """Post-mortem compliance of the incidents detected in ``month`` (in ``tz``) at ``as_of``;
    ``services``: when given, only the incidents of these services."""
    period = periods.month(month, tz)
    rows = store.rows(con, "compliance.incidents_between", {"start": period.start, "end": period.end, "service": service})
    if services is not None:
        rows = [r for r in rows if r["service"] in services]
    return postmortems(rows, as_of, hours)


def action_items(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    *,
    service: str | None = None,
    owner: str | None = None,
    services=None,
) -> dict:
    """Open and overdue action items at ``as_of``, overall and per owner, with the open ones;
    ``services``: when given, only the items of these services' incidents."""
    rows = store.rows(con, "compliance.action_items", {"service": service, "owner": owner})
    if services is not None:
        rows = [r for r in rows if r["service"] in services]
    by_owner: dict[str, dict] = {}
    open_items = []
    for r in rows:
        who = r["owner"] or "(unassigned)"
        counts = by_owner.setdefault(who, {"total": 0, "done": 0, "open": 0, "overdue": 0})
        counts["total"] += 1
        if r["done"]:
            counts["done"] += 1
            continue
        overdue = r["due"] is not None and r["due"] < as_of
        counts["open"] += 1
        counts["overdue"] += overdue
        open_items.append({k: r[k] for k in ("incident_id", "idx", "service", "severity", "title", "owner", "due")}
                          | {"overdue": overdue})
    return {
        "as_of": as_of,
        "total": len(rows),
        "done": sum(c["done"] for c in by_owner.values()),
        "open": len(open_items),
        "overdue": sum(i["overdue"] for i in open_items),
        "by_owner": dict(sorted(by_owner.items())),
        "open_items": open_items,
    }
