"""`reliability ingest series` through the real console script, read back from the DuckDB file."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import assert_bad_input, run_cli

RATIO_CSV = """timestamp,service,sli,good,total,region
2025-11-01T04:00:00Z,ledger,availability,99,100,us
2025-11-01T04:01:00Z,ledger,availability,100,100,us
2025-11-01T04:00:00Z,api,latency,12.0,12,eu
"""


def rows(db, sql="select service, sli, ts, good, total, value from sli_slices order by all"):
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql).fetchall()


def count(db) -> int:
    if not db.exists():
        return 0
    return rows(db, "select count(*) from sli_slices")[0][0]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_ratio_happy_path(tmp_path, db):
    path = write(tmp_path, "series.csv", RATIO_CSV)
    result = run_cli("ingest", "series", path, "--json", db=db)
    assert result.code == 0, result.stderr
    assert "series.csv: 3 rows (2 series, 2025-11-01T04:00:00Z .. 2025-11-01T04:01:00Z)" in result.stderr
    assert result.json()["files"][0]["rows"] == 3
    assert rows(db) == [
        ("api", "latency", utc(2025, 11, 1, 4, 0), 12.0, 12.0, None),
        ("ledger", "availability", utc(2025, 11, 1, 4, 0), 99.0, 100.0, None),
        ("ledger", "availability", utc(2025, 11, 1, 4, 1), 100.0, 100.0, None),
    ]


def test_epoch_and_offset_timestamps_are_the_right_instant(tmp_path, db):
    path = write(
        tmp_path,
        "mixed.csv",
        "timestamp,service,sli,good,total\n"
        "2025-11-01 00:00:00-04:00,a,x,1,1\n"
        "1700000000,a,x,1,1\n"
        "1700000060.5,a,x,1,1\n"
        "2025-11-01T04:02:00.250+0530,a,x,1,1\n",
    )
    result = run_cli("ingest", "series", path, db=db)
    assert result.code == 0, result.stderr
    assert [r[2] for r in rows(db)] == [
        utc(2023, 11, 14, 22, 13, 20),
        utc(2023, 11, 14, 22, 14, 20, 500000),
        utc(2025, 10, 31, 22, 32, 0, 250000),
        utc(2025, 11, 1, 4, 0),
    ]


def test_integer_epoch_file(tmp_path, db):
    path = write(tmp_path, "epoch.csv", "timestamp,service,sli,value\n1700000000,a,p99,0.25\n1700000060,a,p99,0.5\n")
    assert run_cli("ingest", "series", path, db=db).code == 0
    assert rows(db) == [
        ("a", "p99", utc(2023, 11, 14, 22, 13, 20), None, None, 0.25),
        ("a", "p99", utc(2023, 11, 14, 22, 14, 20), None, None, 0.5),
    ]


def test_parquet_ratio_and_threshold(tmp_path, db):
    ratio = tmp_path / "ratio.parquet"
    pq.write_table(
        pa.table(
            {
                "timestamp": pa.array([utc(2025, 11, 1), utc(2025, 11, 1, 0, 1)], pa.timestamp("ms", tz="UTC")),
                "service": ["svc", "svc"],
                "sli": ["avail", "avail"],
                "good": pa.array([5, 7], pa.int64()),
                "total": pa.array([5, 8], pa.int64()),
            }
        ),
        ratio,
    )
    threshold = tmp_path / "threshold.pq"
    pq.write_table(
        pa.table({"timestamp": ["2025-11-01T00:00:00Z"], "service": ["svc"], "sli": ["lat"], "value": [0.3]}),
        threshold,
    )
    result = run_cli("ingest", "series", ratio, threshold, db=db)
    assert result.code == 0, result.stderr
    assert rows(db) == [
        ("svc", "avail", utc(2025, 11, 1), 5.0, 5.0, None),
        ("svc", "avail", utc(2025, 11, 1, 0, 1), 7.0, 8.0, None),
        ("svc", "lat", utc(2025, 11, 1), None, None, 0.3),
    ]


def test_reingest_is_a_noop_and_a_changed_value_replaces(tmp_path, db):
    path = write(tmp_path, "series.csv", RATIO_CSV)
    assert run_cli("ingest", "series", path, db=db).code == 0
    before = rows(db)
    assert run_cli("ingest", "series", path, db=db).code == 0
    assert rows(db) == before
    changed = write(tmp_path, "changed.csv", "timestamp,service,sli,good,total\n2025-11-01T04:01:00Z,ledger,availability,50,60\n")
    assert run_cli("ingest", "series", changed, db=db).code == 0
    after = rows(db)
    assert len(after) == 3
    assert ("ledger", "availability", utc(2025, 11, 1, 4, 1), 50.0, 60.0, None) in after
    assert ("ledger", "availability", utc(2025, 11, 1, 4, 0), 99.0, 100.0, None) in after


def test_unsorted_rows_are_accepted(tmp_path, db):
    path = write(
        tmp_path,
        "unsorted.csv",
        "timestamp,service,sli,good,total\n"
        "2025-11-01T00:02:00Z,a,x,1,1\n2025-11-01T00:00:00Z,a,x,2,2\n2025-11-01T00:01:00Z,b,x,3,3\n",
    )
    assert run_cli("ingest", "series", path, db=db).code == 0
    assert [r[3] for r in rows(db)] == [2.0, 1.0, 3.0]


GOOD = "timestamp,service,sli,good,total\n2025-11-01T00:00:00Z,a,x,1,1\n"
HEAD = "timestamp,service,sli,good,total\n"

BAD_INPUTS = {
    "good > total": (HEAD + "2025-11-01T00:00:00Z,a,x,1,1\n2025-11-01T00:01:00Z,a,x,15,10\n", ["row 3", "good", "good (15) > total (10)"]),
    "negative count": (HEAD + "2025-11-01T00:00:00Z,a,x,-1,10\n", ["row 2", "good", ">= 0"]),
    "non-numeric count": (HEAD + "2025-11-01T00:00:00Z,a,x,1,1\n2025-11-01T00:01:00Z,a,x,1,ten\n", ["row 3", "total", "'ten'"]),
    "nan count": (HEAD + "2025-11-01T00:00:00Z,a,x,nan,1\n", ["row 2", "good", "finite"]),
    "unparseable timestamp": (HEAD + "2025-11-01T00:00:00Z,a,x,1,1\nyesterday,a,x,1,1\n", ["row 3", "timestamp", "'yesterday'"]),
    "naive timestamp": (HEAD + "2025-11-01T00:00:00,a,x,1,1\n", ["row 2", "timestamp", "no time zone"]),
    "empty service": (HEAD + "2025-11-01T00:00:00Z,a,x,1,1\n2025-11-01T00:00:00Z,,x,1,1\n", ["row 3", "service", "empty"]),
    "missing column": ("timestamp,service,good,total\n2025-11-01T00:00:00Z,a,1,1\n", ["row 1", "sli", "missing column"]),
    "duplicate key": (HEAD + "2025-11-01T00:00:00Z,b,x,1,1\n2025-11-01T00:01:00Z,b,x,1,1\n2025-11-01T00:00:00Z,b,x,1,1\n", ["row 4", "row 2", "timestamp", "duplicate"]),
    "ragged row": (HEAD + "2025-11-01T00:00:00Z,a,x,1\n", ["row 2", "expected 5 fields"]),
    "header only": (HEAD, ["no rows"]),
    "empty file": ("", ["no rows"]),
    "binary file": (b"PK\x03\x04\x00\x00binary\xff\xfe", ["binary"]),
    "not utf-8": (HEAD.encode() + b"2025-11-01T00:00:00Z,caf\xe9,x,1,1\n", ["UTF-8"]),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_writes_nothing(tmp_path, db, case):
    content, fragments = BAD_INPUTS[case]
    good = write(tmp_path, "good.csv", GOOD)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = run_cli("ingest", "series", good, bad, db=db)
    assert_bad_input(result, "bad.csv", *fragments)
    assert count(db) == 0


def test_nonexistent_file(tmp_path, db):
    good = write(tmp_path, "good.csv", GOOD)
    result = run_cli("ingest", "series", good, tmp_path / "missing.csv", db=db)
    assert_bad_input(result, "missing.csv", "no such file")
    assert count(db) == 0


def test_duplicate_across_files(tmp_path, db):
    first = write(tmp_path, "one.csv", GOOD)
    second = write(tmp_path, "two.csv", GOOD)
    result = run_cli("ingest", "series", first, second, db=db)
    assert_bad_input(result, "two.csv", "row 2", "one.csv row 2", "duplicate")
    assert count(db) == 0


def test_python_api_takes_a_typed_table(tmp_path, db):
    from reliability import store
    from reliability.ingest.series import ingest_series_table

    table = pa.table(
        {
            "ts": pa.array([1_761_955_200_000_000, 1_761_955_260_000_000], pa.timestamp("us", tz="UTC")),
            "service": ["s", "s"],
            "sli": ["x", "x"],
            "good": [1.0, 2.0],
            "total": [2.0, 2.0],
        }
    )
    with store.connect(db) as con, store.transaction(con):
        summary = ingest_series_table(con, table, "generated")
    assert summary["rows"] == 2 and summary["start"] == "2025-11-01T00:00:00Z"
    assert rows(db, "select ts, good from sli_slices order by ts") == [
        (utc(2025, 11, 1), 1.0),
        (utc(2025, 11, 1, 0, 1), 2.0),
    ]
