"""Per-instance SLOs: a definition with grouping labels turned into its instances (docs/sla.md).

The instances of a period are those with at least one stored row in it (any row: a row with
``total = 0`` says the instance exists, with no traffic). An instance asked for by its address
(``--instance``, a contract) is always computed, with no data when it has no rows. A grouped
definition without any instance in the period has no row in it.

An instance that appears mid-period is measured over the **whole** period: its slices before
its first row are no-data slices, so with the default ``--min-coverage 0.9`` an instance with
data for half the month has ``data_coverage`` 0.5 and status ``insufficient_data``. A
customer's SLA needs that: missing data is not evidence of good service, and when a customer
really started mid-month, that is a fact of the contract (its start date), not of the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb

from reliability import instances, store
from reliability.openslo import SLO


def keys(con: duckdb.DuckDBPyConnection, grouped: Sequence[SLO], start: datetime, end: datetime) -> list[dict]:
    """The stored instance keys of ``grouped`` definitions with rows in ``[start, end)``:
    dicts with ``service`` and ``key`` (the stored sli)."""
    if not grouped:
        return []
    pairs = sorted({(s.service, s.indicator.name) for s in grouped})
    params = {"services": [p[0] for p in pairs], "slis": [p[1] for p in pairs], "start": start, "end": end}
    return store.rows(con, "instances.keys_in_range", params)


def expand(con: duckdb.DuckDBPyConnection, selected: Sequence[SLO], start: datetime, end: datetime) -> list[SLO]:
    """``selected`` with each definition that has grouping labels replaced, in place, by its
    instances with rows in ``[start, end)`` (sorted by address); SLOs without grouping and
    instances already addressed pass through unchanged, so a fleet without grouping costs
    nothing (no query at all)."""
    grouped = [s for s in selected if s.group_by and not s.instance]
    if not grouped:
        return list(selected)
    return attach(selected, keys(con, grouped, start, end))


def attach(selected: Sequence[SLO], key_rows: Sequence[dict]) -> list[SLO]:
    """``selected`` with each definition that has grouping labels replaced, in place, by its
    instances among ``key_rows`` (dicts with ``service`` and ``key``, the stored sli, as
    :func:`keys` returns them), sorted by address."""
    found: dict[tuple[str, str], list[instances.Instance]] = {}
    for row in key_rows:
        sli, inst = instances.split_key(row["key"])
        found.setdefault((row["service"], sli), []).append(inst)
    out: list[SLO] = []
    for slo in selected:
        if not slo.group_by or slo.instance:
            out.append(slo)
            continue
        mine = [i for i in found.get((slo.service, slo.indicator.name), []) if tuple(k for k, _ in i) == slo.group_by]
        if not mine:
            continue  # no instance in the period: nothing to measure (commands say so in a note)
        out.extend(instances.instance_of(slo, i) for i in sorted(mine, key=instances.selector))
    return out
