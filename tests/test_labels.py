"""Labels and roll-ups: `sla --group-by`, `--label`, inheritance Service -> SLI -> SLO.

February 2024 in UTC: 29 days, 41,760 one-minute slices. Every series has a row every minute
(total 100 events, latency 10) except `short`, which has rows for the first 10 days only
(14,400 of 41,760 slices: coverage 0.3448, insufficient data). Bad minutes by hand:

| SLO | labels (how) | method, target | bad | allowed | status |
|---|---|---|---|---|---|
| a-avail | team a, tier 1 (Service svc-a) | Occurrences 99.9 % | 20 min x 100 = 2,000 of 4,176,000 | 4,176 | met |
| a-latency | team a, tier 1 (Service) | Occurrences 99 % | 1,000 min x 5 = 5,000 of 417,600 | 4,176 | breached |
| a-ts | team a, tier 1 (Service) | Timeslices 99.9 % | 30 minutes | 41.76 | met |
| a-short | team a, tier 1 (Service) | Occurrences 99.9 % | 0 | - | insufficient_data |
| b-ts | team b (Service svc-b) | Timeslices 99.9 % | 50 minutes | 41.76 | breached |
| b-override | team a (its own label over svc-b's b) | Occurrences 99 % | 50 min x 50 = 2,500 of 4,176,000 | 41,760 | met |
"""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import assert_bad_input, run_cli
from test_sla import slo_yaml

UTC = timezone.utc
START = datetime(2024, 2, 1, tzinfo=UTC)
MINUTES = 29 * 1440

SERVICES = textwrap.dedent(
    """\
    apiVersion: openslo/v1
    kind: Service
    metadata:
      name: svc-a
      labels:
        team: a
        tier: 1
    spec:
      description: service a
    ---
    apiVersion: openslo/v1
    kind: Service
    metadata:
      name: svc-b
      labels:
        team: [b]
    spec:
      description: service b
    """
)


def _with_labels(doc: str, labels: str) -> str:
    return doc.replace("metadata:\n  name:", f"metadata:\n  labels:\n{labels}  name:", 1)


DOCS = [
    slo_yaml("a-avail", "Occurrences", "UTC", service="svc-a", sli="avail"),
    slo_yaml("a-latency", "Occurrences", "UTC", service="svc-a", sli="latency", target="target: 0.99"),
    slo_yaml("a-ts", "Timeslices", "UTC", service="svc-a", sli="ts"),
    slo_yaml("a-short", "Occurrences", "UTC", service="svc-a", sli="short"),
    slo_yaml("b-ts", "Timeslices", "UTC", service="svc-b", sli="ts"),
    _with_labels(slo_yaml("b-override", "Occurrences", "UTC", service="svc-b", sli="ts", target="target: 0.99"),
                 "    team: a\n"),
]


def _series(path: Path) -> None:
    lines = ["timestamp,service,sli,good,total"]
    for m in range(MINUTES):
        t = f"{START + timedelta(minutes=m):%Y-%m-%dT%H:%M:%SZ}"
        lines.append(f"{t},svc-a,avail,{0 if 100 <= m < 120 else 100},100")
        lines.append(f"{t},svc-a,latency,{5 if 5000 <= m < 6000 else 10},10")
        lines.append(f"{t},svc-a,ts,{50 if 200 <= m < 230 else 100},100")
        if m < 10 * 1440:
            lines.append(f"{t},svc-a,short,100,100")
        lines.append(f"{t},svc-b,ts,{50 if 300 <= m < 350 else 100},100")
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def ldb(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("labels")
    db = tmp / "l.duckdb"
    (tmp / "slos.yaml").write_text(SERVICES + "---\n" + "---\n".join(DOCS))
    _series(tmp / "series.csv")
    r = run_cli("slo", "apply", tmp / "slos.yaml", db=db)
    assert r.code == 0, r.stderr
    r = run_cli("ingest", "series", tmp / "series.csv", db=db)
    assert r.code == 0, r.stderr
    (tmp / "incidents.csv").write_text(
        "id,service,severity,title,detected_at,acknowledged_at,resolved_at\n"
        "I-1,svc-a,SEV-2,a down,2024-02-05T10:00:00Z,2024-02-05T10:10:00Z,2024-02-05T11:00:00Z\n"
        "I-2,svc-a,SEV-3,a slow,2024-02-06T10:00:00Z,2024-02-06T10:30:00Z,2024-02-06T12:00:00Z\n"
        "I-3,svc-b,SEV-1,b down,2024-02-07T10:00:00Z,2024-02-07T10:04:00Z,2024-02-07T10:40:00Z\n"
    )
    r = run_cli("ingest", "incidents", tmp / "incidents.csv", db=db)
    assert r.code == 0, r.stderr
    return db


def test_labels_are_inherited_and_listed(ldb):
    listed = {r["slo"]: r.get("labels") for r in run_cli("slo", "list", "--json", db=ldb).json()["slos"]}
    assert listed["a-latency"] == {"team": ["a"], "tier": ["1"]}  # from Service svc-a; tier: 1 read as "1"
    assert listed["b-ts"] == {"team": ["b"]}
    assert listed["b-override"] == {"team": ["a"]}  # the SLO's own label wins over its Service's


def test_rollup_by_team_with_an_insufficient_data_slo(ldb):
    r = run_cli("sla", "--month", "2024-02", "--group-by", "team", "--json", db=ldb)
    assert r.code == 0, r.stderr
    doc = r.json()
    status = {s["slo"]: s["status"] for s in doc["slos"]}
    assert status == {"a-avail": "met", "a-latency": "breached", "a-short": "insufficient_data", "a-ts": "met",
                      "b-override": "met", "b-ts": "breached"}
    assert doc["slos"][0]["labels"] == {"team": ["a"], "tier": ["1"]}
    assert doc["group_by"] == "team" and "insufficient_data SLOs are neither met nor measured" in doc["rollup_rule"]
    a, b = doc["groups"]
    assert (a["key"], a["value"], b["value"]) == ("team", "a", "b")
    # Team a: 5 SLOs, 3 met, 1 breached, a-short neither met nor measured: 3 / 4.
    assert (a["slos"], a["met"], a["breached"], a["insufficient_data"], a["measured"]) == (5, 3, 1, 1, 4)
    assert a["compliance"] == 0.75
    assert a["insufficient_data_slos"] == ["a-short"] and a["breached_slos"] == ["a-latency"]
    occ = a["by_method"]["Occurrences"]
    good = 4_174_000 + 412_600 + 4_173_500
    total = 4_176_000 + 417_600 + 4_176_000
    assert (occ["slos"], occ["measured"], occ["met"]) == (4, 3, 2)
    assert (occ["good"], occ["total"]) == (good, total)
    assert occ["attainment"] == float(Fraction(good, total))
    assert (occ["bad"], occ["allowed_bad"]) == (9_500, 4_176 + 4_176 + 41_760)
    assert occ["error_budget_remaining"] == float(1 - Fraction(9_500, 50_112))
    ts = a["by_method"]["Timeslices"]
    assert (ts["bad_minutes"], ts["allowed_bad_minutes"]) == (30, 41.76)
    assert ts["error_budget_remaining"] == float(1 - Fraction(30) / Fraction(4176, 100))
    # Team b: one SLO, breached: 0 of 1.
    assert (b["slos"], b["met"], b["measured"], b["compliance"]) == (1, 0, 1, 0.0)
    assert b["by_method"]["Timeslices"]["error_budget_remaining"] == float(1 - Fraction(50) / Fraction(4176, 100))
    # Everything: 3 met of 5 measured, a-short listed.
    every = doc["all"]
    assert (every["slos"], every["met"], every["measured"], every["compliance"]) == (6, 3, 5, 0.6)
    assert every["by_method"]["Timeslices"]["error_budget_remaining"] == float(1 - Fraction(80) / Fraction(8352, 100))


def test_rollup_table_and_filter(ldb):
    r = run_cli("sla", "--month", "2024-02", "--group-by", "team", db=ldb)
    assert r.code == 0, r.stderr
    assert "by team" in r.stdout and "no verdict in a: a-short" in r.stdout
    line = next(x for x in r.stdout.splitlines() if x.startswith("a "))
    assert "75.0%" in line
    r = run_cli("sla", "--month", "2024-02", "--label", "tier=1", "--json", db=ldb)
    doc = r.json()
    assert doc["label_filter"] == {"tier": ["1"]}
    assert sorted(s["slo"] for s in doc["slos"]) == ["a-avail", "a-latency", "a-short", "a-ts"]
    assert doc["all"]["compliance"] == float(Fraction(2, 3))
    r = run_cli("sla", "--month", "2024-02", "--label", "team=b", "--label", "team=a", "--group-by", "service",
                "--json", db=ldb)
    assert [(g["value"], g["slos"]) for g in r.json()["groups"]] == [("svc-a", 4), ("svc-b", 2)]


def test_without_grouping_rows_print_as_before(ldb):
    row = run_cli("sla", "--month", "2024-02", "--json", db=ldb).json()["slos"][0]
    assert "labels" not in row and list(row)[-1] == "budget_unit"


@pytest.mark.parametrize("bad", ["team", "=a", "team="])
def test_bad_label_filter(ldb, bad):
    assert_bad_input(run_cli("sla", "--month", "2024-02", "--label", bad, db=ldb), "--label", "KEY=VALUE")


def test_bad_labels_in_a_document(tmp_path, db):
    bad = SERVICES.replace("tier: 1", "tier: {nested: x}")
    (tmp_path / "bad.yaml").write_text(bad)
    r = run_cli("slo", "apply", tmp_path / "bad.yaml", db=db)
    assert_bad_input(r, "bad.yaml", "document 1", "metadata.labels.tier")
    assert not db.exists() or run_cli("slo", "list", "--json", db=db).json() == {"slos": []}


def test_budget_by_team(ldb):
    r = run_cli("budget", "--month", "2024-02", "--group-by", "team", "--json", db=ldb)
    assert r.code == 0, r.stderr
    doc = r.json()
    a, b = doc["groups"]
    assert (a["value"], a["healthy"], a["at_risk"], a["exhausted"], a["insufficient_data"]) == ("a", 3, 0, 1, 1)
    assert a["exhausted_slos"] == ["a-latency"] and a["insufficient_data_slos"] == ["a-short"]
    occ = a["by_method"]["Occurrences"]  # the same events as sla's roll-up
    assert (occ["bad"], occ["allowed_bad"]) == (9_500, 50_112)
    assert occ["error_budget_remaining"] == float(1 - Fraction(9_500, 50_112))
    assert a["by_method"]["Timeslices"]["error_budget_remaining"] == float(1 - Fraction(30) / Fraction(4176, 100))
    assert (b["value"], b["exhausted"], b["exhausted_slos"]) == ("b", 1, ["b-ts"])
    assert doc["all"]["slos"] == 6
    table = run_cli("budget", "--month", "2024-02", "--label", "team=b", db=ldb)
    assert table.code == 0 and "b-ts" in table.stdout and "a-avail" not in table.stdout


def test_incidents_by_team(ldb):
    r = run_cli("incidents", "--month", "2024-02", "--group-by", "team", "--json", db=ldb)
    assert r.code == 0, r.stderr
    doc = r.json()
    a, b = doc["groups"]
    assert (a["value"], a["services"], a["count"], a["mtta_minutes"], a["mttr_minutes"]) == ("a", ["svc-a"], 2, 20.0, 90.0)
    assert (b["value"], b["count"], b["mtta_minutes"], b["mttr_minutes"]) == ("b", 1, 4.0, 40.0)
    only_b = run_cli("incidents", "--month", "2024-02", "--label", "team=b", "--json", db=ldb).json()
    assert only_b["count"] == 1 and only_b["label_filter"] == {"team": ["b"]}
    plain = run_cli("incidents", "--month", "2024-02", "--json", db=ldb).json()
    assert plain["count"] == 3 and "groups" not in plain


def test_sli_labels_sit_between_service_and_slo(tmp_path, db):
    """Service team=a tier=1 journey=x; SLI team=sli-team tier=2; SLO tier=3: the SLO is
    team=sli-team (SLI over Service), tier=3 (its own), journey=x (Service)."""
    sli = textwrap.dedent(
        """\
        apiVersion: openslo/v1
        kind: SLI
        metadata:
          name: shared-availability
          labels:
            team: sli-team
            tier: "2"
        spec:
          ratioMetric:
            counter: false
            good:
              metricSource:
                type: Prometheus
                spec:
                  query: sum(rate(ok[1m]))
            total:
              metricSource:
                type: Prometheus
                spec:
                  query: sum(rate(all[1m]))
        """
    )
    slo = _with_labels(slo_yaml("by-ref", "Occurrences", "UTC", service="svc-a"), "    tier: '3'\n")
    head, _, _ = slo.partition("  indicator:\n")
    by_ref = head + "  indicatorRef: shared-availability\n" + slo[slo.index("  timeWindow:"):]
    service = SERVICES.split("---\n")[0].replace("    tier: 1\n", "    tier: 1\n    journey: x\n")
    (tmp_path / "docs.yaml").write_text("---\n".join([service, sli, by_ref]))
    r = run_cli("slo", "apply", tmp_path / "docs.yaml", db=db)
    assert r.code == 0, r.stderr
    (row,) = run_cli("slo", "list", "--json", db=db).json()["slos"]
    assert row["labels"] == {"journey": ["x"], "team": ["sli-team"], "tier": ["3"]}
