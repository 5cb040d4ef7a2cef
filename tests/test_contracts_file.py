"""`reliability contracts apply`: the contracts file validated (file, contract and field named,
exit 2, nothing written), stored, replaced on re-apply; list, show, remove; --contracts FILE."""

from __future__ import annotations

import duckdb
import pytest

from conftest import assert_bad_input, run_cli
import contract_fixtures
from contract_fixtures import contract

GOOD = contract("acme-gw", "acme", ["api-gateway-availability"])


def _with(old: str, new: str, text: str = GOOD) -> str:
    assert old in text, old
    return text.replace(old, new)


CASES = [  # (what, file text, field named, message fragment)
    ("tier above 100", _with("below: 99, credit: 100", "below: 120, credit: 100"), "spec.tiers[2].below",
     "expected a percent in (0, 100]"),
    ("credit not a number", _with("credit: 25", "credit: lots"), "spec.tiers[1].credit", "expected a percent"),
    ("lower bound credits less", _with("below: 99, credit: 100", "below: 99, credit: 5"), "spec.tiers[2].credit",
     "must not credit less"),
    ("same bound twice", _with("below: 99, credit: 100", "below: 99.9, credit: 100"), "spec.tiers[2].below",
     "given twice"),
    ("unknown currency", _with("currency: USD", "currency: usd"), "spec.currency", "ISO 4217"),
    ("negative fee", _with("monthlyFee: 10000", "monthlyFee: -5"), "spec.monthlyFee", "at least 0"),
    ("bad zone", _with("timeZone: UTC", "timeZone: Mars/Olympus"), "spec.timeZone", "IANA"),
    ("bad date", _with("start: 2025-10-01", "start: 2025-13-01"), "spec.start", "expected a date"),
    ("end before start", _with("start: 2025-10-01", "start: 2025-10-01\n  end: 2025-09-30"), "spec.end",
     "before spec.start"),
    ("typo in a key", _with("monthlyFee", "monthlyfee"), "spec.monthlyfee", "unknown field"),
    ("missing customer", _with("  customer: acme\n", ""), "spec.customer", "is required"),
    ("selector with both", _with("- slo: api-gateway-availability", "- slo: x\n      labels: {team: gw}"),
     "spec.slos[0]", "exactly one of"),
    ("exclusion without a window", GOOD + "  exclusions:\n    - {id: X, kind: maintenance, reason: r}\n",
     "spec.exclusions[0]", "either incident"),
    ("exclusion naive time", GOOD + "  exclusions:\n    - {id: X, kind: maintenance, reason: r, "
     "start: '2025-11-10 02:00:00', end: '2025-11-10T03:00:00Z'}\n", "spec.exclusions[0].start", "no time zone"),
    ("exclusion kind", GOOD + "  exclusions:\n    - {id: X, kind: act-of-god, reason: r, incident: INC-1}\n",
     "spec.exclusions[0].kind", "force-majeure"),
    ("wrong kind", _with("kind: Contract", "kind: SLO"), "kind", "expected Contract"),
]


@pytest.mark.parametrize("what, text, field, message", CASES, ids=[c[0] for c in CASES])
def test_bad_contract_names_file_contract_and_field(tmp_path, db, what, text, field, message):
    path = tmp_path / "contracts.yaml"
    path.write_text(GOOD.replace("acme-gw", "first") + "---\n" + text)
    r = run_cli("contracts", "apply", path, db=db)
    assert_bad_input(r, "contracts.yaml", f"field '{field}'", message, "contract 'acme-gw' (document 2)")
    assert len(r.stderr.strip().splitlines()) == 1
    assert not db.exists()  # nothing written, not even the database file


def test_not_yaml_and_missing_file(tmp_path, db):
    path = tmp_path / "broken.yaml"
    path.write_text("apiVersion: [unclosed\n")
    assert_bad_input(run_cli("contracts", "apply", path, db=db), "broken.yaml", "not valid YAML")
    assert_bad_input(run_cli("contracts", "apply", tmp_path / "none.yaml", db=db), "none.yaml", "no such file")
    assert not db.exists()


def test_duplicate_name_across_files(tmp_path, db):
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    assert_bad_input(run_cli("contracts", "apply", tmp_path / "a.yaml", tmp_path / "b.yaml", db=db),
                     "b.yaml", "metadata.name", "also defined in")


def _stored(db) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select name, customer from contracts order by name").fetchall()


def test_apply_stores_and_reapply_replaces(tmp_path, db):
    path = tmp_path / "c.yaml"
    path.write_text(GOOD + "---\n" + contract("globex-gw", "globex", ["x"]))
    r = run_cli("contracts", "apply", path, db=db)
    assert r.code == 0 and "applied 2 contracts (2 customers: acme, globex)" in r.stderr
    assert _stored(db) == [("acme-gw", "acme"), ("globex-gw", "globex")]
    path.write_text(_with("monthlyFee: 10000", "monthlyFee: 12500.50"))
    assert run_cli("contracts", "apply", path, db=db).code == 0
    assert _stored(db) == [("acme-gw", "acme"), ("globex-gw", "globex")]  # replaced, not duplicated
    listed = run_cli("contracts", "list", "--json", db=db).json()["contracts"]
    assert [(c["contract"], c["monthly_fee"]) for c in listed] == [("acme-gw", 12500.5), ("globex-gw", 10000.0)]
    assert listed[0]["tiers"][0] == {"below": 0.9995, "credit_percent": 10.0}
    assert "monthlyFee: 12500.5" in run_cli("contracts", "show", "acme-gw", db=db).stdout
    # A bad file leaves the stored contracts as they were.
    path.write_text(_with("currency: USD", "currency: XXQ"))
    assert run_cli("contracts", "apply", path, db=db).code == 2
    assert run_cli("contracts", "list", "--json", db=db).json()["contracts"][0]["currency"] == "USD"
    assert run_cli("contracts", "remove", "globex-gw", db=db).code == 0
    assert _stored(db) == [("acme-gw", "acme")]
    assert_bad_input(run_cli("contracts", "remove", "globex-gw", db=db), "no contract named 'globex-gw'")


def test_read_per_call_with_contracts_file(tmp_path, db):
    assert run_cli("contracts", "apply", tmp_path / "missing.yaml", db=db).code == 2
    path = tmp_path / "draft.yaml"
    path.write_text(GOOD)
    other = tmp_path / "other.yaml"
    other.write_text(contract("x", "x", ["x"]))
    assert run_cli("contracts", "apply", other, db=db).code == 0
    listed = run_cli("contracts", "list", "--contracts", path, "--json", db=db).json()["contracts"]
    assert [c["contract"] for c in listed] == ["acme-gw"]  # the file's, not the stored ones
    assert _stored(db) == [("x", "x")]  # and nothing stored


def test_reading_commands_refuse_a_missing_database(tmp_path):
    db = tmp_path / "none.duckdb"
    for args in (("contracts", "list"), ("credits", "--by", "customer"), ("contracts", "risk")):
        r = run_cli(*args, db=db)
        assert r.code == 2 and "none.duckdb" in r.stderr, (args, r.stderr)
    assert not db.exists()


def test_a_mistyped_slo_is_said_at_apply_and_where_the_credit_is_unknown(tmp_path):
    # Stored (SLOs may come after their contracts), but said at once on stderr, and the credits
    # table says why the month is unknown instead of leaving a bare "unknown".
    db = tmp_path / "typo.duckdb"
    slos = tmp_path / "slo.yaml"
    slos.write_text(contract_fixtures.slo_yaml("below-999", "Occurrences", "UTC", service="below-999"))
    assert run_cli("slo", "apply", slos, db=db).code == 0
    path = tmp_path / "typo.yaml"
    path.write_text(contract("typo-gw", "typo", ["below-99"]))
    r = run_cli("contracts", "apply", path, db=db)
    assert r.code == 0, r.stderr
    assert "applied 1 contract (1 customer: typo)" in r.stderr
    assert ("warning: contract typo-gw covers below-99, which no defined SLO matches; its credit stays "
            "unknown until that is fixed") in r.stderr
    r = run_cli("credits", "--customer", "typo", "--month", "2025-11", db=db)
    assert r.code == 0, r.stderr
    assert "unknown: typo-gw 2025-11: covers below-99, which no defined SLO matches" in r.stdout
