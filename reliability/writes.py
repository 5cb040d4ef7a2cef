"""The one way to write: a transaction that keeps the monthly SLA rollups up to date.

:func:`transaction` is :func:`reliability.store.transaction` plus the rollups
(:mod:`reliability.analysis.rollups`): it marks what the database held before the block and,
before committing, recomputes exactly the SLO-months the block touched, in the same
transaction. Every writer (``ingest``, ``extract``, ``slo apply``, ``ingest maintenance``,
``demo``, the API) goes through here; ``tests/test_rollups.py`` fails if code elsewhere opens
a write transaction with ``store.transaction`` directly (its rollups would go stale).

Appended slices are found by their row ids; deleted ones leave no trace in the table, so a
writer removes slices with :func:`delete_slices`, which registers the range it deleted with
the open transaction (a month whose rows are all deleted, with none appended, is recomputed
too).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime

import duckdb

from reliability import store
from reliability.analysis import rollups

# The mark of the write transaction open on each connection (by id; None: no rollups table).
_open: dict[int, rollups.Mark | None] = {}


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One write transaction: committed with its rollups refreshed, rolled back on any exception."""
    with store.transaction(con):
        before = rollups.mark(con)
        _open[id(con)] = before
        try:
            yield con
            rollups.refresh(con, before)
        finally:
            _open.pop(id(con), None)


def delete_slices(con: duckdb.DuckDBPyConnection, service: str, sli: str, start: datetime, end: datetime,
                  *, instances: bool = False) -> None:
    """Delete the slices of series ``(service, sli)`` in ``[start, end)`` (UTC instants) inside
    the write transaction open on ``con``, and register the range so that its rollups and
    per-series months are recomputed. ``instances``: the rows of every instance of ``sli``
    (keys ``sli{label="value",...}``, a definition with grouping labels) instead."""
    if id(con) not in _open:
        raise RuntimeError("delete_slices outside writes.transaction: the rollups would go stale")
    con.execute(store.query("extract.delete_instances_chunk" if instances else "extract.delete_chunk"),
                {"service": service, "sli": sli, "start": start, "end": end})
    before = _open[id(con)]
    if before is not None:
        before.deleted.append(rollups.Deleted(service, sli, instances, start, end))
