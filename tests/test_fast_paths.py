"""The fast paths of the fleet-wide commands give exactly the numbers of the plain ones.

`worst` and `burn --all` over 1,000 services (benchmarks/bench_sla.py --windows) take
shortcuts: rows put in place instead of added up, integer prefix sums, an argmax walk for
the worst windows, a C-encoded JSON document. Each is checked here against the plain
computation it replaces, on data built to hit every branch (ties, gaps, duplicates, sums
past 2^53, fractions, NaN)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import numpy as np
import pyarrow as pa
import pytest

from reliability.analysis import fleet, timeline, worst
from reliability.openslo import documents
from reliability.output import _clean, iso_z, to_json, to_json_with_list
from test_sla import slo_yaml


# --- rows into dense arrays -------------------------------------------------------------

def _reference(cell: np.ndarray, size: int, values: np.ndarray) -> np.ndarray:
    out = np.zeros(size)
    np.add.at(out, cell, values)
    return out


@pytest.mark.parametrize("case", ["every cell", "gaps", "unordered", "duplicates", "empty", "one row",
                                  "chunks out of order"])
@pytest.mark.parametrize("pieces", [1, 3])
def test_dense_adds_rows_up_like_add_at(case, pieces):
    rng = np.random.default_rng(3)
    size = 1000
    cell = {
        "every cell": np.arange(size),
        "gaps": np.sort(rng.choice(size, 700, replace=False)),
        "unordered": rng.permutation(size)[:800],
        "duplicates": np.sort(rng.integers(0, size, 1500)),
        "empty": np.zeros(0, dtype=np.int64),
        "one row": np.array([17]),
        # each piece increasing, but the second starts below the first's end
        "chunks out of order": np.concatenate([np.arange(400, 700), np.arange(0, 300), np.arange(700, 900)]),
    }[case].astype(np.int64)
    good = rng.integers(0, 50, len(cell)).astype(float)
    total = good + rng.integers(0, 5, len(cell))
    cuts = np.linspace(0, len(cell), pieces + 1).astype(int)[1:-1] if case != "chunks out of order" else [300, 600]
    split = lambda a: np.split(a, cuts)  # noqa: E731 - chunks as Arrow hands them over
    got_good, got_total = fleet.dense(split(cell), size, split(good), split(total))
    assert np.array_equal(got_good, _reference(cell, size, good))
    assert np.array_equal(got_total, _reference(cell, size, total))
    assert got_good.dtype == np.float64 and got_good.shape == (size,)


def test_numpy_column_reads_every_chunk_and_offset_without_pandas():
    chunks = [pa.array([1, 2, 3], pa.int64()), pa.array([4, 5, 6, 7], pa.int64()).slice(1)]
    table = pa.table({"x": pa.chunked_array(chunks), "y": pa.chunked_array([pa.array([0.5] * 3), pa.array([1.5] * 3)])})
    assert fleet.numpy_column(table, "x").tolist() == [1, 2, 3, 5, 6, 7]
    assert fleet.numpy_column(table, "y").tolist() == [0.5] * 3 + [1.5] * 3
    with pytest.raises(ValueError, match="nulls"):
        fleet.numpy_column(pa.table({"z": pa.array([1, None])}), "z")
    # Arrow's own to_numpy imports pandas (0.2 s of every command): the helper does not.
    code = ("import sys, duckdb; from reliability.analysis import fleet; "
            "t = duckdb.sql('select range as x from range(3)').to_arrow_table(); "
            "fleet.numpy_column(t, 'x'); print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- prefix sums ------------------------------------------------------------------------

def _cumsum0(values: np.ndarray) -> np.ndarray:
    out = np.zeros(len(values) + 1)
    np.cumsum(values, out=out[1:])
    return out


@pytest.mark.parametrize("values", [
    np.array([3.0, 0.0, 7.0, 1.0]),                       # whole numbers: the integer path
    np.array([0.25, 0.5, 1.0 / 3.0, 2.0]),                # fractions: the float path
    np.array([2.0**52, 2.0**52, 1.0, 1.0]),               # whole, but past 2^53: the float path
    np.array([-5.0, 2.0, -1.0]),                          # negative whole numbers
    np.zeros(0),
])
def test_prefix_sums_are_np_cumsum(values):
    got = timeline.prefix_sums(values)
    assert got.dtype == np.float64
    assert np.array_equal(got, _cumsum0(values))


def test_prefix_sums_of_flags():
    flags = (np.random.default_rng(1).random(10_000) < 0.1).astype(float)
    assert np.array_equal(timeline.prefix_sums(flags, whole=True), _cumsum0(flags))


# --- worst windows: the argmax walk against the sorted walk it replaced --------------------

def _sorted_walk(bad: np.ndarray, length: int, top: int) -> list[int]:
    """All starts sorted by (most bad, starting on a bad slice, earliest); take each that
    overlaps none taken — the definition, in plain Python (window sums as differences of
    plain float prefix sums, the numbers the command ranks by)."""
    c = _cumsum0(bad)
    sums = [float(c[k + length] - c[k]) for k in range(len(bad) - length + 1)]
    order = sorted((k for k in range(len(sums)) if sums[k] > 0), key=lambda k: (-sums[k], not bad[k] > 0, k))
    taken: list[int] = []
    for k in order:
        if len(taken) == top:
            break
        if all(abs(k - t) >= length for t in taken):
            taken.append(k)
    return taken


def _slo(method: str, tmp_path):
    path = tmp_path / f"{method}.yaml"
    path.write_text(slo_yaml("s", method, "UTC", tst="0.9"))
    (slo,), _ = documents.resolve(documents.read_documents(str(path)))
    return slo


@pytest.mark.parametrize("method", ["Occurrences", "Timeslices", "RatioTimeslices"])
@pytest.mark.parametrize("seed", range(6))
def test_worst_windows_take_what_the_sorted_walk_takes(method, seed, tmp_path):
    rng = np.random.default_rng(seed)
    n = 600
    total = rng.integers(0, 4, n).astype(float)  # small counts: many equal sums, many ties
    failed = np.where(rng.random(n) < 0.15, np.minimum(total, rng.integers(0, 3, n)), 0)
    tl = timeline.from_arrays(_slo(method, tmp_path), 0, datetime(2025, 1, 1, tzinfo=timezone.utc), 60,
                              total - failed, total, np.full(n, np.nan), np.full(n, np.nan))
    for length, top in ((5, 4), (30, 3), (60, 10), (7, 50)):
        got = worst.worst_windows(tl, 0, n, length, top)
        starts = [int((w["start"] - tl.start).total_seconds() // 60) for w in got]
        assert starts == _sorted_walk(tl.bad, length, top), (length, top)
        for w, k in zip(got, starts):
            assert w["bad"] == float(tl.bad[k : k + length].sum())
            assert w["failed_events"] == float(failed[k : k + length].sum())
            assert w["events"] == float(total[k : k + length].sum())


# --- JSON out -----------------------------------------------------------------------------

def test_to_json_is_the_walked_document():
    utc = timezone.utc
    doc = {
        "when": datetime(2025, 3, 30, 1, 30, tzinfo=utc),
        "local": datetime(2025, 3, 30, 3, 30, tzinfo=timezone(timedelta(hours=2))),
        "fraction": datetime(2025, 1, 1, 0, 0, 0, 250_000, tzinfo=utc),
        "old": datetime(999, 1, 1, tzinfo=utc),
        "rows": [(1, 2.5, None, "é"), {"nested": [datetime(2026, 1, 1, tzinfo=utc)]}],
        "flag": True,
    }
    expected = json.dumps(_clean(doc), ensure_ascii=False, allow_nan=False)
    assert to_json(doc) == expected
    assert json.loads(to_json(doc))["local"] == "2025-03-30T01:30:00Z"
    assert json.loads(to_json(doc))["fraction"] == "2025-01-01T00:00:00.25Z"
    assert iso_z(datetime(999, 1, 1, tzinfo=utc)) == "999-01-01T00:00:00Z"
    # A non-finite float anywhere: null, as the walk makes it.
    doc["rows"].append({"burn": math.inf, "ratio": math.nan})
    assert to_json(doc) == json.dumps(_clean(doc), ensure_ascii=False, allow_nan=False)
    assert json.loads(to_json(doc))["rows"][-1] == {"burn": None, "ratio": None}
    with pytest.raises(TypeError):
        to_json({"x": object()})


def test_a_list_encoded_item_by_item_is_the_same_document():
    """worst/burn --all encode each SLO's result as it is computed and splice them in."""
    utc = timezone.utc
    items = [{"slo": "a", "at": datetime(2025, 1, 1, tzinfo=utc), "burn": 1.5},
             {"slo": "é", "burn": math.inf, "windows": [("x", 1)]}, {}]
    for slos in (items, items[:1], []):
        doc = {"from": datetime(2025, 1, 1, tzinfo=utc), "to": None, "slos": slos}
        spliced = to_json_with_list({**doc, "slos": None}, "slos", [to_json(i) for i in slos])
        assert spliced == to_json(doc)
        assert json.loads(spliced)["slos"] == json.loads(to_json(doc))["slos"]
    with pytest.raises(ValueError, match="last key"):
        to_json_with_list({"slos": None, "to": 1}, "slos", [])


# --- allocator settings ---------------------------------------------------------------------

def test_cli_keeps_freed_memory_unless_told_otherwise(monkeypatch):
    from reliability import memory

    for key in [k for k in os.environ if k.startswith("MALLOC_")]:
        monkeypatch.delenv(key)
    assert memory.keep_freed_memory() is True
    monkeypatch.setenv("MALLOC_ARENA_MAX", "2")  # the user's own allocator settings win
    assert memory.keep_freed_memory() is False


# --- burn replay: the shortcuts of burn_many against the plain replay ----------------------

@pytest.mark.parametrize("seed", range(5))
def test_holding_is_a_count_of_bad_slices_per_window(seed):
    from reliability.analysis.burn_many import _expand, _holding

    rng = np.random.default_rng(seed)
    n, stride = 3000, 3100
    per_slo = [np.flatnonzero(rng.random(n) < rate) for rate in ([0.002, 0.01, 0.05, 0.3, 0.9][seed], 0.02, 0.0)]
    slo_of = np.repeat(np.arange(3), [len(p) for p in per_slo])
    bad_at = np.concatenate(per_slo) + slo_of * stride
    seg_end = np.cumsum([len(p) for p in per_slo])[slo_of]
    for k, r, i0, i1 in ((5, 1, 5, n), (30, 1, 400, 2500), (360, 3, 360, n), (60, 2, 1000, 1000), (120, 50, 200, 2999)):
        need = np.array([r, r + 1, 1])  # per SLO
        expected = []
        for s, positions in enumerate(per_slo):
            counts = np.concatenate(([0], np.cumsum(np.isin(np.arange(n), positions))))
            i = np.arange(i0, i1 + 1)
            expected.append(i[counts[i] - counts[i - k] >= need[s]] + s * stride)
        got = _expand(*_holding(bad_at, slo_of, seg_end, need, k, stride, i0, i1))
        assert np.array_equal(got, np.concatenate(expected)), (k, r, i0, i1)


@pytest.mark.parametrize("method", ["Timeslices", "Occurrences", "RatioTimeslices"])
@pytest.mark.parametrize("rate", [0.0005, 0.005, 0.05, 0.4])
def test_replay_shortcuts_equal_the_dense_replay(method, rate, tmp_path):
    """Timeslices from the bad slices' positions, the others through the long-window block
    bound (burn_many._may_fire): the episodes of evaluating both windows at every boundary."""
    from reliability.analysis import burn

    rng = np.random.default_rng(int(rate * 10_000))
    n = 8 * 1440  # 3 days before an evaluated 5 days
    total = rng.integers(1, 30, n).astype(float)
    bad_minutes = rng.random(n) < rate
    bursts = rng.integers(0, n - 300, 3)
    for b in bursts:  # a few outages long enough to page
        bad_minutes[b : b + rng.integers(20, 300)] = True
    good = np.where(bad_minutes, np.floor(total * rng.uniform(0.2, 0.95, n)), total)
    path = tmp_path / "slo.yaml"
    path.write_text(slo_yaml("s", method, "UTC", tst="0.9"))
    (slo,), _ = documents.resolve(documents.read_documents(str(path)))
    t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
    tl = timeline.from_arrays(slo, 0, t0, 60, good, total, np.full(n, np.nan), np.full(n, np.nan))
    start, end = t0 + timedelta(days=3), t0 + timedelta(days=8)
    fast, _ = burn.replay(tl, start, end)
    plain, _ = burn.replay(timeline.from_arrays(slo, 0, t0, 60, good, total, np.full(n, np.nan), np.full(n, np.nan)),
                           start, end, shortcuts=False)
    assert [e.as_json() for e in fast] == [e.as_json() for e in plain]
    assert plain  # the outages page


def test_replay_many_equals_replay_one_by_one(tmp_path):
    """burn --all replays a chunk of SLOs at once (burn_many): the same episodes as the plain
    replay of each alone — every method, a threshold SLI, different targets and periods, SLOs without
    the 3-day lead (replayed one by one), and SLOs that never page."""
    from reliability.analysis import burn
    from reliability.analysis.burn_many import replay_many

    rng = np.random.default_rng(11)
    n = 7 * 1440
    t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
    docs = [slo_yaml(f"s{i}", method, "UTC", tst="0.9", target=f"target: {target}")
            for i, (method, target) in enumerate([
                ("Timeslices", 0.999), ("Occurrences", 0.999), ("RatioTimeslices", 0.99),
                ("Timeslices", 0.95), ("Occurrences", 0.9999), ("Occurrences", 0.99), ("Timeslices", 0.999)])]
    path = tmp_path / "slos.yaml"
    path.write_text("---\n".join(docs))
    slos_, _ = documents.resolve(documents.read_documents(str(path)))
    tls = []
    for k, slo in enumerate(slos_):
        total = rng.integers(0, 40, n).astype(float)
        bad = rng.random(n) < [0.002, 0.02, 0.0][k % 3]
        for b in rng.integers(0, n - 400, 2):
            bad[b : b + rng.integers(10, 400)] = True
        good = np.where(bad, np.floor(total * rng.uniform(0, 0.97, n)), total)
        if k == 6:
            good = total.copy()  # never pages
        tls.append(timeline.from_arrays(slo, 0, t0, 60, good, total, np.full(n, np.nan), np.full(n, np.nan)))
    start, end = t0 + timedelta(days=3), t0 + timedelta(days=7)
    early = t0 + timedelta(days=1)  # windows reach before the first slice: not batched
    for s in (start, early):
        many = replay_many(tls, s, end)
        for tl, (episodes, windows) in zip(tls, many):
            alone, alone_windows = burn.replay(tl, s, end, shortcuts=False)
            assert [e.as_json() for e in episodes] == [e.as_json() for e in alone], tl.slo.name
            assert [w.as_json() for w in windows] == [w.as_json() for w in alone_windows]
    assert sum(len(e) for e, _ in replay_many(tls, start, end)) > 10  # the outages page
