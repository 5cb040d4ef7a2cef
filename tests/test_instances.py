"""Per-instance SLOs: one definition grouped by customer, each customer its own SLO (docs/sla.md).

November 2025 in UTC has 30 days = 43,200 one-minute slices. The grouped SLO is Timeslices
(a slice is good when good/total >= 0.95) with target 99.9 %, so it allows 43.2 bad minutes
per instance. By construction:

- acme: every minute has data; 50 minutes are bad (90 of 100 good). attainment
  43,150 / 43,200; bad 50; allowed 43.2; budget left 1 - 50 / 43.2 = -0.157407...; breached.
- globex: appears mid-month: data from 2025-11-16 00:00Z only (15 days = 21,600 slices), all
  good. data_coverage exactly 0.5, so insufficient_data (never met); attainment 1 with the
  default no-data policy, 0.5 with --no-data bad, 1 with --no-data exclude (21,600 / 21,600).
- initech: every minute good: met, attainment 1.

The same series key without grouping (service svc, sli availability) is measured by an
ungrouped SLO whose JSON must not change at all when the grouped one and its data arrive.
"""

from __future__ import annotations

import csv
import json
import textwrap
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import assert_bad_input, run_cli

UTC = timezone.utc
START = datetime(2025, 11, 1, tzinfo=UTC)
MINUTES = 43_200
HALF = datetime(2025, 11, 16, tzinfo=UTC)
BAD_MINUTES = range(1000, 1050)


def _slo(name: str, *, grouped: bool, method: str = "Timeslices", service: str = "gw") -> str:
    annotations = "  annotations:\n    reliability/group-by: customer\n" if grouped else ""
    objective = "    - target: 0.999\n"
    if method == "Timeslices":
        objective += "      timeSliceTarget: 0.95\n      timeSliceWindow: 1m\n"
    return (
        "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n"
        f"  name: {name}\n{annotations}"
        "spec:\n"
        f"  service: {service}\n"
        "  indicator:\n    metadata:\n      name: availability\n    spec:\n      ratioMetric:\n"
        "        counter: false\n"
        "        good: {metricSource: {type: Prometheus, spec: {query: 'sum by (customer) (rate(ok[1m]))'}}}\n"
        "        total: {metricSource: {type: Prometheus, spec: {query: 'sum by (customer) (rate(all[1m]))'}}}\n"
        "  timeWindow:\n    - duration: 1M\n      isRolling: false\n"
        "      calendar: {startTime: 2024-01-01 00:00:00, timeZone: UTC}\n"
        f"  budgetingMethod: {method}\n"
        "  objectives:\n" + objective
    )


def _write_series(path: Path, plain: Path) -> None:
    with path.open("w", newline="") as fh, plain.open("w", newline="") as ph:
        w, p = csv.writer(fh), csv.writer(ph)
        w.writerow(["timestamp", "service", "sli", "customer", "good", "total"])
        p.writerow(["timestamp", "service", "sli", "good", "total"])
        for m in range(MINUTES):
            ts = (START + timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%SZ")
            w.writerow([ts, "gw", "availability", "acme", 90 if m in BAD_MINUTES else 100, 100])
            if START + timedelta(minutes=m) >= HALF:
                w.writerow([ts, "gw", "availability", "globex", 10, 10])
            w.writerow([ts, "gw", "availability", "initech", 5, 5])
            # the ungrouped SLO's own series (another service), one bad minute
            p.writerow([ts, "plain", "availability", 0 if m == 7 else 3, 3])


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("instances")
    db = tmp / "fleet.duckdb"
    (tmp / "plain.yaml").write_text(_slo("plain-availability", grouped=False, service="plain"))
    (tmp / "gw.yaml").write_text(_slo("gw-availability", grouped=True))
    (tmp / "gw-occ.yaml").write_text(_slo("gw-requests", grouped=True, method="Occurrences"))
    assert run_cli("slo", "apply", tmp / "plain.yaml", db=db).code == 0
    series, plain = tmp / "series.csv", tmp / "plain.csv"
    _write_series(series, plain)
    before = tmp / "before.duckdb"
    assert run_cli("slo", "apply", tmp / "plain.yaml", db=before).code == 0
    assert run_cli("ingest", "series", plain, db=before).code == 0
    (tmp / "before.json").write_text(run_cli("sla", "--month", "2025-11", "--json", db=before).stdout)
    r = run_cli("slo", "apply", tmp / "gw.yaml", tmp / "gw-occ.yaml", db=db)
    assert r.code == 0, r.stderr
    r = run_cli("ingest", "series", series, plain, db=db)
    assert r.code == 0, r.stderr
    return db


def _rows(db: Path, *args: str) -> dict[str, dict]:
    r = run_cli("sla", "--month", "2025-11", *args, "--json", db=db)
    assert r.code == 0, r.stderr
    out = {}
    for row in r.json()["slos"]:
        key = row["slo"] + ("" if "instance" not in row else json.dumps(row["instance"], sort_keys=True))
        out[key] = row
    return out


def test_each_customer_is_an_slo_with_exact_numbers(fleet):
    rows = _rows(fleet)
    acme = rows['gw-availability{"customer": "acme"}']
    assert acme["instance"] == {"customer": "acme"}
    assert acme["sli"] == "availability" and acme["service"] == "gw"
    assert acme["attainment"] == float(Fraction(43_150, 43_200))
    assert acme["bad"] == 50 and acme["allowed_bad"] == pytest.approx(43.2, abs=1e-12)
    assert acme["error_budget_remaining"] == float(1 - Fraction(50) / Fraction(432, 10))
    assert acme["status"] == "breached" and acme["data_coverage"] == 1.0
    initech = rows['gw-availability{"customer": "initech"}']
    assert (initech["attainment"], initech["status"], initech["bad"]) == (1.0, "met", 0)


def test_instance_with_no_data_for_half_the_month(fleet):
    globex = _rows(fleet)['gw-availability{"customer": "globex"}']
    assert globex["slices"] == MINUTES and globex["slices_with_data"] == MINUTES // 2
    assert globex["no_data"] == MINUTES // 2
    assert globex["data_coverage"] == 0.5
    assert globex["status"] == "insufficient_data"  # never met on half a month of data
    assert globex["attainment"] == 1.0  # no-data slices burn nothing by default
    bad = _rows(fleet, "--no-data", "bad")['gw-availability{"customer": "globex"}']
    assert bad["attainment"] == 0.5 and bad["bad"] == MINUTES // 2
    excluded = _rows(fleet, "--no-data", "exclude")['gw-availability{"customer": "globex"}']
    assert excluded["attainment"] == 1.0 and excluded["allowed_bad"] == pytest.approx(21.6, abs=1e-12)
    # Occurrences over the same instance: its own events only (21,600 minutes x 10 requests)
    occ = _rows(fleet, "--slo", "gw-requests", "--instance", "customer=globex")
    (only,) = occ.values()
    assert (only["good"], only["total"], only["status"]) == (216_000, 216_000, "insufficient_data")


def test_sla_of_the_ungrouped_slo_is_byte_identical(fleet):
    before = (fleet.parent / "before.json").read_text()
    after = run_cli("sla", "--month", "2025-11", "--slo", "plain-availability", "--json", db=fleet).stdout
    plain = json.loads(before)["slos"]
    assert after == json.dumps({**json.loads(before), "slos": plain}, ensure_ascii=False) + "\n" or after == before
    assert after == before
    assert "instance" not in after


def test_addressing_is_the_same_everywhere(fleet):
    by_option = run_cli("sla", "--month", "2025-11", "--slo", "gw-availability", "--instance", "customer=acme",
                        "--json", db=fleet).json()
    by_address = run_cli("sla", "--month", "2025-11", "--slo", 'gw-availability{customer="acme"}', "--json",
                         db=fleet).json()
    assert by_option == by_address and len(by_option["slos"]) == 1
    table = run_cli("sla", "--month", "2025-11", db=fleet).stdout
    assert 'gw-availability{customer="acme"}' in table
    assert 'gw-availability{customer="globex"}' in table


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--slo", "gw-availability", "--instance", "region=eu"), "grouped by customer"),
        (("--slo", "plain-availability", "--instance", "customer=acme"), "no grouping labels"),
        (("--instance", "customer=acme"), "--instance needs --slo"),
        (("--slo", "gw-availability", "--instance", "customer"), "LABEL=VALUE"),
        (("--slo", 'gw-availability{customer="acme"', ), "--slo"),
    ],
)
def test_bad_addresses_are_bad_input(fleet, args, fragment):
    assert_bad_input(run_cli("sla", "--month", "2025-11", *args, db=fleet), fragment)


def test_every_analysis_works_per_instance(fleet):
    acme = ("--slo", "gw-availability", "--instance", "customer=acme")
    worst = run_cli("worst", "--month", "2025-11", *acme, "--window", "1h", "--top", "1", "--json", db=fleet).json()
    (w,) = worst["slos"]
    assert w["slo"] == "gw-availability" and w["instance"] == {"customer": "acme"}
    assert w["windows"][0]["bad"] == 50  # minutes 1000..1049: all in the worst hour
    budget = run_cli("budget", "--month", "2025-11", *acme, "--json", db=fleet).json()
    (b,) = budget["slos"]
    assert b["instance"] == {"customer": "acme"} and b["status"] == "exhausted"
    assert (b["bad"], b["error_budget_remaining"]) == (50, float(1 - Fraction(50) / Fraction(432, 10)))
    # the 44th bad minute (1043, ending 17:24) is the first beyond the 43.2 allowed
    assert b["exhausted_at"] == "2025-11-01T17:24:00Z"
    globex = run_cli("budget", "--month", "2025-11", "--slo", 'gw-availability{customer="globex"}', "--json",
                     db=fleet).json()["slos"]
    assert [(g["status"], g["data_coverage"], g["bad"]) for g in globex] == [("insufficient_data", 0.5, 0)]
    credits = run_cli("credits", "--month", "2025-11", "--json", db=fleet).json()
    owed = {(r["slo"], r.get("instance", {}).get("customer")): r["credit_percent"] for r in credits["slos"]}
    assert owed[("gw-availability", "acme")] == 10  # 99.884 % is below 99.9 %
    assert owed[("gw-availability", "globex")] is None  # insufficient data: unknown, never 0
    assert owed[("gw-availability", "initech")] == 0
    burn = run_cli("burn", *acme, "--from", "2025-11-01", "--to", "2025-12-01", "--json", db=fleet).json()
    assert burn["slo"] == "gw-availability" and burn["instance"] == {"customer": "acme"}
    assert burn["burn_rate"] == pytest.approx(50 / 43.2)


def test_rows_without_labels_are_the_whole_series(fleet, tmp_path):
    """No label column (or an empty label): the row is the series as a whole, under its plain
    key, which an SLO without grouping on the same series measures; it is no instance."""
    f = tmp_path / "whole.csv"
    f.write_text("timestamp,service,sli,customer,good,total\n2025-12-01T00:00:00Z,gw,availability,,1,1\n"
                 "2025-12-01T00:01:00Z,gw,availability,acme,1,1\n")
    r = run_cli("ingest", "series", f, db=fleet)
    assert r.code == 0, r.stderr
    dec = run_cli("sla", "--month", "2025-12", "--slo", "gw-availability", "--json", db=fleet).json()["slos"]
    assert [row["instance"] for row in dec] == [{"customer": "acme"}]
    assert dec[0]["slices_with_data"] == 1


def test_ingest_refuses_partial_labels_and_braces(fleet, tmp_path):
    two = tmp_path / "two.yaml"
    two.write_text(_slo("gw-two", grouped=True, service="two").replace("group-by: customer",
                                                                      "group-by: customer,region"))
    assert run_cli("slo", "apply", two, db=fleet).code == 0
    f = tmp_path / "partial.csv"
    f.write_text("timestamp,service,sli,customer,region,good,total\n"
                 "2025-12-01T00:00:00Z,two,availability,acme,eu,1,1\n"
                 "2025-12-01T00:00:00Z,two,availability,acme,,1,1\n")
    assert_bad_input(run_cli("ingest", "series", f, db=fleet), f.name, "row 3", "region")
    f.write_text('timestamp,service,sli,good,total\n2025-12-01T00:00:00Z,gw,"availability{customer=""x""}",1,1\n')
    assert_bad_input(run_cli("ingest", "series", f, db=fleet), "row 2", "sli")
    two_rows = run_cli("sla", "--month", "2025-12", "--slo", "gw-two", "--json", db=fleet).json()["slos"]
    assert two_rows == []  # nothing of the refused file was written: no instance in December


def test_python_api_addresses_instances_the_same_way(fleet):
    import reliability as rel

    db = rel.open(fleet)
    frame = db.sla(month="2025-11", slo="gw-availability", instance={"customer": "acme"})
    cli = run_cli("sla", "--month", "2025-11", "--slo", "gw-availability", "--instance", "customer=acme", "--json",
                  db=fleet).json()["slos"][0]
    assert list(frame["slo"]) == ["gw-availability"] and list(frame["instance.customer"]) == ["acme"]
    assert frame["attainment"].iloc[0] == cli["attainment"]
    everyone = db.sla(month="2025-11")
    assert set(everyone.loc[everyone["slo"] == "gw-availability", "instance.customer"]) == {"acme", "globex", "initech"}
    assert everyone.loc[everyone["slo"] == "plain-availability", "instance.customer"].isna().all()
    budget = db.budget(month="2025-11", slo='gw-availability{customer="acme"}')
    assert list(budget["status"]) == ["exhausted"]
    with pytest.raises(rel.ArgumentError, match="grouped by customer"):
        db.sla(month="2025-11", slo="gw-availability", instance={"region": "eu"})


def test_monthly_report_summarises_instances_apart(fleet, tmp_path):
    """The monthly review counts the fleet over SLOs without grouping and gives each grouped
    definition one line: instances met of all, the breached and insufficient ones by address,
    the credits they owe (acme: 43,150 / 43,200 = 99.884 % < 99.9 %: 10 %)."""
    out = tmp_path / "review.md"
    r = run_cli("report", "monthly", "--month", "2025-11", "--out", out, db=fleet)
    assert r.code == 0, r.stderr
    text = out.read_text()
    lines = [ln for ln in text.splitlines() if ln.startswith("- Per-instance SLO")]
    assert len(lines) == 2, lines
    assert "- Fleet compliance: **100.0%** (1 of 1 SLOs with enough data met their target)" in text
    # Occurrences (gw-requests): acme failed 500 of 4,320,000 requests (99.988 %): met
    assert sorted(lines) == [
        '- Per-instance SLO gw-availability: 1 of 3 instances met; breached: gw-availability{customer="acme"}; '
        'insufficient data: gw-availability{customer="globex"}; credits owed: gw-availability{customer="acme"} 10%',
        '- Per-instance SLO gw-requests: 2 of 3 instances met; insufficient data: gw-requests{customer="globex"}']


def test_each_surface_states_how_it_counts_instances(fleet, tmp_path):
    """Two counting rules, each stated where its number shows: a roll-up by label counts every
    instance as one SLO (`sla --group-by service`: gw's 2 definitions x 3 customers = 6, and the
    plain SLO of service plain), the fleet compliance of the review counts the SLOs without grouping labels (1 of 1)."""
    doc = run_cli("sla", "--month", "2025-11", "--group-by", "service", "--json", db=fleet).json()
    assert [(g["value"], g["slos"]) for g in doc["groups"]] == [("gw", 6), ("plain", 1)]
    assert "each instance of a per-instance SLO (grouping labels: one per customer, say) as one SLO, so SLOs " \
           "here are SLO instances" in doc["rollup_rule"]
    table = run_cli("sla", "--month", "2025-11", "--group-by", "service", db=fleet).stdout
    assert "so SLOs here are SLO instances" in table
    for kind in ("md", "html"):
        out = tmp_path / f"review.{kind}"
        r = run_cli("report", "monthly", "--month", "2025-11", "--group-by", "service", "--out", out, db=fleet)
        assert r.code == 0, r.stderr
        text = " ".join(out.read_text().split())
        assert "1 of 1 SLOs with enough data met" in text
        assert "over the SLOs without grouping labels (each per-instance SLO's instances are counted on their own " \
               "line below, and each instance as one SLO in the roll-ups by label)" in text
        assert "so SLOs here are SLO instances" in text  # the by-label section's rule
    assert "1 of 1 SLO (without grouping labels) with enough data met" in r.stderr
