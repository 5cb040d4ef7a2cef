"""Incident analytics from Python: time metrics, response and update targets, post-mortems,
action items, SLA impact, recurrence, change failure. Methods of :class:`reliability.Database`."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from reliability.api import args
from reliability.api.frames import Table

_SEVERITY = "{severity}"
_INCIDENT_TABLES = {"by_severity": Table(("by_severity", _SEVERITY)), "overall": Table(("overall",)),
                    "groups": Table(("groups",))}
_MTTX_TABLES = {
    "by_severity": Table(("by_severity", _SEVERITY)),
    "by_service": Table(("by_service", "{service}")),
    "by_team": Table(("by_team", "{team}")),
    "by_month": Table(("by_month", "{month}")),
    "overall": Table(("overall",)),
    "mtbf_by_service": Table(("mtbf_by_service", "{service}")),
}
_COMPLIANCE_TABLES = {
    "response": Table(("response", _SEVERITY)),
    "cadence": Table(("cadence", _SEVERITY)),
    "postmortems": Table(("postmortems", _SEVERITY)),
}
_ACTION_TABLES = {"open_items": Table(("open_items",)), "by_owner": Table(("by_owner", "{owner}"))}
_IMPACT_TABLES = {
    "slos": Table(("incidents", "*", "slos"), carry=("id", "title"), columns=("id", "title", "slo")),
    "incidents": Table(("incidents",), drop=("slos",)),
}
_RECURRENCE_TABLES = {
    "repeats": Table(("repeats",)),
    "similar_titles": Table(("similar_titles",)),
    "frequency": Table(("frequency",)),
    "frequency_by_service": Table(("frequency_by_service", "{service}")),
    "weekday_hour": Table(("weekday_hour",)),
    "related": Table(("related",), columns=("id", "reasons")),
}
_CHANGE_TABLES = {
    "correlated": Table(("correlated",)),
    "by_service": Table(("by_service", "{service}"), drop=("months",)),
    "by_month": Table(("by_service", "{service}", "months", "{month}")),
}


def _months(months) -> tuple[str | None, str | None]:
    pair = args.month_range(months)
    return pair if pair is not None else (None, None)


class IncidentAnalytics:
    """The incident-analytics methods of :class:`reliability.Database`."""

    @args.checked
    def incidents(self, month: str, *, tz: str = "UTC", service: str | None = None, ack_targets=None,
                  holidays=(), group_by: str | None = None, labels=None,
                  table: str | None = "by_severity") -> pd.DataFrame | dict:
        """Incident metrics of the incidents detected in a month (in ``tz``): ``reliability
        incidents --json``. MTTA = mean of ``acknowledged_at − detected_at``, MTTR = mean of
        ``resolved_at − detected_at``, in minutes; ``ack_target_met`` the share acknowledged
        within the severity's response target.

        ``ack_targets``: ``{"SEV-2": 10, "SEV-4": "next-business-day"}`` overrides targets
        (minutes); ``holidays``: local dates that are not business days. Tables:
        ``"by_severity"`` (default; a ``severity`` column, SEV-1 to SEV-4), ``"overall"``, and
        with ``group_by`` (a label of the incident's service, e.g. ``"team"``) ``"groups"``;
        ``labels``: only incidents of services with these labels (as for ``db.sla``).

        Example:

        >>> db.incidents(month="2026-03")[["severity", "count", "mtta_minutes", "ack_target_met"]]
          severity  count  mtta_minutes  ack_target_met
        0    SEV-1      0           NaN             NaN
        1    SEV-2      2      7.300000             1.0
        2    SEV-3      8     18.789583             1.0
        3    SEV-4      7    206.369048             1.0
        """
        from reliability import periods
        from reliability.incidents import metrics as analysis
        from reliability.incidents.targets import parse_holidays

        args.month(month)
        args.name(service, "service")
        targets = analysis.parse_targets(args.severity_minutes(ack_targets, "ack_targets"))
        days_off = parse_holidays(args.dates(holidays, "holidays"))
        periods.month(month, tz)
        from reliability.analysis import views
        from reliability.api.fleet_views import group_key, label_pairs

        group_by, wanted = group_key(group_by), label_pairs(labels)
        with self._connect() as con:
            doc = views.incidents_document(con, month, tz, service=service, targets=targets, holidays=days_off,
                                           group_by=group_by, wanted=wanted)
        return self._out(doc, _INCIDENT_TABLES, table)

    @args.checked
    def mttx(self, months=None, *, tz: str = "UTC", service: str | None = None,
             table: str | None = "by_severity") -> pd.DataFrame | dict:
        """Time to detect, acknowledge, mitigate and resolve (mean, median, p90, in minutes) of
        the incidents detected in ``months=("YYYY-MM", "YYYY-MM")`` (default: the 13 months
        ending with the latest incident): ``reliability mttx --json``.

        Columns per group: ``count``, ``customer_impact_minutes``, and for each of
        ``detect``, ``acknowledge``, ``mitigate``, ``resolve``: ``.n``, ``.missing``,
        ``.mean_minutes``, ``.median_minutes``, ``.p90_minutes``. Tables: ``"by_severity"``
        (default), ``"by_service"``, ``"by_team"``, ``"by_month"`` (the trend), ``"overall"``,
        ``"mtbf_by_service"``.

        Example:

        >>> db.mttx(months=("2026-01", "2026-03"), table="by_month")[["month", "count", "resolve.median_minutes"]]
             month  count  resolve.median_minutes
        0  2026-01     15              887.483333
        1  2026-02     11              346.583333
        2  2026-03     17              636.666667
        """
        from reliability import periods
        from reliability.incidents import timing

        start, end = _months(months)
        args.name(service, "service")
        periods.zone(tz)
        with self._connect() as con:
            doc = timing.report(con, start, end, tz, service=service)
        return self._out(doc, _MTTX_TABLES, table)

    @args.checked
    def compliance(self, month: str, *, tz: str = "UTC", service: str | None = None, ack_targets=None,
                   business_tz: str | None = None, holidays=(), cadence=None, update_kinds=(), as_of=None,
                   table: str | None = "response") -> pd.DataFrame | dict:
        """Response targets, stakeholder-update cadence and post-mortems of the incidents
        detected in a month: ``reliability compliance --json``.

        ``ack_targets``/``cadence``: per-severity overrides in minutes (``{"SEV-2": 30}``;
        cadence ``"off"`` turns one off); ``business_tz`` and ``holidays``: the business
        calendar of the next-business-day target; ``update_kinds``: timeline kinds that count
        as updates (default ``update``); ``as_of``: when missing post-mortems are judged
        (default now). Tables: ``"response"`` (default), ``"cadence"``, ``"postmortems"``,
        each with a ``severity`` column.

        Example:

        >>> db.compliance(month="2026-01", as_of="2026-11-01", table="postmortems")[
        ...     ["severity", "required", "on_time", "late", "missing"]]
          severity  required  on_time  late  missing
        0    SEV-1      True        0     1        0
        1    SEV-2     False        1     1        0
        """
        from reliability import periods
        from reliability.incidents import metrics as incidents, postmortems, targets

        args.month(month)
        args.name(service, "service")
        ack = incidents.parse_targets(args.severity_minutes(ack_targets, "ack_targets"))
        cal = targets.BusinessCalendar(business_tz or tz, targets.parse_holidays(args.dates(holidays, "holidays")))
        periods.zone(cal.zone, "--business-tz")
        cad = targets.parse_cadence(args.severity_minutes(cadence, "cadence"))
        kinds = args.strings(update_kinds, "update_kinds") or targets.DEFAULT_UPDATE_KINDS
        when = args.instant(as_of, "as_of") if as_of is not None else datetime.now(UTC)
        periods.month(month, tz)
        with self._connect() as con:
            doc = targets.monthly(con, month, tz, service=service, ack_targets=ack, calendar=cal,
                                  cadence_targets=cad, update_kinds=kinds)
            doc["as_of"] = when
            doc["postmortems"] = postmortems.monthly(con, month, tz, as_of=when, service=service)
        return self._out(doc, _COMPLIANCE_TABLES, table)

    @args.checked
    def action_items(self, *, as_of=None, service: str | None = None, owner: str | None = None,
                     table: str | None = "open_items") -> pd.DataFrame | dict:
        """Action items of incidents: ``reliability action-items --json``. Overdue = open with
        ``due`` before ``as_of`` (default now). Tables: ``"open_items"`` (default; ``incident_id``,
        ``title``, ``owner``, ``due``, ``overdue``...), ``"by_owner"`` (``total``, ``done``,
        ``open``, ``overdue``).

        Example:

        >>> items = db.action_items(as_of="2026-11-01T00:00:00Z")
        >>> int(items.overdue.sum()), items.loc[0, "incident_id"]
        (16, 'INC-0012')
        """
        from reliability.incidents import postmortems

        args.name(service, "service")
        args.name(owner, "owner")
        when = args.instant(as_of, "as_of") if as_of is not None else datetime.now(UTC)
        with self._connect() as con:
            doc = postmortems.action_items(con, when, service=service, owner=owner)
        return self._out(doc, _ACTION_TABLES, table)

    @args.checked
    def impact(self, incident: str | None = None, *, month: str | None = None, tz: str = "UTC",
               service: str | None = None, table: str | None = "slos") -> pd.DataFrame | dict:
        """What incidents cost each SLO of their service: ``reliability impact --json``. Give
        ``incident="INC-0074"`` or ``month="YYYY-MM"`` (every incident detected in it, in
        ``tz``; ``service`` narrows it). The window is ``started_at`` (else ``detected_at``) to
        ``mitigated_at`` (else ``resolved_at``), clipped to the SLO month it starts in.

        Tables: ``"slos"`` (default; one row per incident and SLO: ``id``, ``title``, ``slo``,
        ``bad_minutes``, ``failed``, ``total``, ``failed_share``, ``budget_spent`` (the
        incident's bad / the month's allowed bad)...), ``"incidents"``.

        Example:

        >>> db.impact("INC-0074")[["id", "slo", "bad_minutes", "budget_spent"]]
                 id                  slo  bad_minutes  budget_spent
        0  INC-0074  search-availability         93.0      2.083333
        1  INC-0074       search-latency         93.0      0.209206
        """
        from reliability import periods
        from reliability.analysis import impact as analysis

        if (incident is None) == (month is None):
            raise args.ArgumentError("give exactly one of incident or month", "incident")
        args.name(incident, "incident")
        args.name(service, "service")
        if month is not None:
            periods.month(args.month(month), tz)
        with self._connect() as con:
            if incident is not None:
                doc = analysis.incident_impact(con, incident)
                return self._out(doc, _IMPACT_TABLES, table, rows_of={"incidents": [doc]})
            doc = analysis.month_impacts(con, month, tz, service)
        return self._out(doc, _IMPACT_TABLES, table)

    @args.checked
    def recurrence(self, months=None, *, tz: str = "UTC", window_days: int = 90, similarity: float = 0.9,
                   incident: str | None = None, table: str | None = "repeats") -> pd.DataFrame | dict:
        """What keeps coming back: ``reliability recurrence --json``, over the incidents
        detected in ``months=("YYYY-MM", "YYYY-MM")`` (default all). A repeat is a later
        incident of the same service with the same root cause within ``window_days``;
        ``similarity`` is the Jaro-Winkler title threshold.

        Tables: ``"repeats"`` (default; ``earlier``, ``later``, ``service``, ``gap_minutes``,
        ``root_cause``), ``"similar_titles"``, ``"frequency"`` (PagerDuty's classes per
        incident), ``"frequency_by_service"``, ``"weekday_hour"``, and with ``incident`` given,
        ``"related"`` (the incidents related to it, with reasons).

        Example:

        >>> db.recurrence(incident="INC-0137", table="related")["id"].tolist()
        ['INC-0111']
        """
        from reliability.incidents import recurrence as analysis

        start, end = _months(months)
        args.name(incident, "incident")
        analysis.check_options(window_days, similarity)
        with self._connect() as con:
            doc = analysis.report(con, start, end, tz, days=window_days, threshold=similarity, incident=incident)
        return self._out(doc, _RECURRENCE_TABLES, table)

    @args.checked
    def changes(self, months=None, *, tz: str = "UTC", hours: float = 1.0,
                table: str | None = "correlated") -> pd.DataFrame | dict:
        """Which changes hurt: ``reliability changes --json``. Incidents detected within
        ``hours`` after a deployment of the same service, and the change failure rate (failed
        deployments / deployments; failed = rolled back, or followed by an incident within
        the window), over ``months=("YYYY-MM", "YYYY-MM")`` (default all).

        Tables: ``"correlated"`` (default; ``incident_id``, ``deployment_id``, ``version``,
        ``minutes_after``...), ``"by_service"`` (``deployments``, ``failed``,
        ``change_failure_rate``), ``"by_month"`` (per service and month).

        Example:

        >>> db.changes(table="by_service").loc[:1, ["service", "deployments", "change_failure_rate"]]
               service  deployments  change_failure_rate
        0  api-gateway          211             0.047393
        1         auth          201             0.034826
        """
        from reliability.incidents import changes as analysis

        start, end = _months(months)
        if isinstance(hours, bool) or not isinstance(hours, (int, float)):
            raise args.ArgumentError(f"expected a number of hours, got {hours!r}", "hours")
        with self._connect() as con:
            doc = analysis.report(con, start, end, tz, hours=hours)
        return self._out(doc, _CHANGE_TABLES, table)
