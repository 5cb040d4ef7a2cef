"""The app's login, enforced in front of Streamlit: an ASGI middleware over every request.

With ``app_password`` in the app's secrets, a request without a valid login cookie reaches
nothing of Streamlit: a page request gets the login form (which remembers the page, query
included, and returns there after login), the WebSocket that carries every script result is
refused, and every other path (``/media/...`` downloads, uploads, components, the agent API,
metrics) answers 401. Only ``/_stcore/health`` (the text ``ok``) is open. Without a password
the middleware passes everything through.

The cookie (``reliability_login``, HttpOnly, SameSite=Lax) holds an expiry and an HMAC of it
keyed by Streamlit's ``server.cookieSecret`` (random per process unless configured: set it to
keep logins across restarts) and the password (changing the password logs everyone out).

Password attempts are rate-limited (:class:`Attempts`): per client address and in total, so
guessing from many addresses is bounded too. The in-app prompt (``widgets.login_gate``, used
when the script runs without this middleware, e.g. under AppTest) shares the same limits.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import threading
import time
from collections import deque
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, quote

COOKIE = "reliability_login"
LOGIN_PATH = "/_login"
OPEN_PATHS = ("/_stcore/health",)
SESSION_SECONDS = 12 * 3600  # a login lasts 12 hours
MAX_BODY = 4096  # bytes of a login form; more is refused
PER_CLIENT = 5  # failed attempts per client address per WINDOW
IN_TOTAL = 30  # failed attempts from all addresses per WINDOW
WINDOW = 300.0  # seconds


class Attempts:
    """Failed password attempts in a sliding window: at most ``per_client`` per address and
    ``in_total`` overall per ``window`` seconds. While over either limit, every attempt is
    refused unchecked (a right password too), so guessing gains nothing from trying faster."""

    def __init__(self, per_client: int = PER_CLIENT, in_total: int = IN_TOTAL, window: float = WINDOW,
                 clock=time.monotonic) -> None:
        self.per_client, self.in_total, self.window, self.clock = per_client, in_total, window, clock
        self._failures: deque[tuple[float, str]] = deque()
        self._lock = threading.Lock()

    def _prune(self, now: float) -> None:
        while self._failures and self._failures[0][0] <= now - self.window:
            self._failures.popleft()

    def wait_seconds(self, client: str) -> float:
        """0 when ``client`` may try now, else the seconds until it may."""
        with self._lock:
            now = self.clock()
            self._prune(now)
            mine = [t for t, c in self._failures if c == client]
            waits = []
            if len(mine) >= self.per_client:
                waits.append(mine[-self.per_client] + self.window - now)
            if len(self._failures) >= self.in_total:
                waits.append(self._failures[-self.in_total][0] + self.window - now)
            return max([0.0, *waits])

    def failed(self, client: str) -> None:
        with self._lock:
            self._failures.append((self.clock(), client))

    def check(self, client: str, typed: str, password: str) -> tuple[bool, float]:
        """(right password, seconds to wait): a refused attempt is not checked at all."""
        wait = self.wait_seconds(client)
        if wait > 0:
            return False, wait
        if hmac.compare_digest(typed.encode(), password.encode()):
            return True, 0.0
        self.failed(client)
        return False, 0.0


ATTEMPTS = Attempts()  # one per server process, shared by the middleware and the in-app prompt


class SecretsUnreadable(RuntimeError):
    """A secrets file exists but cannot be parsed: the app stays closed (never fails open)."""


def app_password() -> str | None:
    """``app_password`` from the app's secrets (``.streamlit/secrets.toml`` or
    ``secrets.files``), or None when login is off (no secrets file, or no such key).
    SecretsUnreadable when a secrets file cannot be parsed."""
    import streamlit as st

    try:
        value = st.secrets.get("app_password")
    except FileNotFoundError as exc:  # Streamlit's StreamlitSecretNotFoundError, both cases
        if "parsing" in str(exc).lower():
            raise SecretsUnreadable("the app's secrets file cannot be parsed") from None
        return None
    return str(value) if value else None


def _key(password: str) -> bytes:
    from streamlit import config

    secret = str(config.get_option("server.cookieSecret") or "")
    return hmac.new(secret.encode(), b"reliability-login\0" + password.encode(), hashlib.sha256).digest()


def cookie_value(password: str, now: float | None = None) -> str:
    """A login cookie value valid for SESSION_SECONDS from ``now`` (epoch seconds)."""
    expiry = int((time.time() if now is None else now) + SESSION_SECONDS)
    sig = hmac.new(_key(password), str(expiry).encode(), hashlib.sha256).hexdigest()
    return f"{expiry}.{sig}"


def valid_cookie(value: str | None, password: str) -> bool:
    """True when ``value`` is an unexpired login cookie for this password and server."""
    if not value or "." not in value:
        return False
    expiry, _, sig = value.partition(".")
    if not expiry.isascii() or not expiry.isdigit() or int(expiry) < time.time():
        return False
    want = hmac.new(_key(password), expiry.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(sig, want)


def split_base(scope) -> tuple[str, str]:
    """(the server's base path, ``server.baseUrlPath``: "" or "/base"; the request's path
    under it)."""
    from streamlit import config

    base = ("/" + str(config.get_option("server.baseUrlPath") or "").strip("/")).rstrip("/")
    path = scope.get("path", "")
    return base, path[len(base):] if base and path.startswith(base) else path


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


def _cookie(scope) -> str | None:
    jar = SimpleCookie()
    try:
        jar.load(_header(scope, b"cookie"))
    except Exception:  # a malformed Cookie header counts as none
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None


def _client(scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def _safe_next(target: str, base: str) -> str:
    """A local path to return to after login (never another site)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target):
        return base + "/"
    return target


def _page(base: str, target: str, message: str = "") -> bytes:
    note = f'<p class="msg" role="alert">{html.escape(message)}</p>' if message else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>reliability: log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;max-width:22rem;margin:15vh auto;padding:0 1rem}}
input{{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box;margin:.3rem 0}}
.msg{{color:#b00020}}</style></head>
<body><h1>reliability</h1>{note}
<form method="post" action="{html.escape(base + LOGIN_PATH)}">
<input type="hidden" name="next" value="{html.escape(target)}">
<label>Password <input type="password" name="password" autofocus autocomplete="current-password"></label>
<input type="submit" value="Log in"></form></body></html>""".encode()


async def _respond(send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None,
                   content_type: bytes = b"text/plain; charset=utf-8") -> None:
    base_headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        (b"x-frame-options", b"DENY"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": base_headers + (headers or [])})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive) -> bytes | None:
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if len(body) > MAX_BODY:
            return None
        if not message.get("more_body"):
            return body


class LoginGate:
    """ASGI middleware; see the module docstring. ``attempts`` is injectable for tests."""

    def __init__(self, app, attempts: Attempts | None = None) -> None:
        self.app = app
        self.attempts = attempts or ATTEMPTS

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        try:
            password = app_password()
        except SecretsUnreadable:
            # Not the parser's message: it can quote a character of the file.
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 4500})
            else:
                await _respond(send, 503, b"the app's secrets file cannot be parsed; see .streamlit/secrets.toml\n")
            return
        if not password:
            await self.app(scope, receive, send)
            return
        base, local = split_base(scope)
        path = scope.get("path", "")
        if scope["type"] == "http" and local == LOGIN_PATH:
            await self._login(scope, receive, send, base, password)
            return
        if valid_cookie(_cookie(scope), password) or local in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4401})  # before accept: HTTP 403
            return
        method = scope.get("method", "GET")
        internal = local.startswith(("/_stcore/", "/media/", "/component/", "/app/static/", "/auth/", "/static/", "/bidi"))
        if method in ("GET", "HEAD") and not internal:
            query = scope.get("query_string", b"").decode("latin-1")
            target = _safe_next(path + ("?" + query if query else ""), base)
            await _respond(send, 200, _page(base, target), content_type=b"text/html; charset=utf-8")
            return
        await _respond(send, 401, b"login required\n")

    async def _login(self, scope, receive, send, base: str, password: str) -> None:
        if scope.get("method") != "POST":
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            target = _safe_next((query.get("next") or [base + "/"])[0], base)
            await _respond(send, 200, _page(base, target), content_type=b"text/html; charset=utf-8")
            return
        body = await _read_body(receive)
        if body is None:
            await _respond(send, 413, b"login form too large\n")
            return
        form = parse_qs(body.decode("utf-8", errors="replace"))
        target = _safe_next((form.get("next") or [base + "/"])[0], base)
        typed = (form.get("password") or [""])[0]
        ok, wait = self.attempts.check(_client(scope), typed, password)
        if ok:
            secure = "; Secure" if _header(scope, b"x-forwarded-proto") == "https" or scope.get("scheme") == "https" else ""
            cookie = (f"{COOKIE}={cookie_value(password)}; Path={base or '/'}; Max-Age={SESSION_SECONDS}; "
                      f"HttpOnly; SameSite=Lax{secure}")
            await _respond(send, 303, b"", [(b"location", quote(target, safe="/?&=%:+,;@-._~").encode()),
                                             (b"set-cookie", cookie.encode())])
            return
        if wait > 0:
            await _respond(send, 429, _page(base, target, f"Too many attempts: try again in {wait:.0f} s."),
                           [(b"retry-after", str(int(wait) + 1).encode())], b"text/html; charset=utf-8")
            return
        await _respond(send, 401, _page(base, target, "Wrong password."), content_type=b"text/html; charset=utf-8")
