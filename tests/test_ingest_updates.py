"""`reliability ingest updates` and `ingest action-items`: CSV/JSON, keyed upserts, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import pytest
from conftest import assert_bad_input, run_cli

INCIDENTS = [
    {"id": "INC-1", "service": "api", "severity": "SEV-1", "detected_at": "2026-03-02T10:00:00Z",
     "timeline": [{"at": "2026-03-02T10:05:00Z", "kind": "update", "text": "from the incident file"}],
     "action_items": [{"title": "Add canary", "owner": "ana", "due": "2026-03-20", "done": False}]},
    {"id": "INC-2", "service": "web", "severity": "SEV-3", "detected_at": "2026-03-03T00:00:00Z"},
]
UPDATES = (
    "incident_id,at,kind,body\n"
    "INC-1,2026-03-02T10:15:00Z,update,Rolling back\n"
    "INC-1,2026-03-02T10:15:00Z,status,Mitigating\n"
    "INC-2,2026-03-03 01:00:00+01:00,,Looking\n"
)
ACTIONS = (
    "incident_id,title,owner,due,done\n"
    "INC-1,Alert on lag,bo,2026-03-25,false\n"
    "INC-2,Fix cache,,2026-04-01T12:00:00Z,\n"
)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def query(db, sql):
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql).fetchall()


@pytest.fixture
def idb(tmp_path, db):
    path = tmp_path / "inc.json"
    path.write_text(json.dumps(INCIDENTS))
    assert run_cli("ingest", "incidents", path, db=db).code == 0
    return db


def updates(db):
    return query(db, 'select incident_id, "at", kind, body from incident_updates order by incident_id, "at", kind')


def actions(db):
    return query(db, "select incident_id, idx, title, owner, due, done from action_items order by incident_id, idx")


def test_updates_csv_then_reingest_changes_nothing(tmp_path, idb):
    path = tmp_path / "updates.csv"
    path.write_text(UPDATES)
    result = run_cli("ingest", "updates", path, "--json", db=idb)
    assert result.code == 0, result.stderr
    assert result.json()["files"][0] | {"file": None} == {
        "file": None, "updates": 3, "incidents": 2, "start": "2026-03-02T10:15:00Z", "end": "2026-03-03T00:00:00Z",
    }
    expected = [
        ("INC-1", utc(2026, 3, 2, 10, 5), "update", "from the incident file"),
        ("INC-1", utc(2026, 3, 2, 10, 15), "status", "Mitigating"),
        ("INC-1", utc(2026, 3, 2, 10, 15), "update", "Rolling back"),
        ("INC-2", utc(2026, 3, 3), None, "Looking"),
    ]
    assert updates(idb) == expected
    assert run_cli("ingest", "updates", path, db=idb).code == 0
    assert updates(idb) == expected


def test_update_with_same_key_replaces_body(tmp_path, idb):
    path = tmp_path / "updates.json"
    path.write_text(json.dumps([{"incident_id": "INC-1", "at": "2026-03-02T10:05:00Z", "kind": "update", "body": "edited"}]))
    assert run_cli("ingest", "updates", path, db=idb).code == 0
    assert updates(idb) == [("INC-1", utc(2026, 3, 2, 10, 5), "update", "edited")]


def test_action_items_append_then_update_in_place(tmp_path, idb):
    path = tmp_path / "actions.csv"
    path.write_text(ACTIONS)
    result = run_cli("ingest", "action-items", path, "--json", db=idb)
    assert result.code == 0, result.stderr
    assert result.json()["files"][0]["action_items"] == 2
    expected = [
        ("INC-1", 1, "Add canary", "ana", utc(2026, 3, 20), False),  # from the incident file
        ("INC-1", 2, "Alert on lag", "bo", utc(2026, 3, 25), False),  # appended after it
        ("INC-2", 1, "Fix cache", None, utc(2026, 4, 1, 12), None),
    ]
    assert actions(idb) == expected
    assert run_cli("ingest", "action-items", path, db=idb).code == 0
    assert actions(idb) == expected
    done = tmp_path / "done.json"
    done.write_text(json.dumps([{"incident_id": "INC-1", "title": "Add canary", "owner": "cy", "due": "2026-03-21", "done": True}]))
    assert run_cli("ingest", "action-items", done, db=idb).code == 0
    assert actions(idb)[0] == ("INC-1", 1, "Add canary", "cy", utc(2026, 3, 21), True)
    assert len(actions(idb)) == 3


BAD = {
    "updates unknown incident": ("updates", "u.csv", "incident_id,at,kind,body\nINC-1,2026-03-02T11:00:00Z,update,a\nINC-9,2026-03-02T10:16:00Z,update,b\n",
                                 ["row 3", "field 'incident_id'", "unknown incident 'INC-9'"]),
    "updates bad at": ("updates", "u.csv", "incident_id,at,kind,body\nINC-1,10:15,update,a\n", ["row 2", "field 'at'"]),
    "updates missing at": ("updates", "u.json", json.dumps([{"incident_id": "INC-1", "kind": "update"}]), ["record 1", "field 'at'"]),
    "updates duplicate key": ("updates", "u.csv", "incident_id,at,kind,body\nINC-1,2026-03-02T11:00:00Z,update,a\nINC-1,2026-03-02T11:00:00Z,update,b\n",
                              ["row 3", "duplicate", "row 2"]),
    "updates missing column": ("updates", "u.csv", "incident_id,kind\nINC-1,update\n", ["row 1", "missing column", "at"]),
    "updates truncated json": ("updates", "u.json", '[{"incident_id": "INC-1", "at": ', ["invalid JSON"]),
    "actions unknown incident": ("action-items", "a.json", json.dumps([{"incident_id": "nope", "title": "x"}]),
                                 ["record 1", "field 'incident_id'", "unknown incident 'nope'"]),
    "actions missing title": ("action-items", "a.csv", "incident_id,title,done\nINC-1,,false\n", ["row 2", "field 'title'"]),
    "actions bad done": ("action-items", "a.csv", "incident_id,title,done\nINC-1,x,maybe\n", ["row 2", "field 'done'"]),
    "actions bad due": ("action-items", "a.csv", "incident_id,title,due\nINC-1,x,next week\n", ["row 2", "field 'due'"]),
    "actions duplicate": ("action-items", "a.json", json.dumps([{"incident_id": "INC-1", "title": "x"}] * 2), ["record 2", "duplicate", "record 1"]),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_writes_nothing(tmp_path, idb, case):
    command, name, content, fragments = BAD[case]
    before = (updates(idb), actions(idb))
    good = tmp_path / "good.csv"
    good.write_text(UPDATES if command == "updates" else ACTIONS)
    bad = tmp_path / name
    bad.write_text(content)
    assert_bad_input(run_cli("ingest", command, good, bad, db=idb), name, *fragments)
    assert (updates(idb), actions(idb)) == before


CSV_INCIDENTS = (
    "id,service,severity,title,detected_at,resolved_at\n"
    "INC-1,api,SEV-1,,2026-03-02T10:00:00Z,2026-03-02T11:00:00Z\n"
    "INC-2,web,SEV-3,,2026-03-03T00:00:00Z,\n"
)


def test_reingesting_incidents_keeps_separately_ingested_updates_and_actions(tmp_path, db):
    """Tomorrow's unchanged export (a CSV: no timeline column) must change nothing: it used to
    delete every update and action item ingested on their own, and cadence then read violated."""
    incidents = tmp_path / "incidents.csv"
    incidents.write_text(CSV_INCIDENTS)
    assert run_cli("ingest", "incidents", incidents, db=db).code == 0
    (tmp_path / "updates.csv").write_text(UPDATES)
    (tmp_path / "actions.csv").write_text(ACTIONS)
    assert run_cli("ingest", "updates", tmp_path / "updates.csv", db=db).code == 0
    assert run_cli("ingest", "action-items", tmp_path / "actions.csv", db=db).code == 0
    before = (updates(db), actions(db))
    assert len(before[0]) == 3 and len(before[1]) == 2
    judge = ("compliance", "--month", "2026-03", "--as-of", "2026-04-01T00:00:00Z", "--json")
    compliance = run_cli(*judge, db=db)
    assert compliance.code == 0, compliance.stderr
    result = run_cli("ingest", "incidents", incidents, db=db)
    assert result.code == 0, result.stderr
    assert (updates(db), actions(db)) == before
    assert run_cli(*judge, db=db).stdout == compliance.stdout
    assert compliance.json()["cadence"]["SEV-1"]["assessed"] == 1


def test_reingesting_json_keeps_what_was_ingested_on_its_own(tmp_path, idb):
    """A JSON record carrying a timeline and action items: re-ingesting it in any order with the
    separate files changes nothing, and the separate edit of an embedded item wins."""
    (tmp_path / "updates.csv").write_text(UPDATES)
    (tmp_path / "actions.csv").write_text(ACTIONS)
    done = tmp_path / "done.json"
    done.write_text(json.dumps([{"incident_id": "INC-1", "title": "Add canary", "owner": "cy", "done": True}]))
    for command, path in (("updates", "updates.csv"), ("action-items", "actions.csv"), ("action-items", "done.json")):
        assert run_cli("ingest", command, tmp_path / path, db=idb).code == 0
    expected = (updates(idb), actions(idb))
    assert expected[1][0] == ("INC-1", 1, "Add canary", "cy", None, True)
    inc = tmp_path / "inc.json"  # the fixture's file, unchanged
    inc.write_text(json.dumps(INCIDENTS))
    for _ in range(2):
        assert run_cli("ingest", "incidents", inc, db=idb).code == 0
        assert (updates(idb), actions(idb)) == expected


def test_incident_record_replaces_only_what_an_incident_record_gave(tmp_path, idb):
    """An entry dropped from the record's own lists goes; the separately ingested ones stay."""
    (tmp_path / "updates.csv").write_text(UPDATES)
    (tmp_path / "actions.csv").write_text(ACTIONS)
    assert run_cli("ingest", "updates", tmp_path / "updates.csv", db=idb).code == 0
    assert run_cli("ingest", "action-items", tmp_path / "actions.csv", db=idb).code == 0
    changed = [{**INCIDENTS[0], "timeline": [], "action_items": [{"title": "Roll back", "owner": "di"}]}, INCIDENTS[1]]
    inc = tmp_path / "inc.json"
    inc.write_text(json.dumps(changed))
    assert run_cli("ingest", "incidents", inc, db=idb).code == 0
    assert [u[1:3] for u in updates(idb) if u[0] == "INC-1"] == [
        (utc(2026, 3, 2, 10, 15), "status"), (utc(2026, 3, 2, 10, 15), "update")]
    assert [a[1:4] for a in actions(idb) if a[0] == "INC-1"] == [(2, "Alert on lag", "bo"), (3, "Roll back", "di")]


def test_embedded_action_item_needs_a_unique_title(tmp_path, db):
    path = tmp_path / "inc.json"
    path.write_text(json.dumps([{**INCIDENTS[0], "action_items": [{"title": "x"}, {"title": "x"}]}]))
    assert_bad_input(run_cli("ingest", "incidents", path, db=db), "inc.json", "record 1",
                     "action_items[2].title", "duplicate")
    path.write_text(json.dumps([{**INCIDENTS[0], "action_items": [{"owner": "ana"}]}]))
    assert_bad_input(run_cli("ingest", "incidents", path, db=db), "record 1", "action_items[1].title")
