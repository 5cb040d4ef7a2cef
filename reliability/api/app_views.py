"""The app's views of a database, from Python: what each page of ``reliability app`` shows.

Methods of :class:`reliability.Database` (``AppViews``) returning exactly what the Streamlit
pages draw: the monthly SLA review with credits, its roll-up by label, every SLO's months with
their category, budgets, data health. The app (``reliability/app/``) reads the database only
through these methods and the rest of this API, never through ``reliability.analysis`` or
``reliability.incidents`` (tests/test_layout.py checks it). Month arithmetic the pages need is
here too (:func:`months_between`, :func:`shift_month`, :data:`CATEGORY_ORDER`).
"""

from __future__ import annotations

import json

import pandas as pd

from reliability import periods, store

# The overview's categories of an SLO-month, most severe first (reliability.analysis.categories).
CATEGORY_ORDER = ("breached", "insufficient_data", "at_risk", "met")


def months_between(first: str, last: str) -> list[str]:
    """``YYYY-MM`` labels from ``first`` to ``last``, both included.

    Example:

    >>> from reliability.api.app_views import months_between
    >>> months_between("2025-11", "2026-02")
    ['2025-11', '2025-12', '2026-01', '2026-02']
    """
    from reliability.analysis import history

    return history.months_between(first, last)


def shift_month(label: str, months: int) -> str:
    """``YYYY-MM`` ``months`` later (earlier when negative).

    Example:

    >>> from reliability.api.app_views import shift_month
    >>> shift_month("2026-01", -2)
    '2025-11'
    """
    from reliability.incidents import timing

    return timing.shift_month(label, months)


def frame(con, name: str, params: dict | None = None) -> pd.DataFrame:
    """The rows of named query ``name`` as a DataFrame (Arrow types, as the app draws them)."""
    return con.sql(store.query(name), params=params or None).to_arrow_table().to_pandas()


class AppViews:
    """The methods of :class:`reliability.Database` behind the app's pages."""

    def months_with_data(self) -> list[str]:
        """``YYYY-MM`` of every month that has slices, newest first (UTC). Probed month by
        month between the first and the last slice (a bounded probe skips the other row
        groups): a distinct over every slice's month took 87 s on 113M slices.

        Example:

        >>> db.months_with_data()[:2]
        ['2026-10', '2026-09']
        """
        with self._connect() as con:
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

    def sla_review(self, month: str, *, no_data: str = "good", tz: str | None = None) -> pd.DataFrame:
        """One row per SLO objective for ``month`` as the monthly SLA review shows it: the
        ``sla --json`` rows (``status``, ``data_coverage``, ``partial``, ``as_of``, ``labels``
        as ``key=value`` strings) with the credit owed (``covered``, ``credit_percent`` — None
        when unknown —, ``tier_below``; default tiers) and, for a month split at a definition
        change, ``segments_text``. ``tz`` None: each SLO's month in its own zone (read from
        the monthly rollups, per-customer and versioned SLOs included); else in ``tz``.

        Example:

        >>> review = db.sla_review("2026-03")
        >>> len(review), sorted(review["status"].unique())
        (18, ['breached', 'met'])

        """
        from reliability.analysis import credits
        from reliability.units import split_text

        with self._connect() as con:
            rows = _month_rows(con, month, no_data, tz)
        # The credit rule is credits.owed's (the same for `credits` and the monthly report), applied
        # to the rows before they become a frame, where a missing attainment would turn into NaN.
        owed = credits.for_rows(rows)
        return pd.DataFrame([r.as_json(labels=True) | {k: c[k] for k in ("covered", "credit_percent", "tier_below")}
                             | {"labels": [f"{k}={v}" for k, vs in r.labels for v in vs]}
                             | ({"segments_text": split_text(r)} if r.history and "segments" in r.history else {})
                             for r, c in zip(rows, owed)])

    def sla_review_groups(self, month: str, *, no_data: str = "good", group_by: str | None = None,
                          labels=(), tz: str | None = None) -> dict:
        """The month's SLA rows of the SLOs labelled ``labels`` (``"key=value"`` strings) with
        their roll-ups (``all`` and, by ``group_by``, ``groups``): exactly ``sla --group-by
        --label --json``'s period document.

        Example:

        >>> doc = db.sla_review_groups("2026-03", group_by="team")
        >>> doc["all"]["slos"] == len(doc["slos"])
        True
        """
        from reliability.analysis import views

        with self._connect() as con:
            rows = _month_rows(con, month, no_data, tz)
        return views.sla_period(rows, group_by, list(labels), True)

    def sla_months(self, first: str, last: str) -> pd.DataFrame:
        """One row per SLO and month from ``first`` to ``last`` (each SLO's zone), read from the
        monthly rollups, with its ``month`` and ``category`` (one of :data:`CATEGORY_ORDER`).

        Example:

        >>> months = db.sla_months("2026-01", "2026-03")
        >>> sorted(months["month"].unique())
        ['2026-01', '2026-02', '2026-03']
        """
        from reliability.analysis import categories, rollup_frame

        with self._connect() as con:
            # As a frame from the start: 26,000 SLO-months on a fleet of 2,000 SLOs (rollup_frame.py).
            out = rollup_frame.monthly_frame(con, months_between(first, last))
        if not out.empty:
            out["category"] = categories.of_frame(out)
        return out

    def composite_rows(self, month: str) -> list[dict]:
        """Each composite SLO's row for ``month`` as ``sla --json`` has it under ``composites``
        (members included; none on a database without composites).

        Example:

        >>> [c["slo"] for c in db.composite_rows("2026-03")]
        ['checkout-journey']
        """
        from reliability.analysis import composite
        from reliability.output import to_json

        with self._connect() as con:
            return json.loads(to_json(composite.month_rows(con, month)))  # the JSON's numbers, exactly

    def budget_status(self, month: str) -> pd.DataFrame:
        """Per SLO (per-instance ones aside): error budget ``remaining``, policy ``status``,
        ``data_coverage``, ``exhausted_at`` and the 1-day forecast (``exhausts_at_1d``,
        ``burn_1d``) for ``month``.

        Example:

        >>> list(db.budget_status("2026-03").columns[:5])
        ['slo', 'service', 'sli', 'remaining', 'status']
        """
        from reliability import slos
        from reliability.analysis import budget

        out = []
        with self._connect() as con:
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

    def data_health(self) -> dict:
        """The data health page's tables: ``series`` (per series first and last slice, slices,
        no-data and missing 1-minute slices), ``coverage`` (per series and UTC month),
        ``watermarks`` and ``runs`` of extraction, ``unusable`` (series holding rows readers
        leave out). Read from the per-series monthly metadata writes keep, except ``unusable``:
        one plain scan, so that rows written outside this tool are named too.

        Example:

        >>> health = db.data_health()
        >>> sorted(health)
        ['coverage', 'runs', 'series', 'unusable', 'watermarks']
        >>> len(health["series"])
        19
        """
        from reliability.analysis import series_months, usable

        with self._connect() as con:
            health = series_months.series_health(con, 60)
            coverage = series_months.coverage_by_month(con, 60)
            marks = frame(con, "app.watermarks")
            runs = frame(con, "app.extract_runs") if _has_table(con, "extract_runs") else pd.DataFrame()
            # Unusable rows by one plain scan, not from the metadata: rows written outside this
            # tool (by hand, another program) never went through a write that counts them.
            found = usable.anywhere(con)
            unusable = pd.DataFrame(found, columns=["service", "sli", "rows", "first_ts", "problem"])
        return {"series": health, "coverage": coverage, "watermarks": marks, "runs": runs, "unusable": unusable}

    def service_labels(self) -> dict[str, tuple]:
        """Each service's labels as ``incidents --label`` filters them: its Service document's,
        else the labels all its SLOs share; ``{service: ((key, (value, ...)), ...)}``.

        Example:

        >>> sorted(db.service_labels())[:2]
        ['api-gateway', 'auth']
        """
        from reliability.analysis import groups

        with self._connect() as con:
            return groups.labels_of_services(con)

    def newest_slices(self) -> pd.DataFrame:
        """Per series (``service``, ``sli``): ``last_slice``, the start of its newest slice (UTC).

        Example:

        >>> list(db.newest_slices().columns)
        ['service', 'sli', 'last_slice']
        """
        from reliability.analysis import series_months

        with self._connect() as con:
            return series_months.newest_slices(con)


def _month_rows(con, month: str, no_data: str, tz: str | None) -> list:
    """The month's SLA rows, each SLO's month in its own zone (``tz`` None) or in ``tz``."""
    from reliability.analysis import rollups, sla

    if tz is None:  # each SLO's own calendar month: from the monthly rollups (= sla.compute)
        return rollups.month_rows(con, month, no_data=no_data)
    period = periods.month(month, tz)
    return sla.compute_periods(con, lambda _slo: period, no_data=no_data)


def _has_table(con, name: str) -> bool:
    rows = con.execute(
        "select count(*) from information_schema.tables where table_name = $n", {"n": name}
    ).fetchall()
    return rows[0][0] > 0


def services_matching(labels_of: dict[str, tuple], services, wanted) -> tuple[str, ...]:
    """The ``services`` whose labels (``labels_of``, from :meth:`AppViews.service_labels`) hold
    every key of ``wanted`` (``(key, value)`` pairs; values of one key are alternatives): the rule
    of ``incidents --label``."""
    from reliability.analysis import groups

    return tuple(s for s in services if groups.matches(labels_of.get(s, ()), s, wanted))
