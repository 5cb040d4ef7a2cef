"""The DuckDB file: connections, schema migrations and the named queries in ``queries/*.sql``.

Connections are short-lived. A command that writes opens one read-write connection, does all
its work in one transaction and closes. Readers open read-only and retry while another process
holds the file: DuckDB locks the whole file across processes (a read-write holder blocks every
other opener; a read-only holder blocks writers).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from reliability.dbpath import DEFAULT_DB, db_path  # noqa: F401  (re-exported: store.db_path)
from reliability.errors import BadInput

LOCK_WAIT_SECONDS = 30.0  # override with $RELIABILITY_LOCK_WAIT (seconds)

_NAME = re.compile(r"^--\s*name:\s*([A-Za-z_][A-Za-z0-9_]*)\s*$", re.MULTILINE)


@functools.cache
def queries_dir() -> Path:
    """The ``queries/`` folder: inside an installed wheel, else the source checkout's."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_queries", here.parent / "queries"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("queries/ not found next to the reliability package")


@functools.cache
def _load_file(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    marks = list(_NAME.finditer(text))
    blocks = {}
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        blocks[mark.group(1)] = text[mark.end() : end].strip().rstrip(";").strip()
    return blocks


def query(name: str) -> str:
    """The SQL of the block ``-- name: NAME`` in ``queries/FILE.sql``; ``name`` is ``FILE.NAME``.

    Values are never formatted into this text: callers bind them as ``$parameters``.
    """
    file, _, block = name.partition(".")
    blocks = _load_file(queries_dir() / f"{file}.sql")
    try:
        return blocks[block]
    except KeyError:
        raise KeyError(f"no query named {block!r} in queries/{file}.sql") from None


def rows(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> list[dict]:
    """The rows of the named query (see :func:`query`) as dicts of column name to value."""
    cur = con.execute(query(name), params or {})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def migrations() -> list[tuple[int, str, str]]:
    """``(version, name, sql)`` for each ``queries/migrations/NNN_name.sql``, in order."""
    found = []
    for path in sorted((queries_dir() / "migrations").glob("*.sql")):
        version, _, name = path.stem.partition("_")
        found.append((int(version), name, path.read_text(encoding="utf-8")))
    return found


def _configure(con: duckdb.DuckDBPyConnection) -> None:
    # Every timestamp is stored and compared in UTC; periods in other zones are computed
    # explicitly, never through the session time zone.
    con.execute("SET TimeZone = 'UTC'")
    # DuckDB draws a progress bar on stderr for long queries; --json consumers and logs
    # should not get it.
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        # Inside Jupyter, DuckDB refuses to touch the progress bar without ipywidgets; a
        # notebook must still be able to open the database.
        pass


def _applied(con: duckdb.DuckDBPyConnection) -> set[int]:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_name = 'schema_migrations'"
    ).fetchone()[0]
    if not exists:
        return set()
    return {r[0] for r in con.execute("select version from schema_migrations").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection) -> set[int]:
    """Apply, in version order, every migration the file has not recorded, each in its own
    transaction (by set, not by the highest version, so migrations written on parallel
    branches all apply)."""
    applied = _applied(con)
    for version, name, sql in migrations():
        if version in applied:
            continue
        con.execute("begin")
        try:
            con.execute(sql)
            con.execute(
                "insert into schema_migrations (version, name, applied_at) values ($v, $n, now())",
                {"v": version, "n": name},
            )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        applied.add(version)
    return applied


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflicting" in text


class MissingDatabase(BadInput):
    """A command that only reads was pointed at a database file that does not exist. Reading
    never creates a file: a mistyped ``--db`` must not turn into an empty database whose
    reports say "0 of 0 SLOs met"."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            "no such database file (commands that only read never create one); create it with "
            f"`reliability --db {path} demo` (the bundled sample) or `reliability --db {path} slo apply FILE` "
            "and `ingest` (your own data), or check --db / $RELIABILITY_DB",
            file=str(path),
        )
        self.path = path


class DatabaseBusy(RuntimeError):
    """Another process held the database file for longer than we were willing to wait."""


# The wait of every connect() in this context that names none (see :func:`waiting`).
_WAIT: contextvars.ContextVar[float | None] = contextvars.ContextVar("reliability_lock_wait", default=None)


@contextlib.contextmanager
def waiting(seconds: float) -> Iterator[None]:
    """Within the block, a connect() without ``wait`` gives up after ``seconds`` (the app
    bounds its readers this way, whatever its loaders open)."""
    token = _WAIT.set(seconds)
    try:
        yield
    finally:
        _WAIT.reset(token)


def lock_wait() -> float:
    """Seconds a connect() waits for the file by default (``$RELIABILITY_LOCK_WAIT``, else 30)."""
    return float(os.environ.get("RELIABILITY_LOCK_WAIT", LOCK_WAIT_SECONDS))


def _open(path: Path, read_only: bool, wait: float | None) -> duckdb.DuckDBPyConnection:
    if wait is None:
        wait = _WAIT.get()
    if wait is None:
        wait = lock_wait()
    deadline = time.monotonic() + wait
    delay = 0.05
    # A reader polls often: writers that follow each other leave short gaps between them, and
    # a reader sleeping a whole second would miss every one.
    cap = 0.1 if read_only else 1.0
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                raise DatabaseBusy(
                    f"{path} is locked by another process (a running ingestion, extraction or demo "
                    f"build?); waited {wait:g} s"
                ) from None
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, cap)


def _up_to_date(con: duckdb.DuckDBPyConnection) -> bool:
    return {v for v, _n, _s in migrations()} <= _applied(con)


@contextlib.contextmanager
def connect(
    path: str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
    wait: float | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection to the database, migrated to the latest schema.

    A read-only request on a file that does not exist raises :class:`MissingDatabase` (exit 2
    at the command line) and creates nothing; on a file that needs migrating first it migrates
    it read-write, then reopens read-only. While another process holds the file
    (DuckDB locks it whole), opening retries with backoff for ``wait`` seconds (default
    ``$RELIABILITY_LOCK_WAIT`` or 30), then raises DatabaseBusy.
    """
    target = db_path(path)
    if read_only:
        if not target.exists():
            raise MissingDatabase(target)
        con = _open(target, True, wait)
        _configure(con)
        if _up_to_date(con):
            try:
                yield con
            finally:
                con.close()
            return
        con.close()
        with connect(target, read_only=False, wait=wait):
            pass
        con = _open(target, True, wait)
        _configure(con)
        try:
            yield con
        finally:
            con.close()
        return
    created = _missing_parts(target)
    if target.parent and not target.parent.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
    con = _open(target, False, wait)
    try:
        _configure(con)
        migrate(con)
        yield con
    except BadInput:
        con.close()
        # Bad input writes nothing: a database this very call created (a first `ingest` of a
        # missing or malformed file) is removed again, with the folders made for it.
        _remove_created(created)
        raise
    finally:
        con.close()


def _missing_parts(target: Path) -> list[Path]:
    """The database file, its WAL and the folders above it that do not exist yet, innermost
    first: what a writer's connect() creates."""
    if target.exists():
        return []
    parts = [target, target.with_name(target.name + ".wal")]
    parent = target.parent
    while str(parent) not in ("", ".") and not parent.exists():
        parts.append(parent)
        parent = parent.parent
    return parts


def _remove_created(parts: list[Path]) -> None:
    for part in parts:
        with contextlib.suppress(OSError):
            if part.is_dir():
                part.rmdir()  # only when empty: nothing else of anyone's is removed
            else:
                part.unlink(missing_ok=True)


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction: committed when the block ends, rolled back on any exception.

    Writers use :func:`reliability.writes.transaction`, which wraps this one and keeps the
    monthly SLA rollups up to date."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException as exc:
        con.execute("rollback")
        cause = _first_cause(exc)
        if cause is not exc:
            raise cause from None
        raise
    con.execute("commit")


def _first_cause(exc: BaseException) -> BaseException:
    """The error that aborted the transaction, not a follow-up it caused.

    Once a statement fails (disk full, a file-size limit, a constraint of a newer schema),
    DuckDB refuses everything else in that transaction with "Current transaction is aborted";
    a clean-up such as ``con.unregister`` in a ``finally`` then raises that, and the real cause
    survives only as its ``__context__``. Walk back to it so the operator sees the cause.
    """
    while (
        isinstance(exc, duckdb.TransactionException)
        and "transaction is aborted" in str(exc).lower()
        and isinstance(exc.__context__, Exception)
    ):
        exc = exc.__context__
    return exc
