"""The customer statement (Markdown and PDF, read back from the PDF with pypdf) and the breach
process of contractual breaches, over tests/contract_fixtures.py's hand-made month."""

from __future__ import annotations

import pytest

import contract_fixtures as fx
from conftest import assert_bad_input, run_cli


@pytest.fixture(scope="module")
def cdb(tmp_path_factory):
    return fx.build(tmp_path_factory.mktemp("contract-reports"))


def test_statement_markdown(cdb, tmp_path):
    out = tmp_path / "c-below-999.md"
    r = run_cli("report", "statement", "--customer", "c-below-999", "--month", "2025-11", "--out", out, db=cdb)
    assert r.code == 0, r.stderr
    assert "credit owed 2,500.00 USD" in r.stderr
    text = out.read_text()
    assert "# Service credit statement: c-below-999, 2025-11" in text
    assert "credit owed: **2,500.00 USD**" in text
    # Attainment per covered SLO, against the contract's SLA level, with tier, credit and amount.
    row = next(line for line in text.splitlines() if line.startswith("| below-999"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells == ["below-999", "Occurrences", "99.89998%", "100.00%", "breached", "-", "below 99.9%", "25%",
                     "2,500.00 USD"]
    # The incident that hit the customer; not the one tagged for another customer.
    assert "| INC-T1 | SEV-2 | below-999 | 5xx after deploy |" in text and "INC-T2" not in text
    assert "Tier: below 99.9% · credit: **25%** · amount: **2,500.00 USD**" in text


def test_statement_excluded_windows_and_several_contracts(cdb, tmp_path):
    out = tmp_path / "c-excl.md"
    assert run_cli("report", "statement", "--customer", "c-excl", "--month", "2025-11", "--out", out, db=cdb).code == 0
    text = out.read_text()
    assert text.count("## Contract k-excl-") == 3
    assert ("| MW-1 | maintenance | announced database upgrade | 2025-11-10 02:00:00Z | 2025-11-10 03:00:00Z | 60 |"
            in text)
    assert "| FM-1 | force-majeure | provider outage (incident INC-EX) |" in text
    assert "credit owed: **2,500.00 USD**" in text  # only the contract without exclusions owes


def test_statement_unknown_credit_is_not_zero(cdb, tmp_path):
    out = tmp_path / "c-sparse.md"
    assert run_cli("report", "statement", "--customer", "c-sparse", "--month", "2025-11", "--out", out, db=cdb).code == 0
    text = out.read_text()
    assert "| sparse | Occurrences | 100.0000% | 66.67% | insufficient data |" in text
    assert "credit: **unknown** · amount: **unknown**" in text  # k-sparse
    assert "credit: **unknown (at least 25%)** · amount: **unknown (at least 2,500.00 USD)**" in text
    assert "credit owed: **10,000.00 USD + 2 unknown**" in text


def test_statement_pdf_read_back(cdb, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    out = tmp_path / "c-mid-ny.pdf"
    r = run_cli("report", "statement", "--customer", "c-mid-ny", "--month", "2025-11", "--out", out, db=cdb)
    if r.code != 0 and "Executable doesn't exist" in r.stderr:
        pytest.fail(r.stderr)
    assert r.code == 0, r.stderr
    assert out.read_bytes().startswith(b"%PDF")
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(out).pages)
    for shown in ("Service credit statement: c-mid-ny, 2025-11", "Credit owed: 360.00 USD",
                  "2025-11-16 05:00:00Z to 2025-12-01 05:00:00Z", "49.93%", "3,600.00 USD", "7,210.00 USD",
                  "99.94995%", "below 99.95%", "10%"):
        assert shown in text, (shown, text)
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_statement_bad_input(cdb, tmp_path):
    assert_bad_input(run_cli("report", "statement", "--customer", "nobody", "--month", "2025-11", "--out",
                             tmp_path / "x.md", db=cdb), "--customer")
    assert_bad_input(run_cli("report", "statement", "--customer", "c-mid", "--month", "2025-10", "--out",
                             tmp_path / "x.md", db=cdb), "--month", "is in force in 2025-10")
    assert_bad_input(run_cli("report", "statement", "--customer", "c-mid", "--month", "2025-11", "--out",
                             tmp_path / "x.docx", db=cdb), "--out")
    assert not list(tmp_path.iterdir())


def _breaches(db, *args) -> dict:
    r = run_cli("contracts", "breaches", "--month", "2025-11", *args, "--json", db=db)
    assert r.code == 0, r.stderr
    return r.json()


def test_breach_process_complete_with_evidence(cdb):
    doc = _breaches(cdb, "--customer", "c-below-999", "--as-of", "2025-12-15T00:00:00Z")
    [b] = doc["breaches"]
    assert (b["kind"], b["contract"], b["month"], b["slo"]) == ("contract", "k-below-999", "2025-11", "below-999")
    assert (b["credit_percent"], b["amount"], b["currency"]) == (25.0, 2500.0, "USD")
    assert [i["id"] for i in b["incidents"]] == ["INC-T1"]
    steps = b["steps"]
    assert {k: v["status"] for k, v in steps.items()} == {s: "done" for s in fx_steps()}
    assert steps["incident_declared"]["incidents"] == ["INC-T1"]
    assert steps["customer_postmortem"]["shared"][0]["incident"] == "INC-T1"
    assert steps["action_plan"]["items"] == 1
    assert b["complete"] is True and b["missing"] == []


def fx_steps():
    from reliability.contracts.breaches import STEPS

    return STEPS


def test_breach_process_judged_as_of(cdb):
    # Before the post-mortem was published (5 Nov) and shared (7 Nov): both missing.
    [b] = _breaches(cdb, "--customer", "c-below-999", "--as-of", "2025-11-04T00:00:00Z")["breaches"]
    assert b["missing"] == ["postmortem", "customer_postmortem"]


def test_breach_process_missing_steps(cdb):
    [b] = _breaches(cdb, "--customer", "c-below-99", "--as-of", "2025-12-15")["breaches"]
    assert b["steps"]["incident_declared"]["incidents"] == ["INC-B99"]
    assert b["missing"] == ["root_cause", "postmortem", "customer_postmortem", "action_plan"]
    # Credit unknown (another covered SLO with insufficient data): the credits step is missing.
    [mixed] = [x for x in _breaches(cdb, "--customer", "c-sparse")["breaches"] if x["contract"] == "k-sparse-mixed"]
    assert mixed["steps"]["credits"]["status"] == "missing" and "insufficient data on sparse" in \
        mixed["steps"]["credits"]["evidence"]


def test_breaches_summary_and_what_is_not_a_breach(cdb):
    doc = _breaches(cdb, "--as-of", "2025-12-15")
    names = sorted(b["contract"] for b in doc["breaches"])
    assert names == sorted(["k-below-9995", "k-at-999", "k-below-999", "k-at-99", "k-below-99", "k-mid", "k-mid-ny",
                            "k-end", "k-excl-none", "k-sparse-mixed", "k-sparse-max", "k-yen", "k-sum"])
    # Exactly at the SLA level, excluded away, or insufficient data: not breaches.
    assert not {"k-at-9995", "k-excl-window", "k-excl-incident", "k-sparse"} & set(names)
    assert doc["summary"]["breaches"] == 13 and doc["summary"]["complete"] == 1


def test_the_hook_other_audits_call(cdb):
    from datetime import UTC, datetime

    from reliability import store
    from reliability.contracts.breaches import contractual_breaches

    with store.connect(cdb, read_only=True) as con:
        found = contractual_breaches(con, ["2025-11"], datetime(2025, 12, 15, tzinfo=UTC))
    assert len(found) == 13 and {b["kind"] for b in found} == {"contract"}
    cli = _breaches(cdb, "--as-of", "2025-12-15")["breaches"]
    assert [(b["contract"], b["missing"]) for b in found] == [(b["contract"], b["missing"]) for b in cli]


def test_breach_table_says_what_is_missing_and_why(cdb):
    # An account manager reads the table, not the JSON: each incomplete breach is followed by
    # its missing steps with their evidence, so the next action is on screen.
    r = run_cli("contracts", "breaches", "--month", "2025-11", "--contract", "k-below-99", "--as-of", "2025-12-15",
                db=cdb)
    assert r.code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert [line.split()[1] for line in lines[2:3]] == ["k-below-99"]
    assert "1 contractual breach: 0 complete, 1 with steps missing" in r.stdout
    assert "k-below-99 2025-11: 4 steps missing" in r.stdout
    root = next(line for line in lines if line.strip().startswith("root_cause:"))
    assert "INC-B99" in root
    complete = run_cli("contracts", "breaches", "--month", "2025-11", "--contract", "k-below-999",
                       "--as-of", "2025-12-15", db=cdb)
    assert "1 contractual breach: 1 complete, 0 with steps missing" in complete.stdout
    assert "missing" not in complete.stdout.split("\n", 3)[-1].replace("with steps missing", "")


def test_breaches_and_risk_take_contract_and_customer(cdb):
    doc = _breaches(cdb, "--contract", "k-below-999", "--as-of", "2025-12-15")
    assert [b["contract"] for b in doc["breaches"]] == ["k-below-999"]
    r = run_cli("contracts", "breaches", "--month", "2025-11", "--contract", "k-nope", db=cdb)
    assert_bad_input(r, "--contract")
    risk = run_cli("contracts", "risk", "--month", "2025-11", "--customer", "c-below-999", "--json", db=cdb)
    assert risk.code == 0, risk.stderr
    assert {c["customer"] for c in risk.json()["contracts"]} == {"c-below-999"}
    risk = run_cli("contracts", "risk", "--month", "2025-11", "--contract", "k-below-999", "--json", db=cdb)
    assert [c["contract"] for c in risk.json()["contracts"]] == ["k-below-999"]


def test_risk_table_says_why_a_contract_is_unknown(cdb):
    # On 10 December the fixture's series hold December's first 6 hours only (they end
    # 2025-12-01 06:00 UTC): 6 h of the 9 days so far, 2.8% — unknown, and the table says which
    # SLO has how much data, never a blank that could read as "fine".
    r = run_cli("contracts", "risk", "--month", "2025-12", "--at", "2025-12-10", "--contract", "k-below-999", db=cdb)
    assert r.code == 0, r.stderr
    assert "2025-12 measured up to 2025-12-10 00:00 UTC" in r.stdout
    assert ("unknown: k-below-999: below-999 has data for 2.8% of the period so far (below 90%: no verdict, "
            "never counted as ok)") in r.stdout
