"""The bundled sample data set: deterministic, internally consistent, and telling its stories."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
import yaml

from reliability import sample

UTC = timezone.utc
DATA = Path(__file__).resolve().parent.parent / "data"
ORDER = ["started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at", "closed_at"]


def ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def incidents() -> list[dict]:
    return sample.load_incidents()


@pytest.fixture(scope="module")
def deployments() -> list[dict]:
    return sample.load_deployments()


def by_story(incidents, service, severity, month, tag):
    found = [i for i in incidents if i["service"] == service and i["severity"] == severity
             and i["started_at"].startswith(month) and tag in i["tags"]]
    assert len(found) == 1, found
    return found[0]


def minute_mask(s, start: datetime, end: datetime) -> np.ndarray:
    """Rows whose minute overlaps [start, end)."""
    t = s["ts"].astype("int64")
    return (t + 60 > int(start.timestamp())) & (t < int(end.timestamp()))


# --------------------------------------------------------------------------- files

def test_data_dir_finds_the_files():
    d = sample.data_dir()
    for name in ("slos.yaml", "incidents.json", "deployments.csv", "generate_sample.py", "README.md"):
        assert (d / name).is_file(), name
    assert sample.slo_file() == d / "slos.yaml"


def test_generator_reproduces_the_committed_files(tmp_path):
    shutil.copy(DATA / "generate_sample.py", tmp_path / "generate_sample.py")
    subprocess.run([sys.executable, str(tmp_path / "generate_sample.py")], check=True, capture_output=True)
    for name in ("incidents.json", "deployments.csv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_slo_definitions():
    docs = [d for d in yaml.safe_load_all(sample.slo_file().read_text()) if d]
    assert all(d["apiVersion"] == "openslo/v1" for d in docs)
    kinds = Counter(d["kind"] for d in docs)
    assert kinds == {"SLO": 16, "Service": 8, "DataSource": 1, "AlertPolicy": 1}
    slos = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "SLO"}
    for service in sample.SERVICES:
        for sli in sample.SLIS:
            spec = slos[f"{service}-{sli}"]
            assert spec["service"] == service
            assert spec["indicator"]["metadata"]["name"] == sli
            assert spec["timeWindow"][0]["duration"] == "1M"
    methods = Counter(s["budgetingMethod"] for s in slos.values())
    assert set(methods) == {"Occurrences", "Timeslices", "RatioTimeslices"}
    zones = {s["timeWindow"][0]["calendar"]["timeZone"] for s in slos.values()}
    assert zones == {"UTC", "America/New_York", "Europe/Berlin"}
    assert slos["ledger-availability"]["timeWindow"][0]["calendar"]["timeZone"] == "America/New_York"
    search = slos["search-availability"]
    assert search["budgetingMethod"] == "Timeslices"
    assert search["objectives"][0]["timeSliceTarget"] == 0.95
    assert search["objectives"][0]["target"] == 0.999


# --------------------------------------------------------------------------- incidents

def test_incident_counts_and_fields(incidents):
    assert len(incidents) >= 160
    assert Counter(i["severity"] for i in incidents) == {"SEV-1": 8, "SEV-2": 30, "SEV-3": 60, "SEV-4": 72}
    assert [i["id"] for i in incidents] == [f"INC-{n:04d}" for n in range(1, len(incidents) + 1)]
    assert {i["service"] for i in incidents} == set(sample.SERVICES)
    fields = set(ORDER) | {"id", "service", "severity", "title", "root_cause", "postmortem_url",
                           "postmortem_published_at", "customer_impact", "tags", "timeline", "action_items"}
    for inc in incidents:
        assert set(inc) == fields, inc["id"]
        assert inc["tags"] == sorted(set(inc["tags"]))


def test_incident_timestamps_are_ordered_utc_and_in_range(incidents):
    for inc in incidents:
        present = [inc[f] for f in ORDER if inc[f] is not None]
        for text in present + [inc["postmortem_published_at"]] + [e["at"] for e in inc["timeline"]]:
            if text is not None:
                assert text.endswith("Z") and len(text) == 20, (inc["id"], text)
        times = [ts(t) for t in present]
        assert times == sorted(times), inc["id"]
        assert all(inc[f] is not None for f in ORDER[:5]), inc["id"]
        assert sample.SAMPLE_START <= ts(inc["started_at"]) and ts(inc["resolved_at"]) < sample.SAMPLE_END
        at = [ts(e["at"]) for e in inc["timeline"]]
        assert at == sorted(at), inc["id"]
        assert {e["kind"] for e in inc["timeline"]} <= {"status", "update", "action"}
        assert at[0] == ts(inc["detected_at"]) and inc["timeline"][0]["text"].startswith("Declared")
        if inc["severity"] in ("SEV-1", "SEV-2"):
            assert inc["action_items"], inc["id"]
            for item in inc["action_items"]:
                assert set(item) == {"title", "owner", "due", "done", "priority"}
                assert item["priority"] in ("P0", "P1")
                datetime.strptime(item["due"], "%Y-%m-%d")


def test_acknowledgement_targets_mostly_met_with_some_misses(incidents):
    def next_business_day_end(dt):
        d = dt.date() + timedelta(days=1)
        while d.weekday() >= 5:
            d += timedelta(days=1)
        return datetime(d.year, d.month, d.day, 23, 59, 59, tzinfo=UTC)

    minutes = {"SEV-1": 5, "SEV-2": 15, "SEV-3": 60}
    misses = Counter()
    for inc in incidents:
        det, ack = ts(inc["detected_at"]), ts(inc["acknowledged_at"])
        sev = inc["severity"]
        met = ack <= next_business_day_end(det) if sev == "SEV-4" else ack - det <= timedelta(minutes=minutes[sev])
        misses[sev] += not met
    assert misses == {"SEV-1": 2, "SEV-2": 4, "SEV-3": 6, "SEV-4": 6}


def test_update_cadence_mostly_met_with_some_violations(incidents):
    cadence = {"SEV-1": 15, "SEV-2": 60}
    violations = []
    for inc in incidents:
        if inc["severity"] not in cadence:
            continue
        det, mit = ts(inc["detected_at"]), ts(inc["mitigated_at"])
        points = [det] + [ts(e["at"]) for e in inc["timeline"]
                          if e["kind"] == "update" and det < ts(e["at"]) < mit] + [mit]
        worst = max((b - a).total_seconds() / 60 for a, b in zip(points, points[1:]))
        if worst > cadence[inc["severity"]]:
            violations.append((inc["severity"], inc["id"]))
    assert Counter(sev for sev, _ in violations) == {"SEV-1": 2, "SEV-2": 3}


def test_sev1_postmortems_one_late_one_missing(incidents):
    late, missing, on_time = [], [], []
    for inc in incidents:
        if inc["severity"] != "SEV-1":
            continue
        if inc["postmortem_published_at"] is None:
            assert inc["postmortem_url"] is None and inc["closed_at"] is None
            missing.append(inc["id"])
        elif ts(inc["postmortem_published_at"]) - ts(inc["resolved_at"]) > timedelta(hours=48):
            late.append(inc["id"])
        else:
            on_time.append(inc["id"])
    assert (len(on_time), len(late), len(missing)) == (6, 1, 1)


def test_stories(incidents):
    pool = by_story(incidents, "payments", "SEV-1", "2026-08-14", "connection-pool")
    redis = by_story(incidents, "payments", "SEV-2", "2026-06", "connection-pool")
    assert "traffic-spike" in pool["tags"] and "redis" in redis["tags"]
    assert redis["id"] in pool["root_cause"]
    assert any(redis["id"] in e["text"] for e in pool["timeline"])
    window = ts(pool["mitigated_at"]) - ts(pool["started_at"])
    assert timedelta(minutes=25) <= window <= timedelta(minutes=35)
    assert "pool size" in pool["root_cause"]

    outage = by_story(incidents, "search", "SEV-2", "2026-03", "outage")
    assert timedelta(minutes=85) <= ts(outage["mitigated_at"]) - ts(outage["started_at"]) <= timedelta(minutes=95)

    dst = [i for i in incidents if i["service"] == "ledger" and "dst" in i["tags"]]
    fall = [i for i in dst if i["started_at"].startswith("2025-11-02")]
    assert len(fall) == 1 and any(fall[0]["id"] in i["root_cause"] for i in dst if i is not fall[0])

    tags = Counter(t for i in incidents for t in i["tags"])
    for theme in ("cert-expiry", "bad-deploy", "disk-full", "dns"):
        assert tags[theme] >= 3, theme


def test_bad_deploys_precede_their_incidents(incidents, deployments):
    assert {d["service"] for d in deployments} == set(sample.SERVICES)
    weeks = (sample.SAMPLE_END - sample.SAMPLE_START).days / 7
    per_week = Counter(d["service"] for d in deployments)
    assert all(2 <= n / weeks <= 5 for n in per_week.values()), per_week
    for inc in incidents:
        start = ts(inc["started_at"])
        before = [d for d in deployments if d["service"] == inc["service"]
                  and start - timedelta(minutes=30) <= ts(d["deployed_at"]) <= start]
        if "bad-deploy" in inc["tags"]:
            assert len(before) == 1, inc["id"]
            assert before[0]["rolled_back"] is True
            assert before[0]["version"] in inc["title"] + inc["root_cause"]
        else:
            assert not before, inc["id"]
    assert sum("bad-deploy" in i["tags"] for i in incidents) >= 10


def test_deployments_csv_columns():
    with open(DATA / "deployments.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["id", "service", "deployed_at", "version", "description", "rolled_back"]
    assert {r[5] for r in rows[1:]} == {"true", "false"}
    stamps = [r[2] for r in rows[1:]]
    assert stamps == sorted(stamps)


# --------------------------------------------------------------------------- series

def test_series_deterministic_and_consistent_across_ranges(incidents):
    a = sample.series("checkout", "availability", datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC), incidents)
    b = sample.series("checkout", "availability", datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC), incidents)
    for k in ("ts", "good", "total"):
        assert np.array_equal(a[k], b[k])
    assert a["ts"].dtype == np.dtype("datetime64[s]")
    assert a["good"].dtype == np.int64 and a["total"].dtype == np.int64
    assert len(a["ts"]) == 30 * 1440
    assert a["ts"][0] == np.datetime64("2026-04-01T00:00:00")
    # A sub-range (not minute-aligned at the start) has exactly the values of the full range.
    c = sample.series("checkout", "availability", datetime(2026, 4, 30, 16, 59, 30, tzinfo=UTC),
                      datetime(2026, 4, 30, 18, 0, tzinfo=UTC), incidents)
    assert c["ts"][0] == np.datetime64("2026-04-30T17:00:00") and len(c["ts"]) == 60
    i = np.searchsorted(a["ts"], c["ts"][0])
    assert np.array_equal(a["good"][i:i + 60], c["good"]) and np.array_equal(a["total"][i:i + 60], c["total"])
    # Both SLIs count the same requests.
    lat = sample.series("checkout", "latency", datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC), incidents)
    assert np.array_equal(lat["total"], a["total"])
    with pytest.raises(ValueError):
        sample.series("checkout", "throughput", sample.SAMPLE_START, sample.SAMPLE_END, incidents)


def test_all_series_fast_and_sane(incidents):
    t0 = time.perf_counter()
    result = list(sample.all_series(incidents=incidents))
    elapsed = time.perf_counter() - t0
    assert elapsed < 20, elapsed
    assert len(result) == 16
    rows = 0
    for service, sli, s in result:
        good, total = s["good"], s["total"]
        assert (good >= 0).all() and (good <= total).all(), (service, sli)
        assert (np.diff(s["ts"].astype("int64")) >= 60).all()
        rows += len(total)
        tt = total[total > 0]
        bad_share = 1 - good[total > 0].sum() / tt.sum()
        if sli == "availability":
            assert bad_share < 0.001, (service, sli, bad_share)
        else:
            assert 0.002 < bad_share < 0.01, (service, sli, bad_share)
    minutes = int((sample.SAMPLE_END - sample.SAMPLE_START).total_seconds() // 60)
    assert rows == 16 * minutes - 2 * 17  # the catalog scrape gap removes 17 rows from each SLI


def test_no_data_minutes(incidents):
    gap = sample.series("catalog", "availability", datetime(2026, 2, 10, 8, tzinfo=UTC), datetime(2026, 2, 10, 10, tzinfo=UTC), incidents)
    assert len(gap["ts"]) == 120 - 17
    assert np.datetime64("2026-02-10T09:05:00") not in gap["ts"]
    zero = sample.series("ledger", "latency", datetime(2026, 4, 12, 5, tzinfo=UTC), datetime(2026, 4, 12, 7, tzinfo=UTC), incidents)
    assert len(zero["ts"]) == 120
    assert int((zero["total"] == 0).sum()) == 20 and (zero["good"][zero["total"] == 0] == 0).all()


def test_dips_coincide_with_incident_windows(incidents):
    for service in sample.SERVICES:
        s = sample.series(service, "availability", sample.SAMPLE_START, sample.SAMPLE_END, incidents)
        inside = np.zeros(len(s["ts"]), dtype=bool)
        mine = [i for i in incidents if i["service"] == service]
        for inc in mine:
            inside |= minute_mask(s, ts(inc["started_at"]), ts(inc["mitigated_at"]))
        # The outage nobody declared (issue 18's silent burn) counts as inside, deliberately.
        for first, stop, _ppm in sample.unreported_windows(service, "availability"):
            inside |= minute_mask(s, datetime.fromtimestamp(first * 60, UTC), datetime.fromtimestamp(stop * 60, UTC))
        err = 1 - s["good"] / np.maximum(s["total"], 1)
        err[s["total"] == 0] = 0
        # Every minute with more than 3 % errors lies in an incident window of the service (so
        # no Timeslices SLO, timeSliceTarget 0.95 or 0.97, has a bad minute outside one)...
        assert not ((err > 0.03) & ~inside).any(), service
        # ...outside them the error rate is the tiny baseline...
        assert 1 - s["good"][~inside].sum() / s["total"][~inside].sum() < 0.0004, service
        # ...and every SEV-1/SEV-2 window shows a real dip.
        for inc in mine:
            if inc["severity"] in ("SEV-1", "SEV-2"):
                m = minute_mask(s, ts(inc["started_at"]), ts(inc["mitigated_at"]))
                share = 1 - s["good"][m].sum() / s["total"][m].sum()
                assert share > 0.03, (inc["id"], share)


def test_payments_pool_story_shape(incidents):
    pool = by_story(incidents, "payments", "SEV-1", "2026-08-14", "connection-pool")
    start, end = ts(pool["started_at"]), ts(pool["mitigated_at"])
    s = sample.series("payments", "availability", start - timedelta(days=7, hours=1), end + timedelta(hours=1), incidents)
    m = minute_mask(s, start, end)
    share = 1 - s["good"][m].sum() / s["total"][m].sum()
    assert 0.12 <= share <= 0.18, share
    week_before = minute_mask(s, start - timedelta(days=7), end - timedelta(days=7))
    ratio = s["total"][m].sum() / s["total"][week_before].sum()
    assert 1.8 <= ratio <= 2.2, ratio  # traffic doubled during the spike


def test_search_breaches_its_sla_in_march_2026(incidents):
    start, end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    s = sample.series("search", "availability", start, end, incidents)
    slices = 31 * 24 * 60                      # 44,640 one-minute slices in March (UTC)
    allowed = (1 - 0.999) * slices             # 44.64 minutes of allowed downtime
    with_data = s["total"] > 0
    bad = int((with_data & (s["good"] < 0.95 * s["total"])).sum())  # timeSliceTarget 0.95
    assert bad > allowed
    assert bad == 93
    assert 1 - bad / slices < 0.999
    # It breaches under Occurrences too.
    assert s["good"].sum() / s["total"].sum() < 0.999
    # The month before does not breach.
    feb = sample.series("search", "availability", datetime(2026, 2, 1, tzinfo=UTC), start, incidents)
    bad_feb = int(((feb["total"] > 0) & (feb["good"] < 0.95 * feb["total"])).sum())
    assert bad_feb <= (1 - 0.999) * 28 * 24 * 60
