"""The one-scan path for per-instance SLOs (reliability/analysis/instance_scan.py) gives exactly
the rows of the path it replaces: instances found by ``instances.keys_in_range``, aggregates by
``sla.ratio_aggregates`` / ``sla.series_aggregates_bucketed`` joined against every key.

One database, series ``gw``/``availability`` grouped by ``customer`` (rows every 5 minutes of
November 2025 UTC and a little either side), under several definitions at once:

- ``occ`` Occurrences (UTC), redefined on 2025-11-15 with another target (a split month);
- ``slices`` Timeslices, good when good/total >= 0.95 (UTC): shares ``occ``'s series keys;
- ``ratio`` RatioTimeslices in Europe/Paris (another period; the ratio sum is needed);
- ``two`` Timeslices with two objectives of different slice targets (its second key is queried
  as before).

Customers: acme (every 5 minutes, some zero-traffic rows), globex (from the 16th: mid-month),
initech (rows 30 s off the minute: misaligned, the general path), umbrella (one row on
2025-11-30 23:30Z: in UTC November, not in Paris November), hooli (only an unusable row,
good > total, written behind ingestion's back: an instance with no data).
The new path must also not run the queries it replaces when it can do without them.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import run_cli

UTC = timezone.utc
MONTH = "2025-11"


def _slo(name: str, method: str, objectives: str, zone: str = "UTC") -> str:
    return (
        "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n"
        f"  name: {name}\n  annotations:\n    reliability/group-by: customer\n"
        "spec:\n  service: gw\n"
        "  indicator:\n    metadata:\n      name: availability\n    spec:\n      ratioMetric:\n"
        "        counter: false\n"
        "        good: {metricSource: {type: Prometheus, spec: {query: 'sum by (customer) (ok)'}}}\n"
        "        total: {metricSource: {type: Prometheus, spec: {query: 'sum by (customer) (all)'}}}\n"
        "  timeWindow:\n    - duration: 1M\n      isRolling: false\n"
        f"      calendar: {{startTime: 2024-01-01 00:00:00, timeZone: {zone}}}\n"
        f"  budgetingMethod: {method}\n  objectives:\n{objectives}"
    )


SLICES = "    - target: 0.99\n      timeSliceTarget: 0.95\n      timeSliceWindow: 1m\n"
TWO = SLICES + "    - target: 0.9\n      timeSliceTarget: 0.8\n      timeSliceWindow: 1m\n"


def _series(path: Path) -> None:
    start = datetime(2025, 10, 31, 20, tzinfo=UTC)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["timestamp", "service", "sli", "customer", "good", "total"])
        for i in range(0, (31 * 24 + 8) * 12):
            t = start + timedelta(minutes=5 * i)
            total = 0 if i % 97 == 0 else 1 + (i * 7919) % 100
            good = total - (i % 5 if i % 13 == 0 else 0) if total > 4 else total
            rows = [("acme", t, good, total)]
            if t >= datetime(2025, 11, 16, tzinfo=UTC):
                rows.append(("globex", t, total, total))
            rows.append(("initech", t + timedelta(seconds=30), good, total))
            for customer, ts, g, n in rows:
                w.writerow([ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "gw", "availability", customer, g, n])
        w.writerow(["2025-11-30T23:30:00Z", "gw", "availability", "umbrella", 3, 4])


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("scan")
    db = tmp / "scan.duckdb"
    files = {
        "occ": _slo("occ", "Occurrences", "    - target: 0.999\n"),
        "occ2": _slo("occ", "Occurrences", "    - target: 0.95\n"),
        "slices": _slo("slices", "Timeslices", SLICES),
        "ratio": _slo("ratio", "RatioTimeslices", "    - target: 0.98\n      timeSliceWindow: 1m\n", zone="Europe/Paris"),
        "two": _slo("two", "Timeslices", TWO),
    }
    for name, text in files.items():
        (tmp / f"{name}.yaml").write_text(text)
    r = run_cli("slo", "apply", *(tmp / f"{n}.yaml" for n in ("occ", "slices", "ratio", "two")), db=db)
    assert r.code == 0, r.stderr
    _series(tmp / "series.csv")
    r = run_cli("ingest", "series", tmp / "series.csv", db=db)
    assert r.code == 0, r.stderr
    r = run_cli("slo", "apply", tmp / "occ2.yaml", "--effective-from", "2025-11-15", db=db)
    assert r.code == 0, r.stderr
    import shutil

    import duckdb

    shutil.copy(db, tmp / "clean.duckdb")
    con = duckdb.connect(str(db))
    con.execute("insert into sli_slices values ('gw', 'availability{customer=\"hooli\"}', "
                "'2025-11-10 00:00:00+00', 5, 4, null)")
    con.close()
    return db


def _both(db: Path, monkeypatch, slo_name=None, **kw):
    """(rows of the new path, rows of the old path, queries the new path ran)."""
    from reliability import periods, slos, store
    from reliability.analysis import sla

    ran: list[str] = []
    real = store.rows

    def spy(con, name, params=None):
        ran.append(name)
        return real(con, name, params)

    def period_for(slo):
        return periods.month(MONTH, sla.slo_zone(slo))

    with store.connect(db, read_only=True) as con:
        monkeypatch.setattr(store, "rows", spy)
        new = sla.compute_periods(con, period_for, slo_name, now=datetime(2026, 1, 1, tzinfo=UTC), **kw)
        monkeypatch.setattr(store, "rows", real)
        # The old path: instances found first (instances.keys_in_range), then computed as SLOs
        # of their own (nothing left to expand, so nothing prefetched).
        expanded = sla.expand_instances(con, slos.load(con, slo_name), period_for)
        old = sla.compute_periods(con, period_for, selected=expanded, now=datetime(2026, 1, 1, tzinfo=UTC), **kw)
    return new, old, ran


def _json(rows):
    return [r.as_json() for r in rows]


@pytest.mark.parametrize("no_data", ["good", "bad", "exclude"])
def test_new_path_equals_old_path(db, monkeypatch, no_data):
    new, old, ran = _both(db, monkeypatch, no_data=no_data)
    assert _json(new) == _json(old)
    names = [r.slo for r in new]
    for slo in ("occ", "slices", "ratio", "two"):
        for customer in ("acme", "globex", "initech", "hooli"):
            assert f'{slo}{{customer="{customer}"}}' in names
    # umbrella has a row in UTC November only; Paris November's instance is listed (no data),
    # as the instances of a period are found over all grouped definitions' periods together
    umbrella = {r.slo: r for r in new if "umbrella" in r.slo}
    assert umbrella['occ{customer="umbrella"}'].slices_with_data == 1
    assert umbrella['ratio{customer="umbrella"}'].slices_with_data == 0
    # the fast path ran, and the old queries only where they are needed: one scan for occ and slices
    # (same series and period: occ's objective shares slices' key), one for ratio (Paris);
    # the general path for initech (misaligned rows); ratio_aggregates for `two`'s second
    # criterion and occ's two versions (segments of the month, other periods).
    assert ran.count("sla.instance_aggregates") == 2
    # hooli's unusable row (and the Paris period, shorter than the span of all periods):
    # the instances are found as before
    assert "instances.keys_in_range" in ran
    assert "sla.series_aggregates_bucketed" in ran


def test_only_the_scan_when_it_suffices(db, monkeypatch):
    """Without unusable rows, one definition: its scan finds the instances and aggregates."""
    new, old, ran = _both(db.parent / "clean.duckdb", monkeypatch, slo_name="slices")
    assert _json(new) == _json(old) and len(new) == 4  # acme, globex, initech, umbrella
    assert ran.count("sla.instance_aggregates") == 1
    assert "sla.ratio_aggregates" not in ran and "instances.keys_in_range" not in ran
    # initech's rows are off the minute: counted by the general path, as before
    initech = next(r for r in new if "initech" in r.slo)
    assert initech.slices_with_data > 0


def test_maintenance_takes_the_general_path(db, monkeypatch):
    from reliability.ingest.maintenance import Window

    window = Window("m1", "gw", datetime(2025, 11, 3, 1, 2, 30, tzinfo=UTC), datetime(2025, 11, 3, 5, tzinfo=UTC))
    new, old, ran = _both(db, monkeypatch, maintenance=[window])
    assert _json(new) == _json(old)
    assert all(r.excluded_slices > 0 for r in new)
    assert "sla.series_aggregates_bucketed" in ran
