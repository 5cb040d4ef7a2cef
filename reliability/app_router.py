"""The app's script: a router over the pages (``app.py`` serves it behind the login gate).

It lives here, not in ``reliability/app/``: Streamlit takes a ``pages/`` folder next to the
main script for its older multipage layout, and the folder's file names (``monthly_sla``)
are not the pages' URLs (``sla``), so every deep link opened with a "Page not found" dialog.

The navigation is built before the in-app login prompt runs, so the page a URL names (and its
query) is kept while the prompt shows; after login the same page runs with the same query.
"""

from __future__ import annotations

import importlib

import streamlit as st


def run() -> None:
    st.set_page_config(page_title="reliability", layout="wide")
    from reliability.app import widgets
    from reliability.app.pages import PAGES

    pages = [st.Page(importlib.import_module(f"reliability.app.pages.{module}").page, title=title, url_path=path,
                     default=i == 0) for i, (module, title, path) in enumerate(PAGES)]
    nav = st.navigation(pages)
    widgets.login_gate()
    nav.run()


run()
