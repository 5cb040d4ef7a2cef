"""A small JSON client for the incident SaaS APIs (PagerDuty, Opsgenie, incident.io).

Every request goes through :func:`reliability.extract.http.fetch` on a hardened session, so it
has that module's guarantees: one deadline for the whole request (``Api.timeout`` seconds:
connect, redirects, headers and body), a response size cap (``Api.max_bytes``), same-origin
redirects only, and messages with the token redacted. On top of that, for these APIs:

- The token is sent only to the configured API origin: a pagination link to another origin
  (Opsgenie's ``paging.next`` is an absolute URL) is refused before anything is sent, and plain
  ``http://`` is refused except for a loopback host (local test servers).
- HTTP 429 waits the response's ``Retry-After`` (seconds or an HTTP date; capped by
  ``max_wait``); 5xx, timeouts and connection errors back off exponentially (0.5 s, 1 s, 2 s
  ... capped at 10 s); all count against ``retries`` attempts. 401/403 is never retried.

``session`` and ``sleep`` may be injected (fault injection in tests).
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from reliability.extract import http

log = logging.getLogger("reliability.extract")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class SaasError(Exception):
    """The API could not be used: unreachable after retries, token refused, bad response, or a
    link to another host. The message never contains the token."""


class _Transient(Exception):
    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


@dataclass(frozen=True)
class Api:
    """One vendor API: base URL, how the token is sent, limits. ``timeout`` is seconds for a
    whole request, ``retries`` attempts per request, ``max_wait`` the longest Retry-After
    honoured (seconds), ``max_bytes`` the largest response body read."""

    vendor: str
    base_url: str
    token: str = field(repr=False)
    auth_prefix: str = "Bearer "  # Authorization: prefix + token ("Token token=", "GenieKey ")
    headers: tuple[tuple[str, str], ...] = ()
    timeout: float = 30.0
    retries: int = 5
    max_wait: float = 300.0
    max_bytes: int = 64 << 20


def check_base_url(url: str, option: str = "--url") -> str:
    """The base URL without a trailing slash; BadInput for a non-HTTPS remote or a bad URL."""
    from reliability.errors import BadInput

    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise BadInput(f"expected an http(s) URL such as https://api.pagerduty.com, got {url!r}", field=option)
    if parts.username or parts.password:
        raise BadInput("credentials do not belong in the URL: use --token-file or the environment", field=option)
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise BadInput(f"refusing to send a token over plain http to {parts.hostname}: use https", field=option)
    return url.rstrip("/")


class Client:
    """GET and POST JSON against one :class:`Api`; ``requests`` counts the HTTP requests made."""

    def __init__(self, api: Api, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.api = api
        self.session = http.harden(session or requests.Session(), pool=1)
        self.session.trust_env = False  # no proxy or netrc credentials picked up behind our back
        self.redact = http.Redactor([api.token])
        self.limits = http.Limits(timeout=api.timeout, max_bytes=api.max_bytes)
        self.sleep = sleep
        self.requests = 0

    def get(self, path_or_url: str, params: dict | None = None) -> Any:
        return self._call("GET", path_or_url, params=params)

    def post(self, path: str, body: dict) -> Any:
        return self._call("POST", path, json=body)

    # -- internals --------------------------------------------------------------------------

    def url(self, path_or_url: str) -> str:
        """An absolute URL on the API's origin; SaasError for a link to another origin."""
        url = urljoin(self.api.base_url + "/", path_or_url.lstrip("/")) if "://" not in path_or_url else path_or_url
        if http.origin(url) != http.origin(self.api.base_url):
            raise SaasError(f"{self.api.vendor}: refusing to follow a link to another host "
                            f"({_where(url)}); the token is only sent to {_where(self.api.base_url)}")
        return url

    def _call(self, method: str, path_or_url: str, **kwargs) -> Any:
        url = self.url(path_or_url)
        attempts = max(self.api.retries, 1)
        for attempt in range(1, attempts + 1):
            try:
                return self._once(method, url, kwargs)
            except _Transient as exc:
                if attempt == attempts:
                    raise SaasError(f"{self.api.vendor} at {_where(url)} failed after {attempts} "
                                    f"attempt{'s' if attempts > 1 else ''}: {exc}") from None
                wait = exc.wait if exc.wait is not None else min(0.5 * 2 ** (attempt - 1), 10.0)
                log.warning("%s: %s; retrying in %.1f s (attempt %d of %d)", _where(url), exc, wait, attempt, attempts)
                self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, method: str, url: str, kwargs: dict) -> Any:
        headers = {"Accept": "application/json", "Authorization": self.api.auth_prefix + self.api.token,
                   **dict(self.api.headers)}
        self.requests += 1
        try:
            resp, body = http.fetch(self.session, method, url, limits=self.limits, redact=self.redact,
                                    headers=headers, **kwargs)
        except http.Transient as exc:
            raise _Transient(str(exc)) from None
        except http.FetchError as exc:  # too large, cross-host redirect, TLS, ...: not retried
            raise SaasError(f"{self.api.vendor} at {_where(url)}: {exc}") from None
        status = resp.status_code
        if status == 429:
            raise _Transient("HTTP 429 (rate limited)", wait=self._retry_after(resp))
        if status >= 500:
            raise _Transient(f"HTTP {status}")
        if status in (401, 403):
            raise SaasError(f"{self.api.vendor} at {_where(url)} refused the token (HTTP {status}); "
                            "check --token-file or the token's environment variable and its scopes")
        if status != 200:
            text = bytes(body[:200]).decode("utf-8", "replace")
            raise SaasError(f"{self.api.vendor} at {_where(url)}: HTTP {status}: {self.redact(text)}")
        try:
            return json.loads(body)
        except ValueError:
            raise SaasError(f"{self.api.vendor} at {_where(url)}: the response is not JSON (is --url right?)") from None

    def _retry_after(self, resp: requests.Response) -> float | None:
        value = (resp.headers.get("Retry-After") or "").strip()
        if not value:
            return None
        try:
            seconds = float(value)
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
            seconds = (when - datetime.now(UTC)).total_seconds()
        return min(max(seconds, 0.0), self.api.max_wait)


def _where(url: str) -> str:
    """Scheme, host, port and path of a URL: never its query (which may carry filters) or userinfo."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"
