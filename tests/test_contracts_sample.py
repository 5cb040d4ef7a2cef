"""The bundled sample's customer contracts: the stories data/README.md tells, exactly."""

from __future__ import annotations

from fractions import Fraction

import pytest

from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures
from conftest import run_cli


@pytest.fixture(scope="module")
def months(demo_db):  # noqa: F811
    r = run_cli("credits", "--by", "customer", "--from", "2025-10", "--to", "2026-10", "--json", db=demo_db)
    assert r.code == 0, r.stderr
    return {(d["contract"], d["month"]): d for c in r.json()["customers"] for d in c["contracts"]}


def test_three_customers_of_the_api_gateway(demo_db):  # noqa: F811
    listed = run_cli("contracts", "list", "--json", db=demo_db).json()["contracts"]
    assert [(c["contract"], c["currency"], c["monthly_fee"]) for c in listed] == [
        ("acme-gateway", "USD", 20000.0), ("globex-gateway", "EUR", 15000.0), ("initech-gateway", "JPY", 2400000.0)]
    assert {s["slo"] for c in listed for s in c["slos"]} == {"api-gateway-availability", "api-gateway-latency"}


def test_credits_owed_are_the_readmes(months):
    owing = {k: (d["credit_percent"], d["amount"], d["currency"]) for k, d in months.items() if d["credit_percent"]}
    assert owing == {("acme-gateway", "2025-10"): (10.0, 2000.0, "USD"),
                     ("initech-gateway", "2026-01"): (10.0, 240000, "JPY"),
                     ("globex-gateway", "2026-10"): (5.0, 750.0, "EUR")}
    assert all(d["credit_percent"] is not None for d in months.values())  # every month has data
    # ACME's October 2025: 51,713 of 75,153,860 failed, as `sla` counts them.
    acme = months[("acme-gateway", "2025-10")]["slos"][0]
    assert acme["attainment"] == float(1 - Fraction(51_713, 75_153_860))


def test_prorated_months(months):
    may = months[("globex-gateway", "2026-05")]
    assert (may["period_start"], may["period_end"]) == ("2026-05-17T22:00:00Z", "2026-05-31T22:00:00Z")
    assert (may["share_of_month"], may["fee_for_period"]) == (14 / 31, 6774.19)
    august = months[("initech-gateway", "2026-08")]
    assert (august["share_of_month"], august["fee_for_period"]) == (15 / 31, 1161290)
    assert ("initech-gateway", "2026-09") not in months and ("globex-gateway", "2026-04") not in months


def test_exclusions_decide_two_months(months, demo_db, tmp_path):  # noqa: F811
    acme, initech = months[("acme-gateway", "2026-10")], months[("initech-gateway", "2026-05")]
    assert (acme["exclusions"][0]["id"], acme["slos"][0]["excluded_slices"], acme["credit_percent"]) == (
        "CC-2026-10", 49, 0.0)
    assert (initech["exclusions"][0]["id"], initech["slos"][0]["excluded_slices"], initech["credit_percent"]) == (
        "FM-2026-05", 150, 0.0)
    # The same contracts without their exclusions would owe 10 % both months.
    text = run_cli("contracts", "show", "acme-gateway", db=demo_db).stdout.split("\n", 1)[1]
    bare = tmp_path / "acme.yaml"
    bare.write_text(text[: text.index("  exclusions:")])
    r = run_cli("credits", "--contracts", bare, "--month", "2026-10", "--json", db=demo_db)
    [d] = r.json()["customers"][0]["contracts"]
    assert (d["credit_percent"], d["amount"]) == (10.0, 2000.0)
    assert round(d["slos"][0]["attainment"], 7) == 0.9994383


def test_breaches_and_liability(demo_db):  # noqa: F811
    doc = run_cli("contracts", "breaches", "--from", "2025-10", "--to", "2026-10", "--as-of", "2026-11-15",
                  "--json", db=demo_db).json()
    assert [(b["contract"], b["month"], b["complete"]) for b in doc["breaches"]] == [
        ("acme-gateway", "2025-10", True), ("initech-gateway", "2026-01", True), ("globex-gateway", "2026-10", False)]
    assert doc["breaches"][2]["missing"] == ["postmortem", "customer_postmortem"]
    owed = run_cli("credits", "--liability", "--from", "2025-10", "--to", "2026-10", "--json", db=demo_db).json()
    assert {t["currency"]: t["owed"] for t in owed["totals"]} == {"EUR": 750.0, "JPY": 240000, "USD": 2000.0}
    assert owed["unknown"] == []


def test_statement_pdf_reads_as_a_customer_would(demo_db, tmp_path):  # noqa: F811
    # Globex's October 2026 statement, printed: the SLA period in Berlin's wall-clock time
    # (with the UTC instants beside it), the contract on the first page right under the
    # header (not pushed to page 2, leaving page 1 near-empty), and the "Credit owed" heading
    # on the same page as the amount.
    import pypdf

    out = tmp_path / "globex-2026-10.pdf"
    r = run_cli("report", "statement", "--customer", "globex", "--month", "2026-10", "--out", out, db=demo_db)
    assert r.code == 0, r.stderr
    assert "wrote" in r.stderr and "1 contract of globex" in r.stderr
    pages = [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(out).pages]
    assert "Contract globex-gateway" in pages[0] and "Attainment per covered SLO" in pages[0]
    assert "2026-10-01 00:00 CEST to 2026-11-01 00:00 CET" in pages[0]
    assert "2026-09-30 22:00:00Z to 2026-10-31 23:00:00Z" in pages[0]
    assert any("Credit owed Tier: below 99.7% · credit: 5% · amount: 750.00 EUR" in p for p in pages), pages
    md = tmp_path / "globex-2026-10.md"
    assert run_cli("report", "statement", "--customer", "globex", "--month", "2026-10", "--out", md,
                   db=demo_db).code == 0
    term = next(line for line in md.read_text().splitlines() if line.startswith("| 2026-05-18"))
    assert [c.strip() for c in term.strip("|").split("|")][1] == (
        "2026-10-01 00:00 CEST to 2026-11-01 00:00 CET (2026-09-30 22:00:00Z to 2026-10-31 23:00:00Z)")


INSTANCE_CONTRACTS = """\
apiVersion: reliability/v1
kind: Contract
metadata: {name: globex-own}
spec:
  customer: globex
  timeZone: UTC
  start: 2026-06-01
  monthlyFee: 15000
  currency: EUR
  slos:
    - slo: api-gateway-customer-availability
      instance: {customer: globex}
  tiers:
    - {below: 99.9, credit: 10}
    - {below: 99, credit: 25}
---
apiVersion: reliability/v1
kind: Contract
metadata: {name: initech-own}
spec:
  customer: initech
  timeZone: UTC
  start: 2026-06-01
  monthlyFee: 1000000
  currency: JPY
  slos:
    - slo: 'api-gateway-customer-availability{customer="initech"}'
  tiers:
    - {below: 99.9, credit: 10}
"""


def test_contracts_over_the_samples_per_customer_instances(demo_db, tmp_path):  # noqa: F811
    # A contract over the customer's own instance of the per-customer SLO (both spellings of the
    # address): globex's July misrouting, which the gateway as a whole hides, owes it 10 %; and
    # initech's instance, whose first request is 16 June, has half of June: unknown, never 0.
    path = tmp_path / "instances.yaml"
    path.write_text(INSTANCE_CONTRACTS)
    r = run_cli("credits", "--contracts", path, "--from", "2026-06", "--to", "2026-07", "--json", db=demo_db)
    assert r.code == 0, r.stderr
    got = {(d["contract"], d["month"]): d for c in r.json()["customers"] for d in c["contracts"]}
    sla = run_cli("sla", "--month", "2026-07", "--slo", "api-gateway-customer-availability", "--instance",
                  "customer=globex", "--json", db=demo_db).json()["slos"][0]
    july = got[("globex-own", "2026-07")]
    # JSON names an instance as every command does: the definition and its labels apart.
    assert (july["slos"][0]["slo"], july["slos"][0]["instance"]) == ("api-gateway-customer-availability",
                                                                     {"customer": "globex"})
    assert july["slos"][0]["attainment"] == sla["attainment"] and round(sla["attainment"], 5) == 0.99785
    assert (july["credit_percent"], july["amount"], july["currency"]) == (10.0, 1500.0, "EUR")
    assert got[("globex-own", "2026-06")]["credit_percent"] == 0.0
    june = got[("initech-own", "2026-06")]
    assert (june["status"], june["credit_percent"], june["amount"]) == ("unknown", None, None)
    assert june["slos"][0]["data_coverage"] == 0.5
    assert got[("initech-own", "2026-07")]["credit_percent"] == 0.0
    text = run_cli("credits", "--contracts", path, "--month", "2026-06", "--customer", "initech", db=demo_db).stdout
    assert ('unknown: initech-own 2026-06: api-gateway-customer-availability{customer="initech"} has data for '
            "50.0% of the period") in text
