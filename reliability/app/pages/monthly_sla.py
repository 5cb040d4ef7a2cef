"""Monthly SLA review: every SLO's attainment, error budget, breach and credit for a month."""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from reliability import units
from reliability.app import data, safe, tables, widgets

OWN_ZONE = "each SLO's own zone"
GREY = "#757575"


def page() -> None:
    st.title("Monthly SLA review")
    db = data.db_path()
    stamp = data.stamp(db)
    months = data.months_with_data(db, stamp)
    if not months:
        st.info("No SLI data yet. Load the sample with `reliability demo` or ingest series.")
        return
    left, middle, right = st.columns([1, 1, 1])
    month = widgets.month_picker(months, left)
    zone = widgets.zone_picker(middle, extra=[OWN_ZONE], default=OWN_ZONE)
    no_data = widgets.choice("no_data", "No-data slices count as", ["good", "bad", "exclude"], "good", right,
                             horizontal=True)
    tz = None if zone == OWN_ZONE else zone
    table = data.sla_table(db, month, no_data, stamp, tz)
    if table.empty:
        st.info("No SLOs defined. Apply OpenSLO files with `reliability slo apply`.")
        return
    group_by, wanted = widgets.label_picker(data.label_values(db, stamp))
    if group_by or wanted:
        rolled = data.sla_rollup(db, month, no_data, group_by, tuple(wanted), stamp, tz)
        table = table[table["slo"].isin({r["slo"] for r in rolled["slos"]})]
        if table.empty:
            st.info("No SLO has these labels.")
            return
        if group_by:
            rollup_table(rolled, group_by)
    # Status decides (sla's rule): an SLO without enough data has no verdict and is never
    # counted as met; it is listed apart, grey, with its coverage.
    judged = table[table["status"] != "insufficient_data"]
    short = table[table["status"] == "insufficient_data"]
    c0, c1, c2, c3, c4, c5 = st.columns(6)
    c0.metric("SLOs", len(table))
    c1.metric("Met", f"{int((judged['status'] == 'met').sum())} of {len(judged)}",
              help="SLOs with enough data (a verdict) that met their target")
    c2.metric("Breached", int((judged["status"] == "breached").sum()))
    c3.metric("Insufficient data", len(short), help="Coverage below 90 %: no verdict, not counted as met")
    lowest = judged["error_budget_remaining"].min()
    c4.metric("Lowest budget left", "-" if pd.isna(lowest) else units.percent(lowest, 1))
    owing, unknown = int((table["credit_percent"].fillna(0) > 0).sum()), int(table["credit_percent"].isna().sum())
    # An SLO without a verdict may owe a credit: counted apart, never as owing none.
    c5.metric("SLOs owing credits", f"{owing} (+{unknown} unknown)" if unknown else owing,
              help="Unknown: insufficient data, so no credit can be computed" if unknown else None)
    if len(short):
        st.warning(f"{len(short)} of {len(table)} SLOs have less than 90 % of their slices with data in {month}: "
                   "no verdict for them (listed apart below, not counted as met).")
    for text in table.get("segments_text", pd.Series(dtype=object)).dropna():
        st.info(text.replace("\n", "  \n"))  # one line per segment (Markdown hard breaks)
    partial = judged[judged["partial"]]
    if len(partial):
        st.info(f"Partial month for {len(partial)} SLO(s): data only up to "
                f"{pd.to_datetime(partial['as_of']).min():%Y-%m-%d %H:%M} UTC; their status may still change.")
    view = table[
        # The verdict first (on a phone the rest scrolls sideways inside the table)
        ["slo", "status", "attainment", "error_budget_remaining", "target", "bad", "allowed_bad", "budget_unit",
         "data_coverage", "breached", "credit_percent", "no_data", "budgeting_method", "time_zone", "service", "sli"]
    ].copy()
    # Breaches first, then the least budget left: what a review reads top to bottom.
    view = view.sort_values(["breached", "error_budget_remaining", "slo"], ascending=[False, True, True])
    view["target"] = view["target"] * 100
    view["attainment"] = view["attainment"] * 100
    view["error_budget_remaining"] = view["error_budget_remaining"] * 100
    view["data_coverage"] = view["data_coverage"] * 100
    view["status"] = [s.replace("_", " ") + (" (partial)" if p else "") for s, p in zip(view["status"], table.loc[view.index, "partial"])]
    view.insert(4, "investigate", ["breach?" + urlencode({"slo": s, "month": month}) for s in view["slo"]])
    # No verdict, so not "breached: no" either (a success-looking default for an unknown).
    view["breached"] = view["breached"].astype(object).where(table.loc[view.index, "status"] != "insufficient_data")
    Col = tables.Col
    cols = {
        "target": Col("target %", digits=3),
        "attainment": Col("attainment %", digits=4),
        "bad": Col("bad", help="in the row's unit: bad events (Occurrences) or bad slices "
                   "(minutes, with 1-minute slices)"),
        "allowed_bad": Col("allowed"),
        "budget_unit": Col("unit"),
        "error_budget_remaining": Col("budget left %", digits=1),
        "data_coverage": Col("coverage %", digits=1, help="slices with data / slices of the month"),
        "credit_percent": Col("credit %", digits=0, help="share of the monthly fee owed (default tiers: below "
                              "99.9 % 10, below 99 % 25, below 95 % 100), for SLOs whose target is at least "
                              "99.9 %, as in the monthly report and `credits`; '-' when unknown (insufficient data)"),
        "investigate": Col("investigate", link="investigate"),
        "no_data": Col("no data"),
        "budgeting_method": Col("method"),
        "time_zone": Col("zone"),
    }
    # bad and allowed as `sla` prints them: at most two decimals (50,451 events, 5.37 minutes);
    # the CSV keeps the full values.
    shown = view.assign(bad=view["bad"].round(2), allowed_bad=view["allowed_bad"].round(2))
    verdict = shown[table.loc[view.index, "status"] != "insufficient_data"]
    tables.show(verdict, cols)
    if len(short):
        st.subheader("Insufficient data: no verdict")
        grey = shown[table.loc[view.index, "status"] == "insufficient_data"].sort_values(["data_coverage", "slo"])
        tables.show(grey, cols, row_style=f"color: {GREY}; background-color: #f2f2f2")
    b1, b2, b3 = st.columns([1, 1, 3])
    b1.download_button(
        "Download CSV", safe.csv_bytes(view.drop(columns=["investigate"])),
        file_name=f"sla-{month}.csv", mime="text/csv",
    )
    # The full review document (`reliability report monthly`), built only when asked for.
    if b2.button("Build the monthly report"):
        b3.download_button(
            "Download report (Markdown)", data.monthly_report(db, month, "md", stamp),
            file_name=f"review-{month}.md", mime="text/markdown",
        )
    st.caption(
        "Periods are calendar months in each SLO's time zone unless a zone is picked. For Timeslices "
        "with 1-minute slices, bad and allowed are minutes of downtime. How to read the numbers: docs/sla.md."
    )


def rollup_table(rolled: dict, group_by: str) -> None:
    """The roll-up by label, as `sla --group-by` computes it (reliability.analysis.groups)."""
    def method(g: dict, name: str, field: str):
        value = g["by_method"].get(name, {}).get(field)
        return None if value is None else value * 100

    rows = [{
        group_by: g["value"] if g["value"] is not None else f"(no {group_by})", "SLOs": g["slos"], "met": g["met"],
        "breached": g["breached"], "no verdict": g["insufficient_data"],
        "met / measured %": None if g["compliance"] is None else g["compliance"] * 100,
        "Occurrences attainment %": method(g, "Occurrences", "attainment"),
        "Occurrences budget left %": method(g, "Occurrences", "error_budget_remaining"),
        "Timeslices budget left %": method(g, "Timeslices", "error_budget_remaining"),
        "RatioTimeslices budget left %": method(g, "RatioTimeslices", "error_budget_remaining"),
        "no verdict for": ", ".join(g["insufficient_data_slos"]),
    } for g in [*rolled["groups"], rolled["all"] | {"value": "all"}]]
    st.subheader(f"By {group_by}")
    tables.show(pd.DataFrame(rows), {k: tables.Col(digits=2) for k in rows[0] if k.endswith("%")})
    st.caption("Rule: " + rolled["rollup_rule"] + ".")


if __name__ == "__main__":
    page()
