"""The SLA impact of an incident: what its window cost each SLO of its service.

The window runs from ``started_at`` (else ``detected_at``) to ``mitigated_at`` (else
``resolved_at``), start inclusive, end exclusive, clipped to the calendar month (in the SLO's
zone) in which the window starts — the month whose error budget it spends. It counts whole
slices of the SLO (its time slices, 1 minute by default): every slice it touches, from the one
its start falls in (an outage starting at 15:04:30 spoils the minute 15:04, and that minute's
bad spends budget) to the last one starting before its end. Over those slices:

- ``failed`` = Σtotal − Σgood, ``total`` = Σtotal (events), ``failed_share`` = failed / total;
- ``bad_minutes`` = bad slices × slice minutes, a slice being bad when good/total is below the
  SLO's ``timeSliceTarget`` (Timeslices), else below the objective's target — its error rate
  exceeds the allowed one (the rule of :attr:`reliability.analysis.timeline.Timeline.bad_minute`,
  the same in ``worst``, updates, post-mortems and reports);
- ``budget_spent`` = the incident's bad in the SLO's own budget units / the month's
  ``allowed_bad`` (``reliability.analysis.sla.compute``): failed events for Occurrences, bad
  slices for Timeslices, Σ(1 − good/total) for RatioTimeslices; ``share_of_month_bad`` = the
  same bad / the month's ``bad``. Ratios, not percent. Slices without data add nothing.

Threshold SLIs are listed with ``supported: false``.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import duckdb

from reliability import periods, slos, store
from reliability.analysis import sla
from reliability.errors import BadInput


def _row(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> dict | None:
    found = store.rows(con, name, params)
    return found[0] if found else None


def _f(value) -> float | None:
    return None if value is None else float(value)


def _exact(value: float) -> Fraction:
    # The month's numbers come as floats of exact decimals (e.g. 40.32): use the decimal.
    return Fraction(Decimal(repr(value)))


def _div(a, b) -> Fraction | None:
    return Fraction(a) / Fraction(b) if b else None


def slo_impact(con: duckdb.DuckDBPyConnection, incident: dict, slo, month_row=None) -> dict:
    """The impact of one incident on one SLO (see the module docstring). ``month_row``: a
    callable ``(month) -> sla row or None`` of this SLO, for callers judging many incidents
    (one ``sla`` query per month instead of one per incident); default: ``sla.compute``."""
    out: dict = {"slo": slo.name, "sli": slo.sli, "budgeting_method": slo.budgeting_method}
    if slo.indicator.kind != "ratio":
        return out | {"supported": False}
    zone = slo.window.time_zone or "UTC"
    start = incident["window_start"]
    local = start.astimezone(periods.zone(zone))
    month = f"{local.year:04d}-{local.month:02d}"
    period = periods.month(month, zone)
    end = min(incident["window_end"], period.end)
    slice_seconds = slo.time_slice_window_seconds or sla.DEFAULT_SLICE_SECONDS
    objective = slo.objectives[0]
    threshold = objective.time_slice_target if objective.time_slice_target is not None else objective.target
    agg = _row(con, "impact.window_aggregates", {
        "service": slo.service, "sli": slo.sli, "start": start, "end": end, "origin": period.start,
        "slice_seconds": slice_seconds, "slice_target": threshold,
    })
    failed = Fraction(agg["sum_total"]) - Fraction(agg["sum_good"])
    own_bad = {"Occurrences": failed, "Timeslices": Fraction(agg["bad_slices"]),
               "RatioTimeslices": Fraction(agg["sum_bad_ratio"])}[slo.budgeting_method]
    if month_row is not None:
        found = month_row(month)
        month_rows = [] if found is None else [found]
    else:
        month_rows = sla.compute(con, month, slo.name)  # rows come in objective order
    if not month_rows:  # the SLO's first version takes effect after this month
        return out | {"supported": False}
    month_row = month_rows[0]
    return out | {
        "supported": True,
        "month": month,
        "time_zone": zone,
        "window_start": start,
        "window_end": end,
        "window_clipped": end < incident["window_end"],
        "window_minutes": float(Fraction((end - start) // timedelta(microseconds=1), 60_000_000)),
        "failed": float(failed),
        "total": float(agg["sum_total"]),
        "failed_share": _f(_div(failed, agg["sum_total"])),
        "bad_slice_threshold": threshold,
        "bad_minutes": float(Fraction(agg["bad_slices"] * slice_seconds, 60)),
        "bad": float(own_bad),
        "month_bad": month_row.bad,
        "month_allowed_bad": month_row.allowed_bad,
        "budget_spent": _f(_div(own_bad, _exact(month_row.allowed_bad))),
        "share_of_month_bad": _f(_div(own_bad, _exact(month_row.bad))),
    }


def incident_impact(con: duckdb.DuckDBPyConnection, incident_id: str, only: str | None = None,
                    month_rows=None) -> dict:
    """The impact document of one incident: its window and one entry per SLO of its service
    (``only``: just the SLO of that name). ``month_rows``: a callable ``(slo name, month) -> sla
    row or None`` serving the month's row (the app reads the monthly rollups); default
    ``sla.compute``."""
    incident = _row(con, "impact.incident", {"id": incident_id})
    if incident is None:
        raise BadInput(f"no incident with id {incident_id!r}", field="--incident")
    doc = {k: incident[k] for k in ("id", "service", "severity", "title", "window_start", "window_end")}
    if incident["window_end"] is None:
        return doc | {"slos": [], "note": "no mitigated_at or resolved_at: the window has no end"}
    service_slos = [s for s in slos.load(con) if s.service == incident["service"] and only in (None, s.name)]
    from reliability.analysis import segments

    # Each SLO as defined when the impact started (definitions in force: docs/sla.md).
    service_slos = segments.in_force_at(con, service_slos, incident["window_start"])
    if any(s.group_by for s in service_slos):  # per-instance SLOs: every instance of its window
        from reliability.analysis.instances import expand

        service_slos = expand(con, service_slos, incident["window_start"], incident["window_end"])
    if month_rows is None:
        return doc | {"slos": [slo_impact(con, incident, s) for s in service_slos]}
    return doc | {"slos": [slo_impact(con, incident, s, lambda m, n=s.name: month_rows(n, m)) for s in service_slos]}


def month_impacts(con: duckdb.DuckDBPyConnection, month: str, tz: str = "UTC", service: str | None = None) -> dict:
    """The impact of every incident detected in ``month`` (in ``tz``)."""
    period = periods.month(month, tz)
    ids = [r[0] for r in con.execute(store.query("impact.incidents_between"),
                                     {"start": period.start, "end": period.end, "service": service}).fetchall()]
    return {"month": period.label, "time_zone": tz, "incidents": [incident_impact(con, i) for i in ids]}
