"""Declared maintenance windows removed from SLA periods (issue 4, item 7).

A window ``[starts_at, ends_at)`` of an SLO's service (or of every service, ``service`` null)
removes from the period every slice ``[s, s + w)`` it overlaps (``s < ends_at`` and
``s + w > starts_at``): such a slice is not counted in ``slices``, ``no_data``, events, good
or bad. ``excluded_slices`` counts the removed slices and ``maintenance_minutes`` is their
length (``excluded_slices × w`` in minutes; with 1-minute slices, the minutes of the windows
inside the period, overlaps counted once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from reliability.ingest.maintenance import Window


@dataclass
class Exclusion:
    """The slice ranges ``[lo, hi)`` (indices into one key's period) maintenance removes."""

    ranges: list[tuple[int, int]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    @property
    def slices(self) -> int:
        return sum(hi - lo for lo, hi in self.ranges)


def _micros(ts) -> int:
    return int(ts.timestamp()) * 1_000_000 + ts.microsecond


def exclusions(params: dict, windows: Sequence[Window]) -> dict[int, Exclusion]:
    """Per series key of ``sla._params`` (only keys that lose at least one slice): the merged
    slice ranges its service's windows overlap, and the ids of those windows."""
    out: dict[int, Exclusion] = {}
    if not windows:
        return out
    spans = [(w.service, _micros(w.starts_at), _micros(w.ends_at), w.id) for w in windows]
    for key, service, start, end, width in zip(
        params["keys"], params["services"], params["start_us"], params["end_us"], params["window_us"], strict=True
    ):
        n = -(-(end - start) // width)
        raw, ids = [], []
        for w_service, a, b, wid in spans:
            if w_service is not None and w_service != service:
                continue
            lo = max(0, (a - start) // width)
            hi = min(n, -(-(b - start) // width))
            if lo < hi:
                raw.append((lo, hi))
                ids.append(wid)
        if not raw:
            continue
        merged: list[list[int]] = []
        for lo, hi in sorted(raw):
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        out[key] = Exclusion([(lo, hi) for lo, hi in merged], ids)
    return out


def bound_lists(excluded: dict[int, Exclusion], keys: Sequence[int] | None = None) -> dict[str, list[int]]:
    """``$ex_keys``, ``$ex_lo``, ``$ex_hi`` of ``sla.series_aggregates_bucketed``."""
    lists: dict[str, list[int]] = {"ex_keys": [], "ex_lo": [], "ex_hi": []}
    for key, ex in excluded.items():
        if keys is not None and key not in keys:
            continue
        for lo, hi in ex.ranges:
            lists["ex_keys"].append(key)
            lists["ex_lo"].append(lo)
            lists["ex_hi"].append(hi)
    return lists
