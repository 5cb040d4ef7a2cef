"""Cached loaders: each opens the database read-only briefly and returns plain data.

Every loader takes ``(db, stamp)`` first: ``stamp`` is the database file's modification stamp
(:func:`stamp`, ``mtime_ns`` and size of the file and its WAL), so a write by another process
changes the cache key and the next rerun shows the new data without a restart. No connection
outlives a loader call (DuckDB locks the whole file across processes, see DESIGN.md).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import streamlit as st

from reliability import charts, periods, slos, store
from reliability.analysis import usable
from reliability.app.fallback import last_good
from reliability.units import budget_unit

CACHE = {"show_spinner": False, "max_entries": 256}
CHART_PIXELS = 1200  # the width a full-width chart is drawn at on a laptop screen


def db_path() -> str:
    """``$RELIABILITY_DB`` (else ./reliability.duckdb). The app only reads, so it never creates
    the file: a missing one stops the page with an error saying how to create it."""
    path = store.db_path(os.environ.get("RELIABILITY_DB"))
    if not path.exists():
        st.error(f"No database at `{path}`: the app only reads and never creates one. Build the sample with "
                 f"`reliability --db {path} demo`, or load your own data with `slo apply` and `ingest`; "
                 "then set RELIABILITY_DB to that file.")
        st.stop()
    return str(path)


def stamp(db: str) -> tuple[int, int, int, int]:
    """``(mtime_ns, size)`` of the database file and of its WAL (zeros when absent)."""
    out: list[int] = []
    for path in (Path(db), Path(db + ".wal")):
        try:
            st_ = path.stat()
            out += [st_.st_mtime_ns, st_.st_size]
        except FileNotFoundError:
            out += [0, 0]
    return tuple(out)  # type: ignore[return-value]


def _frame(con, name: str, params: dict | None = None) -> pd.DataFrame:
    return con.sql(store.query(name), params=params or None).to_arrow_table().to_pandas()



# -- SLOs and months -------------------------------------------------------------------------


@last_good
@st.cache_data(**CACHE)
def months_with_data(db: str, stamp_: tuple = ()) -> list[str]:
    """``YYYY-MM`` of every month that has slices, newest first (UTC). Probed month by month
    between the first and the last slice (a bounded probe skips the other row groups): a
    distinct over every slice's month took 87 s on 113M slices."""
    with store.connect(db, read_only=True) as con:
        first, last = con.execute(store.query("app.slice_bounds")).fetchone()
        if first is None:
            return []
        found = []
        y, m = first.year, first.month
        while (y, m) <= (last.year, last.month):
            label = f"{y:04d}-{m:02d}"
            period = periods.month(label, "UTC")
            if con.execute(store.query("app.any_slice_between"), {"start": period.start, "end": period.end}).fetchall():
                found.append(label)
            y, m = y + (m == 12), m % 12 + 1
    return found[::-1]


@last_good
@st.cache_data(**CACHE)
def months_with_incidents(db: str, stamp_: tuple = ()) -> list[str]:
    """``YYYY-MM`` of every month in which an incident was detected, newest first (UTC)."""
    with store.connect(db, read_only=True) as con:
        return [r[0] for r in con.execute(store.query("app.months_with_incidents")).fetchall()]


@last_good
@st.cache_data(**CACHE)
def incident_services(db: str, stamp_: tuple = ()) -> list[str]:
    """Every service with an incident, sorted."""
    with store.connect(db, read_only=True) as con:
        return [r[0] for r in con.execute(store.query("app.incident_services")).fetchall()]


@last_good
@st.cache_data(**CACHE)
def slo_list(db: str, stamp_: tuple = ()) -> list[dict]:
    """Every stored SLO: name, service, sli, budgeting method, zone, first objective's target."""
    with store.connect(db, read_only=True) as con:
        found = slos.load(con)
    return [
        {"slo": s.name, "service": s.service, "sli": s.sli, "budgeting_method": s.budgeting_method,
         "time_zone": s.window.time_zone or "UTC", "target": float(s.objectives[0].target)}
        for s in found
    ]


def _slo(con, name: str):
    found = slos.load(con, name)
    if not found:
        raise KeyError(name)
    return found[0]


# -- SLA --------------------------------------------------------------------------------------


@last_good
@st.cache_data(**CACHE)
def sla_table(db: str, month: str, no_data: str = "good", stamp_: tuple = (), tz: str | None = None) -> pd.DataFrame:
    """One row per SLO objective for the month (the ``sla --json`` rows: ``status``,
    ``data_coverage``, ``partial``, ``as_of`` included) with the credit owed (``covered``,
    ``credit_percent`` — None when unknown —, default tiers). ``tz`` None: each SLO's own zone;
    else every SLO's month is computed in ``tz``."""
    from reliability.analysis import credits

    with store.connect(db, read_only=True) as con:
        rows = _month_rows(con, month, no_data, tz)
    # The credit rule is credits.owed's (the same for `credits` and the monthly report), applied
    # to the rows before they become a frame, where a missing attainment would turn into NaN.
    owed = credits.for_rows(rows)
    return pd.DataFrame([r.as_json(labels=True) | {k: c[k] for k in ("covered", "credit_percent", "tier_below")}
                         | {"labels": [f"{k}={v}" for k, vs in r.labels for v in vs]}
                         | ({"segments_text": _segments_text(r)} if r.history and "segments" in r.history else {})
                         for r, c in zip(rows, owed)])


def _month_rows(con, month: str, no_data: str, tz: str | None) -> list:
    """The month's SLA rows, each SLO's month in its own zone (``tz`` None) or in ``tz``."""
    from reliability.analysis import rollups, sla

    if tz is None:  # each SLO's own calendar month: from the monthly rollups (= sla.compute)
        return rollups.month_rows(con, month, no_data=no_data)
    period = periods.month(month, tz)
    return sla.compute_periods(con, lambda _slo: period, no_data=no_data)


def _segments_text(row) -> str:
    """A period split at a definition change, as the command line's table notes say it."""
    from reliability.units import split_text

    return split_text(row)


@last_good
@st.cache_data(**CACHE)
def label_values(db: str, stamp_: tuple = ()) -> dict[str, list[str]]:
    """The values of each label key the stored SLOs carry (for the label picker)."""
    with store.connect(db, read_only=True) as con:
        found = slos.load(con)
    out: dict[str, set] = {}
    for s in found:
        for key, values in s.labels:
            out.setdefault(key, set()).update(values)
    return {k: sorted(v) for k, v in sorted(out.items())}


@last_good
@st.cache_data(**CACHE)
def service_labels(db: str, stamp_: tuple = ()) -> dict[str, tuple]:
    """Each service's labels, as ``incidents --label`` filters them: its Service document's,
    else the labels all its SLOs share (:func:`reliability.analysis.groups.labels_of_services`)."""
    from reliability.analysis import groups

    with store.connect(db, read_only=True) as con:
        return groups.labels_of_services(con)


@last_good
@st.cache_data(**CACHE)
def sla_rollup(db: str, month: str, no_data: str, group_by: str | None, wanted: tuple, stamp_: tuple = (),
               tz: str | None = None) -> dict:
    """The month's SLA rows of the SLOs labelled ``wanted`` with their roll-ups (``all`` and,
    by ``group_by``, ``groups``): exactly ``sla --group-by --label --json``'s period document."""
    from reliability.analysis import views

    with store.connect(db, read_only=True) as con:
        rows = _month_rows(con, month, no_data, tz)
    return views.sla_period(rows, group_by, list(wanted), True)


@last_good
@st.cache_data(show_spinner=False, max_entries=4)
def monthly_report(db: str, month: str, fmt: str = "md", stamp_: tuple = ()) -> bytes:
    """The monthly review document (``reliability report monthly``) as bytes, ``md`` or ``html``."""
    import tempfile

    from reliability.reports import monthly

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"review-{month}.{fmt}"
        monthly.open_and_build(db, month, str(out))
        return out.read_bytes()


@last_good
@st.cache_data(**CACHE)
def sla_history(db: str, first: str, last: str, stamp_: tuple = ()) -> pd.DataFrame:
    """One row per SLO and month from ``first`` to ``last`` (each SLO's zone), read from the
    monthly rollups (computed fresh only where a rollup is missing), with its ``category``
    (:mod:`reliability.analysis.categories`)."""
    from reliability.analysis import categories, history, rollups

    with store.connect(db, read_only=True) as con:
        months = history.months_between(first, last)
        out = [r.as_json() | {"month": m} for m, rows in rollups.monthly(con, months) for r in rows]
    for r in out:
        r["category"] = categories.category(r)
    return pd.DataFrame(out)


@last_good
@st.cache_data(**CACHE)
def composites(db: str, month: str, stamp_: tuple = ()) -> list[dict]:
    """Each composite SLO's row for ``month`` as ``sla --json`` has it under ``composites``
    (members included; none on a database without composites)."""
    from reliability.analysis import composite
    from reliability.output import to_json

    with store.connect(db, read_only=True) as con:
        return json.loads(to_json(composite.month_rows(con, month)))  # the JSON's numbers, exactly


@last_good
@st.cache_data(**CACHE)
def budget_status(db: str, month: str, stamp_: tuple = ()) -> pd.DataFrame:
    """Per SLO: error budget remaining, policy status and exhaustion forecasts for ``month``."""
    from reliability.analysis import budget

    out = []
    with store.connect(db, read_only=True) as con:
        for slo in slos.load(con):
            if slo.group_by:  # per-instance SLOs: their budgets are in the overview's instance block
                continue
            rep = budget.report(budget.load(con, slo, month))
            fc = {f["window"]: f for f in rep["forecast"]}
            out.append({
                "slo": slo.name, "service": slo.service, "sli": slo.sli,
                "remaining": rep["error_budget_remaining"], "status": rep["status"],
                "data_coverage": rep["data_coverage"],
                "exhausted_at": rep["exhausted_at"],
                "exhausts_at_1d": (fc.get("1d") or {}).get("exhausts_at"),
                "burn_1d": (fc.get("1d") or {}).get("burn_rate"),
            })
    return pd.DataFrame(out)


# -- Breach investigation ---------------------------------------------------------------------


@last_good
@st.cache_data(**CACHE)
def investigation(db: str, slo_name: str, month: str, start: datetime, end: datetime, bucket_minutes: int,
                  stamp_: tuple = ()) -> dict:
    """Everything the breach investigation shows for one SLO over ``[start, end)`` inside
    calendar ``month`` (the SLO's zone): the SLI per bucket (down-sampled to the chart's
    width keeping each pixel's extremes, :func:`reliability.charts.downsample`), deployments, budget burn-down,
    burn-rate alert episodes, worst windows, incidents in range with SLA impact, related ones."""
    import numpy as np

    from reliability.analysis import budget, burn, impact, timeline, worst
    from reliability.incidents import metrics as incidents, recurrence

    with store.connect(db, read_only=True) as con:
        slo = _slo(con, slo_name)
        tl = timeline.load(con, slo, timeline.align(start, slo), end)
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
        deploys = _frame(con, "app.deployments_between", {"service": slo.service, "start": start, "end": end})
        b = budget.load(con, slo, month)
        burndown = pd.DataFrame(budget.report(b)["points"])
        alerts = burn.analyse(con, slo, start, end)
        window = max(tl.window_seconds, 3600 // tl.window_seconds * tl.window_seconds)
        worst_windows = worst.compute(con, slo, month, window, 5)["windows"]
        found = incidents.detected_in(con, start, end, slo.service)
        rows, related = [], {}
        for inc in found:
            doc = impact.incident_impact(con, inc["id"])
            mine = next((s for s in doc["slos"] if s["slo"] == slo.name), {})
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
        "slo": slo.name, "service": slo.service, "target": float(slo.objectives[0].target),
        "budgeting_method": slo.budgeting_method, "series": series, "deployments": deploys,
        "budget_unit": budget_unit(slo.budgeting_method, tl.slice_minutes),
        "burndown": burndown, "episodes": pd.DataFrame(alerts["episodes"]), "burn_rate": alerts["burn_rate"],
        "paged": pd.DataFrame(alerts["incidents"]), "worst": pd.DataFrame(worst_windows),
        "worst_minutes": window / 60, "incidents": pd.DataFrame(rows),
        "related": pd.DataFrame([{"incident": a, "related": b_, "reasons": r} for (a, b_), r in related.items()]),
    }


def _reason(r: dict) -> str:
    """One reason of ``recurrence.related`` as text: its name and its other fields."""
    rest = ", ".join(
        f"{k} {', '.join(map(str, v)) if isinstance(v, list) else (f'{v:.2f}' if isinstance(v, float) else v)}"
        for k, v in r.items() if k != "reason" and v not in (None, "", [])
    )
    return f"{r['reason']} ({rest})" if rest else r["reason"]


# -- Incidents --------------------------------------------------------------------------------


def _month_labels(first: str, last: str) -> list[str]:
    from reliability.analysis import history

    return history.months_between(first, last)


@last_good
@st.cache_data(**CACHE)
def incident_rows(db: str, first: str, last: str, tz: str = "UTC", service: str | None = None,
                  stamp_: tuple = (), services: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One row per incident detected from month ``first`` to ``last`` (in ``tz``) with its time
    metrics in minutes (detect, acknowledge, mitigate, resolve, impact) and local month;
    ``services``: when given, only these services' (a label filter's)."""
    from reliability.incidents import timing

    start, end = periods.month(first, tz).start, periods.month(last, tz).end
    with store.connect(db, read_only=True) as con:
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


@last_good
@st.cache_data(**CACHE)
def incident_report(db: str, first: str, last: str, tz: str = "UTC", service: str | None = None,
                    stamp_: tuple = (), services: tuple[str, ...] | None = None) -> dict:
    """The time metrics (``mttx``), response and cadence compliance and post-mortems summed
    over the months, overdue action items now, and recurrence, for the range; ``services``:
    when given, only these services' incidents (recurrence's repeats and classes too)."""
    from reliability.incidents import postmortems, recurrence, targets, timing

    months = _month_labels(first, last)
    now = datetime.now(timezone.utc)
    response: dict[str, dict] = {}
    cadence: dict[str, dict] = {}
    pm: dict[str, dict] = {}
    not_compliant: list[dict] = []
    with store.connect(db, read_only=True) as con:
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


# -- Data health ------------------------------------------------------------------------------


@last_good
@st.cache_data(**CACHE)
def data_health(db: str, stamp_: tuple = ()) -> dict:
    """Per series health, coverage per month (UTC, 1-minute slices), extraction watermarks."""
    with store.connect(db, read_only=True) as con:
        health = _frame(con, "app.series_health", {"slice_seconds": 60})
        coverage = _frame(con, "app.coverage_by_month", {"slice_seconds": 60})
        marks = _frame(con, "app.watermarks")
        runs = _frame(con, "app.extract_runs") if _has_table(con, "extract_runs") else pd.DataFrame()
        unusable = pd.DataFrame(usable.anywhere(con), columns=["service", "sli", "rows", "first_ts", "problem"])
    return {"series": health, "coverage": coverage, "watermarks": marks, "runs": runs, "unusable": unusable}


@last_good
@st.cache_data(**CACHE)
def newest_slices(db: str, stamp_: tuple = ()) -> pd.DataFrame:
    """Per series (service, sli): the start of its newest slice (UTC), for staleness warnings."""
    with store.connect(db, read_only=True) as con:
        return _frame(con, "app.newest_slices")


def _has_table(con, name: str) -> bool:
    rows = con.execute(
        "select count(*) from information_schema.tables where table_name = $n", {"n": name}
    ).fetchall()
    return rows[0][0] > 0


@last_good
@st.cache_data(**CACHE)
def incidents_month(db: str, month: str, tz: str = "UTC", stamp_: tuple = ()) -> dict:
    from reliability.incidents import metrics as incidents

    with store.connect(db, read_only=True) as con:
        return incidents.monthly(con, month, tz)


@last_good
@st.cache_data(**CACHE)
def overview_incidents(db: str, first: str, last: str, stamp_: tuple = ()) -> dict:
    """For the overview, months ``first`` to ``last`` (UTC): incidents per month and severity,
    the time metrics by month (``mttx``) and repeated root causes."""
    from reliability.incidents import recurrence, timing

    with store.connect(db, read_only=True) as con:
        mttx = timing.report(con, first, last, "UTC")
        rec = recurrence.report(con, first, last, "UTC")
        start, end = periods.month(first, "UTC").start, periods.month(last, "UTC").end
        rows = timing.rows_between(con, start, end, None)
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        key = (r["detected_at"].astimezone(timezone.utc).strftime("%Y-%m"), r["severity"])
        counts[key] = counts.get(key, 0) + 1
    return {"count": len(rows), "by_month_severity": counts, "mttx": mttx, "repeats": rec["repeats"]}
