"""`audit policy`: the error-budget policy's violations on a hand-built history, checked by hand.

Services and SLOs (all 1-minute slices, UTC):

- api-avail (Timeslices, target 0.999, timeSliceTarget 0.95): rows 2026-02-01 00:00 to
  2026-03-10 00:00, 100 requests a minute, all good except the 41 minutes 2026-03-05
  12:00-12:41 (50 good: bad slices). The default trailing window is 28 days = 40,320 slices,
  allowed 0.001 x 40,320 = 40.32 bad slices. At boundary 12:40 the window holds 40 bad slices:
  remaining 1 - 40/40.32 = 1/126. At 12:41 it holds 41: 1 - 41/40.32 = -17/1008, and the
  budget stays spent until 41 bad minutes leave the window (2026-04-02 12:01): so it "runs
  out" at 12:41. Deployments: 12:40 (a minute before: allowed), 12:41 (at: violation), 12:42
  (a minute after: violation), 2026-03-06 09:00 "Fix retry storm" (a fix: allowed, listed).
- web-avail (same): 50 bad minutes 2026-03-04 10:00-10:50, all inside exemption EX-DEP
  (a dependency outage). A deployment at 2026-03-05 00:00 sees 50 bad (remaining 1 - 50/40.32
  < 0) without the exemption and 0 with it: exempted, the freeze lifted by EX-DEP.
- thin-avail: rows only from 2026-03-01: a deployment on 2026-03-03 00:00 has 2 days of 28 of
  data (coverage 2880/40320 = 1/14): undetermined.
- pay-avail (Occurrences, target 0.99): rows 2026-03-10 10:00-10:59 only, 100 requests a
  minute: 6,000 events, allowed 60 failed. Incidents (SEV-2): A [10:00, 10:12) 12 failed =
  exactly 20 % (not over); B [10:20, 10:30) 13 failed = 13/60 (over; post-mortem and a P0
  item: compliant); C [10:40, 10:50) 20 failed = 1/3 (over; no post-mortem, only a P1 item:
  violation, or pending as of 2026-03-10 12:00, before its 48 h deadline). SEV-1s: S1OK
  post-mortem exactly 48 h after resolution (on time), S1LATE 48 h 0 min 1 s (late).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from conftest import assert_bad_input, run_cli
from test_sla import slo_yaml

T0 = datetime(2026, 2, 1, tzinfo=UTC)
POLICY = """\
apiVersion: reliability/v1
kind: ErrorBudgetPolicy
metadata:
  name: test-policy
spec:
  exemptions:
    - id: EX-DEP
      kind: dependency-outage
      reason: upstream DNS provider outage
      service: web
      start: 2026-03-04T10:00:00Z
      end: 2026-03-04T10:50:00Z
"""


def _z(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _minutes(service: str, start: datetime, count: int, good_at) -> list[str]:
    return [f"{_z(start + timedelta(minutes=i))},{service},availability,{good_at(start + timedelta(minutes=i))},100"
            for i in range(count)]


@pytest.fixture(scope="module")
def pdb(tmp_path_factory):
    base = tmp_path_factory.mktemp("policy")
    (base / "slos.yaml").write_text("---\n".join([
        slo_yaml("api-avail", "Timeslices", "UTC", service="api"),
        slo_yaml("web-avail", "Timeslices", "UTC", service="web"),
        slo_yaml("thin-avail", "Timeslices", "UTC", service="thin"),
        slo_yaml("pay-avail", "Occurrences", "UTC", service="pay", target="target: 0.99"),
    ]))
    days37 = 37 * 1440
    api_bad = (datetime(2026, 3, 5, 12, 0, tzinfo=UTC), datetime(2026, 3, 5, 12, 41, tzinfo=UTC))
    web_bad = (datetime(2026, 3, 4, 10, 0, tzinfo=UTC), datetime(2026, 3, 4, 10, 50, tzinfo=UTC))
    pay_failed = {**{m: 1 for m in range(0, 12)}, 20: 4, **{m: 1 for m in range(21, 30)}, **{m: 2 for m in range(40, 50)}}
    lines = ["timestamp,service,sli,good,total"]
    lines += _minutes("api", T0, days37, lambda t: 50 if api_bad[0] <= t < api_bad[1] else 100)
    lines += _minutes("web", T0, days37, lambda t: 50 if web_bad[0] <= t < web_bad[1] else 100)
    lines += _minutes("thin", datetime(2026, 3, 1, tzinfo=UTC), 3 * 1440, lambda t: 100)
    p0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    lines += _minutes("pay", p0, 60, lambda t: 100 - pay_failed.get(int((t - p0).total_seconds() // 60), 0))
    (base / "series.csv").write_text("\n".join(lines) + "\n")
    (base / "deployments.csv").write_text("\n".join([
        "id,service,deployed_at,version,description,rolled_back",
        "D-BEFORE,api,2026-03-05T12:40:00Z,v1.1,Add search filters,false",
        "D-AT,api,2026-03-05T12:41:00Z,v1.2,Add sorting,false",
        "D-AFTER,api,2026-03-05T12:42:00Z,v1.3,New checkout banner,false",
        "D-FIX,api,2026-03-06T09:00:00Z,v1.4,Fix retry storm,false",
        "D-WEB,web,2026-03-05T00:00:00Z,v2.0,Redesign,false",
        "D-THIN,thin,2026-03-03T00:00:00Z,v3.0,First release,false",
    ]) + "\n")

    def inc(ident, sev, start, end, **more):
        return {"id": ident, "service": "pay", "severity": sev, "title": ident, "started_at": start,
                "detected_at": start, "mitigated_at": end, "resolved_at": end, **more}

    (base / "incidents.json").write_text(json.dumps([
        inc("A", "SEV-2", "2026-03-10T10:00:00Z", "2026-03-10T10:12:00Z"),
        inc("B", "SEV-2", "2026-03-10T10:20:00Z", "2026-03-10T10:30:00Z",
            postmortem_published_at="2026-03-11T10:00:00Z", postmortem_url="https://wiki/B",
            action_items=[{"title": "Cap retries", "owner": "ana", "due": "2026-03-20", "done": False,
                           "priority": "P0"}]),
        inc("C", "SEV-2", "2026-03-10T10:40:00Z", "2026-03-10T10:50:00Z",
            action_items=[{"title": "Tune alert", "owner": "bo", "due": "2026-03-20", "done": False,
                           "priority": "p1"}]),
        inc("S1OK", "SEV-1", "2026-03-11T00:00:00Z", "2026-03-11T01:00:00Z",
            postmortem_published_at="2026-03-13T01:00:00Z"),
        inc("S1LATE", "SEV-1", "2026-03-12T00:00:00Z", "2026-03-12T01:00:00Z",
            postmortem_published_at="2026-03-14T01:00:01Z"),
    ]))
    (base / "policy.yaml").write_text(POLICY)
    db = base / "p.duckdb"
    for args in (("slo", "apply", base / "slos.yaml"), ("ingest", "series", base / "series.csv"),
                 ("ingest", "incidents", base / "incidents.json"),
                 ("ingest", "deployments", base / "deployments.csv"), ("policy", "apply", base / "policy.yaml")):
        r = run_cli(*args, db=db)
        assert r.code == 0, r.stderr
    return db


@pytest.fixture(scope="module")
def march(pdb):
    r = run_cli("audit", "policy", "--month", "2026-03", "--as-of", "2026-04-01T00:00:00Z", "--json", db=pdb)
    assert r.code == 0, r.stderr
    return r.json()


def _judged(doc) -> dict:
    return {j["id"]: j for j in doc["release_freeze"]["judged"]}


def test_deploy_one_minute_before_and_after_the_trailing_budget_runs_out(march):
    judged = _judged(march)
    before, at, after = judged["D-BEFORE"], judged["D-AT"], judged["D-AFTER"]
    assert before["verdict"] == "allowed"
    b = before["slos"][0]
    assert (b["status"], b["bad"], b["allowed_bad"], b["remaining"]) == ("ok", 40.0, 40.32, 1 / 126)
    assert (b["window_start"], b["window_end"]) == ("2026-02-05T12:40:00Z", "2026-03-05T12:40:00Z")
    for j in (at, after):
        assert j["verdict"] == "violation"
        s = j["slos"][0]
        assert (s["slo"], s["status"], s["bad"], s["allowed_bad"]) == ("api-avail", "exhausted", 41.0, 40.32)
        assert s["remaining"] == -17 / 1008 and s["frozen_since"] == "2026-03-05T12:41:00Z"
        assert s["data_coverage"] == 1.0
    found = [v for v in march["violations"] if v["rule"] == "release_freeze"]
    assert [(v["subject"], v["service"], v["at"], v["slo"]) for v in found] == [
        ("D-AT", "api", "2026-03-05T12:41:00Z", "api-avail"), ("D-AFTER", "api", "2026-03-05T12:42:00Z", "api-avail")]
    assert found[0]["evidence"]["trailing_budget_remaining"] == -17 / 1008
    # Which window the budget is over, said (the month's budget differs: -108.3 % against -130.7 %
    # over the trailing 28 days for search-availability in March 2026).
    assert found[0]["detail"] == "deployed during a freeze: api-avail had -1.7% of its error budget left over " \
        "the trailing 28d"


def test_a_fix_may_ship_during_a_freeze_and_the_freeze_is_listed(march):
    fix = _judged(march)["D-FIX"]
    assert fix["verdict"] == "fix_during_freeze" and fix["is_fix"] is True
    assert {"slo": "api-avail", "service": "api", "start": "2026-03-05T12:41:00Z", "end": None} in \
        march["release_freeze"]["freezes"]


def test_an_exemption_lifts_the_freeze_and_is_reported(march):
    web = _judged(march)["D-WEB"]
    assert web["verdict"] == "exempted"
    s = web["slos"][0]
    assert (s["status"], s["bad"], s["remaining"], s["exempted_by"]) == ("ok", 0.0, 1.0, ["EX-DEP"])
    assert s["remaining_without_exemptions"] == -121 / 504  # 1 - 50/40.32, exactly
    ex = march["release_freeze"]["exemptions"]
    assert [(e["id"], e["kind"], e["lifted_deployments"]) for e in ex] == [("EX-DEP", "dependency-outage", ["D-WEB"])]
    assert march["summary"]["exemptions_applied"] == 1 and march["summary"]["exempted_deployments"] == 1


def test_too_little_trailing_data_gives_no_verdict(march):
    thin = _judged(march)["D-THIN"]
    assert thin["verdict"] == "undetermined"
    assert thin["slos"][0]["status"] == "insufficient_data" and thin["slos"][0]["data_coverage"] == 1 / 14


def test_incident_over_the_budget_share_needs_a_postmortem_and_a_p0_item(march):
    over = {i["id"]: i for i in march["incident_budget"]["over"]}
    assert set(over) == {"B", "C"}  # A spent exactly 20 %: not over
    assert over["B"]["budget_spent"] == 13 / 60 and over["B"]["status"] == "compliant"
    assert [i["title"] for i in over["B"]["required_items"]] == ["Cap retries"]
    assert over["C"]["budget_spent"] == 1 / 3 and over["C"]["status"] == "violation"
    assert over["C"]["missing"] == ["postmortem", "P0 action item"]
    v = [v for v in march["violations"] if v["rule"] == "incident_budget"]
    assert [(x["subject"], x["slo"], x["evidence"]["month"]) for x in v] == [("C", "pay-avail", "2026-03")]


def test_exactly_twenty_percent_is_not_over(pdb):
    r = run_cli("impact", "--incident", "A", "--json", db=pdb)
    assert r.json()["slos"][0]["budget_spent"] == 0.2


def test_pending_before_the_deadline(pdb):
    doc = run_cli("audit", "policy", "--month", "2026-03", "--as-of", "2026-03-10T12:00:00Z", "--json", db=pdb).json()
    over = {i["id"]: i for i in doc["incident_budget"]["over"]}
    assert over["C"]["status"] == "pending" and over["C"]["deadline"] == "2026-03-12T10:50:00Z"


def test_sev1_postmortems_reuse_compliance(march, pdb):
    pm = march["postmortems"]["by_severity"]["SEV-1"]
    comp = run_cli("compliance", "--month", "2026-03", "--as-of", "2026-04-01T00:00:00Z", "--json", db=pdb).json()
    assert pm == {k: v for k, v in comp["postmortems"]["SEV-1"].items()} | {
        "not_compliant": [i | {"service": "pay"} for i in comp["postmortems"]["SEV-1"]["not_compliant"]]}
    assert (pm["on_time"], pm["late"]) == (1, 1)
    v = [v for v in march["violations"] if v["rule"] == "postmortem"]
    assert [(x["subject"], x["evidence"]["status"]) for x in v] == [("S1LATE", "late")]
    assert march["summary"] == {"violations": 4, "release_freeze": 2, "incident_budget": 1, "postmortem": 1,
                                "fixes_during_freeze": 1, "exempted_deployments": 1, "undetermined_deployments": 1,
                                "exemptions_applied": 1}


def test_range_and_table(pdb, march):
    doc = run_cli("audit", "policy", "--from", "2026-02", "--to", "2026-03", "--as-of", "2026-04-01T00:00:00Z",
                  "--json", db=pdb).json()
    assert doc["summary"] == march["summary"] and (doc["from"], doc["to"]) == ("2026-02", "2026-03")
    r = run_cli("audit", "policy", "--month", "2026-03", "--as-of", "2026-04-01T00:00:00Z", db=pdb)
    assert r.code == 0, r.stderr
    for text in ("D-AT", "D-AFTER", "S1LATE", "EX-DEP", "fix_during_freeze", "undetermined", "4 violations"):
        assert text in r.stdout, text


def test_the_default_policy_without_a_stored_one(tmp_path, pdb):
    empty = tmp_path / "e.duckdb"
    assert run_cli("slo", "apply", pdb.parent / "slos.yaml", db=empty).code == 0
    doc = run_cli("policy", "show", "--json", db=empty).json()
    assert doc["name"] == "default" and doc["source"] == "default"
    assert doc["release_freeze"]["trailing_window"] == "28d" and doc["incident_budget"]["max_share"] == 0.2
    assert doc["postmortems"]["within_hours"] == {"SEV-1": 48.0}
    stored = run_cli("policy", "show", "--json", db=pdb).json()
    assert stored["source"] == "stored" and stored["name"] == "test-policy"


@pytest.mark.parametrize("text, field", [
    ("apiVersion: reliability/v2\nkind: ErrorBudgetPolicy\nmetadata: {name: x}\n", "apiVersion"),
    ("apiVersion: reliability/v1\nkind: ErrorBudgetPolicy\nmetadata: {}\n", "metadata.name"),
    ("apiVersion: reliability/v1\nkind: ErrorBudgetPolicy\nmetadata: {name: x}\nspec: {releaseFreez: {}}\n",
     "spec.releaseFreez"),
    ("apiVersion: reliability/v1\nkind: ErrorBudgetPolicy\nmetadata: {name: x}\n"
     "spec: {releaseFreeze: {trailingWindow: 1M}}\n", "spec.releaseFreeze.trailingWindow"),
    ("apiVersion: reliability/v1\nkind: ErrorBudgetPolicy\nmetadata: {name: x}\n"
     "spec: {incidentBudget: {maxShare: 20}}\n", "spec.incidentBudget.maxShare"),
    ("apiVersion: reliability/v1\nkind: ErrorBudgetPolicy\nmetadata: {name: x}\n"
     "spec: {incidentBudget: {requireActionItemPriority: P9}}\n", "spec.incidentBudget.requireActionItemPriority"),
    ("apiVersion: reliability/v1\nkind: ErrorBudgetPolicy\nmetadata: {name: x}\n"
     "spec: {postmortems: {SEV-1: -4}}\n", "spec.postmortems.SEV-1"),
    ("apiVersion: reliability/v1\nkind: ErrorBudgetPolicy\nmetadata: {name: x}\n"
     "spec: {exemptions: [{id: E, reason: r, start: 2026-03-01T00:00:00Z}]}\n", "spec.exemptions[0]"),
    ("apiVersion: reliability/v1\nkind: ErrorBudgetPolicy\nmetadata: {name: x}\n"
     "spec: {exemptions: [{id: E, reason: r, kind: outage, incident: X}]}\n", "spec.exemptions[0].kind"),
    ("apiVersion: reliability/v1\nkind: ErrorBudgetPolicy\nmetadata: {name: x}\n"
     "spec: {releaseFreeze: {fixPattern: '(unclosed'}}\n", "spec.releaseFreeze.fixPattern"),
])
def test_a_bad_policy_file_is_refused_naming_the_field(tmp_path, text, field):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    db = tmp_path / "b.duckdb"
    assert_bad_input(run_cli("policy", "apply", path, db=db), str(path), field)
    assert not db.exists()  # nothing written, not even a database
    assert_bad_input(run_cli("policy", "show", "--policy", path, db=db), field)


@pytest.mark.parametrize("content, message", [
    (b"metadata: [oops\n", "invalid YAML at line 2, column 1"),
    (b"apiVersion: reliability/v1\x00\n", "not a text file (binary?)"),
    (b"\xff\xfe\x00", "not a UTF-8 text file"),
    (b"a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + b"".join(
        b"%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n" % ((ord("a") + i + 1,) * 2 + (ord("a") + i,) * 10)
        for i in range(8)), "expand"),
])
def test_a_policy_file_is_read_as_slo_apply_reads_yaml(tmp_path, content, message):
    """One reader for YAML files (openslo.yaml_limits.read_file): the policy file gets slo
    apply's messages and limits (a NUL byte, an alias bomb), exit 2 naming the file."""
    path = tmp_path / "p.yaml"
    path.write_bytes(content)
    db = tmp_path / "b.duckdb"
    for argv in (("policy", "apply", path), ("slo", "apply", path)):
        assert_bad_input(run_cli(*argv, db=db), str(path), message)
    assert not db.exists()


def test_a_policy_naming_an_unknown_slo_is_refused(tmp_path, pdb):
    """A typo in releaseFreeze.slos would leave the service with nothing gating its releases:
    `policy apply` refuses it naming the field, and the stored policy stays."""
    head = "apiVersion: reliability/v1\nkind: ErrorBudgetPolicy\nmetadata: {name: typo}\nspec:\n"
    path = tmp_path / "typo.yaml"
    path.write_text(head + "  releaseFreeze: {slos: [api-avail, api-avial]}\n")
    assert_bad_input(run_cli("policy", "apply", path, db=pdb), str(path), "spec.releaseFreeze.slos[1]", "api-avial")
    path.write_text(head + "  exemptions: [{id: E, reason: r, slo: web-avial, start: 2026-03-01T00:00:00Z,"
                    " end: 2026-03-02T00:00:00Z}]\n")
    assert_bad_input(run_cli("policy", "apply", path, db=pdb), "spec.exemptions[0].slo", "web-avial")
    assert run_cli("policy", "show", "--json", db=pdb).json()["name"] == "test-policy"
    fresh = tmp_path / "fresh.duckdb"  # no SLO at all yet: refused, and no database created
    path.write_text(head + "  releaseFreeze: {slos: [api-avail]}\n")
    assert_bad_input(run_cli("policy", "apply", path, db=fresh), str(fresh))
    assert not fresh.exists()


def test_bad_options(pdb):
    assert_bad_input(run_cli("audit", "policy", db=pdb), "--month")
    assert_bad_input(run_cli("audit", "policy", "--month", "2026-3", db=pdb), "--month")
    assert_bad_input(run_cli("audit", "policy", "--from", "2026-03", db=pdb), "--to")
    assert_bad_input(run_cli("audit", "policy", "--from", "2026-03", "--to", "2026-01", db=pdb), "--to")
    assert_bad_input(run_cli("audit", "policy", "--month", "2026-03", "--policy", "missing.yaml", db=pdb),
                     "missing.yaml")


def test_action_item_priority_is_ingested_and_checked(tmp_path, pdb):
    good = tmp_path / "items.csv"
    good.write_text("incident_id,title,owner,due,done,priority\nC,Add a P0 fix,bo,2026-03-30,false,0\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("incident_id,title,priority\nC,Something,urgent\n")
    assert_bad_input(run_cli("ingest", "action-items", bad, db=pdb), "row 2", "priority")
    import shutil

    copy = tmp_path / "copy.duckdb"
    shutil.copy(pdb, copy)
    assert run_cli("ingest", "action-items", good, db=copy).code == 0
    doc = run_cli("audit", "policy", "--month", "2026-03", "--as-of", "2026-04-01T00:00:00Z", "--json", db=copy).json()
    c = {i["id"]: i for i in doc["incident_budget"]["over"]}["C"]
    assert c["missing"] == ["postmortem"] and [i["title"] for i in c["required_items"]] == ["Add a P0 fix"]


def test_warnings_and_a_rule_switched_off(tmp_path, pdb):
    path = tmp_path / "p.yaml"
    path.write_text("apiVersion: reliability/v1\nkind: ErrorBudgetPolicy\nmetadata: {name: lax}\nspec:\n"
                    "  releaseFreeze: {slos: [api-avail, nope-avail]}\n"
                    "  incidentBudget: {enabled: false}\n"
                    "  exemptions: [{id: EX-X, reason: r, incident: NOPE}]\n")
    r = run_cli("audit", "policy", "--month", "2026-03", "--policy", path, "--as-of", "2026-04-01T00:00:00Z",
                "--json", db=pdb)
    doc = r.json()
    assert doc["warnings"] == ["spec.releaseFreeze.slos names unknown SLOs: nope-avail",
                               "exemption EX-X: no incident NOPE; it exempts nothing"]
    assert doc["incident_budget"] == {"enabled": False, "max_share": 0.2, "incidents": 0, "over": []}
    assert doc["summary"]["release_freeze"] == 2 and doc["summary"]["exempted_deployments"] == 0  # EX-DEP not in this file
    table = run_cli("audit", "policy", "--month", "2026-03", "--policy", path, db=pdb)
    assert "warning: exemption EX-X: no incident NOPE" in table.stderr
    path.write_text("apiVersion: reliability/v1\nkind: ErrorBudgetPolicy\nmetadata: {name: lax}\nspec:\n"
                    "  releaseFreeze: {enabled: false}\n")
    doc = run_cli("audit", "policy", "--month", "2026-03", "--policy", path, "--json", db=pdb).json()
    assert doc["release_freeze"]["judged"] == [] and doc["summary"]["release_freeze"] == 0


def test_months_in_a_zone_with_daylight_saving(tmp_path, pdb):
    """March 2026 in New York: 2026-03-01 05:00Z (EST) to 2026-04-01 04:00Z (EDT since 8 March),
    743 hours; a deployment at 04:59Z on 1 March is still February there."""
    import shutil

    copy = tmp_path / "ny.duckdb"
    shutil.copy(pdb, copy)
    extra = tmp_path / "ny.csv"
    extra.write_text("id,service,deployed_at,version,description,rolled_back\n"
                     "D-NY-FEB,api,2026-03-01T04:59:00Z,v0.9,Late February,false\n"
                     "D-NY-MAR,api,2026-03-01T05:00:00Z,v1.0,Early March,false\n")
    assert run_cli("ingest", "deployments", extra, db=copy).code == 0
    doc = run_cli("audit", "policy", "--month", "2026-03", "--tz", "America/New_York", "--json", db=copy).json()
    assert (doc["start"], doc["end"], doc["time_zone"]) == ("2026-03-01T05:00:00Z", "2026-04-01T04:00:00Z",
                                                            "America/New_York")
    ids = [j["id"] for j in doc["release_freeze"]["judged"]]
    assert "D-NY-MAR" in ids and "D-NY-FEB" not in ids
    feb = run_cli("audit", "policy", "--month", "2026-02", "--tz", "America/New_York", "--json", db=copy).json()
    assert "D-NY-FEB" in [j["id"] for j in feb["release_freeze"]["judged"]]


def test_the_documented_policy_is_valid(tmp_path):
    """docs/audits.md's example policy is what `policy show --policy` reads (docs that cannot drift)."""
    import re

    from conftest import ROOT

    [block] = re.findall(r"```yaml\n(.*?)```", (ROOT / "docs" / "audits.md").read_text(), flags=re.S)
    path = tmp_path / "documented.yaml"
    path.write_text(block)
    doc = run_cli("policy", "show", "--policy", path, "--json").json()
    assert doc["release_freeze"]["slos"] == ["search-availability"] and doc["incident_budget"]["max_share"] == 0.2
    assert [(e["id"], e["kind"], e["incident"]) for e in doc["exemptions"]] == [("EX-1", "dependency-outage", "INC-0060")]


def test_each_deployment_is_judged_by_the_definition_in_force_when_it_shipped(tmp_path):
    """ver-avail (Timeslices, 1-hour slices, Europe/Berlin; trailing window 7d = 168 slices):
    target 99.9 % until `slo apply --effective-from 2026-03-15` (Berlin midnight =
    2026-03-14T23:00Z) makes it 99.0 %. One bad hour, 2026-03-12 10:00Z. Under 99.9 % the window
    allows 0.001 x 168 = 0.168 bad slices: remaining 1 - 1/0.168 = -104/21, exhausted from the
    boundary 11:00Z; under 99.0 % it allows 1.68: 1 - 1/1.68 = 17/42, not exhausted. So the
    freeze runs from 2026-03-12T11:00Z until the change at 2026-03-14T23:00Z: a deployment at
    22:59Z is a violation, one at 23:00Z and one on the 16th are allowed. Judged with today's
    99.0 % (the old behaviour) nothing was ever frozen."""
    yaml = lambda target: slo_yaml("ver-avail", "Timeslices", "Europe/Berlin", service="ver",  # noqa: E731
                                   window="1h", target=f"target: {target}")
    (tmp_path / "v1.yaml").write_text(yaml("0.999"))
    (tmp_path / "v2.yaml").write_text(yaml("0.99"))
    start, bad = datetime(2026, 2, 20, tzinfo=UTC), datetime(2026, 3, 12, 10, tzinfo=UTC)
    rows = [f"{_z(start + timedelta(hours=h))},ver,availability,"
            f"{50 if start + timedelta(hours=h) == bad else 100},100" for h in range(40 * 24)]
    (tmp_path / "s.csv").write_text("timestamp,service,sli,good,total\n" + "\n".join(rows) + "\n")
    (tmp_path / "d.csv").write_text("\n".join([
        "id,service,deployed_at,version,description,rolled_back",
        "D-OLD,ver,2026-03-13T12:00:00Z,v1,Add filters,false",
        "D-EVE,ver,2026-03-14T22:59:00Z,v2,Add sorting,false",
        "D-MID,ver,2026-03-14T23:00:00Z,v3,New banner,false",
        "D-NEW,ver,2026-03-16T12:00:00Z,v4,Dark mode,false",
    ]) + "\n")
    (tmp_path / "p.yaml").write_text("apiVersion: reliability/v1\nkind: ErrorBudgetPolicy\nmetadata:\n  name: v\n"
                                     "spec:\n  releaseFreeze:\n    trailingWindow: 7d\n")
    db = tmp_path / "v.duckdb"
    for args in (("slo", "apply", tmp_path / "v1.yaml"), ("ingest", "series", tmp_path / "s.csv"),
                 ("ingest", "deployments", tmp_path / "d.csv"), ("policy", "apply", tmp_path / "p.yaml"),
                 ("slo", "apply", tmp_path / "v2.yaml", "--effective-from", "2026-03-15")):
        r = run_cli(*args, db=db)
        assert r.code == 0, r.stderr
    doc = run_cli("audit", "policy", "--month", "2026-03", "--tz", "Europe/Berlin", "--json", db=db).json()
    judged = _judged(doc)
    assert {k: j["verdict"] for k, j in judged.items()} == {
        "D-OLD": "violation", "D-EVE": "violation", "D-MID": "allowed", "D-NEW": "allowed"}
    old = judged["D-OLD"]["slos"][0]
    assert (old["slo_version"], old["target"], old["status"], old["bad"], old["allowed_bad"], old["remaining"]) == (
        1, 0.999, "exhausted", 1.0, 0.168, -104 / 21)
    assert (old["window_start"], old["window_end"], old["frozen_since"]) == (
        "2026-03-06T12:00:00Z", "2026-03-13T12:00:00Z", "2026-03-12T11:00:00Z")
    eve = judged["D-EVE"]["slos"][0]
    assert (eve["slo_version"], eve["window_end"], eve["remaining"]) == (1, "2026-03-14T22:00:00Z", -104 / 21)
    for ident in ("D-MID", "D-NEW"):
        s = judged[ident]["slos"][0]
        assert (s["slo_version"], s["target"], s["status"], s["bad"], s["allowed_bad"], s["remaining"]) == (
            2, 0.99, "ok", 1.0, 1.68, 17 / 42)
        assert s["frozen_since"] is None
    assert doc["release_freeze"]["freezes"] == [
        {"slo": "ver-avail", "service": "ver", "start": "2026-03-12T11:00:00Z", "end": "2026-03-14T23:00:00Z"}]
    assert [v["subject"] for v in doc["violations"] if v["rule"] == "release_freeze"] == ["D-OLD", "D-EVE"]
