"""Journeys of the tool's people, as they type them: a newcomer following the README, the SRE
lead's monthly review, the incident commander's updates. One test (or more) per thing found
broken on the way; expected values come from the sample's own rows or by hand.
"""

from __future__ import annotations

import pytest

from app_fixtures import demo_db, demo_db_build  # noqa: F401  (session fixtures)
from conftest import assert_bad_input, run_cli

# A first `ingest` into a database that does not exist yet, with input that is bad.
BAD_FIRST_INGESTS = [
    (("ingest", "series", "{tmp}/slices.csv"), None, "slices.csv"),
    (("ingest", "incidents", "{tmp}/incidents.csv"), "id,service,severity,detected_at\nX,search,SEV-5,2026-03-01T00:00:00Z\n",
     "severity"),
    (("ingest", "series", "{tmp}/slices.csv"), "ts,service,sli,good,total\n2026-03-01T00:00:00Z,s,a,1,1\n", "timestamp"),
    (("ingest", "deployments", "{tmp}/deploys.csv"), None, "deploys.csv"),
    (("ingest", "maintenance", "{tmp}/windows.csv"), None, "windows.csv"),
    (("ingest", "updates", "{tmp}/updates.csv"), None, "updates.csv"),
]


@pytest.mark.parametrize("argv,content,named", BAD_FIRST_INGESTS, ids=[" ".join(a[0][:2]) + f"-{i}" for i, a in enumerate(BAD_FIRST_INGESTS)])
def test_a_first_ingest_of_bad_input_creates_no_database(argv, content, named, tmp_path):
    """README's "Your own data" with a file that is missing or malformed: exit 2 and nothing
    written — not even the empty database file (and its folder) the call would have created."""
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    if content is not None:
        (tmp_path / args[-1].rsplit("/", 1)[-1]).write_text(content)
    target = tmp_path / "new" / "rel.duckdb"
    r = run_cli(*args, db=target)
    assert_bad_input(r, named)
    assert not (tmp_path / "new").exists(), list((tmp_path / "new").iterdir())


def test_a_bad_ingest_into_an_existing_database_keeps_it(tmp_path):
    target = tmp_path / "rel.duckdb"
    good = tmp_path / "ok.csv"
    good.write_text("timestamp,service,sli,good,total\n2026-03-01T00:00:00Z,s,a,1,1\n")
    assert run_cli("ingest", "series", good, db=target).code == 0
    assert_bad_input(run_cli("ingest", "series", tmp_path / "missing.csv", db=target), "missing.csv")
    assert target.exists()


def _help_examples() -> list[str]:
    from reliability.cli import cli

    found = []

    def walk(cmd):
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)
        found.extend(line.strip() for line in (cmd.help or "").partition("Example:")[2].splitlines()
                     if line.strip().startswith("reliability"))

    walk(cli)
    assert found
    return found


def test_help_examples_name_slos_and_incidents_of_the_sample():
    """A newcomer copies `reliability sla --help`'s example onto the sample: every SLO and
    incident an example names exists there (one named `ledger-timeslices-ny`, which the sample
    does not have: "no SLO named")."""
    import json
    import re

    from reliability.sample import data_dir

    slos_text = (data_dir() / "slos.yaml").read_text()
    names = set(re.findall(r"^\s+name:\s*(\S+)", slos_text, re.MULTILINE))
    incidents = {i["id"] for i in json.loads((data_dir() / "incidents.json").read_text())}
    for example in _help_examples():
        for slo in re.findall(r"--slo (\S+)", example):
            assert slo in names, example
        for inc in re.findall(r"\bINC-\d+", example):
            assert inc in incidents, example


def test_mttx_never_shows_an_unknown_impact_as_zero_minutes(tmp_path):
    """An incident with neither mitigated_at nor resolved_at has an unknown customer impact
    (JSON: impact_missing): the table said "0" minutes for it."""
    (tmp_path / "inc.csv").write_text(
        "id,service,severity,detected_at,mitigated_at\n"
        "A,s,SEV-1,2026-03-01T00:00:00Z,2026-03-01T00:30:00Z\n"
        "B,s,SEV-1,2026-03-02T00:00:00Z,\n"
        "C,s,SEV-2,2026-03-03T00:00:00Z,\n")
    db = tmp_path / "rel.duckdb"
    assert run_cli("ingest", "incidents", tmp_path / "inc.csv", db=db).code == 0
    doc = run_cli("mttx", "--json", db=db).json()
    assert (doc["overall"]["customer_impact_minutes"], doc["overall"]["impact_missing"]) == (30.0, 2)
    rows = {line.split()[0]: line for line in run_cli("mttx", db=db).stdout.splitlines()}
    assert rows["all"].endswith("30 (2 unknown)")
    assert rows["SEV-1"].endswith("30 (1 unknown)")
    assert rows["SEV-2"].endswith(" -")  # its one incident's impact is unknown
    assert rows["SEV-3"].endswith(" 0")  # no incident: nothing to know


@pytest.mark.parametrize("at", [None, "2026-03-17T18:00:00Z"])
def test_a_spent_budget_is_never_forecast_to_run_out(demo_db, at):
    """search-availability's March budget ran out at 15:49 on the 17th. The forecast columns
    said it "runs out" at --at (18:00, a time after it had run out) or, at the month's end,
    "not this period" — next to "exhausted"."""
    extra = ["--at", at] if at else []
    doc = run_cli("budget", "--month", "2026-03", "--slo", "search-availability", *extra, "--json", db=demo_db).json()
    [slo] = doc["slos"]
    assert slo["status"] == "exhausted" and slo["exhausted_at"] == "2026-03-17T15:49:00Z"
    assert [f["minutes_to_exhaustion"] for f in slo["forecast"]] == [0, 0]
    shown = run_cli("budget", "--month", "2026-03", "--slo", "search-availability", *extra, db=demo_db).stdout
    row = shown.splitlines()[2]
    assert row.endswith("already spent       already spent"), row


def test_a_vendor_response_without_format_says_which_option_reads_it(tmp_path):
    """The first thing a PagerDuty user tries: `ingest incidents incidents.json` on a saved
    GET /incidents response. The message said only "expected a JSON list of objects"."""
    from conftest import ROOT

    saved = ROOT / "tests" / "data" / "vendors" / "pagerduty_rest_incidents.json"
    r = run_cli("ingest", "incidents", saved, db=tmp_path / "rel.duckdb")
    assert_bad_input(r, str(saved), "expected a JSON list of objects", "--format pagerduty|opsgenie|incidentio")
    assert not (tmp_path / "rel.duckdb").exists()


def test_an_import_of_no_incidents_says_so_without_none(tmp_path):
    """incident.io's published example holds one incident in triage, left out: the summary
    said "detected None .. None"."""
    from conftest import ROOT

    saved = ROOT / "tests" / "data" / "vendors" / "incidentio_openapi_list_incidents_v2.json"
    r = run_cli("ingest", "incidents", "--format", "incidentio", saved, db=tmp_path / "rel.duckdb")
    assert r.code == 0, r.stderr
    assert "0 incidents (0 timeline entries, 0 action items, 1 skipped)" in r.stderr
    assert "None" not in r.stderr


EXCEL_SAVED = [
    ("series", "slices.csv", "timestamp;service;sli;good;total\r\n2026-03-01T00:00:00Z;s;a;1;1\r\n", "';'"),
    ("incidents", "incidents.csv", "id;service;severity;detected_at\r\nX;s;SEV-1;2026-03-01T00:00:00Z\r\n", "';'"),
    ("series", "slices.tsv", "timestamp\tservice\tsli\tgood\ttotal\n2026-03-01T00:00:00Z\ts\ta\t1\t1\n", "tab"),
]


@pytest.mark.parametrize("kind,name,text,sep", EXCEL_SAVED, ids=[f"{k}-{s}" for k, _, _, s in EXCEL_SAVED])
def test_a_csv_saved_with_semicolons_says_what_separates_it(kind, name, text, sep, tmp_path):
    """Excel in a locale with a decimal comma saves "CSV" with ';' between fields (and a BOM).
    The message said the columns timestamp, service, ... were missing, listing them as found."""
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    r = run_cli("ingest", kind, path, db=tmp_path / "rel.duckdb")
    assert_bad_input(r, name, "row 1", "missing column(s)", f"separated by {sep}", "comma")
    assert not (tmp_path / "rel.duckdb").exists()


def test_a_bom_and_crlf_csv_with_commas_reads(tmp_path):
    """Excel's "CSV UTF-8 (comma delimited)": BOM and CRLF line ends are read as written."""
    path = tmp_path / "slices.csv"
    path.write_bytes(b"\xef\xbb\xbftimestamp,service,sli,good,total\r\n2026-03-01T00:00:00Z,s,a,1,2\r\n")
    db = tmp_path / "rel.duckdb"
    assert run_cli("ingest", "series", path, db=db).code == 0
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select service, sli, good, total from sli_slices").fetchall() == [("s", "a", 1, 2)]


SLO_TIMESLICES = """apiVersion: openslo/v1
kind: SLO
metadata:
  name: web-availability
spec:
  service: web
  indicator:
    metadata:
      name: availability
    spec:
      ratioMetric:
        good: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(ok[1m]))'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(all[1m]))'}}}
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar: {startTime: '2022-01-01 00:00:00', timeZone: UTC}
  budgetingMethod: Timeslices
  objectives:
    - displayName: good minutes
      target: 0.999
      timeSliceTarget: 0.95
      timeSliceWindow: 1m
"""


@pytest.mark.parametrize("good,bad,hint", [("target: 0.999", "target: 99.9", "targetPercent: 99.9"),
                                           ("timeSliceTarget: 0.95", "timeSliceTarget: 95", "0.95")])
def test_a_target_written_as_a_percentage_says_how_to_write_it(good, bad, hint, tmp_path):
    """An SRE lead writes `target: 99.9` (the SLA's "99.9%"): the message said only
    "expected a number in (0, 1)"; it now says how 99.9% is written."""
    path = tmp_path / "slos.yaml"
    path.write_text(SLO_TIMESLICES)
    assert run_cli("slo", "apply", path, db=tmp_path / "ok.duckdb").code == 0
    path.write_text(SLO_TIMESLICES.replace(good, bad))
    r = run_cli("slo", "apply", path, db=tmp_path / "rel.duckdb")
    assert_bad_input(r, "slos.yaml", bad.split(":")[0], "expected a number in (0, 1", hint)
    assert not (tmp_path / "rel.duckdb").exists()


def test_compliance_table_says_a_sev2_postmortem_is_recommended(demo_db):
    """docs/incidents.md: post-mortems are required for SEV-1, recommended for SEV-2. The
    table's "required" column said "no" for SEV-2, next to a compliance of 0.0%."""
    doc = run_cli("compliance", "--month", "2026-03", "--json", db=demo_db).json()["postmortems"]
    assert (doc["SEV-1"]["required"], doc["SEV-2"]["required"]) == (True, False)
    shown = run_cli("compliance", "--month", "2026-03", db=demo_db).stdout.split("\nPost-mortems\n")[1]
    rows = {line.split()[0]: line.split()[1] for line in shown.splitlines()[2:]}
    assert rows == {"SEV-1": "yes", "SEV-2": "recommended"}
