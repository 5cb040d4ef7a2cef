"""``extract prometheus`` for per-instance SLOs: one instance per series of the grouped query.

A grouped SLO's queries aggregate by its grouping labels (``sum by (customer) (...)``); each
series returned is the instance its labels name, its events counted as for an ungrouped SLO
(:mod:`reliability.extract.slices`, per series, counter resets included). An instance's
total defines its slices with data; a good (or bad) series missing for an instance counts 0
events, as a missing error counter does. A series without a grouping label is left out,
with a warning naming the query.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from reliability import instances
from reliability.extract import slices
from reliability.extract.chunk import Result as _Result
from reliability.extract.http import FetchError
from reliability.extract.prom_api import PromClient, QueryError


def fetch(client: PromClient, index: int, t, start: int, n: int):
    """The chunk ``[start, start + n·step)`` of grouped target ``t`` as a ``_Result`` whose
    table has one row per (instance, slice with data): ``sli`` (the instance's key), ``ts``,
    ``good``, ``total``."""
    per_role: dict[str, dict[tuple, np.ndarray]] = {}
    warnings: list[str] = []
    for role, query in t.queries():
        try:
            found, warn = client.query_range(query, start, start + n * t.step, t.step)
        except QueryError as exc:
            raise FetchError(f"SLO {t.slo!r}: Prometheus failed the {role} query {exc.query!r} on "
                             f"[{start}, {start + n * t.step}) after accepting it: {exc.message}") from None
        warnings += warn
        groups: dict[tuple, list] = {}
        for s in found:
            key = tuple((label, str(s.labels.get(label, ""))) for label in t.group_by)
            if any(not v for _, v in key):
                text = (f"the {role} query {query!r} returned a series without "
                        f"{', '.join(t.group_by)}; aggregate it with sum by ({', '.join(t.group_by)}) (...)")
                if text not in warnings:
                    warnings.append(text)
                continue
            groups.setdefault(instances.canonical(key), []).append(s.values)
        try:
            per_role[role] = {k: slices.total_over_series(slices.events(slices.grid(v, start, t.step, n + 1),
                                                                             t.counter))
                              for k, v in groups.items()}
        except (ValueError, TypeError, IndexError, KeyError, AttributeError):
            raise client.malformed(query, "points that are not [time, \"value\"] pairs") from None
    parts, has_any, clamped = [], np.zeros(n, bool), 0
    for inst in sorted(per_role["total"], key=instances.selector):
        good, bad = per_role.get("good", {}), per_role.get("bad", {})
        g, tot, has, c = slices.ratio(
            good.get(inst, np.full(n, np.nan)) if "good" in per_role else None,
            bad.get(inst, np.full(n, np.nan)) if "bad" in per_role else None,
            per_role["total"][inst])
        clamped += c
        has_any |= has
        ts = pa.array((start + np.flatnonzero(has) * t.step).astype(np.int64) * 1_000_000,
                      type=pa.timestamp("us", tz="UTC"))
        key = instances.series_key(t.sli, inst)
        parts.append(pa.table({"sli": pa.array([key] * int(has.sum()), pa.string()), "ts": ts,
                               "good": pa.array(g[has]), "total": pa.array(tot[has])}))
    schema = pa.schema([("sli", pa.string()), ("ts", pa.timestamp("us", tz="UTC")), ("good", pa.float64()),
                        ("total", pa.float64())])
    table = pa.concat_tables(parts) if parts else schema.empty_table()
    return _Result(index, start, n, has_any, clamped, tuple(warnings), table)
