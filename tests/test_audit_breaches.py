"""`audit breaches`: the breach process on hand-built breaches, every step present and each
missing in turn.

Each service has one SLO (Timeslices, target 0.999, timeSliceTarget 0.95, UTC) and rows only
for 2026-03-10 10:00-11:59 (100 requests a minute), 50 of them bad (10:00-10:49, 50 good):
March has 31 days, 44,640 slices, 44.64 allowed; attainment 1 - 50/44,640 < 0.999, a breach —
with --min-coverage 0, since 120 of 44,640 slices have data. With the default 0.9 every month is
insufficient data: never a breach. svc-internal has target 0.99 (446.4 allowed) and 500 bad
minutes: a breach below the credit tiers' 99.9 %, so credits do not apply.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from conftest import assert_bad_input, run_cli
from test_sla import slo_yaml

SERVICES = ("full", "noinc", "sev3only", "norca", "nopm", "latepm", "noplan", "noowner", "nodue")
AS_OF = "2026-04-15T00:00:00Z"


def _incident(ident, service, sev="SEV-2", **more):
    base = {"id": ident, "service": service, "severity": sev, "title": f"{service} outage",
            "started_at": "2026-03-10T10:00:00Z", "detected_at": "2026-03-10T10:03:00Z",
            "mitigated_at": "2026-03-10T10:50:00Z", "resolved_at": "2026-03-10T11:00:00Z",
            "root_cause": "a bad config push", "postmortem_published_at": "2026-03-12T09:00:00Z",
            "action_items": [{"title": "Validate configs", "owner": "ana", "due": "2026-03-31", "done": False}]}
    return base | more


@pytest.fixture(scope="module")
def bdb(tmp_path_factory):
    base = tmp_path_factory.mktemp("breaches")
    docs = [slo_yaml(f"{s}-avail", "Timeslices", "UTC", service=s) for s in SERVICES]
    docs.append(slo_yaml("internal-avail", "Timeslices", "UTC", service="internal", target="target: 0.99"))
    (base / "slos.yaml").write_text("---\n".join(docs))
    t0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    lines = ["timestamp,service,sli,good,total"]
    for s in SERVICES:
        for i in range(120):
            lines.append(f"{(t0 + timedelta(minutes=i)):%Y-%m-%dT%H:%M:%SZ},{s},availability,{50 if i < 50 else 100},100")
    for i in range(600):
        lines.append(f"{(t0 + timedelta(minutes=i)):%Y-%m-%dT%H:%M:%SZ},internal,availability,{50 if i < 500 else 100},100")
    (base / "series.csv").write_text("\n".join(lines) + "\n")
    incidents = [
        _incident("F1", "full", "SEV-1"),
        _incident("F2", "full", "SEV-4", root_cause=None, action_items=[]),  # not one of the breach's incidents
        # Touches March's start without overlapping it: [Feb 28 23:00, Mar 1 00:00).
        _incident("N0", "noinc", "SEV-1", started_at="2026-02-28T23:00:00Z", detected_at="2026-02-28T23:00:00Z",
                  mitigated_at="2026-03-01T00:00:00Z", resolved_at="2026-03-01T00:00:00Z"),
        _incident("S3", "sev3only", "SEV-3"),
        _incident("R1", "norca", root_cause=None),
        _incident("P1", "nopm", postmortem_published_at=None),
        _incident("L1", "latepm", postmortem_published_at="2026-04-20T00:00:00Z"),  # after --as-of
        _incident("A1", "noplan", action_items=[]),
        _incident("O1", "noowner", action_items=[{"title": "x", "due": "2026-03-31", "done": False}]),
        _incident("D1", "nodue", action_items=[{"title": "y", "owner": "bo", "done": False}]),
        _incident("I1", "internal"),
    ]
    (base / "incidents.json").write_text(json.dumps(incidents))
    db = base / "b.duckdb"
    for args in (("slo", "apply", base / "slos.yaml"), ("ingest", "series", base / "series.csv"),
                 ("ingest", "incidents", base / "incidents.json")):
        r = run_cli(*args, db=db)
        assert r.code == 0, r.stderr
    return db


@pytest.fixture(scope="module")
def doc(bdb):
    r = run_cli("audit", "breaches", "--month", "2026-03", "--min-coverage", "0", "--as-of", AS_OF, "--json", db=bdb)
    assert r.code == 0, r.stderr
    return r.json()


def _by(doc) -> dict:
    return {b["slo"]: b for b in doc["breaches"]}


def _statuses(b) -> dict:
    return {k: v["status"] for k, v in b["steps"].items()}


DONE = {"incident_declared": "done", "root_cause": "done", "postmortem": "done",
        "customer_postmortem": "not_applicable", "credits": "done", "action_plan": "done"}


def test_every_step_present(doc):
    b = _by(doc)["full-avail"]
    assert _statuses(b) == DONE and b["complete"] is True and b["missing"] == []
    assert b["steps"]["incident_declared"]["incidents"] == ["F1"]
    assert b["steps"]["incident_declared"]["evidence"] == "declared: F1 (SEV-1)"
    assert b["steps"]["credits"]["credit_percent"] == 10.0 and b["steps"]["credits"]["covered"] is True
    assert b["attainment"] == 1 - 50 / 44640 and b["month"] == "2026-03"
    assert [i["id"] for i in b["incidents"]] == ["F1", "F2"]


@pytest.mark.parametrize("slo, missing", [
    ("noinc-avail", ["incident_declared", "root_cause", "postmortem", "action_plan"]),
    ("sev3only-avail", ["incident_declared", "root_cause", "postmortem", "action_plan"]),
    ("norca-avail", ["root_cause"]),
    ("nopm-avail", ["postmortem"]),
    ("latepm-avail", ["postmortem"]),
    ("noplan-avail", ["action_plan"]),
    ("noowner-avail", ["action_plan"]),
    ("nodue-avail", ["action_plan"]),
])
def test_each_step_missing_in_turn(doc, slo, missing):
    b = _by(doc)[slo]
    assert b["missing"] == missing and b["complete"] is False
    assert _statuses(b) == DONE | {m: "missing" for m in missing}


def test_the_evidence_names_what_decides(doc):
    by = _by(doc)
    assert by["noinc-avail"]["steps"]["incident_declared"]["evidence"] == \
        "no SEV-1 or SEV-2 incident overlaps the month; no incident at all"
    assert by["sev3only-avail"]["steps"]["incident_declared"]["evidence"] == \
        "no SEV-1 or SEV-2 incident overlaps the month; only S3 (SEV-3)"
    assert by["norca-avail"]["steps"]["root_cause"]["lacking"] == ["R1"]
    assert by["latepm-avail"]["steps"]["postmortem"]["lacking"] == ["L1"]
    assert by["noowner-avail"]["steps"]["action_plan"]["without_owner"] == ["O1 #1"]
    assert by["nodue-avail"]["steps"]["action_plan"]["without_due"] == ["D1 #1"]
    assert by["noplan-avail"]["steps"]["action_plan"]["evidence"] == "no action items on A1"


def test_credits_do_not_apply_below_the_sla_target(doc):
    b = _by(doc)["internal-avail"]
    assert b["steps"]["credits"]["status"] == "not_applicable" and b["steps"]["credits"]["covered"] is False
    assert b["complete"] is True


def test_summary_and_the_contract_hook(doc):
    assert doc["summary"]["breaches"] == 10 and doc["summary"]["complete"] == 2
    assert doc["summary"]["missing_action_plan"] == 5 and doc["summary"]["missing_credits"] == 0
    # No customer contract stored: no contractual breach (the sample's are in test_audit_sample).
    assert doc["contractual"]["supported"] is True and doc["contractual"]["breaches"] == []
    assert doc["contractual"]["summary"]["breaches"] == 0


def test_insufficient_data_is_never_a_breach(bdb):
    doc = run_cli("audit", "breaches", "--month", "2026-03", "--as-of", AS_OF, "--json", db=bdb).json()
    assert doc["breaches"] == [] and doc["summary"]["insufficient_data"] == 10
    assert {i["slo"] for i in doc["insufficient_data"]} >= {"full-avail", "internal-avail"}


def test_table_slo_filter_and_bad_input(bdb):
    r = run_cli("audit", "breaches", "--month", "2026-03", "--min-coverage", "0", "--as-of", AS_OF, db=bdb)
    assert r.code == 0 and "MISSING" in r.stdout and "no action items on A1" in r.stdout
    one = run_cli("audit", "breaches", "--month", "2026-03", "--min-coverage", "0", "--slo", "full-avail",
                  "--json", db=bdb).json()
    assert [b["slo"] for b in one["breaches"]] == ["full-avail"]
    assert_bad_input(run_cli("audit", "breaches", "--month", "2026-03", "--slo", "nope", db=bdb), "--slo")
    assert_bad_input(run_cli("audit", "breaches", "--month", "2026-03", "--min-coverage", "2", db=bdb),
                     "--min-coverage")
