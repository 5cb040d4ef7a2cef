"""Monthly SLA review: every SLO's attainment, error budget, breach and credit for a month."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from reliability.app import data, widgets

OWN_ZONE = "each SLO's own zone"


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
    table = data.sla_table(db, month, no_data, stamp, None if zone == OWN_ZONE else zone)
    if table.empty:
        st.info("No SLOs defined. Apply OpenSLO files with `reliability slo apply`.")
        return
    breached = table[table["breached"]]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("SLOs", len(table))
    c2.metric("Breached", len(breached))
    c3.metric("Lowest budget left", f"{table['error_budget_remaining'].min() * 100:.1f}%")
    c4.metric("SLOs owing credits", int((table["credit_percent"] > 0).sum()))
    view = table[
        ["slo", "target", "attainment", "bad", "allowed_bad", "error_budget_remaining", "breached",
         "credit_percent", "no_data", "budgeting_method", "time_zone", "service", "sli"]
    ].copy()
    # Breaches first, then the least budget left: what a review reads top to bottom.
    view = view.sort_values(["breached", "error_budget_remaining", "slo"], ascending=[False, True, True])
    view["target"] = view["target"] * 100
    view["attainment"] = view["attainment"] * 100
    view["error_budget_remaining"] = view["error_budget_remaining"] * 100
    view.insert(1, "investigate", ["breach?" + urlencode({"slo": s, "month": month}) for s in view["slo"]])
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
            "credit_percent": st.column_config.NumberColumn(
                "credit %", help="Share of the monthly fee owed (default tiers: below 99.9 % 10, below 99 % 25, below "
                     "95 % 100), for SLOs whose target is at least 99.9 %, as in the monthly report",
                format="%.0f"),
            "investigate": st.column_config.LinkColumn("investigate", display_text="investigate"),
        },
    )
    b1, b2, b3 = st.columns([1, 1, 3])
    b1.download_button(
        "Download CSV", view.drop(columns=["investigate"]).to_csv(index=False).encode(),
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
        "with 1-minute slices, bad and allowed are minutes of downtime. Definitions: see the README."
    )


if __name__ == "__main__":
    page()
