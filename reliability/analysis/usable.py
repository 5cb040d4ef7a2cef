"""Stored slice rows that readers leave out, and which series hold them.

Every reader reads ``usable_slices`` (a view over ``sli_slices``): rows with finite counts,
``0 <= good <= total <= 2^53`` (or a finite value within ±2^53) and an instant in
1970-01-01 .. 2200-12-31 UTC. Ingestion refuses anything else, so such rows come only from
files written some other way; they count as no data, and the commands that report on a
period name the series that hold them (a warning on stderr, ``unusable_series`` in JSON),
so one bad row never takes the month down for every SLO and is never silently absorbed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import click
import duckdb

from reliability import store
from reliability.ingest.common import iso


def unusable(con: duckdb.DuckDBPyConnection, series: Sequence[tuple[str, str]], start: datetime,
             end: datetime) -> list[dict]:
    """Per series of ``series`` with left-out rows in [start, end) (or with instants out of
    range anywhere): ``service``, ``sli``, ``rows``, ``first_ts`` (ISO 8601 UTC), ``problem``."""
    if not series:
        return []
    # A clean file (the usual case) costs one plain scan; naming the series costs a join more.
    if not store.rows(con, "usable.any_unusable", {"start": start, "end": end})[0]["n"]:
        return []
    params = {"services": [s for s, _ in series], "slis": [s for _, s in series], "start": start, "end": end}
    found = store.rows(con, "usable.unusable_rows", params)
    return [{**row, "first_ts": iso(row["first_ts"])} for row in found]


def anywhere(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """:func:`unusable` over every stored series and all time (the app's data health page)."""
    series = [(r["service"], r["sli"]) for r in store.rows(con, "usable.stored_series")]
    return unusable(con, series, datetime(1970, 1, 1, tzinfo=UTC), datetime(2201, 1, 1, tzinfo=UTC))


def for_month(con: duckdb.DuckDBPyConnection, month: str) -> list[dict]:
    """:func:`unusable` over every stored series for the calendar month ``YYYY-MM``, widened by
    14 hours each side (the month in any SLO's zone lies within that)."""
    from datetime import timedelta

    from reliability import periods

    series = [(r["service"], r["sli"]) for r in store.rows(con, "usable.stored_series")]
    period = periods.month(month)
    return unusable(con, series, period.start - timedelta(hours=14), period.end + timedelta(hours=14))


def for_rows(con: duckdb.DuckDBPyConnection, rows: Iterable) -> list[dict]:
    """:func:`unusable` for the series and periods of SLA rows (objects with ``service``,
    ``sli``, ``period_start`` and ``period_end``)."""
    rows = list(rows)
    if not rows:
        return []
    series = sorted({(r.service, r.sli) for r in rows})
    return unusable(con, series, min(r.period_start for r in rows), max(r.period_end for r in rows))


def warn(found: Sequence[dict]) -> None:
    """One line on stderr per series with left-out rows."""
    for u in found:
        click.echo(
            f"warning: series {u['service']}/{u['sli']}: {u['rows']} stored row(s) unusable and counted as "
            f"no data (first at {u['first_ts']}: {u['problem']}); re-ingest the series to replace them",
            err=True,
        )
