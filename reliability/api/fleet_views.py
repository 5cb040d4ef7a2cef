"""The fleet as leadership sees it, from Python: labels, SLO coverage and the versions of an SLO.
Methods of :class:`reliability.Database`; ``sla``, ``budget`` and ``incidents`` take
``group_by=`` and ``labels=`` too (:func:`label_pairs`)."""

from __future__ import annotations

import pandas as pd

from reliability.api import args
from reliability.api.frames import Table

_HISTORY_TABLES = {"versions": Table(("versions",))}
_COVERAGE_TABLES = {
    "services": Table(("services_without_slo",), columns=("service", "incidents", "major_incidents", "first_detected",
                                                          "last_detected", "series", "labels")),
    "series": Table(("series_without_slo",), columns=("service", "sli", "rows", "first_slice", "newest_slice")),
    "slos": Table(("slos_without_series",), columns=("slo", "service", "sli")),
    "summary": Table(("summary",)),
}


def label_pairs(labels) -> list[tuple[str, str]]:
    """``labels=`` as ``(key, value)`` pairs: a dict (``{"team": "payments"}``, or a list of
    alternatives ``{"tier": ["1", "2"]}``), or ``"KEY=VALUE"`` strings as the CLI's ``--label``."""
    from reliability.analysis import groups

    if labels is None:
        return []
    if isinstance(labels, dict):
        out = []
        for key, value in labels.items():
            for v in value if isinstance(value, (list, tuple, set)) else [value]:
                if not isinstance(key, str) or not isinstance(v, str) or not key or not v:
                    raise args.ArgumentError(f"expected label keys and values as strings, got {key!r}: {v!r}", "labels")
                out.append((key, v))
        return out
    items = [labels] if isinstance(labels, str) else list(labels)
    try:
        return groups.parse_filters(items)
    except Exception as exc:  # BadInput: name the API's argument
        raise args.ArgumentError(str(exc), "labels") from None


def group_key(group_by) -> str | None:
    """``group_by=``: a label key (or ``"service"``), None for no grouping."""
    if group_by is not None and (not isinstance(group_by, str) or not group_by.strip()):
        raise args.ArgumentError(f"expected a label key such as 'team', got {group_by!r}", "group_by")
    return group_by


class FleetViews:
    """The methods of :class:`reliability.Database` for labels, coverage and SLO versions."""

    @args.checked
    def slo_history(self, name: str, *, table: str | None = "versions") -> pd.DataFrame | dict:
        """The versions of SLO ``name``: ``reliability slo history NAME --json``. One row per
        version: ``version``, ``effective_from`` (NaT: in force since always), ``until`` (NaT:
        still in force), ``applied_at``, ``changed`` (fields that differ from the version
        before), and the definition as ``db.slos()`` describes it (``objectives``...).

        Example:

        >>> db.slo_history("ledger-availability")[["version", "effective_from", "until", "changed"]]
           version            effective_from                     until       changed
        0        1                       NaT 2026-06-15 04:00:00+00:00            []
        1        2 2026-06-15 04:00:00+00:00                       NaT  [objectives]
        """
        from reliability import slos, versions

        args.name(name, "name", required=True)
        with self._connect() as con:
            found = versions.versions_of(con, name)
            if not found:
                raise args.ArgumentError(f"no SLO named {name!r} (see db.slos())", "name")
            doc = slos.describe_history(found, slos.datasources(con))
        return self._out(doc, _HISTORY_TABLES, table)

    @args.checked
    def coverage(self, since=None, *, table: str | None = "services") -> pd.DataFrame | dict:
        """SLO coverage: ``reliability coverage --json``. Tables: ``"services"`` (default;
        services with incidents or series but no SLO), ``"series"`` (series of covered
        services that no SLO measures), ``"slos"`` (SLOs without any series), ``"summary"``
        (``services_seen``, ``services_with_slo``, ``slo_coverage`` ratio). ``since``: only
        incidents and series rows from that time on.

        Example:

        >>> db.coverage(table="summary")[["services_seen", "services_with_slo", "slo_coverage"]]
           services_seen  services_with_slo  slo_coverage
        0              8                  8           1.0
        """
        from reliability.analysis import coverage

        instant = args.optional_instant(since, "since")
        with self._connect() as con:
            doc = coverage.report(con, instant)
        return self._out(doc, _COVERAGE_TABLES, table)
