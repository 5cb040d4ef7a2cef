"""Cached loaders: each opens the database read-only briefly and returns plain data.

Every loader takes ``(db, stamp)`` first: ``stamp`` is the database file's modification stamp
(:func:`stamp`, ``mtime_ns`` and size of the file and its WAL), so a write by another process
changes the cache key and the next rerun shows the new data without a restart. No connection
outlives a loader call (DuckDB locks the whole file across processes, see DESIGN.md).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from reliability import instances, slos, store
from reliability.api import app_incidents
from reliability.app.fallback import last_good

CACHE = {"show_spinner": False, "max_entries": 256}
CHART_PIXELS = app_incidents.CHART_PIXELS  # the width a full-width chart is drawn at on a laptop screen


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


def _api(db: str):
    """The Python API's reader of ``db`` (the app reads through it: reliability.api)."""
    from reliability.api import Database

    return Database._checked_by_caller(db)



# -- SLOs and months -------------------------------------------------------------------------


@last_good
@st.cache_data(**CACHE)
def months_with_data(db: str, stamp_: tuple = ()) -> list[str]:
    """``YYYY-MM`` of every month that has slices, newest first (UTC): ``Database.months_with_data``."""
    return _api(db).months_with_data()


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
    """Every stored SLO: name, service, sli, budgeting method, zone, first objective's target,
    grouping labels (``group_by``: empty for an SLO without instances)."""
    with store.connect(db, read_only=True) as con:
        found = slos.load(con)
    return [
        {"slo": s.name, "service": s.service, "sli": s.sli, "budgeting_method": s.budgeting_method,
         "time_zone": s.window.time_zone or "UTC", "target": float(s.objectives[0].target),
         "group_by": tuple(s.group_by)}
        for s in found
    ]


def slo_choices(db: str, stamp_: tuple = ()) -> dict[str, dict]:
    """The SLOs a page offers by name (:func:`slo_list`'s rows): each SLO without grouping
    labels, and in place of a per-instance definition its instances by address
    (``api-gateway-customer-availability{customer="globex"}``, the Monthly SLA review's links),
    found among the stored series; per instance its definition's row with ``slo`` the address.
    The definition itself is not offered: it has no series of its own (its plain series is
    another SLO's), so its numbers would be another SLO's."""
    series = newest_slices(db, stamp_)
    out: dict[str, dict] = {}
    for slo in slo_list(db, stamp_):
        if not slo.get("group_by"):
            out[slo["slo"]] = slo
            continue
        mine = series[(series["service"] == slo["service"]) & series["sli"].str.startswith(slo["sli"] + "{")]
        for key in mine["sli"]:
            sli, instance = instances.split_key(key)
            if sli == slo["sli"] and tuple(k for k, _ in instance) == tuple(slo["group_by"]):
                name = instances.address(slo["slo"], instance)
                out[name] = slo | {"slo": name}
    return out


# -- SLA --------------------------------------------------------------------------------------


@last_good
@st.cache_data(**CACHE)
def sla_table(db: str, month: str, no_data: str = "good", stamp_: tuple = (), tz: str | None = None) -> pd.DataFrame:
    """One row per SLO objective for the month with the credit owed: ``Database.sla_review``
    (``tz`` None: each SLO's own zone, from the monthly rollups; else every SLO's month in ``tz``)."""
    return _api(db).sla_review(month, no_data=no_data, tz=tz)


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
    else the labels all its SLOs share (``Database.service_labels``)."""
    return _api(db).service_labels()


@last_good
@st.cache_data(**CACHE)
def sla_rollup(db: str, month: str, no_data: str, group_by: str | None, wanted: tuple, stamp_: tuple = (),
               tz: str | None = None) -> dict:
    """The month's SLA rows of the SLOs labelled ``wanted`` with their roll-ups: exactly
    ``sla --group-by --label --json``'s period document (``Database.sla_review_groups``)."""
    return _api(db).sla_review_groups(month, no_data=no_data, group_by=group_by, labels=wanted, tz=tz)


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
    """One row per SLO and month from ``first`` to ``last`` with its ``category``, from the
    monthly rollups (``Database.sla_months``)."""
    return _api(db).sla_months(first, last)


@last_good
@st.cache_data(**CACHE)
def composites(db: str, month: str, stamp_: tuple = ()) -> list[dict]:
    """Each composite SLO's row for ``month`` as ``sla --json`` has it (``Database.composite_rows``)."""
    return _api(db).composite_rows(month)


@last_good
@st.cache_data(**CACHE)
def budget_status(db: str, month: str, stamp_: tuple = ()) -> pd.DataFrame:
    """Per SLO: error budget remaining, policy status and forecasts (``Database.budget_status``)."""
    return _api(db).budget_status(month)


# -- Breach investigation ---------------------------------------------------------------------


@last_good
@st.cache_data(**CACHE)
def investigation(db: str, slo_name: str, month: str, start: datetime, end: datetime, bucket_minutes: int,
                  stamp_: tuple = ()) -> dict:
    """Everything the breach investigation shows for one SLO over ``[start, end)`` inside
    calendar ``month`` (``Database.investigation``). Two cached halves: a new range in the
    same month recomputes only the range's part, a new month only the month's."""
    return investigation_month(db, slo_name, month, stamp_) | investigation_range(db, slo_name, start, end,
                                                                                 bucket_minutes, stamp_)


@last_good
@st.cache_data(**CACHE)
def investigation_month(db: str, slo_name: str, month: str, stamp_: tuple = ()) -> dict:
    """Budget burn-down and worst windows of the SLO's month (``Database.investigation_month``)."""
    return _api(db).investigation_month(slo_name, month)


@last_good
@st.cache_data(**CACHE)
def investigation_range(db: str, slo_name: str, start: datetime, end: datetime, bucket_minutes: int,
                        stamp_: tuple = ()) -> dict:
    """SLI series, deployments, alert replay and incidents of the range (``Database.investigation_range``)."""
    return _api(db).investigation_range(slo_name, start, end, bucket_minutes)


# -- Incidents --------------------------------------------------------------------------------


@last_good
@st.cache_data(**CACHE)
def incident_rows(db: str, first: str, last: str, tz: str = "UTC", service: str | None = None,
                  stamp_: tuple = (), services: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One row per incident detected from month ``first`` to ``last`` (in ``tz``) with its time
    metrics in minutes (``Database.incident_rows``); ``services``: when given, only these
    services' (a label filter's)."""
    return _api(db).incident_rows(first, last, tz, service, services)


@last_good
@st.cache_data(**CACHE)
def incident_report(db: str, first: str, last: str, tz: str = "UTC", service: str | None = None,
                    stamp_: tuple = (), services: tuple[str, ...] | None = None) -> dict:
    """Time metrics, response and cadence compliance, post-mortems, action items and recurrence
    for the range (``Database.incident_report``); ``services``: only these services' incidents."""
    return _api(db).incident_report(first, last, tz, service, services)


# -- Data health ------------------------------------------------------------------------------


@last_good
@st.cache_data(**CACHE)
def data_health(db: str, stamp_: tuple = ()) -> dict:
    """Per series health, coverage per month (UTC, 1-minute slices), extraction watermarks and
    runs, unusable rows (``Database.data_health``: no scan of the slices)."""
    return _api(db).data_health()


@last_good
@st.cache_data(**CACHE)
def newest_slices(db: str, stamp_: tuple = ()) -> pd.DataFrame:
    """Per series (service, sli): the start of its newest slice (UTC), for staleness warnings."""
    return _api(db).newest_slices()


@last_good
@st.cache_data(**CACHE)
def incidents_month(db: str, month: str, tz: str = "UTC", stamp_: tuple = ()) -> dict:
    """The month's incident metrics (``Database.incidents_month``)."""
    return _api(db).incidents_month(month, tz)


@last_good
@st.cache_data(**CACHE)
def overview_incidents(db: str, first: str, last: str, stamp_: tuple = ()) -> dict:
    """For the overview, months ``first`` to ``last`` (UTC): incidents per month and severity,
    the time metrics by month and repeated root causes (``Database.overview_incidents``)."""
    return _api(db).overview_incidents(first, last)