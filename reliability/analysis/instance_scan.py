"""The instances of per-instance definitions and their aggregates, from one scan per definition.

``sla`` over a definition grouped by customer, with 5,000 customers over a month of 1-minute
slices, reads 216M rows. Finding the instances (``instances.keys_in_range``) and then
aggregating them by joining every row against 5,000 ``(service, sli)`` keys
(``sla.ratio_aggregates``) cost 4x a bare scan of the same rows. Here each definition's
instances are read in one query (``sla.instance_aggregates``) filtered only by plain
comparisons (the service, the range of SLI keys ``availability{...}``, the instants) and
grouped by key: that gives both the instances of the period (keys with any row) and, per
instance, exactly the aggregates ``sla.ratio_aggregates`` would return.

The aggregates are handed to :func:`reliability.analysis.sla.objective_aggregates` as
``prefetched``, keyed by everything a series key of ``sla._params`` is made of (service, sli,
period, slice length, time slice target); a key that does not match exactly, that loses slices
to maintenance, that has rows off the slice boundaries, or that needs the ratio sum the scan
did not compute, takes the usual queries, so the numbers are the same whichever path runs
(tests/test_instance_scan.py compares both on the same database).

Only ratio indicators whose objectives share one good-slice criterion take this path; other
grouped definitions are expanded as before (``instances.keys_in_range``). The scans test each
row against ``usable_slices``' conditions only when ``usable.any_unusable`` finds an unusable
row in the span; then, or when definitions in several zones make the scans cover less than
the span, the instances themselves are also found as before (the aggregates still come from
the scans).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from reliability import store
from reliability.analysis import instances
from reliability.openslo import SLO

# Keys of the stored sli column for SLI ``name``: ``name{...}``; "|" is the character after "{".
_OPEN, _AFTER = "{", "|"
NO_CRITERION_TST = 2.0  # sla._set_criterion's time slice target for keys without a criterion


def _plan(slo: SLO, period, window_seconds: int, criterion) -> tuple | None:
    """``(service, sli name, start_us, end_us, window_us, tst)`` of a definition this path can
    compute, or None (threshold or raw indicators, objectives with different criteria).
    ``criterion(slo, idx)``: sla's criterion of an objective (passed in: sla imports this module)."""
    if slo.indicator.kind != "ratio":
        return None
    criteria = {criterion(slo, idx) for idx in range(len(slo.objectives))} - {None}
    if len(criteria) > 1:
        return None
    tst = next(iter(criteria))[1] if criteria else NO_CRITERION_TST
    return (slo.service, slo.indicator.name, int(period.start.timestamp()) * 1_000_000,
            int(period.end.timestamp()) * 1_000_000, window_seconds * 1_000_000, tst)


def expand(con: duckdb.DuckDBPyConnection, selected: Sequence[SLO], period_for, *, criterion,
           default_slice_seconds: int, empty: dict) -> tuple[list[SLO], dict]:
    """``(slos, prefetched)``: ``selected`` with each definition that has grouping labels
    replaced by its instances with rows in its period (as ``sla.expand_instances`` returns
    them, in the same order), and the aggregates of those instances' series keys for
    ``sla.objective_aggregates(..., prefetched=...)``: ``{(service, sli, start_us, end_us,
    window_us, tst): (aggregates, with_ratio)}``, ``with_ratio`` saying whether ``sum_ratio``
    was computed (it is 0 otherwise). ``criterion``, ``default_slice_seconds`` and ``empty``
    are sla's ``_criterion``, ``DEFAULT_SLICE_SECONDS`` and ``EMPTY_AGGREGATES`` (passed in, so
    that this module does not import sla, which imports it)."""

    grouped = [s for s in selected if s.group_by and not s.instance]
    if not grouped:
        return list(selected), {}
    spans = [period_for(s) for s in grouped]
    # The instances of a period are the keys with a row in the span of all grouped
    # definitions' periods, as instances.expand has it.
    scan_start, scan_end = min(p.start for p in spans), max(p.end for p in spans)
    plans: dict[tuple, bool] = {}
    ratio_series: set[tuple] = set()
    slow: list[SLO] = []
    for slo, period in zip(grouped, spans, strict=True):
        plan = _plan(slo, period, slo.time_slice_window_seconds or default_slice_seconds, criterion)
        if plan is None:
            slow.append(slo)
            continue
        needs_ratio = slo.budgeting_method == "RatioTimeslices"
        plans[plan] = plans.get(plan, False) or needs_ratio
        if needs_ratio:
            ratio_series.add(plan[:5])
    # A definition without a good-slice criterion of its own (Occurrences, RatioTimeslices)
    # shares the key of one that has one on the same series and period (sla._params): one
    # scan serves both.
    with_criterion = {p[:5] for p in plans if p[5] != NO_CRITERION_TST}
    plans = {p: r for p, r in plans.items() if p[5] != NO_CRITERION_TST or p[:5] not in with_criterion}
    # Rows usable_slices leaves out are rare: one plain scan says whether the period has any
    # (then the scans below need not test every row, and every key with a row in the span
    # has a usable one in it, which the scans see as long as each covers the whole span).
    all_usable = bool(plans) and not store.rows(con, "usable.any_unusable", {"start": scan_start, "end": scan_end})[0]["n"]
    key_rows: dict[tuple[str, str], dict] = {}
    prefetched: dict[tuple, tuple[dict, bool]] = {}
    for plan, with_ratio in plans.items():
        service, name, start_us, end_us, window_us, tst = plan
        # Objectives without a criterion of their own share a key with one that has one
        # (sla._params): the ratio sum goes wherever a RatioTimeslices definition may read it.
        with_ratio = with_ratio or plan[:5] in ratio_series
        params = {"service": service, "lo": name + _OPEN, "hi": name + _AFTER, "start": _instant(start_us),
                  "end": _instant(end_us), "start_us": start_us, "window_us": window_us,
                  "tst": tst, "with_ratio": with_ratio, "all_usable": all_usable}
        for row in store.rows(con, "sla.instance_aggregates", params):
            key_rows[(service, row["key"])] = {"service": service, "key": row["key"]}
            prefetched[(service, row["key"], start_us, end_us, window_us, tst)] = (row, with_ratio)
    # The instances are the keys with any stored row in the span (instances.keys_in_range):
    # found by the scans above unless some rows are unusable or a scan covers less than the
    # span (definitions in several zones), or for series no scan covered.
    scanned = {p[:2] for p in plans}
    # (False without plans: every grouped definition then takes the old path)
    exact = all_usable and all(p[2:4] == _span_us(scan_start, scan_end) for p in plans)
    rest = grouped if not exact else [s for s in slow if (s.service, s.indicator.name) not in scanned]
    if rest:
        for row in instances.keys(con, rest, scan_start, scan_end):
            key_rows[(row["service"], row["key"])] = row
            for plan, with_ratio in plans.items():
                if plan[0] == row["service"] and row["key"].startswith(plan[1] + _OPEN):
                    # a key the plan's scan did not see has no usable row in its period
                    pk = (row["service"], row["key"], *plan[2:])
                    prefetched.setdefault(pk, (empty, with_ratio or plan[:5] in ratio_series))
    return instances.attach(selected, list(key_rows.values())), prefetched


def _span_us(start, end) -> tuple[int, int]:
    return int(start.timestamp()) * 1_000_000, int(end.timestamp()) * 1_000_000


def _instant(us: int):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(us // 1_000_000, UTC)
