"""The app's script: a router over the pages (``app.py`` serves it behind the login gate).

It lives here, not in ``reliability/app/``: Streamlit takes a ``pages/`` folder next to the
main script for its older multipage layout, and the folder's file names (``monthly_sla``)
are not the pages' URLs (``sla``), so every deep link opened with a "Page not found" dialog.

The navigation is built before the in-app login prompt runs, so the page a URL names (and its
query) is kept while the prompt shows; after login the same page runs with the same query.
"""

from __future__ import annotations

import streamlit as st


def run() -> None:
    st.set_page_config(page_title="reliability", layout="wide")
    from reliability.app import widgets
    from reliability.app.pages import audits, breach, contracts, data_health, incidents, monthly_sla, overview

    pages = [
        st.Page(overview.page, title="Leadership overview", url_path="overview", default=True),
        st.Page(monthly_sla.page, title="Monthly SLA review", url_path="sla"),
        st.Page(breach.page, title="Breach investigation", url_path="breach"),
        st.Page(incidents.page, title="Incidents", url_path="incidents"),
        st.Page(data_health.page, title="Data health", url_path="health"),
        st.Page(audits.page, title="Audits", url_path="audits"),
        st.Page(contracts.page, title="Contracts at risk", url_path="contracts"),
    ]
    nav = st.navigation(pages)
    widgets.login_gate()
    nav.run()


run()
