"""The overview's per-instance SLOs (docs/app.md): grouped by definition, filtered, top-N worst.

A per-customer SLO can have thousands of instances; drawing one heatmap row or one bar per
instance would make the page unusable (and slow to draw). Instead, per definition: one line
of counts (instances, met, breached, insufficient data) for the month, a filter on the
instance's label values (when there are more instances than the table shows), and the N
instances with the least error budget left, as a table
whose addresses are the ones every other surface uses (``name{customer="acme"}``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from reliability.app import tables
from reliability.app.tables import Col

TOP_DEFAULT = 10


def split(history: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(rows of SLOs without grouping, rows of instances)`` of an ``sla`` history frame."""
    if history.empty or "slo" not in history:
        return history, history.iloc[0:0]
    is_instance = history["slo"].str.contains("{", regex=False)
    return history[~is_instance], history[is_instance]


def summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per definition: how many instances, and how many met, breached, had insufficient data;
    the lowest attainment among instances with a verdict."""
    defs = rows.assign(definition=rows["slo"].str.partition("{")[0])
    counted = defs.groupby("definition").agg(
        instances=("slo", "size"),
        met=("status", lambda s: int((s == "met").sum())),
        breached=("status", lambda s: int((s == "breached").sum())),
        insufficient_data=("status", lambda s: int((s == "insufficient_data").sum())),
    )
    judged = defs[defs["status"] != "insufficient_data"]
    worst = judged.groupby("definition")["attainment"].min().rename("lowest attainment %") * 100
    return counted.join(worst).reset_index()


def worst(rows: pd.DataFrame, text: str = "", top: int = TOP_DEFAULT) -> pd.DataFrame:
    """The ``top`` instances with the least error budget left whose address contains ``text``
    (case-insensitive); instances without a verdict (insufficient data) come after those with
    one, as they have no budget to rank by."""
    if text:
        rows = rows[rows["slo"].str.contains(text, case=False, regex=False)]
    order = rows.assign(_unknown=rows["status"] == "insufficient_data")
    order = order.sort_values(["_unknown", "error_budget_remaining", "slo"], na_position="last")
    return order.head(top).drop(columns="_unknown")


def section(rows: pd.DataFrame, month: str) -> None:
    """The per-instance block of the overview for ``month`` (rows of that month only)."""
    if rows.empty:
        return
    st.subheader(f"Per-instance SLOs ({month})")
    st.caption("One definition, one SLO per customer (or region, endpoint): counts per definition, then the "
               "instances with the least error budget left. An instance with insufficient data is never "
               "counted as met.")
    tables.show(summary(rows), {"lowest attainment %": Col(digits=4)})  # as the instances' rows below
    text, top = "", TOP_DEFAULT
    if len(rows) > TOP_DEFAULT:  # a few instances are all shown: nothing to filter or rank
        left, right = st.columns([3, 1])
        text = left.text_input("Filter instances", key="instance_filter",
                               placeholder='e.g. customer="acme" or a definition name')
        top = right.number_input("Show the worst", min_value=1, max_value=500, value=TOP_DEFAULT, step=5,
                                 key="instance_top")
    shown = worst(rows, text, int(top))
    matching = len(rows) if not text else int(rows["slo"].str.contains(text, case=False, regex=False).sum())
    st.caption(f"{len(shown)} of {matching} matching instances ({len(rows)} in all), least budget left first.")
    view = shown[["slo", "status", "attainment", "error_budget_remaining", "data_coverage", "bad", "allowed_bad"]]
    tables.show(view.assign(attainment=view["attainment"] * 100,
                            error_budget_remaining=view["error_budget_remaining"] * 100,
                            data_coverage=view["data_coverage"] * 100,
                            bad=view["bad"].round(2), allowed_bad=view["allowed_bad"].round(2)),
                {"slo": Col("instance"), "attainment": Col("attainment %", digits=4),
                 "error_budget_remaining": Col("budget left %", digits=1), "data_coverage": Col("coverage %", digits=1),
                 # In the budget's unit (events or slices), as `sla` prints them (at most 2 decimals).
                 "bad": Col("bad"), "allowed_bad": Col("allowed bad")})
