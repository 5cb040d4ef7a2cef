"""Credits per customer contract, by hand (tests/contract_fixtures.py builds the data).

Every expected value below is worked out from the fixture's counts with the rules of
docs/contracts.md: attainment = 1 − failed / requests over the contract's SLA period, the credit
of the lowest tier strictly below, amount = credit × monthly fee × share of the month, rounded
half up to the currency's minor unit.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

import contract_fixtures as fx
from conftest import run_cli


@pytest.fixture(scope="module")
def cdb(tmp_path_factory):
    return fx.build(tmp_path_factory.mktemp("contracts"))


def customers(db, *args) -> dict:
    r = run_cli("credits", "--month", "2025-11", "--by", "customer", *args, "--json", db=db)
    assert r.code == 0, r.stderr
    return r.json()


@pytest.fixture(scope="module")
def november(cdb) -> dict[str, dict]:
    doc = customers(cdb)
    return {d["contract"]: d for c in doc["customers"] for d in c["contracts"]}


def _ratio(failed: int, requests: int) -> float:
    return float(1 - Fraction(failed, requests))


# (contract, failed, attainment exactly at/below, tier bound, credit %, amount in USD)
BOUNDARIES = [
    ("k-at-9995", 2_160, None, 0.0, 0.0),
    ("k-below-9995", 2_161, 0.9995, 10.0, 1000.0),
    ("k-at-999", 4_320, 0.9995, 10.0, 1000.0),
    ("k-below-999", 4_321, 0.999, 25.0, 2500.0),
    ("k-at-99", 43_200, 0.999, 25.0, 2500.0),
    ("k-below-99", 43_201, 0.99, 100.0, 10000.0),
]


@pytest.mark.parametrize("name, failed, tier, credit, amount", BOUNDARIES, ids=[b[0] for b in BOUNDARIES])
def test_credit_at_each_tier_boundary_per_customer(november, name, failed, tier, credit, amount):
    d = november[name]
    assert d["customer"] == fx.BOUNDARY_CUSTOMERS[name[2:]]
    [slo] = d["slos"]
    assert slo["attainment"] == _ratio(failed, fx.MONTH_REQUESTS)
    assert (slo["tier_below"], d["credit_percent"], d["amount"]) == (tier, credit, amount)
    assert d["status"] == ("credit_owed" if credit else "met") and d["breached"] is bool(credit)
    assert (d["share_of_month"], d["fee_for_period"], d["currency"]) == (1.0, 10000.0, "USD")


def test_exactly_at_a_bound_is_not_below_it(november):
    # 2,160 of 4,320,000 failed: 99.95 % exactly, not below 99.95 %: no credit of that tier.
    assert november["k-at-9995"]["slos"][0]["attainment"] == 0.9995
    assert november["k-at-9995"]["credit_percent"] == 0.0


def test_contract_starting_mid_month(november):
    """Starts 2025-11-16 (UTC): the SLA period is 16-30 November, 15 of 30 days. The 10,000
    requests failed on the 5th are outside it; 1,100 of 2,160,000 inside: 99.94907 %, below
    99.95 %: 10 % of the prorated fee 10,000 x 15/30 = 5,000, so 500.00 USD."""
    d = november["k-mid"]
    assert (d["period_start"], d["period_end"]) == ("2025-11-16T00:00:00Z", "2025-12-01T00:00:00Z")
    assert (d["share_of_month"], d["prorated"], d["fee_for_period"]) == (0.5, True, 5000.0)
    [slo] = d["slos"]
    assert slo["attainment"] == _ratio(1_100, 15 * 1440 * 100)
    assert slo["slices"] == 15 * 1440 and slo["data_coverage"] == 1.0
    assert (d["credit_percent"], d["amount"]) == (10.0, 500.0)
    # Counted over the whole month it would be 11,100 failed: below 99.9 % (25 %).
    assert _ratio(11_100, fx.MONTH_REQUESTS) < 0.999


def test_contract_starting_mid_month_in_new_york(november):
    """New York's November 2025 has 721 hours (DST ends on the 2nd): 04:00Z on the 1st to 05:00Z
    on 1 December. From the 16th (05:00Z) the period is 360 hours: share 360/721, the fee
    7,210 x 360/721 = 3,600.00; 1,081 of 2,160,000 failed: below 99.95 %: 360.00 USD."""
    d = november["k-mid-ny"]
    assert (d["period_start"], d["period_end"]) == ("2025-11-16T05:00:00Z", "2025-12-01T05:00:00Z")
    assert d["share_of_month"] == 360 / 721 and d["fee_for_period"] == 3600.0
    assert d["slos"][0]["attainment"] == _ratio(1_081, 360 * 60 * 100)
    assert (d["credit_percent"], d["amount"], d["partial"]) == (10.0, 360.0, False)


def test_contract_ending_mid_month(november):
    """Ends 2025-11-10 (included): 10 of 30 days; 4,321 of 1,440,000 failed: 99.69993 %, below
    99.9 % but not 99 %: 25 % of 10,000 / 3 = 833.33 USD (833.3333... rounded half up)."""
    d = november["k-end"]
    assert d["period_end"] == "2025-11-11T00:00:00Z" and d["share_of_month"] == 1 / 3
    assert d["slos"][0]["attainment"] == _ratio(4_321, 10 * 1440 * 100)
    assert (d["credit_percent"], d["amount"], d["fee_for_period"]) == (25.0, 833.33, 3333.33)


def test_not_in_force_is_absent(cdb):
    doc = customers(cdb, "--customer", "c-mid")
    assert [d["month"] for c in doc["customers"] for d in c["contracts"]] == ["2025-11"]
    r = run_cli("credits", "--by", "customer", "--from", "2025-09", "--to", "2025-12", "--customer", "c-end",
                "--json", db=cdb)
    assert [d["month"] for d in r.json()["customers"][0]["contracts"]] == ["2025-10", "2025-11"]


@pytest.mark.parametrize("name", ["k-excl-window", "k-excl-incident"])
def test_an_exclusion_leaves_its_window_out(november, name):
    """5,000 requests failed inside 02:00-03:00Z on the 10th; left out, the month has 43,140
    slices, 4,314,000 requests and 1,000 failed: 99.97682 %, no credit. Without it: 6,000 of
    4,320,000, below 99.9 %: 25 %."""
    d = november[name]
    [slo] = d["slos"]
    assert (slo["slices"], slo["excluded_slices"], slo["excluded_minutes"]) == (43_140, 60, 60.0)
    assert slo["attainment"] == _ratio(1_000, 4_314_000)
    assert (d["credit_percent"], d["amount"]) == (0.0, 0.0)
    [ex] = d["exclusions"]
    assert (ex["start"], ex["end"], ex["minutes_in_period"]) == ("2025-11-10T02:00:00Z", "2025-11-10T03:00:00Z", 60.0)
    assert slo["exclusions"] == [ex["id"]] and d["warnings"] == []
    none = november["k-excl-none"]
    assert none["slos"][0]["attainment"] == _ratio(6_000, fx.MONTH_REQUESTS)
    assert (none["credit_percent"], none["amount"]) == (25.0, 2500.0)


def test_insufficient_data_owes_an_unknown_credit_never_0(november):
    """Data for 20 of 30 days (coverage 2/3 < 0.9): the credit is unknown, not 0."""
    d = november["k-sparse"]
    assert d["slos"][0]["status"] == "insufficient_data" and d["slos"][0]["data_coverage"] == 2 / 3
    assert (d["status"], d["credit_percent"], d["amount"]) == ("unknown", None, None)
    assert (d["credit_percent_at_least"], d["amount_at_least"]) == (0.0, 0.0)
    # With another covered SLO owing 25 %: unknown, but at least 25 % (2,500.00 USD).
    mixed = november["k-sparse-mixed"]
    assert (mixed["credit_percent"], mixed["amount"]) == (None, None)
    assert (mixed["credit_percent_at_least"], mixed["amount_at_least"]) == (25.0, 2500.0)
    # With one owing 100 % (the most `max` can give): known whatever the other owes.
    assert (november["k-sparse-max"]["credit_percent"], november["k-sparse-max"]["amount"]) == (100.0, 10000.0)


def test_min_coverage_option_decides_the_unknown(cdb):
    doc = run_cli("credits", "--month", "2025-11", "--contract", "k-sparse", "--min-coverage", "0.6", "--json",
                  db=cdb).json()
    [d] = doc["customers"][0]["contracts"]
    assert (d["credit_percent"], d["amount"], d["min_coverage"]) == (0.0, 0.0, 0.6)


def test_amounts_round_to_the_currency_minor_unit(november):
    # 10 % of 1,234,567 JPY = 123,456.7, rounded half up to whole yen.
    assert (november["k-yen"]["amount"], november["k-yen"]["currency"]) == (123_457, "JPY")


def test_combine_sum_adds_the_credits(november):
    assert (november["k-sum"]["credit_percent"], november["k-sum"]["amount"]) == (35.0, 3500.0)


def test_totals_per_customer_and_currency(cdb):
    doc = customers(cdb, "--customer", "C-EXCL")  # the customer id, any case
    [c] = doc["customers"]
    assert c["customer"] == "c-excl" and len(c["contracts"]) == 3
    assert c["totals"] == [{"currency": "USD", "owed": 2500.0, "contract_months": 3, "with_credit": 1,
                            "unknown": 0, "unknown_at_least": 0.0}]


def test_liability_per_month_and_currency(cdb):
    r = run_cli("credits", "--liability", "--from", "2025-10", "--to", "2025-11", "--json", db=cdb)
    assert r.code == 0, r.stderr
    doc = r.json()
    nov = next(m for m in doc["months"] if m["month"] == "2025-11")
    by = {t["currency"]: t for t in nov["currencies"]}
    owed_usd = 1000 + 1000 + 2500 + 2500 + 10000 + 500 + 360 + 833.33 + 2500 + 10000 + 3500
    assert by["USD"]["owed"] == round(owed_usd, 2)
    assert by["JPY"]["owed"] == 123_457
    assert (by["USD"]["unknown"], by["USD"]["unknown_at_least"]) == (2, 2500.0)
    assert sorted(u["contract"] for u in nov["unknown"]) == ["k-sparse", "k-sparse-mixed"]
    assert all("insufficient data: sparse" in u["why"] for u in nov["unknown"])
    # October: no series at all, so every contract in force then is unknown, none counted as 0 owed.
    octo = next(m for m in doc["months"] if m["month"] == "2025-10")
    assert all(t["owed"] == 0 and t["unknown"] == t["contract_months"] for t in octo["currencies"])
    table = run_cli("credits", "--liability", "--from", "2025-10", "--to", "2025-11", db=cdb)
    assert "2025-11  JPY" in table.stdout and "123,457 JPY" in table.stdout
    assert "unknown: 2025-11 k-sparse (c-sparse): insufficient data: sparse" in table.stdout


def test_the_table_shows_the_json_numbers(cdb, november):
    r = run_cli("credits", "--month", "2025-11", "--customer", "c-mid", db=cdb)
    assert r.code == 0, r.stderr
    [line] = [ln for ln in r.stdout.splitlines() if ln.startswith("c-mid ")]
    assert line.split() == ["c-mid", "k-mid", "2025-11", "50.0%", "99.9491%", "below", "99.95%", "10%",
                            "500.00", "USD"]


@pytest.mark.parametrize("args, field", [
    (("--customer", "nobody"), "--customer"),
    (("--contract", "nope"), "--contract"),
    (("--by", "customer", "--tier", "99=10"), "--tier"),
    (("--by", "customer", "--slo", "mid"), "--slo"),
    (("--liability", "--from", "2025-11"), "--to"),
    (("--liability", "--from", "2025-12", "--to", "2025-11"), "--to"),
])
def test_bad_options(cdb, args, field):
    r = run_cli("credits", "--month" if "--from" not in args else "--json", *(("2025-11",) if "--from" not in args
                                                                              else ()), *args, db=cdb)
    assert r.code == 2 and "Traceback" not in r.stderr and field in r.stderr, r.stderr


def test_per_slo_credits_unchanged_without_contract_options(cdb):
    doc = run_cli("credits", "--month", "2025-11", "--min-coverage", "0", "--json", db=cdb).json()
    assert set(doc) == {"month", "tiers", "sla_target", "min_coverage", "slos"}
    assert "amount" not in doc["slos"][0]
    assert run_cli("credits", db=cdb).code == 2


def test_an_instance_that_cannot_be_measured_is_unknown(cdb, tmp_path):
    """A contract over an SLO's per-customer instance: an SLO measured as a whole (no grouping
    labels) has no such instance, and the contract says so — an unknown credit, never the whole
    SLO's in its place."""
    path = tmp_path / "instance.yaml"
    path.write_text(fx.contract("k-inst", "c-inst", ["below-99"]).replace(
        "    - slo: below-99\n", "    - slo: below-99\n      instance: {customer: c-inst}\n"))
    r = run_cli("credits", "--month", "2025-11", "--contracts", path, "--json", db=cdb)
    assert r.code == 0, r.stderr
    [d] = r.json()["customers"][0]["contracts"]
    assert (d["status"], d["credit_percent"], d["amount"], d["slos"]) == ("unknown", None, None, [])
    [problem] = d["unmeasured"]
    assert problem.startswith('covers below-99{customer="c-inst"}') and "instance cannot be measured" in problem
