"""The Streamlit app: `RELIABILITY_DB=DB streamlit run app.py`. A router over the pages."""

from __future__ import annotations

import streamlit as st


def run() -> None:
    st.set_page_config(page_title="reliability", layout="wide")
    from reliability.app.pages import monthly_sla

    nav = st.navigation([st.Page(monthly_sla.page, title="Monthly SLA review", url_path="sla", default=True)])
    nav.run()


run()
