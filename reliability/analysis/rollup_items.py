"""Monthly rollups of per-instance SLOs and SLOs with a history of definitions.

:mod:`reliability.analysis.rollups` keeps one row per plain SLO objective and month. The two
kinds of SLO it does not hold are computed by ``sla`` as several *items* per month:

- a definition with grouping labels (``reliability/group-by: customer``) becomes one instance
  per label value with rows in the month (``name{customer="acme"}``, :mod:`.instances`);
- an SLO with a history of definitions (``slo apply --effective-from``) is computed per segment
  of the month, each with the version in force then (:mod:`.segments`), and combined.

This module stores, per such SLO and month, the aggregates of every item objective (table
``sla_rollup_items``: what :func:`reliability.analysis.sla.objective_aggregates` returns, with
the item's own period) and which instances the month has (``sla_rollup_sets``, whose row also
says the month's items are complete). Reading runs ``sla.compute_periods`` itself with those two
steps served from the tables (``expand`` and ``aggregates``), so the rows are the fresh
computation's bit for bit, and never touch ``sli_slices``.

Maintained by every write, exactly as the plain rollups (:func:`reliability.writes.transaction`
calls :func:`refresh` through :func:`reliability.analysis.rollups.refresh`), and invalidated for
what the write touched: the months (in the zone of every version) holding rows it appended of
the series of any version (an instance's rows for a grouped definition), and those a range it
deleted of such a series overlaps; every month with data of an SLO whose definition or history
changed; the months a changed maintenance window overlaps, for the SLOs of its service.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from reliability import instances as addresses
from reliability import openslo, periods, slos, store, versions
from reliability.analysis import maintenance as maintenance_windows
from reliability.analysis import sla
from reliability.openslo import SLO

# The counts sla.finish needs, one column each in sla_rollups and sla_rollup_items.
AGG = ("slices_with_data", "good_slices", "sum_good", "sum_total", "sum_ratio")


class _Missing(Exception):
    """A stored item is missing or was computed for another period: compute fresh."""


def fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Per stored SLO, a digest of its resolved definition."""
    return dict(con.execute(store.query("rollups.slo_fingerprints")).fetchall())


def months_of(zone: str, start: datetime, end: datetime) -> list[str]:
    """The calendar months (in ``zone``) overlapping ``[start, end)``."""
    zi = periods.zone(zone)
    first = start.astimezone(zi)
    last = (end - timedelta(microseconds=1)).astimezone(zi)
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = y + (m == 12), m % 12 + 1
    return out


@dataclass(frozen=True)
class Deleted:
    """Slices a write deleted: series ``(service, sli)`` (every instance ``sli{...}`` of it when
    ``instances``) in ``[start, end)``, UTC instants. Deleted rows leave no row id behind, so
    every month this range overlaps is recomputed."""

    service: str
    sli: str
    instances: bool
    start: datetime
    end: datetime


def deleted_months(deleted: Sequence[Deleted], series: Mapping[tuple[str, str, str], set[str]]) -> dict[str, set[str]]:
    """month -> SLO names, for every month (in the series' zone) a deleted range overlaps, of
    the SLOs of ``series`` ((service, sli, zone) -> SLO names) it may have removed rows of:
    those of the same service and indicator, instances or not (a superset is safe: at worst a
    month is recomputed that did not change)."""
    out: dict[str, set[str]] = defaultdict(set)
    if not deleted:
        return out
    by_indicator: dict[tuple[str, str], list] = defaultdict(list)
    for (service, sli_, zone), names in series.items():
        by_indicator[(service, sli_.partition("{")[0])].append((zone, names))
    for d in set(deleted):
        if d.end <= d.start:
            continue
        for zone, names in by_indicator.get((d.service, d.sli.partition("{")[0]), []):
            for month in months_of(zone, d.start, d.end):
                out[month] |= names
    return out


def kept_here(slo: SLO, histories: Mapping[str, object]) -> bool:
    """Whether ``slo`` (a stored definition) has its rollups here rather than in ``sla_rollups``."""
    return bool(slo.group_by and not slo.instance) or slo.name in histories or slo.base_name in histories


def has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute(
        "select count(*) from information_schema.tables where table_name = 'sla_rollup_sets'").fetchone()[0] > 0


def digests(con: duckdb.DuckDBPyConnection, base: Mapping[str, str] | None = None,
            histories: Mapping[str, list] | None = None) -> dict[str, str]:
    """Per stored SLO, a digest of its resolved definition and of its history of versions (an
    item rollup computed for another digest is stale)."""
    base = fingerprints(con) if base is None else base
    histories = versions.histories(con) if histories is None else histories
    out = {}
    for name, digest in base.items():
        history = [(v.version, str(v.effective_from), versions.measure(v.definition)) for v in histories.get(name, [])]
        out[name] = hashlib.md5((digest + json.dumps(history)).encode()).hexdigest() if history else digest
    return out


def _versions_of(slo: SLO, history: Sequence | None, sources: dict) -> list[SLO]:
    """The SLO as each of its versions defined it (itself without a history)."""
    if not history:
        return [slo]
    return [slo] + [openslo.slo_from_definition(v.definition, sources) for v in history]


def _series(con, kept: Sequence[SLO], histories: Mapping[str, list]) -> tuple[dict, dict]:
    """``(plain, grouped)``: (service, sli, zone) -> names of ``kept`` whose item rows live in
    that series (every version's series, each in every version's zone)."""
    sources = slos.datasources(con) if histories else {}
    plain: dict[tuple, set] = defaultdict(set)
    grouped: dict[tuple, set] = defaultdict(set)
    for slo in kept:
        shapes = _versions_of(slo, histories.get(slo.name), sources)
        zones = {sla.slo_zone(s) for s in shapes}
        for s in shapes:
            target = grouped if s.group_by else plain
            for zone in zones:
                target[(s.service, s.indicator.name, zone)].add(slo.name)
    return plain, grouped


def written(con, series: Mapping[tuple, set], since: int, grouped: bool = False) -> dict[str, set[str]]:
    """month -> names, for the months (in each series' zone) holding rows above row id ``since``
    of ``series`` ((service, sli, zone) -> names); ``grouped``: of the instances of each sli
    (keys ``sli{label="value",...}``) instead."""
    if grouped:
        series = _instance_series(con, series)
    if not series:
        return {}
    keys = list(series)
    params = {"services": [k[0] for k in keys], "slis": [k[1] for k in keys], "zones": [k[2] for k in keys],
              "since": since}
    out: dict[str, set[str]] = defaultdict(set)
    for service, sli_, zone, month in con.execute(store.query("rollups.written_months"), params).fetchall():
        out[month] |= series[(service, sli_, zone)]
    return out


def _instance_series(con, grouped: Mapping[tuple, set]) -> dict[tuple, set]:
    """``grouped`` ((service, sli, zone) -> names) for each stored instance series of that sli:
    (service, 'sli{...}', zone) -> names (an exact key is a cheaper join than a prefix)."""
    if not grouped:
        return {}
    by_base: dict[tuple[str, str], list] = defaultdict(list)
    for (service, sli_, zone), names in grouped.items():
        by_base[(service, sli_)].append((zone, names))
    out: dict[tuple, set] = defaultdict(set)
    services = sorted({service for service, _sli in by_base})
    for service, key in con.execute(store.query("rollups.instance_keys"), {"services": services}).fetchall():
        for zone, names in by_base.get((service, key.partition("{")[0]), []):
            out[(service, key, zone)] |= names
    return out


def _touched(con, before, kept: list[SLO], histories, after: dict[str, str], now_windows: set):
    """``(month -> SLO names to recompute, SLO names whose every item is dropped)``; ``after``:
    every stored SLO's digest now."""
    old = before.item_digests
    names = {s.name for s in kept}
    changed = {n for n in names if old.get(n) != after[n]}
    # Removed or redefined SLOs lose their items (one that is no longer kept here included).
    dropped = changed | {n for n, d in old.items() if n not in names and after.get(n) != d}
    todo: dict[str, set[str]] = defaultdict(set)
    for names, since in (({s.name for s in kept} - changed, before.max_rowid), (changed, -1)):
        mine = [s for s in kept if s.name in names]
        if not mine:
            continue
        plain, grouped = _series(con, mine, histories)
        for series, instances in ((plain, False), (grouped, True)):
            for month, found in written(con, series, since, instances).items():
                todo[month] |= found
            if since >= 0:  # rows deleted (writes.delete_slices): the months they overlap
                for month, found in deleted_months(before.deleted, series).items():
                    todo[month] |= found
    if before.maintenance ^ now_windows:
        sources = slos.datasources(con) if histories else {}
        for _id, service, start, end in before.maintenance ^ now_windows:
            for slo in kept:
                shapes = _versions_of(slo, histories.get(slo.name), sources)
                if service is None or any(service == s.service for s in shapes):
                    for zone in {sla.slo_zone(s) for s in shapes}:
                        for month in months_of(zone, start, end):
                            todo[month].add(slo.name)
    return todo, dropped


def refresh(con: duckdb.DuckDBPyConnection, before) -> int:
    """Bring the item rollups up to date with what was written since ``before`` (a
    :class:`reliability.analysis.rollups.Mark`); returns the (SLO, month) pairs recomputed."""
    if before is None or not has_tables(con):
        return 0
    histories = versions.histories(con)
    everything = slos.load(con)
    kept = [s for s in everything if kept_here(s, histories)]
    after = digests(con, histories=histories)
    now_windows = set(con.execute(store.query("rollups.maintenance_snapshot")).fetchall())
    todo, dropped = _touched(con, before, kept, histories, after, now_windows)
    if dropped:
        for q in ("rollups.items_delete_slos", "rollups.sets_delete_slos"):
            con.execute(store.query(q), {"slos": sorted(dropped)})
    pairs = [(name, month) for month, names in todo.items() for name in names]
    if pairs:
        for q in ("rollups.items_delete", "rollups.sets_delete"):
            con.execute(store.query(q), {"slos": [p[0] for p in pairs], "months": [p[1] for p in pairs]})
    by_name = {s.name: s for s in kept}
    items: list[tuple] = []
    sets: list[tuple] = []
    now = datetime.now(UTC)
    for month, names in sorted(todo.items()):
        for name in sorted(names):
            slo = by_name.get(name)
            if slo is None:
                continue
            found: dict[str, list] = {}

            def expand(selected, period_for, _found=found):
                out = sla.expand_instances(con, selected, period_for)
                _found["instances"] = [addresses.selector(s.instance) for s in out if s.instance]
                return out

            def aggregates(selected, period_for, maintenance, _month=month, _name=name):
                period_of, aggs = sla.objective_aggregates(con, selected, period_for, maintenance)
                for (item, idx), (agg, ex) in aggs.items():
                    p = period_of[item]
                    items.append((_name, _month, item, idx, p.start, p.end, *(agg[k] for k in AGG), ex.slices,
                                  list(ex.ids), agg.get("last_slice")))
                return period_of, aggs

            sla.compute_periods(con, lambda s, m=month: periods.month(m, sla.slo_zone(s)), selected=[slo],
                                expand=expand, aggregates=aggregates)
            sets.append((name, month, after[name], found.get("instances") if slo.group_by else None, now))
    _insert(con, items, sets)
    return len(pairs)


def _insert(con: duckdb.DuckDBPyConnection, items: list[tuple], sets: list[tuple]) -> None:
    import pyarrow as pa

    ts = pa.timestamp("us", tz="UTC")
    if items:
        cols = list(zip(*items))
        names = ["slo", "month", "item", "idx", "period_start", "period_end", *AGG, "excluded_slices",
                 "maintenance_windows", "last_slice"]
        types = [pa.string(), pa.string(), pa.string(), pa.int32(), ts, ts, pa.int64(), pa.int64(), pa.float64(),
                 pa.float64(), pa.float64(), pa.int64(), pa.list_(pa.string()), pa.int64()]
        _staged(con, "rollup_items_staged", "rollups.items_insert",
                pa.table({n: pa.array(c, t) for n, c, t in zip(names, cols, types)}))
    if sets:
        cols = list(zip(*sets))
        types = [pa.string(), pa.string(), pa.string(), pa.list_(pa.string()), ts]
        names = ["slo", "month", "fingerprint", "instances", "computed_at"]
        _staged(con, "rollup_sets_staged", "rollups.sets_insert",
                pa.table({n: pa.array(c, t) for n, c, t in zip(names, cols, types)}))


def _staged(con, view: str, query: str, table) -> None:
    con.register(view, table)
    try:
        con.execute(store.query(query))
    finally:
        con.unregister(view)


# -- reading ----------------------------------------------------------------------------------


class Stored:
    """The item rollups of some months, current for the SLOs' digests (one read)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, months: Sequence[str], histories: Mapping[str, list]):
        self.sets: dict[tuple[str, str], dict] = {}
        self.items: dict[tuple[str, str], dict[tuple[str, int], dict]] = defaultdict(dict)
        if not has_tables(con):
            return
        current = digests(con, histories=versions.histories(con) if histories is None else histories)
        for r in store.rows(con, "rollups.sets_for_months", {"months": list(months)}):
            if current.get(r["slo"]) == r["fingerprint"]:
                self.sets[(r["slo"], r["month"])] = r
        for r in store.rows(con, "rollups.items_for_months", {"months": list(months)}):
            if (r["slo"], r["month"]) in self.sets:
                self.items[(r["slo"], r["month"])][(r["item"], r["idx"])] = r

    def rows(self, con, slo: SLO, month: str, no_data: str, min_coverage: float, now: datetime):
        """``sla.compute_periods``'s rows of ``slo`` for ``month`` from the stored items, or None
        when they are not stored (or stale)."""
        found = self.sets.get((slo.name, month))
        if found is None:
            return None
        stored = self.items.get((slo.name, month), {})

        def expand(selected, period_for):
            if not slo.group_by:
                return list(selected)
            return [addresses.instance_of(slo, addresses.parse_address(slo.name + sel)[1])
                    for sel in (found["instances"] or [])]

        def aggregates(selected, period_for, maintenance):
            period_of, out = {}, {}
            for item in selected:
                p = period_of[item.name] = period_for(item)
                for idx in range(len(item.objectives)):
                    r = stored.get((item.name, idx))
                    if r is None or r["period_start"] != p.start or r["period_end"] != p.end:
                        raise _Missing(item.name)
                    agg = {k: r[k] for k in AGG} | {"last_slice": r["last_slice"]}
                    ex = maintenance_windows.Exclusion(ranges=[(0, r["excluded_slices"])] if r["excluded_slices"] else [],
                                                       ids=list(r["maintenance_windows"]))
                    out[(item.name, idx)] = (agg, ex)
            return period_of, out

        try:
            return sla.compute_periods(con, lambda s: periods.month(month, sla.slo_zone(s)), no_data=no_data,
                                       selected=[slo], min_coverage=min_coverage, now=now, expand=expand,
                                       aggregates=aggregates)
        except _Missing:
            return None
