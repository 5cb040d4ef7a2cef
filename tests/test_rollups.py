"""Monthly SLA rollups: kept by every write, invalidated exactly for what it touched, and equal
bit for bit to a fresh computation from the slices after random sequences of writes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures
from conftest import run_cli
from reliability import slos, store, versions, writes
from reliability.analysis import history, rollup_items, rollups, sla
from reliability.ingest.maintenance import ingest_maintenance
from reliability.ingest.series import ingest_series_table
from test_sla import slo_yaml
from test_sla_cases import THRESHOLD_SLO

MONTHS = ["2025-10", "2025-11", "2025-12"]  # November has New York's fall-back
SERIES = [("svc", "availability"), ("other", "availability"), ("svc", "p95")]
START = datetime(2025, 10, 31, 20, tzinfo=UTC)  # writes land around both month boundaries
SPAN_MINUTES = 3 * 24 * 60


def _definitions(variant: int) -> str:
    tst = ("0.95", "0.9")[variant % 2]
    docs = [
        slo_yaml("ts", "Timeslices", "UTC", tst=tst),
        slo_yaml("occ", "Occurrences", "UTC"),
        slo_yaml("rts-5m", "RatioTimeslices", "UTC", window="5m"),
        slo_yaml("ts-ny", "Timeslices", "America/New_York"),
        slo_yaml("occ-kolkata", "Occurrences", "Asia/Kolkata"),  # a +05:30 zone
        slo_yaml("other-ts-5m", "Timeslices", "Europe/Berlin", service="other", window="5m"),
        THRESHOLD_SLO.format(name="p95-ts", method="Timeslices", extra="      timeSliceWindow: 1m"),
        # per customer (docs/sla.md): no rollups of its own, its instances computed fresh in place
        slo_yaml("other-by-customer", "Occurrences", "UTC", service="other").replace(
            "  name: other-by-customer\n", "  name: other-by-customer\n  annotations:\n    reliability/group-by: customer\n", 1),
    ]
    if variant == 2:  # a target change of one SLO, and of the per-customer one
        docs[1] = slo_yaml("occ", "Occurrences", "UTC", target="target: 0.99")
        docs[-1] = docs[-1].replace("target: 0.999", "target: 0.995")
    return "---\n".join(docs)


def _random_rows(rng: random.Random) -> pa.Table:
    service, sli_ = rng.choice(SERIES)
    at = rng.randrange(SPAN_MINUTES - 200)
    n = rng.randrange(1, 200)
    ts, good, total, value = [], [], [], []
    for k in range(n):
        if rng.random() < 0.2:
            continue  # gaps: no-data slices
        seconds = 60 * (at + k) + (30 if rng.random() < 0.05 else 0)  # some rows off the minute
        ts.append(START + timedelta(seconds=seconds))
        t = rng.choice([0, 10, 100, 1000])
        good.append(float(t - rng.choice([0, 0, 0, 1, t // 10, t])) if t else 0.0)
        total.append(float(t))
        value.append(rng.uniform(100, 900))
    if not ts:
        ts, good, total, value = [START], [1.0], [1.0], [1.0]
    cols = {"ts": pa.array(ts, pa.timestamp("us", tz="UTC")), "service": [service] * len(ts), "sli": [sli_] * len(ts)}
    customer = rng.choice(["acme", "globex", None]) if service == "other" else None
    if customer:  # an instance of other-by-customer; without the column, the series as a whole
        cols["customer"] = [customer] * len(ts)
    if sli_ == "p95":
        cols["value"] = value
    else:
        cols |= {"good": good, "total": total}
    return pa.table(cols)


_SERIES_MONTHS = "select distinct service, sli, date_trunc('month', ts) from sli_slices order by all"
# Rows per series and UTC month: as series_months keeps them, and as the slices hold them.
_KEPT_COUNTS = "select service, sli, month_start, slices + unusable_rows from series_months order by all"
_SCANNED_COUNTS = "select service, sli, date_trunc('month', ts), count(*) from sli_slices group by all order by all"


def _write(db: Path, tmp: Path, rng: random.Random, step: int) -> str:
    kind = ("series", "slo", "series", "maintenance", "series", "delete")[step % 6]
    with store.connect(db) as con, writes.transaction(con):
        if kind == "series":
            ingest_series_table(con, _random_rows(rng), f"step {step}")
        elif kind == "delete":  # as extract replacing a range that Prometheus has less of
            held = con.execute(_SERIES_MONTHS).fetchall()
            if held and rng.random() < 0.7:  # a whole UTC month of a stored series, and some more
                service, key, month = rng.choice(held)
                sli_, instances = key.partition("{")[0], "{" in key  # an instance: every instance
                start = month - timedelta(minutes=rng.randrange(600))
                end = (month + timedelta(days=32)).replace(day=1) + timedelta(minutes=rng.randrange(600))
            else:
                (service, sli_), instances = rng.choice(SERIES), rng.random() < 0.3
                start = START + timedelta(minutes=rng.randrange(SPAN_MINUTES))
                end = start + timedelta(minutes=rng.choice([30, 300, 1500]))
            writes.delete_slices(con, service, sli_, start, end, instances=instances)
        elif kind == "slo":
            path = tmp / f"slos-{step}.yaml"
            path.write_text(_definitions(1 + (step // 5 + rng.randrange(2)) % 2))
            # A change takes effect inside the months written (a month split at a version
            # change), later at each step; a target change of the per-customer SLO makes its
            # instances versioned too.
            at = START + timedelta(hours=30 * (step // 5) + rng.randrange(2, 30), minutes=rng.choice([0, 7]))
            slos.apply(con, [str(path)], effective_from=at)
        else:
            at = START + timedelta(minutes=rng.randrange(SPAN_MINUTES))
            path = tmp / f"mw-{step}.csv"
            service = rng.choice(["svc", "other", ""])
            path.write_text("id,service,starts_at,ends_at,description\n"
                            f"MW-{rng.randrange(3)},{service},{at:%Y-%m-%dT%H:%M:%SZ},"
                            f"{at + timedelta(minutes=rng.randrange(1, 300)):%Y-%m-%dT%H:%M:%SZ},random\n")
            ingest_maintenance(con, [str(path)])
    return kind


def _fresh(con, policy: str) -> list[tuple[str, list[dict]]]:
    return [(m, [r.as_json() for r in rows])
            for m, rows in history.monthly(con, MONTHS[0], MONTHS[-1], no_data=policy)]


def _served(con, policy: str) -> list[tuple[str, list[dict]]]:
    return [(m, [r.as_json() for r in rows]) for m, rows in rollups.monthly(con, MONTHS, policy)]


def _query(con, name: str) -> list[tuple]:
    return con.execute(store.query(name), {"slice_seconds": 60}).fetchall()


def _stored(con) -> dict[tuple[str, int, str], datetime]:
    return {(s, i, m): at for s, i, m, at in
            con.execute("select slo, idx, month, computed_at from sla_rollups").fetchall()}


@pytest.mark.parametrize("seed", [2, 3])
def test_rollups_equal_fresh_computation_after_random_writes(tmp_path, seed):
    rng = random.Random(seed)
    db = tmp_path / "r.duckdb"
    (tmp_path / "slos.yaml").write_text(_definitions(0))
    assert run_cli("slo", "apply", tmp_path / "slos.yaml", db=db).code == 0
    kinds, emptied, compared = [], set(), set()
    for step in range(12):
        with store.connect(db, read_only=True) as con:
            held = set(con.execute(_SERIES_MONTHS).fetchall())
        kinds.append(_write(db, tmp_path, rng, step))
        with store.connect(db, read_only=True) as con:
            if kinds[-1] == "delete":  # (series, UTC month) pairs left with no row and none appended
                emptied |= held - set(con.execute(_SERIES_MONTHS).fetchall())
            for policy in ("good", "bad", "exclude"):
                assert _served(con, policy) == _fresh(con, policy), (seed, step, kinds, policy)
            # The data health page's per-series metadata equals the scan of every slice.
            for scan, kept in (("app.series_health", "series_months.series_health"),
                               ("app.coverage_by_month", "series_months.coverage_by_month")):
                assert _query(con, kept) == _query(con, scan), (seed, step, kinds, scan)
            assert con.execute(_KEPT_COUNTS).fetchall() == con.execute(_SCANNED_COUNTS).fetchall(), (seed, step, kinds)
            # Every SLO-month with data is served from a stored, current rollup.
            digests = rollups.fingerprints(con)
            current = {(s, i, m) for s, i, m, f in con.execute(
                "select slo, idx, month, fingerprint from sla_rollups").fetchall() if digests.get(s) == f}
            # Instances and SLOs with a history of definitions: their month's items, as a set.
            histories = versions.histories(con)
            item_sets = {(s, m) for s, m, f in con.execute(
                "select slo, month, fingerprint from sla_rollup_sets").fetchall()
                if rollup_items.digests(con).get(s) == f}
            fresh = _fresh(con, "good")
            compared |= {"instances" for _m, rows in fresh for r in rows if "{" in r["slo"]}
            compared |= {"segments" for _m, rows in fresh for r in rows if "segments" in r}
            for month, rows in fresh:
                for r in rows:
                    if not r["slices_with_data"]:
                        continue
                    base = r["slo"].partition("{")[0]
                    if "{" in r["slo"] or base in histories:
                        assert (base, month) in item_sets, (seed, step, r["slo"], month)
                    else:
                        assert (r["slo"], 0, month) in current, (seed, step, r["slo"], month)
    assert set(kinds) == {"series", "slo", "maintenance", "delete"}
    assert emptied, seed  # a delete-only write of a month was among the steps
    assert compared == {"instances", "segments"}, seed  # instances and split months were among what was compared


def _ingest_minute(db: Path, at: str, service: str = "svc") -> None:
    table = pa.table({"ts": pa.array([datetime.fromisoformat(at)], pa.timestamp("us", tz="UTC")),
                      "service": [service], "sli": ["availability"], "good": [1.0], "total": [2.0]})
    with store.connect(db) as con, writes.transaction(con):
        ingest_series_table(con, table, "one row")


def test_a_write_recomputes_only_the_slo_months_it_touched(tmp_path):
    db = tmp_path / "r.duckdb"
    (tmp_path / "slos.yaml").write_text(_definitions(0))
    assert run_cli("slo", "apply", tmp_path / "slos.yaml", db=db).code == 0
    for at in ("2025-10-15T00:00:00+00:00", "2025-11-15T00:00:00+00:00", "2025-12-15T00:00:00+00:00"):
        _ingest_minute(db, at)
        _ingest_minute(db, at, "other")
    with store.connect(db, read_only=True) as con:
        before = _stored(con)
    # 2025-11-30 23:00 UTC: November in UTC and New York, but December in Kolkata (+05:30).
    _ingest_minute(db, "2025-11-30T23:00:00+00:00")
    with store.connect(db, read_only=True) as con:
        after = _stored(con)
    changed = {k for k in after if before.get(k) != after[k]}
    assert changed == {("ts", 0, "2025-11"), ("occ", 0, "2025-11"), ("rts-5m", 0, "2025-11"),
                       ("ts-ny", 0, "2025-11"), ("occ-kolkata", 0, "2025-12")}
    # A definition change recomputes that SLO's months only; a removed series' SLOs keep theirs.
    (tmp_path / "occ.yaml").write_text(slo_yaml("occ", "Occurrences", "UTC", target="target: 0.99"))
    assert run_cli("slo", "apply", tmp_path / "occ.yaml", db=db).code == 0
    with store.connect(db, read_only=True) as con:
        again = _stored(con)
    # occ now has a history of definitions (each month computed with the version in force, split
    # at a change): its rollups are dropped and it is computed fresh; no other SLO-month moved.
    assert set(after) - set(again) == {("occ", 0, m) for m in MONTHS}
    assert {k for k in again if after.get(k) != again[k]} == set()
    # A maintenance window of `other` recomputes other's SLO for the months it overlaps.
    (tmp_path / "mw.csv").write_text("id,service,starts_at,ends_at\nMW-1,other,2025-12-31T22:00:00Z,2025-12-31T23:30:00Z\n")
    assert run_cli("ingest", "maintenance", tmp_path / "mw.csv", db=db).code == 0
    with store.connect(db, read_only=True) as con:
        last = _stored(con)
    # 22:00-23:30 UTC is 23:00-00:30 in Berlin: its December and January.
    assert {k for k in last if again.get(k) != last[k]} == {("other-ts-5m", 0, "2025-12"), ("other-ts-5m", 0, "2026-01")}
    # Deleting the row of 2025-11-30 23:00 (none appended): the months that range overlaps, in
    # each zone, of svc's availability SLOs (occ, versioned now, has none here).
    with store.connect(db) as con, writes.transaction(con):
        at = datetime(2025, 11, 30, 23, tzinfo=UTC)
        writes.delete_slices(con, "svc", "availability", at, at + timedelta(minutes=1))
    with store.connect(db, read_only=True) as con:
        deleted = _stored(con)
        assert con.execute("select count(*) from sli_slices where ts = $at", {"at": at}).fetchone()[0] == 0
    assert {k for k in deleted if last.get(k) != deleted[k]} == {
        ("ts", 0, "2025-11"), ("rts-5m", 0, "2025-11"), ("ts-ny", 0, "2025-11"), ("occ-kolkata", 0, "2025-12")}


def test_series_months_count_rows_written_outside_the_tool_when_a_write_touches_their_month(tmp_path):
    """Rows another tool wrote (out of range: good > total, NaN, a negative count) are not
    usable; a write that appends to or deletes from their month recomputes its row, which
    counts them as unusable, as the scan does."""
    db = tmp_path / "r.duckdb"
    _ingest_minute(db, "2025-11-15T00:00:00+00:00")
    with store.connect(db) as con:  # outside writes.transaction: series_months does not see these
        con.execute("insert into sli_slices (service, sli, ts, good, total, value) values "
                    "('svc', 'availability', '2025-11-15 00:01:00+00', 3, 2, null), "
                    "('svc', 'availability', '2025-11-15 00:02:00+00', 'NaN'::double, 2, null), "
                    "('svc', 'availability', '2025-11-16 00:00:00+00', -1, 2, null), "
                    "('svc', 'availability', '2025-12-15 00:00:00+00', 1, 2, null)")
    expected_sql = ("select service, sli, date_trunc('month', ts), count(*), "
                    "count(*) filter (where rowid not in (select s.rowid from sli_slices as s semi join usable_slices "
                    "as u on s.service = u.service and s.sli = u.sli and s.ts = u.ts)) "
                    "from sli_slices group by all order by all")
    kept_sql = "select service, sli, month_start, slices + unusable_rows, unusable_rows from series_months order by all"
    _ingest_minute(db, "2025-11-20T00:00:00+00:00")  # November recomputed; December unknown to it
    with store.connect(db, read_only=True) as con:
        kept, scanned = con.execute(kept_sql).fetchall(), con.execute(expected_sql).fetchall()
    assert [k[3:] for k in kept] == [(5, 3)] and [s[3:] for s in scanned] == [(5, 3), (1, 0)]
    with store.connect(db) as con, writes.transaction(con):  # deletes one unusable row of November
        at = datetime(2025, 11, 16, tzinfo=UTC)
        writes.delete_slices(con, "svc", "availability", at, at + timedelta(days=40))
    with store.connect(db, read_only=True) as con:
        kept, scanned = con.execute(kept_sql).fetchall(), con.execute(expected_sql).fetchall()
    assert kept == scanned and [k[3:] for k in kept] == [(3, 2)]


def test_the_demo_database_has_every_slo_month_rolled_up(demo_db):
    with store.connect(demo_db, read_only=True) as con:
        # per-instance SLOs and those with a history (ledger-availability's target change) are computed fresh
        fresh_only = versions.histories(con)
        n_slos = len([s for s in slos.load(con) if not s.group_by and s.name not in fresh_only])
        assert n_slos == 15
        months = con.execute("select count(distinct month) from sla_rollups").fetchone()[0]
        rows = con.execute("select count(*) from sla_rollups").fetchone()[0]
        served = rollups.monthly(con, ["2026-03"])[0][1]
        fresh = sla.compute(con, "2026-03")
    assert months >= 13 and rows >= n_slos * 13
    assert [r.as_json() for r in served] == [r.as_json() for r in fresh]
    assert any("{" in r.slo for r in served)  # the per-customer SLO's instances, in compute's order


def test_every_write_goes_through_writes_transaction():
    """A write transaction opened with store.transaction directly would leave rollups stale."""
    import re

    root = Path(__file__).resolve().parent.parent / "reliability"
    found = [str(f.relative_to(root)) for f in root.rglob("*.py")
             if re.search(r"store\.transaction\(", f.read_text()) and f.name != "writes.py"]
    assert found == []


def test_slices_are_deleted_only_where_the_rollups_learn_of_it():
    """Deleted rows leave no row id behind: a month whose rows a write deletes, appending none
    there, is recomputed only when the range is registered (writes.delete_slices). Fails on a
    new query deleting slices, or on the extract deletes run from anywhere else."""
    import re

    root = Path(__file__).resolve().parent.parent
    deleting = set()
    for path in sorted((root / "queries").glob("*.sql")):
        for name, sql in re.findall(r"^-- name: (\w+)\n(.*?)(?=^-- name: |\Z)", path.read_text(), re.M | re.S):
            if re.search(r"\bdelete\s+from\s+sli_slices\b", sql, re.I):
                deleting.add(f"{path.stem}.{name}")
    # ingest's replace deletes exactly the keys it appends again (their months are found by row id)
    assert deleting == {"ingest.delete_replaced_slices", "extract.delete_chunk", "extract.delete_instances_chunk"}
    users = sorted(str(f.relative_to(root)) for f in (root / "reliability").rglob("*.py")
                   if re.search(r"delete_(instances_)?chunk", f.read_text()))
    assert users == ["reliability/writes.py"]


def test_per_instance_and_versioned_slos_are_served_without_reading_slices(demo_db, monkeypatch):
    """The SLA review's month (per-customer instances, ledger-availability's split month): from
    the rollups alone. Fails if any SLO went back to finding instances or aggregating slices."""
    from reliability.analysis import instances

    with store.connect(demo_db, read_only=True) as con:
        histories = versions.histories(con)
        kept = [s.name for s in slos.load(con) if rollup_items.kept_here(s, histories)]
        assert any(s.group_by for s in slos.load(con) if s.name in kept) and any(n in histories for n in kept)
        # the months every such SLO has data in (a month without data is computed fresh: cheap)
        months = [m for (m,) in con.execute("select month from sla_rollup_sets group by month having count(*) = $n "
                                            "order by 1", {"n": len(kept)}).fetchall()]
        assert {"2026-03", "2026-10"} <= set(months)
        fresh = {m: [r.as_json() for r in sla.compute(con, m)] for m in months}

        def scan(*_a, **_k):
            raise AssertionError("read the slices")

        monkeypatch.setattr(sla, "objective_aggregates", scan)
        monkeypatch.setattr(instances, "keys", scan)
        for month in months:
            served = [r.as_json() for r in rollups.month_rows(con, month)]
            assert served == fresh[month], month
        assert any("{" in r["slo"] for r in served)
        assert any("version" in r for rows in fresh.values() for r in rows)
