"""SLO arithmetic as typed rows and JSON documents, for the command line (and the
:class:`reliability.Database` methods built on the same calls).

The API's methods return DataFrames; a command needs the rows they are made from (``SlaRow``
objects, documents as dicts) to print a table or its ``--json``. Both read through these
functions, so a number has one path from the database to every surface, and the modules
behind it (``reliability.analysis``) can move without touching the commands.

Conventions: ``con`` is an open read-only connection (``reliability.store.connect``); months
are ``YYYY-MM``; instants are aware UTC datetimes; durations are seconds; ratios are floats in
[0, 1]. The option parsers raise ``BadInput`` naming the command-line option. Nothing here
imports pandas (a command's start-up stays light): each function imports what it uses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple


class SlaPeriod(NamedTuple):
    """One period's SLA: ``rows`` (``SlaRow``, one per SLO and objective), ``composites``
    (composite SLOs' documents) and ``unusable`` (series the rows read that hold unusable
    data: dicts, as ``unusable_series`` in ``sla --json``)."""

    rows: list
    composites: list[dict]
    unusable: list[dict]


# ---------------------------------------------------------------------------- SLA periods

def sla_month(con, month: str, slo: str | None, no_data: str, *, maintenance: list | None,
              min_coverage: float) -> SlaPeriod:
    """SLA of every SLO (or ``slo``, or composite ``slo``) over a calendar month, each in its
    own time zone; composites selected by ``slo`` (all of them without it)."""
    from reliability.analysis import composite, usable
    from reliability.analysis import sla as analysis

    comps = composite.selected(con, slo)
    rows = [] if comps and slo else analysis.compute(con, month, slo, no_data, maintenance=maintenance,
                                                     min_coverage=min_coverage)
    journeys = [composite.compute(con, c, composite.month_period(c, month), no_data=no_data,
                                  maintenance=maintenance, min_coverage=min_coverage) for c in comps]
    return SlaPeriod(rows, journeys, usable.for_rows(con, rows))


def sla_months(con, first: str, last: str, slo: str | None, no_data: str, *, maintenance: list | None,
               min_coverage: float, composites: bool = True) -> list[tuple[str, SlaPeriod]]:
    """SLA month by month from ``first`` to ``last`` (included): ``[(month, SlaPeriod)]``.
    ``unusable`` is the same list in every month (the series of all the months' rows)."""
    from reliability.analysis import composite, history, usable

    comps = composite.selected(con, slo) if composites else []
    months = [] if comps and slo else history.monthly(con, first, last, slo, no_data, maintenance=maintenance,
                                                      min_coverage=min_coverage)
    if not months and composites:
        months = [(m, []) for m in history.months_between(first, last)]
    bad = usable.for_rows(con, [r for _, rows in months for r in rows])
    return [(m, SlaPeriod(rows, [composite.compute(con, c, composite.month_period(c, m), no_data=no_data,
                                                   maintenance=maintenance, min_coverage=min_coverage)
                                 for c in comps], bad)) for m, rows in months]


def sla_rolling(con, at: datetime, window_seconds, slo: str | None, no_data: str, *, maintenance: list | None,
                min_coverage: float) -> SlaPeriod:
    """SLA over the rolling window ending at ``at``: ``window_seconds`` is a parsed window
    (:func:`parse_window`), or None for each SLO's own."""
    from reliability.analysis import history, usable

    rows = history.rolling_at(con, at, window_seconds, slo, no_data, maintenance=maintenance,
                              min_coverage=min_coverage)
    return SlaPeriod(rows, [], usable.for_rows(con, rows))


def sla_span(con, kind: str, text: str, slo: str | None, no_data: str, *, maintenance: list | None,
             min_coverage: float) -> SlaPeriod:
    """SLA over a calendar ``kind`` ("quarter" or "year") named ``text`` (``2026-Q1``, ``2026``)."""
    from reliability.analysis import history, usable

    rows = history.calendar_span(con, kind, text, slo, no_data, maintenance=maintenance, min_coverage=min_coverage)
    return SlaPeriod(rows, [], usable.for_rows(con, rows))


def sla_document(rows: Sequence, group_by: str | None, wanted: Sequence[tuple[str, str]], grouping: bool) -> dict:
    """The one conversion of a period's ``SlaRow`` rows to JSON: ``slos`` (and ``groups``,
    ``all`` when grouping or filtering by labels), as in ``sla --json``."""
    from reliability.analysis import views

    return views.sla_period(rows, group_by, wanted, grouping)


def months_between(first: str, last: str) -> list[str]:
    """The months from ``first`` to ``last``, included."""
    from reliability.analysis import history

    return history.months_between(first, last)


# ------------------------------------------------------------------ budgets, burn, windows

def budget_document(con, month: str, selected: Sequence, *args, **kwargs) -> dict:
    """``budget --json`` for ``selected`` SLOs (see ``analysis.views.budget_document``)."""
    from reliability.analysis import views

    return views.budget_document(con, month, selected, *args, **kwargs)


def composites(con, slo: str | None) -> list:
    """The composite SLOs ``slo`` names (all of them when None)."""
    from reliability.analysis import composite

    return composite.selected(con, slo)


def all_composites(con, name: str | None = None) -> list:
    """Every stored composite SLO (or the one named), as defined now."""
    from reliability.analysis import composite

    return composite.load(con, name)


def composite_budget(con, comp, month: str, at: datetime | None, *, min_coverage: float) -> dict:
    """A composite SLO's budget over ``month`` so far, with daily points."""
    from reliability.analysis import composite

    return composite.budget(con, comp, month, at, min_coverage=min_coverage)


def composite_burn(con, comp, start: datetime, end: datetime, windows: Sequence[int]) -> dict:
    """A composite SLO's burn rate over [start, end) and over ``windows`` (seconds) at the end."""
    from reliability.analysis import composite

    return composite.burn(con, comp, start, end, windows)


def burn(con, slo, start: datetime, end: datetime, windows: list | None = None) -> dict:
    """``burn --json`` of one SLO: burn rates, alert episodes replayed, incidents paged."""
    from reliability.analysis import burn as analysis

    return analysis.analyse(con, slo, start, end, windows)


def burn_many(con, selected: Sequence, start: datetime, end: datetime, windows: list | None = None,
              then: Callable | None = None) -> list:
    """:func:`burn` of every SLO in ``selected`` (``then`` maps each result as it comes)."""
    from reliability.analysis import burn as analysis

    return analysis.analyse_many(con, selected, start, end, windows, then=then)


def worst(con, slo, month: str, window_seconds: int, top: int) -> dict:
    """The ``top`` worst windows of ``window_seconds`` of one SLO in ``month``."""
    from reliability.analysis import worst as analysis

    return analysis.compute(con, slo, month, window_seconds, top)


def worst_many(con, selected: Sequence, month: str, window_seconds: int, top: int, **kwargs) -> list:
    """:func:`worst` of every SLO in ``selected``."""
    from reliability.analysis import worst as analysis

    return analysis.compute_many(con, selected, month, window_seconds, top, **kwargs)


def latency(con, *args, **kwargs) -> dict:
    """Latency quantiles of a histogram series over a month (``latency --json``)."""
    from reliability.analysis import latency as analysis

    return analysis.compute(con, *args, **kwargs)


def quantile_label(q: float) -> str:
    """The column name of quantile ``q``: 0.99 -> ``p99``."""
    from reliability.analysis import latency as analysis

    return analysis.label(q)


def coverage(con, since: datetime | None) -> dict:
    """``coverage --json``: which series have data since ``since``."""
    from reliability.analysis import coverage as analysis

    return analysis.report(con, since)


def credits(con, month: str, slo: str | None, tiers: Sequence, *, min_coverage: float, minimum) -> list:
    """Service credits per SLO over ``month`` under ``tiers`` (``credits --json`` rows)."""
    from reliability.analysis import credits as analysis

    return analysis.compute(con, month, slo, tiers, min_coverage=min_coverage, minimum=minimum)


def incident_impact(con, incident_id: str) -> dict:
    """``impact --incident ID --json``: what one incident cost each SLO it touched."""
    from reliability.analysis import impact

    return impact.incident_impact(con, incident_id)


def month_impacts(con, month: str, tz: str, service: str | None) -> dict:
    """``impact --month M --json``: every incident's cost in ``month``."""
    from reliability.analysis import impact

    return impact.month_impacts(con, month, tz, service)


# ---------------------------------------------------------- SLO selection and unusable data

def expand_instances(con, selected: Sequence, period_for: Callable) -> list:
    """``selected`` SLOs with each per-instance SLO replaced by its instances seen in the period
    ``period_for(slo)``."""
    from reliability.analysis import sla

    return sla.expand_instances(con, selected, period_for)


def slo_zone(slo) -> str:
    """The time zone of an SLO's calendar periods."""
    from reliability.analysis import sla

    return sla.slo_zone(slo)


def slice_seconds(slo) -> int:
    """The length of an SLO's slices, seconds."""
    from reliability.analysis import timeline

    return timeline.slice_seconds(slo)


def unusable_of(con, rows: Sequence) -> list[dict]:
    """Series read by ``rows`` that hold unusable data."""
    from reliability.analysis import usable

    return usable.for_rows(con, rows)


def unusable_in_month(con, month: str) -> list[dict]:
    """Series with unusable data in ``month``."""
    from reliability.analysis import usable

    return usable.for_month(con, month)


def warn_unusable(found: Sequence[dict]) -> None:
    """One warning line on stderr per series with unusable data."""
    from reliability.analysis import usable

    usable.warn(found)


# ------------------------------------------------------------------------ labels, roll-ups

def label_filter_document(wanted: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """``label_filter`` of a document: label -> values asked for."""
    from reliability.analysis import groups

    return groups.filter_document(wanted)


def keep_labelled(rows: Sequence, wanted: Sequence[tuple[str, str]]) -> list:
    """The rows whose labels match every ``(key, value)`` of ``wanted``."""
    from reliability.analysis import groups

    return groups.keep(rows, wanted)


def split_by_label(items: Sequence, key: str, labels_of: Callable[[Any], tuple],
                   service_of: Callable[[Any], str | None]):
    """``items`` grouped by their values of label ``key``: ``[(value, items)]``."""
    from reliability.analysis import groups

    return groups.split(items, key, labels_of, service_of)


def rollup(rows: Sequence) -> dict:
    """The roll-up of SLA rows: SLOs met / measured, attainment and budget per method."""
    from reliability.analysis import groups

    return groups.rollup(rows)


# --------------------------------------------------------------- command-line option values

def parse_instant(text: str, option: str) -> datetime:
    """An ISO 8601 instant given to ``option``; BadInput naming it otherwise."""
    from reliability.analysis import history

    return history.parse_instant(text, option)


def parse_window(text: str, option: str = "--window"):
    """A window such as ``28d``, ``1h``, ``1M`` given to ``option``: a ``Duration``."""
    from reliability.analysis import history

    return history.parse_window(text, option)


def check_min_coverage(value: float, option: str = "--min-coverage") -> float:
    """A coverage ratio in [0, 1]; BadInput naming ``option`` otherwise."""
    from reliability.analysis import sla

    return sla.check_min_coverage(value, option)


def parse_label_filters(items: Sequence[str], option: str = "--label") -> list[tuple[str, str]]:
    """``KEY=VALUE`` filters: ``[(key, value)]``."""
    from reliability.analysis import groups

    return groups.parse_filters(items, option)


def parse_tier(text: str, option: str = "--tier"):
    """A credit tier ``BELOW:PERCENT``."""
    from reliability.analysis import credits as analysis

    return analysis.parse_tier(text, option)


def default_tiers() -> tuple:
    """The credit tiers used when none are given."""
    from reliability.analysis import credits as analysis

    return analysis.DEFAULT_TIERS


def parse_sla_target(text: str, option: str = "--sla-target"):
    """A contractual SLA target (percent or ratio), exact."""
    from reliability.analysis import credits as analysis

    return analysis.parse_sla_target(text, option)


def sla_target(tiers: Sequence, given=None):
    """The SLA target the tiers imply (``given`` when given)."""
    from reliability.analysis import credits as analysis

    return analysis.sla_target(tiers, given)
