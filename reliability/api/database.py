"""``reliability.open(path)``: a :class:`Database` whose methods answer what the commands answer.

Each method opens the file read-only for the length of the call and closes it again (DuckDB
locks the whole file, and a notebook left open must not block an ingestion), so a
``Database`` is only a checked path: cheap to make, safe to keep.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from reliability.api import args, frames
from reliability.api.app_incidents import AppIncidents
from reliability.api.app_views import AppViews
from reliability.api.audits import Audits
from reliability.api.fleet_views import FleetViews
from reliability.api.contracts import Contracts
from reliability.api.incident_analytics import IncidentAnalytics
from reliability.api.slo_math import SloMath


class NotADatabase(ValueError):
    """The path names a file that is not a DuckDB database written by ``reliability``."""


def open(path: str | os.PathLike[str] | None = None) -> Database:  # noqa: A001  (as dbm.open / shelve.open)
    """The database at ``path``, for reading (no path: ``$RELIABILITY_DB``, else
    ``./reliability.duckdb``, as the command line's ``--db``). Never creates a file: a missing
    path raises ``FileNotFoundError`` (build one with ``reliability --db PATH demo``, or ``slo
    apply`` and ``ingest``); a file that is not a reliability database raises ``NotADatabase``.

    Example:

    >>> import reliability as rel
    >>> db = rel.open(DEMO_DB)
    >>> db.slos().loc[:2, ["slo", "service", "budgeting_method"]]
                                     slo      service budgeting_method
    0           api-gateway-availability  api-gateway      Occurrences
    1  api-gateway-customer-availability  api-gateway      Occurrences
    2                api-gateway-latency  api-gateway      Occurrences
    """
    from reliability.store import db_path

    return Database(db_path(path))


def build_demo(path: str | os.PathLike[str]) -> Database:
    """(Re)build the bundled, deterministic sample into ``path`` (created when missing), as
    ``reliability --db PATH demo`` does, and return it opened. The one method that writes:
    a notebook calls it only when it was given no database.

    Example (about 15 seconds):

    >>> demo = rel.build_demo(TMP / "sample.duckdb")  # doctest: +SKIP
    >>> len(demo.slos())  # doctest: +SKIP
    16
    """
    from reliability import demo, store, writes

    with store.connect(Path(path)) as con, writes.transaction(con):
        demo.build(con)
    return Database(path)


class Database(SloMath, IncidentAnalytics, FleetViews, Contracts, Audits, AppViews, AppIncidents):
    """A reliability database (a DuckDB file), read through one method per question.

    Every method returns a ``pandas.DataFrame`` of one table of the matching command's
    ``--json`` document, with the same field names and the same numbers (see
    ``docs/api.md``). ``table=`` picks another table of that document, and ``table=None``
    returns the whole document as a dict (what ``reliability COMMAND --json`` prints).

    Arguments follow one convention (``reliability.api.args``): SLOs and services by name,
    months ``"YYYY-MM"``, ranges of months ``("YYYY-MM", "YYYY-MM")``, times as ISO 8601
    strings with ``Z`` or aware datetimes, durations ``"30m"``/``"1h"``/``"1d"`` or timedelta.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._check()

    @classmethod
    def _checked_by_caller(cls, path: str | os.PathLike[str]) -> Database:
        """A Database for ``path`` without :meth:`_check` (one connection less): for a caller
        that checked the file already, as the app does on every rerun (reliability/app/data.py)."""
        db = cls.__new__(cls)
        db.path = Path(path)
        return db

    def __repr__(self) -> str:
        return f"reliability.open({str(self.path)!r})"

    def _check(self) -> None:
        import duckdb

        if not self.path.exists():
            raise FileNotFoundError(
                f"{self.path}: no such database (nothing was created; build one with "
                f"`reliability --db {self.path} demo`, or `slo apply` and `ingest`)")
        if not self.path.is_file():
            raise NotADatabase(f"{self.path}: not a file")
        try:
            con = duckdb.connect(str(self.path), read_only=True)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                return  # a writer holds it now; every call waits for the lock
            raise NotADatabase(f"{self.path}: not a DuckDB database ({exc})") from None
        except duckdb.Error as exc:
            raise NotADatabase(f"{self.path}: not a DuckDB database ({exc})") from None
        try:
            known = con.execute("select count(*) from information_schema.tables "
                                "where table_name = 'schema_migrations'").fetchone()[0]
        finally:
            con.close()
        if not known:
            raise NotADatabase(f"{self.path}: a DuckDB file, but not one written by reliability "
                               "(no schema_migrations table)")

    @contextlib.contextmanager
    def _connect(self) -> Iterator:
        """A read-only connection for one call, waiting while a writer holds the file."""
        from reliability import store

        if not self.path.exists():  # removed since open(): reading must not create it again
            raise FileNotFoundError(f"{self.path}: no such database (it was removed after reliability.open)")
        with store.connect(self.path, read_only=True) as con:
            yield con

    @staticmethod
    def _out(document: dict, tables: dict[str, frames.Table], table: str | None,
             rows_of: dict | None = None) -> pd.DataFrame | dict:
        """``table`` of ``document`` as a frame; None: the document itself. ``rows_of``: the
        document to take tables from when it is not ``document`` (a single SLO's or
        incident's document, wrapped as a one-item list)."""
        from reliability import instances

        document = instances.split_addresses(document)  # instances: "slo" + "instance", as --json
        rows_of = instances.split_addresses(rows_of) if rows_of else rows_of
        if table is None:
            return document
        if table not in tables:
            raise args.ArgumentError(f"expected one of {', '.join(map(repr, tables))} or None, got {table!r}", "table")
        out = frames.frame(rows_of or document, tables[table])
        out.attrs = frames.scalars(document)
        return out

    # ------------------------------------------------------------------ definitions

    def slos(self) -> pd.DataFrame:
        """The stored SLOs, one row per SLO, as ``reliability slo list --json``.

        Columns: ``slo``, ``display_name``, ``service``, ``sli``, ``sli_kind`` (ratio or
        threshold), ``budgeting_method``, ``time_window`` (``1M``, ``28d``), ``is_rolling``,
        ``time_zone``, ``time_slice_window_minutes``, ``objectives`` (a list of dicts:
        ``name``, ``target`` as a ratio, ``time_slice_target``, ``op``, ``value``), and
        ``labels.KEY`` (lists of values; the Service's labels overridden by the SLI's and the
        SLO's) when any SLO has labels.

        Example:

        >>> db.slos().query("service == 'search'")[["slo", "budgeting_method", "time_zone"]]
                            slo budgeting_method time_zone
        15  search-availability       Timeslices       UTC
        16       search-latency      Occurrences       UTC
        """
        from reliability import slos

        with self._connect() as con:
            found = slos.load(con)
        rows = [slos.describe(s) for s in found]
        return frames.frame({"slos": rows}, frames.Table(("slos",), columns=_SLO_COLUMNS))

    def slo(self, name: str):
        """The stored definition of SLO ``name`` as in force now, parsed: a frozen
        ``reliability.openslo.SLO`` (``.service``, ``.sli``, ``.budgeting_method``,
        ``.objectives[i].target``, ``.window.time_zone``, ``.time_slice_window_seconds``,
        ``.labels``...); earlier versions: :meth:`slo_history`. Unknown name: ArgumentError.

        Example:

        >>> s = db.slo("ledger-availability")
        >>> s.service, s.budgeting_method, s.window.time_zone, s.objectives[0].target
        ('ledger', 'Timeslices', 'America/New_York', 0.9995)
        """
        return self._definition(name, "name")

    def _definition(self, name, argument: str):
        from reliability import slos

        args.name(name, argument, required=True)
        with self._connect() as con:
            found = slos.load(con, name)
        if not found:
            raise args.ArgumentError(f"no SLO named {name!r} (see db.slos())", argument)
        return found[0]

    def series(self, slo: str, start, end) -> pd.DataFrame:
        """The stored rows of the SLI series an SLO measures, for slices starting in
        ``[start, end)`` (times: ISO 8601 with Z, dates, or aware datetimes).

        Columns: ``ts`` (the slice's start, UTC), ``good``, ``total`` (event counts; ratio
        SLIs) and ``value`` (threshold SLIs); one row per stored slice, in time order. A
        slice with no row has none here (the SLA counts it as no data).

        Example:

        >>> s = db.series("search-availability", "2026-03-17T15:05:00Z", "2026-03-17T15:08:00Z")
        >>> s[["ts", "good", "total"]].assign(failed=s.total - s.good)
                                 ts    good   total  failed
        0 2026-03-17 15:05:00+00:00  1576.0  2401.0   825.0
        1 2026-03-17 15:06:00+00:00  1496.0  2520.0  1024.0
        2 2026-03-17 15:07:00+00:00  1308.0  2444.0  1136.0
        """
        from reliability import store

        definition = self._definition(slo, "slo")
        t0, t1 = args.instant(start, "start"), args.instant(end, "end")
        if t1 <= t0:
            raise args.ArgumentError(f"end {t1:%Y-%m-%dT%H:%M:%SZ} is not after start", "end")
        with self._connect() as con:
            rows = store.rows(con, "api.series", {"service": definition.service, "sli": definition.sli,
                                                  "start": t0, "end": t1})
        found = frames.frame({"rows": rows}, frames.Table(("rows",), columns=("ts", "good", "total", "value")))
        return found.astype({"good": "float64", "total": "float64", "value": "float64"})


_SLO_COLUMNS = ("slo", "display_name", "service", "sli", "sli_kind", "budgeting_method", "time_window",
                "is_rolling", "time_zone", "time_slice_window_minutes", "objectives")
