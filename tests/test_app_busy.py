"""The app while a writer holds the database: a page waits a bounded time, then shows the last
good data with a notice (or, for a view never read, says so) — never an exception.

``test_pages_under_a_continuous_writer`` runs writer processes back to back for
``$RELIABILITY_SOAK_SECONDS`` (default 60; set e.g. 300 for a longer soak) while every page is
loaded again and again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from app_fixtures import demo_db, demo_db_build, shown_tables  # noqa: F401 - fixtures
from conftest import run_cli

PAGES = Path(__file__).resolve().parent.parent / "reliability" / "app" / "pages"
NAMES = ["overview", "monthly_sla", "breach", "incidents", "data_health"]
SOAK_SECONDS = float(os.environ.get("RELIABILITY_SOAK_SECONDS", "60"))
FELL_BACK = "showing the data as read at"
NEVER_READ = "has not been read before"

# One slice written as every write of the tool is (reliability.writes: the rollups and the data
# health metadata refreshed in the same transaction), then the file held open.
HOLD = """
import sys, time
from datetime import UTC, datetime
import pyarrow as pa
from reliability import store, writes
from reliability.ingest.series import ingest_series_table
with store.connect(sys.argv[1]) as con:
    with writes.transaction(con):
        ingest_series_table(con, pa.table({"ts": pa.array([datetime.now(UTC).replace(second=0, microsecond=0)],
                                                          pa.timestamp("us", tz="UTC")),
                                           "service": ["held"], "sli": ["availability"], "good": [1.0],
                                           "total": [1.0]}), "held")
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold(db: Path, seconds: float = 120) -> subprocess.Popen:
    """A writer process that has written one slice and keeps the file locked."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait()


def page(name: str) -> AppTest:
    return AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=180)


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


def series_table(at: AppTest):
    """The data health page's series table, less the lag behind now (it grows as time passes)."""
    return shown_tables(at)[0].set_index(["service", "sli"]).drop(columns=["hours since last slice"])


def test_last_good_data_with_a_notice_while_a_writer_holds_the_file(demo_db, tmp_path, monkeypatch):
    db = tmp_path / "busy.duckdb"
    shutil.copyfile(demo_db, db)
    monkeypatch.setenv("RELIABILITY_DB", str(db))
    monkeypatch.setenv("RELIABILITY_APP_LOCK_WAIT", "1")
    first = page("data_health").run()
    assert not first.exception and not warnings(first)
    before = series_table(first)
    writer = hold(db)
    try:
        started = time.monotonic()
        busy = page("data_health").run()
        seconds = time.monotonic() - started
    finally:
        stop(writer)
    assert not busy.exception, [e.value for e in busy.exception]
    assert len(warnings(busy)) == 1 and FELL_BACK in warnings(busy)[0]  # one notice per page run
    assert series_table(busy).equals(before)  # the last good data, not an empty page
    assert seconds < 30, seconds  # bounded: 1 s for the file, the rest is rendering
    after = page("data_health").run()  # the writer is gone: fresh data, no notice
    assert not after.exception and not warnings(after)
    assert ("held", "availability") in series_table(after).index


def test_a_view_never_read_says_the_database_is_busy(demo_db, tmp_path, monkeypatch):
    db = tmp_path / "never.duckdb"  # a new path: no loader has read it yet
    shutil.copyfile(demo_db, db)
    monkeypatch.setenv("RELIABILITY_DB", str(db))
    monkeypatch.setenv("RELIABILITY_LOCK_WAIT", "1")
    writer = hold(db)
    try:
        busy = page("data_health").run()
    finally:
        stop(writer)
    assert not busy.exception, [e.value for e in busy.exception]
    assert len(warnings(busy)) == 1 and NEVER_READ in warnings(busy)[0]
    assert not shown_tables(busy)
    again = page("data_health").run()
    assert not again.exception and not warnings(again) and shown_tables(again)


def writer_loop(db: Path, csv: Path, done: threading.Event, results: list) -> None:
    """``reliability ingest series`` of the same 20,000-row file, back to back, new processes."""
    while not done.is_set():
        results.append(run_cli("ingest", "series", csv, db=db, env={"RELIABILITY_LOCK_WAIT": "120"}))


def test_pages_under_a_continuous_writer(demo_db, tmp_path, monkeypatch):
    db = tmp_path / "live.duckdb"
    shutil.copyfile(demo_db, db)
    csv = tmp_path / "series.csv"
    csv.write_text("timestamp,service,sli,good,total\n" + "".join(
        f"{1_790_000_000 + 60 * i},writer,availability,{i % 100},100\n" for i in range(20_000)))
    monkeypatch.setenv("RELIABILITY_DB", str(db))
    # Short waits, so the writer wins often: a loader with data to show waits 1 s, one without 2 s.
    monkeypatch.setenv("RELIABILITY_APP_LOCK_WAIT", "1")
    monkeypatch.setenv("RELIABILITY_LOCK_WAIT", "2")
    results: list = []
    done = threading.Event()
    thread = threading.Thread(target=writer_loop, args=(db, csv, done, results), daemon=True)
    thread.start()
    runs = []
    try:
        while not results and thread.is_alive():  # the writer is under way before the first page
            time.sleep(0.1)
        until = time.monotonic() + SOAK_SECONDS
        i = 0
        complete: set[str] = set()  # pages that have run once without a notice: every view read
        # At least every page once, and on until each has been read whole (the writer can win a
        # page's loaders several times in a row on a loaded machine), within a minute more.
        while (time.monotonic() < until or i < len(NAMES)
               or (len(complete) < len(NAMES) and time.monotonic() < until + 60)):
            name = NAMES[i % len(NAMES)]
            started = time.monotonic()
            at = page(name).run()
            seconds = time.monotonic() - started
            assert not at.exception, (name, [e.value for e in at.exception])
            notes = warnings(at)
            assert len(notes) <= 1, notes
            # "not read before" only until the page's views have all been read once
            assert all(FELL_BACK in n or (NEVER_READ in n and name not in complete) for n in notes), (i, notes)
            if not notes:
                complete.add(name)
            assert seconds < 120, (name, seconds)
            runs.append((name, seconds, notes[0].split(" (")[0] if notes else ""))
            i += 1
    finally:
        done.set()
        thread.join(timeout=300)
    assert not thread.is_alive()
    assert complete == set(NAMES), (sorted(complete), runs)  # readers are never starved for good
    failed = [r for r in results if r.code != 0]
    assert not failed, failed[0].stderr  # the readers never kept a writer out for long either
    assert len(results) >= 2, (len(results), runs)
    print(f"{len(runs)} page runs, {sum(bool(n) for _, _, n in runs)} with a notice, "
          f"{len(results)} writes, slowest page {max(s for _, s, _ in runs):.1f} s")


def test_every_loader_falls_back():
    """Each cached loader of the app is wrapped by last_good (a new one must be too)."""
    from reliability.app import data

    cached = {name for name, obj in vars(data).items()
              if hasattr(obj, "clear") and callable(obj) and not isinstance(obj, type)}
    assert not cached, f"loaders without @last_good: {sorted(cached)}"
    wrapped = [name for name, obj in vars(data).items() if getattr(obj, "__wrapped__", None) is not None
               and hasattr(obj.__wrapped__, "clear")]
    assert len(wrapped) >= 12, wrapped
