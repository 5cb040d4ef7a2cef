"""The page shell for the app's own page URLs, telling Streamlit's frontend where the server is.

Opened at ``/sla`` (any page but the default), Streamlit's frontend cannot tell a page from the
path the server is mounted under: it asks ``/sla/_stcore/health`` first, gets a 404, waits
100 ms and then asks ``/_stcore/health``. Measured in Chromium on 2 cores, a new tab's
WebSocket opened ~0.2 s later on those pages than on the overview, and the page settled as much
later (benchmarks/README.md, "The page shell").

The frontend reads the server's address from ``window.__streamlit.BACKEND_BASE_URL`` when it is
set (the embedding hook of Streamlit's own ``index.html``). This middleware answers a GET or
HEAD of the app's root or of a page's URL path (:data:`reliability.app.pages.PAGES`) with that
same ``index.html``, plus one script that sets it: the URL the browser shows, less the page's
path, so it stays right behind a proxy that adds a prefix. Every other request, including
Streamlit's own fallback for unknown paths, goes to Streamlit unchanged. It runs behind the
login gate (``app.py``): without a login a page request still gets the login form.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from reliability.app.gate import split_base
from reliability.app.pages import PAGES

PAGE_PATHS = frozenset(["", *(path for _module, _title, path in PAGES)])
PIN = ("<script>(function () {{ var page = {page}, path = location.pathname.replace(/\\/+$/, \"\");"
       " if (page && path.slice(-page.length - 1) === \"/\" + page) path = path.slice(0, -page.length - 1);"
       " window.__streamlit = {{BACKEND_BASE_URL: location.origin + path + \"/\"}}; }})();</script>")


@cache
def streamlit_index() -> str:
    """Streamlit's ``index.html``, the file its static handler serves for a page."""
    import streamlit

    return (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")


@cache
def shell(page: str) -> bytes:
    """Streamlit's page shell with the server's base URL set, for ``page`` ("" at the root);
    built once per page, not per request."""
    index = streamlit_index()
    at = index.index("<head>") + len("<head>")
    return (index[:at] + PIN.format(page=json.dumps(page)) + index[at:]).encode()


class PageShell:
    """ASGI middleware; see the module docstring."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD"):
            base, local = split_base(scope)
            page = local.removeprefix("/")  # "" at the root, "sla/" (redirected by Streamlit) is none
            if page in PAGE_PATHS and (scope["path"] == base or scope["path"].startswith(base + "/")):
                body = shell(page)
                await send({"type": "http.response.start", "status": 200, "headers": [
                    (b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-cache")]})
                await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
                return
        await self.app(scope, receive, send)
