"""Inputs that are pipes: ``<(zcat x.csv.gz)``, ``/dev/stdin``, ``-``, a named pipe (FIFO).
They are read once, to their end, before the database is locked; a FIFO without a writer
keeps nobody else out of the database while the command waits."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import threading
import time

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from conftest import SCRIPT, assert_bad_input, run_cli

ROWS = 5000  # about 230 KB of CSV: well past the 64 KB the format sniffer reads first


def csv_text(rows: int = ROWS, service: str = "piped") -> str:
    lines = ["timestamp,service,sli,good,total"]
    lines += [f"2026-01-01T00:00:00Z,{service},availability,99,100"] if rows == 1 else [
        f"{1_767_225_600 + 60 * i},{service},availability,{i % 100},100" for i in range(rows)]
    return "\n".join(lines) + "\n"


def slices(db) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select service, count(*), sum(good) from sli_slices group by 1 order by 1").fetchall()


def run(argv, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, **kw)


def test_process_substitution_of_a_gzip_file(tmp_path, db):
    gz = tmp_path / "series.csv.gz"
    gz.write_bytes(gzip.compress(csv_text().encode()))
    proc = run(["bash", "-c", f'"{SCRIPT}" --db "{db}" ingest series <(zcat "{gz}") --json'])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["files"][0]["rows"] == ROWS
    assert slices(db) == [("piped", ROWS, sum(i % 100 for i in range(ROWS)))]


def test_stdin_by_name_and_dash(tmp_path, db):
    proc = run([SCRIPT, "--db", str(db), "ingest", "series", "/dev/stdin"], input=csv_text())
    assert proc.returncode == 0, proc.stderr
    table = pa.table({"timestamp": ["2026-01-01T00:00:00Z"], "service": ["parquet"], "sli": ["availability"],
                      "good": [1], "total": [2]})
    pq.write_table(table, tmp_path / "one.parquet")
    with (tmp_path / "one.parquet").open("rb") as fh:  # through a pipe: recognised by content
        cat = subprocess.Popen(["cat"], stdin=fh, stdout=subprocess.PIPE)
        proc = run([SCRIPT, "--db", str(db), "ingest", "series", "-"], stdin=cat.stdout)
        cat.wait()
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("stdin: 1 row ")
    assert slices(db) == [("parquet", 1, 1), ("piped", ROWS, sum(i % 100 for i in range(ROWS)))]


def test_bad_input_through_a_pipe_names_the_path_given(tmp_path, db):
    bad = csv_text(3).replace(",1,100\n", ",101,100\n")  # good > total in row 3
    proc = run(["bash", "-c", f'"{SCRIPT}" --db "{db}" ingest series <(printf "%s" "$0")', bad])
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: /dev/fd/") and "row 3" in proc.stderr and "good" in proc.stderr
    assert "reliability-input-" not in proc.stderr and "Traceback" not in proc.stderr


def test_fifo_without_a_writer_does_not_hold_the_database(tmp_path, db):
    fifo = tmp_path / "series.csv"
    os.mkfifo(fifo)
    other = tmp_path / "other.csv"
    other.write_text(csv_text(1, "other"))
    waiting = subprocess.Popen([SCRIPT, "--db", str(db), "ingest", "series", str(fifo)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(120, waiting.kill)  # a command blocked for ever fails the test, never hangs it
    watchdog.start()
    try:
        line = waiting.stderr.readline()  # after 2 s without a writer, it says what it waits for
        assert f"{fifo}: waiting for a writer to open the named pipe" in line
        assert line.rstrip().endswith("(the database is not locked meanwhile)")
        started = time.monotonic()
        r = run_cli("ingest", "series", other, db=db, env={"RELIABILITY_LOCK_WAIT": "5"})
        assert r.code == 0, r.stderr  # another writer gets in while the first one waits
        assert time.monotonic() - started < 30
        assert waiting.poll() is None
        with open(fifo, "w") as writer:  # now a writer comes: the first ingest completes
            writer.write(csv_text())
        out, err = waiting.communicate(timeout=300)
    finally:
        watchdog.cancel()
        if waiting.poll() is None:
            waiting.kill()
            waiting.wait()
    assert waiting.returncode == 0, err
    assert slices(db) == [("other", 1, 99), ("piped", ROWS, sum(i % 100 for i in range(ROWS)))]


def test_incidents_and_severity_map_from_pipes(tmp_path, db):
    incidents = [{"id": "I-1", "service": "api", "severity": "P1", "detected_at": "2026-01-02T00:00:00Z"}]
    script = (f'"{SCRIPT}" --db "{db}" ingest incidents --severity-map <(printf "generic:\\n  P1: SEV-1\\n") '
              f'<(printf "%s" "$0")')
    proc = run(["bash", "-c", script, json.dumps(incidents)])
    assert proc.returncode == 0, proc.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select id, severity from incidents").fetchall() == [("I-1", "SEV-1")]


def test_slo_apply_from_stdin(db):
    from reliability import sample

    proc = run([SCRIPT, "--db", str(db), "slo", "apply", "/dev/stdin"],
               input=sample.slo_file().read_text())
    assert proc.returncode == 0, proc.stderr
    assert run_cli("slo", "list", "--json", db=db).json()["slos"]


def test_missing_file_is_still_bad_input(tmp_path, db):
    assert_bad_input(run_cli("ingest", "series", tmp_path / "nope.csv", db=db), "nope.csv", "no such file")
