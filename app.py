"""The Streamlit app: `RELIABILITY_DB=DB streamlit run app.py`. A router over the pages."""

from __future__ import annotations

import streamlit as st


def run() -> None:
    st.set_page_config(page_title="reliability", layout="wide")
    from reliability.app import widgets
    from reliability.app.pages import audits, breach, data_health, incidents, monthly_sla, overview

    widgets.login_gate()
    nav = st.navigation([
        st.Page(overview.page, title="Leadership overview", url_path="overview", default=True),
        st.Page(monthly_sla.page, title="Monthly SLA review", url_path="sla"),
        st.Page(breach.page, title="Breach investigation", url_path="breach"),
        st.Page(incidents.page, title="Incidents", url_path="incidents"),
        st.Page(data_health.page, title="Data health", url_path="health"),
        st.Page(audits.page, title="Audits", url_path="audits"),
    ])
    nav.run()


run()
