"""`ingest incidents --format pagerduty|opsgenie|incidentio` from saved API responses.

The fixtures in tests/data/vendors/ are shaped by each vendor's published API schema (see the
README there); nothing talks to a network. Exact rows, severity defaults and a custom map,
idempotent re-imports, and bad input per format (exit 2 naming file, record and field, nothing
written).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, assert_bad_input, run_cli

VENDORS = ROOT / "tests" / "data" / "vendors"
PD_REST = VENDORS / "pagerduty_rest_incidents.json"
PD_ANALYTICS = VENDORS / "pagerduty_analytics_raw_incidents.json"
OG_ALERTS = VENDORS / "opsgenie_alerts.json"
OG_INCIDENTS = VENDORS / "opsgenie_incidents.json"
IIO = VENDORS / "incidentio_incidents.json"

COLUMNS = (
    "id, service, severity, title, started_at, detected_at, acknowledged_at, mitigated_at,"
    " resolved_at, closed_at, team, vendor, vendor_id"
)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def rows(db, where="true"):
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(f"select {COLUMNS} from incidents where {where} order by id").fetchall()


def count(db, table="incidents") -> int:
    if not db.exists():
        return 0
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"select count(*) from {table}").fetchone()[0]


def load(path: Path):
    return json.loads(path.read_text())


def write(tmp_path: Path, name: str, doc) -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def ingest(db, fmt, *files, extra=()):
    return run_cli("ingest", "incidents", "--format", fmt, *extra, *files, "--json", db=db)


PD_ROWS = [
    # ack from the first acknowledge_log_entry (05:04-05:00 = 10:04Z), though acknowledgements is []
    ("pd:Q1XVLHZ8R0K3TB", "checkout", "SEV-1", "Checkout API 5xx", None, utc(2026, 3, 2, 10), utc(2026, 3, 2, 10, 4),
     None, utc(2026, 3, 2, 10, 55), None, "Payments", "pagerduty", "Q1XVLHZ8R0K3TB"),
    # no priority, low urgency: SEV-3; log entries embedded in the incident
    ("pd:Q2LOWURGENCY01", "search", "SEV-3", "Search indexer lagging", None, utc(2026, 3, 5, 22, 15, 30),
     utc(2026, 3, 5, 22, 45, 30), None, utc(2026, 3, 5, 23, 15, 30), None, None, "pagerduty", "Q2LOWURGENCY01"),
    # open, no log entries: ack from the acknowledgements list
    ("pd:Q3OPENACKED001", "ledger", "SEV-3", "Ledger replication delayed", None, utc(2026, 3, 7, 8),
     utc(2026, 3, 7, 8, 2), None, None, None, "Core Banking", "pagerduty", "Q3OPENACKED001"),
    # Analytics: major without priority: SEV-1; ack 95.5 s after created_at; resolved by seconds_to_resolve
    ("pd:Q4MAJORNOPRIO1", "payments-db", "SEV-1", "Primary database failover", None, utc(2026, 3, 10, 3),
     utc(2026, 3, 10, 3, 1, 35, 500000), None, utc(2026, 3, 10, 4, 30), None, "Data", "pagerduty", "Q4MAJORNOPRIO1"),
    # Analytics: P5: SEV-4; never acknowledged
    ("pd:Q5LOWPRIO0001", "reports", "SEV-4", "Nightly report late", None, utc(2026, 3, 12, 12), None, None,
     utc(2026, 3, 12, 12, 10), None, None, "pagerduty", "Q5LOWPRIO0001"),
]

OG_ROWS = [
    ("og:1a59a3a4-9b7d-4d5e-8a83-6f0f1e7b2c11", "ledger-db", "SEV-4", "Disk 85% full on ledger-db", None,
     utc(2026, 3, 4, 1), None, None, None, None, None, "opsgenie", "1a59a3a4-9b7d-4d5e-8a83-6f0f1e7b2c11"),
    # createdAt 14:00:00.5 + ackTime 90,500 ms; + closeTime 1,800,000 ms
    ("og:70413a06-38d6-4c85-92b8-5ebc900d42e2", "web", "SEV-2", "CPU usage on web-01 above 95%", None,
     utc(2026, 3, 3, 14, 0, 0, 500000), utc(2026, 3, 3, 14, 1, 31), None, utc(2026, 3, 3, 14, 30, 0, 500000), None,
     "SRE", "opsgenie", "70413a06-38d6-4c85-92b8-5ebc900d42e2"),
    # Incident API record
    ("og:70413a06-38d6-4c85-92b8-5ebc900d42e9", "checkout", "SEV-1", "Checkout unavailable in EU", None,
     utc(2026, 3, 9, 16, 20), None, None, None, None, "Payments", "opsgenie", "70413a06-38d6-4c85-92b8-5ebc900d42e9"),
    # no priority: Opsgenie's default P3
    ("og:c3f8b1e2-5d6a-4f7b-9c8d-0e1f2a3b4c5d", "search", "SEV-3", "Search p99 latency above 2s", None,
     utc(2026, 3, 6, 9, 30), utc(2026, 3, 6, 9, 31), None, None, None, None, "opsgenie", "c3f8b1e2-5d6a-4f7b-9c8d-0e1f2a3b4c5d"),
]

IIO_ROWS = [
    ("iio:INC-101", "search", "SEV-2", "Search results slow for all users", utc(2026, 3, 8, 8, 50), utc(2026, 3, 8, 9),
     utc(2026, 3, 8, 9, 7), utc(2026, 3, 8, 9, 40), utc(2026, 3, 8, 10), utc(2026, 3, 9, 12), "Discovery",
     "incidentio", "01HR8ZK4T1M3Q5S7V9X0A2C4E6"),
    # no "Reported at": detected at created_at; "Fixed at" without a value, "Resolved at" null
    ("iio:INC-102", "checkout", "SEV-1", "Payments declined at checkout", None, utc(2026, 3, 11, 17, 45, 12),
     utc(2026, 3, 11, 17, 48), None, None, None, None, "incidentio", "01HR9B2D4F6H8K0M2P4R6T8V0X"),
]


def test_pagerduty_rest_and_analytics(db):
    assert load(PD_REST)["incidents"][0]["acknowledgements"] == []
    result = ingest(db, "pagerduty", PD_REST, PD_ANALYTICS)
    assert result.code == 0, result.stderr
    files = result.json()["files"]
    # Q1XVLHZ8R0K3TB is in both files with the same content: stored once
    assert [(f["format"], f["incidents"]) for f in files] == [("pagerduty-rest", 3), ("pagerduty-analytics", 2)]
    assert rows(db) == PD_ROWS


def test_pagerduty_analytics_alone_matches_rest(db):
    assert ingest(db, "pagerduty", PD_ANALYTICS).code == 0
    assert rows(db, "id = 'pd:Q1XVLHZ8R0K3TB'") == [PD_ROWS[0]]


@pytest.mark.parametrize("form", ["account-wide list", "embedded response object"])
def test_pagerduty_log_entry_placements(tmp_path, db, form):
    doc = load(PD_REST)
    entries = doc.pop("log_entries")["Q1XVLHZ8R0K3TB"]
    doc["incidents"] = doc["incidents"][:1]
    if form == "account-wide list":
        doc["log_entries"] = entries["log_entries"]
    else:
        doc["incidents"][0]["log_entries"] = entries
    assert ingest(db, "pagerduty", write(tmp_path, "pd.json", doc)).code == 0
    assert rows(db) == [PD_ROWS[0]]


def test_opsgenie_alerts_and_incidents(db):
    result = ingest(db, "opsgenie", OG_ALERTS, OG_INCIDENTS)
    assert result.code == 0, result.stderr
    assert [f["format"] for f in result.json()["files"]] == ["opsgenie-alerts", "opsgenie-incidents"]
    assert rows(db) == OG_ROWS
    with duckdb.connect(str(db), read_only=True) as con:
        tags = con.execute("select tags from incidents where id like 'og:7041%2'").fetchone()[0]
    assert tags == ["service:web", "team:SRE", "cpu"]


def test_incidentio(db):
    result = ingest(db, "incidentio", IIO)
    assert result.code == 0, result.stderr
    assert {**result.json()["files"][0], "file": None} == {
        "file": None, "incidents": 2, "updates": 0, "action_items": 0, "format": "incidentio-v2",
        "skipped": 1, "start": "2026-03-08T09:00:00Z", "end": "2026-03-11T17:45:12Z",
        "invalid": 0, "ack_unknown": 0, "no_service": [], "warnings": [],
        "skipped_records": [{"record": 3, "id": "01HRA00000000000000000TEST", "reason": "mode test: not a real incident",
                             "kind": "excluded"}],
    }
    assert rows(db) == IIO_ROWS  # INC-103 (mode test) skipped
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select postmortem_url from incidents where id = 'iio:INC-101'").fetchone() == (
            "https://docs.example.com/postmortems/inc-101",
        )


def _pd(priority=None, urgency="high"):
    inc = copy.deepcopy(load(PD_REST)["incidents"][2])
    inc["priority"] = {"summary": priority} if priority else None
    inc["urgency"] = urgency
    return {"incidents": [inc]}


def _pda(priority=None, urgency="high", major=False):
    row = copy.deepcopy(load(PD_ANALYTICS)["data"][2])
    row.update(priority_name=priority, urgency=urgency, major=major)
    return {"data": [row]}


def _og(priority):
    alert = copy.deepcopy(load(OG_ALERTS)["data"][2])
    if priority is None:
        alert.pop("priority", None)
    else:
        alert["priority"] = priority
    return {"data": [alert]}


def _iio(name, rank=1):
    inc = copy.deepcopy(load(IIO)["incidents"][1])
    inc["severity"] = {"id": "01X", "name": name, "rank": rank}
    return {"incidents": [inc]}


SEVERITY_DEFAULTS = {
    "pd P1": ("pagerduty", _pd("P1"), "SEV-1"),
    "pd P2": ("pagerduty", _pd("P2"), "SEV-2"),
    "pd P3": ("pagerduty", _pd("P3"), "SEV-3"),
    "pd P4": ("pagerduty", _pd("P4"), "SEV-4"),
    "pd P5": ("pagerduty", _pd("P5"), "SEV-4"),
    "pd no priority, high urgency": ("pagerduty", _pd(None, "high"), "SEV-2"),
    "pd no priority, low urgency": ("pagerduty", _pd(None, "low"), "SEV-3"),
    "pd priority named SEV-2": ("pagerduty", _pd("Sev 2"), "SEV-2"),
    "pd analytics major": ("pagerduty", _pda(None, "low", True), "SEV-1"),
    "pd analytics P2 major stays P2": ("pagerduty", _pda("P2", "high", True), "SEV-2"),
    "pd analytics low urgency": ("pagerduty", _pda(None, "low", False), "SEV-3"),
    "og P1": ("opsgenie", _og("P1"), "SEV-1"),
    "og P4": ("opsgenie", _og("P4"), "SEV-4"),
    "og P5": ("opsgenie", _og("P5"), "SEV-4"),
    "og default P3": ("opsgenie", _og(None), "SEV-3"),
    "iio Critical": ("incidentio", _iio("Critical", 3), "SEV-1"),
    "iio major (any case)": ("incidentio", _iio("major", 2), "SEV-2"),
    "iio Minor": ("incidentio", _iio("Minor", 1), "SEV-3"),
    "iio SEV4 name": ("incidentio", _iio("SEV4", 1), "SEV-4"),
}


@pytest.mark.parametrize("case", list(SEVERITY_DEFAULTS), ids=list(SEVERITY_DEFAULTS))
def test_severity_defaults(tmp_path, db, case):
    fmt, doc, expected = SEVERITY_DEFAULTS[case]
    result = ingest(db, fmt, write(tmp_path, "in.json", doc))
    assert result.code == 0, result.stderr
    assert [r[2] for r in rows(db)] == [expected]


def test_custom_severity_map_yaml(tmp_path, db):
    smap = write(tmp_path, "sev.yaml", 'pagerduty:\n  P1: SEV-2\n  "urgency:low": sev 4\nincidentio:\n  "rank:4": SEV-1\n')
    result = ingest(db, "pagerduty", PD_REST, extra=("--severity-map", smap))
    assert result.code == 0, result.stderr
    assert [(r[0], r[2]) for r in rows(db)] == [
        ("pd:Q1XVLHZ8R0K3TB", "SEV-2"),  # P1 remapped
        ("pd:Q2LOWURGENCY01", "SEV-4"),  # urgency:low remapped
        ("pd:Q3OPENACKED001", "SEV-3"),  # P3: default kept
    ]
    outage = write(tmp_path, "io.json", _iio("Outage", 4))
    assert_bad_input(ingest(db, "incidentio", outage), "io.json", "record 1", "severity.name", "'Outage'")
    assert ingest(db, "incidentio", outage, extra=("--severity-map", smap)).code == 0
    assert rows(db, "vendor = 'incidentio'")[0][2] == "SEV-1"  # by rank


def test_custom_severity_map_json_flat_applies_to_generic(tmp_path, db):
    smap = write(tmp_path, "sev.json", json.dumps({"P1": "SEV-1", "Minor": "SEV-4"}))
    generic = write(tmp_path, "inc.json", [{"id": "G1", "service": "api", "severity": "P1", "detected_at": "2026-03-01T00:00:00Z"}])
    assert run_cli("ingest", "incidents", generic, "--severity-map", smap, db=db).code == 0
    assert ingest(db, "incidentio", write(tmp_path, "io.json", _iio("Minor")), extra=("--severity-map", smap)).code == 0
    assert [(r[0], r[2]) for r in rows(db)] == [("G1", "SEV-1"), ("iio:INC-102", "SEV-4")]


@pytest.mark.parametrize(
    "content, fragments",
    [
        ("pagerduty:\n  P1: SEV-9\n", ["sev.yaml", "field 'pagerduty.P1'", "SEV-9"]),
        ("- P1\n", ["sev.yaml", "expected a mapping"]),
        ("pagerduty: {P1: [", ["sev.yaml", "invalid YAML/JSON"]),
    ],
    ids=["bad severity", "not a mapping", "truncated"],
)
def test_bad_severity_map(tmp_path, db, content, fragments):
    smap = write(tmp_path, "sev.yaml", content)
    assert_bad_input(ingest(db, "pagerduty", PD_REST, extra=("--severity-map", smap)), *fragments)
    assert count(db) == 0


def test_reimport_is_idempotent_and_keeps_updates(tmp_path, db):
    calls = [("pagerduty", PD_REST, PD_ANALYTICS), ("opsgenie", OG_ALERTS, OG_INCIDENTS), ("incidentio", IIO)]
    for fmt, *files in calls:
        assert ingest(db, fmt, *files).code == 0
    first = rows(db)
    updates = write(tmp_path, "u.csv", "incident_id,at,kind,body\npd:Q1XVLHZ8R0K3TB,2026-03-02T10:10:00Z,update,Rolling back\n")
    assert run_cli("ingest", "updates", updates, db=db).code == 0
    for fmt, *files in calls:
        assert ingest(db, fmt, *files).code == 0
    assert rows(db) == first == sorted(PD_ROWS + OG_ROWS + IIO_ROWS)
    assert count(db, "incident_updates") == 1  # a vendor re-import replaces the row, not its timeline


def _edit(path, fn):
    doc = load(path)
    fn(doc)
    return json.dumps(doc)


def _set(doc, keys, value):
    *head, last = keys
    for k in head:
        doc = doc[k]
    if value is _DELETE:
        del doc[last]
    else:
        doc[last] = value


_DELETE = object()


def edit(path, keys, value):
    return _edit(path, lambda d: _set(d, keys, value))


Q1_LOGS = ["log_entries", "Q1XVLHZ8R0K3TB", "log_entries"]
BAD = {
    # PagerDuty REST
    "pd wrong shape": ("pagerduty", json.dumps({"alerts": []}), ["expected a PagerDuty REST API v2", "alerts"]),
    "pd not an object": ("pagerduty", "[1, 2]", ["found a JSON list"]),
    "pd given an incident.io file": ("pagerduty", IIO.read_text(), ["record 1", "PagerDuty REST v2", "--format"]),
    "pd given an Opsgenie file": ("pagerduty", OG_ALERTS.read_text(), ["record 1", "PagerDuty Analytics", "--format"]),
    "og given a PagerDuty Analytics file": ("opsgenie", PD_ANALYTICS.read_text(), ["record 1", "Opsgenie", "--format"]),
    "iio given a PagerDuty REST file": ("incidentio", PD_REST.read_text(), ["record 1", "incident.io", "--format"]),
    "pd missing id": ("pagerduty", edit(PD_REST, ["incidents", 1, "id"], _DELETE), ["record 2", "field 'id'"]),
    "pd bad log timestamp": ("pagerduty", edit(PD_REST, Q1_LOGS + [1, "created_at"], "yesterday"),
                             ["record 1", "log_entries.Q1XVLHZ8R0K3TB[2].created_at", "yesterday"]),
    "pd naive created_at": ("pagerduty", edit(PD_REST, ["incidents", 2, "created_at"], "2026-03-07T08:00:00"),
                            ["record 3", "field 'created_at'", "no time zone"]),
    "pd unknown priority": ("pagerduty", edit(PD_REST, ["incidents", 0, "priority", "summary"], "Urgent"),
                            ["record 1", "priority.summary", "'Urgent'", "--severity-map"]),
    "pd no service": ("pagerduty", edit(PD_REST, ["incidents", 0, "service"], None), ["record 1", "service.summary"]),
    "pd ack before trigger": ("pagerduty", edit(PD_REST, Q1_LOGS + [3, "created_at"], "2026-03-02T09:59:00Z"),
                              ["record 1", "log_entries.Q1XVLHZ8R0K3TB[4].created_at", "acknowledged_at", "before detected_at"]),
    "pd truncated": ("pagerduty", PD_REST.read_text()[:300], ["invalid JSON", "line"]),
    # PagerDuty Analytics
    "pda missing id": ("pagerduty", edit(PD_ANALYTICS, ["data", 1, "id"], None), ["record 2", "field 'id'"]),
    "pda negative ack": ("pagerduty", edit(PD_ANALYTICS, ["data", 1, "seconds_to_first_ack"], -5),
                         ["record 2", "seconds_to_first_ack", "non-negative"]),
    "pda unknown urgency": ("pagerduty", _edit(PD_ANALYTICS, lambda d: d["data"][1].update(major=False, urgency="medium")),
                            ["record 2", "field 'urgency'", "'medium'"]),
    # without seconds_to_resolve, resolved_at is the resolution (with it, a disagreeing resolved_at only warns)
    "pda resolved before created": ("pagerduty", _edit(PD_ANALYTICS, lambda d: d["data"][2].update(
                                        resolved_at="2026-03-12T11:00:00Z", seconds_to_resolve=None)),
                                    ["record 3", "field 'resolved_at'", "before detected_at"]),
    # Opsgenie
    "og wrong shape": ("opsgenie", json.dumps({"alerts": [{}]}), ["expected an Opsgenie", "alerts"]),
    "og missing id": ("opsgenie", edit(OG_ALERTS, ["data", 2, "id"], ""), ["record 3", "field 'id'"]),
    "og bad createdAt": ("opsgenie", edit(OG_ALERTS, ["data", 0, "createdAt"], "2026-03-03 14:00"),
                         ["record 1", "field 'createdAt'", "no time zone"]),
    "og unknown priority": ("opsgenie", edit(OG_ALERTS, ["data", 1, "priority"], "P9"),
                            ["record 2", "field 'priority'", "'P9'"]),
    "og bad ackTime": ("opsgenie", edit(OG_ALERTS, ["data", 0, "report", "ackTime"], "90s"),
                       ["record 1", "report.ackTime", "milliseconds"]),
    "og closed before ack": ("opsgenie", edit(OG_ALERTS, ["data", 0, "report", "closeTime"], 60000),
                             ["record 1", "report.closeTime", "resolved_at", "before acknowledged_at"]),
    "og no service": ("opsgenie", edit(OG_ALERTS, ["data", 1, "entity"], _DELETE), ["record 2", "field 'tags'", "service:"]),
    "og truncated": ("opsgenie", OG_ALERTS.read_text()[:200], ["invalid JSON"]),
    # incident.io
    "iio wrong shape": ("incidentio", json.dumps({"data": []}), ["expected an incident.io", "data"]),
    "iio missing id": ("incidentio", edit(IIO, ["incidents", 1, "id"], _DELETE), ["record 2", "field 'id'"]),
    "iio bad timestamp": ("incidentio", edit(IIO, ["incidents", 0, "incident_timestamp_values", 2, "value", "value"], "soon"),
                          ["record 1", "incident_timestamp_values[3].value.value", "'soon'"]),
    "iio unknown severity": ("incidentio", edit(IIO, ["incidents", 1, "severity", "name"], "Sev Zero"),
                             ["record 2", "severity.name", "'Sev Zero'"]),
    "iio accepted before reported": ("incidentio", edit(IIO, ["incidents", 0, "incident_timestamp_values", 2, "value", "value"], "2026-03-08T08:59:00Z"),
                                     ["record 1", "incident_timestamp_values[3].value.value", "acknowledged_at", "before detected_at"]),
    "iio no service": ("incidentio", edit(IIO, ["incidents", 0, "custom_field_entries"], []),
                       ["record 1", "custom_field_entries", "Affected services"]),
    "iio truncated": ("incidentio", IIO.read_text()[:500], ["invalid JSON"]),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_vendor_input_writes_nothing(tmp_path, db, case):
    fmt, content, fragments = BAD[case]
    good = {"pagerduty": PD_ANALYTICS, "opsgenie": OG_INCIDENTS, "incidentio": IIO}[fmt]
    bad = write(tmp_path, "bad.json", content)
    result = ingest(db, fmt, good, bad)
    assert_bad_input(result, "bad.json", *fragments)
    assert count(db) == 0


def test_same_id_with_different_content_is_bad(tmp_path, db):
    changed = write(tmp_path, "again.json", edit(PD_ANALYTICS, ["data", 0, "description"], "Other title"))
    result = ingest(db, "pagerduty", PD_REST, changed)
    assert_bad_input(result, "again.json", "record 1", "pd:Q1XVLHZ8R0K3TB", "appears twice", "pagerduty_rest_incidents.json record 1")
    assert count(db) == 0


def test_vendor_file_missing(tmp_path, db):
    assert_bad_input(ingest(db, "opsgenie", tmp_path / "nope.json"), "nope.json", "no such file")
