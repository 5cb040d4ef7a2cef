"""`reliability demo`: the real command builds the bundled sample, and the database holds it all.

The facts checked here are the ones data/README.md states (services, SLOs, the series and their
deliberate gaps, incident counts, the stories).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures
from conftest import run_cli

START = datetime(2025, 10, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)
MINUTES = int((END - START).total_seconds() // 60)  # 396 days: 570,240 one-minute slices
SERVICES = ["api-gateway", "auth", "catalog", "checkout", "ledger", "notifications", "payments", "search"]
CATALOG_GAP = (datetime(2026, 2, 10, 9, 0, tzinfo=UTC), 17)  # rows absent, both SLIs
LEDGER_MAINTENANCE = (datetime(2026, 4, 12, 6, 0, tzinfo=UTC), 20)  # total = 0, both SLIs
TABLES = ["openslo_objects", "slos", "slo_objectives", "slo_versions", "sli_slices", "incidents",
          "incident_updates", "action_items", "deployments"]


def query(db: Path, sql: str, params: dict | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql, params or {}).fetchall()


def counts(db: Path) -> dict[str, object]:
    """Row counts of every table, plus sums over the slices (catches changed values too)."""
    found: dict[str, object] = {t: query(db, f"select count(*) from {t}")[0][0] for t in TABLES}
    found["slice_sums"] = query(db, "select sum(good), sum(total) from sli_slices")[0]
    return found


def test_build_reports_what_it_loaded(demo_db_build):
    stderr = demo_db_build.build.stderr
    assert "demo: 16 SLOs, 9,123,806 slices, 170 incidents, 1620 deployments" in stderr, stderr
    assert "(2025-10-01T00:00:00Z .. 2026-11-01T00:00:00Z)" in stderr, stderr


def test_services_and_slos(demo_db):
    services = query(demo_db, "select name from openslo_objects where kind = 'Service' order by name")
    assert [r[0] for r in services] == SERVICES
    kinds = dict(query(demo_db, "select kind, count(*) from openslo_objects group by kind"))
    # The AlertCondition is inline in the AlertPolicy, so it is not a stored object of its own.
    # 16 per-service SLOs (slos.yaml), plus data/fleet.yaml's per-customer SLO and composite.
    assert kinds == {"DataSource": 1, "AlertPolicy": 1, "Service": 8, "SLO": 16 + 2}
    assert query(demo_db, "select name from composite_slos") == [("checkout-journey",)]
    slos = query(demo_db, "select name, service, sli from slos where name <> 'api-gateway-customer-availability' "
                          "order by name")
    assert len(slos) == 16
    assert {(s, sli) for _, s, sli in slos} == {(s, sli) for s in SERVICES for sli in ("availability", "latency")}
    assert all(name == f"{service}-{sli}" for name, service, sli in slos)
    objectives = query(demo_db, "select count(*), count(distinct slo) from slo_objectives "
                                "where slo <> 'api-gateway-customer-availability'")[0]
    assert objectives == (16, 16)


def test_every_series_has_13_months_of_minutes(demo_db):
    rows = query(
        demo_db,
        """select service, sli, count(*), count(distinct ts), min(ts), max(ts),
                  count(*) filter (where total = 0), count(*) filter (where good > total or good < 0)
           from sli_slices where not contains(sli, '{') group by service, sli order by service, sli""",
    )
    assert [(r[0], r[1]) for r in rows] == [(s, sli) for s in SERVICES for sli in ("availability", "latency")]
    for service, sli, n, distinct, first, last, zero_total, invalid in rows:
        expected = MINUTES - (CATALOG_GAP[1] if service == "catalog" else 0)
        assert (n, distinct) == (expected, expected), (service, sli)
        assert (first, last) == (START, END - timedelta(minutes=1)), (service, sli)
        assert zero_total == (LEDGER_MAINTENANCE[1] if service == "ledger" else 0), (service, sli)
        assert invalid == 0, (service, sli)


def test_the_deliberate_gaps_are_where_the_readme_says(demo_db):
    start, minutes = CATALOG_GAP
    around = query(
        demo_db,
        """select ts from sli_slices where service = 'catalog' and sli = 'availability'
           and ts >= $a and ts < $b order by ts""",
        {"a": start - timedelta(minutes=1), "b": start + timedelta(minutes=minutes + 1)},
    )
    assert [r[0] for r in around] == [start - timedelta(minutes=1), start + timedelta(minutes=minutes)]
    start, minutes = LEDGER_MAINTENANCE
    zero = query(
        demo_db,
        "select min(ts), max(ts), count(*) from sli_slices where service = 'ledger' and total = 0",
    )
    assert zero == [(start, start + timedelta(minutes=minutes - 1), 2 * minutes)]


def test_incidents_with_timelines_action_items_and_deployments(demo_db):
    assert dict(query(demo_db, "select severity, count(*) from incidents group by severity")) == {
        "SEV-1": 8, "SEV-2": 30, "SEV-3": 60, "SEV-4": 72,
    }
    total = query(demo_db, "select count(*) from incidents")[0][0]
    assert total >= 150
    # Every incident has a timeline, starting with its declaration at detected_at.
    with_timeline = query(
        demo_db,
        """select count(distinct i.id) from incidents i join incident_updates u on u.incident_id = i.id
           where u.at = i.detected_at""",
    )[0][0]
    assert with_timeline == total
    assert query(demo_db, "select count(*) from incident_updates")[0][0] > 5 * total
    kinds = {r[0] for r in query(demo_db, "select distinct kind from incident_updates")}
    assert {"status", "update"} <= kinds, kinds
    # Action items: SEV-1/SEV-2 only, all 38 of them, some still open.
    items = query(
        demo_db,
        """select i.severity, count(distinct a.incident_id), count(*), count(*) filter (where not a.done)
           from action_items a join incidents i on i.id = a.incident_id group by i.severity order by 1""",
    )
    assert [(s, n) for s, n, _, _ in items] == [("SEV-1", 8), ("SEV-2", 30)]
    assert sum(r[3] for r in items) >= 1
    assert query(demo_db, "select count(*) from action_items where owner is null or due is null")[0][0] == 0
    deploys = query(
        demo_db,
        "select count(*), count(distinct service), count(*) filter (where rolled_back) from deployments",
    )[0]
    assert deploys[0] == 1620 and deploys[1] == 8 and deploys[2] >= 33 + 45
    assert query(demo_db, "select id from incidents where closed_at is null") == [("INC-0158",)]


def test_search_breaches_its_sla_in_march(demo_db):
    result = run_cli("sla", "--month", "2026-03", "--slo", "search-availability", "--json", db=demo_db)
    assert result.code == 0, result.stderr
    doc = result.json()
    assert doc["month"] == "2026-03"
    [row] = doc["slos"]
    assert row["slo"] == "search-availability"
    assert row["breached"] is True
    assert row["bad"] == 93
    assert row["allowed_bad"] == pytest.approx(44.64)
    assert row["attainment"] == pytest.approx(0.997917, abs=1e-6)
    assert row["error_budget_remaining"] == pytest.approx(-1.083, abs=1e-3)


def test_the_connection_pool_stories(demo_db):
    rows = query(
        demo_db,
        """select id, service, severity, strftime(started_at, '%Y-%m-%d %H:%M'), title, root_cause, tags
           from incidents where id in ('INC-0111', 'INC-0137') order by id""",
    )
    assert [r[:4] for r in rows] == [
        ("INC-0111", "payments", "SEV-2", "2026-06-11 16:22"),
        ("INC-0137", "payments", "SEV-1", "2026-08-14 13:58"),
    ]
    inc0111, inc0137 = rows
    assert "redis" in inc0111[4].lower() and "connection pool" in inc0111[4].lower()
    assert "connection pool" in inc0137[4].lower()
    assert "INC-0111" in inc0137[5]
    assert {"connection-pool", "traffic-spike"} <= set(inc0137[6])
    # INC-0111's audit action item is still open: that is why INC-0137 is a recurrence.
    open_items = query(
        demo_db,
        "select title from action_items where incident_id = 'INC-0111' and not done",
    )
    assert any("pool" in t.lower() for (t,) in open_items), open_items
    timeline = query(demo_db, "select body from incident_updates where incident_id = 'INC-0137'")
    assert any("INC-0111" in (b or "") for (b,) in timeline)


def test_the_series_dips_in_inc_0137s_window(demo_db):
    # Minutes overlapping [started_at, mitigated_at) fail ~15 %; traffic is doubled (flash sale).
    window = """
        with incident as (select started_at, mitigated_at from incidents where id = 'INC-0137')
        select sum(total - good) / sum(total), sum(total), count(*)
        from sli_slices, incident
        where service = 'payments' and sli = $sli
          and ts + interval 1 minute > started_at + $shift and ts < mitigated_at + $shift
    """
    ratio, traffic, minutes = query(demo_db, window, {"sli": "availability", "shift": timedelta(0)})[0]
    assert minutes == 32  # 13:58 .. 14:29
    assert ratio == pytest.approx(0.15, abs=0.005)
    week_before, week_traffic, _ = query(demo_db, window, {"sli": "availability", "shift": timedelta(days=-7)})[0]
    assert week_before < 0.001  # baseline 0.01-0.03 %
    assert 1.7 < traffic / week_traffic < 2.3
    latency, _, _ = query(demo_db, window, {"sli": "latency", "shift": timedelta(0)})[0]
    assert latency > ratio  # latency degrades by 1.5x the error rate


def test_rerunning_demo_changes_nothing(demo_db, tmp_path):
    copy = tmp_path / "again.duckdb"
    shutil.copyfile(demo_db, copy)
    before = counts(copy)
    result = run_cli("demo", db=copy)
    assert result.code == 0, result.stderr
    assert counts(copy) == before


def test_labels_as_the_readme_says(demo_db):
    """data/README.md, "Labels": team, tier and journey on the Services, one SLO override; the
    per-customer SLO (data/fleet.yaml) is tier 1 of team api-gateway, and each of its customers
    with data counts as one SLO in a roll-up (acme and globex in March 2026)."""
    listed = {r["slo"]: r["labels"] for r in run_cli("slo", "list", "--json", db=demo_db).json()["slos"]}
    assert listed["checkout-availability"] == {"journey": ["purchase"], "team": ["storefront"], "tier": ["1"]}
    assert listed["auth-latency"] == {"journey": ["browse", "purchase"], "team": ["identity"], "tier": ["1"]}
    assert listed["ledger-latency"]["tier"] == ["2"] and listed["ledger-availability"]["tier"] == ["1"]
    tiers = {}
    for labels in listed.values():
        tiers[labels["tier"][0]] = tiers.get(labels["tier"][0], 0) + 1
    assert tiers == {"1": 10, "2": 5, "3": 2}  # with the per-customer api-gateway SLO
    doc = run_cli("sla", "--month", "2026-03", "--group-by", "journey", "--json", db=demo_db).json()
    assert [(g["value"], g["slos"], g["met"], g["measured"]) for g in doc["groups"]] == [
        ("browse", 10, 9, 10), ("purchase", 14, 14, 14)]  # acme and globex are rows of their own
    assert doc["groups"][0]["breached_slos"] == ["search-availability"]
    cover = run_cli("coverage", "--json", db=demo_db).json()["summary"]
    assert (cover["services_seen"], cover["services_with_slo"]) == (8, 8)


def test_the_target_change_of_june_2026(demo_db):
    """data/README.md, "Definitions in force": ledger-availability 99.9 % -> 99.95 % on 15 June 2026
    (New York midnight, 04:00 UTC); May keeps 99.9 %, June is split, July is at 99.95 %."""
    history = run_cli("slo", "history", "ledger-availability", "--json", db=demo_db).json()["versions"]
    assert [(v["version"], v["effective_from"], v["objectives"][0]["target"]) for v in history] == [
        (1, None, 0.999), (2, "2026-06-15T04:00:00Z", 0.9995)]

    def row(month):
        return run_cli("sla", "--month", month, "--slo", "ledger-availability", "--json", db=demo_db).json()["slos"][0]

    may, june, july = row("2026-05"), row("2026-06"), row("2026-07")
    assert (may["target"], may["bad"], may["allowed_bad"], may["version"]) == (0.999, 36.0, 44.64, 1)
    one, two = june["segments"]
    assert (one["slices"], one["allowed_bad"], one["target"]) == (20_160, 20.16, 0.999)
    assert (two["slices"], two["allowed_bad"], two["target"]) == (23_040, 11.52, 0.9995)
    assert (june["slices"], june["allowed_bad"], june["bad"], june["status"]) == (43_200, 31.68, 0.0, "met")
    assert june["target"] == 1 - 31.68 / 43_200
    assert (july["target"], july["allowed_bad"], july["version"]) == (0.9995, 22.32, 2)
    # Other SLOs have no history: their rows are as they always were.
    other = run_cli("sla", "--month", "2026-06", "--slo", "ledger-latency", "--json", db=demo_db).json()["slos"][0]
    assert "version" not in other


def test_enterprise_customers_and_the_checkout_journey(demo_db):
    """data/fleet.yaml's additions (data/README.md): globex breaches July 2026 alone, initech
    appears mid-June (insufficient data), and the weighted checkout journey is breached in
    December 2025 and April 2026 only. Expected numbers from the generator itself."""
    from datetime import datetime, timezone
    from fractions import Fraction

    from reliability import sample

    utc = timezone.utc
    incidents = sample.load_incidents()
    july = run_cli("sla", "--month", "2026-07", "--slo", "api-gateway-customer-availability", "--json",
                   db=demo_db).json()["slos"]
    by_customer = {r["instance"]["customer"]: r for r in july}
    for customer, row in by_customer.items():
        s = sample.customer_series(customer, datetime(2026, 7, 1, tzinfo=utc), datetime(2026, 8, 1, tzinfo=utc),
                                   incidents)
        assert row["attainment"] == float(Fraction(int(s["good"].sum()), int(s["total"].sum())))
    assert {c: r["status"] for c, r in by_customer.items()} == {"acme": "met", "globex": "breached",
                                                                "initech": "met"}
    june = run_cli("sla", "--month", "2026-06", "--slo", "api-gateway-customer-availability", "--instance",
                   "customer=initech", "--json", db=demo_db).json()["slos"][0]
    assert (june["data_coverage"], june["status"]) == (0.5, "insufficient_data")
    history = run_cli("sla", "--from", "2025-10", "--to", "2026-10", "--slo", "checkout-journey", "--json",
                      db=demo_db).json()["months"]
    breached = [m["month"] for m in history if m["composites"][0]["status"] == "breached"]
    assert breached == ["2025-12", "2026-04"]
    april = next(m for m in history if m["month"] == "2026-04")["composites"][0]
    weights = {"api-gateway-availability": 2, "checkout-availability": 3, "payments-availability": 2,
               "checkout-latency": 1}
    assert {m["budgeting_method"] for m in april["members"]} == {"Occurrences", "Timeslices"}
    mean = sum(Fraction(weights[m["slo"]], 8) * Fraction(m["attainment"]) for m in april["members"])
    assert april["attainment"] == pytest.approx(float(mean), abs=1e-15)


def test_an_incident_hits_each_customer(demo_db):
    """impact per instance: INC-0158 (API gateway, SLA impact) on each enterprise customer,
    its failed events exactly the customer's own in the impact window (every minute it touches,
    the one its start falls in included: docs/incidents.md)."""
    from datetime import datetime

    from reliability import sample

    doc = run_cli("impact", "--incident", "INC-0158", "--json", db=demo_db).json()
    rows = {r["instance"]["customer"]: r for r in doc["slos"] if r.get("instance")}
    assert set(rows) == {"acme", "globex", "initech"}
    start = datetime.fromisoformat(doc["window_start"].replace("Z", "+00:00")).replace(second=0, microsecond=0)
    end = datetime.fromisoformat(doc["window_end"].replace("Z", "+00:00"))
    for customer, row in rows.items():
        s = sample.customer_series(customer, start, end, sample.load_incidents())  # minutes starting in it
        assert row["slo"] == "api-gateway-customer-availability" and row["sli"] == "availability"
        assert row["failed"] == float((s["total"] - s["good"]).sum())
