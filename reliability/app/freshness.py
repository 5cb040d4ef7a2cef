"""Stale series: the newest slice of a series older than a threshold, warned about in colour.

A series whose data stopped arriving makes every later period look like no data — which the
SLA's ``status`` reports as ``insufficient_data`` — but the reader should also be told where
the pipeline stopped. A series is *stale* when ``now − (newest slice start + 1 minute)`` is more
than ``hours`` (default :data:`STALE_HOURS`); the lag is in hours.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import streamlit as st

STALE_HOURS = 24.0
NAMED = 10  # series named in the banner; thousands of per-customer series would bury the page
RED, AMBER = "#b71c1c", "#e65100"


def lag_hours(last_slice: pd.Series, now: datetime | None = None) -> pd.Series:
    """Hours from the end of each newest (1-minute) slice to ``now``."""
    now = now or datetime.now(timezone.utc)
    ends = pd.to_datetime(last_slice, utc=True) + pd.Timedelta(minutes=1)
    return (pd.Timestamp(now) - ends).dt.total_seconds() / 3600


def stale(series: pd.DataFrame, hours: float = STALE_HOURS, now: datetime | None = None) -> pd.DataFrame:
    """The rows of ``series`` (with ``service``, ``sli``, ``last_slice``) whose lag exceeds ``hours``,
    with a ``lag_hours`` column, most behind first."""
    if series.empty:
        return series.assign(lag_hours=pd.Series(dtype=float))
    lagged = series.assign(lag_hours=lag_hours(series["last_slice"], now))
    return lagged[lagged["lag_hours"] > hours].sort_values("lag_hours", ascending=False)


def _ago(hours: float) -> str:
    return f"{hours:,.0f} hours" if hours < 48 else f"{hours / 24:,.0f} days"


def warn(series: pd.DataFrame, hours: float = STALE_HOURS, now: datetime | None = None, container=st) -> pd.DataFrame:
    """A red error banner naming the stale series, the :data:`NAMED` most behind and how many
    more (nothing when every series is fresh); when every series is stale, none is named (the
    list would only fill a phone's first screen): the banner says all, and since when."""
    late = stale(series, hours, now)
    if not late.empty:
        newest = pd.to_datetime(late["last_slice"], utc=True).max()
        since = f"{newest:%Y-%m-%d %H:%M} UTC, {_ago(late['lag_hours'].min())} ago"
        if len(late) == len(series):
            which = f" (every series; the newest slice started {since})"
        else:
            names = ", ".join(f"{s}/{i}" for s, i in zip(late["service"][:NAMED], late["sli"][:NAMED]))
            if len(late) > NAMED:
                names += f" and {len(late) - NAMED:,} more (Data health lists them all)"
            which = f" (latest of them {since}): {names}"
        container.error(
            f"Stale data: {len(late)} of {len(series)} series have had no new slice for more than {hours:g} hours"
            f"{which}. Periods after that have no data: their SLA status is insufficient data, not met.", icon="⚠️")
    return late


def colour(lag: float, hours: float = STALE_HOURS) -> str:
    """CSS for a lag cell: red when stale, amber past half the threshold, else nothing."""
    if pd.isna(lag):
        return ""
    if lag > hours:
        return f"color: white; background-color: {RED}"
    if lag > hours / 2:
        return f"color: white; background-color: {AMBER}"
    return ""
