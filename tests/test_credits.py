"""`reliability credits`: credits at each tier boundary, by hand.

Six Occurrences SLOs (99.9 %), each on its own service with one row of 100,000 events in
November 2025 and F failed: attainment = 1 − F/100,000 exactly, so the boundaries 99.9 %, 99 %
and 95 % are hit exactly (no credit of that tier) and missed by one event.
"""

from __future__ import annotations

import pytest

from conftest import assert_bad_input, run_cli
from test_sla import slo_yaml

FAILED = {"at-999": 100, "below-999": 101, "at-99": 1000, "below-99": 1001, "at-95": 5000, "below-95": 5001}


@pytest.fixture(scope="module")
def cdb(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("credits")
    db = tmp / "c.duckdb"
    (tmp / "slos.yaml").write_text("---\n".join(slo_yaml(n, "Occurrences", "UTC", service=n) for n in FAILED))
    rows = ["timestamp,service,sli,good,total"] + [
        f"2025-11-15T12:00:00Z,{n},availability,{100000 - f},100000" for n, f in FAILED.items()]
    (tmp / "s.csv").write_text("\n".join(rows) + "\n")
    assert run_cli("slo", "apply", tmp / "slos.yaml", db=db).code == 0
    assert run_cli("ingest", "series", tmp / "s.csv", db=db).code == 0
    return db


def credits(db, *args) -> dict:
    # One row of data in the month: far below the default 90 % coverage, so say it may do.
    r = run_cli("credits", "--month", "2025-11", *args, "--min-coverage", "0", "--json", db=db)
    assert r.code == 0, r.stderr
    return r.json()


def test_default_tiers_at_each_boundary(cdb):
    doc = credits(cdb)
    assert doc["tiers"] == [{"below": 0.999, "credit_percent": 10.0}, {"below": 0.99, "credit_percent": 25.0},
                            {"below": 0.95, "credit_percent": 100.0}]
    got = {r["slo"]: (r["attainment"], r["credit_percent"]) for r in doc["slos"]}
    assert got == {
        "at-999": (0.999, 0.0), "below-999": (0.99899, 10.0),
        "at-99": (0.99, 10.0), "below-99": (0.98999, 25.0),
        "at-95": (0.95, 25.0), "below-95": (0.94999, 100.0),
    }


def test_custom_tiers(cdb):
    # The tiers' highest bound (99.95 %) is above these SLOs' 99.9 % target: --sla-target says
    # the tiers apply to 99.9 % SLOs (else none is covered).
    doc = credits(cdb, "--tier", "99.95=5", "--tier", "99=30", "--sla-target", "99.9")
    got = {r["slo"]: r["credit_percent"] for r in doc["slos"]}
    assert got == {"at-999": 5.0, "below-999": 5.0, "at-99": 5.0, "below-99": 30.0, "at-95": 30.0, "below-95": 30.0}


@pytest.mark.parametrize("tier", ["99.9", "99.9=x", "120=10", "99=150"])
def test_bad_tier(cdb, tier):
    assert_bad_input(run_cli("credits", "--month", "2025-11", "--tier", tier, "--json", db=cdb), "--tier")
