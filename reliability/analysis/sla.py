"""SLA compliance over calendar months, per CONTRACT.md ("Results out", ``sla``).

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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import duckdb

from reliability import periods, slos, store
from reliability.errors import BadInput
from reliability.openslo import SLO

NO_DATA_POLICIES = ("good", "bad", "exclude")
DEFAULT_SLICE_SECONDS = 60


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

    def as_json(self) -> dict:
        return asdict(self)


def _exact(value: float | int) -> Fraction:
    return Fraction(value)


def _target(value: float) -> Fraction:
    # The target was written as a decimal (0.999 or 99.9%): use that decimal, not its
    # binary approximation, so that 1 - target is exactly 0.001.
    return Fraction(Decimal(repr(value)))


def _f(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def finish(
    slo: SLO,
    idx: int,
    period: periods.Period,
    agg: dict,
    no_data: str = "good",
) -> SlaRow:
    """Turn the SQL aggregates of one objective into the contract's numbers, exactly."""
    objective = slo.objectives[idx]
    window = slo.time_slice_window_seconds or DEFAULT_SLICE_SECONDS
    n = period.seconds // window + (1 if period.seconds % window else 0)
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
    return SlaRow(
        slo=slo.name,
        service=slo.service,
        sli=slo.sli,
        budgeting_method=method,
        target=objective.target,
        period_start=period.start,
        period_end=period.end,
        attainment=_f(attainment),
        breached=attainment is not None and attainment < target,
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
    )


def _params(selected: Sequence[SLO], month: str):
    import pyarrow as pa

    series_keys: dict[tuple, int] = {}
    series_rows, objective_rows, period_of = [], [], {}
    for slo in selected:
        period = periods.month(month, slo.window.time_zone if not slo.window.is_rolling else "UTC")
        period_of[slo.name] = period
        window = slo.time_slice_window_seconds or DEFAULT_SLICE_SECONDS
        key_tuple = (slo.service, slo.sli, period.start, period.end, window)
        key = series_keys.setdefault(key_tuple, len(series_keys))
        if key == len(series_rows):
            series_rows.append(
                {
                    "key": key,
                    "service": slo.service,
                    "sli": slo.sli,
                    "period_start": period.start,
                    "period_end": period.end,
                    "start_us": int(period.start.timestamp()) * 1_000_000,
                    "window_us": window * 1_000_000,
                }
            )
        for idx, obj in enumerate(slo.objectives):
            objective_rows.append(
                {
                    "key": key,
                    "slo": slo.name,
                    "idx": idx,
                    "sli_kind": slo.indicator.kind,
                    "time_slice_target": obj.time_slice_target if obj.time_slice_target is not None else 2.0,
                    "op": obj.op,
                    "threshold": obj.value,
                }
            )
    series_schema = pa.schema(
        [
            ("key", pa.int64()),
            ("service", pa.string()),
            ("sli", pa.string()),
            ("period_start", pa.timestamp("us", tz="UTC")),
            ("period_end", pa.timestamp("us", tz="UTC")),
            ("start_us", pa.int64()),
            ("window_us", pa.int64()),
        ]
    )
    objective_schema = pa.schema(
        [
            ("key", pa.int64()),
            ("slo", pa.string()),
            ("idx", pa.int64()),
            ("sli_kind", pa.string()),
            ("time_slice_target", pa.float64()),
            ("op", pa.string()),
            ("threshold", pa.float64()),
        ]
    )
    return (
        pa.Table.from_pylist(series_rows, schema=series_schema),
        pa.Table.from_pylist(objective_rows, schema=objective_schema),
        period_of,
    )


def compute(
    con: duckdb.DuckDBPyConnection,
    month: str,
    slo_name: str | None = None,
    no_data: str = "good",
) -> list[SlaRow]:
    """SLA rows for every stored SLO (or the one named) over calendar month ``YYYY-MM``,
    each in its SLO's time zone."""
    if no_data not in NO_DATA_POLICIES:
        raise BadInput(f"expected one of {', '.join(NO_DATA_POLICIES)}, got {no_data!r}", field="--no-data")
    periods.parse_month(month)
    selected = slos.load(con, slo_name)
    if slo_name is not None and not selected:
        raise BadInput(f"no SLO named {slo_name!r} (see `reliability slo list`)", field="--slo")
    if not selected:
        return []
    series, objectives, period_of = _params(selected, month)
    con.register("sla_series", series)
    con.register("sla_objectives", objectives)
    try:
        cur = con.execute(store.query("sla.objective_aggregates"))
        names = [d[0] for d in cur.description]
        aggs = {(r[0], r[1]): dict(zip(names, r)) for r in cur.fetchall()}
    finally:
        con.unregister("sla_series")
        con.unregister("sla_objectives")
    rows = []
    for slo in selected:
        for idx in range(len(slo.objectives)):
            rows.append(finish(slo, idx, period_of[slo.name], aggs[(slo.name, idx)], no_data))
    return rows
