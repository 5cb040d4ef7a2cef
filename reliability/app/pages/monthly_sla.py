"""Monthly SLA review: every SLO's attainment, error budget and breach status for a month."""

from __future__ import annotations

import streamlit as st

from reliability.app import data


def page() -> None:
    st.title("Monthly SLA review")
    db = data.db_path()
    months = data.months_with_data(db)
    if not months:
        st.info("No SLI data yet. Load the sample with `reliability demo` or ingest series.")
        return
    left, right = st.columns([1, 1])
    month = left.selectbox("Month", months, index=min(1, len(months) - 1))
    no_data = right.radio("No-data slices count as", ["good", "bad", "exclude"], horizontal=True)
    table = data.sla_table(db, month, no_data)
    if table.empty:
        st.info("No SLOs defined. Apply OpenSLO files with `reliability slo apply`.")
        return
    breached = table[table["breached"]]
    c1, c2, c3 = st.columns(3)
    c1.metric("SLOs", len(table))
    c2.metric("Breached", len(breached))
    c3.metric("Lowest budget left", f"{table['error_budget_remaining'].min() * 100:.1f}%")
    view = table[
        ["slo", "service", "sli", "budgeting_method", "target", "attainment", "bad", "allowed_bad",
         "error_budget_remaining", "no_data", "breached"]
    ].copy()
    # Breaches first, then the least budget left: what a review reads top to bottom.
    view = view.sort_values(["breached", "error_budget_remaining", "slo"], ascending=[False, True, True])
    view["target"] = view["target"] * 100
    view["attainment"] = view["attainment"] * 100
    view["error_budget_remaining"] = view["error_budget_remaining"] * 100
    st.dataframe(
        view,
        hide_index=True,
        width="stretch",
        height=36 * (len(view) + 1) + 2,
        column_config={
            "target": st.column_config.NumberColumn("target %", format="%.3f"),
            "attainment": st.column_config.NumberColumn("attainment %", format="%.4f"),
            "bad": st.column_config.NumberColumn("bad", help="Bad events (Occurrences) or bad slices (minutes)", format="%.2f"),
            "allowed_bad": st.column_config.NumberColumn("allowed", format="%.2f"),
            "error_budget_remaining": st.column_config.NumberColumn("budget left %", format="%.1f"),
        },
    )
    st.caption(
        "Periods are calendar months in each SLO's time zone. For Timeslices with 1-minute slices, "
        "bad and allowed are minutes of downtime. Definitions: see the README."
    )


if __name__ == "__main__":
    page()
