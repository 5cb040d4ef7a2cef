"""The alert replay of many SLOs at once: :func:`reliability.analysis.burn.replay`'s episodes,
computed with a few NumPy calls per chunk of SLOs instead of a few dozen per SLO.

``burn --all`` over 2,000 SLOs spent most of its time in NumPy's per-call overhead on small
arrays, not in arithmetic. Here the SLOs of a chunk that share a slice grid (same start,
slice length, length and evaluated range) are laid end to end in one index space, SLO ``k``
at offset ``k × stride``, with a gap between them wider than any window, so that windows and
episodes never reach across two SLOs. Each step of the replay then runs once for the chunk:

- Timeslices (bad is 0 or 1 per slice, a window's weight its length): the positions of all
  bad slices in one sorted array; the boundaries where a window holds enough of them are
  unions of intervals (:func:`_holding`), short and long intersected before anything is laid
  out; burn rates from counts (``searchsorted``).
- everything else: the SLOs' prefix sums end to end; a bound on the long window per block of
  boundaries (:func:`_may_fire`) skips the blocks that cannot fire; both windows evaluated on
  the boundaries that are left.

Only SLOs whose every alert window is whole over the evaluated range (the 3-day lead
``burn`` loads) are batched; the rest get the plain computation, both windows evaluated at
every boundary (``burn.replay(shortcuts=False)``). Thresholds, products and comparisons are
the same float operations on the same values, and the bounds only skip boundaries that
provably cannot fire, so the episodes are exactly the plain computation's
(tests/test_fast_paths.py compares them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from reliability.analysis import timeline
from reliability.analysis.alerting import AlertWindow, Episode, _threshold, alert_windows, episodes, plain_replay


def replay_many(tls: Sequence[timeline.Timeline], start: datetime,
                end: datetime) -> list[tuple[list[Episode], list[AlertWindow]]]:
    """``burn.replay(tl, start, end)`` for every timeline of ``tls``, in order."""
    out: list = [None] * len(tls)
    groups: dict[tuple, list[int]] = {}
    for j, tl in enumerate(tls):
        key = _batch_key(tl, start, end)
        if key is None:
            out[j] = plain_replay(tl, start, end)
        else:
            groups.setdefault(key, []).append(j)
    for key, members in groups.items():
        sparse, i0, i1 = key[0], key[1], key[2]
        batch = [tls[j] for j in members]
        results = (_sparse if sparse else _dense)(batch, i0, i1)
        for j, r in zip(members, results):
            out[j] = r
    return out


def _batch_key(tl: timeline.Timeline, start: datetime, end: datetime) -> tuple | None:
    i0, i1 = max(tl.index(start), 0), min(tl.index(end), tl.n)
    w = tl.window_seconds
    longest = max(max(aw.long_seconds // w, max(aw.short_seconds // w, 1)) for aw in alert_windows(tl.slo))
    if i0 < max(longest, 1) or i1 < i0:
        return None  # some window reaches before the first slice: burn.replay's clipping
    sparse = tl.slo.budgeting_method == "Timeslices"
    return (sparse, i0, i1, w, tl.n, tl.start)


def _rows(tls: Sequence[timeline.Timeline]) -> list[tuple[AlertWindow, np.ndarray]]:
    """Per alert window (the workbook's four, in order): the window of the first SLO (its
    lengths and label are every SLO's) and each SLO's threshold."""
    per_slo = [alert_windows(tl.slo) for tl in tls]
    rows = []
    for q, aw in enumerate(per_slo[0]):
        thresholds = np.array([_threshold(ws[q], tl.slo.objectives[tl.objective].target, tl.target)
                               for ws, tl in zip(per_slo, tls)])
        rows.append((aw, thresholds))
    return rows


def _sparse(tls: Sequence[timeline.Timeline], i0: int, i1: int) -> list:
    """Timeslices SLOs sharing a slice grid, all at once, from their bad slices' positions."""
    tl0 = tls[0]
    w = tl0.window_seconds
    rows = _rows(tls)
    longest = max(aw.long_seconds // w for aw, _ in rows)
    stride = tl0.n + longest + 2  # SLO k's boundary i is k·stride + i; gaps wider than any window
    positions = [tl.bad_slices for tl in tls]
    counts = np.array([len(p) for p in positions])
    slo_of = np.repeat(np.arange(len(tls)), counts)
    bad_at = np.concatenate(positions).astype(np.int64) + slo_of * stride if len(slo_of) else np.zeros(0, np.int64)
    seg_end = np.cumsum(counts)[slo_of]  # one past the last bad slice of each bad slice's SLO
    budgets = np.array([tl.budget for tl in tls])
    fired: dict[str, list[tuple]] = {}
    for aw, thresholds in rows:
        n_long, n_short = aw.long_seconds // w, max(aw.short_seconds // w, 1)
        # A window of n slices fires when its bad slices (a whole number) exceed
        # threshold·n: at least floor(threshold·n) + 1 of them. Both windows' boundaries
        # are unions of intervals; where they meet, the alert fires.
        short = _holding(bad_at, slo_of, seg_end, np.floor(thresholds * n_short).astype(np.int64) + 1,
                         n_short, stride, i0, i1)
        long = _holding(bad_at, slo_of, seg_end, np.floor(thresholds * n_long).astype(np.int64) + 1,
                        n_long, stride, i0, i1)
        on = _expand(*_intersect(*short, *long))
        if len(on):
            bad_l = (bad_at.searchsorted(on) - bad_at.searchsorted(on - n_long)).astype(float)
            weight_l = np.full(len(on), float(n_long))
            k = on // stride
            fired.setdefault(aw.severity, []).append(
                (on, bad_l / (weight_l * budgets[k]), bad_l, weight_l, aw.label, n_long))
    return episodes(tls, stride, i0, i1, fired)


def _holding(bad_at: np.ndarray, slo_of: np.ndarray, seg_end: np.ndarray, need: np.ndarray, k: int,
             stride: int, i0: int, i1: int) -> tuple[np.ndarray, np.ndarray]:
    """For every SLO ``s`` at once (its bad slices ``bad_at[j]`` with ``slo_of[j] == s``, all
    before ``seg_end[j]``; needing ``need[s]``): the boundaries ``s·stride + i``, ``i`` in
    ``[i0, i1]``, whose window ``[i − k, i)`` holds at least that many bad slices, as
    disjoint ascending ranges ``[first, last]``.

    The window holds ``bad_at[j .. j+r−1]`` exactly when ``bad_at[j] ≥ i − k`` and
    ``bad_at[j+r−1] < i``: the boundaries ``(bad_at[j+r−1], bad_at[j] + k]``, one range per
    ``j``; their union is the answer (both ends grow with ``j``, so each range is cut to
    start after the previous one ends)."""
    none = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    if not len(bad_at):
        return none
    r = need[slo_of]
    last_of_run = np.arange(len(bad_at)) + r - 1  # bad_at[j .. j+r−1] within one SLO
    valid = (last_of_run < seg_end).nonzero()[0]
    base = slo_of[valid] * stride
    first = np.maximum(bad_at[last_of_run[valid]] + 1, base + i0)
    last = np.minimum(bad_at[valid] + k, base + i1)
    if not len(first):
        return none
    first[1:] = np.maximum(first[1:], last[:-1] + 1)
    keep = first <= last
    return first[keep], last[keep]


def _intersect(a0: np.ndarray, a1: np.ndarray, b0: np.ndarray, b1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The overlap of two unions of disjoint ascending ranges ``[a0, a1]`` and ``[b0, b1]``,
    as such ranges."""
    lo = b1.searchsorted(a0)  # the first range of b that ends at or after each range of a starts
    count = np.maximum(b0.searchsorted(a1, side="right") - lo, 0)  # ... and those starting by its end
    ia = np.repeat(np.arange(len(a0)), count)
    ib = _expand(lo, lo + count - 1) if len(ia) else ia
    first, last = np.maximum(a0[ia], b0[ib]), np.minimum(a1[ia], b1[ib])
    keep = first <= last
    return first[keep], last[keep]


def _expand(first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Every integer of the disjoint ascending ranges ``[first[j], last[j]]``."""
    lengths = last - first + 1
    return np.repeat(first - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths) + np.arange(int(lengths.sum()))


def _dense(tls: Sequence[timeline.Timeline], i0: int, i1: int) -> list:
    """Any other SLOs sharing a slice grid, all at once, from their prefix sums."""
    tl0 = tls[0]
    w = tl0.window_seconds
    rows = _rows(tls)
    stride = tl0.n + 1  # prefix sums of SLO k at k·stride; boundaries i0..i1 never touch 0 or n+1
    cb, cw = np.empty(len(tls) * stride), np.empty(len(tls) * stride)
    for k, tl in enumerate(tls):  # each SLO's own prefix sums, written in place
        tl.cumulative("bad", out=cb[k * stride : (k + 1) * stride])
        tl.cumulative("weight", out=cw[k * stride : (k + 1) * stride])
    budgets = np.array([tl.budget for tl in tls])
    base = np.arange(len(tls)) * stride
    cb2, cw2, grids = cb.reshape(len(tls), stride), cw.reshape(len(tls), stride), {}
    fired: dict[str, list[tuple]] = {}
    for aw, thresholds in rows:
        n_long, n_short = aw.long_seconds // w, max(aw.short_seconds // w, 1)
        at = _may_fire(grids, cb2, cw2, base, i0, i1, n_long, thresholds)
        if not len(at):
            continue
        k = at // stride
        lo = at - n_short
        bad_s, weight_s = cb[at] - cb[lo], cw[at] - cw[lo]
        good = (bad_s > thresholds[k] * weight_s) & (weight_s > 0)
        on, k = at[good], k[good]
        if not len(on):
            continue
        lo = on - n_long
        bad_l, weight_l = cb[on] - cb[lo], cw[on] - cw[lo]
        keep = (weight_l > 0) & (bad_l > thresholds[k] * weight_l)
        on, bad_l, weight_l, k = on[keep], bad_l[keep], weight_l[keep], k[keep]
        if len(on):
            fired.setdefault(aw.severity, []).append(
                (on, bad_l / (weight_l * budgets[k]), bad_l, weight_l, aw.label, n_long))
    return episodes(tls, stride, i0, i1, fired)


class _Grid:
    """The SLOs' prefix sums (rows of ``cb``/``cw`` seen as ``(SLOs, stride)``) at every
    ``size``-th boundary, and at the last one: the only values :func:`_may_fire` reads, copied
    once per block size into small arrays instead of gathered from the large ones per window."""

    def __init__(self, cb2: np.ndarray, cw2: np.ndarray, last: int, size: int) -> None:
        at = np.arange(0, last + 1, size)
        if at[-1] != last:
            at = np.append(at, last)
        self.size, self.bad, self.weight = size, cb2[:, at], cw2[:, at]


def _may_fire(grids: dict, cb2: np.ndarray, cw2: np.ndarray, base: np.ndarray, i0: int, i1: int, n: int,
              thresholds: np.ndarray) -> np.ndarray:
    """For every SLO ``s`` at once (its prefix sums in row ``s`` of ``cb2``/``cw2``, from
    ``base[s]`` in the flat arrays; its threshold ``thresholds[s]``): the flat boundaries
    ``base[s] + i``, ``i`` in ``[i0, i1]`` (ascending), where the long window ``[i − n, i)`` may
    burn above the threshold: every boundary where it does, and no more than the blocks
    holding them.

    Boundaries go in blocks ``[g·m, g·m + g − 1]``, ``g`` the largest divisor of ``n`` up to
    ``min(n/2, 60)``. Every window of block m lies within ``U = [g·m − n, g·(m+1))`` and covers
    ``I = [g·(m+1) − n, g·m)`` — both end on the grid of multiples of ``g``. Bad and weight are
    never negative, so prefix sums never decrease and, rounding being monotone, each window's
    ``bad ≤ bad(U)`` and ``threshold·weight ≥ threshold·weight(I)`` in floats too. A block with
    ``bad(U) ≤ threshold·weight(I)`` cannot fire (usually almost all of them)."""
    size = max(d for d in range(1, max(min(n // 2, 60), 1) + 1) if n % d == 0)
    last = cb2.shape[1] - 1
    if size not in grids:
        grids[size] = _Grid(cb2, cw2, last, size)
    grid = grids[size]
    tail = grid.bad.shape[1] - 1  # the grid index of the last boundary
    m = np.arange(i0 // size, i1 // size + 1)
    shift = n // size
    bad_u = grid.bad[:, np.minimum(m + 1, tail)] - grid.bad[:, np.maximum(m - shift, 0)]
    weight_i = grid.weight[:, np.minimum(m, tail)] - grid.weight[:, np.maximum(m + 1 - shift, 0)]
    keep = bad_u > thresholds[:, None] * np.maximum(weight_i, 0.0)
    if not keep.any():
        return np.zeros(0, dtype=np.int64)
    slo, j = keep.nonzero()
    first = np.maximum(m[j] * size, i0) + base[slo]
    return _expand(first, np.minimum(m[j] * size + size - 1, i1) + base[slo])
