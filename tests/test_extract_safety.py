"""`extract prometheus` against hostile or broken servers (issue #12): secrets never leak,
no cross-host redirect carries a header, nothing hangs, memory stays bounded, a server that
is not quite a Prometheus API is named and nothing is written.

Every server is real: Python's http.server on 127.0.0.1 (a second host on 127.0.0.2), see
``http_servers``. Secrets are grepped in stdout, stderr (logs go there) and the bytes of the
database file, where ``extract_runs.error`` is stored for the app's Data health page.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import duckdb
import pytest
import requests

from conftest import SCRIPT, assert_bad_input, run_cli
from http_servers import FakeServer, drip, huge, prometheus_like, redirect, send_json

BASE = 1740960000  # 2025-03-03T00:00:00Z
START, END = "2025-03-03T00:00:00Z", "2025-03-03T01:00:00Z"
TOKEN = "tok-Zq81-never-shown"
API_KEY = "key-Wx42-never-shown"

SLO = """apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout}
spec:
  service: checkout
  indicator:
    metadata: {name: availability}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'sum(ok_total)'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'sum(all_total)'}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
"""


@pytest.fixture
def applied(db, tmp_path) -> Path:
    path = tmp_path / "slo.yaml"
    path.write_text(SLO, encoding="utf-8")
    result = run_cli("slo", "apply", path, db=db)
    assert result.code == 0, result.stderr
    return db


@pytest.fixture
def token_file(tmp_path) -> Path:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n", encoding="utf-8")
    return path


def extract(db: Path, url: str, *args: str, env: dict | None = None, timeout: float = 120):
    """The CLI as a process, killed (and the test failed) if it outlives ``timeout`` seconds."""
    import os

    argv = [SCRIPT, "--db", str(db), "extract", "prometheus", "--url", url, "--start", START, "--end", END, *args]
    t0 = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    return proc, time.monotonic() - t0


def rows(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select count(*) from sli_slices").fetchone()[0]
    finally:
        con.close()


def runs(db: Path) -> list:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select outcome, error from extract_runs order by started_at").fetchall()
    finally:
        con.close()


def assert_never_leaked(db: Path, proc, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in proc.stdout + proc.stderr, proc.stderr
        assert secret.encode() not in db.read_bytes()
        for _, error in runs(db):
            assert secret not in (error or "")


def test_the_fake_server_works_end_to_end(applied, token_file):
    """The baseline the fault tests depart from: 60 slices of 60 events, token and header sent."""
    with FakeServer(prometheus_like) as server:
        proc, _ = extract(applied, server.url, "--token-file", str(token_file), "--header", f"X-Api-Key: {API_KEY}")
    assert proc.returncode == 0, proc.stderr
    assert rows(applied) == 60
    assert {r["headers"]["Authorization"] for r in server.requests} == {f"Bearer {TOKEN}"}
    assert {r["headers"]["X-Api-Key"] for r in server.requests} == {API_KEY}
    assert_never_leaked(applied, proc, TOKEN, API_KEY)


# --- credentials in error paths -------------------------------------------------------------

def test_token_file_with_a_second_line_is_bad_input_and_never_printed(applied, tmp_path):
    path = tmp_path / "token"
    path.write_text(f"{TOKEN}\nsecond-line-Qv77\n", encoding="utf-8")
    with FakeServer(prometheus_like) as server:
        proc, _ = extract(applied, server.url, "--token-file", str(path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert str(path) in proc.stderr and "--token-file" in proc.stderr and "single line" in proc.stderr
    assert server.requests == []
    assert_never_leaked(applied, proc, TOKEN, "second-line-Qv77")


def test_password_in_an_unparsable_url_is_never_printed(applied):
    proc, _ = extract(applied, "http://bob:pw-Kk19-never-shown@127.0.0.1:99999")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--url" in proc.stderr and "127.0.0.1:99999" in proc.stderr
    assert_never_leaked(applied, proc, "pw-Kk19-never-shown")


def test_a_server_echoing_the_credentials_in_its_errors_is_redacted_everywhere(applied, token_file):
    """A 503 whose body repeats the request's Authorization and X-Api-Key headers: the retry
    warnings (logs), the final error and extract_runs.error carry neither."""
    def echo(req) -> None:
        text = f"upstream down; you sent {req.headers['Authorization']} and {req.headers['X-Api-Key']}"
        req.send_response(503)
        req.send_header("Content-Length", str(len(text)))
        req.end_headers()
        req.wfile.write(text.encode())

    with FakeServer(echo) as server:
        proc, _ = extract(applied, server.url, "--token-file", str(token_file), "--header", f"X-Api-Key: {API_KEY}",
                          "--retries", "2")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "retrying" in proc.stderr and "HTTP 503" in proc.stderr and "Bearer ***" in proc.stderr
    assert 2 <= len(server.requests) <= 4  # two attempts of each preflight query (good, total)
    assert_never_leaked(applied, proc, TOKEN, API_KEY)


def test_an_unexpected_error_is_redacted_in_extract_runs(applied):
    """Any exception escaping a run is stored redacted (the app shows extract_runs.error)."""
    from reliability import slos, store
    from reliability.extract import prometheus as prom
    from reliability.extract.connection import Overrides
    from reliability.extract.prom_api import PromClient

    class Failing(requests.Session):
        def request(self, *args, **kwargs):
            raise RuntimeError(f"header value {self.headers['Authorization']!r} and {self.headers['X-Api-Key']}")

    with FakeServer(prometheus_like) as server, store.connect(applied) as con:
        tgts = prom.targets(slos.load(con), lambda name: None,
                            Overrides(url=server.url, headers=(("X-Api-Key", API_KEY),)), None)
    tgts = [t.__class__(**{**t.__dict__, "connection": t.connection.__class__(
        **{**t.connection.__dict__, "token": TOKEN})}) for t in tgts]
    with pytest.raises(RuntimeError):
        prom.run(applied, tgts, start=BASE, end=BASE + 3600,
                 client_factory=lambda conn: PromClient(conn, session=Failing(), pool=1))
    ((outcome, error),) = runs(applied)
    assert outcome == "failed" and "RuntimeError" in error and "Bearer ***" in error
    assert TOKEN.encode() not in applied.read_bytes() and API_KEY.encode() not in applied.read_bytes()


def test_env_references_in_a_datasource_are_expanded_and_sent(db, tmp_path):
    """`token: ${VAR}` and header values with `${VAR}` are accepted by `slo apply` and resolved
    from the environment at extraction time."""
    ds = """apiVersion: openslo/v1
kind: DataSource
metadata: {name: prom}
spec:
  type: Prometheus
  connectionDetails: {url: "URL", token: "${T_TOKEN}", headers: {X-Api-Key: "${T_KEY}", X-Scope-OrgID: team-a}}
---
"""
    with FakeServer(prometheus_like) as server:
        path = tmp_path / "slos.yaml"
        path.write_text(ds.replace("URL", server.url) + SLO.replace("type: Prometheus", "metricSourceRef: prom"))
        assert run_cli("slo", "apply", path, db=db).code == 0
        ok = run_cli("extract", "prometheus", "--start", START, "--end", END, db=db,
                     env={"T_TOKEN": TOKEN, "T_KEY": API_KEY})
        missing = run_cli("extract", "prometheus", "--start", START, "--end", END, db=db, env={"T_TOKEN": TOKEN})
    assert ok.code == 0, ok.stderr
    assert {r["headers"]["Authorization"] for r in server.requests} == {f"Bearer {TOKEN}"}
    assert {(r["headers"]["X-Api-Key"], r["headers"]["X-Scope-OrgID"]) for r in server.requests} == {(API_KEY, "team-a")}
    assert_bad_input(missing, "T_KEY")
    for r in (ok, missing):
        assert TOKEN not in r.stdout + r.stderr and API_KEY not in r.stdout + r.stderr
    assert TOKEN.encode() not in db.read_bytes() and API_KEY.encode() not in db.read_bytes()


# --- redirects ------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_to_another_host_is_not_followed(applied, token_file, status):
    with FakeServer(prometheus_like, host="127.0.0.2") as other:
        with FakeServer(redirect(other.url, status)) as server:
            proc, _ = extract(applied, server.url, "--token-file", str(token_file),
                              "--header", f"X-Api-Key: {API_KEY}", "--header", "X-Scope-OrgID: tenant-7")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "redirected" in proc.stderr and "another host" in proc.stderr and "127.0.0.2" in proc.stderr
    assert other.requests == []  # no header, no token, not even a connection's worth of request
    assert 1 <= len(server.requests) <= 2  # refused, not retried (the good and total preflight queries)
    assert rows(applied) == 0
    assert_never_leaked(applied, proc, TOKEN, API_KEY)


def test_a_same_host_redirect_is_followed(applied, token_file):
    """A reverse proxy moving the API under a prefix on the same host: followed, headers kept."""
    def handle(req) -> None:
        if req.path.startswith("/prom/"):
            req.path = req.path[len("/prom"):]
            prometheus_like(req)
        else:
            redirect("/prom", 307)(req)

    with FakeServer(handle) as server:
        proc, _ = extract(applied, server.url, "--token-file", str(token_file), "--header", f"X-Api-Key: {API_KEY}")
    assert proc.returncode == 0, proc.stderr
    assert rows(applied) == 60
    followed = [r for r in server.requests if r["path"].startswith("/prom/")]
    assert followed and all(r["headers"]["X-Api-Key"] == API_KEY for r in followed)


# --- hangs and memory ------------------------------------------------------------------------

@pytest.mark.parametrize("headers_first", [True, False], ids=["dripping-body", "dripping-headers"])
def test_a_dripping_server_trips_the_whole_request_timeout(applied, headers_first):
    with FakeServer(drip(headers_first)) as server:
        proc, elapsed = extract(applied, server.url, "--timeout", "2", "--retries", "1", timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "no complete response within 2 s" in proc.stderr and server.url in proc.stderr
    # Start-up and two 2-second requests (good and total, in parallel); the server would go on
    # dripping for as long as the client reads (the whole body takes hours at this pace).
    assert elapsed < 45, elapsed
    assert rows(applied) == 0


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_huge_response_is_refused_with_a_hint(applied, chunked):
    with FakeServer(huge(48 << 20, chunked=chunked)) as server:
        proc, _ = extract(applied, server.url, "--max-response", "4", "--retries", "1")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "larger than 4 MiB" in proc.stderr and "--chunk" in proc.stderr and "sum(" in proc.stderr
    assert server.url in proc.stderr
    assert rows(applied) == 0


# --- not quite a Prometheus API --------------------------------------------------------------

VECTOR = {"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}, "value": [BASE, "1"]}]}}


def matrix(*points) -> dict:
    return {"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}, "values": list(points)}]}}


@pytest.mark.parametrize("instant, ranged, what", [
    ([1, 2, 3], None, "a JSON list"),
    ({"status": "success", "data": []}, None, "no data object"),
    ({"status": "success", "data": {"resultType": "vector", "result": {"a": 1}}}, None, "not a list of series"),
    ({"status": "maybe"}, None, "status 'maybe'"),
    (VECTOR, [1, 2, 3], "a JSON list"),
    (VECTOR, matrix([BASE, "abc"], [BASE + 60, "2"]), "not [time, \"value\"] pairs"),
    (VECTOR, matrix([BASE], [BASE + 60]), "not [time, \"value\"] pairs"),
    (VECTOR, matrix({"t": BASE}), "not [time, \"value\"] pairs"),
    (VECTOR, {"status": "success", "data": {"resultType": "matrix", "result": [["x"]]}}, "not a list of series"),
], ids=["list-body", "data-list", "result-mapping", "status", "range-list-body", "value-abc", "point-without-value",
        "point-mapping", "series-list"])
def test_a_malformed_api_response_names_server_and_query_and_writes_nothing(applied, instant, ranged, what):
    def handle(req) -> None:
        send_json(req, instant if req.path.endswith("/api/v1/query") or ranged is None else ranged)

    with FakeServer(handle) as server:
        proc, _ = extract(applied, server.url, "--retries", "1")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "AttributeError" not in proc.stderr
    assert "IndexError" not in proc.stderr and "ValueError" not in proc.stderr
    assert server.url in proc.stderr and "sum(" in proc.stderr and what in proc.stderr, proc.stderr
    assert rows(applied) == 0


def test_the_http_layer_alone(tmp_path):
    """The reusable interface (for other extractors): deadline, cap, redirect, redaction."""
    from reliability.extract.http import Limits, Redactor, RedirectRefused, ResponseTooLarge, Transient, fetch, harden

    redact = Redactor([TOKEN])
    assert redact(f"Bearer {TOKEN} at http://u:p@h/x, Basic dTpwYXNz") == "Bearer *** at http://***@h/x, Basic ***"
    session = harden(requests.Session())
    with FakeServer(prometheus_like) as ok:
        resp, body = fetch(session, "GET", ok.url + "/api/v1/query", limits=Limits(), redact=redact,
                           params={"query": "x", "time": "5"})
        assert resp.status_code == 200 and b'"5.0"' in body
    with FakeServer(huge(8 << 20)) as big:
        with pytest.raises(ResponseTooLarge):
            fetch(session, "GET", big.url + "/api/v1/query_range", limits=Limits(max_bytes=1 << 20), redact=redact)
    with FakeServer(drip(True, interval=0.2)) as slow:
        t0 = time.monotonic()
        with pytest.raises(Transient, match="no complete response within 1 s"):
            fetch(session, "GET", slow.url, limits=Limits(timeout=1), redact=redact)
        assert time.monotonic() - t0 < 3
    with FakeServer(prometheus_like, host="127.0.0.2") as other, FakeServer(redirect(other.url)) as hop:
        with pytest.raises(RedirectRefused, match="127.0.0.2"):
            fetch(session, "GET", hop.url + "/x", limits=Limits(), redact=redact, headers={"X-Api-Key": API_KEY})
        assert other.requests == []


@pytest.mark.parametrize("headers_first", [True, False], ids=["dripping-body", "dripping-headers"])
def test_the_saas_client_deadline_trips_on_a_dripping_server(headers_first):
    """The incident APIs' client (extract pagerduty|opsgenie|incidentio) shares the watchdog
    (a check between 64 KiB body chunks alone waited for ever on a byte every 0.2 s)."""
    from reliability.extract.saas import Api, Client, SaasError

    with FakeServer(drip(headers_first, interval=0.2)) as server:
        client = Client(Api(vendor="pagerduty", base_url=server.url, token=TOKEN, timeout=2, retries=1))
        t0 = time.monotonic()
        with pytest.raises(SaasError, match="within 2 s") as caught:
            client.get("/incidents")
    assert time.monotonic() - t0 < 6
    assert TOKEN not in str(caught.value)


def test_events_summing_to_infinity_are_not_stored(db, tmp_path):
    """Two series of 1e308 sum to +Inf: issue #12 found +Inf stored and `sla` failing for the
    whole month. Those slices are no data, reported in gaps and warnings; the rest is stored."""
    path = tmp_path / "slo.yaml"
    path.write_text(SLO.replace("counter: true", "counter: false"), encoding="utf-8")
    assert run_cli("slo", "apply", path, db=db).code == 0

    def handle(req) -> None:
        if req.path.endswith("/api/v1/query"):
            prometheus_like(req)
            return
        start, end, step = (float(req.form[k]) for k in ("start", "end", "step"))
        times = [start + k * step for k in range(int((end - start) // step) + 1)]
        huge_at = {BASE + 600, BASE + 660}  # the values at the ends of slices 9 and 10
        series = [{"metric": {"pod": p}, "values": [[t, "1e308" if t in huge_at else "30"] for t in times]}
                  for p in ("a", "b")]
        send_json(req, {"status": "success", "data": {"resultType": "matrix", "result": series}})

    with FakeServer(handle) as server:
        result = run_cli("extract", "prometheus", "--url", server.url, "--start", START, "--end", END, "--json", db=db)
    assert result.code == 0, result.stderr
    (doc,) = result.json()["slos"]
    assert doc["written"] == 58 and doc["no_data"] == 2
    assert doc["gaps"] == [{"start": "2025-03-03T00:09:00Z", "end": "2025-03-03T00:11:00Z"}]
    assert any("float range" in w for w in doc["warnings"])
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("select count(*), min(total), max(total) from sli_slices").fetchone() == (58, 60.0, 60.0)
    finally:
        con.close()
    sla = run_cli("sla", "--month", "2025-03", "--json", db=db)
    assert sla.code == 0, sla.stderr


def test_prometheus_connect_makes_the_calls(applied, monkeypatch):
    """prometheus-api-client's PrometheusConnect (the design's package) builds every request;
    the guarantees above hold around it (issue #14)."""
    from prometheus_api_client import PrometheusConnect

    from reliability import slos, store
    from reliability.extract import prometheus as prom
    from reliability.extract.connection import Overrides

    calls = []
    for name in ("custom_query", "custom_query_range"):
        original = getattr(PrometheusConnect, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(PrometheusConnect, name, counted)
    with FakeServer(prometheus_like) as server:
        with store.connect(applied) as con:
            tgts = prom.targets(slos.load(con), lambda name: None, Overrides(url=server.url), None)
        (summary,) = prom.run(applied, tgts, start=BASE, end=BASE + 3600, parallel=1)
    assert summary.written == 60
    assert sorted(calls) == ["custom_query"] * 2 + ["custom_query_range"] * 2  # preflight, then one chunk each
    assert len(server.requests) == 4 and all(r["path"].startswith("/api/v1/query") for r in server.requests)
