"""SLO arithmetic from Python: SLA compliance, error budgets, burn rates and alerts, worst
windows, service credits, latency percentiles. Methods of :class:`reliability.Database`."""

from __future__ import annotations

import pandas as pd

from reliability.api import args
from reliability.api.frames import Table

_SLA_TABLES = {"slos": Table(("slos",)), "groups": Table(("groups",)), "all": Table(("all",)),
               "composites": Table(("composites",))}
_SLA_HISTORY_TABLES = {"slos": Table(("months", "*", "slos"), carry=("month",)),
                       "groups": Table(("months", "*", "groups"), carry=("month",)),
                       "all": Table(("months", "*", "all"), carry=("month",))}
_BUDGET_TABLES = {
    "slos": Table(("slos",), drop=("points", "forecast")),
    "points": Table(("slos", "*", "points"), carry=("slo",), columns=("slo", "at", "bad", "allowed_bad", "remaining")),
    "forecast": Table(("slos", "*", "forecast"), carry=("slo",)),
    "groups": Table(("groups",)),
    "all": Table(("all",)),
}
_BURN_TABLES = {
    "slos": Table(("slos",), drop=("alert_windows", "episodes", "incidents")),
    "episodes": Table(("slos", "*", "episodes"), carry=("slo",),
                      columns=("slo", "severity", "start", "end", "duration_minutes", "peak_burn_rate", "windows")),
    "incidents": Table(("slos", "*", "incidents"), carry=("slo",)),
    "alert_windows": Table(("slos", "*", "alert_windows"), carry=("slo",)),
}
_WORST_TABLES = {
    "windows": Table(("slos", "*", "windows"), carry=("slo",),
                     columns=("slo", "start", "end", "bad", "bad_minutes", "failed_events", "burn_rate")),
    "slos": Table(("slos",), drop=("windows",)),
}
_CREDIT_TABLES = {"slos": Table(("slos",)), "tiers": Table(("tiers",))}
_LATENCY_TABLES = {"slices": Table(("slices",), columns=("ts", "count")), "period": Table(("period",)),
                   "buckets": Table(("buckets",), columns=("le", "count"))}


class SloMath:
    """The SLO-arithmetic methods of :class:`reliability.Database`."""

    @args.checked
    def sla(self, month: str | None = None, *, slo: str | None = None, months=None, quarter: str | None = None,
            year: str | None = None, at=None, window=None, no_data: str = "good", maintenance=(),
            min_coverage: float = 0.9, group_by: str | None = None, labels=None,
            table: str | None = "slos", instance=None) -> pd.DataFrame | dict:
        """SLA compliance per SLO (and objective): ``reliability sla --json``.

        Give exactly one period: ``month="YYYY-MM"``; ``months=("YYYY-MM", "YYYY-MM")`` (one
        block of rows per month, in a ``month`` column); ``quarter="YYYY-Qn"``;
        ``year="YYYY"``; or ``at=TIME`` with ``window="28d"`` (the rolling window ending at
        ``at``; without ``window`` each SLO's own). Calendar periods are in each SLO's time
        zone. ``slo``: only this SLO; ``instance``: one instance of a per-instance SLO
        (``{"customer": "acme"}``; or give ``slo='name{customer="acme"}'``), whose rows carry
        ``instance.<label>`` columns. Composite SLOs are in ``table="composites"``. ``no_data``: ``"good"`` (default), ``"bad"`` or
        ``"exclude"`` — how slices with no row or ``total = 0`` count. ``maintenance``: paths
        of maintenance-window files (CSV/JSON) left out of the period, besides stored ones.
        ``min_coverage``: below this share of slices with data an SLO's ``status`` is
        ``insufficient_data`` (no verdict), else ``breached`` or ``met``. ``labels``: only SLOs
        with these labels (``{"team": "payments"}``, ``{"tier": ["1", "2"]}`` or
        ``"team=payments"``); ``group_by``: roll up by this label (``sla --group-by``): table
        ``"groups"`` (one row per value: ``met``, ``measured``, ``compliance``,
        ``by_method.Occurrences.attainment``...) and ``"all"`` (the whole selection). A period
        split at a definition change has ``combined`` and ``segments`` (docs/sla.md).

        Columns: ``slo``, ``service``, ``sli``, ``objective``, ``budgeting_method``,
        ``target`` and ``attainment`` (ratios), ``period_start``/``period_end`` (UTC),
        ``breached``, ``bad`` and ``allowed_bad`` (events for Occurrences, slices for
        Timeslices: minutes with 1-minute slices), ``error_budget_remaining`` (``1 − bad /
        allowed_bad``, negative when overspent), ``no_data`` (slices), and the maintenance
        fields (see ``docs/sla.md``).

        Example:

        >>> db.sla(month="2026-03", slo="search-availability")[["attainment", "bad", "allowed_bad", "breached"]]
           attainment   bad  allowed_bad  breached
        0    0.997917  93.0        44.64      True
        >>> db.sla(months=("2026-02", "2026-03"), slo="search-availability")[["month", "bad"]]
             month   bad
        0  2026-02   0.0
        1  2026-03  93.0
        """
        from reliability.api import rows as api

        given = [n for n, v in (("month", month), ("months", months), ("quarter", quarter), ("year", year),
                                ("at", at)) if v is not None]
        if len(given) != 1:
            raise args.ArgumentError("give exactly one of month, months, quarter, year or at", "month")
        slo = args.address(slo, instance)
        args.choice(no_data, "no_data", ("good", "bad", "exclude"))
        if window is not None and at is None:
            raise args.ArgumentError("window needs at", "window")
        cover = {"min_coverage": _coverage(min_coverage)}
        from reliability.api.fleet_views import group_key, label_pairs

        group_by, wanted = group_key(group_by), label_pairs(labels)
        grouping = bool(group_by or wanted)
        head = {"label_filter": api.label_filter_document(wanted)} if wanted else {}

        def period_doc(rows) -> dict:
            return api.sla_document(rows, group_by, wanted, grouping)

        if table in ("groups", "all") and not grouping:
            raise args.ArgumentError(f"table {table!r} needs group_by or labels", "table")
        extra = None
        files = args.paths(maintenance, "maintenance")
        if files:
            from reliability.ingest.maintenance import read_windows

            extra = [w for _, items in read_windows(list(files)) for w in items]
        if month is not None:
            args.month(month)
            with self._connect() as con:
                found = api.sla_month(con, month, slo, no_data, maintenance=extra, **cover)
            doc = {"month": month, "no_data_policy": no_data, **cover, **head, **period_doc(found.rows),
                   "unusable_series": found.unusable}
            if found.composites:
                doc["composites"] = found.composites
            return self._out(doc, _SLA_TABLES, table)
        if months is not None:
            first, last = args.month_range(months)
            with self._connect() as con:
                found = api.sla_months(con, first, last, slo, no_data, maintenance=extra, composites=False, **cover)
            doc = {"from": first, "to": last, "no_data_policy": no_data, **cover, **head,
                   "months": [{"month": m, **period_doc(p.rows)} for m, p in found],
                   "unusable_series": found[0][1].unusable if found else []}
            return self._out(doc, _SLA_HISTORY_TABLES, table)
        if at is not None:
            instant = args.instant(at, "at")
            text = args.calendar_window(window)
            duration = api.parse_window(text) if text else None
            with self._connect() as con:
                found = api.sla_rolling(con, instant, duration, slo, no_data, maintenance=extra, **cover)
            doc = {"at": instant, "window": text, "no_data_policy": no_data, **cover, **head,
                   **period_doc(found.rows), "unusable_series": found.unusable}
            return self._out(doc, _SLA_TABLES, table)
        kind, text = ("quarter", quarter) if quarter is not None else ("year", year)
        if not isinstance(text, str):
            raise args.ArgumentError(f"expected a string such as '2026-Q1' or '2026', got {text!r}", kind)
        with self._connect() as con:
            found = api.sla_span(con, kind, text, slo, no_data, maintenance=extra, **cover)
        doc = {kind: text, "no_data_policy": no_data, **cover, **head, **period_doc(found.rows),
               "unusable_series": found.unusable}
        return self._out(doc, _SLA_TABLES, table)

    @args.checked
    def budget(self, month: str, *, slo: str | None = None, step=None, at=None, at_risk: float = 0.25,
               min_coverage: float = 0.9, group_by: str | None = None, labels=None,
               table: str | None = "slos", instance=None) -> pd.DataFrame | dict:
        """Error budget per SLO over a calendar month: ``reliability budget --json``.

        ``at``: as of this time (default the month's end, or now for the current month).
        ``step``: burn-down points every ``step`` (``"1h"``; default daily at local midnight).
        ``at_risk``: budget remaining (ratio) below which the status is ``at_risk``.

        Tables: ``"slos"`` (default; one row per SLO: ``bad``, ``allowed_bad``,
        ``error_budget_remaining`` ratio, ``status`` healthy/at_risk/exhausted,
        ``exhausted_at``), ``"points"`` (the burn-down: ``slo``, ``at``, ``bad``,
        ``allowed_bad``, ``remaining``), ``"forecast"`` (per SLO, when the budget runs out at
        the burn rate of the last 1 and 7 days). ``labels``/``group_by`` as for :meth:`sla`:
        tables ``"groups"`` and ``"all"`` (SLOs per policy status, budget left per budgeting
        method). The burn-down uses the definition in force at ``at`` (else the month's end).

        Example:

        >>> db.budget(month="2026-03", slo="search-availability")[["slo", "status", "exhausted_at"]]
                           slo     status              exhausted_at
        0  search-availability  exhausted 2026-03-17 15:49:00+00:00
        >>> db.budget(month="2026-03", slo="search-availability", table="points").tail(2)[["at", "remaining"]]
                                  at  remaining
        30 2026-03-31 00:00:00+00:00  -1.083333
        31 2026-04-01 00:00:00+00:00  -1.083333
        """
        args.month(month)
        slo = args.address(slo, instance)
        step_seconds = args.duration(step, "step")[0] if step is not None else None
        instant = args.optional_instant(at, "at")
        if not isinstance(at_risk, (int, float)) or not 0 <= at_risk <= 1:
            raise args.ArgumentError(f"expected a ratio between 0 and 1, got {at_risk!r}", "at_risk")
        coverage = _coverage(min_coverage)
        from reliability.analysis import views
        from reliability.api.fleet_views import group_key, label_pairs

        group_by, wanted = group_key(group_by), label_pairs(labels)
        with self._connect() as con:
            selected = self._selected(con, slo, month)
            doc = views.budget_document(con, month, selected, instant, step_seconds, at_risk, coverage,
                                        step_text=str(step), group_by=group_by, wanted=wanted)
        return self._out(doc, _BUDGET_TABLES, table)

    @args.checked
    def burn(self, start, end, *, slo: str | None = None, windows=(), table: str | None = "slos",
             instance=None) -> pd.DataFrame | dict:
        """Burn rates over ``[start, end)`` and the replay of the multi-window, multi-burn-rate
        alerts: ``reliability burn --json`` (``slo=None``: every SLO, as ``burn --all``).

        ``windows``: also the burn rate over these windows ending at ``end`` (``["1h", "6h"]``),
        in columns ``burn_rates_at_end.1h``... A burn rate of 1 spends exactly the budget
        over the SLO's period.

        Tables: ``"slos"`` (default; ``burn_rate`` per SLO), ``"episodes"`` (the alerts that
        would have fired: ``slo``, ``severity`` page/ticket, ``start``, ``end`` (NaT: still
        firing), ``duration_minutes``, ``peak_burn_rate``, ``windows``), ``"incidents"``
        (per incident of the SLO's service: ``paged``, ``page_delay_minutes``...),
        ``"alert_windows"`` (the four windows and their factors).

        Example:

        >>> db.burn("2026-03-17", "2026-03-18", slo="search-availability", table="episodes")[
        ...     ["severity", "start", "duration_minutes"]]
          severity                     start  duration_minutes
        0     page 2026-03-17 15:05:00+00:00             122.0
        1   ticket 2026-03-17 15:09:00+00:00             448.0
        """
        from reliability import slos
        from reliability.analysis import burn as analysis

        t0, t1 = args.instant(start, "start"), args.instant(end, "end")
        if t1 <= t0:
            raise args.ArgumentError(f"end {t1:%Y-%m-%dT%H:%M:%SZ} is not after start", "end")
        slo = args.address(slo, instance)
        extra = [args.duration(w, "windows")[0] for w in ([windows] if isinstance(windows, str) else windows)]
        with self._connect() as con:
            if slo is None:
                from reliability import periods
                from reliability.analysis.sla import expand_instances

                span = periods.Period("burn", "UTC", t0, t1)
                results = analysis.analyse_many(con, expand_instances(con, slos.load(con), lambda s: span), t0, t1,
                                                extra)
                doc = {"from": t0, "to": t1, "slos": results}
                return self._out(doc, _BURN_TABLES, table)
            result = analysis.analyse(con, self._selected(con, slo)[0], t0, t1, extra)
        return self._out(result, _BURN_TABLES, table, rows_of={"slos": [result]})

    @args.checked
    def worst(self, month: str, *, slo: str | None = None, window="1h", top: int = 5,
              table: str | None = "windows", instance=None) -> pd.DataFrame | dict:
        """The ``top`` worst non-overlapping windows of length ``window`` per SLO in a calendar
        month (where the budget went): ``reliability worst --json``.

        Tables: ``"windows"`` (default; ``slo``, ``start``, ``end``, ``bad`` (events or
        slices), ``bad_minutes``, ``failed_events``, ``burn_rate``), ``"slos"``.

        Example:

        >>> db.worst(month="2026-03", slo="search-availability", window="30m", top=2)[
        ...     ["start", "bad_minutes", "burn_rate"]]
                              start  bad_minutes  burn_rate
        0 2026-03-17 15:04:00+00:00         30.0     1000.0
        1 2026-03-17 15:34:00+00:00         30.0     1000.0
        """
        from reliability.analysis import worst as analysis
        from reliability.analysis.timeline import slice_seconds

        args.month(month)
        slo = args.address(slo, instance)
        seconds, text = args.duration(window, "window")
        if not isinstance(top, int) or not 1 <= top <= 1000:
            raise args.ArgumentError(f"expected a whole number from 1 to 1000, got {top!r}", "top")
        with self._connect() as con:
            selected = self._selected(con, slo, month)
            for s in selected:
                if seconds % slice_seconds(s):
                    raise args.ArgumentError(f"{text} is not a multiple of {s.name}'s slices", "window")
            if len(selected) == 1:
                results = [analysis.compute(con, selected[0], month, seconds, top)]
            else:
                results = analysis.compute_many(con, selected, month, seconds, top)
        doc = {"month": month, "window": text, "top": top, "slos": results}
        return self._out(doc, _WORST_TABLES, table)

    @args.checked
    def credits(self, month: str, *, slo: str | None = None, tiers=None, sla_target=None, min_coverage: float = 0.9,
                table: str | None = "slos", instance=None) -> pd.DataFrame | dict:
        """Service credits owed per SLO for a calendar month: ``reliability credits --json``.

        ``tiers``: ``{99.9: 10, 99: 25, 95: 100}`` (attainment below that percent earns that
        credit percent of the monthly fee; the lowest tier below wins) or the command
        line's ``["99.9=10", ...]``; default Azure's VM tiers. ``sla_target``: the lowest
        target (percent) of an SLO the tiers cover (default the highest tier's bound); a
        month with insufficient data (``min_coverage``) owes an unknown credit (NaN), never 0. Columns: ``credit_percent``,
        ``tier_below``, ``attainment``, ``target``... Tables: ``"slos"``, ``"tiers"``.

        Example:

        >>> db.credits(month="2026-03", slo="search-availability")[["slo", "attainment", "credit_percent"]]
                           slo  attainment  credit_percent
        0  search-availability    0.997917            10.0
        """
        from reliability.analysis import credits as analysis

        args.month(month)
        slo = args.address(slo, instance)
        if isinstance(tiers, dict):
            tiers = [f"{below}={credit}" for below, credit in tiers.items()]
        texts = args.strings(tiers, "tiers")
        parsed = tuple(analysis.parse_tier(t) for t in texts) or analysis.DEFAULT_TIERS
        coverage = _coverage(min_coverage)
        minimum = analysis.sla_target(parsed, analysis.parse_sla_target(str(sla_target)) if sla_target is not None else None)
        with self._connect() as con:
            rows = analysis.compute(con, month, slo, parsed, min_coverage=coverage, minimum=minimum)
        doc = {"month": month, "tiers": [t.as_json() for t in parsed], "sla_target": float(minimum),
               "min_coverage": coverage, "slos": rows}
        return self._out(doc, _CREDIT_TABLES, table)

    @args.checked
    def latency(self, month: str, *, slo: str | None = None, service: str | None = None, sli: str | None = None,
                tz: str = "UTC", quantiles=(0.5, 0.95, 0.99), scale: float = 1.0,
                table: str | None = "slices") -> pd.DataFrame | dict:
        """Latency percentiles from histogram buckets (Prometheus' ``histogram_quantile``):
        ``reliability latency --json``, without writing anything.

        The series: ``slo`` (its service, its SLI unless ``sli`` is given, its time zone), or
        ``service`` and ``sli`` with the month in ``tz``. ``quantiles`` in [0, 1]; ``scale``
        multiplies values (1000: seconds to ms). Tables: ``"slices"`` (default; ``ts``,
        ``count`` and one column per quantile: ``p50``, ``p95``, ``p99``), ``"period"`` (the
        month's quantiles, buckets summed first), ``"buckets"``.

        Example (the bundled sample has no histogram series: no slices, no quantile):

        >>> db.latency(month="2026-03", slo="search-latency", table="period")
           slices  count   p50   p95   p99
        0       0    0.0  None  None  None
        """
        from reliability import periods
        from reliability.analysis import latency as analysis
        from reliability.analysis.sla import slo_zone

        args.month(month)
        qs = tuple(quantiles)
        for q in qs:
            if not isinstance(q, (int, float)) or not 0 <= q <= 1:
                raise args.ArgumentError(f"expected a quantile in [0, 1], got {q!r}", "quantiles")
        if (slo is None) == (service is None):
            raise args.ArgumentError("give slo or service (one of them)", "service")
        if not isinstance(scale, (int, float)) or scale <= 0:
            raise args.ArgumentError(f"expected a positive number, got {scale!r}", "scale")
        with self._connect() as con:
            zone = tz
            if slo is not None:
                found = self._selected(con, slo)[0]
                service, sli, zone = found.service, sli or found.sli, slo_zone(found)
            if not sli:
                raise args.ArgumentError("sli is required with service", "sli")
            period = periods.month(month, zone)
            doc = {"month": month, "time_zone": zone} | analysis.compute(
                con, service, sli, period.start, period.end, qs, scale)
        return self._out(doc, _LATENCY_TABLES, table)

    def _selected(self, con, slo: str | None, month: str | None = None) -> list:
        """Every stored SLO, or the one named (unknown name: ArgumentError); with ``month``,
        per-instance SLOs expanded into their instances with data in it."""
        from reliability import periods, slos
        from reliability.analysis.sla import expand_instances, slo_zone

        selected = slos.load(con, slo)
        if slo is not None and not selected:
            raise args.ArgumentError(f"no SLO named {slo!r} (see db.slos())", "slo")
        if month is not None:
            selected = expand_instances(con, selected, lambda s: periods.month(month, slo_zone(s)))
        return selected


def _coverage(value) -> float:
    """``min_coverage`` checked as the command line checks ``--min-coverage``."""
    from reliability.analysis.sla import check_min_coverage
    from reliability.errors import BadInput

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise args.ArgumentError(f"expected a ratio between 0 and 1, got {value!r}", "min_coverage")
    try:
        check_min_coverage(float(value))
    except BadInput as exc:  # named as the argument, not as the command line's option
        raise args.from_bad_input(exc) from None
    return float(value)
