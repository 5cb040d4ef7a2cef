"""Cached loader of the Contracts page: the ``contracts risk`` document (the same function, so
the same numbers), read over a short-lived read-only connection and keyed by the database
file's stamp, as :mod:`reliability.app.data`'s loaders are."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from reliability import store
from reliability.app.data import CACHE
from reliability.app.fallback import last_good


@last_good
@st.cache_data(**CACHE)
def at_risk(db: str, stamp_: tuple, month: str, at: datetime, threshold: float) -> dict:
    """``contracts risk --month MONTH --at AT --threshold T --json`` (stored contracts)."""
    from reliability.contracts import documents

    with store.connect(db, read_only=True) as con:
        return documents.contracts_at_risk(con, month, at, threshold)


@last_good
@st.cache_data(**CACHE)
def contract_count(db: str, stamp_: tuple) -> int:
    """How many contracts are stored."""
    from reliability.contracts import storage

    with store.connect(db, read_only=True) as con:
        return len(storage.stored(con))
