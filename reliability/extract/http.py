"""Safe HTTP for extractors: a whole-request deadline, a response size cap, no cross-host
redirects, and messages with every secret redacted.

Every extractor that talks to a server (Prometheus, and SaaS incident APIs) goes through
:func:`fetch`, which works with any ``requests.Session`` once :func:`harden` has been applied to
it::

    session = harden(requests.Session(), pool=4)
    redact = Redactor([token, *header_values])
    resp, body = fetch(session, "GET", url, limits=Limits(timeout=30, max_bytes=64 << 20),
                       redact=redact, headers=..., params=...)
    data = json.loads(body)            # body: the decoded bytes, at most max_bytes

It raises, with messages already redacted:

- :class:`Transient` — worth another attempt: connection refused or reset, no complete answer
  within ``Limits.timeout`` seconds (connect, redirects, headers and body together: a server
  dripping a byte at a time trips it too), HTTP 429 and 5xx are the caller's to classify;
- :class:`ResponseTooLarge` — the decoded body passed ``Limits.max_bytes`` (read stops there,
  so memory stays bounded);
- :class:`RedirectRefused` — the server redirected to another scheme, host or port: requests
  would carry every custom header (API keys, tenant ids) there, so the redirect is never
  followed; same-origin redirects are (at most ``Limits.max_redirects``);
- :class:`FetchError` — anything else that makes the server unusable (TLS failure, a header
  value the HTTP library refuses, a URL it cannot parse).

Status codes are not judged here: the caller decides what 401, 404 or 503 mean for its API.
A client with its own request loop can take the deadline alone: :func:`watch` its session and
run each request inside ``with Deadline(seconds)``.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_BYTES = 256 << 20  # 256 MiB of decoded body


@dataclass(frozen=True)
class Limits:
    """``timeout``: seconds for a whole request (connect, redirects, headers, body);
    ``max_bytes``: the largest decoded body accepted; ``max_redirects``: same-origin hops."""

    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    max_redirects: int = 5


class FetchError(Exception):
    """The server could not be used (message already redacted): not worth retrying."""


class Transient(FetchError):
    """Worth another attempt: connection error, timeout or deadline (the caller adds 429/5xx)."""


class ResponseTooLarge(FetchError):
    """The response body passed :attr:`Limits.max_bytes`."""


class RedirectRefused(FetchError):
    """A redirect to another origin (scheme, host or port)."""


class Redactor:
    """Removes secrets from text: the given values (tokens, passwords, header values of at
    least 4 characters), URL user-info, and ``Bearer``/``Basic`` credentials."""

    _SCHEME = re.compile(r"\b(Bearer|Basic|Token|GenieKey|Digest|bearer)\s+[A-Za-z0-9._~+/=:-]{6,}")
    _USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s?#@'\"]*@")

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: object) -> str:
        out = str(text)
        for secret in self.secrets:
            out = out.replace(secret, "***")
        out = self._SCHEME.sub(lambda m: f"{m.group(1)} ***", out)
        return self._USERINFO.sub(r"\1***@", out)


def origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` with the default port filled in."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


# --- the deadline: a watchdog that shuts the socket of a request that runs too long ---------

_current = threading.local()


class Deadline:
    """Shuts down the socket of this thread's request once ``seconds`` have passed. A read
    blocked on a dripping server then returns at once; urllib3 drops that connection.

    For a client with its own request loop (on a session prepared by :func:`watch`)::

        with Deadline(300) as deadline:
            try:
                resp = session.request(...); body = resp.content
            except requests.RequestException:
                if deadline.expired: ...   # the whole request took too long
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self.conn = None
        self._lock = threading.Lock()
        self._done = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._done = True
            self.conn = None
        self._timer.cancel()
        _current.deadline = None

    def attach(self, conn) -> None:
        with self._lock:
            self.conn = conn
            conn._reliability_deadline = self
            if self.expired:
                self._shutdown(conn)

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            conn = self.conn
            if conn is None or conn.sock is None:  # still connecting: look again shortly
                retry = threading.Timer(0.05, self._fire)
                retry.daemon = True
                retry.start()
                return
            if getattr(conn, "_reliability_deadline", None) is self:  # not handed to another request
                self._shutdown(conn)

    @staticmethod
    def _shutdown(conn) -> None:
        sock = getattr(conn, "sock", None)
        if sock is not None:
            try:  # the plain socket's shutdown, also for TLS: unblocks a recv in another thread
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass


def _watched(base):
    class Watched(base):
        def request(self, *args, **kwargs):
            deadline = getattr(_current, "deadline", None)
            if deadline is not None:
                deadline.attach(self)
            return super().request(*args, **kwargs)

    Watched.__name__ = f"Watched{base.__name__}"
    return Watched


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _watched(HTTPConnection)


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _watched(HTTPSConnection)


class _Adapter(HTTPAdapter):
    """An adapter whose connections report to the calling thread's deadline; no retries of its
    own (callers retry with backoff)."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def proxy_manager_for(self, proxy, **kwargs):
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
        return manager


def _refuse_cross_origin(resp: requests.Response, *args, **kwargs) -> requests.Response:
    """Response hook: stop at a redirect to another origin before requests follows it."""
    if resp.is_redirect:
        target = urljoin(resp.url, resp.headers.get("location", ""))
        if origin(target) != origin(resp.url):
            resp.close()
            raise RedirectRefused(
                f"the server redirected (HTTP {resp.status_code}) to another host, "
                f"{'://'.join(origin(target)[:2])}; not followed, so no credential or header goes "
                "there (use that address as the URL if it is trusted)")
        # A same-origin redirect is followed; its body is not wanted (nor read into memory).
        resp.close()
        resp._content, resp._content_consumed = b"", True
    return resp


def watch(session: requests.Session, pool: int = 4, prefixes: Iterable[str] = ()) -> requests.Session:
    """Mount the adapter whose connections a :class:`Deadline` can cut (``pool`` connections
    per host, no adapter retries) for ``http://``, ``https://`` and ``prefixes``. Returns it."""
    adapter = _Adapter(pool_connections=1, pool_maxsize=max(pool, 1), max_retries=0)
    for prefix in ("http://", "https://", *prefixes):
        session.mount(prefix, adapter)
    return session


def harden(session: requests.Session, pool: int = 4, prefixes: Iterable[str] = ()) -> requests.Session:
    """Make ``session`` safe for :func:`fetch` (in place): the watched adapter with ``pool``
    connections per host for ``http://``, ``https://`` and ``prefixes`` (a library that mounted
    its own adapter on its base URL, as prometheus-api-client does), no adapter retries, the
    cross-origin redirect hook. Returns it."""
    watch(session, pool, prefixes)
    if _refuse_cross_origin not in session.hooks["response"]:
        session.hooks["response"].append(_refuse_cross_origin)
    return session


def fetch(session: requests.Session, method: str, url: str, *, limits: Limits, redact: Redactor,
          call=None, **kwargs) -> tuple[requests.Response, bytes | bytearray]:
    """One request with the deadline, the size cap and the redirect policy; returns the final
    response and its decoded body. ``call`` replaces ``session.request`` (e.g. ``session.post``,
    which tests override to inject faults); ``kwargs`` go to it (``data``, ``params``,
    ``headers``, ``verify``)."""
    session.max_redirects = limits.max_redirects
    call = call or (lambda *a, **kw: session.request(method, *a, **kw))
    started = time.monotonic()
    with Deadline(limits.timeout) as deadline:
        try:
            resp = call(url, timeout=limits.timeout, stream=True, **kwargs)
            body = _read_capped(resp, limits)
        except FetchError as exc:
            raise type(exc)(redact(exc)) from None
        except requests.exceptions.SSLError as exc:
            raise FetchError(f"TLS error: {redact(reason(exc))} (use --ca-file for a private CA, or "
                             "--insecure)") from None
        except requests.TooManyRedirects:
            raise FetchError(f"more than {limits.max_redirects} redirects") from None
        except (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            if deadline.expired:
                raise Transient(_deadline_text(limits)) from None
            if isinstance(exc, requests.Timeout):
                raise Transient(f"timed out after {limits.timeout:g} s") from None
            raise Transient(f"connection failed ({redact(reason(exc))})") from None
        except requests.RequestException as exc:  # InvalidHeader, InvalidURL, ...: not retried
            if deadline.expired:
                raise Transient(_deadline_text(limits)) from None
            raise FetchError(f"{type(exc).__name__}: {redact(reason(exc))}") from None
        if deadline.expired or time.monotonic() - started > limits.timeout:
            resp.close()  # a body cut short by the watchdog must not be parsed
            raise Transient(_deadline_text(limits))
    return resp, body


def _deadline_text(limits: Limits) -> str:
    return f"no complete response within {limits.timeout:g} s (the --timeout for a whole request)"


def _read_capped(resp: requests.Response, limits: Limits) -> bytes | bytearray:
    """The decoded body, refusing (and closing) past ``limits.max_bytes``."""
    if resp.raw is None or resp._content_consumed:  # already in memory (a test's fake response)
        body = resp.content or b""
        if len(body) > limits.max_bytes:
            raise ResponseTooLarge(_too_large(limits))
        return body
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes and "Content-Encoding" not in resp.headers:
        resp.close()
        raise ResponseTooLarge(_too_large(limits))
    buf = bytearray()
    try:
        for chunk in resp.iter_content(1 << 16):
            buf += chunk
            if len(buf) > limits.max_bytes:
                raise ResponseTooLarge(_too_large(limits))
    finally:
        resp.close()
    return buf


def _too_large(limits: Limits) -> str:
    return f"the response is larger than {limits.max_bytes / (1 << 20):g} MiB"


def reason(exc: BaseException) -> str:
    """The innermost cause in a few words (urllib3 wraps it several times)."""
    inner = exc
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
    text = str(inner) or type(inner).__name__
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "unknown host"
    return text[:300]
