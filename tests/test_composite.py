"""Composite SLOs: a journey over SLOs of different budgeting methods (docs/sla.md).

November 2025 (UTC, 43,200 one-minute slices). Members, by construction:

- gw (Occurrences, 99.9 %): 100 requests a minute; 5 fail in each of the first 432 minutes:
  attainment = 1 - 2,160 / 4,320,000 = 0.9995 exactly.
- pay (Timeslices, 99.9 %, a slice is good at >= 95 %): the first 86 minutes are bad:
  attainment = 43,114 / 43,200.
- cart (Timeslices): data from 2025-11-16 only, all good: coverage 0.5, insufficient data.

Composites: weighted (gw weight 2, pay weight 1, target 99.5 %), worst-of (same members,
target 99.9 %) and one with cart (must not be green although its numbers look fine).
Expected values are computed here with fractions, independently of the code under test.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import assert_bad_input, run_cli

UTC = timezone.utc
START = datetime(2025, 11, 1, tzinfo=UTC)
N = 43_200
A_GW = Fraction(9995, 10000)
A_PAY = Fraction(43_114, 43_200)


def _slo(name: str, service: str, method: str) -> str:
    objective = "    - displayName: main\n      target: 0.999\n"
    if method == "Timeslices":
        objective += "      timeSliceTarget: 0.95\n      timeSliceWindow: 1m\n"
    return (
        f"apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: {name}\nspec:\n  service: {service}\n"
        "  indicator:\n    metadata:\n      name: availability\n    spec:\n      ratioMetric:\n"
        "        counter: false\n"
        "        good: {metricSource: {type: Prometheus, spec: {query: 'sum(ok)'}}}\n"
        "        total: {metricSource: {type: Prometheus, spec: {query: 'sum(all)'}}}\n"
        "  timeWindow:\n    - duration: 1M\n      isRolling: false\n"
        "      calendar: {startTime: 2024-01-01 00:00:00, timeZone: UTC}\n"
        f"  budgetingMethod: {method}\n  objectives:\n{objective}"
    )


def _composite(name: str, aggregation: str, target: str, members: list[tuple[str, float]]) -> str:
    items = "".join(f"                - slo: {m}\n                  weight: {w}\n" for m, w in members)
    return (
        f"apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: {name}\n  displayName: Checkout journey\n"
        "spec:\n  service: checkout\n"
        "  timeWindow:\n    - duration: 1M\n      isRolling: false\n"
        "      calendar: {startTime: 2024-01-01 00:00:00, timeZone: UTC}\n"
        "  objectives:\n"
        f"    - displayName: journey\n      {target}\n"
        f"      composite:\n        aggregation: {aggregation}\n        components:\n          objectives:\n"
        + items.replace("                ", "            ")
    )


@pytest.fixture(scope="module")
def journey_db(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("composite")
    db = tmp / "c.duckdb"
    defs = tmp / "slos.yaml"
    defs.write_text("---\n".join([_slo("gw", "gw", "Occurrences"), _slo("pay", "pay", "Timeslices"),
                                   _slo("cart", "cart", "Timeslices")]))
    journeys = tmp / "journeys.yaml"
    journeys.write_text("---\n".join([
        _composite("journey-weighted", "weighted", "target: 0.995", [("gw", 2), ("pay", 1)]),
        _composite("journey-worst", "worst", "targetPercent: 99.9", [("gw", 1), ("pay", 1)]),
        _composite("journey-cart", "weighted", "target: 0.99", [("gw", 1), ("cart", 1)]),
    ]))
    series = tmp / "series.csv"
    with series.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["timestamp", "service", "sli", "good", "total"])
        for m in range(N):
            t = START + timedelta(minutes=m)
            ts = t.strftime("%Y-%m-%dT%H:%M:%SZ")
            w.writerow([ts, "gw", "availability", 95 if m < 432 else 100, 100])
            w.writerow([ts, "pay", "availability", 0 if m < 86 else 10, 10])
            if t >= datetime(2025, 11, 16, tzinfo=UTC):
                w.writerow([ts, "cart", "availability", 3, 3])
    for args in (("slo", "apply", defs), ("slo", "apply", journeys), ("ingest", "series", series)):
        r = run_cli(*args, db=db)
        assert r.code == 0, r.stderr
    return db


def _composites(db: Path, *args: str) -> dict[str, dict]:
    r = run_cli("sla", "--month", "2025-11", *args, "--json", db=db)
    assert r.code == 0, r.stderr
    return {c["slo"]: c for c in r.json()["composites"]}


def test_weighted_composite_exact(journey_db):
    c = _composites(journey_db)["journey-weighted"]
    a = Fraction(2, 3) * A_GW + Fraction(1, 3) * A_PAY
    assert c["attainment"] == float(a)
    assert c["bad"] == float(1 - a) and c["allowed_bad"] == float(Fraction(5, 1000))
    assert c["error_budget_remaining"] == float(1 - (1 - a) / Fraction(5, 1000))
    assert (c["status"], c["breached"], c["budget_unit"]) == ("met", False, "share")
    gw, pay = c["members"]
    assert (gw["slo"], gw["weight"], gw["budgeting_method"]) == ("gw", float(Fraction(2, 3)), "Occurrences")
    assert (pay["budgeting_method"], pay["attainment"]) == ("Timeslices", float(A_PAY))
    assert gw["contribution"] == float(Fraction(2, 3) * (1 - A_GW))
    assert pay["contribution"] == float(Fraction(1, 3) * (1 - A_PAY))


def test_worst_of_composite_exact(journey_db):
    c = _composites(journey_db)["journey-worst"]
    assert c["attainment"] == float(A_PAY)  # 0.99801 < 0.9995
    assert c["breached"] is True and c["status"] == "breached"
    assert c["error_budget_remaining"] == float(1 - (1 - A_PAY) / Fraction(1, 1000))
    assert [m["worst"] for m in c["members"]] == [False, True]


def test_member_with_insufficient_data_is_never_green(journey_db):
    c = _composites(journey_db)["journey-cart"]
    assert c["attainment"] == float((A_GW + 1) / 2)  # above the 99 % target...
    assert c["breached"] is False
    assert c["status"] == "insufficient_data"  # ...but cart has half a month of data
    assert c["data_coverage"] == 0.5
    table = run_cli("sla", "--month", "2025-11", "--slo", "journey-cart", db=journey_db).stdout
    assert "insufficient data" in table and "journey-cart" in table


def test_composite_alone_and_history(journey_db):
    only = run_cli("sla", "--month", "2025-11", "--slo", "journey-worst", "--json", db=journey_db).json()
    assert only["slos"] == [] and [c["slo"] for c in only["composites"]] == ["journey-worst"]
    hist = run_cli("sla", "--from", "2025-10", "--to", "2025-11", "--slo", "journey-weighted", "--json",
                   db=journey_db).json()
    october, november = hist["months"]
    assert october["composites"][0]["status"] == "insufficient_data"  # no data at all in October
    assert november["composites"][0]["attainment"] == float(Fraction(2, 3) * A_GW + Fraction(1, 3) * A_PAY)


def test_composite_budget_and_burn(journey_db):
    a = Fraction(2, 3) * A_GW + Fraction(1, 3) * A_PAY
    burn = run_cli("burn", "--slo", "journey-weighted", "--from", "2025-11-01", "--to", "2025-12-01",
                   "--window", "1d", "--json", db=journey_db).json()
    assert burn["burn_rate"] == pytest.approx(float((1 - a) / Fraction(5, 1000)), rel=1e-12)
    assert burn["burn_rates_at_end"]["1d"] == 0  # the last day was all good
    budget = run_cli("budget", "--month", "2025-11", "--slo", "journey-weighted", "--json", db=journey_db).json()
    assert len(budget["points"]) == 30
    assert budget["points"][-1]["remaining"] == pytest.approx(float(1 - (1 - a) / Fraction(5, 1000)), rel=1e-12)
    # day 1 holds every failure of both members: 2,160 of 144,000 requests, 86 of 1,440 minutes
    day1 = Fraction(2, 3) * (1 - Fraction(2160, 144_000)) + Fraction(1, 3) * Fraction(1440 - 86, 1440)
    assert budget["points"][0]["attainment"] == pytest.approx(float(day1), rel=1e-12)


@pytest.mark.parametrize(
    ("members", "fragment"),
    [
        ([("gw", 1), ("nope", 1)], "components.objectives[1].slo"),
        ([("gw", 0)], "components.objectives[0].weight"),
        ([("journey-weighted", 1)], "components.objectives[0].slo"),
    ],
)
def test_bad_composites_are_bad_input(journey_db, tmp_path, members, fragment):
    f = tmp_path / "bad.yaml"
    f.write_text(_composite("journey-bad", "weighted", "target: 0.99", members))
    assert_bad_input(run_cli("slo", "apply", f, db=journey_db), str(f.name), "document 1", fragment)


def test_python_api_composites_table(journey_db):
    import reliability as rel

    frame = rel.open(journey_db).sla(month="2025-11", table="composites")
    row = frame.set_index("slo").loc["journey-weighted"]
    assert row["attainment"] == float(Fraction(2, 3) * A_GW + Fraction(1, 3) * A_PAY)
    assert row["status"] == "met" and row["budget_unit"] == "share"


def test_app_overview_shows_the_journeys(journey_db, monkeypatch):
    """The overview's composite block (docs/app.md): one line per journey and one per member,
    the numbers of sla --json (percent), the journey with an unmeasured member without a
    verdict."""
    from streamlit.testing.v1 import AppTest

    from test_app_pages import PAGES, TIMEOUT

    monkeypatch.setenv("RELIABILITY_DB", str(journey_db))
    at = AppTest.from_file(str(PAGES / "overview.py"), default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value == "User journeys: composite SLOs (2025-11)" for s in at.subheader)
    from app_fixtures import shown_tables

    frames = shown_tables(at)
    [journeys] = [f for f in frames if "journey" in f.columns and "rule" in f.columns]
    [members] = [f for f in frames if "member" in f.columns]
    j = journeys.set_index("journey")
    a = Fraction(2, 3) * A_GW + Fraction(1, 3) * A_PAY
    assert list(j.index) == ["journey-cart", "journey-weighted", "journey-worst"]
    assert j.loc["journey-weighted", "rule"] == "weighted of 2" and j.loc["journey-worst", "rule"] == "worst of 2"
    assert j.loc["journey-weighted", "attainment %"] == f"{float(a) * 100:.4f}"
    assert j.loc["journey-weighted", "budget left %"] == f"{float(1 - (1 - a) / Fraction(5, 1000)) * 100:.1f}"
    assert j.loc["journey-worst", "attainment %"] == f"{float(A_PAY) * 100:.4f}"
    assert list(j["status"]) == ["insufficient_data", "met", "breached"]
    assert j.loc["journey-cart", "coverage %"] == "50.0"
    m = members[members["journey"] == "journey-worst"].set_index("member")
    assert list(m["budgeting method"]) == ["Occurrences", "Timeslices"]
    assert m.loc["pay", "status"] == "breached (worst)" and m.loc["gw", "attainment %"] == f"{float(A_GW) * 100:.4f}"
    assert list(members.loc[members["journey"] == "journey-weighted", "weight"]) == ["0.6667", "0.3333"]
