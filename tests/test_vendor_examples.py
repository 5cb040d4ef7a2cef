"""The vendors' own published examples, imported as they are (tests/data/vendors/, sources in
tests/data/README.md): PagerDuty's OpenAPI examples, Opsgenie's docs sample, incident.io's
OpenAPI example. Variants are derived in the test from the verbatim file (the file stays as
published). Expected rows are worked out by hand from the example's fields.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, assert_bad_input, run_cli

VENDORS = ROOT / "tests" / "data" / "vendors"
PD_ANALYTICS = VENDORS / "pagerduty_openapi_analytics_raw_incidents.json"
PD_REST = VENDORS / "pagerduty_openapi_list_incidents.json"
OG_ALERTS = VENDORS / "opsgenie_docs_list_alerts.json"
OG_INCIDENT = VENDORS / "opsgenie_port_docs_incident.json"
OG_ALERT = VENDORS / "opsgenie_port_docs_alert.json"
IIO = VENDORS / "incidentio_openapi_list_incidents_v2.json"

COLUMNS = ("id, service, severity, started_at, detected_at, acknowledged_at, mitigated_at, resolved_at, "
           "closed_at, team, ack_unknown")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def rows(db, where="true"):
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(f"select {COLUMNS} from incidents where {where} order by id").fetchall()


def load(path: Path):
    return json.loads(path.read_text())


def write(tmp_path: Path, name: str, doc) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def ingest(db, fmt, *files, extra=()):
    return run_cli("ingest", "incidents", "--format", fmt, *extra, *files, "--json", db=db)


# --- PagerDuty Analytics: naive timestamps in the response's time_zone ----------------------------

PD_ANALYTICS_ROWS = [
    # priority SEV-2; 10:00:00 + 48 s; + 2,029 s (its resolved_at, 2023-05-30T10:00:05, is a day early)
    ("pd:PCOOHCY", "Social media tracking", "SEV-2", None, utc(2023, 5, 31, 10), utc(2023, 5, 31, 10, 0, 48), None,
     utc(2023, 5, 31, 10, 33, 49), None, "Marketing", False),
    # no priority, not major, urgency low: SEV-3; 10:05:00 + 5 s; + 3,305 s
    ("pd:PYC0H08", "Engineering", "SEV-3", None, utc(2023, 5, 31, 10, 5), utc(2023, 5, 31, 10, 5, 5), None,
     utc(2023, 5, 31, 11, 0, 5), None, None, False),
]


def test_pagerduty_analytics_example_imports_in_its_time_zone(db):
    assert load(PD_ANALYTICS)["time_zone"] == "Etc/UTC"
    result = ingest(db, "pagerduty", PD_ANALYTICS)
    assert result.code == 0, result.stderr
    summary = result.json()["files"][0]
    assert summary["incidents"] == 2
    assert rows(db) == PD_ANALYTICS_ROWS
    assert summary["warnings"] == [
        "record 1 (PYC0H08): resolved_at (2023-05-31T10:15:00Z) disagrees with created_at + seconds_to_resolve "
        "(2023-05-31T11:00:05Z); seconds_to_resolve used",
        "record 2 (PCOOHCY): resolved_at (2023-05-30T10:00:05Z) disagrees with created_at + seconds_to_resolve "
        "(2023-05-31T10:33:49Z); seconds_to_resolve used",
        "the response says more pages exist (more: true): this file holds only one page",
    ]
    assert "warning: the response says more pages exist" in result.stderr


@pytest.mark.parametrize(
    "zone_field, tz, detected",
    [
        ("America/New_York", None, utc(2023, 5, 31, 14, 5)),  # EDT, UTC-4 in May
        (None, "Europe/Berlin", utc(2023, 5, 31, 8, 5)),  # CEST, UTC+2: --tz when the response names none
        ("Asia/Kolkata", "Europe/Berlin", utc(2023, 5, 31, 4, 35)),  # the response's own zone wins
    ],
    ids=["response zone", "--tz", "response zone over --tz"],
)
def test_pagerduty_analytics_zone(tmp_path, db, zone_field, tz, detected):
    doc = load(PD_ANALYTICS)
    if zone_field is None:
        del doc["time_zone"]
    else:
        doc["time_zone"] = zone_field
    result = ingest(db, "pagerduty", write(tmp_path, "pda.json", doc), extra=("--tz", tz) if tz else ())
    assert result.code == 0, result.stderr
    assert rows(db, "id = 'pd:PYC0H08'")[0][4] == detected
    if zone_field and tz:
        assert f"--tz {tz} ignored: the response says its times are in {zone_field} (time_zone)" in result.json()["files"][0]["warnings"]


@pytest.mark.parametrize(
    "local, utc_expected",
    [
        ("2023-11-05T00:59:59", utc(2023, 11, 5, 4, 59, 59)),  # EDT, a second before the repeated hour
        ("2023-11-05T01:30:00", utc(2023, 11, 5, 5, 30)),  # repeated hour: its first occurrence (EDT)
        ("2023-11-05T02:00:00", utc(2023, 11, 5, 7)),  # EST after the change
        ("2023-03-12T02:30:00", utc(2023, 3, 12, 7, 30)),  # skipped hour: the offset before the change (EST)
    ],
    ids=["before fall-back", "repeated hour", "after fall-back", "skipped hour"],
)
def test_pagerduty_analytics_dst_in_the_response_zone(tmp_path, db, local, utc_expected):
    doc = load(PD_ANALYTICS)
    doc["time_zone"] = "America/New_York"
    doc["data"] = doc["data"][:1]
    doc["data"][0].update(created_at=local, resolved_at=None)
    result = ingest(db, "pagerduty", write(tmp_path, "pda.json", doc))
    assert result.code == 0, result.stderr
    # detected in the zone; acknowledged 5 s and resolved 3,305 s later, whatever the wall clock did
    assert rows(db)[0][4:8] == (utc_expected, utc_expected + timedelta(seconds=5), None,
                                utc_expected + timedelta(seconds=3305))


def test_pagerduty_analytics_without_any_zone_is_bad_input(tmp_path, db):
    doc = load(PD_ANALYTICS)
    del doc["time_zone"]
    result = ingest(db, "pagerduty", write(tmp_path, "pda.json", doc))
    assert_bad_input(result, "pda.json", "record 1", "field 'created_at'", "no time zone", "--tz")
    assert not db.exists() or rows(db) == []
    bad = ingest(db, "pagerduty", write(tmp_path, "pda2.json", load(PD_ANALYTICS)), extra=("--tz", "Mars/Olympus"))
    assert_bad_input(bad, "--tz", "Mars/Olympus")


# --- PagerDuty REST without log entries: acknowledgement unknown -------------------------------------

def test_pagerduty_rest_example_ack_is_unknown_not_missed(tmp_path, db):
    result = ingest(db, "pagerduty", PD_REST)
    assert result.code == 0, result.stderr
    summary = result.json()["files"][0]
    assert (summary["incidents"], summary["ack_unknown"]) == (1, 1)
    assert summary["warnings"] == ["the response says more pages exist (more: true): this file holds only one page"]
    # resolved, acknowledgements [] and no log entries in the file: unknown, not "never acknowledged"
    assert rows(db) == [("pd:PT4KHLK", "My Mail Service", "SEV-2", None, utc(2015, 10, 6, 21, 30, 42), None, None,
                         utc(2015, 10, 6, 21, 38, 23), None, "Engineering", True)]

    incidents = run_cli("incidents", "--month", "2015-10", "--json", db=db).json()
    assert incidents["overall"]["ack_target_met"] is None and incidents["overall"]["ack_unknown"] == 1
    assert incidents["by_severity"]["SEV-2"]["ack_target_met"] is None
    assert incidents["by_severity"]["SEV-2"]["ack_unknown"] == 1
    table = run_cli("incidents", "--month", "2015-10", db=db).stdout
    assert "ack unknown" in table

    compliance = run_cli("compliance", "--month", "2015-10", "--json", db=db).json()["response"]["SEV-2"]
    assert (compliance["met"], compliance["missed"], compliance["never_acknowledged"]) == (0, 0, 0)
    assert (compliance["ack_unknown"], compliance["ack_unknown_ids"], compliance["met_share"]) == (1, ["pd:PT4KHLK"], None)

    import reliability

    api = reliability.open(db).compliance(month="2015-10")
    sev2 = api[api["severity"] == "SEV-2"].iloc[0]
    assert (sev2["missed"], sev2["ack_unknown"], sev2["met_share"]) == (0, 1, None)

    from reliability.app import data

    report = data.incident_report(str(db), "2015-10", "2015-10")
    assert (report["response"]["SEV-2"]["missed"], report["response"]["SEV-2"]["ack_unknown"]) == (0, 1)

    out = tmp_path / "review.md"
    assert run_cli("report", "monthly", "--month", "2015-10", "--out", out, db=db).code == 0
    assert "Acknowledgement unknown (neither met nor missed a response target): 1 (pd:PT4KHLK)" in out.read_text()


def test_pagerduty_rest_ack_known_with_its_log(tmp_path, db):
    """The same incident with a log that has no acknowledge entry: never acknowledged (a miss)."""
    doc = load(PD_REST)
    doc["incidents"][0]["log_entries"] = [{"type": "trigger_log_entry", "created_at": "2015-10-06T21:30:42Z"}]
    assert ingest(db, "pagerduty", write(tmp_path, "pd.json", doc)).code == 0
    assert rows(db)[0][-1] is False
    compliance = run_cli("compliance", "--month", "2015-10", "--json", db=db).json()["response"]["SEV-2"]
    assert (compliance["missed"], compliance["never_acknowledged"], compliance["ack_unknown"]) == (1, 1, 0)


def test_pagerduty_merged_incident_is_skipped(tmp_path, db):
    doc = load(PD_REST)
    merged = copy.deepcopy(doc["incidents"][0])
    merged.update(id="PMERGED1", incident_number=1235,
                  resolve_reason={"type": "merge_resolve_reason", "incident": {"id": "PT4KHLK", "type": "incident_reference"}})
    doc["incidents"].append(merged)
    result = ingest(db, "pagerduty", write(tmp_path, "pd.json", doc))
    assert result.code == 0, result.stderr
    summary = result.json()["files"][0]
    assert (summary["incidents"], summary["skipped"]) == (1, 1)
    assert summary["skipped_records"] == [{"record": 2, "id": "PMERGED1", "reason": "merged into incident PT4KHLK",
                                           "kind": "excluded"}]
    assert [r[0] for r in rows(db)] == ["pd:PT4KHLK"]


# --- Opsgenie: impact window, service mapping, --skip-invalid -----------------------------------------

def test_opsgenie_docs_alerts_need_a_service_and_skip_invalid(tmp_path, db):
    # the docs' sample names no service (no service: tag, no details, no entity)
    assert_bad_input(ingest(db, "opsgenie", OG_ALERTS), "opsgenie_docs_list_alerts.json", "record 1", "no service",
                     "--service-map")
    smap = tmp_path / "services.yaml"
    smap.write_text("alias:\n  event_573: checkout\n")
    # both records carry the same id with different content: all or nothing refuses the file
    refused = ingest(db, "opsgenie", OG_ALERTS, extra=("--service-map", smap))
    assert_bad_input(refused, "record 2", "appears twice with different content")
    assert not db.exists() or rows(db) == []

    result = ingest(db, "opsgenie", OG_ALERTS, extra=("--service-map", smap, "--skip-invalid"))
    assert result.code == 0, result.stderr
    summary = result.json()["files"][0]
    assert (summary["incidents"], summary["invalid"], summary["skipped"]) == (1, 1, 0)
    assert summary["skipped_records"] == [{
        "record": 2, "id": "70413a06-38d6-4c85-92b8-5ebc900d42e2", "kind": "invalid",
        "reason": "field 'id': incident 'og:70413a06-38d6-4c85-92b8-5ebc900d42e2' appears twice with different "
                  "content (also in record 1)"}]
    assert summary["no_service"] == [{"record": 1, "id": "og:70413a06-38d6-4c85-92b8-5ebc900d42e2",
                                      "service": "checkout", "from": "service map: alias"}]
    assert summary["warnings"] == ["the response says more pages exist (paging.next is set): this file holds only one page"]
    assert "invalid: record 2 (70413a06-38d6-4c85-92b8-5ebc900d42e2)" in result.stderr
    # createdAt 20:32:52.353 + ackTime 15,702 ms + closeTime 60,503 ms; P4 -> SEV-4
    assert rows(db) == [("og:70413a06-38d6-4c85-92b8-5ebc900d42e2", "checkout", "SEV-4", None,
                         utc(2017, 3, 21, 20, 32, 52, 353000), utc(2017, 3, 21, 20, 33, 8, 55000), None,
                         utc(2017, 3, 21, 20, 33, 52, 856000), None, None, False)]


def test_opsgenie_incident_impact_window_and_service_id(tmp_path, db):
    doc = {"data": [load(OG_INCIDENT)]}  # one Incident API record, in the list response's envelope
    result = ingest(db, "opsgenie", write(tmp_path, "og.json", doc))
    assert result.code == 0, result.stderr
    summary = result.json()["files"][0]
    # the incident names its service by id only: used as it is, and reported
    assert summary["no_service"] == [{"record": 1, "id": "og:652f14b3-019a-4d4c-8b83-e4da527a416c",
                                      "service": "daa0d66f-ad35-4396-b30d-70f0314c697a",
                                      "from": "impactedServices id (no name: map it under service_id)"}]
    assert summary["ack_unknown"] == 1  # the Incident API carries no acknowledgement
    smap = tmp_path / "services.json"
    smap.write_text(json.dumps({"service_id": {"daa0d66f-ad35-4396-b30d-70f0314c697a": "outbound"}}))
    assert ingest(db, "opsgenie", write(tmp_path, "og.json", doc), extra=("--service-map", smap)).code == 0
    assert rows(db) == [("og:652f14b3-019a-4d4c-8b83-e4da527a416c", "outbound", "SEV-3",
                         utc(2023, 9, 26, 17, 6, 16, 824000), utc(2023, 9, 26, 17, 6, 16, 824000), None,
                         utc(2023, 9, 26, 17, 45, 25, 719000), None, None, None, True)]


@pytest.mark.parametrize(
    "mapping, service, origin",
    [
        ("default: unassigned\n", "unassigned", "service map: default"),
        ("from: [integration]\n", "Default API", "service map: from integration"),
        ("source:\n  dev@domain.com: platform\ndefault: unassigned\n", "platform", "service map: source"),
    ],
    ids=["default", "from integration", "source table before default"],
)
def test_opsgenie_alert_without_service_mapped(tmp_path, db, mapping, service, origin):
    smap = tmp_path / "services.yaml"
    smap.write_text(mapping)
    doc = {"data": [load(OG_ALERT)]}
    result = ingest(db, "opsgenie", write(tmp_path, "og.json", doc), extra=("--service-map", smap))
    assert result.code == 0, result.stderr
    assert result.json()["files"][0]["no_service"][0]["from"] == origin
    # open, acknowledged: false, no report: never acknowledged so far (known)
    assert [(r[1], r[5], r[-1]) for r in rows(db)] == [(service, None, False)]


@pytest.mark.parametrize(
    "content, fragments",
    [
        ("aliases: {a: b}\n", ["services.yaml", "field 'aliases'", "unknown key"]),
        ("from: [owner]\n", ["services.yaml", "field 'from'", "'owner'"]),
        ("tag: {Critical: ''}\n", ["services.yaml", "field 'tag.Critical'", "service name"]),
    ],
    ids=["unknown key", "unknown from field", "empty service"],
)
def test_bad_service_map(tmp_path, db, content, fragments):
    smap = tmp_path / "services.yaml"
    smap.write_text(content)
    assert_bad_input(ingest(db, "opsgenie", OG_ALERTS, extra=("--service-map", smap)), *fragments)


def test_vendor_only_options_refused_for_generic(tmp_path, db):
    generic = tmp_path / "inc.json"
    generic.write_text(json.dumps([{"id": "G1", "service": "api", "severity": "SEV-1", "detected_at": "2026-03-01T00:00:00Z"}]))
    assert_bad_input(run_cli("ingest", "incidents", generic, "--skip-invalid", db=db), "--skip-invalid", "--format")


# --- incident.io ---------------------------------------------------------------------------------

IIO_SERVICES = "team:\n  Primary On-call: database\n"


def _iio(status="closed", mode="standard", stamps=None, severity=True, created_at=None):
    doc = load(IIO)
    inc = doc["incidents"][0]
    inc["incident_status"]["category"] = status
    inc["mode"] = mode
    if stamps is not None:
        inc["incident_timestamp_values"] = [
            {"incident_timestamp": {"id": f"ts{k}", "name": name, "rank": k}, "value": {"value": value}}
            for k, (name, value) in enumerate(stamps, start=1)
        ]
    if not severity:
        inc["severity"] = None
    if created_at:
        inc["created_at"] = created_at
    return doc


def _iio_ingest(tmp_path, db, doc, extra=()):
    smap = tmp_path / "services.yaml"
    smap.write_text(IIO_SERVICES)
    return ingest(db, "incidentio", write(tmp_path, "io.json", doc), extra=("--service-map", smap, *extra))


def test_incidentio_example_triage_is_not_imported(db):
    result = ingest(db, "incidentio", IIO)
    assert result.code == 0, result.stderr
    summary = result.json()["files"][0]
    assert (summary["incidents"], summary["skipped"]) == (0, 1)
    assert summary["skipped_records"] == [{"record": 1, "id": "01FDAG4SAP5TYPT98WGR2N7W91", "kind": "excluded",
                                           "reason": "status category triage: not an accepted incident"}]
    # one incident of 238, with pagination_meta.after set
    assert summary["warnings"] == [
        "the response says more pages exist (pagination_meta.after is set): this file holds only one page"]


def test_incidentio_retrospective_imports(tmp_path, db):
    doc = _iio(mode="retrospective", created_at="2021-08-20T09:00:00Z",  # written up three days later
               stamps=[("Impact started", "2021-08-17T13:28:57.801578Z"), ("Fixed at", "2021-08-17T14:10:00Z"),
                       ("Resolved at", "2021-08-17T15:00:00Z")])
    result = _iio_ingest(tmp_path, db, doc)
    assert result.code == 0, result.stderr
    start = utc(2021, 8, 17, 13, 28, 57, 801578)
    assert rows(db) == [("iio:INC-123", "database", "SEV-3", start, start, None, utc(2021, 8, 17, 14, 10),
                         utc(2021, 8, 17, 15), None, "Primary On-call", True)]
    assert result.json()["files"][0]["no_service"] == [
        {"record": 1, "id": "iio:INC-123", "service": "database", "from": "service map: team"}]


def test_incidentio_retrospective_without_detection_time_is_bad(tmp_path, db):
    doc = _iio(mode="retrospective", stamps=[("Resolved at", "2021-08-17T15:00:00Z")])
    assert_bad_input(_iio_ingest(tmp_path, db, doc), "io.json", "record 1", "retrospective", "Reported at")


def test_incidentio_declared_at_and_closed_at(tmp_path, db):
    """Default lifecycle, no "Reported at" and no "Resolved at": detected and acknowledged at
    "Declared at", resolved (and closed) at "Closed at"."""
    doc = _iio(stamps=[("Impact started", "2021-08-17T13:28:57.801578Z"), ("Declared at", "2021-08-17T13:40:00Z"),
                       ("Closed at", "2021-08-17T14:30:00Z")])
    result = _iio_ingest(tmp_path, db, doc)
    assert result.code == 0, result.stderr
    declared, closed = utc(2021, 8, 17, 13, 40), utc(2021, 8, 17, 14, 30)
    assert rows(db) == [("iio:INC-123", "database", "SEV-3", utc(2021, 8, 17, 13, 28, 57, 801578), declared, declared,
                         None, closed, closed, "Primary On-call", False)]


def test_incidentio_reported_accepted(tmp_path, db):
    doc = _iio(stamps=[("Reported at", "2021-08-17T13:30:00Z"), ("Accepted at", "2021-08-17T13:33:00Z"),
                       ("Declared at", "2021-08-17T13:34:00Z"), ("Resolved at", "2021-08-17T14:00:00Z"),
                       ("Closed at", "2021-08-18T09:00:00Z")])
    assert _iio_ingest(tmp_path, db, doc).code == 0
    assert rows(db)[0][4:9] == (utc(2021, 8, 17, 13, 30), utc(2021, 8, 17, 13, 33), None, utc(2021, 8, 17, 14),
                                utc(2021, 8, 18, 9))


def test_incidentio_missing_severity_is_listed_not_refused(tmp_path, db):
    doc = _iio(status="live", severity=False)
    result = _iio_ingest(tmp_path, db, doc)
    assert result.code == 0, result.stderr
    summary = result.json()["files"][0]
    assert (summary["incidents"], summary["skipped"]) == (0, 1)
    assert summary["skipped_records"][0]["reason"].startswith("no severity: its response target cannot be known")
    sev = tmp_path / "sev.yaml"
    sev.write_text("incidentio:\n  none: SEV-4\n")
    mapped = _iio_ingest(tmp_path, db, doc, extra=("--severity-map", sev))
    assert mapped.code == 0, mapped.stderr
    assert [(r[0], r[2]) for r in rows(db)] == [("iio:INC-123", "SEV-4")]


def test_app_incidents_page_shows_ack_unknown_apart(db, monkeypatch):
    """A database of imported incidents alone: the incidents page has its month, and the
    response-target table shows the incident as ack unknown, not missed."""
    from streamlit.testing.v1 import AppTest

    assert ingest(db, "pagerduty", PD_REST).code == 0
    monkeypatch.setenv("RELIABILITY_DB", str(db))
    at = AppTest.from_file(str(ROOT / "reliability" / "app" / "pages" / "incidents.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.selectbox][:2] == ["2015-10", "2015-10"]
    from app_fixtures import shown_tables

    table = next(t for t in shown_tables(at) if "ack unknown" in t.columns)
    sev2 = table[table["severity"] == "SEV-2"].iloc[0]
    assert (sev2["incidents"], sev2["met"], sev2["missed"], sev2["ack unknown"]) == ("1", "0", "0", "1")
    assert sev2["ack unknown ids"] == "pd:PT4KHLK" and sev2["met %"] == "-"  # unknown, not 0 %
