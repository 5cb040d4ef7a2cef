"""SLA compliance over calendar months, (``sla``, docs/sla.md).

The heavy part (bucketing rows into slices and counting) is one SQL query over all SLOs at
once (queries/sla.sql); the final arithmetic is exact, in rationals, over a few numbers per SLO:

- Occurrences: ``attainment = Σgood / Σtotal``; ``bad = Σtotal − Σgood``;
  ``allowed_bad = (1 − target) · Σtotal``.
- Timeslices: a slice is good when ``good/total >= timeSliceTarget`` (threshold SLIs: when
  ``value op threshold`` holds for every value in the slice); ``attainment = good slices /
  slices``; ``bad`` = bad slices; ``allowed_bad = (1 − target) · slices``.
- RatioTimeslices: ``attainment`` = mean of ``good/total`` over slices with data;
  ``bad = Σ(1 − good/total)``; ``allowed_bad = (1 − target) · slices with data``.
- ``error_budget_remaining = 1 − bad / allowed_bad``; ``breached = attainment < target``.

No-data slices (no row, or ``total = 0``) are counted in ``no_data`` and treated by policy:
``good`` (default: burns no budget), ``bad``, or ``exclude`` (left out of the period).

Whether the numbers can be trusted at all: ``data_coverage`` = slices with data / slices of the
period (after maintenance; None without slices) and ``status`` — ``insufficient_data`` when the
coverage is below ``min_coverage`` (default 0.9), else ``breached`` or ``met``. A period that
is not over yet, or extends past the newest stored row of its series, is ``partial``:
``as_of`` says up to when there is data (the status is then provisional).

Declared maintenance windows (stored by ``ingest maintenance``, or given per call) remove the
slices they overlap from the period before any of this (:mod:`reliability.analysis.maintenance`):
``excluded_slices`` and ``maintenance_minutes`` say how much.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import duckdb

from reliability import periods, slos, store
from reliability.analysis import maintenance as maintenance_windows
from reliability.analysis.verdict import DEFAULT_MIN_COVERAGE, exact_target, status_of  # noqa: F401 (re-exported)
from reliability.errors import BadInput
from reliability.openslo import SLO

NO_DATA_POLICIES = ("good", "bad", "exclude")
DEFAULT_SLICE_SECONDS = 60
STATUSES = ("met", "breached", "insufficient_data")


def check_min_coverage(value: float, option: str = "--min-coverage") -> float:
    """``value`` when it is a ratio in [0, 1], else bad input."""
    if not 0 <= value <= 1:
        raise BadInput(f"expected a ratio between 0 and 1 (0.9 = 90 %), got {value:g}", field=option)
    return value


@dataclass(frozen=True)
class SlaRow:
    """One objective of one SLO over one period. ``bad``/``allowed_bad`` are events for
    Occurrences and slices (minutes, with 1-minute slices) for Timeslices and RatioTimeslices."""

    slo: str
    service: str
    sli: str
    budgeting_method: str
    target: float
    period_start: datetime
    period_end: datetime
    attainment: float | None
    breached: bool
    bad: float
    allowed_bad: float
    error_budget_remaining: float | None
    no_data: int
    objective: str | None
    time_zone: str
    time_slice_window_minutes: float
    slices: int
    slices_with_data: int
    good_slices: int | None
    good: float | None
    total: float | None
    excluded_slices: int = 0  # slices removed from the period by maintenance windows
    maintenance_minutes: float = 0.0  # their length, minutes
    maintenance_windows: tuple[str, ...] = ()  # ids of the windows that removed them
    data_coverage: float | None = None  # slices with data / slices (ratio); None without slices
    status: str = "insufficient_data"  # met, breached or insufficient_data (status_of)
    partial: bool = False  # the period is not over, or extends past its series' newest row
    as_of: datetime | None = None  # data up to this instant (period_end when not partial)
    # Not in every row's JSON (rows of SLOs without labels or history print as before):
    labels: tuple = field(default=(), compare=False)  # the SLO's effective labels
    # SLOs with a history (reliability.analysis.segments): the version in force at the period's
    # end, and for a period split at a change, the combination rule and the segments.
    history: dict | None = field(default=None, compare=False)
    # The attainment as the exact fraction it was rounded from (composites combine these);
    # not part of the JSON.
    exact_attainment: Fraction | None = field(default=None, compare=False, repr=False)

    @property
    def unit(self) -> str:
        """What ``bad`` and ``allowed_bad`` count (:func:`reliability.units.budget_unit`)."""
        from reliability.units import budget_unit

        return budget_unit(self.budgeting_method, self.time_slice_window_minutes)

    def as_json(self, labels: bool = False) -> dict:
        """The row as ``sla --json`` prints it; ``labels``: with the SLO's labels (``sla
        --group-by``/``--label`` ask for them; without, rows print exactly as before labels)."""
        # A shallow dict: dataclasses.asdict deep-copies and costs 15x more over 2,000 rows.
        out = {name: getattr(self, name) for name in _SLA_FIELDS}
        out["maintenance_windows"] = list(self.maintenance_windows)
        out["budget_unit"] = self.unit
        if labels:
            out["labels"] = {k: list(v) for k, v in self.labels}
        if self.history is not None:
            h = self.history
            out["version"], out["effective_from"] = h["version"], h["effective_from"]
            if "segments" in h:
                out["combined"] = h["combined"]
                out["segments"] = [
                    {"version": v.version, "effective_from": v.effective_from} | r.as_json() for v, r in h["segments"]
                ]
        return out


_SLA_FIELDS = tuple(f.name for f in fields(SlaRow) if f.name not in ("labels", "history", "exact_attainment"))


def _exact(value: float | int) -> Fraction:
    return Fraction(value)


# The target as written (0.999, not its binary neighbour): reliability.analysis.verdict.
_target = exact_target


def _f(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def finish(
    slo: SLO,
    idx: int,
    period: periods.Period,
    agg: dict,
    no_data: str = "good",
    excluded: int = 0,
    window_ids: Sequence[str] = (),
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    as_of: datetime | None = None,
) -> SlaRow:
    """Turn the SQL aggregates of one objective into the contract's numbers, exactly.
    ``excluded`` slices (maintenance) are not part of the period; ``agg`` already leaves out
    their rows. ``as_of``: up to when the period has data (default: its end)."""
    objective = slo.objectives[idx]
    window = slo.time_slice_window_seconds or DEFAULT_SLICE_SECONDS
    n = period.seconds // window + (1 if period.seconds % window else 0) - excluded
    n_data = int(agg["slices_with_data"])
    n_none = n - n_data
    target = _target(objective.target)
    method = slo.budgeting_method
    good_slices = int(agg["good_slices"])
    sum_good, sum_total = _exact(agg["sum_good"]), _exact(agg["sum_total"])
    good_events = total_events = None
    if method == "Occurrences" and slo.indicator.kind == "threshold":
        # Each slice with a value is one occurrence, good when the threshold holds.
        sum_good, sum_total = Fraction(good_slices), Fraction(n_data)
    if method == "Occurrences":
        total = sum_total
        if no_data == "bad" and n_none:
            # Missing slices are imputed as fully bad at the mean events per slice with data;
            # with no data at all nothing can be measured and the period counts as all bad.
            total = sum_total * n / n_data if n_data else Fraction(0)
        good = sum_good
        attainment = good / total if total else (Fraction(0) if no_data == "bad" and n_none else None)
        bad = total - good
        allowed = (1 - target) * total
        good_events, total_events = _f(good), _f(total)
    elif method == "Timeslices":
        if no_data == "good":
            denominator, good = n, good_slices + n_none
        elif no_data == "bad":
            denominator, good = n, good_slices
        else:
            denominator, good = n_data, good_slices
        attainment = Fraction(good, denominator) if denominator else None
        bad = Fraction(denominator - good)
        allowed = (1 - target) * denominator
    else:  # RatioTimeslices
        ratio_sum = _exact(agg["sum_ratio"])
        denominator = n if no_data == "bad" else n_data
        attainment = ratio_sum / denominator if denominator else None
        bad = denominator - ratio_sum
        allowed = (1 - target) * denominator
    remaining = 1 - bad / allowed if allowed else (Fraction(1) if bad == 0 else None)
    breached = attainment is not None and attainment < target
    coverage = _f(Fraction(n_data, n)) if n > 0 else None
    as_of = period.end if as_of is None else min(max(as_of, period.start), period.end)
    return SlaRow(
        slo=slo.name,
        service=slo.service,
        sli=slo.sli,
        budgeting_method=method,
        target=objective.target,
        period_start=period.start,
        period_end=period.end,
        attainment=_f(attainment),
        breached=breached,
        bad=float(bad),
        allowed_bad=float(allowed),
        error_budget_remaining=_f(remaining),
        no_data=n_none,
        objective=objective.name,
        time_zone=period.zone,
        time_slice_window_minutes=window / 60,
        slices=n,
        slices_with_data=n_data,
        good_slices=good_slices if method != "Occurrences" else None,
        good=good_events,
        total=total_events,
        excluded_slices=excluded,
        maintenance_minutes=excluded * window / 60,
        maintenance_windows=tuple(window_ids),
        data_coverage=coverage,
        status=status_of(coverage, breached, min_coverage),
        partial=as_of < period.end,
        as_of=as_of,
        labels=slo.labels,
        exact_attainment=attainment,
    )


_KEY_LISTS = "keys services slis start_us end_us window_us kinds tst ops thresholds".split()
_RATIO_LISTS = _KEY_LISTS[:6] + ["tst"]  # what sla.ratio_aggregates takes


def _criterion(slo: SLO, idx: int) -> tuple | None:
    """What makes a slice good for this objective; None when its method counts no slices."""
    obj = slo.objectives[idx]
    if slo.indicator.kind == "threshold":
        return ("threshold", 2.0, obj.op, obj.value)
    if slo.budgeting_method == "Timeslices":
        return ("ratio", obj.time_slice_target, "", 0.0)
    return None


def _params(selected: Sequence[SLO], period_for) -> tuple[dict, dict, dict[str, periods.Period]]:
    """The bound parameters of the ``sla.*_aggregates`` queries: parallel lists, one
    entry per key (no pyarrow or pandas needed, which keeps the CLI start-up lean), and the
    key of each (slo, objective index)."""
    params: dict[str, list] = {k: [] for k in _KEY_LISTS}
    key_of: dict[tuple[str, int], int] = {}
    period_of: dict[str, periods.Period] = {}
    by_zone: dict[str, periods.Period] = {}
    # (service, sli, zone, window) -> {criterion: key}; objectives without a criterion of
    # their own join any key of their series.
    series: dict[tuple, dict] = {}
    for slo in selected:
        period = period_for(slo)
        zone = (period.zone, period.start, period.end)
        by_zone.setdefault(zone, period)
        period_of[slo.name] = period
        window = slo.time_slice_window_seconds or DEFAULT_SLICE_SECONDS
        keys = series.setdefault((slo.service, slo.sli, zone, window), {})
        for idx in range(len(slo.objectives)):
            crit = _criterion(slo, idx)
            if crit is None and keys:
                key_of[(slo.name, idx)] = next(iter(keys.values()))
                continue
            if crit is None or crit not in keys:
                if None in keys:  # a key made for a criterion-free objective takes this one
                    key = keys.pop(None)
                    _set_criterion(params, key, crit, slo)
                else:
                    key = len(params["keys"])
                    for name, value in zip(
                        _KEY_LISTS[:6],
                        (key, slo.service, slo.sli, int(period.start.timestamp()) * 1_000_000,
                         int(period.end.timestamp()) * 1_000_000, window * 1_000_000),
                    ):
                        params[name].append(value)
                    for name in _KEY_LISTS[6:]:
                        params[name].append(None)
                    _set_criterion(params, key, crit, slo)
                keys[crit] = key
            key_of[(slo.name, idx)] = keys[crit]
    params["min_start"] = min(p.start for p in by_zone.values())
    params["max_end"] = max(p.end for p in by_zone.values())
    return params, key_of, period_of


def _set_criterion(params: dict, key: int, crit: tuple | None, slo: SLO) -> None:
    kind, tst, op, threshold = crit or (slo.indicator.kind, 2.0, "", 0.0)
    params["kinds"][key], params["tst"][key], params["ops"][key], params["thresholds"][key] = kind, tst, op, threshold


def _aggregates(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> dict[int, dict]:
    return {r["key"]: r for r in store.rows(con, name, params)}


def _subset(params: dict, keys: list[int], lists: list[str] = _KEY_LISTS) -> dict:
    sub = {name: [params[name][k] for k in keys] for name in lists}
    return sub | {"min_start": params["min_start"], "max_end": params["max_end"]}


def slo_zone(slo: SLO) -> str:
    """The zone of an SLO's calendar periods (UTC for rolling SLOs)."""
    return "UTC" if slo.window.is_rolling else slo.window.time_zone


def compute(
    con: duckdb.DuckDBPyConnection,
    month: str,
    slo_name: str | None = None,
    no_data: str = "good",
    maintenance: Sequence | None = None,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    now: datetime | None = None,
) -> list[SlaRow]:
    """SLA rows for every stored SLO (or the one named) over calendar month ``YYYY-MM``,
    each in its SLO's time zone (``maintenance``, ``min_coverage``, ``now``: as in
    compute_periods)."""
    periods.parse_month(month)
    return compute_periods(
        con, lambda slo: periods.month(month, slo_zone(slo)), slo_name, no_data, maintenance=maintenance,
        min_coverage=min_coverage, now=now,
    )


def compute_periods(
    con: duckdb.DuckDBPyConnection,
    period_for,
    slo_name: str | None = None,
    no_data: str = "good",
    selected: Sequence[SLO] | None = None,
    maintenance: Sequence | None = None,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    now: datetime | None = None,
    expand=None,
    aggregates=None,
) -> list[SlaRow]:
    """SLA rows for every stored SLO (or the one named, or ``selected``), each over the period
    ``period_for(slo)`` returns (a :class:`periods.Period`, any length: month, quarter, year
    or a rolling window), leaving out the slices of the stored maintenance windows and of
    ``maintenance`` (extra :class:`reliability.ingest.maintenance.Window` objects, not stored).
    ``status`` is ``insufficient_data`` below ``min_coverage``; a period ending after ``now``
    (default: the clock) or after its series' newest row is ``partial``.

    ``expand(selected, period_for)`` and ``aggregates(items, period_for, maintenance)`` replace
    :func:`expand_instances` and :func:`objective_aggregates` (the monthly rollups serve both
    from what a write stored, :mod:`reliability.analysis.rollup_items`)."""
    if no_data not in NO_DATA_POLICIES:
        raise BadInput(f"expected one of {', '.join(NO_DATA_POLICIES)}, got {no_data!r}", field="--no-data")
    check_min_coverage(min_coverage)
    if selected is None:
        selected = slos.load(con, slo_name)
    if slo_name is not None and not selected:
        raise BadInput(f"no SLO named {slo_name!r} (see `reliability slo list`)", field="--slo")
    if not selected:
        return []
    if expand:
        selected, prefetched = expand(selected, period_for), None
    else:
        from reliability.analysis import instance_scan

        # Instances and their aggregates from one scan per definition (analysis/instance_scan.py).
        selected, prefetched = instance_scan.expand(con, selected, period_for, criterion=_criterion,
                                                    default_slice_seconds=DEFAULT_SLICE_SECONDS,
                                                    empty=EMPTY_AGGREGATES)
    if not selected:  # a per-instance SLO with no instance in the period
        return []
    from reliability.analysis import segments

    histories = segments.histories_of(con, selected)
    if histories:  # definitions in force (reliability.analysis.segments)
        return segments.compute(
            selected, period_for, histories, slos.datasources(con),
            lambda items, pf: _rows(con, items, pf, no_data, maintenance, min_coverage, now, aggregates, prefetched),
            no_data, min_coverage,
        )
    return _rows(con, selected, period_for, no_data, maintenance, min_coverage, now, aggregates, prefetched)


def _rows(
    con: duckdb.DuckDBPyConnection,
    selected: Sequence[SLO],
    period_for,
    no_data: str,
    maintenance: Sequence | None,
    min_coverage: float,
    now: datetime | None,
    aggregates=None,
    prefetched: Mapping | None = None,
) -> list[SlaRow]:
    """The rows of ``selected``, each over ``period_for(slo)``, objective by objective."""
    if not selected:
        return []
    if aggregates is None:
        period_of, found = objective_aggregates(con, selected, period_for, maintenance, prefetched)
    else:
        period_of, found = aggregates(selected, period_for, maintenance)
    now = now or datetime.now(timezone.utc)
    rows = []
    for slo in selected:
        period = period_of[slo.name]
        as_of = data_as_of(slo, period, found[(slo.name, 0)][0], now)
        for idx in range(len(slo.objectives)):
            agg, ex = found[(slo.name, idx)]
            rows.append(finish(slo, idx, period, agg, no_data, ex.slices, ex.ids, min_coverage, as_of))
    return rows


EMPTY_AGGREGATES = {"slices_with_data": 0, "good_slices": 0, "sum_good": 0, "sum_total": 0, "sum_ratio": 0}


def objective_aggregates(
    con: duckdb.DuckDBPyConnection, selected: Sequence[SLO], period_for, maintenance: Sequence | None = None,
    prefetched: Mapping | None = None,
) -> tuple[dict[str, periods.Period], dict[tuple[str, int], tuple[dict, maintenance_windows.Exclusion]]]:
    """What :func:`finish` needs, per ``(slo name, objective index)``: the SQL aggregates of its
    period (``period_for(slo)``) and the maintenance exclusion; with each SLO's period. The
    monthly rollups (:mod:`reliability.analysis.rollups`) store exactly these. ``prefetched``:
    aggregates already read by :func:`reliability.analysis.instance_scan.expand`, used for the
    keys they match exactly (the others are queried as usual)."""
    params, key_of, period_of = _params(selected, period_for)
    excluded = _exclusions(con, params, maintenance)
    aggs = _prefetched(params, key_of, selected, excluded, prefetched) if prefetched else {}
    ratio = [k for k in params["keys"] if params["kinds"][k] == "ratio" and k not in excluded and k not in aggs]
    if ratio:
        aggs |= _aggregates(con, "sla.ratio_aggregates", _subset(params, ratio, _RATIO_LISTS))
    general = [
        k for k in params["keys"]
        if params["kinds"][k] != "ratio" or aggs.get(k, {}).get("misaligned") or k in excluded
    ]
    if general:
        bound = maintenance_windows.bound_lists(excluded, set(general))
        aggs |= _aggregates(con, "sla.series_aggregates_bucketed", _subset(params, general) | bound)
    none = maintenance_windows.Exclusion()
    return period_of, {
        (name, idx): (aggs.get(key, EMPTY_AGGREGATES), excluded.get(key, none)) for (name, idx), key in key_of.items()
    }


def _prefetched(params: dict, key_of: dict, selected: Sequence[SLO], excluded: dict, prefetched: Mapping) -> dict:
    """The aggregates of ``prefetched`` for the ratio keys they match exactly (series, period,
    slice length, time slice target) and that lose no slice to maintenance, when they carry
    the ratio sum or no RatioTimeslices objective reads the key. (Keys with misaligned rows
    still take the general path, as from sla.ratio_aggregates.)"""
    reads_ratio = {
        key_of[(slo.name, idx)] for slo in selected if slo.budgeting_method == "RatioTimeslices"
        for idx in range(len(slo.objectives))
    }
    out = {}
    for k in params["keys"]:
        if params["kinds"][k] != "ratio" or k in excluded:
            continue
        hit = prefetched.get((params["services"][k], params["slis"][k], params["start_us"][k], params["end_us"][k],
                              params["window_us"][k], params["tst"][k]))
        if hit is not None and (hit[1] or k not in reads_ratio):
            out[k] = hit[0]
    return out


def expand_instances(con: duckdb.DuckDBPyConnection, selected: Sequence[SLO], period_for) -> list[SLO]:
    """``selected`` with each definition with grouping labels replaced by its instances that
    have rows in its period (:mod:`reliability.analysis.instances`; nothing to do, and no
    query, for SLOs without grouping)."""
    grouped = [s for s in selected if s.group_by and not s.instance]
    if not grouped:
        return list(selected)
    from reliability.analysis import instances

    spans = [period_for(s) for s in grouped]
    return instances.expand(con, selected, min(p.start for p in spans), max(p.end for p in spans))


def data_end(slo: SLO, period: periods.Period, agg: dict) -> datetime:
    """The end of the period's newest slice with a row (its start when it has none): how far the
    SLO's data reach into the period. (Rows in maintenance slices are not seen; a period whose
    last slices are all maintenance therefore reads as partial.)"""
    last = agg.get("last_slice")
    if last is None:
        return period.start
    window = slo.time_slice_window_seconds or DEFAULT_SLICE_SECONDS
    return period.start + timedelta(seconds=(int(last) + 1) * window)


def data_as_of(slo: SLO, period: periods.Period, agg: dict, now: datetime) -> datetime:
    """Up to when the period has data as of ``now``: the earliest of the period's end, ``now``
    and :func:`data_end`. The period is partial when this is before its end (docs/sla.md
    "Partial periods"); ``budget`` applies the same rule (its ``data_until``)."""
    return min(period.end, now, data_end(slo, period, agg))


def _exclusions(con: duckdb.DuckDBPyConnection, params: dict, extra: Sequence | None) -> dict:
    """The slices each key loses to maintenance (stored windows overlapping the scan, plus
    ``extra``); an empty dict, and no further cost, when there are none."""
    from reliability.ingest.maintenance import stored

    windows = stored(con, params["min_start"], params["max_end"]) + list(extra or ())
    return maintenance_windows.exclusions(params, windows) if windows else {}
