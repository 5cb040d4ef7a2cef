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
