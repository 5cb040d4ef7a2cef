"""`reliability ingest incidents` / `deployments` through the real console script."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import pytest

from tests.conftest import assert_bad_input, run_cli

INCIDENTS = [
    {
        "id": "INC-1",
        "service": "ledger",
        "severity": "sev-1",
        "title": "Ledger down",
        "started_at": "2025-11-03T09:55:00Z",
        "detected_at": "2025-11-03T10:00:00Z",
        "acknowledged_at": "2025-11-03 06:03:00-04:00",
        "mitigated_at": 1762164600,
        "resolved_at": "2025-11-03T11:00:00Z",
        "root_cause": "bad deploy",
        "tags": ["db", "deploy"],
        "timeline": [{"at": "2025-11-03T10:05:00Z", "kind": "status", "text": "Investigating"}],
        "action_items": [
            {"title": "Add canary", "owner": "ana", "due": "2025-11-20", "done": False},
            {"title": "Alert on lag", "owner": "bo", "due": "2025-11-21T00:00:00Z", "done": True},
        ],
    }
]
CSV = (
    "id,service,severity,title,started_at,detected_at,acknowledged_at,mitigated_at,resolved_at,root_cause,tags\n"
    "INC-2,api,SEV-3,Slow,,2025-11-04T00:00:00Z,,,,,a;b\n"
)


def query(db, sql):
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql).fetchall()


def total_rows(db) -> int:
    if not db.exists():
        return 0
    return query(
        db,
        "select (select count(*) from incidents) + (select count(*) from incident_updates)"
        " + (select count(*) from action_items) + (select count(*) from deployments)",
    )[0][0]


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_json_and_csv_incidents(tmp_path, db):
    js = tmp_path / "inc.json"
    js.write_text(json.dumps(INCIDENTS))
    cs = tmp_path / "inc.csv"
    cs.write_text(CSV)
    result = run_cli("ingest", "incidents", js, cs, "--json", db=db)
    assert result.code == 0, result.stderr
    assert [f["incidents"] for f in result.json()["files"]] == [1, 1]
    assert query(db, "select id, severity, acknowledged_at, mitigated_at, tags, source like '%inc.json' from incidents order by id") == [
        ("INC-1", "SEV-1", utc(2025, 11, 3, 10, 3), utc(2025, 11, 3, 10, 10), ["db", "deploy"], True),
        ("INC-2", "SEV-3", None, None, ["a", "b"], False),
    ]
    assert query(db, 'select incident_id, "at", kind, body from incident_updates') == [
        ("INC-1", utc(2025, 11, 3, 10, 5), "status", "Investigating")
    ]
    assert query(db, "select idx, title, owner, due, done from action_items order by idx") == [
        (1, "Add canary", "ana", utc(2025, 11, 20), False),
        (2, "Alert on lag", "bo", utc(2025, 11, 21), True),
    ]


def test_reingest_replaces_incident_and_children(tmp_path, db):
    js = tmp_path / "inc.json"
    js.write_text(json.dumps(INCIDENTS))
    assert run_cli("ingest", "incidents", js, db=db).code == 0
    changed = [{**INCIDENTS[0], "title": "Ledger outage", "action_items": [{"title": "Only one"}]}]
    js.write_text(json.dumps(changed))
    assert run_cli("ingest", "incidents", js, db=db).code == 0
    assert query(db, "select count(*), min(title) from incidents") == [(1, "Ledger outage")]
    assert query(db, "select idx, title from action_items") == [(1, "Only one")]
    assert query(db, "select count(*) from incident_updates") == [(1,)]


def test_deployments_upsert(tmp_path, db):
    path = tmp_path / "deploys.csv"
    path.write_text("id,service,deployed_at,version,rolled_back\nd1,api,2025-11-01T10:00:00Z,1.2,false\n")
    assert run_cli("ingest", "deployments", path, db=db).code == 0
    path.write_text("id,service,deployed_at,version,rolled_back\nd1,api,2025-11-01T10:00:00Z,1.3,true\n")
    assert run_cli("ingest", "deployments", path, db=db).code == 0
    assert query(db, "select id, version, rolled_back from deployments") == [("d1", "1.3", True)]


def inc(**changes):
    return json.dumps([{**{k: v for k, v in INCIDENTS[0].items()}, **changes}])


CSV_HEAD = "id,service,severity,detected_at,acknowledged_at\n"
BAD_INCIDENTS = {
    "out of order": (
        "bad.json",
        inc(acknowledged_at="2025-11-03T09:00:00Z"),
        ["record 1", "acknowledged_at", "detected_at", "before"],
    ),
    "csv out of order": (
        "bad.csv",
        CSV_HEAD + "I1,a,SEV-2,2025-11-03T10:00:00Z,2025-11-03T10:05:00Z\nI2,a,SEV-2,2025-11-03T10:00:00Z,2025-11-03T09:00:00Z\n",
        ["row 3", "acknowledged_at", "detected_at"],
    ),
    "unknown severity": ("bad.json", inc(severity="P1"), ["record 1", "severity", "'P1'"]),
    "missing id": ("bad.csv", CSV_HEAD + ",a,SEV-2,2025-11-03T10:00:00Z,\n", ["row 2", "id"]),
    "naive timestamp": ("bad.json", inc(detected_at="2025-11-03T10:00:00"), ["record 1", "detected_at", "no time zone"]),
    "truncated json": ("bad.json", inc()[:40], ["invalid JSON", "line 1, column"]),
    "json not a list": ("bad.json", json.dumps({"id": "x"}), ["expected a JSON list"]),
    "duplicate id": ("bad.json", json.dumps([INCIDENTS[0], INCIDENTS[0]]), ["record 2", "id", "duplicate", "record 1"]),
    "missing column": ("bad.csv", "id,service,severity\nI1,a,SEV-1\n", ["row 1", "detected_at", "missing column"]),
    "header only": ("bad.csv", CSV_HEAD, ["no rows"]),
    "empty file": ("bad.json", "", ["no rows"]),
    "binary file": ("bad.json", b"\x00\x01\x02binary", ["binary"]),
}


@pytest.mark.parametrize("case", list(BAD_INCIDENTS), ids=list(BAD_INCIDENTS))
def test_bad_incidents_write_nothing(tmp_path, db, case):
    name, content, fragments = BAD_INCIDENTS[case]
    good = tmp_path / "good.csv"
    good.write_text(CSV)
    bad = tmp_path / name
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = run_cli("ingest", "incidents", good, bad, db=db)
    assert_bad_input(result, name, *fragments)
    assert total_rows(db) == 0


def test_nonexistent_incident_file(tmp_path, db):
    result = run_cli("ingest", "incidents", tmp_path / "nope.json", db=db)
    assert_bad_input(result, "nope.json", "no such file")
    assert total_rows(db) == 0


def test_bad_deployment(tmp_path, db):
    path = tmp_path / "deploys.json"
    path.write_text(json.dumps([{"id": "d1", "service": "api", "deployed_at": "2025-11-01T10:00:00Z", "rolled_back": "maybe"}]))
    result = run_cli("ingest", "deployments", path, db=db)
    assert_bad_input(result, "deploys.json", "record 1", "rolled_back")
    assert total_rows(db) == 0
