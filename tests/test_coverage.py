"""`reliability coverage`: services and series with data but no SLO, SLOs without series."""

from __future__ import annotations

import pytest

from conftest import assert_bad_input, run_cli
from test_sla import slo_yaml


@pytest.fixture(scope="module")
def cdb(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("coverage")
    db = tmp / "c.duckdb"
    service = "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: svc-z\n  labels:\n    team: z\nspec: {}\n"
    (tmp / "slos.yaml").write_text("---\n".join([
        slo_yaml("a-avail", "Occurrences", "UTC", service="svc-a", sli="avail"),
        slo_yaml("q-avail", "Occurrences", "UTC", service="svc-q", sli="avail"),
        service,
    ]))
    (tmp / "series.csv").write_text(
        "timestamp,service,sli,good,total\n"
        "2026-01-01T00:00:00Z,svc-a,avail,10,10\n"
        "2026-01-01T00:01:00Z,svc-a,avail,10,10\n"
        "2026-01-01T00:00:00Z,svc-a,extra,1,1\n"
        "2026-02-01T00:00:00Z,svc-z,avail,5,5\n"
    )
    (tmp / "incidents.csv").write_text(
        "id,service,severity,title,detected_at\n"
        "I-1,svc-y,SEV-2,down,2026-01-05T10:00:00Z\n"
        "I-2,svc-y,SEV-4,slow,2026-02-05T10:00:00Z\n"
        "I-3,svc-a,SEV-1,down,2026-01-07T10:00:00Z\n"
        "I-4,svc-z,SEV-3,odd,2025-12-07T10:00:00Z\n"
    )
    for args in (("slo", "apply", tmp / "slos.yaml"), ("ingest", "series", tmp / "series.csv"),
                 ("ingest", "incidents", tmp / "incidents.csv")):
        r = run_cli(*args, db=db)
        assert r.code == 0, r.stderr
    return db


def test_services_without_slo(cdb):
    r = run_cli("coverage", "--json", db=cdb)
    assert r.code == 0, r.stderr
    doc = r.json()
    assert doc["summary"] == {"services_seen": 4, "services_with_slo": 2, "services_without_slo": 2,
                              "slo_coverage": 0.5}
    y, z = doc["services_without_slo"]
    assert y == {"service": "svc-y", "incidents": 2, "major_incidents": 1, "first_detected": "2026-01-05T10:00:00Z",
                 "last_detected": "2026-02-05T10:00:00Z", "series": [], "labels": {}}
    assert z["service"] == "svc-z" and z["incidents"] == 1 and z["labels"] == {"team": ["z"]}
    assert z["series"] == [{"sli": "avail", "rows": 1, "first_slice": "2026-02-01T00:00:00Z",
                            "newest_slice": "2026-02-01T00:00:00Z"}]
    assert doc["series_without_slo"] == [{"service": "svc-a", "sli": "extra", "rows": 1,
                                          "first_slice": "2026-01-01T00:00:00Z",
                                          "newest_slice": "2026-01-01T00:00:00Z"}]
    assert doc["slos_without_series"] == [{"slo": "q-avail", "service": "svc-q", "sli": "avail"}]


def test_since_and_table(cdb):
    doc = run_cli("coverage", "--since", "2026-01-06T00:00:00Z", "--json", db=cdb).json()
    # svc-y keeps its February incident, svc-z its February series; svc-a's extra series is older.
    assert [(u["service"], u["incidents"]) for u in doc["services_without_slo"]] == [("svc-y", 1), ("svc-z", 0)]
    assert doc["series_without_slo"] == []
    assert [s["slo"] for s in doc["slos_without_series"]] == ["a-avail", "q-avail"]
    r = run_cli("coverage", db=cdb)
    assert "2 of 4 services have an SLO (50.0%)" in r.stdout
    assert "svc-y" in r.stdout and "team=z" in r.stdout and "svc-a/extra (1 row)" in r.stdout


def test_bad_since(cdb):
    assert_bad_input(run_cli("coverage", "--since", "yesterday", db=cdb), "--since")


def test_per_instance_series_are_measured_by_their_definition(tmp_path):
    """A definition grouped by customer measures avail{customer="..."}: not listed as a series
    without SLO; the whole series (a row without its customer) has no SLO without grouping, so it
    is; a definition grouped by region with no instance series is an SLO without series."""
    db = tmp_path / "i.duckdb"
    grouped = slo_yaml("gw-customer", "Occurrences", "UTC", service="gw", sli="avail").replace(
        "metadata:\n  name: gw-customer\n",
        "metadata:\n  name: gw-customer\n  annotations:\n    reliability/group-by: customer\n", 1)
    idle = slo_yaml("gw-region", "Occurrences", "UTC", service="gw", sli="lat").replace(
        "metadata:\n  name: gw-region\n",
        "metadata:\n  name: gw-region\n  annotations:\n    reliability/group-by: region\n", 1)
    assert "reliability/group-by: customer" in grouped and "reliability/group-by: region" in idle
    (tmp_path / "slos.yaml").write_text("---\n".join([grouped, idle]))
    (tmp_path / "series.csv").write_text(
        "timestamp,service,sli,good,total,customer\n"
        "2026-01-01T00:00:00Z,gw,avail,10,10,acme\n"
        "2026-01-01T00:00:00Z,gw,avail,9,10,globex\n"
        "2026-01-01T00:00:00Z,gw,avail,19,20,\n"
    )
    for args in (("slo", "apply", tmp_path / "slos.yaml"), ("ingest", "series", tmp_path / "series.csv")):
        r = run_cli(*args, db=db)
        assert r.code == 0, r.stderr
    doc = run_cli("coverage", "--json", db=db).json()
    assert doc["series_without_slo"] == [{"service": "gw", "sli": "avail", "rows": 1,
                                          "first_slice": "2026-01-01T00:00:00Z",
                                          "newest_slice": "2026-01-01T00:00:00Z"}]
    assert doc["slos_without_series"] == [{"slo": "gw-region", "service": "gw", "sli": "lat"}]
