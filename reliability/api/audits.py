"""Audits from Python: the error-budget policy, the breach process, SLI and alert truth, and
backtests. Methods of :class:`reliability.Database` (docs/audits.md defines every field)."""

from __future__ import annotations

import pandas as pd

from reliability.api import args
from reliability.api.frames import Table

_POLICY_TABLES = {
    "violations": Table(("violations",), columns=("rule", "subject", "service", "at", "slo", "detail")),
    "deployments": Table(("release_freeze", "judged"), drop=("slos",),
                         columns=("id", "service", "deployed_at", "verdict")),
    "deployment_slos": Table(("release_freeze", "judged", "*", "slos"), carry=("id",)),
    "freezes": Table(("release_freeze", "freezes"), columns=("slo", "service", "start", "end")),
    "exemptions": Table(("release_freeze", "exemptions")),
    "incidents_over_budget": Table(("incident_budget", "over"), columns=("id", "service", "budget_spent", "status")),
    "postmortems": Table(("postmortems", "by_severity", "{severity}")),
}
_POLICY_FILE_TABLES = {"exemptions": Table(("exemptions",), columns=("id", "kind", "reason"))}
_BREACH_TABLES = {
    "breaches": Table(("breaches",), drop=("steps", "incidents"),
                      columns=("slo", "month", "attainment", "complete", "missing")),
    "steps": Table(("breaches", "*", "steps", "{step}"), carry=("slo", "month"),
                   columns=("slo", "month", "step", "status", "evidence")),
    "insufficient_data": Table(("insufficient_data",), columns=("slo", "month", "data_coverage")),
    "contractual": Table(("contractual", "breaches"), drop=("steps", "incidents", "slos", "tiers"),
                         columns=("contract", "customer", "month", "slo", "attainment", "complete", "missing")),
    "contractual_steps": Table(("contractual", "breaches", "*", "steps", "{step}"), carry=("contract", "month"),
                               columns=("contract", "month", "step", "status", "evidence")),
}
_SLI_TABLES = {
    "slos": Table(("slos",), drop=("blind_spots", "silent_burns", "detected_by_other_means", "paged_incidents")),
    "blind_spots": Table(("slos", "*", "blind_spots"), carry=("slo",), columns=("slo", "id", "burn_rate")),
    "silent_burns": Table(("slos", "*", "silent_burns"), carry=("slo",), columns=("slo", "severity", "start", "end")),
    "detected_by_other_means": Table(("slos", "*", "detected_by_other_means"), carry=("slo",),
                                     columns=("slo", "id", "detection_delay_minutes")),
    "paged_incidents": Table(("slos", "*", "paged_incidents"), carry=("slo",),
                             columns=("slo", "id", "page_delay_minutes")),
}
_BACKTEST_TABLES = {
    "variants": Table(("variants",), drop=("months", "episodes", "alert_windows")),
    "months": Table(("variants", "*", "months"), carry=("name",), columns=("name", "month", "status")),
    "episodes": Table(("variants", "*", "episodes"), carry=("name",), columns=("name", "severity", "start", "end")),
    "alert_windows": Table(("variants", "*", "alert_windows"), carry=("name",)),
}


def _scope(month, months, tz):
    from reliability.audits import scope

    if (month is None) == (months is None):
        raise args.ArgumentError("give exactly one of month or months", "month")
    if month is not None:
        args.month(month)
        return scope.scope(month, None, None, tz)
    first, last = args.month_range(months)
    return scope.scope(None, first, last, tz)


def _as_of(as_of):
    from datetime import UTC, datetime

    return args.instant(as_of, "as_of") if as_of is not None else datetime.now(UTC)


class Audits:
    """The audit methods of :class:`reliability.Database`."""

    @args.checked
    def policy(self, file=None, *, table: str | None = None) -> pd.DataFrame | dict:
        """The error-budget policy in force: ``reliability policy show --json`` — the stored one,
        else the built-in default; ``file``: that policy file's instead. A dict by default;
        ``table="exemptions"``: its exemptions as a frame.

        Example:

        >>> p = db.policy()
        >>> p["name"], p["release_freeze"]["trailing_window"], p["incident_budget"]["max_share"]
        ('shop-error-budget-policy', '28d', 0.2)
        >>> db.policy(table="exemptions")[["id", "kind", "incident"]]
                       id               kind  incident
        0  EXM-2026-02-DB  dependency-outage  INC-0064
        """
        from reliability.audits import policies, policy_file

        if file is not None:
            found = policy_file.load_file(args.paths(file, "file")[0])[0]
        else:
            with self._connect() as con:
                found = policies.in_force(con)
        return self._out(found.as_json(), _POLICY_FILE_TABLES, table)

    @args.checked
    def audit_policy(self, month: str | None = None, *, months=None, tz: str = "UTC", service: str | None = None,
                     policy=None, as_of=None, table: str | None = "violations") -> pd.DataFrame | dict:
        """Violations of the error-budget policy: ``reliability audit policy --json``.

        ``month="YYYY-MM"`` or ``months=(first, last)``, calendar months in ``tz``; ``policy``:
        a policy file (default: the stored policy, else the built-in one); ``as_of``: when
        missing post-mortems are judged (default now). Tables: ``"violations"`` (default:
        ``rule``, ``subject``, ``service``, ``at``, ``slo``, ``detail``, ``evidence.*``),
        ``"deployments"`` (every deployment of the range and its ``verdict``),
        ``"deployment_slos"`` (the trailing budget of each gating SLO at each deployment),
        ``"freezes"``, ``"exemptions"``, ``"incidents_over_budget"``, ``"postmortems"``.

        Example:

        >>> v = db.audit_policy(month="2026-02", as_of="2026-11-01T00:00:00Z")
        >>> v.groupby("rule").size().to_dict()
        {'incident_budget': 4, 'release_freeze': 2}
        >>> v.loc[v.rule == "release_freeze", ["subject", "slo", "evidence.trailing_budget_remaining"]]
            subject                   slo  evidence.trailing_budget_remaining
        4  DEP-0609  catalog-availability                           -0.056185
        5  DEP-0612  catalog-availability                           -0.055712
        >>> db.audit_policy(month="2026-02", table="exemptions")[["id", "lifted_deployments"]]
                       id lifted_deployments
        0  EXM-2026-02-DB         [DEP-0593]
        """
        from reliability.audits import policies
        from reliability.audits import policy as analysis

        sc = _scope(month, months, tz)
        args.name(service, "service")
        path = None if policy is None else args.paths(policy, "policy")[0]
        when = _as_of(as_of)
        with self._connect() as con:
            doc = analysis.audit(con, policies.in_force(con, path), sc, when, service)
        return self._out(doc, _POLICY_TABLES, table)

    @args.checked
    def audit_breaches(self, month: str | None = None, *, months=None, slo: str | None = None, tiers=None,
                       sla_target=None, min_coverage: float = 0.9, as_of=None,
                       table: str | None = "steps") -> pd.DataFrame | dict:
        """The breach process per breached SLO-month: ``reliability audit breaches --json``.

        ``tiers``: ``{99.9: 10, 99: 25}`` (below percent: credit percent), as ``credits``;
        ``sla_target``: the SLA the tiers describe, in percent. Tables: ``"steps"`` (default:
        ``slo``, ``month``, ``step``, ``status`` done/missing/not_applicable, ``evidence``),
        ``"breaches"`` (``complete``, ``missing``), ``"insufficient_data"``, and the contractual
        breaches (customer contracts): ``"contractual"`` and ``"contractual_steps"``.

        Example:

        >>> steps = db.audit_breaches(months=("2025-10", "2026-10"), as_of="2026-11-01T00:00:00Z")
        >>> steps.pivot(index=["slo", "month"], columns="step", values="status")[["incident_declared", "postmortem"]]
        step                                      incident_declared postmortem
        slo                               month
        api-gateway-customer-availability 2026-07           missing    missing
        catalog-availability              2026-02              done    missing
        search-availability               2026-03              done       done
        """
        from reliability.analysis import credits
        from reliability.analysis.sla import check_min_coverage
        from reliability.audits import breaches

        sc = _scope(month, months, "UTC")
        args.name(slo, "slo")
        check_min_coverage(min_coverage, "--min-coverage")
        parsed = credits.DEFAULT_TIERS if tiers is None else tuple(
            credits.parse_tier(f"{b}={c}", "--tier") for b, c in dict(tiers).items())
        minimum = credits.sla_target(parsed, None if sla_target is None else credits.parse_sla_target(str(sla_target)))
        when = _as_of(as_of)
        with self._connect() as con:
            if slo is not None:
                self._selected(con, slo)
            doc = breaches.audit(con, sc, when, slo, parsed, minimum, min_coverage)
        return self._out(doc, _BREACH_TABLES, table)

    @args.checked
    def audit_sli(self, month: str | None = None, *, months=None, tz: str = "UTC", slo: str | None = None,
                  blind_burn_rate: float = 1.0, table: str | None = "slos") -> pd.DataFrame | dict:
        """Blind spots, silent burns and alert quality per SLO: ``reliability audit sli --json``.

        Tables: ``"slos"`` (default: ``incidents``, ``alerts.page.precision``,
        ``alerts.page.recall``, ``page_delay_minutes.median``, ``detection_delay_minutes.*``...),
        ``"blind_spots"``, ``"silent_burns"``, ``"detected_by_other_means"``,
        ``"paged_incidents"``.

        Example:

        >>> s = db.audit_sli(month="2026-03").set_index("slo")
        >>> s.loc["search-availability", ["incidents", "alerts.page.precision", "alerts.page.recall"]].tolist()
        [3.0, 1.0, 0.3333333333333333]
        >>> db.audit_sli(month="2026-03", slo="search-availability", blind_burn_rate=0, table="blind_spots")[
        ...     ["id", "burn_rate"]]
                 id  burn_rate
        0  INC-0078        0.0
        1  INC-0082        0.0
        >>> db.audit_sli(month="2026-09", table="silent_burns")[["slo", "severity", "start"]]
                                  slo severity                     start
        0  notifications-availability     page 2026-09-08 03:26:00+00:00
        """
        from reliability.audits import sli as analysis
        from reliability.errors import BadInput

        sc = _scope(month, months, tz)
        args.name(slo, "slo")
        if not isinstance(blind_burn_rate, (int, float)) or not blind_burn_rate >= 0:
            raise BadInput(f"expected a burn rate of 0 or more, got {blind_burn_rate!r}", field="--blind-burn-rate")
        with self._connect() as con:
            if slo is not None:
                self._selected(con, slo)
            doc = analysis.audit(con, sc, slo, float(blind_burn_rate))
        return self._out(doc, _SLI_TABLES, table)

    @args.checked
    def backtest(self, slo: str, month: str | None = None, *, months=None, tz: str = "UTC", target=None,
                 windows=(), incident: str | None = None, min_coverage: float = 0.9,
                 table: str | None = "variants") -> pd.DataFrame | dict:
        """Another target or other alert windows scored on the same history:
        ``reliability backtest --json``.

        ``target``: in percent (``99.5``); ``windows``: ``["page:1h/5m:10", ...]`` replacing the
        whole alert-window set. Tables: ``"variants"`` (default: ``name`` current/backtest,
        ``pages``, ``tickets``, ``incidents_missed``, ``median_page_delay_minutes``,
        ``months_met``...), ``"months"`` (each month's ``status`` per variant), ``"episodes"``,
        ``"alert_windows"``.

        Example:

        >>> v = db.backtest("search-availability", months=("2025-10", "2026-10"), target=99.5)
        >>> v[["name", "target", "pages", "incidents_missed", "months_met", "months_breached"]]
               name  target  pages  incidents_missed  months_met  months_breached
        0   current   0.999      4                18          12                1
        1  backtest   0.995      4                18          13                0
        """
        from reliability.analysis.sla import check_min_coverage
        from reliability.audits import backtest as analysis

        args.name(slo, "slo", required=True)
        args.name(incident, "incident")
        sc = _scope(month, months, tz)
        check_min_coverage(min_coverage, "--min-coverage")
        goal = None if target is None else analysis.parse_target(str(target))
        parsed = [analysis.parse_window(w) for w in args.strings(windows, "windows")] or None
        with self._connect() as con:
            doc = analysis.backtest(con, slo, sc, goal, parsed, incident, min_coverage)
        return self._out(doc, _BACKTEST_TABLES, table)
