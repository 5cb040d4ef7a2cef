"""Small real HTTP servers (Python's http.server on 127.0.0.x, a free port) for fault tests.

``FakeServer(handle)`` serves every request with ``handle(request)``, where ``request`` is the
``BaseHTTPRequestHandler`` with ``form`` (the decoded POST/GET parameters) set; it records every
request's path, headers and form in ``requests``. Helpers answer like a minimal Prometheus API
(``prometheus_like``), or misbehave (``drip``, ``huge``, ``redirect``).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeServer:
    def __init__(self, handle, host: str = "127.0.0.1") -> None:
        self.handle, self.requests = handle, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                query = urlsplit(self.path).query
                self.form = {k: v[-1] for k, v in {**parse_qs(query), **parse_qs(body)}.items()}
                self.raw_path, self.path = self.path, urlsplit(self.path).path
                outer.requests.append({"path": urlsplit(self.path).path, "headers": dict(self.headers),
                                       "form": self.form})
                try:
                    outer.handle(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = _serve

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def send_json(req, doc, status: int = 200) -> None:
    body = json.dumps(doc).encode()
    req.send_response(status)
    req.send_header("Content-Type", "application/json")
    req.send_header("Content-Length", str(len(body)))
    req.end_headers()
    req.wfile.write(body)


def prometheus_like(req) -> None:
    """A counter that rises by 1 a second (``value(t) = t``): each one-minute slice has 60
    events, for every query. Enough of the API for `extract prometheus`: instant and range."""
    form = req.form
    if req.path.endswith("/api/v1/query"):
        at = float(form.get("time", 0))
        send_json(req, {"status": "success", "data": {"resultType": "vector",
                                                       "result": [{"metric": {}, "value": [at, str(at)]}]}})
        return
    start, end, step = (float(form[k]) for k in ("start", "end", "step"))
    values = [[start + k * step, str(start + k * step)] for k in range(int((end - start) // step) + 1)]
    send_json(req, {"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}, "values": values}]}})


def drip(headers_first: bool, interval: float = 0.5, total: float = 120.0):
    """A handler sending one byte every ``interval`` seconds: of the body after prompt headers,
    or of the status line and headers themselves."""
    def handle(req) -> None:
        payload = b'{"status":"success","data":{"resultType":"vector","result":[]}}' * 1000
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
                .encode())
        if headers_first:
            req.wfile.write(head)
            req.wfile.flush()
            stream = payload
        else:
            stream = head + payload
        stop = time.monotonic() + total
        for i in range(len(stream)):
            if time.monotonic() > stop:
                return
            req.wfile.write(stream[i:i + 1])
            req.wfile.flush()
            time.sleep(interval)
    return handle


def huge(size: int, chunked: bool = False):
    """A handler answering the instant query normally and every range query with a JSON body
    of ``size`` bytes (a matrix of many series), streamed in 1 MiB pieces."""
    def handle(req) -> None:
        if req.path.endswith("/api/v1/query"):
            prometheus_like(req)
            return
        head = b'{"status":"success","data":{"resultType":"matrix","result":['
        # Points as Prometheus writes them, at times before any extraction range (so a body
        # read in full is parsed and then ignored): about 27 bytes a point.
        points = b",".join(b'[%d,"%d.25"]' % (1_000_000_000 + 60 * k, 100_000 + k) for k in range(11_000))
        series = b'{"metric":{"__name__":"x"},"values":[' + points + b"]},"
        tail = b'{"metric":{},"values":[]}]}}'
        count = max(1, (size - len(head) - len(tail)) // len(series))
        req.send_response(200)
        req.send_header("Content-Type", "application/json")
        if chunked:
            req.send_header("Transfer-Encoding", "chunked")
        else:
            req.send_header("Content-Length", str(len(head) + count * len(series) + len(tail)))
        req.end_headers()

        def write(data: bytes) -> None:
            if chunked:
                req.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            else:
                req.wfile.write(data)

        write(head)
        per = max(1, (1 << 20) // len(series))
        for i in range(0, count, per):
            write(series * min(per, count - i))
        write(tail)
        if chunked:
            req.wfile.write(b"0\r\n\r\n")
    return handle


def redirect(location: str, status: int = 307):
    def handle(req) -> None:
        req.send_response(status)
        req.send_header("Location", location + req.raw_path)
        req.send_header("Content-Length", "0")
        req.end_headers()
    return handle
