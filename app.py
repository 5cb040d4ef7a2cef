"""The Streamlit app: `RELIABILITY_DB=DB streamlit run app.py`.

`streamlit run` serves the ASGI app below: Streamlit running the router script
(reliability/app_router.py, one page module each in reliability/app/pages/) behind the login gate
(reliability/app/gate.py), which keeps every page, download and endpoint behind the password
when `app_password` is set in `.streamlit/secrets.toml`; behind it, the page shell
(reliability/app/shell.py) tells the browser where the server is, so a page's URL does not
cost a failed probe of its own path.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

import reliability
from reliability.app import preload
from reliability.app.gate import LoginGate
from reliability.app.shell import PageShell

preload.run()  # the pages' imports now, before the server answers: not in the first reader's visit
app = st.App(str(Path(reliability.__file__).with_name("app_router.py")), middleware=[Middleware(LoginGate), Middleware(PageShell)])
