"""SLO coverage: the services and series that have data but no SLO (``reliability coverage``).

- ``services_without_slo``: services that have incidents or SLI series (at or after ``since``)
  and no stored SLO with that ``spec.service`` — what leadership cannot see in any roll-up.
  Each with its incidents (count, SEV-1/SEV-2 count, first and last detection), its series
  (``sli``, rows, first and newest slice start) and its labels when a Service document gives
  them.
- ``series_without_slo``: series (service, sli) no SLO measures, of services that do have SLOs.
  A per-instance series (``availability{customer="acme"}``) is measured by the definition of
  its service and SLI grouped by exactly its labels (:mod:`reliability.instances`).
- ``slos_without_series``: SLOs whose series has no row at or after ``since`` (never computed
  from data: every period of theirs has insufficient data); a per-instance definition, when no
  series of an instance of it has.
- Counts in ``summary``: services seen (in SLOs, incidents or series), services with an SLO,
  and ``slo_coverage`` = services with an SLO / services seen (a ratio; null when none).
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

import duckdb

from reliability import instances, slos, store
from reliability.openslo import labels as label_rules


def report(con: duckdb.DuckDBPyConnection, since: datetime | None = None) -> dict:
    """The coverage document (module docstring); times are UTC instants."""
    defined = slos.load(con)
    # (service, sli, grouping labels): a per-instance definition measures every instance's series.
    measured = {(s.service, s.indicator.name, s.group_by) for s in defined}
    with_slo = {s.service for s in defined}
    series = store.rows(con, "coverage.series_inventory", {"since": since})
    incidents = {r["service"]: r for r in store.rows(con, "coverage.incident_inventory", {"since": since})}
    service_labels = slos.service_labels(con)
    by_service: dict[str, list[dict]] = {}
    for r in series:
        by_service.setdefault(r["service"], []).append(r)
    seen = set(by_service) | set(incidents) | with_slo
    uncovered = []
    for service in sorted(seen - with_slo):
        inc = incidents.get(service)
        uncovered.append({
            "service": service,
            "incidents": inc["incidents"] if inc else 0,
            "major_incidents": inc["major_incidents"] if inc else 0,
            "first_detected": inc["first_detected"] if inc else None,
            "last_detected": inc["last_detected"] if inc else None,
            "series": [{"sli": r["sli"], "rows": r["rows"], "first_slice": r["first_slice"],
                        "newest_slice": r["newest_slice"]} for r in by_service.get(service, [])],
            "labels": label_rules.as_dict(service_labels.get(service, ())),
        })
    unmeasured = [
        {"service": r["service"], "sli": r["sli"], "rows": r["rows"], "first_slice": r["first_slice"],
         "newest_slice": r["newest_slice"]}
        for r in series if r["service"] in with_slo and _key(r) not in measured
    ]
    present = {_key(r) for r in series}
    idle = [{"slo": s.name, "service": s.service, "sli": s.sli} for s in defined
            if (s.service, s.indicator.name, s.group_by) not in present]
    return {
        "since": since,
        "summary": {
            "services_seen": len(seen),
            "services_with_slo": len(with_slo),
            "services_without_slo": len(uncovered),
            "slo_coverage": float(Fraction(len(with_slo & seen), len(seen))) if seen else None,
        },
        "services_without_slo": uncovered,
        "series_without_slo": unmeasured,
        "slos_without_series": idle,
    }


def _key(series: dict) -> tuple[str, str, tuple[str, ...]]:
    """(service, SLI name, grouping labels) of a stored series (labels empty for a plain one)."""
    sli, instance = instances.split_key(series["sli"])
    return series["service"], sli, tuple(k for k, _ in instance)
