"""Incident analytics as JSON documents, for the command line (``incidents``, ``mttx``,
``compliance``, ``action-items``, ``recurrence``, ``changes``) and the
:class:`reliability.Database` methods: one path from the database to every surface, so the
modules behind it (``reliability.incidents``) can move without touching the commands.

``con`` is an open read-only connection; months are ``YYYY-MM`` in the time zone ``tz``;
durations in the documents are minutes. The option parsers raise ``BadInput`` naming the
command-line option. No pandas: each function imports what it uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime


def incidents_document(con, month: str, tz: str, *, service: str | None, targets, holidays,
                       group_by: str | None = None, wanted: Sequence[tuple[str, str]] = ()) -> dict:
    """``incidents --json``: MTTA/MTTR and acknowledgement targets of the incidents detected
    in ``month``; with ``group_by``/``wanted``, by label of their services."""
    from reliability.analysis import views

    return views.incidents_document(con, month, tz, service=service, targets=targets, holidays=holidays,
                                    group_by=group_by, wanted=wanted)


def mttx(con, start: str, end: str, tz: str, *, months: int, service: str | None) -> dict:
    """``mttx --json``: time to detect, acknowledge, mitigate, resolve; MTBF; month by month."""
    from reliability.incidents import timing

    return timing.report(con, start, end, tz, months=months, service=service)


def response_targets(con, month: str, tz: str, **kwargs) -> dict:
    """``compliance --json`` without its ``postmortems``: response and update-cadence targets."""
    from reliability.incidents import targets

    return targets.monthly(con, month, tz, **kwargs)


def postmortems(con, month: str, tz: str, *, as_of: datetime, service: str | None) -> dict:
    """The ``postmortems`` block of ``compliance --json``: due, done, late as of ``as_of``."""
    from reliability.incidents import postmortems as analysis

    return analysis.monthly(con, month, tz, as_of=as_of, service=service)


def action_items(con, as_of: datetime, *, service: str | None, owner: str | None) -> dict:
    """``action-items --json``: open postmortem action items as of ``as_of``."""
    from reliability.incidents import postmortems as analysis

    return analysis.action_items(con, as_of, service=service, owner=owner)


def recurrence(con, start: str, end: str, tz: str, *, days: int, threshold: float, incident: str | None) -> dict:
    """``recurrence --json``: incidents alike (similarity >= threshold) within ``days``."""
    from reliability.incidents import recurrence as analysis

    return analysis.report(con, start, end, tz, days=days, threshold=threshold, incident=incident)


def changes(con, start: str, end: str, tz: str, *, hours: float) -> dict:
    """``changes --json``: incidents preceded by a change within ``hours``."""
    from reliability.incidents import changes as analysis

    return analysis.report(con, start, end, tz, hours=hours)


# --------------------------------------------------------------- command-line option values

def parse_ack_targets(items: Sequence[str]) -> dict[str, float | str]:
    """``SEV=MINUTES`` acknowledgement targets (the defaults for severities not given)."""
    from reliability.incidents import metrics

    return metrics.parse_targets(items)


def parse_holidays(items: Sequence[str]):
    """Holiday dates (``YYYY-MM-DD``) left out of business hours."""
    from reliability.incidents import targets

    return targets.parse_holidays(items)


def parse_cadence(items: Sequence[str]) -> dict[str, float]:
    """``SEV=MINUTES`` update-cadence targets."""
    from reliability.incidents import targets

    return targets.parse_cadence(items)


def business_calendar(tz: str, holidays):
    """Business hours in ``tz`` without ``holidays``, for response targets."""
    from reliability.incidents import targets

    return targets.BusinessCalendar(tz, holidays)


def default_update_kinds() -> tuple[str, ...]:
    """The incident update kinds that count as updates when none are given."""
    from reliability.incidents import targets

    return targets.DEFAULT_UPDATE_KINDS


def check_recurrence_options(days: int, threshold: float) -> None:
    """BadInput unless ``days`` > 0 and 0 < ``threshold`` <= 1."""
    from reliability.incidents import recurrence as analysis

    analysis.check_options(days, threshold)
