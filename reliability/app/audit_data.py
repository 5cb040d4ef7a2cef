"""Cached loaders of the Audits page: the documents of ``audit policy``, ``audit breaches``,
``audit sli`` and ``backtest`` (the same functions, so the same numbers), each read over a
short-lived read-only connection and keyed by the database file's stamp, as
:mod:`reliability.app.data`'s loaders are."""

from __future__ import annotations

from datetime import datetime, timezone

import streamlit as st

from reliability import store
from reliability.app.data import CACHE
from reliability.app.fallback import last_good


def _scope(first: str, last: str, tz: str = "UTC"):
    from reliability.audits import scope

    return scope.scope(None, first, last, tz)


@last_good
@st.cache_data(**CACHE)
def policy(db: str, stamp_: tuple, first: str, last: str, as_of: datetime) -> dict:
    """``audit policy`` over months ``first`` to ``last`` (UTC) with the stored policy."""
    from reliability.audits import policies
    from reliability.audits import policy as audit

    with store.connect(db, read_only=True) as con:
        return audit.audit(con, policies.in_force(con), _scope(first, last), as_of)


@last_good
@st.cache_data(**CACHE)
def breaches(db: str, stamp_: tuple, first: str, last: str, as_of: datetime) -> dict:
    """``audit breaches`` over months ``first`` to ``last`` (each SLO's zone)."""
    from reliability.audits import breaches as audit

    with store.connect(db, read_only=True) as con:
        return audit.audit(con, _scope(first, last), as_of)


@last_good
@st.cache_data(**CACHE)
def sli(db: str, stamp_: tuple, first: str, last: str, blind_burn_rate: float) -> dict:
    """``audit sli`` over months ``first`` to ``last`` (UTC)."""
    from reliability.audits import sli as audit

    with store.connect(db, read_only=True) as con:
        return audit.audit(con, _scope(first, last), None, blind_burn_rate)


@last_good
@st.cache_data(**CACHE)
def backtest(db: str, stamp_: tuple, slo: str, first: str, last: str, target: float | None,
             windows: tuple[str, ...], incident: str | None) -> dict:
    """``backtest`` of ``slo`` over months ``first`` to ``last`` (UTC)."""
    from reliability.audits import backtest as audit

    parsed = [audit.parse_window(w) for w in windows] or None
    with store.connect(db, read_only=True) as con:
        return audit.backtest(con, slo, _scope(first, last), target, parsed, incident)


def today() -> datetime:
    """``as_of`` of the page: now, to the hour (so the cache holds for an hour, not a second)."""
    return datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
