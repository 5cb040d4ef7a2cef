"""Per series and UTC month metadata, kept by every write: what the data health page shows.

Table ``series_months`` holds, per stored series (service, sli) and calendar month (UTC), the
first and last usable slice, the usable rows, the no-data rows among them and the rows that
``usable_slices`` leaves out. Series health (first/last slice, missing and no-data slices),
coverage per month and the newest slice of each series follow from these few rows by sums,
minima and maxima, exactly as from the slices (queries/series_months.sql), so the page never
scans ``sli_slices``.

Maintained like the SLA rollups: :func:`reliability.writes.transaction` marks the highest slice
row id before a write, and :func:`refresh` recomputes, in the same transaction, the (series,
month) pairs holding rows appended since (a replaced key is deleted and appended again) and
those a range deleted by :func:`reliability.writes.delete_slices` overlaps (a month whose rows
were all deleted loses its row).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from reliability import store


def refresh(con: duckdb.DuckDBPyConnection, since: int, deleted: Sequence = ()) -> int:
    """Recompute the (series, month) rows touched by rows above row id ``since`` and by the
    ``deleted`` ranges (:class:`reliability.analysis.rollup_items.Deleted`, registered by
    :func:`reliability.writes.delete_slices`); returns how many."""
    touched = set(con.execute(store.query("series_months.touched"), {"since": since}).fetchall())
    if deleted:
        ranges = sorted(set(deleted), key=lambda d: (d.service, d.sli, d.instances, d.start, d.end))
        touched |= set(con.execute(store.query("series_months.deleted"), {
            "services": [d.service for d in ranges], "slis": [d.sli for d in ranges],
            "instances": [d.instances for d in ranges], "starts": [d.start for d in ranges],
            "ends": [d.end for d in ranges]}).fetchall())
    if not touched:
        return 0
    keys = sorted(touched)
    params = {"services": [t[0] for t in keys], "slis": [t[1] for t in keys], "months": [t[2] for t in keys]}
    con.execute(store.query("series_months.delete"), params)
    con.execute(store.query("series_months.recompute"), params)
    return len(keys)


def _frame(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None):
    return con.sql(store.query(name), params=params or None).to_arrow_table().to_pandas()


def series_health(con: duckdb.DuckDBPyConnection, slice_seconds: int = 60):
    """Per series: ``first_slice``, ``last_slice`` (UTC), ``slices``, ``no_data_slices`` and the
    ``missing_slices`` of ``slice_seconds`` between the first and the last (a DataFrame)."""
    return _frame(con, "series_months.series_health", {"slice_seconds": slice_seconds})


def coverage_by_month(con: duckdb.DuckDBPyConnection, slice_seconds: int = 60):
    """Per series and UTC month: ``slices``, ``with_data``, ``month_seconds`` and ``expected``
    (slices of ``slice_seconds`` the month holds; a DataFrame)."""
    return _frame(con, "series_months.coverage_by_month", {"slice_seconds": slice_seconds})


def newest_slices(con: duckdb.DuckDBPyConnection):
    """Per series: the start of its newest usable slice (UTC; a DataFrame)."""
    return _frame(con, "series_months.newest_slices")

