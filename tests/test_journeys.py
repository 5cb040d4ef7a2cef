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
