"""The app never gets in the way of a writer, nor fails because of one: a writer process keeps
ingesting into the same DuckDB file while every page renders (AppTest), and the new data shows
on the next run without a restart (the loaders' cache is keyed by the file's stamp)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from app_fixtures import demo_db, demo_db_build, shown_tables  # noqa: F401 - fixtures
from conftest import run_cli

PAGES = Path(__file__).resolve().parent.parent / "reliability" / "app" / "pages"
NAMES = ["overview", "monthly_sla", "breach", "incidents", "data_health"]
WRITER_SECONDS = 300  # upper bound: the writer stops when the pages are done, or after this


def writer(db: Path, folder: Path, stop: threading.Event, results: list) -> None:
    """``reliability ingest series`` of a one-slice file, again and again, each a new process."""
    deadline = time.monotonic() + WRITER_SECONDS
    minute = 0
    while not stop.is_set() and time.monotonic() < deadline:
        csv = folder / f"w{minute}.csv"
        csv.write_text(
            "timestamp,service,sli,good,total\n"
            f"2026-11-01T{minute // 60:02d}:{minute % 60:02d}:00Z,writer,availability,99,100\n"
        )
        results.append(run_cli("ingest", "series", csv, db=db))
        minute += 1


def test_every_page_renders_while_a_writer_ingests(demo_db, tmp_path, monkeypatch):
    db = tmp_path / "live.duckdb"
    shutil.copyfile(demo_db, db)
    monkeypatch.setenv("RELIABILITY_DB", str(db))
    stop, results = threading.Event(), []
    thread = threading.Thread(target=writer, args=(db, tmp_path, stop, results), daemon=True)
    thread.start()
    try:
        while not results:  # the writer is under way before the first page
            time.sleep(0.1)
        rendered = []
        for name in NAMES:
            before = len(results)
            at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=120).run()
            assert not at.exception, (name, [e.value for e in at.exception])
            # No notice but the sample's own: its data end at 2026-11-01 00:00 UTC, a few hours
            # before New York's October does, so that month is (rightly) partial there.
            notices = [i.value for i in at.info if not i.value.startswith("Partial month")]
            assert not notices, (name, notices)
            # The page has rendered and holds nothing open: the writer gets its next write in
            # (under load a page can render faster than one ingestion process runs).
            deadline = time.monotonic() + 60
            while len(results) <= before and time.monotonic() < deadline:
                time.sleep(0.1)
            rendered.append((name, len(results)))
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()
    failed = [r for r in results if r.code != 0]
    assert not failed, failed[0].stderr
    # Writes happened throughout, not only before the first page.
    assert rendered[-1][1] > rendered[0][1] >= 1, rendered

    # Without a restart, the next run sees every ingested slice.
    at = AppTest.from_file(str(PAGES / "data_health.py"), default_timeout=120).run()
    assert not at.exception
    found = {m.label: m.value for m in at.metric}
    assert found["Series"] == "20"  # the sample's 16, its 3 customers' and the writer's
    table = shown_tables(at)[0].set_index(["service", "sli"])
    assert table.loc[("writer", "availability"), "slices"] == f"{len(results):,}"
