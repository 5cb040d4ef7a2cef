"""The all-SLO paths (`worst` over every SLO, `burn --all`) load every series in one scan;
they must give exactly what the one-SLO paths give (`--slo NAME`, one query per SLO), which
are checked by hand in test_worst.py and test_burn.py. Random data with every kind of SLO:
Occurrences, Timeslices, RatioTimeslices, a threshold SLI, 5-minute slices, a New York
month, missing minutes, zero traffic, and two rows in one slice."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from conftest import run_cli
from test_sla import slo_yaml
from test_sla_cases import THRESHOLD_SLO

START = datetime(2025, 10, 28, tzinfo=timezone.utc)
MINUTES = 36 * 1440


@pytest.fixture(scope="module")
def fdb(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fleet")
    db = tmp / "f.duckdb"
    docs = [
        slo_yaml("a-occ", "Occurrences", "UTC", service="a"),
        slo_yaml("a-ts", "Timeslices", "UTC", service="a"),
        slo_yaml("a-rts-5m", "RatioTimeslices", "UTC", service="a", window="5m"),
        slo_yaml("b-ts-ny", "Timeslices", "America/New_York", service="b", tst="0.99"),
        slo_yaml("b-occ-ny", "Occurrences", "America/New_York", service="b"),
        slo_yaml("c-ts-5m", "Timeslices", "UTC", service="c", window="5m"),
        THRESHOLD_SLO.format(name="svc-p95", method="Timeslices", extra="      timeSliceWindow: 1m\n"),
    ]
    (tmp / "slos.yaml").write_text("---\n".join(docs))
    rng = np.random.default_rng(7)
    rows = ["timestamp,service,sli,good,total"]
    for service in ("a", "b", "c"):
        total = rng.integers(0, 60, MINUTES)
        bad = np.where(rng.random(MINUTES) < 0.03, rng.integers(0, 30, MINUTES), 0)
        burst = slice(rng.integers(0, MINUTES - 300), None)
        bad[burst][:240] += 20  # an outage of 4 hours
        total = np.maximum(total, 0)
        good = np.maximum(total - bad, 0)
        for k in np.flatnonzero(rng.random(MINUTES) > 0.01):  # 1 % of minutes missing
            ts = START + timedelta(minutes=int(k))
            rows.append(f"{ts:%Y-%m-%dT%H:%M:%SZ},{service},availability,{good[k]},{total[k]}")
    rows.append("2025-11-03T10:00:30Z,a,availability,0,7")  # a second row in a slice
    values = ["timestamp,service,sli,value"] + [
        f"{START + timedelta(minutes=k):%Y-%m-%dT%H:%M:%SZ},svc,p95,{v}"
        for k, v in enumerate(rng.normal(400, 80, MINUTES).round(1))]
    incidents = ["id,service,severity,title,started_at,detected_at,resolved_at",
                 "INC-1,a,SEV-2,outage,2025-11-05T00:00:00Z,2025-11-05T00:10:00Z,2025-11-05T03:00:00Z",
                 "INC-2,b,SEV-1,outage,2025-11-20T00:00:00Z,2025-11-20T00:05:00Z,2025-11-20T01:00:00Z"]
    for name, text in (("s.csv", rows), ("v.csv", values), ("i.csv", incidents)):
        (tmp / name).write_text("\n".join(text) + "\n")
    for args in (("slo", "apply", tmp / "slos.yaml"), ("ingest", "series", tmp / "s.csv", tmp / "v.csv"),
                 ("ingest", "incidents", tmp / "i.csv")):
        r = run_cli(*args, db=db)
        assert r.code == 0, r.stderr
    return db


NAMES = ["a-occ", "a-ts", "a-rts-5m", "b-ts-ny", "b-occ-ny", "c-ts-5m", "svc-p95"]


@pytest.mark.parametrize("window", ["1h", "30m"])
def test_worst_all_equals_one_by_one(fdb, window):
    r = run_cli("worst", "--month", "2025-11", "--window", window, "--top", "4", "--json", db=fdb)
    assert r.code == 0, r.stderr
    batched = {s["slo"]: s for s in r.json()["slos"]}
    assert sorted(batched) == sorted(NAMES)
    assert sum(len(s["windows"]) for s in batched.values()) >= 20
    for name in NAMES:
        one = run_cli("worst", "--month", "2025-11", "--window", window, "--top", "4", "--slo", name, "--json", db=fdb)
        assert one.json()["slos"] == [batched[name]], name


def test_burn_all_equals_one_by_one(fdb):
    span = ("--from", "2025-11-01T00:00:00Z", "--to", "2025-12-01T00:00:00Z", "--window", "1h")
    r = run_cli("burn", "--all", *span, "--json", db=fdb)
    assert r.code == 0, r.stderr
    batched = {s["slo"]: s for s in r.json()["slos"]}
    assert sorted(batched) == sorted(NAMES)
    assert sum(len(s["episodes"]) for s in batched.values()) > 0
    assert sum(len(s["incidents"]) for s in batched.values()) == 5  # INC-1 for the 3 SLOs of a, INC-2 for the 2 of b
    for name in NAMES:
        one = run_cli("burn", "--slo", name, *span, "--json", db=fdb)
        assert one.json() == batched[name], name


def test_burn_needs_slo_or_all(fdb):
    r = run_cli("burn", "--from", "2025-11-01", "--to", "2025-11-02", db=fdb)
    assert r.code == 2 and "--slo" in r.stderr
