"""A local stand-in for the PagerDuty, Opsgenie and incident.io APIs (Python's http.server on
127.0.0.1, a free port), speaking their documented response shapes and pagination.

Every record it serves is built from the vendor's own published example stored verbatim in
tests/data/vendors/ (PagerDuty OpenAPI, Opsgenie docs, incident.io OpenAPI): the example
record is copied and only its id, number and times are varied, so the shapes are the vendors'.
Pagination is each vendor's: PagerDuty ``limit``/``offset``/``more`` (Analytics
``starting_after``/``last``/``more``), Opsgenie ``paging.next`` absolute URLs, incident.io
``pagination_meta.after``. Fault injection: a 429 with ``Retry-After`` on the first request of a
path, 500s after some number of requests, and ``paging.next`` pointing at another host.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

VENDORS = Path(__file__).parent / "data" / "vendors"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def _load(name: str):
    return json.loads((VENDORS / name).read_text())


def _z(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def pagerduty_incidents(n: int) -> tuple[list[dict], dict[str, list[dict]]]:
    """``n`` incidents 6 hours apart from the REST example, with log entries built from the log
    entries example: a trigger; an acknowledgement 2*k minutes later for every k but the last."""
    example = _load("pagerduty_openapi_list_incidents.json")["incidents"][0]
    log_example = _load("pagerduty_openapi_incident_log_entries.json")["log_entries"][0]
    incidents, logs = [], {}
    for k in range(n):
        created = T0 + timedelta(hours=6 * k)
        inc = copy.deepcopy(example)
        pid = f"PT4KH{k:02d}"
        inc.update(id=pid, incident_number=1234 + k, created_at=_z(created),
                   resolved_at=_z(created + timedelta(minutes=30)), last_status_change_at=_z(created + timedelta(minutes=30)))
        incidents.append(inc)
        trigger = copy.deepcopy(log_example)
        trigger.update(id=f"Q{k:02d}T", created_at=_z(created))
        trigger["incident"]["id"] = pid
        entries = [trigger]
        if k < n - 1:
            ack = copy.deepcopy(trigger)
            ack.update(id=f"Q{k:02d}A", type="acknowledge_log_entry", created_at=_z(created + timedelta(minutes=2 * k)))
            entries.insert(0, ack)  # the API lists newest first
        logs[pid] = entries
    return incidents, logs


def analytics_rows(n: int) -> list[dict]:
    example = _load("pagerduty_openapi_analytics_raw_incidents.json")["data"][1]
    rows = []
    for k in range(n):
        created = T0 + timedelta(hours=6 * k)
        row = copy.deepcopy(example)
        row.update(id=f"PA{k:03d}", incident_number=900 + k, created_at=created.strftime("%Y-%m-%dT%H:%M:%S"),
                   resolved_at=(created + timedelta(seconds=2029)).strftime("%Y-%m-%dT%H:%M:%S"))
        rows.append(row)
    return rows


def opsgenie_alerts(n: int) -> list[dict]:
    example = _load("opsgenie_docs_list_alerts.json")["data"][0]
    out = []
    for k in range(n):
        alert = copy.deepcopy(example)
        created = T0 + timedelta(hours=6 * k)
        alert.update(id=f"70413a06-38d6-4c85-92b8-5ebc900d4{k:03d}", tinyId=str(1791 + k),
                     createdAt=created.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        out.append(alert)
    return out


def opsgenie_incidents(n: int) -> list[dict]:
    example = _load("opsgenie_port_docs_incident.json")
    out = []
    for k in range(n):
        inc = copy.deepcopy(example)
        created = T0 + timedelta(hours=6 * k)
        inc.update(id=f"652f14b3-019a-4d4c-8b83-e4da527a4{k:03d}", tinyId=str(3 + k),
                   createdAt=created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                   impactStartDate=created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                   impactEndDate=(created + timedelta(minutes=39)).strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        out.append(inc)
    return out


def incidentio_incidents(n: int) -> list[dict]:
    example = _load("incidentio_openapi_list_incidents_v2.json")["incidents"][0]
    out = []
    for k in range(n):
        inc = copy.deepcopy(example)
        created = T0 + timedelta(hours=6 * k)
        inc.update(id=f"01FDAG4SAP5TYPT98WGR2N7W{k:02d}", reference=f"INC-{123 + k}", created_at=_z(created))
        inc["incident_status"]["category"] = "closed"
        inc["incident_timestamp_values"] = [
            {"incident_timestamp": {"id": "ts1", "name": "Reported at", "rank": 1}, "value": {"value": _z(created)}},
            {"incident_timestamp": {"id": "ts2", "name": "Accepted at", "rank": 2},
             "value": {"value": _z(created + timedelta(minutes=3))}},
            {"incident_timestamp": {"id": "ts3", "name": "Closed at", "rank": 3},
             "value": {"value": _z(created + timedelta(hours=1))}},
        ]
        out.append(inc)
    return out


class VendorServer:
    """The server; ``requests`` logs (method, path, query, Authorization, monotonic time)."""

    def __init__(self, n: int = 5, token: str = "s3cr3t-token") -> None:
        self.token = token
        self.pd_incidents, self.pd_logs = pagerduty_incidents(n)
        self.pd_rows = analytics_rows(n)
        self.og_alerts = opsgenie_alerts(n)
        self.og_incidents = opsgenie_incidents(n)
        self.iio = incidentio_incidents(n)
        self.requests: list[tuple[str, str, dict, str | None, float]] = []
        self.rate_limit_once: set[str] = set()  # paths whose first request gets a 429
        self.fail_after: int | None = None  # every request after this many gets a 500
        self.next_host: str | None = None  # Opsgenie paging.next on another host
        self.redirects: dict[str, str] = {}  # path -> Location of a 302
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> VendorServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                self._serve("GET", None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._serve("POST", json.loads(self.rfile.read(length) or b"{}"))

            def _serve(self, method: str, body) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                auth = self.headers.get("Authorization")
                server.requests.append((method, parts.path, query, auth, time.monotonic()))
                if server.fail_after is not None and len(server.requests) > server.fail_after:
                    return self._send(500, {"error": "internal"})
                if parts.path in server.rate_limit_once:
                    server.rate_limit_once.discard(parts.path)
                    return self._send(429, {"error": "rate limited"}, {"Retry-After": "1"})
                if parts.path in server.redirects:
                    return self._send(302, {}, {"Location": server.redirects[parts.path]})
                if not auth or not auth.endswith(server.token):
                    return self._send(401, {"error": {"message": "Unauthorized", "code": 2006}})
                status, doc = server.route(method, parts.path, query, body)
                self._send(status, doc)

            def _send(self, status: int, doc, headers: dict | None = None) -> None:
                data = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def route(self, method: str, path: str, query: dict, body) -> tuple[int, object]:
        if path == "/incidents":
            return 200, self._offset_page(self.pd_incidents, "created_at", query.get("since"), query.get("until"),
                                          int(query.get("limit", 25)), int(query.get("offset", 0)), "incidents")
        if path.startswith("/incidents/") and path.endswith("/log_entries"):
            entries = self.pd_logs.get(path.split("/")[2], [])
            return 200, {"log_entries": entries, "limit": 100, "offset": 0, "more": False, "total": None}
        if path == "/analytics/raw/incidents" and method == "POST":
            return 200, self._analytics(body)
        if path in ("/v2/alerts", "/v1/incidents"):
            return 200, self._opsgenie(path, query)
        if path == "/v2/incidents":
            return 200, self._incidentio(query)
        return 404, {"error": "not found"}

    @staticmethod
    def _in_range(items: list[dict], key: str, lo: str | None, hi: str | None) -> list[dict]:
        def at(item):
            text = item[key]
            return _parse(text) if text.endswith("Z") else datetime.fromisoformat(text).replace(tzinfo=UTC)
        return [i for i in items if (lo is None or at(i) >= _parse(lo)) and (hi is None or at(i) < _parse(hi))]

    def _offset_page(self, items, key, lo, hi, limit, offset, name) -> dict:
        chosen = self._in_range(items, key, lo, hi)
        page = chosen[offset:offset + limit]
        return {name: page, "limit": limit, "offset": offset, "more": offset + limit < len(chosen), "total": None}

    def _analytics(self, body: dict) -> dict:
        f = body.get("filters", {})
        chosen = self._in_range(self.pd_rows, "created_at", f.get("created_at_start"), f.get("created_at_end"))
        after = body.get("starting_after")
        if after:
            chosen = chosen[[r["id"] for r in chosen].index(after) + 1:]
        limit = body.get("limit", 20)
        page = chosen[:limit]
        return {"data": page, "ending_before": None, "filters": f, "first": page[0]["id"] if page else None,
                "last": page[-1]["id"] if page else None, "limit": limit, "more": len(chosen) > limit,
                "order": "asc", "order_by": "created_at", "starting_after": after, "time_zone": "Etc/UTC"}

    def _opsgenie(self, path: str, query: dict) -> dict:
        lo, hi = (int(x.split("=")[1].split(" ")[0]) for x in query["query"].replace(">=", "=").replace("<", "=").split(" and "))
        records = self.og_alerts if path == "/v2/alerts" else self.og_incidents
        items = [a for a in records if lo <= int(_parse(a["createdAt"]).timestamp() * 1000) < hi]
        limit, offset = int(query.get("limit", 20)), int(query.get("offset", 0))
        doc = {"data": items[offset:offset + limit], "took": 0.605, "requestId": "9ae63dd7-ed00-4c81-86f0-c4ffd33142c9"}
        base = self.next_host or self.url
        link = {**query, "limit": limit}
        doc["paging"] = {"first": f"{base}{path}?{urlencode({**link, 'offset': 0})}"}
        if offset + limit < len(items):
            doc["paging"]["next"] = f"{base}{path}?{urlencode({**link, 'offset': offset + limit})}"
        return doc

    def _incidentio(self, query: dict) -> dict:
        chosen = self._in_range(self.iio, "created_at", query.get("created_at[gte]"), query.get("created_at[lt]"))
        after = query.get("after")
        if after:
            chosen = chosen[[i["id"] for i in chosen].index(after) + 1:]
        size = int(query.get("page_size", 25))
        page = chosen[:size]
        meta = {"page_size": size, "total_record_count": len(chosen)}
        if len(chosen) > size:
            meta["after"] = page[-1]["id"]
        return {"incidents": page, "pagination_meta": meta}
