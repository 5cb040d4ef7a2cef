"""The app's incident views and the breach investigation, from Python: what the Incidents page,
the breach investigation and the overview's incident block show.

Methods of :class:`reliability.Database` (``AppIncidents``). The breach investigation comes in
two parts so that a reader changing the range inside a month recomputes only what depends on
it: :meth:`AppIncidents.investigation_month` (budget burn-down and worst windows of the SLO's
month) and :meth:`AppIncidents.investigation_range` (SLI series, deployments, alert replay and
incidents of the range); :meth:`AppIncidents.investigation` is both together.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from reliability import charts, periods
from reliability.api.app_views import frame, months_between
from reliability.units import budget_unit

CHART_PIXELS = 1200  # the width a full-width chart is drawn at on a laptop screen


def _slo(con, name: str):
    from reliability import slos

    found = slos.load(con, name)
    if not found:
        raise KeyError(name)
    return found[0]


def _reason(r: dict) -> str:
    """One reason of ``recurrence.related`` as text: its name and its other fields."""
    rest = ", ".join(
        f"{k} {', '.join(map(str, v)) if isinstance(v, list) else (f'{v:.2f}' if isinstance(v, float) else v)}"
        for k, v in r.items() if k != "reason" and v not in (None, "", [])
    )
    return f"{r['reason']} ({rest})" if rest else r["reason"]


class AppIncidents:
    """The methods of :class:`reliability.Database` behind the app's incident and breach pages."""

    def investigation(self, slo: str, month: str, start: datetime, end: datetime, bucket_minutes: int = 60) -> dict:
        """Everything the breach investigation shows for SLO ``slo`` over ``[start, end)`` inside
        calendar ``month`` (the SLO's zone): :meth:`investigation_month` and
        :meth:`investigation_range` in one dict.

        Example:

        >>> from datetime import datetime, timezone
        >>> inv = db.investigation("payments-availability", "2026-03", datetime(2026, 3, 1, tzinfo=timezone.utc),
        ...                        datetime(2026, 4, 1, tzinfo=timezone.utc))
        >>> inv["slo"], inv["budgeting_method"], len(inv["series"]) > 0
        ('payments-availability', 'Timeslices', True)
        """
        return self.investigation_month(slo, month) | self.investigation_range(slo, start, end, bucket_minutes)

    def investigation_month(self, slo: str, month: str) -> dict:
        """The parts of the breach investigation that depend on the month only: the budget
        ``burndown`` points, the ``worst`` windows (of an hour, or of one slice when slices are
        longer; ``worst_minutes``) and the month's verdict as `sla` gives it (``month``:
        ``status``, ``data_coverage``, ``partial``, ``error_budget_remaining``; None when the
        SLO has no row in the month), so a month without enough data is never read as a budget.

        Example:

        >>> part = db.investigation_month("payments-availability", "2026-03")
        >>> sorted(part), part["month"]["status"]
        (['burndown', 'month', 'worst', 'worst_minutes'], 'met')
        """
        from reliability.analysis import budget, rollups, timeline, worst

        with self._connect() as con:
            found = _slo(con, slo)
            b = budget.load(con, found, month)
            burndown = pd.DataFrame(budget.report(b)["points"])
            seconds = timeline.slice_seconds(found)  # the timeline's slice, as investigation_range's
            window = max(seconds, 3600 // seconds * seconds)
            worst_windows = worst.compute(con, found, month, window, 5)["windows"]
            rows = rollups.month_rows(con, month, slo_name=found.name)
        verdict = None if not rows else {k: getattr(rows[0], k) for k in
                                         ("status", "data_coverage", "partial", "error_budget_remaining")}
        return {"burndown": burndown, "worst": pd.DataFrame(worst_windows), "worst_minutes": window / 60,
                "month": verdict}

    def investigation_range(self, slo: str, start: datetime, end: datetime, bucket_minutes: int = 60) -> dict:
        """The parts of the breach investigation over ``[start, end)``: the SLI per bucket of
        ``bucket_minutes`` (``series``, down-sampled to the chart's width keeping each pixel's
        extremes, :func:`reliability.charts.downsample`), ``deployments``, burn-rate alert
        ``episodes`` and ``paged`` incidents, ``incidents`` detected in range with their SLA
        impact, and ``related`` ones; with the SLO's ``target``, ``budgeting_method``, ``budget_unit``.

        Example:

        >>> from datetime import datetime, timezone
        >>> part = db.investigation_range("payments-availability", datetime(2026, 3, 1, tzinfo=timezone.utc),
        ...                               datetime(2026, 3, 8, tzinfo=timezone.utc), 60)
        >>> list(part["series"].columns)
        ['at', 'sli', 'events', 'failed']
        """
        import numpy as np

        from reliability.analysis import burn, impact, rollups, timeline
        from reliability.incidents import metrics as incidents, recurrence

        with self._connect() as con:
            found = _slo(con, slo)
            tl = timeline.load(con, found, timeline.align(start, found), end)
            n = len(tl.bad)
            per = max(1, bucket_minutes * 60 // tl.window_seconds)
            edges = np.arange(0, n, per)
            events = np.add.reduceat(tl.events, edges) if n else np.array([])
            failed = np.add.reduceat(tl.failed, edges) if n else np.array([])
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = np.where(events > 0, 1 - failed / np.where(events > 0, events, 1), np.nan)
            # The browser gets what the chart can draw: per pixel the lowest and highest value.
            keep = charts.downsample(ratio, CHART_PIXELS // 2)
            series = pd.DataFrame({
                "at": [tl.start + pd.Timedelta(seconds=int(i) * tl.window_seconds) for i in edges[keep]],
                "sli": ratio[keep], "events": events[keep], "failed": failed[keep],
            })
            deploys = frame(con, "app.deployments_between", {"service": found.service, "start": start, "end": end})
            alerts = burn.analyse(con, found, start, end)
            month_rows: dict[tuple[str, str], object] = {}

            def month_row(name: str, month: str):
                # The month's SLA row from the monthly rollups (equal to sla.compute's), once per month.
                if (name, month) not in month_rows:
                    rows_ = rollups.month_rows(con, month, slo_name=name)
                    month_rows[(name, month)] = rows_[0] if rows_ else None
                return month_rows[(name, month)]

            rows, related = [], {}
            for inc in incidents.detected_in(con, start, end, found.service):
                doc = impact.incident_impact(con, inc["id"], only=found.name, month_rows=month_row)
                mine = next((s for s in doc["slos"] if s["slo"] == found.name), {})
                rows.append({
                    "id": inc["id"], "severity": inc["severity"], "title": inc["title"],
                    "window_start": doc["window_start"], "window_end": doc["window_end"],
                    "bad": mine.get("bad"), "budget_spent": mine.get("budget_spent"),
                    "share_of_month_bad": mine.get("share_of_month_bad"),
                })
                for rel in recurrence.related(con, inc["id"]):
                    reasons = "; ".join(_reason(r) for r in rel["reasons"])
                    related.setdefault((inc["id"], rel["id"]), reasons)
        return {
            "slo": found.name, "service": found.service, "target": float(found.objectives[0].target),
            "budgeting_method": found.budgeting_method, "series": series, "deployments": deploys,
            "budget_unit": budget_unit(found.budgeting_method, tl.slice_minutes),
            "episodes": pd.DataFrame(alerts["episodes"]), "burn_rate": alerts["burn_rate"],
            "paged": pd.DataFrame(alerts["incidents"]), "incidents": pd.DataFrame(rows),
            "related": pd.DataFrame([{"incident": a, "related": b, "reasons": r} for (a, b), r in related.items()]),
        }

    def incident_rows(self, first: str, last: str, tz: str = "UTC", service: str | None = None,
                      services: tuple[str, ...] | None = None) -> pd.DataFrame:
        """One row per incident detected from month ``first`` to ``last`` (in ``tz``) with its time
        metrics in minutes (detect, acknowledge, mitigate, resolve, impact) and local month;
        ``services``: when given, only these services' (a label filter's).

        Example:

        >>> rows = db.incident_rows("2026-03", "2026-03")
        >>> len(rows), sorted(rows["month"].unique())
        (17, ['2026-03'])
        """
        from reliability.incidents import timing

        start, end = periods.month(first, tz).start, periods.month(last, tz).end
        with self._connect() as con:
            rows = timing.rows_between(con, start, end, service)
        if services is not None:
            rows = [r for r in rows if r["service"] in services]
        frame = pd.DataFrame(rows)
        if frame.empty:
            return frame
        for key, name in (("detect_us", "detect"), ("ack_us", "acknowledge"), ("mitigate_us", "mitigate"),
                          ("resolve_us", "resolve"), ("impact_us", "impact")):
            frame[name] = pd.to_numeric(frame[key], errors="coerce") / 60e6
        local = pd.to_datetime(frame["detected_at"], utc=True).dt.tz_convert(tz)
        frame["month"] = local.dt.strftime("%Y-%m")
        return frame

    def incident_report(self, first: str, last: str, tz: str = "UTC", service: str | None = None,
                        services: tuple[str, ...] | None = None) -> dict:
        """The time metrics (``mttx``), response and cadence compliance and post-mortems summed
        over the months, overdue action items now, and recurrence, for the range; ``services``:
        when given, only these services' incidents (recurrence's repeats and classes too).

        Example:

        >>> sorted(db.incident_report("2026-01", "2026-03"))
        ['action_items', 'as_of', 'cadence', 'mttx', 'postmortems', 'postmortems_not_compliant', 'recurrence', 'response']
        """
        from reliability.incidents import postmortems, recurrence, targets, timing

        months = months_between(first, last)
        now = datetime.now(timezone.utc)
        response: dict[str, dict] = {}
        cadence: dict[str, dict] = {}
        pm: dict[str, dict] = {}
        not_compliant: list[dict] = []
        with self._connect() as con:
            mttx = timing.report(con, first, last, tz, service=service, services=services)
            for month in months:
                doc = targets.monthly(con, month, tz, service=service, services=services)
                for sev, r in doc["response"].items():
                    acc = response.setdefault(sev, {"target": r["target"], "count": 0, "met": 0, "missed": 0,
                                                    "never_acknowledged": 0, "ack_unknown": 0, "missed_ids": [],
                                                    "ack_unknown_ids": []})
                    for k in ("count", "met", "missed", "never_acknowledged", "ack_unknown"):
                        acc[k] += r[k]
                    acc["missed_ids"] += r["missed_ids"]
                    acc["ack_unknown_ids"] += r["ack_unknown_ids"]
                for sev, c in doc["cadence"].items():
                    acc = cadence.setdefault(sev, {"target_minutes": c["target_minutes"], "assessed": 0, "compliant": 0,
                                                   "gaps": 0, "gaps_over_target": 0})
                    for k in ("assessed", "compliant", "gaps", "gaps_over_target"):
                        acc[k] += c.get(k, 0) or 0
                for sev, p in postmortems.monthly(con, month, tz, as_of=now, service=service,
                                                  services=services).items():
                    acc = pm.setdefault(sev, {"required": p["required"], "incidents": 0, "on_time": 0, "late": 0,
                                              "missing": 0, "due": 0, "unresolved": 0})
                    for k in ("incidents", "on_time", "late", "missing", "due", "unresolved"):
                        acc[k] += p[k]
                    not_compliant += [x | {"severity": sev} for x in p["not_compliant"]]
            items = postmortems.action_items(con, now, service=service, services=services)
            rec = recurrence.report(con, first, last, tz)
        if services is not None:
            rec = rec | {"repeats": [r for r in rec["repeats"] if r["service"] in services],
                         "frequency": [r for r in rec["frequency"] if r["service"] in services]}
        return {"mttx": mttx, "response": response, "cadence": cadence, "postmortems": pm,
                "postmortems_not_compliant": not_compliant, "action_items": items, "recurrence": rec,
                "as_of": now}

    def incidents_month(self, month: str, tz: str = "UTC") -> dict:
        """The incident metrics of ``month`` (in ``tz``) as the Incidents page shows them:
        ``count``, ``by_severity``, ``overall``...

        Example:

        >>> db.incidents_month("2026-03")["month"]
        '2026-03'
        """
        from reliability.incidents import metrics as incidents

        with self._connect() as con:
            return incidents.monthly(con, month, tz)

    def overview_incidents(self, first: str, last: str) -> dict:
        """For the overview, months ``first`` to ``last`` (UTC): incidents per month and severity,
        the time metrics by month (``mttx``) and repeated root causes (``repeats``: pairs of
        incidents, earlier and later, within ``repeat_window_days`` days).

        Example:

        >>> block = db.overview_incidents("2026-01", "2026-03")
        >>> sorted(block), block["count"]
        (['by_month_severity', 'count', 'mttx', 'repeat_window_days', 'repeats'], 43)
        """
        from reliability.incidents import recurrence, timing

        with self._connect() as con:
            mttx = timing.report(con, first, last, "UTC")
            rec = recurrence.report(con, first, last, "UTC")
            start, end = periods.month(first, "UTC").start, periods.month(last, "UTC").end
            rows = timing.rows_between(con, start, end, None)
        counts: dict[tuple[str, str], int] = {}
        for r in rows:
            key = (r["detected_at"].astimezone(timezone.utc).strftime("%Y-%m"), r["severity"])
            counts[key] = counts.get(key, 0) + 1
        return {"count": len(rows), "by_month_severity": counts, "mttx": mttx, "repeats": rec["repeats"],
                "repeat_window_days": rec["window_days"]}
