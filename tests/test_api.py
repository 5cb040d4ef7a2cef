"""The Python API (`import reliability as rel; db = rel.open(path)`): the same numbers as the
command line's --json, one argument convention, and reading that never creates a file."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import duckdb
import pandas as pd
import pytest

import reliability as rel
from app_fixtures import demo_db, demo_db_build  # noqa: F401  (session fixtures)
from conftest import run_cli
from reliability.output import iso_z, to_json


@pytest.fixture(scope="module")
def db(demo_db):  # noqa: F811
    return rel.open(demo_db)


# --------------------------------------------------------------------------- first session

def test_the_readme_first_session_with_the_public_api_only(demo_db):  # noqa: F811
    """The README's first session (a monthly SLA review of March 2026) answered in a fresh
    interpreter that imports nothing but `reliability` (and pandas through it)."""
    script = f"""
import reliability as rel
db = rel.open({str(demo_db)!r})
sla = db.sla(month="2026-03")
# 16 SLOs and the per-customer SLO's two customers onboarded by March (acme, globex).
assert len(sla) == 18, len(sla)
breached = sla[sla.breached]
assert breached.slo.tolist() == ["search-availability"], breached.slo.tolist()
row = breached.iloc[0]
# March: 44,640 one-minute slices, 0.1 % of them may be bad: 44.64; the outage made 93 bad.
assert (row.bad, row.allowed_bad) == (93.0, 44.64)
assert row.error_budget_remaining == -1.0833333333333333
budget = db.budget(month="2026-03", slo="search-availability")
assert budget.status.tolist() == ["exhausted"]
worst = db.worst(month="2026-03", slo="search-availability")
assert str(worst.start.iloc[0].date()) == "2026-03-17"
impact = db.impact("INC-0074")
assert impact.set_index("slo").loc["search-availability", "bad_minutes"] == 93
incidents = db.incidents(month="2026-03")
assert int(incidents["count"].sum()) == 17
print("ok")
"""
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


# --------------------------------------------------------------------------- the same numbers as --json

AS_OF = "2026-11-01T00:00:00Z"


def _spread(rows: list[dict]) -> list[dict]:
    """Rows with every nested mapping spread over "a.b.c" keys (the frames' rule)."""
    def spread(row: dict, prefix: str = "") -> dict:
        out = {}
        for k, v in row.items():
            out |= spread(v, f"{prefix}{k}.") if isinstance(v, dict) and v else {f"{prefix}{k}": v}
        return out

    return [spread(r) for r in rows]


def _contract_months(j):
    return [d for c in j["customers"] for d in c["contracts"]]


# The contract methods (docs/contracts.md) over the sample's three customers.
CONTRACT_CASES = [
    ("contracts", lambda db, t: db.contracts(table=t), ["contracts", "list"],
     {"contracts": lambda j: j["contracts"],
      "exclusions": lambda j: [{"contract": c["contract"]} | e for c in j["contracts"] for e in c["exclusions"]]}),
    ("contract credits", lambda db, t: db.contract_credits(months=("2025-10", "2026-10"), table=t),
     ["credits", "--by", "customer", "--from", "2025-10", "--to", "2026-10"],
     {"contracts": _contract_months,
      "slos": lambda j: [{"contract": d["contract"], "month": d["month"]} | e for d in _contract_months(j)
                         for e in d["slos"]],
      "totals": lambda j: [{"customer": c["customer"]} | t for c in j["customers"] for t in c["totals"]]}),
    ("credit liability", lambda db, t: db.credit_liability(months=("2025-10", "2026-10"), table=t),
     ["credits", "--liability", "--from", "2025-10", "--to", "2026-10"],
     {"months": lambda j: [{"month": m["month"]} | c for m in j["months"] for c in m["currencies"]],
      "credits": lambda j: [{"month": m["month"]} | c for m in j["months"] for c in m["credits"]],
      "totals": lambda j: j["totals"]}),
    ("contract breaches", lambda db, t: db.contract_breaches(months=("2025-10", "2026-10"), as_of="2026-11-15",
                                                             table=t),
     ["contracts", "breaches", "--from", "2025-10", "--to", "2026-10", "--as-of", "2026-11-15"],
     {"breaches": lambda j: j["breaches"],
      "steps": lambda j: [{"contract": b["contract"], "month": b["month"], "step": k} | v for b in j["breaches"]
                          for k, v in b["steps"].items()],
      "incidents": lambda j: [{"contract": b["contract"], "month": b["month"]} | i for b in j["breaches"]
                              for i in b["incidents"]]}),
    ("contracts at risk", lambda db, t: db.contracts_at_risk("2026-10", at="2026-10-20T00:00:00Z", table=t),
     ["contracts", "risk", "--month", "2026-10", "--at", "2026-10-20T00:00:00Z"],
     {"contracts": lambda j: j["contracts"],
      "slos": lambda j: [{"contract": d["contract"]} | e for d in j["contracts"] for e in d["slos"]]}),
]

# (name, API call, CLI arguments, the tables: {table: (rows of the CLI's JSON, carried keys)})
CASES = [
    ("sla month", lambda db, t: db.sla(month="2026-03", table=t), ["sla", "--month", "2026-03"],
     {"slos": lambda j: j["slos"]}),
    ("sla one slo no-data bad", lambda db, t: db.sla(month="2025-11", slo="ledger-availability", no_data="bad", table=t),
     ["sla", "--month", "2025-11", "--slo", "ledger-availability", "--no-data", "bad"], {"slos": lambda j: j["slos"]}),
    ("sla months", lambda db, t: db.sla(months=("2026-01", "2026-03"), slo="search-availability", table=t),
     ["sla", "--from", "2026-01", "--to", "2026-03", "--slo", "search-availability"],
     {"slos": lambda j: [{"month": m["month"]} | r for m in j["months"] for r in m["slos"]]}),
    ("sla quarter", lambda db, t: db.sla(quarter="2026-Q1", table=t), ["sla", "--quarter", "2026-Q1"],
     {"slos": lambda j: j["slos"]}),
    ("sla year", lambda db, t: db.sla(year="2026", slo="auth-availability", table=t),
     ["sla", "--year", "2026", "--slo", "auth-availability"], {"slos": lambda j: j["slos"]}),
    ("sla min coverage", lambda db, t: db.sla(month="2026-10", min_coverage=0.99, table=t),
     ["sla", "--month", "2026-10", "--min-coverage", "0.99"], {"slos": lambda j: j["slos"]}),
    ("sla rolling", lambda db, t: db.sla(at="2026-03-20T00:00:00Z", window="28d", table=t),
     ["sla", "--at", "2026-03-20T00:00:00Z", "--window", "28d"], {"slos": lambda j: j["slos"]}),
    ("budget", lambda db, t: db.budget(month="2026-03", table=t), ["budget", "--month", "2026-03"],
     {"slos": lambda j: j["slos"],
      "points": lambda j: [{"slo": s["slo"]} | p for s in j["slos"] for p in s["points"]],
      "forecast": lambda j: [{"slo": s["slo"]} | p for s in j["slos"] for p in s["forecast"]]}),
    ("budget step at", lambda db, t: db.budget(month="2026-03", slo="search-availability", step="1h",
                                               at="2026-03-17T18:00:00Z", at_risk=0.5, min_coverage=0.5, table=t),
     ["budget", "--month", "2026-03", "--slo", "search-availability", "--step", "1h", "--at",
      "2026-03-17T18:00:00Z", "--at-risk", "0.5", "--min-coverage", "0.5"],
     {"slos": lambda j: j["slos"], "points": lambda j: [{"slo": s["slo"]} | p for s in j["slos"] for p in s["points"]]}),
    ("burn one", lambda db, t: db.burn("2026-03-01", "2026-04-01", slo="search-availability", windows=["1h", "1d"],
                                       table=t),
     ["burn", "--slo", "search-availability", "--from", "2026-03-01", "--to", "2026-04-01", "--window", "1h",
      "--window", "1d"],
     {"slos": lambda j: [j], "episodes": lambda j: [{"slo": j["slo"]} | e for e in j["episodes"]],
      "incidents": lambda j: [{"slo": j["slo"]} | i for i in j["incidents"]],
      "alert_windows": lambda j: [{"slo": j["slo"]} | a for a in j["alert_windows"]]}),
    ("burn all", lambda db, t: db.burn("2026-03-01", "2026-03-08", table=t),
     ["burn", "--all", "--from", "2026-03-01", "--to", "2026-03-08"],
     {"slos": lambda j: j["slos"], "episodes": lambda j: [{"slo": s["slo"]} | e for s in j["slos"] for e in s["episodes"]]}),
    ("worst one", lambda db, t: db.worst(month="2026-03", slo="search-availability", window="30m", top=3, table=t),
     ["worst", "--month", "2026-03", "--slo", "search-availability", "--window", "30m", "--top", "3"],
     {"windows": lambda j: [{"slo": s["slo"]} | w for s in j["slos"] for w in s["windows"]], "slos": lambda j: j["slos"]}),
    ("worst all", lambda db, t: db.worst(month="2026-02", table=t), ["worst", "--month", "2026-02"],
     {"windows": lambda j: [{"slo": s["slo"]} | w for s in j["slos"] for w in s["windows"]]}),
    ("credits", lambda db, t: db.credits(month="2026-03", tiers={99.95: 10, 99: 30, 95: 100}, sla_target=99,
                                         table=t),
     ["credits", "--month", "2026-03", "--tier", "99.95=10", "--tier", "99=30", "--tier", "95=100", "--sla-target", "99"],
     {"slos": lambda j: j["slos"], "tiers": lambda j: j["tiers"]}),
    ("credits default", lambda db, t: db.credits(month="2026-10", table=t), ["credits", "--month", "2026-10"],
     {"slos": lambda j: j["slos"]}),
    ("incidents", lambda db, t: db.incidents(month="2025-11", tz="Europe/Berlin", ack_targets={"SEV-2": 10}, table=t),
     ["incidents", "--month", "2025-11", "--tz", "Europe/Berlin", "--ack-target", "SEV-2=10"],
     {"by_severity": lambda j: [{"severity": k} | v for k, v in j["by_severity"].items()],
      "overall": lambda j: [j["overall"]]}),
    ("mttx", lambda db, t: db.mttx(months=("2025-10", "2026-10"), table=t),
     ["mttx", "--start", "2025-10", "--end", "2026-10"],
     {"by_severity": lambda j: [{"severity": k} | v for k, v in j["by_severity"].items()],
      "by_month": lambda j: [{"month": k} | v for k, v in j["by_month"].items()],
      "by_team": lambda j: [{"team": k} | v for k, v in j["by_team"].items()],
      "overall": lambda j: [j["overall"]]}),
    ("mttx default", lambda db, t: db.mttx(service="payments", table=t), ["mttx", "--service", "payments"],
     {"by_service": lambda j: [{"service": k} | v for k, v in j["by_service"].items()]}),
    ("compliance", lambda db, t: db.compliance(month="2026-01", holidays=["2026-01-01"], as_of=AS_OF, table=t),
     ["compliance", "--month", "2026-01", "--holiday", "2026-01-01", "--as-of", AS_OF],
     {"response": lambda j: [{"severity": k} | v for k, v in j["response"].items()],
      "cadence": lambda j: [{"severity": k} | v for k, v in j["cadence"].items()],
      "postmortems": lambda j: [{"severity": k} | v for k, v in j["postmortems"].items()]}),
    ("action items", lambda db, t: db.action_items(as_of=AS_OF, table=t), ["action-items", "--as-of", AS_OF],
     {"open_items": lambda j: j["open_items"], "by_owner": lambda j: [{"owner": k} | v for k, v in j["by_owner"].items()]}),
    ("impact one", lambda db, t: db.impact("INC-0074", table=t), ["impact", "--incident", "INC-0074"],
     {"slos": lambda j: [{"id": j["id"], "title": j["title"]} | s for s in j["slos"]]}),
    ("impact month", lambda db, t: db.impact(month="2026-03", service="search", table=t),
     ["impact", "--month", "2026-03", "--service", "search"],
     {"slos": lambda j: [{"id": i["id"], "title": i["title"]} | s for i in j["incidents"] for s in i["slos"]],
      "incidents": lambda j: j["incidents"]}),
    ("recurrence", lambda db, t: db.recurrence(incident="INC-0137", table=t), ["recurrence", "--incident", "INC-0137"],
     {"repeats": lambda j: j["repeats"], "similar_titles": lambda j: j["similar_titles"],
      "frequency": lambda j: j["frequency"], "weekday_hour": lambda j: j["weekday_hour"],
      "frequency_by_service": lambda j: [{"service": k} | v for k, v in j["frequency_by_service"].items()],
      "related": lambda j: j["related"]}),
    ("recurrence months", lambda db, t: db.recurrence(months=("2026-01", "2026-06"), window_days=30, similarity=0.8,
                                                      tz="America/New_York", table=t),
     ["recurrence", "--start", "2026-01", "--end", "2026-06", "--window-days", "30", "--similarity", "0.8", "--tz",
      "America/New_York"], {"repeats": lambda j: j["repeats"]}),
    ("changes", lambda db, t: db.changes(months=("2026-01", "2026-06"), hours=2, table=t),
     ["changes", "--start", "2026-01", "--end", "2026-06", "--hours", "2"],
     {"correlated": lambda j: j["correlated"],
      "by_service": lambda j: [{"service": k} | v for k, v in j["by_service"].items()],
      "by_month": lambda j: [{"service": k, "month": m} | r for k, v in j["by_service"].items()
                             for m, r in v["months"].items()]}),
    # Labels, roll-ups and definitions in force (issue 17). A roll-up's by_method (a mapping of
    # mappings) is spread over columns by_method.Occurrences.attainment ... as frames spread it.
    ("sla group by", lambda db, t: db.sla(month="2026-03", group_by="journey", labels={"tier": "1"}, table=t),
     ["sla", "--month", "2026-03", "--group-by", "journey", "--label", "tier=1"],
     {"slos": lambda j: j["slos"], "groups": lambda j: _spread(j["groups"]), "all": lambda j: _spread([j["all"]])}),
    ("sla split month", lambda db, t: db.sla(month="2026-06", slo="ledger-availability", table=t),
     ["sla", "--month", "2026-06", "--slo", "ledger-availability"], {"slos": lambda j: j["slos"]}),
    ("budget group by", lambda db, t: db.budget("2026-03", group_by="team", table=t),
     ["budget", "--month", "2026-03", "--group-by", "team"],
     {"groups": lambda j: _spread(j["groups"]), "all": lambda j: _spread([j["all"]])}),
    ("incidents group by", lambda db, t: db.incidents("2026-03", group_by="journey", table=t),
     ["incidents", "--month", "2026-03", "--group-by", "journey"], {"groups": lambda j: j["groups"]}),
    ("slo history", lambda db, t: db.slo_history("ledger-availability", table=t),
     ["slo", "history", "ledger-availability"], {"versions": lambda j: j["versions"]}),
    ("coverage", lambda db, t: db.coverage(table=t), ["coverage"], {"summary": lambda j: [j["summary"]]}),
    *CONTRACT_CASES,
]


def _flat(row: dict, prefix: str = "") -> dict:
    """A JSON row with nested mappings spread over "a.b" keys; a mapping of mappings (a table
    of its own, such as a service's months) is kept whole, like a list."""
    out = {}
    for k, v in row.items():
        if isinstance(v, dict) and v and not all(isinstance(x, dict) for x in v.values()):
            out |= _flat(v, f"{prefix}{k}.")
        else:
            out[f"{prefix}{k}"] = v
    return out


def _close(a, b) -> bool:
    """Equal; floats to 1e-12 relative or 1e-6 absolute, because `sla` sums the good/total
    ratios of RatioTimeslices as doubles in parallel in DuckDB, whose order (and so the last
    bits of attainment, and of bad = slices − that sum) changes from run to run of the same
    command. The API adds no rounding of its own."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-6)
    return a == b


def _same(frame_value, json_value) -> bool:
    if json_value is None:
        return frame_value is None or frame_value is pd.NaT or (isinstance(frame_value, float) and math.isnan(frame_value))
    if isinstance(frame_value, pd.Timestamp):
        return iso_z(frame_value.to_pydatetime()) == json_value
    if isinstance(frame_value, (list, tuple)):
        return json.loads(to_json(list(frame_value))) == json_value
    if hasattr(frame_value, "item"):  # numpy scalars
        frame_value = frame_value.item()
    if isinstance(json_value, bool) or isinstance(frame_value, bool):
        return frame_value is json_value
    if isinstance(json_value, (int, float)):
        return _close(float(frame_value), json_value)
    return frame_value == json_value


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_every_method_gives_the_numbers_of_the_json(db, demo_db, case):  # noqa: F811
    name, call, cli_args, tables = case
    r = run_cli(*cli_args, "--json", db=demo_db)
    assert r.code == 0, r.stderr
    cli = r.json()
    # table=None: the whole document, exactly what --json prints.
    assert _close(json.loads(to_json(call(db, None))), cli)
    for table, rows_of in tables.items():
        df = call(db, table)
        assert isinstance(df, pd.DataFrame)
        expected = [_flat(row) for row in rows_of(cli)]
        assert len(df) == len(expected), (table, len(df), len(expected))
        assert expected, f"{name}: {table} is empty; pick a case with rows"
        for got, want in zip(df.to_dict("records"), expected, strict=True):
            shown = {k: v for k, v in want.items() if k in got}
            # Every scalar field of the JSON row is a column; only nested tables are left out.
            missing = [k for k, v in want.items() if k not in got and not isinstance(v, (list, dict))]
            assert not missing, (table, missing)
            for key, value in shown.items():
                assert _same(got[key], value), (table, key, got[key], value)
            # A column that only other rows have (an SLO's version when it has a history, an
            # instance's labels `instance.customer`) is empty in this row, as null is in JSON.
            assert all(_same(got[k], None) for k in set(got) - set(want)), (table, set(got) - set(want))


def test_timestamps_are_utc_datetime_columns(db):
    df = db.sla(month="2026-03")
    assert str(df.period_start.dtype) == "datetime64[us, UTC]"
    assert df.loc[df.slo == "ledger-availability", "period_start"].iloc[0] == pd.Timestamp("2026-03-01T05:00:00Z")


def test_empty_tables_keep_their_columns(db):
    episodes = db.burn("2026-03-01T00:00:00Z", "2026-03-01T01:00:00Z", slo="auth-availability", table="episodes")
    assert episodes.empty and "peak_burn_rate" in episodes.columns


# --------------------------------------------------------------------------- one convention for arguments

def test_times_as_strings_dates_or_aware_datetimes_are_the_same(db):
    texts = db.burn("2026-03-17T00:00:00Z", "2026-03-18T00:00:00Z", slo="search-availability", table=None)
    as_dates = db.burn("2026-03-17", "2026-03-18", slo="search-availability", table=None)
    berlin = timezone(timedelta(hours=1))
    aware = db.burn(datetime(2026, 3, 17, 1, tzinfo=berlin), pd.Timestamp("2026-03-18", tz="UTC"),
                    slo="search-availability", table=None)
    assert to_json(texts) == to_json(as_dates) == to_json(aware)


def test_durations_as_strings_or_timedelta(db):
    a = db.worst(month="2026-03", slo="search-availability", window="90m", table=None)
    b = db.worst(month="2026-03", slo="search-availability", window=timedelta(minutes=90), table=None)
    assert to_json(a) == to_json(b)


@pytest.mark.parametrize("call, argument", [
    (lambda db: db.sla(month="2026-3"), "month"),
    (lambda db: db.sla(month="2026-13"), "month"),
    (lambda db: db.sla(), "month"),
    (lambda db: db.sla(month="2026-03", slo="no-such-slo"), "slo"),
    (lambda db: db.sla(month="2026-03", no_data="ignore"), "no_data"),
    (lambda db: db.sla(months=("2026-03", "2026-01")), "months"),
    (lambda db: db.burn(datetime(2026, 3, 1), "2026-03-02", slo="search-availability"), "start"),
    (lambda db: db.burn("2026-03-02", "2026-03-01", slo="search-availability"), "end"),
    (lambda db: db.burn("2026-03-01", "2026-03-02", slo="search-availability", windows=["1x"]), "windows"),
    (lambda db: db.worst(month="2026-03", window="90s"), "window"),
    (lambda db: db.worst(month="2026-03", top=0), "top"),
    (lambda db: db.budget(month="2026-03", step="30s", slo="ledger-availability"), "step"),
    (lambda db: db.credits(month="2026-03", tiers=["99.9"]), "tiers"),
    (lambda db: db.credits(month="2026-03", sla_target="high"), "sla_target"),
    (lambda db: db.sla(month="2026-03", min_coverage=90), "min_coverage"),
    (lambda db: db.incidents(month="2026-03", tz="Mars/Olympus"), "tz"),
    (lambda db: db.incidents(month="2026-03", ack_targets={"SEV-9": 5}), "ack_targets"),
    (lambda db: db.impact("INC-9999"), "incident"),
    (lambda db: db.impact(), "incident"),
    (lambda db: db.mttx(months="2026-01"), "months"),
    (lambda db: db.sla(month="2026-03", table="nope"), "table"),
    (lambda db: db.slo("nope"), "name"),
    (lambda db: db.series("nope", "2026-03-01", "2026-03-02"), "slo"),
    (lambda db: db.series("search-availability", "2026-03-02", "2026-03-01"), "end"),
    (lambda db: db.latency(month="2026-03"), "service"),
    (lambda db: db.changes(hours="2"), "hours"),
    (lambda db: db.recurrence(similarity=2.0), "similarity"),
    (lambda db: db.compliance(month="2026-03", as_of="yesterday"), "as_of"),
])
def test_a_bad_argument_names_the_argument(db, call, argument):
    with pytest.raises(rel.ArgumentError) as info:
        call(db)
    assert info.value.argument == argument, str(info.value)
    assert isinstance(info.value, ValueError)
    assert "--" not in str(info.value), "the message names the Python argument, not the CLI option"


# --------------------------------------------------------------------------- reading never creates

def test_open_refuses_a_missing_path_and_creates_nothing(tmp_path):
    missing = tmp_path / "typo.duckdb"
    with pytest.raises(FileNotFoundError, match="typo.duckdb"):
        rel.open(missing)
    assert not missing.exists() and list(tmp_path.iterdir()) == []


def test_open_refuses_what_is_not_a_reliability_database(tmp_path):
    text = tmp_path / "notes.csv"
    text.write_text("a,b\n1,2\n")
    with pytest.raises(rel.NotADatabase, match="notes.csv"):
        rel.open(text)
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("create table t as select 1 as x")
    con.close()
    before = other.read_bytes()
    with pytest.raises(rel.NotADatabase, match="not one written by reliability"):
        rel.open(other)
    assert other.read_bytes() == before
    with pytest.raises(rel.NotADatabase):
        rel.open(tmp_path)


def test_a_database_removed_after_open_is_not_recreated(tmp_path, demo_db):  # noqa: F811
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(demo_db.read_bytes())
    db = rel.open(copy)
    assert len(db.slos()) == 17
    copy.unlink()
    with pytest.raises(FileNotFoundError):
        db.slos()
    assert not copy.exists()


def test_the_api_holds_no_connection_between_calls(tmp_path, demo_db):  # noqa: F811
    """A writer can write while a notebook keeps its Database object."""
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(demo_db.read_bytes())
    db = rel.open(copy)
    db.sla(month="2026-03")
    r = run_cli("slo", "apply", str(_one_slo(tmp_path)), db=copy, env={"RELIABILITY_LOCK_WAIT": "0"})
    assert r.code == 0, r.stderr
    assert "api-extra" in db.slos().slo.tolist()


def _one_slo(folder):
    from test_sla import slo_yaml

    path = folder / "extra.yaml"
    path.write_text(slo_yaml("api-extra", "Occurrences", "UTC", service="search"))
    return path


# --------------------------------------------------------------------------- the package stays light

def test_importing_reliability_loads_neither_pandas_nor_duckdb():
    """`reliability --help` must start fast: the API loads on first use (PEP 562)."""
    code = ("import sys, reliability; assert 'pandas' not in sys.modules and 'duckdb' not in sys.modules;"
            " assert callable(reliability.open) and 'pandas' in sys.modules; print(sorted(reliability.__all__))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "open" in r.stdout and "Database" in r.stdout


def test_help_is_enough_to_use_a_method(db):
    import pydoc

    text = pydoc.render_doc(db.sla, renderer=pydoc.plaintext)
    for needed in ("month", "slo", "no_data", "Columns", "attainment", "Example", ">>> "):
        assert needed in text, needed


def test_latency_from_histograms_is_the_json_of_the_command(tmp_path):
    """Latency has no histograms in the sample: the buckets of tests/test_latency.py, whose
    quantiles are worked by hand there."""
    from test_latency import EXPECTED_SLICES, SLICES, _csv

    path = tmp_path / "h.duckdb"
    (tmp_path / "h.csv").write_text(_csv(SLICES))
    assert run_cli("ingest", "histogram", tmp_path / "h.csv", db=path).code == 0
    db = rel.open(path)
    cli = run_cli("latency", "--service", "api", "--sli", "latency", "--month", "2025-11", "--quantile", "0.5",
                  "--quantile", "0.95", "--quantile", "0.99", "--scale", "1000", "--json", db=path).json()
    doc = db.latency(month="2025-11", service="api", sli="latency", quantiles=[0.5, 0.95, 0.99], scale=1000, table=None)
    assert json.loads(to_json(doc)) == cli
    slices = db.latency(month="2025-11", service="api", sli="latency")
    assert [{k: (iso_z(v.to_pydatetime()) if k == "ts" else (None if v is None or v != v else v)) for k, v in r.items()}
            for r in slices.to_dict("records")] == EXPECTED_SLICES
    period = db.latency(month="2025-11", service="api", sli="latency", table="period")
    assert period[["slices", "count", "p95", "p99"]].iloc[0].tolist() == [3, 200.0, 1.0, 1.0]


def test_slos_are_slo_list(db, demo_db):  # noqa: F811
    cli = run_cli("slo", "list", "--json", db=demo_db).json()["slos"]
    got = json.loads(to_json(db.slos().to_dict("records")))
    # Labels spread over columns (labels.team ...); `group_by` is a field of per-instance SLOs
    # only: the other rows have it empty.
    want = [_flat(r) for r in cli]
    assert [{k: v for k, v in g.items() if k in w or v is not None} for g, w in zip(got, want, strict=True)] == want
    assert db.slo("search-availability").objectives[0].target == 0.999


def test_series_are_the_stored_slices(db):
    """db.series returns the rows `reliability demo` stored: the sample's own generator, called
    independently, gives the same minutes and counts (here the hour of the March search outage)."""
    from reliability import sample

    start, end = datetime(2026, 3, 17, 15, tzinfo=timezone.utc), datetime(2026, 3, 17, 16, tzinfo=timezone.utc)
    want = sample.series("search", "availability", start, end, sample.load_incidents())
    got = db.series("search-availability", start, end)
    assert len(got) == 60
    assert got.ts.tolist() == [pd.Timestamp(t, tz="UTC") for t in want["ts"]]
    assert got.good.tolist() == want["good"].astype(float).tolist()
    assert got.total.tolist() == want["total"].astype(float).tolist()
    assert got.value.isna().all()


def test_the_documents_own_fields_are_in_attrs(db, demo_db):  # noqa: F811
    assert db.sla(month="2026-03").attrs == {"month": "2026-03", "no_data_policy": "good", "min_coverage": 0.9}
    cli = run_cli("incidents", "--month", "2026-03", "--json", db=demo_db).json()
    attrs = db.incidents(month="2026-03").attrs
    assert attrs["count"] == cli["count"] == 17 and iso_z(attrs["period_start"]) == cli["period_start"]


# Every command that prints analysis as --json has its method; those that write (ingest, extract)
# or draft text (report update) are left out on purpose, so a new command cannot be missed.
API_OF_COMMAND = {
    "sla": "sla", "budget": "budget", "burn": "burn", "worst": "worst", "credits": "credits", "latency": "latency",
    "incidents": "incidents", "mttx": "mttx", "compliance": "compliance", "action-items": "action_items",
    "impact": "impact", "recurrence": "recurrence", "changes": "changes", "slo list": "slos",
    "slo history": "slo_history", "coverage": "coverage",
    "contracts list": "contracts", "contracts breaches": "contract_breaches", "contracts risk": "contracts_at_risk",
}
NOT_ANALYSIS = {"report update"}


def test_every_analysis_command_has_a_method():
    import click

    from reliability.cli import cli

    def walk(group, prefix=()):
        for name, cmd in sorted(group.commands.items()):
            if isinstance(cmd, click.Group):
                yield from walk(cmd, prefix + (name,))
            else:
                yield " ".join(prefix + (name,)), cmd

    with_json = {path for path, cmd in walk(cli) if any(p.name == "as_json" for p in cmd.params)}
    analysis = {p for p in with_json if not p.startswith(("ingest ", "extract "))} - NOT_ANALYSIS
    assert analysis == set(API_OF_COMMAND)
    assert all(callable(getattr(rel.Database, m, None)) for m in API_OF_COMMAND.values())


def test_open_without_a_path_takes_the_command_lines_default(demo_db, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("RELIABILITY_DB", str(demo_db))
    assert rel.open().path == demo_db
    monkeypatch.delenv("RELIABILITY_DB")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="reliability.duckdb"):
        rel.open()
    assert list(tmp_path.iterdir()) == []
