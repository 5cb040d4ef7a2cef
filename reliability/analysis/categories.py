"""The category of an SLO's period, as the overview and the monthly report colour it.

``breached`` (red), ``insufficient_data`` (grey), ``at_risk`` (amber: met, with less than a
quarter of the error budget left) or ``met`` (green). A breach is a category, never a shade of
a budget scale: a period 5 % over budget is as red as one 500 % over.

The SLA row's ``status`` field decides between met, breached and insufficient data when the row
has one; a row without it (older rows) gets the same rule from its own counts: insufficient
data when fewer than ``MIN_COVERAGE`` of the period's slices (after maintenance) have data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # no pandas at run time: the CLI imports this module and starts without it
    import pandas as pd

MIN_COVERAGE = 0.9  # as `sla --min-coverage`'s default
AT_RISK = 0.25  # budget left below this (as `budget`'s policy status): at risk
ORDER = ("breached", "insufficient_data", "at_risk", "met")


def status(row: Mapping) -> str:
    """``met``, ``breached`` or ``insufficient_data`` for an ``sla --json`` row."""
    found = row.get("status")
    if found is not None:
        return found
    slices = row.get("slices")
    coverage = row.get("data_coverage")
    if coverage is None and slices:
        coverage = row.get("slices_with_data", 0) / slices
    if coverage is None or coverage < MIN_COVERAGE:
        return "insufficient_data"
    return "breached" if row.get("breached") else "met"


def category(row: Mapping) -> str:
    """:func:`status`, with ``met`` split into ``at_risk`` and ``met`` by budget left."""
    found = status(row)
    left = row.get("error_budget_remaining")
    if found == "met" and left is not None and left < AT_RISK:
        return "at_risk"
    return found


def of_frame(rows: pd.DataFrame) -> pd.Series:
    """:func:`category` of every row of a frame of ``sla --json`` rows that all carry ``status``
    (:func:`reliability.analysis.rollup_frame.monthly_frame`'s), at once."""
    left = rows["error_budget_remaining"].astype("float64")  # None: NaN, never at risk
    return rows["status"].where(~((rows["status"] == "met") & (left < AT_RISK)), "at_risk")
