"""Failures name their cause and leave nothing behind: a file-size limit (``ulimit -f``) and a
newer schema inside an ingest transaction, a full disk (a small tmpfs) under ``report --out``,
and ``--out`` naming a directory.

The tmpfs needs root (``mount``); as root these tests always run (CI included), elsewhere the
tmpfs one is skipped with that reason. ``ulimit -f`` needs no privilege.
"""

from __future__ import annotations

import os
import resource
import subprocess
from pathlib import Path

import duckdb
import pytest

from app_fixtures import demo_db, demo_db_build  # noqa: F401 (pytest fixtures)
from conftest import SCRIPT, assert_bad_input, run_cli

ABORTED = "transaction is aborted"


def count(db: Path, table: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"select count(*) from {table}").fetchone()[0]  # table: a literal here


def series_csv(path: Path, rows: int, service: str = "big") -> Path:
    with path.open("w") as fh:
        fh.write("timestamp,service,sli,good,total\n")
        for i in range(rows):
            fh.write(f"{1_700_000_000 + 60 * i},{service},availability,{i % 100},100\n")
    return path


def test_file_size_limit_names_the_cause_and_writes_nothing(tmp_path, db):
    assert run_cli("ingest", "series", series_csv(tmp_path / "small.csv", 10, "small"), db=db).code == 0
    limit = db.stat().st_size + 64 * 1024  # bytes: the file may barely grow

    def cap():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    big = series_csv(tmp_path / "big.csv", 150_000)
    proc = subprocess.run([SCRIPT, "--db", str(db), "ingest", "series", str(big)], capture_output=True,
                          text=True, preexec_fn=cap, timeout=600)
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "File too large" in proc.stderr and ABORTED not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert count(db, "sli_slices") == 10  # nothing from the failed call
    # Without the limit, the same call succeeds: the file was left consistent.
    assert run_cli("ingest", "series", big, db=db).code == 0
    assert count(db, "sli_slices") == 150_010


def test_newer_schema_names_the_constraint_not_the_aborted_transaction(tmp_path, db):
    deploys = tmp_path / "deploys.csv"
    deploys.write_text("id,service,deployed_at\nd1,api,2025-11-01T10:00:00Z\n")
    assert run_cli("ingest", "deployments", deploys, db=db).code == 0
    with duckdb.connect(str(db)) as con:  # as a newer version might have laid the table out
        con.execute("drop table deployments")
        con.execute("create table deployments (id varchar primary key, service varchar not null,"
                    " deployed_at timestamptz not null, version varchar, description varchar,"
                    " rolled_back boolean, environment varchar not null)")
    r = run_cli("ingest", "deployments", deploys, db=db)
    assert r.code == 1 and "Traceback" not in r.stderr
    assert "NOT NULL constraint failed: deployments.environment" in r.stderr and ABORTED not in r.stderr
    assert count(db, "deployments") == 0


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    where = tmp_path / "disk"
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def test_full_disk_report_leaves_no_temporary_file(demo_db, small_disk):  # noqa: F811
    out = small_disk / "review.html"  # interactive, the HTML carries plotly.js (> 3 MB): it cannot fit
    r = run_cli("report", "monthly", "--month", "2026-03", "--interactive", "--out", out, db=demo_db)
    assert r.code == 1, (r.stdout, r.stderr)
    assert "No space left on device" in r.stderr and "Traceback" not in r.stderr
    assert list(small_disk.iterdir()) == []
    md = small_disk / "review.md"  # the Markdown fits: the disk was not left full
    assert run_cli("report", "monthly", "--month", "2026-03", "--out", md, db=demo_db).code == 0
    assert [p.name for p in small_disk.iterdir()] == ["review.md"]


@pytest.mark.parametrize("args", [
    ["report", "monthly", "--month", "2026-03", "--out", "{dir}"],
    ["report", "postmortem", "INC-0137", "--out", "{dir}"],
    ["report", "update", "INC-0137", "--kind", "initial", "--out", "{dir}"],
])
def test_out_naming_a_directory_is_bad_input(demo_db, tmp_path, args):  # noqa: F811
    folder = tmp_path / "reviews.md"  # a directory, even with a file's extension
    folder.mkdir()
    r = run_cli(*[a.format(dir=folder) for a in args], db=demo_db)
    assert_bad_input(r, str(folder), "--out", "is a directory")
    assert list(folder.iterdir()) == []
