"""Many SLO-months at once (the leadership overview's read of the monthly rollups) give exactly
what one ``sla.finish`` per SLO-month gives: ``finish_many`` against ``sla.finish`` field by field
and bit by bit over random and edge rows, and ``rollup_frame.monthly_frame`` against the frame
of ``rollups.monthly``'s rows on the sample and after random writes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from app_fixtures import demo_db, demo_db_build  # noqa: F401 - fixtures
from conftest import run_cli
from reliability import periods, slos, store
from reliability.analysis import categories, finish_many, rollup_frame, rollups, sla
from reliability.openslo.documents import read_documents, resolve
from test_rollups import MONTHS, _definitions, _write
from test_sla import slo_yaml
from test_sla_cases import THRESHOLD_SLO

AGG = ("slices_with_data", "good_slices", "sum_good", "sum_total", "sum_ratio")
# 28-, 29-, 30- and 31-day months; March and November 2025 hold New York's DST changes, and
# Lord Howe's (a 30-minute shift) fall in April and October.
MONTH_LABELS = ["2024-02", "2025-02", "2025-04", "2025-01", "2025-03", "2025-11", "2025-10"]
ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]


def _slos(tmp_path) -> list:
    """SLOs of every budgeting method and SLI kind, slice lengths that do and do not divide a
    month's DST change (16 and 45 minutes), targets with 1 - target from 1/2 to 1/100,000, in four zones."""
    docs = []
    for k, zone in enumerate(ZONES):
        for method in ("Occurrences", "Timeslices", "RatioTimeslices"):
            for window, target in (("1m", "0.999"), ("5m", "0.99"), ("16m", "0.9995"), ("1m", "0.99999"), ("45m", "0.5")):
                docs.append(slo_yaml(f"s{len(docs)}", method, zone, window=window, target=f"target: {target}",
                                     tst=("0.95", "0.9")[k % 2]))
    for method, extra in (("Occurrences", ""), ("Timeslices", "      timeSliceWindow: 1m"),
                          ("Timeslices", "      timeSliceWindow: 16m")):
        docs.append(THRESHOLD_SLO.format(name=f"s{len(docs)}", method=method, extra=extra))
    path = tmp_path / "slos.yaml"
    path.write_text("---\n".join(docs))
    return resolve(read_documents(str(path)))[0]


def _slices(slo, period) -> int:
    window = slo.time_slice_window_seconds or sla.DEFAULT_SLICE_SECONDS
    return -(-period.seconds // window)


def _random_item(rng: random.Random, slo, period) -> dict:
    """Aggregates as the rollups store them, often at the edges: no data at all, zero traffic,
    every slice good or none, sums with and without fractions, huge counts, maintenance."""
    slices = _slices(slo, period)
    excluded = rng.choice([0, 0, 0, rng.randrange(1, 200), slices])  # all of them: no slice left
    n = slices - excluded
    n_data = rng.choice([0, n, max(n - 1, 0), rng.randrange(n + 1), int(n * 0.9), int(n * 0.9) + 1])
    good_slices = rng.choice([0, n_data, rng.randrange(n_data + 1)])
    total = rng.choice([0.0, float(rng.randrange(10**6)), rng.uniform(0, 1e9), 1e15 + rng.randrange(10**6),
                        float(n_data), rng.uniform(0, 1)])
    good = rng.choice([0.0, total, total - 1, total * rng.random(), float(int(total * 0.999)), total + 0.5])
    ratio = rng.choice([0.0, float(n_data), n_data - rng.random() * 3, rng.uniform(0, n_data),
                        sum(rng.random() for _ in range(5))])
    as_of = rng.choice([None, period.start - timedelta(hours=1), period.start + (period.end - period.start) / 3,
                        period.end, period.end + timedelta(days=2), period.start])
    return {"agg": {"slices_with_data": n_data, "good_slices": good_slices, "sum_good": good, "sum_total": total,
                    "sum_ratio": ratio},
            "excluded": excluded, "windows": ("MW-1", "MW-2")[: rng.randrange(3)] if excluded else (), "as_of": as_of}


def _edge_items(slo, period) -> list[dict]:
    """Named edges: an all-missing month, zero traffic, a month fully in maintenance, a partial
    month, exactly at the target, more good than total (bad < 0)."""
    n = _slices(slo, period)
    obj = slo.objectives[0]
    at_target = round(n * obj.target)

    def item(n_data=n, good_slices=n, good=1000.0, total=1000.0, ratio=None, excluded=0, as_of=None):
        return {"agg": {"slices_with_data": n_data, "good_slices": good_slices, "sum_good": good, "sum_total": total,
                        "sum_ratio": float(n_data) if ratio is None else ratio},
                "excluded": excluded, "windows": ("MW-1",) if excluded else (), "as_of": as_of}

    return [
        item(0, 0, 0.0, 0.0, 0.0),  # no data at all
        item(n, n, 0.0, 0.0),  # zero traffic, every slice with data
        item(0, 0, 0.0, 0.0, 0.0, excluded=n),  # the whole month in maintenance
        item(n // 2, n // 2, 500.0, 500.0, as_of=period.start + (period.end - period.start) / 2),  # partial
        item(n, at_target, 999.0, 1000.0, at_target * 1.0),  # on the target's edge
        item(n, n, 1001.0, 1000.0, n + 0.25),  # more good than total
        item(n - 1, n - 1, 7.0, 9.0, (n - 1) * 0.999),
    ]


def _bits(value):
    """A value with its type, floats by their bits (0.0 and -0.0, NaN, apart)."""
    return ("float", value.hex()) if type(value) is float else (type(value).__name__, value)


@pytest.mark.parametrize("no_data", sla.NO_DATA_POLICIES)
def test_finish_many_equals_finish_bit_for_bit(tmp_path, no_data):
    rng = random.Random(f"finish-{no_data}")
    items = []
    for slo in _slos(tmp_path):
        for label in MONTH_LABELS:
            period = periods.month(label, sla.slo_zone(slo))
            for it in _edge_items(slo, period) + [_random_item(rng, slo, period) for _ in range(8)]:
                items.append((slo, rng.randrange(len(slo.objectives)), period, it))
    assert len(items) > 5000
    for min_coverage in (0.9, 0.0, 1.0):
        cols = finish_many.finish_many(
            [s for s, *_ in items], [i for _, i, *_ in items], [p for _, _, p, _ in items],
            {k: [it["agg"][k] for *_, it in items] for k in AGG}, no_data,
            [it["excluded"] for *_, it in items], [it["windows"] for *_, it in items], min_coverage,
            [it["as_of"] for *_, it in items])
        assert tuple(cols) == finish_many.COLUMNS
        statuses = set()
        for k, (slo, idx, period, it) in enumerate(items):
            want = sla.finish(slo, idx, period, it["agg"], no_data, it["excluded"], it["windows"], min_coverage,
                              it["as_of"]).as_json()
            got = {c: cols[c][k] for c in cols}
            assert list(got) == list(want), k
            assert {c: _bits(v) for c, v in got.items()} == {c: _bits(v) for c, v in want.items()}, (
                slo.name, slo.budgeting_method, period.label, period.zone, it, min_coverage)
            statuses.add((want["status"], want["partial"], want["attainment"] is None,
                          want["error_budget_remaining"] is None))
        # Every status came up, with and without an attainment and a budget, partial or not.
        assert {s[0] for s in statuses} == {"met", "breached", "insufficient_data"}, min_coverage
        assert {s[1] for s in statuses} == {True, False}
        if no_data != "bad":  # (with missing slices counted bad, an attainment always exists)
            assert {s[2] for s in statuses} == {True, False}


def _old_frame(con, months, no_data, now, min_coverage=sla.DEFAULT_MIN_COVERAGE) -> pd.DataFrame:
    """What the overview built before: a frame from rollups.monthly's rows as dicts."""
    return pd.DataFrame([r.as_json() | {"month": m}
                         for m, rows in rollups.monthly(con, months, no_data, min_coverage=min_coverage, now=now)
                         for r in rows])


def _same_frame(new: pd.DataFrame, old: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    assert list(new.columns) == list(old.columns)
    for c in new.columns:  # floats to the bit (assert_frame_equal takes 0.0 == -0.0)
        if new[c].dtype == "float64":
            assert [x.hex() for x in new[c]] == [x.hex() for x in old[c]], c


def test_monthly_frame_equals_the_rows_of_monthly_on_the_sample(demo_db):
    # 2025-09 has no data (computed fresh); per-customer and versioned SLOs come from
    # monthly_by_slo, in their place (ledger-availability's June 2026 is split at a change);
    # October 2026 is partial for New York's SLOs.
    months = ["2025-09", "2025-10", "2026-03", "2026-06", "2026-10", "2026-11"]
    now = datetime(2026, 11, 1, 2, tzinfo=UTC)
    with store.connect(demo_db, read_only=True) as con:
        for no_data in sla.NO_DATA_POLICIES:
            for min_coverage in (0.9, 0.999):
                old = _old_frame(con, months, no_data, now, min_coverage)
                new = rollup_frame.monthly_frame(con, months, no_data, min_coverage=min_coverage, now=now)
                _same_frame(new, old)
        assert any("{" in s for s in new["slo"]) and "segments" in new.columns
        assert set(new["status"]) == {"met", "breached", "insufficient_data"} and new["partial"].any()
        # The overview's categories, at once, as row by row.
        assert list(categories.of_frame(new)) == [categories.category(r) for r in old.to_dict("records")]
        assert rollup_frame.monthly_frame(con, []).empty and rollup_frame.monthly_frame(con, months, selected=[]).empty


def test_monthly_frame_finishes_stored_months_without_sla_finish(demo_db, monkeypatch):
    # Stored, current SLO-months never go through sla.finish one by one (what cost the fleet's
    # overview 2.5 s): only the versioned and per-customer SLOs' months do.
    calls = []
    real = sla.finish
    monkeypatch.setattr(sla, "finish", lambda slo, *a, **k: calls.append(slo.name) or real(slo, *a, **k))
    with store.connect(demo_db, read_only=True) as con:
        frame = rollup_frame.monthly_frame(con, ["2026-02", "2026-03"])
        served = set(rollup_frame._served(con, ["2026-02", "2026-03"], slos.load(con))[1])
    assert len(served) > 20 and len(frame) > len(served)
    assert not {name for name, _m in served} & set(calls)


def test_monthly_frame_equals_the_rows_of_monthly_after_random_writes(tmp_path):
    # Stale rollups (a redefined SLO, new rows, maintenance) are computed fresh, in place.
    rng = random.Random(7)
    db = tmp_path / "r.duckdb"
    (tmp_path / "slos.yaml").write_text(_definitions(0))
    assert run_cli("slo", "apply", tmp_path / "slos.yaml", db=db).code == 0
    now = datetime(2025, 12, 1, 12, tzinfo=UTC)
    for step in range(6):
        _write(db, tmp_path, rng, step)
        with store.connect(db, read_only=True) as con:
            for no_data in sla.NO_DATA_POLICIES:
                _same_frame(rollup_frame.monthly_frame(con, MONTHS, no_data, now=now), _old_frame(con, MONTHS, no_data, now))


def test_monthly_frame_refuses_what_monthly_refuses(demo_db):
    from reliability.errors import BadInput

    with store.connect(demo_db, read_only=True) as con:
        for kwargs in ({"no_data": "ignore"}, {"min_coverage": 1.5}):
            with pytest.raises(BadInput):
                rollups.monthly(con, ["2026-03"], **kwargs)
            with pytest.raises(BadInput):
                rollup_frame.monthly_frame(con, ["2026-03"], **kwargs)



def test_finish_many_takes_numpy_values_as_sla_finish_does(tmp_path):
    # Aggregates read into numpy (int64 counts, float64 sums) give the same numbers too.
    import numpy as np

    rng = random.Random("numpy")
    for slo in _slos(tmp_path)[::7]:
        period = periods.month("2025-03", sla.slo_zone(slo))
        it = _random_item(rng, slo, period)
        agg = {k: (np.int64(v) if k in ("slices_with_data", "good_slices") else np.float64(v))
               for k, v in it["agg"].items()} | {"sum_total": np.int64(int(it["agg"]["sum_total"]))}
        want = sla.finish(slo, 0, period, agg, "bad", it["excluded"], it["windows"]).as_json()
        got = finish_many.finish_many([slo], [0], [period], {k: [agg[k]] for k in AGG}, "bad", [it["excluded"]],
                                      [it["windows"]])
        assert {c: _bits(v[0]) for c, v in got.items()} == {c: _bits(v) for c, v in want.items()}, slo.name
