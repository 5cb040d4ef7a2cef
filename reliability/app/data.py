"""Cached loaders: each opens the database read-only briefly and returns plain data."""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from reliability import store


def db_path() -> str:
    return str(store.db_path(os.environ.get("RELIABILITY_DB")))


@st.cache_data(ttl=60, show_spinner=False)
def sla_table(db: str, month: str, no_data: str = "good") -> pd.DataFrame:
    """One row per SLO objective for the month (the ``sla --json`` rows)."""
    from reliability.analysis import sla

    with store.connect(db, read_only=True) as con:
        rows = sla.compute(con, month, no_data=no_data)
    return pd.DataFrame([r.as_json() for r in rows])


@st.cache_data(ttl=60, show_spinner=False)
def months_with_data(db: str) -> list[str]:
    """``YYYY-MM`` of every month that has slices, newest first (UTC)."""
    with store.connect(db, read_only=True) as con:
        rows = con.execute(store.query("app.months_with_data")).fetchall()
    return [r[0] for r in rows]


@st.cache_data(ttl=60, show_spinner=False)
def incidents_month(db: str, month: str, tz: str = "UTC") -> dict:
    from reliability.analysis import incidents

    with store.connect(db, read_only=True) as con:
        return incidents.monthly(con, month, tz)
