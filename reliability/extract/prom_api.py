"""The Prometheus HTTP API (Prometheus, Thanos, Mimir, Cortex), called through
prometheus-api-client's ``PrometheusConnect`` with this module's guarantees around it.

Only two endpoints are used, always at explicit times: ``/api/v1/query_range`` (evaluated at
``start + k * step`` for every whole ``k`` up to ``end``, all epoch seconds) and
``/api/v1/query`` with ``time``. Every request goes through :func:`reliability.extract.http.fetch`
(whole-request deadline of ``Connection.timeout`` seconds, a body of at most
``Connection.max_bytes``, no redirect to another host, secrets redacted). Connection errors,
timeouts, HTTP 429 and 5xx are retried with exponential backoff (0.5 s, 1 s, 2 s, ... capped at
10 s) up to ``Connection.retries`` attempts; a rejected query (HTTP 400 ``bad_data``, 422
``execution``) is never retried. A response that is not the API's JSON shape is a
:class:`FetchError` naming the server and the query. Messages name the URL (without
credentials) and the query, never a header value.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

import requests
import tenacity
from prometheus_api_client import PrometheusConnect
from urllib3.util.retry import Retry

from reliability.extract.connection import Connection
from reliability.extract.http import (
    FetchError, Limits, Redactor, ResponseTooLarge, Transient, fetch, harden,
)

log = logging.getLogger("reliability.extract")


class QueryError(Exception):
    """The server rejected the query itself (bad PromQL, execution error): not retried."""

    def __init__(self, query: str, message: str) -> None:
        super().__init__(message)
        self.query, self.message = query, message


@dataclass(frozen=True)
class Series:
    """One series of a range result: its labels and ``(epoch seconds, value text)`` points."""

    labels: dict
    values: list


class PromClient:
    """Range and instant queries against one :class:`Connection`, made by
    prometheus-api-client's ``PrometheusConnect`` over our session.

    ``PrometheusConnect`` builds the requests (``POST /api/v1/query_range`` and ``/query``
    with the parameters in the URL); every guarantee is kept here, between it and the network:
    its session's ``request`` is :meth:`_request`, which sends through :func:`fetch` (deadline,
    size cap, redirect policy, redaction), judges the status, and checks the JSON envelope
    before ``PrometheusConnect`` reads ``["data"]["result"]`` from it (parsed once). Its own
    retrying adapter is replaced by ours: retries are tenacity's, with backoff, counted by
    ``--retries``.

    ``session`` may be injected (tests use it for fault injection: requests go through its
    ``request``); ``pool`` is the number of HTTP connections kept open, at least the number of
    threads calling this client.
    """

    def __init__(self, conn: Connection, session: requests.Session | None = None, pool: int = 4) -> None:
        self.conn = conn
        self.session = harden(session or requests.Session(), pool=pool)
        self.session.headers.update(dict(conn.headers))
        if conn.token:
            self.session.headers["Authorization"] = f"Bearer {conn.token}"
        if conn.username:
            self.session.auth = (conn.username, conn.password or "")
        self.session.verify = conn.verify
        self.limits = Limits(timeout=conn.timeout, max_bytes=conn.max_bytes)
        self.redact = Redactor(conn.secret_values())
        self.requests = 0
        self.api = PrometheusConnect(url=conn.url, session=self.session, timeout=conn.timeout, method="POST",
                                     retry=Retry(total=0, redirect=False, raise_on_status=False))
        harden(self.session, pool=pool, prefixes=(conn.url,))  # it mounted a retrying adapter there
        self._send = self.session.request
        self.session.request = self._request  # PrometheusConnect's calls come through here
        self._last = threading.local()  # the envelope of this thread's last response

    def query_range(self, query: str, start: float, end: float, step: float) -> tuple[list[Series], list[str]]:
        """Series and warnings of ``query`` at ``start, start+step, ..., end`` (seconds)."""
        data, warnings = self._call("/api/v1/query_range", query,
                                    {"query": query, "start": _num(start), "end": _num(end), "step": _num(step)})
        if data.get("resultType") != "matrix":
            raise QueryError(query, f"expected a range vector result, got {data.get('resultType')!r}")
        result = data.get("result")
        if not isinstance(result, list) or not all(
                isinstance(s, Mapping) and isinstance(s.get("metric", {}), Mapping)
                and isinstance(s.get("values", []), list) for s in result):
            raise self.malformed(query, "a result that is not a list of series with metric and values")
        return [Series(s.get("metric", {}), s.get("values", [])) for s in result], warnings

    def check(self, query: str, at: float) -> int:
        """Evaluate ``query`` once at ``at`` (seconds): raises QueryError for bad PromQL and
        FetchError when the server cannot be used; returns how many series it gave (a scalar
        counts as one). Costs one cheap request."""
        data, _ = self._call("/api/v1/query", query, {"query": query, "time": _num(at)})
        kind, result = data.get("resultType"), data.get("result")
        if kind in ("vector", "matrix"):
            if not isinstance(result, list) or not all(isinstance(s, Mapping) for s in result):
                raise self.malformed(query, f"a {kind} result that is not a list of series")
            return len(result)
        if kind in ("scalar", "string"):
            return 1
        raise self.malformed(query, f"an unknown resultType {kind!r}")

    def malformed(self, query: str, what: str) -> FetchError:
        """The error for a response that is JSON but not the Prometheus API's shape."""
        return FetchError(f"Prometheus at {self.conn.display_url} answered the query {query!r} with "
                          f"{self.redact(what)} (is this a Prometheus API?)")

    def _call(self, path: str, query: str, form: dict) -> tuple[dict, list[str]]:
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(max(self.conn.retries, 1)),
            wait=tenacity.wait_exponential(multiplier=0.5, max=10),
            retry=tenacity.retry_if_exception_type(Transient),
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(path, query, form)
        except Transient as exc:
            n = max(self.conn.retries, 1)
            raise FetchError(f"Prometheus at {self.conn.display_url} failed after "
                             f"{n} attempt{'s' if n > 1 else ''}: {exc}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _log_retry(self, state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("%s: %s; retrying in %.1f s (attempt %d of %d)", self.conn.display_url, self.redact(exc),
                    state.next_action.sleep if state.next_action else 0, state.attempt_number, self.conn.retries)

    def _once(self, path: str, query: str, form: dict) -> tuple[dict, list[str]]:
        self.requests += 1
        self._last.data, self._last.warnings = {}, []
        if path.endswith("query_range"):
            self.api.custom_query_range(query, _dt(form["start"]), _dt(form["end"]), step=form["step"])
        else:
            self.api.custom_query(query, params={"time": form["time"]})
        return self._last.data, self._last.warnings

    def _request(self, method: str, url: str, params: dict | None = None, **kwargs) -> requests.Response:
        """``Session.request`` as PrometheusConnect calls it, with every guarantee of this module."""
        query = str((params or {}).get("query", ""))
        path = url[len(self.conn.url):] if url.startswith(self.conn.url) else url
        where = f"Prometheus at {self.conn.display_url}"
        kwargs.pop("timeout", None)
        kwargs["verify"] = self.conn.verify  # requests lets $REQUESTS_CA_BUNDLE override the session's
        try:
            resp, body = fetch(self.session, method, url, limits=self.limits, redact=self.redact,
                               call=lambda u, **kw: self._send(method, u, **kw), params=params, **kwargs)
        except ResponseTooLarge as exc:
            raise FetchError(f"{where}: the response to the query {query!r} is too large ({exc}); ask for "
                             "less per request with --chunk (e.g. --chunk 6h), aggregate the query, or raise "
                             "--max-response") from None
        except Transient:
            raise
        except FetchError as exc:
            raise FetchError(f"{where}: {exc}") from None
        status = resp.status_code
        if status == 429 or status >= 500:
            raise Transient(f"HTTP {status}: {self.redact(_error_text(body, resp))}")
        if status in (400, 422):
            raise QueryError(query, self.redact(_error_text(body, resp)))
        if status in (401, 403):
            raise FetchError(f"{where} refused the credentials (HTTP {status})")
        if status != 200:
            raise FetchError(f"{self.conn.display_url}{path}: HTTP {status} (is this a Prometheus API?)")
        try:
            parsed = json.loads(body)
        except ValueError:
            raise FetchError(f"{self.conn.display_url}{path}: the response to the query {query!r} is not JSON "
                             "(is this a Prometheus API?)") from None
        del body
        if not isinstance(parsed, Mapping):
            raise self.malformed(query, f"a JSON {type(parsed).__name__} instead of an object")
        if parsed.get("status") != "success":
            if parsed.get("status") == "error":
                raise QueryError(query, self.redact(f"{parsed.get('errorType')}: {parsed.get('error')}"))
            raise self.malformed(query, f"status {parsed.get('status')!r}")
        data = parsed.get("data")
        if not isinstance(data, Mapping) or "result" not in data:
            raise self.malformed(query, "no data object with a result")
        warnings = parsed.get("warnings") or []
        self._last.data = data
        self._last.warnings = [self.redact(w) for w in warnings] if isinstance(warnings, list) else []
        resp.json = lambda **_: parsed  # parsed once; PrometheusConnect reads ["data"]["result"]
        return resp


def _dt(epoch: str) -> datetime:
    return datetime.fromtimestamp(float(epoch), tz=timezone.utc)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _error_text(body: bytes | bytearray, resp: requests.Response) -> str:
    try:
        parsed = json.loads(body)
        if isinstance(parsed, Mapping):
            return f"{parsed.get('errorType', '')}: {parsed.get('error', '')}".strip(": ")
    except ValueError:
        pass
    return (bytes(body[:200]).decode("utf-8", "replace") or resp.reason or "").strip()
