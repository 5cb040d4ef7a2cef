"""A small client for the Prometheus HTTP API (Prometheus, Thanos, Mimir, Cortex).

Only two endpoints are used, always at explicit times: ``/api/v1/query_range`` (evaluated at
``start + k * step`` for every whole ``k`` up to ``end``, all epoch seconds) and
``/api/v1/query`` with ``time``. Connection errors, timeouts, HTTP 429 and 5xx are retried with
exponential backoff (0.5 s, 1 s, 2 s, ... capped at 10 s) up to ``Connection.retries``
attempts; a rejected query (HTTP 400 ``bad_data``, 422 ``execution``) is never retried.
Messages name the URL (without credentials) and the query, never a header value.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests
import tenacity
from requests.adapters import HTTPAdapter

from reliability.extract.connection import Connection

log = logging.getLogger("reliability.extract")


class QueryError(Exception):
    """The server rejected the query itself (bad PromQL, execution error): not retried."""

    def __init__(self, query: str, message: str) -> None:
        super().__init__(message)
        self.query, self.message = query, message


class FetchError(Exception):
    """The server could not be used: unreachable after retries, auth refused, not an API."""


class _Transient(Exception):
    """Worth another attempt: connection error, timeout, 429 or 5xx."""


@dataclass(frozen=True)
class Series:
    """One series of a range result: its labels and ``(epoch seconds, value text)`` points."""

    labels: dict
    values: list


class PromClient:
    """Range and instant queries against one :class:`Connection`.

    ``session`` may be injected (tests use it for fault injection); ``pool`` is the number of
    HTTP connections kept open, at least the number of threads calling this client.
    """

    def __init__(self, conn: Connection, session: requests.Session | None = None, pool: int = 4) -> None:
        self.conn = conn
        self.session = session or requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(pool, 1), max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update(dict(conn.headers))
        if conn.token:
            self.session.headers["Authorization"] = f"Bearer {conn.token}"
        if conn.username:
            self.session.auth = (conn.username, conn.password or "")
        self.session.verify = conn.verify
        self.requests = 0

    def query_range(self, query: str, start: float, end: float, step: float) -> tuple[list[Series], list[str]]:
        """Series and warnings of ``query`` at ``start, start+step, ..., end`` (seconds)."""
        data, warnings = self._call("/api/v1/query_range", query,
                                    {"query": query, "start": _num(start), "end": _num(end), "step": _num(step)})
        if data.get("resultType") != "matrix":
            raise QueryError(query, f"expected a range vector result, got {data.get('resultType')!r}")
        return [Series(s.get("metric", {}), s.get("values", [])) for s in data.get("result", [])], warnings

    def check(self, query: str, at: float) -> int:
        """Evaluate ``query`` once at ``at`` (seconds): raises QueryError for bad PromQL and
        FetchError when the server cannot be used; returns how many series it gave (a scalar
        counts as one). Costs one cheap request."""
        data, _ = self._call("/api/v1/query", query, {"query": query, "time": _num(at)})
        result = data.get("result")
        return len(result) if data.get("resultType") in ("vector", "matrix") and isinstance(result, list) else 1

    def _call(self, path: str, query: str, form: dict) -> tuple[dict, list[str]]:
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(max(self.conn.retries, 1)),
            wait=tenacity.wait_exponential(multiplier=0.5, max=10),
            retry=tenacity.retry_if_exception_type(_Transient),
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(path, query, form)
        except _Transient as exc:
            n = max(self.conn.retries, 1)
            raise FetchError(f"Prometheus at {self.conn.display_url} failed after "
                             f"{n} attempt{'s' if n > 1 else ''}: {exc}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _log_retry(self, state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("%s: %s; retrying in %.1f s (attempt %d of %d)", self.conn.display_url, exc,
                    state.next_action.sleep if state.next_action else 0, state.attempt_number, self.conn.retries)

    def _once(self, path: str, query: str, form: dict) -> tuple[dict, list[str]]:
        self.requests += 1
        try:
            # verify on every request: requests lets $REQUESTS_CA_BUNDLE / $CURL_CA_BUNDLE
            # override the session's own setting, which would drop --ca-file and --insecure.
            resp = self.session.post(self.conn.url + path, data=form, timeout=self.conn.timeout,
                                     verify=self.conn.verify)
        except requests.exceptions.SSLError as exc:
            raise FetchError(f"TLS error talking to {self.conn.display_url}: {_reason(exc)} "
                             "(use --ca-file for a private CA, or --insecure)") from None
        except requests.Timeout:
            raise _Transient(f"timed out after {self.conn.timeout:g} s") from None
        except requests.ConnectionError as exc:
            raise _Transient(f"connection failed ({_reason(exc)})") from None
        status = resp.status_code
        if status == 429 or status >= 500:
            raise _Transient(f"HTTP {status}: {_error_text(resp)}")
        if status in (400, 422):
            raise QueryError(query, _error_text(resp))
        if status in (401, 403):
            raise FetchError(f"Prometheus at {self.conn.display_url} refused the credentials (HTTP {status})")
        if status != 200:
            raise FetchError(f"{self.conn.display_url}{path}: HTTP {status} (is this a Prometheus API?)")
        try:
            body = resp.json()
        except ValueError:
            raise FetchError(f"{self.conn.display_url}{path}: the response is not JSON (is this a Prometheus API?)") from None
        if body.get("status") != "success":
            raise QueryError(query, f"{body.get('errorType')}: {body.get('error')}")
        return body.get("data") or {}, list(body.get("warnings") or [])


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _error_text(resp: requests.Response) -> str:
    try:
        body = resp.json()
        return f"{body.get('errorType', '')}: {body.get('error', '')}".strip(": ")
    except ValueError:
        return (resp.text or resp.reason or "").strip()[:200]


def _reason(exc: Exception) -> str:
    """The innermost cause in a few words (urllib3 wraps it several times)."""
    inner = exc
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
    text = str(inner) or type(inner).__name__
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "unknown host"
    return text[:200]
