"""The one way to write: a transaction that keeps the monthly SLA rollups up to date.

:func:`transaction` is :func:`reliability.store.transaction` plus the rollups
(:mod:`reliability.analysis.rollups`): it marks what the database held before the block and,
before committing, recomputes exactly the SLO-months the block touched, in the same
transaction. Every writer (``ingest``, ``extract``, ``slo apply``, ``ingest maintenance``,
``demo``, the API) goes through here; ``tests/test_rollups.py`` fails if code elsewhere opens
a write transaction with ``store.transaction`` directly (its rollups would go stale).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb

from reliability import store
from reliability.analysis import rollups


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One write transaction: committed with its rollups refreshed, rolled back on any exception."""
    with store.transaction(con):
        before = rollups.mark(con)
        yield con
        rollups.refresh(con, before)
