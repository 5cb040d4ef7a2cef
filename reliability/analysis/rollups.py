"""Monthly SLA rollups: the month's aggregates per SLO objective, kept up to date by every write.

Views over many months (the app's overview, the monthly report's trend) must not recompute
every month from raw slices. Table ``sla_rollups`` holds, per SLO objective and calendar month
in the SLO's zone, exactly what :func:`reliability.analysis.sla.finish` needs (slices with
data, good slices, event sums, the ratio sum, the slices stored maintenance removes) and so
everything ``sla`` reports, data coverage included, for any no-data policy.

- Maintained by every write: :func:`reliability.writes.transaction`, the write transaction of
  ``ingest``, ``extract``, ``slo apply``, ``ingest maintenance``, ``demo`` and the API, takes
  a :func:`mark` before the block and calls :func:`refresh` before committing, in the same
  transaction.
- Invalidated exactly for what the write touched: the months (in each SLO's zone) holding the
  rows it appended or replaced, for the SLOs of those series; the months a range of slices it
  deleted overlaps (:func:`reliability.writes.delete_slices`), for the SLOs of that service and
  indicator; every month with data of an SLO
  whose definition changed (removed SLOs lose theirs); the months a maintenance window that
  was added, changed or removed overlaps, for the SLOs of its service (all, if it has none).
- A definition with grouping labels (its instances are found per period) and an SLO with a
  history of definitions (each month computed with the version in force, split at a change)
  have their rollups in :mod:`reliability.analysis.rollup_items` (per month, every instance's
  and segment's aggregates), refreshed by the same writes.
- Read with :func:`monthly`: a stored row whose SLO definition (a digest) and period still
  match is turned into an :class:`~reliability.analysis.sla.SlaRow` by the same ``finish``;
  anything missing or stale is computed fresh. Equal bit for bit to ``sla.compute_periods``
  (tests/test_rollups.py checks it after random sequences of writes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from reliability import periods, slos, store, versions
from reliability.analysis import rollup_items, series_months, sla
from reliability.analysis.rollup_items import fingerprints  # noqa: F401 (rollups.fingerprints, as before)
from reliability.analysis.rollup_items import Deleted, deleted_months  # noqa: F401 (writes.delete_slices)
from reliability.analysis.rollup_items import months_of as _months_of
from reliability.errors import BadInput
from reliability.openslo import SLO

AGG = rollup_items.AGG


@dataclass
class Mark:
    """What the database held before a write: enough to tell what the write touched."""

    max_rowid: int
    fingerprints: dict[str, str]
    maintenance: set[tuple] = field(default_factory=set)
    item_digests: dict[str, str] = field(default_factory=dict)  # rollup_items.digests
    deleted: list[Deleted] = field(default_factory=list)  # registered by writes.delete_slices


def rolled_up(slo: SLO, histories: Mapping[str, object]) -> bool:
    """Whether ``slo`` has rollups. Computed fresh instead: a definition with grouping labels
    (its instances, one per customer say, are found per period: sla.expand_instances) and an SLO
    with a history of definitions (``histories``, :func:`reliability.versions.histories`: each
    month is computed with the version in force, split at a change: analysis/segments.py)."""
    return (not slo.group_by or bool(slo.instance)) and slo.name not in histories and slo.base_name not in histories


def has_table(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database has the rollups table (an older file may not: everything is computed fresh)."""
    return con.execute(store.query("rollups.has_table")).fetchone()[0] > 0


def mark(con: duckdb.DuckDBPyConnection) -> Mark | None:
    """The state before a write (None when the database has no rollups table)."""
    if not has_table(con):
        return None
    found = fingerprints(con)
    return Mark(
        max_rowid=con.execute(store.query("rollups.max_slice_rowid")).fetchone()[0],
        fingerprints=found,
        maintenance=set(con.execute(store.query("rollups.maintenance_snapshot")).fetchall()),
        item_digests=rollup_items.digests(con, found) if rollup_items.has_tables(con) else {},
    )


def _by_series(selected: Sequence[SLO]) -> dict[tuple[str, str, str], set[str]]:
    """(service, sli, zone) -> names of the SLOs of ``selected`` that read that series."""
    by_series: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for slo in selected:
        by_series[(slo.service, slo.sli, sla.slo_zone(slo))].add(slo.name)
    return by_series


def _written(con, selected: Sequence[SLO], since: int) -> dict[str, set[str]]:
    """month -> SLO names, for the months holding rows of their series above row id ``since``."""
    return rollup_items.written(con, _by_series(selected), since)


def _touched(con: duckdb.DuckDBPyConnection, before: Mark, everything: list[SLO]) -> tuple[dict[str, set[str]], set[str]]:
    """``(month -> SLO names to recompute, SLO names removed)`` since ``before``."""
    after = fingerprints(con)
    removed = set(before.fingerprints) - set(after)
    changed = {n for n, f in after.items() if before.fingerprints.get(n) != f}
    todo: dict[str, set[str]] = defaultdict(set)
    # Rows appended (a replaced key is deleted and appended again) since the mark.
    unchanged = [s for s in everything if s.name not in changed]
    for month, names in _written(con, unchanged, before.max_rowid).items():
        todo[month] |= names
    # A new or redefined SLO: every month its series has data.
    for month, names in _written(con, [s for s in everything if s.name in changed], -1).items():
        todo[month] |= names
    # Rows deleted (writes.delete_slices): every month a deleted range overlaps.
    for month, names in deleted_months(before.deleted, _by_series(unchanged)).items():
        todo[month] |= names
    # Maintenance windows added, changed or removed: the months they overlap.
    now = set(con.execute(store.query("rollups.maintenance_snapshot")).fetchall())
    for _id, service, start, end in before.maintenance ^ now:
        for slo in everything:
            if service is None or service == slo.service:
                for month in _months_of(sla.slo_zone(slo), start, end):
                    todo[month].add(slo.name)
    return todo, removed | changed


def refresh(con: duckdb.DuckDBPyConnection, before: Mark | None) -> int:
    """Bring the rollups up to date with what was written since ``before`` (inside the
    writer's transaction); returns the number of (SLO, month) pairs recomputed."""
    if before is None:
        return 0
    series_months.refresh(con, before.max_rowid, before.deleted)
    items = rollup_items.refresh(con, before)
    histories = versions.histories(con)
    everything = [s for s in slos.load(con) if rolled_up(s, histories)]
    todo, dropped = _touched(con, before, everything)
    if dropped:
        con.execute(store.query("rollups.delete_slos"), {"slos": sorted(dropped)})
    pairs = [(name, month) for month, names in todo.items() for name in names]
    if pairs:
        con.execute(store.query("rollups.delete"), {"slos": [p[0] for p in pairs], "months": [p[1] for p in pairs]})
    by_name = {s.name: s for s in everything}
    current = fingerprints(con)
    staged: list[tuple] = []
    now = datetime.now(UTC)
    for month, names in sorted(todo.items()):
        selected = [by_name[n] for n in sorted(names) if n in by_name]
        if not selected:
            continue
        period_of, found = sla.objective_aggregates(
            con, selected, lambda s, m=month: periods.month(m, sla.slo_zone(s)))
        for (name, idx), (agg, ex) in found.items():
            p = period_of[name]
            staged.append((name, idx, month, current[name], p.start, p.end, p.zone,
                           *(agg[k] for k in AGG), ex.slices, list(ex.ids), agg.get("last_slice"), now))
    if staged:
        _insert(con, staged)
    return len(pairs) + items


def _insert(con: duckdb.DuckDBPyConnection, staged: list[tuple]) -> None:
    import pyarrow as pa

    cols = list(zip(*staged))
    ts = pa.timestamp("us", tz="UTC")
    table = pa.table({
        "slo": pa.array(cols[0], pa.string()), "idx": pa.array(cols[1], pa.int32()),
        "month": pa.array(cols[2], pa.string()), "fingerprint": pa.array(cols[3], pa.string()),
        "period_start": pa.array(cols[4], ts), "period_end": pa.array(cols[5], ts),
        "zone": pa.array(cols[6], pa.string()),
        "slices_with_data": pa.array(cols[7], pa.int64()), "good_slices": pa.array(cols[8], pa.int64()),
        "sum_good": pa.array(cols[9], pa.float64()), "sum_total": pa.array(cols[10], pa.float64()),
        "sum_ratio": pa.array(cols[11], pa.float64()), "excluded_slices": pa.array(cols[12], pa.int64()),
        "maintenance_windows": pa.array(cols[13], pa.list_(pa.string())),
        "last_slice": pa.array(cols[14], pa.int64()),
        "computed_at": pa.array(cols[15], ts),
    })
    con.register("rollup_staged", table)
    try:
        con.execute(store.query("rollups.insert"))
    finally:
        con.unregister("rollup_staged")


# -- reading ----------------------------------------------------------------------------------


def monthly(
    con: duckdb.DuckDBPyConnection, months: Sequence[str], no_data: str = "good",
    selected: Sequence[SLO] | None = None, min_coverage: float = sla.DEFAULT_MIN_COVERAGE,
    now: datetime | None = None,
) -> list[tuple[str, list[sla.SlaRow]]]:
    """``(month, rows)`` for every month listed, each SLO's month in its own zone: the rows
    ``sla.compute_periods`` returns for that month (same order), from the rollups where they
    are current and computed fresh where not. (Many SLO-months as one frame, the way the
    overview reads them: :func:`reliability.analysis.rollup_frame.monthly_frame`.)"""
    check_options(no_data, min_coverage)
    if selected is None:
        selected = slos.load(con)
    if not selected:
        return [(m, []) for m in months]
    return [(month, [r for s in selected for r in rows.get(s.name, [])])
            for month, rows in monthly_by_slo(con, months, no_data, selected, min_coverage, now, everything=True)]


def check_options(no_data: str, min_coverage: float) -> None:
    """Bad input for an unknown no-data policy or a coverage outside [0, 1]."""
    if no_data not in sla.NO_DATA_POLICIES:
        raise BadInput(f"expected one of {', '.join(sla.NO_DATA_POLICIES)}, got {no_data!r}", field="--no-data")
    sla.check_min_coverage(min_coverage)


def monthly_by_slo(
    con: duckdb.DuckDBPyConnection, months: Sequence[str], no_data: str, selected: Sequence[SLO],
    min_coverage: float, now: datetime | None, everything: bool = False,
) -> list[tuple[str, dict[str, list[sla.SlaRow]]]]:
    """As :func:`monthly` for a non-empty ``selected``, each month's rows per SLO name (a
    definition with grouping labels: its instances' rows). ``everything``: ``selected`` is
    (nearly) every SLO, so all the months' stored rows are read rather than those of its SLOs."""
    stored: dict[tuple[str, int, str], dict] = {}
    has_rollups = has_table(con)
    if has_rollups:
        digests = fingerprints(con)
        found = (store.rows(con, "rollups.for_months", {"months": list(months)}) if everything else
                 store.rows(con, "rollup_frame.rows_of", {"months": list(months), "slos": [s.name for s in selected]}))
        for r in found:
            if digests.get(r["slo"]) == r["fingerprint"]:
                stored[(r["slo"], r["idx"], r["month"])] = r
    cache: dict[tuple[str, str], periods.Period] = {}

    def period_of(month: str, slo: SLO) -> periods.Period:
        zone = sla.slo_zone(slo)
        found = cache.get((month, zone))
        if found is None:
            found = cache[(month, zone)] = periods.month(month, zone)
        return found

    histories = versions.histories(con, sorted({s.base_name for s in selected}))
    now = now or datetime.now(UTC)
    items = (rollup_items.Stored(con, months, None)
             if has_rollups and any(not rolled_up(s, histories) for s in selected) else None)
    out = []
    for month in months:
        rows: dict[str, list[sla.SlaRow]] = {}  # per SLO of ``selected``, in compute_periods' order
        stale = []
        for slo in selected:
            period = period_of(month, slo)
            found = [stored.get((slo.name, i, month)) for i in range(len(slo.objectives))]
            if rolled_up(slo, histories) and all(f is not None and f["period_start"] == period.start
                                       and f["period_end"] == period.end for f in found):
                as_of = sla.data_as_of(slo, period, found[0], now)
                rows[slo.name] = [sla.finish(slo, i, period, {k: f[k] for k in AGG}, no_data, f["excluded_slices"],
                                             tuple(f["maintenance_windows"]), min_coverage, as_of)
                                  for i, f in enumerate(found)]
            else:
                served = None if items is None else items.rows(con, slo, month, no_data, min_coverage, now)
                if served is None:
                    stale.append(slo)
                else:
                    rows[slo.name] = served
        if stale:
            fresh = sla.compute_periods(con, lambda s, m=month: periods.month(m, sla.slo_zone(s)), no_data=no_data,
                                        selected=stale, min_coverage=min_coverage, now=now)
            _assign(stale, fresh, rows)
        out.append((month, rows))
    return out


def _assign(stale: Sequence[SLO], fresh: list[sla.SlaRow], rows: dict[str, list[sla.SlaRow]]) -> None:
    """Hand ``fresh`` (compute_periods' rows for ``stale``: SLO by SLO, objective by objective,
    a definition with grouping labels replaced in place by its instances, named
    ``name{label="value"}``, possibly none) back to the SLOs of ``stale``."""
    pos = 0
    for slo in stale:
        if not slo.group_by or slo.instance:
            n = len(slo.objectives)
            rows[slo.name] = fresh[pos:pos + n]
            pos += n
        else:
            start = pos
            while pos < len(fresh) and fresh[pos].slo.startswith(slo.name + "{"):
                pos += 1
            rows[slo.name] = fresh[start:pos]


def month_rows(con: duckdb.DuckDBPyConnection, month: str, no_data: str = "good",
               slo_name: str | None = None, min_coverage: float = sla.DEFAULT_MIN_COVERAGE,
               now: datetime | None = None) -> list[sla.SlaRow]:
    """``sla.compute(con, month, slo_name, no_data, ...)``, from the rollups where current."""
    periods.parse_month(month)
    selected = slos.load(con, slo_name)
    return monthly(con, [month], no_data, selected, min_coverage, now)[0][1]

