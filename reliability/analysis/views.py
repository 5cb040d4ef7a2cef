"""Documents that the command line and the Python API build alike (one function, one number):
``budget`` with labels and definitions in force, ``incidents`` by label, ``sla`` periods with
roll-ups. The roll-up rules are :mod:`reliability.analysis.groups`'."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb

from reliability.errors import BadInput


def sla_period(rows: Sequence, group_by: str | None, wanted: Sequence[tuple[str, str]], grouping: bool) -> dict:
    """One period's ``slos`` as ``sla --json`` prints them; with ``grouping`` (``--group-by``
    or ``--label`` given) only the rows matching ``wanted``, with their labels, the roll-up of
    them all (``all``) and per value of ``group_by`` (``groups``), and the rule."""
    if not grouping:
        return {"slos": [r.as_json() for r in rows]}
    from reliability.analysis import groups

    rows = groups.keep(rows, wanted)
    return {"slos": [r.as_json(labels=True) for r in rows]} | groups.sla_document(rows, group_by)


def budget_document(
    con: duckdb.DuckDBPyConnection, month: str, selected: Sequence, instant: datetime | None,
    step_seconds: int | None, at_risk: float, min_coverage: float, *, step_text: str | None = None,
    group_by: str | None = None, wanted: Sequence[tuple[str, str]] = (),
) -> dict:
    """``budget --json`` for the SLOs ``selected``: each burn-down with the definition in force
    at ``instant`` (else the month's end: :func:`reliability.analysis.segments.for_budget`);
    with ``group_by``/``wanted``, the SLOs matching ``wanted``, their labels and the roll-ups."""
    from reliability import periods, slos
    from reliability.analysis import budget, groups, segments
    from reliability.analysis.sla import slo_zone

    grouping = bool(group_by or wanted)
    if grouping:
        selected = [s for s in selected if groups.matches(s.labels, s.service, wanted)]
    hist = segments.histories_of(con, selected)
    sources = slos.datasources(con) if hist else {}
    reports, windows = [], {}
    for slo in selected:
        note = {}
        if slo.name in hist:
            slo, note = segments.for_budget(slo, hist[slo.name], periods.month(month, slo_zone(slo)), instant,
                                            sources)
        b = budget.load(con, slo, month, instant)
        if step_seconds and step_seconds % b.tl.window_seconds:
            raise BadInput(f"{step_text or step_seconds} is not a multiple of {slo.name}'s slices", field="--step")
        report = budget.report(b, step_seconds, at_risk, min_coverage) | note
        if grouping:
            report["labels"] = {k: list(v) for k, v in slo.labels}
        reports.append(report)
        windows[slo.name] = b.tl.window_seconds / 60
    doc = {"month": month, "at_risk": at_risk, "min_coverage": min_coverage, "slos": reports}
    if grouping:
        if wanted:
            doc["label_filter"] = groups.filter_document(wanted)
        doc["all"] = groups.budget_rollup(reports, windows)
        if group_by:
            doc["group_by"] = group_by
            doc["groups"] = [
                {"key": group_by, "value": v} | groups.budget_rollup(members, windows)
                for v, members in groups.split(
                    reports, group_by, lambda r: tuple((k, tuple(x)) for k, x in r["labels"].items()),
                    lambda r: r["service"])
            ]
    return doc


def incidents_document(
    con: duckdb.DuckDBPyConnection, month: str, tz: str, *, service: str | None, targets, holidays,
    group_by: str | None = None, wanted: Sequence[tuple[str, str]] = (),
) -> dict:
    """``incidents --json``; with ``group_by``/``wanted``, only the incidents of services whose
    labels match ``wanted`` (:func:`reliability.analysis.groups.labels_of_services`) and their
    metrics per value of ``group_by``."""
    from reliability import periods
    from reliability.analysis import groups
    from reliability.incidents import metrics as analysis

    if not (group_by or wanted):
        return analysis.monthly(con, month, tz, service=service, targets=targets, holidays=holidays)
    labels = groups.labels_of_services(con)

    def keep(row: dict) -> bool:
        return groups.matches(labels.get(row["service"], ()), row["service"], wanted)

    doc = analysis.monthly(con, month, tz, service=service, targets=targets, holidays=holidays, keep=keep)
    if wanted:
        doc["label_filter"] = groups.filter_document(wanted)
    if group_by:
        period = periods.month(month, tz)
        rows = [r for r in analysis.detected_in(con, period.start, period.end, service) if keep(r)]
        doc["group_by"] = group_by
        doc["groups"] = groups.incident_groups(rows, group_by, labels,
                                               lambda rs: analysis.summarise(rs, targets, tz, holidays))
    return doc
