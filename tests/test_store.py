"""The DuckDB store: migrations, named queries, and the cross-process file lock."""

from __future__ import annotations

import subprocess
import sys
import time

import duckdb
import pytest

from conftest import run_cli
from reliability import store

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def hold(db, seconds: float) -> subprocess.Popen:
    """Another process that holds the database read-write for ``seconds``."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_migrations_are_recorded_once(db):
    with store.connect(db) as con:
        first = con.execute("select version, name from schema_migrations").fetchall()
    with store.connect(db) as con:
        again = con.execute("select version, name from schema_migrations").fetchall()
    expected = [(v, name) for v, name, _sql in store.migrations()]
    assert sorted(first) == sorted(again) == expected
    assert expected[0] == (1, "initial")


def test_named_queries_are_loaded_by_name():
    assert "with series as" in store.query("sla.ratio_aggregates")
    assert "-- name:" not in store.query("sla.ratio_aggregates")
    with pytest.raises(KeyError):
        store.query("sla.no_such_query")


def test_reader_waits_for_a_writer_then_succeeds(db):
    with store.connect(db):  # create the file (reading never creates it)
        pass
    writer = hold(db, 2.0)
    started = time.monotonic()
    r = run_cli("sla", "--month", "2025-11", "--json", db=db)
    waited = time.monotonic() - started
    writer.wait()
    assert r.code == 0, r.stderr
    assert waited > 1.0  # it really waited for the writer to let go


def test_a_lock_held_too_long_is_a_clear_failure(db):
    with store.connect(db):
        pass
    writer = hold(db, 5.0)
    try:
        r = run_cli("sla", "--month", "2025-11", "--json", db=db, env={"RELIABILITY_LOCK_WAIT": "0.5"})
    finally:
        writer.kill()
        writer.wait()
    assert r.code == 1
    assert "locked by another process" in r.stderr and "Traceback" not in r.stderr


def test_read_only_connection_cannot_write(db):
    with store.connect(db):
        pass
    with store.connect(db, read_only=True) as con:
        with pytest.raises(duckdb.Error):
            con.execute("insert into deployments values ('x', 's', now(), null, null, null)")
