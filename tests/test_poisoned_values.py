"""One bad value must not take down reporting.

At the door: non-finite counts, counts above 2^53, instants outside 1970-01-01 .. 2200-12-31,
UTC offsets beyond ±14:00 and digits other than ASCII are bad input (exit 2, one line naming
file, row or record, and field; nothing written), for every kind of input.

Behind it: a database poisoned directly through SQL (as an older version, a hand edit or
another tool could leave it) still reports the month for everyone; the bad rows count as no
data and the series holding them is named. Calendar-edge periods are bad input naming the option.

Hand-computed numbers: series api and web, 2026-02-10 10:00-10:59 (60 one-minute rows each,
good 99 of 100). Occurrences target 0.99: attainment 0.99, bad 60, allowed 60 for a clean
series; api with two rows poisoned counts 58 rows: bad 58, allowed 58.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import assert_bad_input, run_cli
from test_sla import slo_yaml

HEADER = "timestamp,service,sli,good,total\n"
OK_ROW = "2026-02-10T09:00:00Z,api,availability,1,2\n"

# (the bad row, the field named, a fragment of the message)
SERIES_CASES = [
    ("2026-02-10T10:00:00Z,api,availability,1,1e308", "total", "at most 2^53"),
    ("2026-02-10T10:00:00Z,api,availability,1,9007199254740994", "total", "at most 2^53"),
    ("2026-02-10T10:00:00Z,api,availability,1,inf", "total", "finite"),
    ("2026-02-10T10:00:00Z,api,availability,nan,2", "good", "finite"),
    ("2026-02-10T10:00:00+25:00,api,availability,1,2", "timestamp", "±14:00"),
    ("2026-02-10T10:00:00+14:30,api,availability,1,2", "timestamp", "±14:00"),
    ("2026-02-10T10:00:00-1500,api,availability,1,2", "timestamp", "±14:00"),
    ("\u0661\u0667\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0660,api,availability,1,2", "timestamp", "ASCII digits"),
    ("\u0968\u0966\u0968\u096c-02-10T10:00:00Z,api,availability,1,2", "timestamp", "ASCII digits"),
    ("9999-12-31T23:59:59Z,api,availability,1,2", "timestamp", "outside the supported range"),
    ("2201-01-01T00:00:00Z,api,availability,1,2", "timestamp", "outside the supported range"),
    ("0001-01-01T00:00:00Z,api,availability,1,2", "timestamp", "outside the supported range"),
    ("99999999999,api,availability,1,2", "timestamp", "outside the supported range"),
]


@pytest.mark.parametrize(("row", "field", "fragment"), SERIES_CASES)
def test_series_refuses_values_that_poison_readers(db, tmp_path, row, field, fragment):
    path = tmp_path / "s.csv"
    path.write_text(HEADER + OK_ROW + row + "\n", encoding="utf-8")
    result = run_cli("ingest", "series", path, db=db)
    assert_bad_input(result, str(path), "row 3", f"field '{field}'", fragment)
    assert len(result.stderr.strip().splitlines()) == 1
    if db.exists():  # a refused first write leaves no database at all
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute("select count(*) from sli_slices").fetchone() == (0,)


def test_offsets_up_to_14_hours_are_accepted(db, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(HEADER + "2026-02-10T10:00:00+14:00,api,availability,1,2\n"
                    "2026-02-10T10:00:00-12:00,web,availability,1,2\n")
    assert run_cli("ingest", "series", path, db=db).code == 0
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute("select service, strftime(ts at time zone 'UTC', '%Y-%m-%dT%H:%M') from sli_slices order by 1").fetchall()
    assert got == [("api", "2026-02-09T20:00"), ("web", "2026-02-10T22:00")]


@pytest.mark.parametrize("column", [
    pa.array([1_700_000_000, 253_402_300_799], pa.int64()).cast(pa.timestamp("s", tz="UTC")),  # 9999-12-31
    pa.array([1_700_000_000, 99_999_999_999], pa.int64()),  # epoch seconds in year 5138
])
def test_parquet_timestamps_out_of_range(db, tmp_path, column):
    path = tmp_path / "s.parquet"
    pq.write_table(pa.table({"timestamp": column, "service": ["api"] * 2, "sli": ["availability"] * 2,
                             "good": [1.0, 1.0], "total": [2.0, 2.0]}), path)
    assert_bad_input(run_cli("ingest", "series", path, db=db), str(path), "row 3", "field 'timestamp'",
                     "outside the supported range")


def test_parquet_counts_beyond_2_53(db, tmp_path):
    path = tmp_path / "s.parquet"
    pq.write_table(pa.table({"timestamp": pa.array([1_700_000_000, 1_700_000_060], pa.int64()),
                             "service": ["api"] * 2, "sli": ["availability"] * 2,
                             "good": [1.0, 1e308], "total": [2.0, 1e308]}), path)
    assert_bad_input(run_cli("ingest", "series", path, db=db), str(path), "row 3", "field 'total'", "2^53")


@pytest.mark.parametrize(("command", "name", "text", "field"), [
    ("incidents", "i.json", '[{"id": "A", "service": "api", "severity": "SEV-2", "detected_at": "9999-12-31T23:59:59Z"}]',
     "detected_at"),
    ("incidents", "i.json", '[{"id": "A", "service": "api", "severity": "SEV-2", "detected_at": "2026-02-10T10:00:00+25:00"}]',
     "detected_at"),
    ("incidents", "i.csv", "id,service,severity,detected_at\nA,api,SEV-2,\u0661\u0667\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0660\n",
     "detected_at"),
    ("incidents", "i.json", '[{"id": "A", "service": "api", "severity": "SEV-2", "detected_at": 1700000000, '
                            '"resolved_at": 99999999999}]', "resolved_at"),
    ("deployments", "d.csv", "id,service,deployed_at\nD1,api,9999-01-01T00:00:00Z\n", "deployed_at"),
    ("maintenance", "m.csv", "id,starts_at,ends_at\nM1,2026-02-10T00:00:00Z,2201-01-01T00:00:00Z\n", "ends_at"),
])
def test_records_refuse_out_of_range_and_foreign_timestamps(db, tmp_path, command, name, text, field):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = run_cli("ingest", command, path, db=db)
    where = "row 2" if name.endswith(".csv") else "record 1"
    assert_bad_input(result, str(path), where, f"field '{field}'")


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory) -> tuple[Path, Path]:
    """(clean, poisoned) databases: the same SLOs, series and incidents; the poisoned one with
    bad rows written straight through SQL. Tests only read them."""
    tmp_path = tmp_path_factory.mktemp("poisoned")
    (tmp_path / "slos.yaml").write_text(
        slo_yaml("api-occ", "Occurrences", "UTC", service="api", target="target: 0.99") + "---\n"
        + slo_yaml("api-ts", "Timeslices", "UTC", service="api") + "---\n"
        + slo_yaml("web-occ", "Occurrences", "UTC", service="web", target="target: 0.99"))
    rows = "".join(f"2026-02-10T10:{m:02d}:00Z,{s},availability,99,100\n" for m in range(60) for s in ("api", "web"))
    (tmp_path / "s.csv").write_text(HEADER + rows)
    (tmp_path / "i.json").write_text(json.dumps([
        {"id": "X", "service": "api", "severity": "SEV-2", "started_at": "2026-02-10T10:12:00Z",
         "detected_at": "2026-02-10T10:15:00Z", "acknowledged_at": "2026-02-10T10:20:00Z",
         "mitigated_at": "2026-02-10T10:22:00Z", "resolved_at": "2026-02-10T11:00:00Z"},
        {"id": "FUTURE", "service": "api", "severity": "SEV-3", "detected_at": "2026-02-11T00:00:00Z"},
        {"id": "PAST", "service": "web", "severity": "SEV-3", "detected_at": "2026-02-12T00:00:00Z"},
    ]))
    clean = tmp_path / "clean.duckdb"
    for args in (("slo", "apply", tmp_path / "slos.yaml"), ("ingest", "series", tmp_path / "s.csv"),
                 ("ingest", "incidents", tmp_path / "i.json")):
        r = run_cli(*args, db=clean)
        assert r.code == 0, r.stderr
    bad = tmp_path / "poisoned.duckdb"
    bad.write_bytes(clean.read_bytes())
    with duckdb.connect(str(bad)) as con:
        con.execute("update sli_slices set good = 1e308, total = 1e308 where service = 'api' "
                    "and ts = '2026-02-10 10:05:00+00'")
        con.execute("update sli_slices set good = 'NaN'::double where service = 'api' and ts = '2026-02-10 10:06:00+00'")
        con.execute("insert into sli_slices values ('api', 'availability', '9999-12-31 23:59:59+00', 1, 1, null)")
        con.execute("insert into sli_slices values ('api', 'availability', '0001-01-01 00:00:00+00', 1, 1, null)")
        con.execute("update incidents set detected_at = '9999-12-31 23:59:59+00' where id = 'FUTURE'")
        con.execute("update incidents set started_at = '0001-01-01 00:00:00+00' where id = 'PAST'")
    return clean, bad


def test_a_poisoned_series_does_not_take_down_the_month(poisoned):
    clean, bad = poisoned
    result = run_cli("sla", "--month", "2026-02", "--json", db=bad)
    assert result.code == 0, result.stderr
    doc = result.json()
    by = {r["slo"]: r for r in doc["slos"]}
    # The clean series is exactly as in the clean database.
    clean_doc = run_cli("sla", "--month", "2026-02", "--json", db=clean).json()
    assert by["web-occ"] == {r["slo"]: r for r in clean_doc["slos"]}["web-occ"]
    # The poisoned one counts its two bad rows as no data: 58 rows of 99/100.
    assert (by["api-occ"]["bad"], by["api-occ"]["allowed_bad"], by["api-occ"]["attainment"]) == (58.0, 58.0, 0.99)
    assert by["api-occ"]["slices_with_data"] == 58
    assert doc["unusable_series"] == [{"service": "api", "sli": "availability", "rows": 4,
                                       "first_ts": "0001-01-01T00:00:00Z",
                                       "problem": "a timestamp outside 1970-01-01 .. 2200-12-31"}]
    assert result.stderr.count("warning: series api/availability: 4 stored row(s) unusable") == 1
    assert clean_doc["unusable_series"] == []


@pytest.mark.parametrize("args", [
    ("sla", "--month", "2026-02"),
    ("sla", "--from", "2026-01", "--to", "2026-03", "--json"),
    ("sla", "--year", "2026"),
    ("impact", "--incident", "X", "--json"),
    ("impact", "--month", "2026-02"),
    ("credits", "--month", "2026-02"),
    ("budget", "--month", "2026-02"),
    ("worst", "--month", "2026-02"),
    ("burn", "--slo", "api-occ", "--from", "2026-02-01", "--to", "2026-03-01"),
    ("mttx", "--json"),
    ("incidents", "--month", "2026-02", "--json"),
    ("compliance", "--month", "2026-02"),
    ("recurrence",),
    ("report", "monthly", "--month", "2026-02", "--out", "REPORT"),
])
def test_every_reader_survives_the_poisoned_file(poisoned, tmp_path, args):
    _, bad = poisoned
    args = tuple(str(tmp_path / "r.md") if a == "REPORT" else a for a in args)
    result = run_cli(*args, db=bad)
    assert result.code == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "error" not in result.stderr


def test_incident_metrics_leave_out_out_of_range_incidents(poisoned):
    clean, bad = poisoned
    doc = run_cli("mttx", "--json", db=bad).json()
    assert doc["overall"]["resolve"]["n"] == 1  # X only; FUTURE and PAST are left out
    inc = run_cli("incidents", "--month", "2026-02", "--json", db=bad).json()
    assert inc["count"] == 1 and run_cli("incidents", "--month", "2026-02", "--json", db=clean).json()["count"] == 3


@pytest.mark.parametrize(("args", "option"), [
    (("sla", "--month", "9999-12"), "--month"),
    (("sla", "--month", "0000-01"), "--month"),
    (("sla", "--from", "0001-01", "--to", "0001-02"), "--from"),
    (("sla", "--quarter", "9999-Q4"), "--quarter"),
    (("sla", "--year", "9999"), "--year"),
    (("sla", "--at", "9999-12-31T00:00:00Z"), "--at"),
    (("sla", "--at", "2026-02-10T00:00:00Z", "--window", "100000000d"), "--window"),
    (("sla", "--at", "1970-02-10T00:00:00Z", "--window", "3M"), "--window"),
    (("mttx", "--months", "100000"), "--months"),
    (("mttx", "--start", "0001-01", "--end", "2026-01"), "--start"),
    (("incidents", "--month", "9999-12"), "--month"),
    (("burn", "--slo", "api-occ", "--from", "0001-01-01T00:00:00Z", "--to", "2026-01-01T00:00:00Z"), "--from"),
    (("recurrence", "--end", "9999-01"), "--end"),
    (("sla", "--month", "\u0662\u0660\u0662\u0666-\u0660\u0662"), "--month"),
])
def test_calendar_edges_are_bad_input_naming_the_option(poisoned, args, option):
    clean, _ = poisoned
    result = run_cli(*args, db=clean)
    assert_bad_input(result, f"'{option}'")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_stored_rows_from_before_this_version_are_readable(poisoned):
    """The views that leave bad rows out come with a migration: a file created before it gets
    them on first use, and its good rows read as before."""
    clean, _ = poisoned
    with duckdb.connect(str(clean), read_only=True) as con:
        names = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    assert {"usable_slices", "usable_incidents"} <= names


def test_the_data_health_page_names_the_unusable_series(poisoned, monkeypatch):
    from streamlit.testing.v1 import AppTest

    _, bad = poisoned
    monkeypatch.setenv("RELIABILITY_DB", str(bad))
    page = Path(__file__).resolve().parent.parent / "reliability" / "app" / "pages" / "data_health.py"
    at = AppTest.from_file(str(page), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("1 series hold stored rows that cannot be used" in w.value for w in at.warning)
    from app_fixtures import shown_tables

    [table] = [t for t in shown_tables(at) if "problem" in t.columns]
    assert table[["service", "sli", "unusable rows"]].values.tolist() == [["api", "availability", "4"]]


@pytest.mark.parametrize("args", [
    ("impact", "--month", "2026-02"),
    ("report", "monthly", "--month", "2026-02", "--out", "REPORT"),
    ("sla", "--from", "2026-02", "--to", "2026-02"),
])
def test_reports_name_the_unusable_series(poisoned, tmp_path, args):
    _, bad = poisoned
    args = tuple(str(tmp_path / "r.md") if a == "REPORT" else a for a in args)
    result = run_cli(*args, db=bad)
    assert result.code == 0, result.stderr
    assert "warning: series api/availability: 4 stored row(s) unusable" in result.stderr
    assert "web/availability" not in result.stderr
