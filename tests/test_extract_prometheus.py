"""``reliability extract prometheus`` against a real Prometheus with backfilled data.

Expected slices are computed in the test from the generated samples (``prom_fixtures``), with
Prometheus' selection rules modelled there, and checked against the generator's own truth
where it has one. Every comparison is exact: ``{slice start: (good, total)}``.
"""

from __future__ import annotations

import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest
import requests

from conftest import SCRIPT, assert_bad_input, run_cli
from prom_fixtures import (  # noqa: F401 - fixtures
    BASE, BILLING_GAP, BILLING_GOOD, BILLING_TOTAL, CHECKOUT_ERR, CHECKOUT_GAP, CHECKOUT_OK, CHECKOUT_RESET, DAY,
    LEDGER_ALL, LEDGER_OK, PROBE, PROBE_GAP, QUEUE_GAP, QUEUE_INF, QUEUE_P95, SEARCH_BUCKETS, SEARCH_COUNT, Lookup,
    counter_events, expected_ratio, prom, prom_data, summed,
)
from prometheus_server import free_port

pytestmark = pytest.mark.prometheus

CHECKOUT_GOOD_Q = 'sum(app_requests_total{svc="checkout",code="ok"})'
CHECKOUT_TOTAL_Q = 'sum(app_requests_total{svc="checkout"})'


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def slo_yaml(name: str, service: str, sli: str, counter: bool, total: str, good: str | None = None,
             bad: str | None = None, window: str | None = None, datasource: str | None = None) -> str:
    def source(query: str) -> str:
        kind = f"metricSourceRef: {datasource}" if datasource else "type: Prometheus"
        return f"{{metricSource: {{{kind}, spec: {{query: '{query}'}}}}}}"

    role, query = ("good", good) if good is not None else ("bad", bad)
    method = f"Timeslices\n  objectives: [{{target: 0.99, timeSliceTarget: 0.9, timeSliceWindow: {window}}}]" \
        if window else "Occurrences\n  objectives: [{target: 0.99}]"
    return f"""apiVersion: openslo/v1
kind: SLO
metadata: {{name: {name}}}
spec:
  service: {service}
  indicator:
    metadata: {{name: {sli}}}
    spec:
      ratioMetric:
        counter: {str(counter).lower()}
        {role}: {source(query)}
        total: {source(total)}
  timeWindow: [{{duration: 28d, isRolling: true}}]
  budgetingMethod: {method}
---
"""


CHECKOUT = slo_yaml("checkout-availability", "checkout", "availability", True, CHECKOUT_TOTAL_Q, good=CHECKOUT_GOOD_Q)
CHECKOUT_BAD = slo_yaml("checkout-errors", "checkout", "errors", True, CHECKOUT_TOTAL_Q,
                        bad='sum(app_requests_total{svc="checkout",code="err"})')
BILLING = slo_yaml("billing-availability", "billing", "availability", False,
                   'billing_slice_events{svc="billing",kind="total"}',
                   good='billing_slice_events{svc="billing",kind="good"}')
SEARCH = slo_yaml("search-latency", "search", "latency-500ms", True,
                  'sum(search_request_duration_seconds_count{svc="search"})',
                  good='sum(search_request_duration_seconds_bucket{svc="search",le="0.5"})')
PROBE_SLO = slo_yaml("shop-probe", "shop", "probe", False, 'count_over_time(probe_success{instance="shop"}[1m])',
                     good='sum_over_time(probe_success{instance="shop"}[1m])', window="1m")
LEDGER = slo_yaml("ledger-availability", "ledger", "availability", True,
                  'sum(ledger_events_total{svc="ledger",result="all"})',
                  good='sum(ledger_events_total{svc="ledger",result="ok"})')


def apply(db: Path, tmp_path: Path, *docs: str) -> None:
    path = tmp_path / "slos.yaml"
    path.write_text("".join(docs), encoding="utf-8")
    result = run_cli("slo", "apply", path, db=db)
    assert result.code == 0, result.stderr


def extract(db: Path, url: str, *args: str, env: dict | None = None):
    return run_cli("extract", "prometheus", "--url", url, "--json", *args, db=db, env=env)


def rows(db: Path, service: str, sli: str) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        found = con.execute("select epoch(ts)::bigint, good, total from sli_slices "
                            "where service = ? and sli = ? order by ts", [service, sli]).fetchall()
        dupes = con.execute("select count(*) from (select ts from sli_slices where service = ? and sli = ? "
                            "group by ts having count(*) > 1)", [service, sli]).fetchone()[0]
    finally:
        con.close()
    assert dupes == 0
    return {ts: (good, total) for ts, good, total in found}


def table_snapshot(db: Path) -> list:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select service, sli, ts, good, total from sli_slices order by all").fetchall()
    finally:
        con.close()


def checkout_expected(data, start: int, end: int) -> dict:
    ok, err = Lookup(data[CHECKOUT_OK]), Lookup(data[CHECKOUT_ERR])
    return expected_ratio(lambda t: counter_events([ok], t), lambda t: counter_events([ok, err], t), start, end)


def test_counter_true_exact_slices_reset_and_gap(prom, prom_data, db, tmp_path):
    data, truth = prom_data
    apply(db, tmp_path, CHECKOUT)
    start, end = BASE, BASE + 2 * DAY
    result = extract(db, prom.url, "--start", iso(start), "--end", iso(end), "--chunk", "6h")
    assert result.code == 0, result.stderr
    expected = checkout_expected(data, start, end)
    got = rows(db, "checkout", "availability")
    assert got == expected
    # The generator's truth agrees wherever there is no reset and no gap.
    reset_slice = CHECKOUT_RESET - CHECKOUT_RESET % 60
    clean = {t: v for t, v in truth["checkout"].items()
             if t != reset_slice and not (CHECKOUT_GAP[0] - 60 <= t < CHECKOUT_GAP[1] + 60) and t > BASE}
    assert {t: got[t] for t in clean} == {t: (float(g), float(n)) for t, (g, n) in clean.items()}
    # The reset slice counts value(t+step): the events after the restart only.
    assert got[reset_slice][0] == summed([Lookup(data[CHECKOUT_OK])], reset_slice + 60)
    # First slice: no sample at BASE itself, so no data. The 30-minute gap: query points
    # from 5 minutes in until it ends see no sample, and a slice needs both of its ends.
    gap_slices = [t for t in range(start, end, 60) if t not in got]
    assert gap_slices[0] == BASE and len(gap_slices) == 1 + 27
    doc = result.json()["slos"][0]
    assert doc["slices"] == 2880 and doc["written"] == 2880 - 28 and doc["no_data"] == 28
    assert doc["chunks"] == 8 and doc["watermark"] == iso(end)
    assert doc["gaps"] == [{"start": iso(BASE), "end": iso(BASE + 60)},
                           {"start": iso(CHECKOUT_GAP[0] + 240), "end": iso(CHECKOUT_GAP[1] + 60)}]


def test_bad_over_total(prom, prom_data, db, tmp_path):
    data, _ = prom_data
    apply(db, tmp_path, CHECKOUT_BAD)
    result = extract(db, prom.url, "--start", iso(BASE), "--end", iso(BASE + DAY))
    assert result.code == 0, result.stderr
    ok, err = Lookup(data[CHECKOUT_OK]), Lookup(data[CHECKOUT_ERR])
    expected = expected_ratio(lambda t: counter_events([err], t), lambda t: counter_events([ok, err], t),
                              BASE, BASE + DAY, bad=True)
    assert rows(db, "checkout", "errors") == expected
    assert len(expected) == 1439
    text = run_cli("extract", "prometheus", "--url", prom.url, "--start", iso(BASE), "--end", iso(BASE + DAY), db=db)
    assert text.code == 0 and text.stderr == ""  # no progress bar when stderr is not a terminal
    header, _, line = text.stdout.splitlines()
    assert header.split() == ["slo", "start", "end", "slices", "written", "no", "data", "gaps", "watermark"]
    assert line.split() == ["checkout-errors", iso(BASE), iso(BASE + DAY), "1440", "1439", "1", "1", iso(BASE + DAY)]


def test_counter_false_exact_slices_and_gap(prom, prom_data, db, tmp_path):
    data, _ = prom_data
    apply(db, tmp_path, BILLING)
    result = extract(db, prom.url, "--start", iso(BASE), "--end", iso(BASE + 2 * DAY))
    assert result.code == 0, result.stderr
    good, total = Lookup(data[BILLING_GOOD]), Lookup(data[BILLING_TOTAL])
    expected = expected_ratio(lambda t: good.at(t + 60), lambda t: total.at(t + 60), BASE, BASE + 2 * DAY)
    assert rows(db, "billing", "availability") == expected
    # 20 minutes without samples: the first 4 query points still see the last sample
    # (lookback), the other 16 slices have no data and no row.
    assert len(expected) == 2880 - 16
    assert result.json()["slos"][0]["gaps"] == [{"start": iso(BILLING_GAP[0] + 240), "end": iso(BILLING_GAP[1])}]


def test_latency_histogram_sli(prom, prom_data, db, tmp_path):
    data, truth = prom_data
    apply(db, tmp_path, SEARCH)
    result = extract(db, prom.url, "--start", iso(BASE), "--end", iso(BASE + DAY))
    assert result.code == 0, result.stderr
    within, count = Lookup(data[SEARCH_BUCKETS["0.5"]]), Lookup(data[SEARCH_COUNT])
    expected = expected_ratio(lambda t: counter_events([within], t), lambda t: counter_events([count], t),
                              BASE, BASE + DAY)
    got = rows(db, "search", "latency-500ms")
    assert got == expected
    assert got == {t: (float(g), float(n)) for t, (g, n) in truth["search"].items() if t > BASE}


def test_probe_sli(prom, prom_data, db, tmp_path):
    data, _ = prom_data
    apply(db, tmp_path, PROBE_SLO)
    result = extract(db, prom.url, "--start", iso(BASE), "--end", iso(BASE + DAY))  # step: timeSliceWindow
    assert result.code == 0, result.stderr
    probe = Lookup(data[PROBE])
    expected = {}
    for t in range(BASE, BASE + DAY, 60):
        window = probe.window(t + 60, 60)
        if window:
            expected[t] = (float(sum(window)), float(len(window)))
    got = rows(db, "shop", "probe")
    assert got == expected
    assert all(total == 4 for _, total in got.values())
    assert [t for t in range(BASE, BASE + DAY, 60) if t not in got] == list(range(PROBE_GAP[0], PROBE_GAP[1], 60))
    assert got[BASE + 305 * 60] == (0.0, 4.0)  # the outage: probes ran and failed


def test_thirty_days_is_chunked(prom, prom_data, db, tmp_path):
    data, _ = prom_data
    apply(db, tmp_path, LEDGER)
    end = BASE + 30 * DAY
    result = extract(db, prom.url, "--start", iso(BASE), "--end", iso(end))
    assert result.code == 0, result.stderr
    doc = result.json()["slos"][0]
    assert doc["chunks"] == 4  # 43,200 slices, at most 10,999 per request (11,000 points)
    ok, all_ = Lookup(data[LEDGER_OK]), Lookup(data[LEDGER_ALL])
    expected = expected_ratio(lambda t: counter_events([ok], t), lambda t: counter_events([all_], t), BASE, end)
    assert len(expected) == 43_199  # no sample at BASE: the first slice has no data
    assert rows(db, "ledger", "availability") == expected


def test_rerun_is_noop_and_incremental_picks_up_new_slices(prom, prom_data, db, tmp_path):
    apply(db, tmp_path, CHECKOUT)
    first = extract(db, prom.url, "--start", iso(BASE), "--end", iso(BASE + DAY))
    assert first.code == 0, first.stderr
    before = table_snapshot(db)
    again = extract(db, prom.url, "--start", iso(BASE), "--end", iso(BASE + DAY))
    assert again.code == 0 and table_snapshot(db) == before
    later = extract(db, prom.url, "--end", iso(BASE + 2 * DAY))  # from the watermark
    assert later.code == 0, later.stderr
    doc = later.json()["slos"][0]
    assert doc["start"] == iso(BASE + DAY) and doc["slices"] == 1440
    assert doc["watermark"] == iso(BASE + 2 * DAY)
    assert rows(db, "checkout", "availability") == checkout_expected(prom_data[0], BASE, BASE + 2 * DAY)
    nothing = extract(db, prom.url, "--end", iso(BASE + 2 * DAY))
    assert nothing.json()["slos"][0]["slices"] == 0


def _wait_for_a_client(port: int, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    """Until a TCP connection to ``port`` is established (Linux /proc/net/tcp), or ``proc`` ends."""
    hexport = f"{port:04X}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                lines = Path(table).read_text().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                local, remote, state = line.split()[1:4]
                if state == "01" and hexport in (local.rsplit(":", 1)[1], remote.rsplit(":", 1)[1]):
                    return
        time.sleep(0.05)


@pytest.mark.parametrize("retries, outcome", [(6, 0), (1, 1)], ids=["retries-through", "fails-cleanly"])
def test_prometheus_killed_and_restarted_mid_run(prom, prom_data, db, tmp_path, retries, outcome):
    apply(db, tmp_path, CHECKOUT)
    argv = [SCRIPT, "--db", str(db), "extract", "prometheus", "--url", prom.url, "--json", "--start", iso(BASE),
            "--end", iso(BASE + 2 * DAY), "--chunk", "5m", "--parallel", "2", "--retries", str(retries)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Kill only once the run is fetching: on a loaded machine its start-up alone can take
        # several seconds, and a kill before the first request tests nothing.
        _wait_for_a_client(prom.port, proc)
        time.sleep(0.3)
        assert proc.poll() is None, "the run ended before the fault could be injected"
        prom.kill()
        if outcome == 0:
            time.sleep(1.0)
        else:
            # Down until the run gives up: on a loaded machine its next request may come later
            # than any fixed pause, and a server back in time tests nothing.
            out, err = proc.communicate(timeout=120)
    finally:
        prom.start()
    if outcome == 0:
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == outcome, err
    assert "Traceback" not in err
    if outcome == 0:
        assert "retrying" in err
    else:
        assert "failed after 1 attempt:" in err and "re-run to resume" in err
    # Resume from the watermark (no --start): the result equals a clean run, no duplicates.
    rerun = extract(db, prom.url, "--end", iso(BASE + 2 * DAY), "--backfill", "2d")
    assert rerun.code == 0, rerun.stderr
    assert rows(db, "checkout", "availability") == checkout_expected(prom_data[0], BASE, BASE + 2 * DAY)


class _FailingSession(requests.Session):
    """Fails the Nth request with an error that is not retried, as a crash mid-run would."""

    def __init__(self, fail_on: int) -> None:
        super().__init__()
        self.calls, self.fail_on = 0, fail_on

    def request(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.fail_on:
            raise RuntimeError("injected failure")
        return super().request(*args, **kwargs)


@pytest.mark.parametrize("fail_on", [1, 3, 9, 40])
def test_injected_failure_at_any_request_resumes_without_gap_or_duplicate(prom, prom_data, db, tmp_path, fail_on):
    from reliability import slos, store
    from reliability.extract import prometheus as extract_prom
    from reliability.extract.connection import Overrides
    from reliability.extract.prom_api import PromClient

    apply(db, tmp_path, CHECKOUT)
    with store.connect(db) as con:
        targets = extract_prom.targets(slos.load(con), lambda name: None, Overrides(url=prom.url), None)
    end = BASE + DAY

    def failing(conn):
        return PromClient(conn, session=_FailingSession(fail_on), pool=1)

    with pytest.raises(RuntimeError, match="injected"):
        extract_prom.run(db, targets, start=BASE, end=end, chunk_seconds=3600, parallel=1, client_factory=failing)
    con = duckdb.connect(str(db), read_only=True)
    mark = con.execute("select epoch(until)::bigint from extract_watermarks").fetchall()
    last = con.execute("select max(epoch(ts))::bigint from sli_slices").fetchone()[0]
    con.close()
    # Whole chunks only: the watermark is a chunk boundary and no row lies at or beyond it.
    if mark:
        assert (mark[0][0] - BASE) % 3600 == 0 and last < mark[0][0]
    else:
        assert last is None
    summaries = extract_prom.run(db, targets, end=end, chunk_seconds=3600, parallel=1)
    assert summaries[0].start == (mark[0][0] if mark else end - 7 * DAY)
    assert rows(db, "checkout", "availability") == checkout_expected(prom_data[0], BASE, end)


class _RejectingSession(requests.Session):
    """Answers the Nth range request as Prometheus does a query that fails on execution
    (HTTP 422, errorType "execution"), after the same query passed the preflight check."""

    def __init__(self, fail_on: int) -> None:
        super().__init__()
        self.ranges, self.fail_on = 0, fail_on

    def request(self, method, url, *args, **kwargs):
        if url.endswith("/api/v1/query_range"):
            self.ranges += 1
            if self.ranges == self.fail_on:
                resp = requests.Response()
                resp.status_code = 422
                resp._content = b'{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory"}'
                resp.headers["Content-Type"] = "application/json"
                resp.url = url
                return resp
        return super().request(method, url, *args, **kwargs)


def test_query_failing_mid_run_is_exit_1_and_resumable(prom, prom_data, db, tmp_path):
    """Chunks before the failure are committed, so this is not exit 2 ("nothing written"):
    it is a failure (exit 1) naming the SLO and the query, and a re-run resumes cleanly."""
    from reliability import slos, store
    from reliability.extract import prometheus as extract_prom
    from reliability.extract.connection import Overrides
    from reliability.extract.http import FetchError
    from reliability.extract.prom_api import PromClient

    apply(db, tmp_path, CHECKOUT)
    with store.connect(db) as con:
        targets = extract_prom.targets(slos.load(con), lambda name: None, Overrides(url=prom.url), None)
    end = BASE + DAY

    def rejecting(conn):
        return PromClient(conn, session=_RejectingSession(fail_on=5), pool=1)

    with pytest.raises(FetchError, match="checkout") as caught:
        extract_prom.run(db, targets, start=BASE, end=end, chunk_seconds=3600, parallel=1, client_factory=rejecting)
    assert "too many samples" in str(caught.value)
    con = duckdb.connect(str(db), read_only=True)
    mark = con.execute("select epoch(until)::bigint from extract_watermarks").fetchall()
    last = con.execute("select max(epoch(ts))::bigint from sli_slices").fetchone()[0]
    con.close()
    # Whatever was committed before the failure is whole chunks up to the watermark.
    if mark:
        assert (mark[0][0] - BASE) % 3600 == 0 and last < mark[0][0]
    extract_prom.run(db, targets, end=end, chunk_seconds=3600, parallel=1)
    assert rows(db, "checkout", "availability") == checkout_expected(prom_data[0], BASE, end)


def test_unreachable_server_exit_1_nothing_written(prom, db, tmp_path):
    apply(db, tmp_path, CHECKOUT)
    url = f"http://127.0.0.1:{free_port()}"
    result = extract(db, url, "--start", iso(BASE), "--end", iso(BASE + DAY), "--retries", "2")
    assert result.code == 1
    assert "Traceback" not in result.stderr
    assert url in result.stderr and "connection refused" in result.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from sli_slices").fetchone()[0] == 0
    assert con.execute("select count(*) from extract_watermarks").fetchone()[0] == 0
    con.close()


def test_bad_promql_exit_2_names_the_slo_and_writes_nothing(prom, db, tmp_path):
    broken = slo_yaml("broken-slo", "broken", "availability", True, "sum(rate(foo[5m]", good="sum(foo)")
    apply(db, tmp_path, CHECKOUT, broken)
    result = extract(db, prom.url, "--start", iso(BASE), "--end", iso(BASE + DAY))
    assert_bad_input(result, "broken-slo", "sum(rate(foo[5m]")
    assert table_snapshot(db) == []


def test_unknown_slo_and_bad_flags_exit_2(prom, db, tmp_path):
    apply(db, tmp_path, CHECKOUT)
    assert_bad_input(extract(db, prom.url, "--slo", "nope", "--start", iso(BASE)), "nope")
    assert_bad_input(extract(db, prom.url, "--start", "yesterday-ish"), "--start")
    assert_bad_input(extract(db, prom.url, "--start", iso(BASE), "--step", "1x"), "--step")
    assert_bad_input(extract(db, prom.url, "--start", iso(BASE + DAY), "--end", iso(BASE)), "--start")


def test_credentials_from_env_never_leak(prom, db, tmp_path):
    secret = "s3cr3t-token-never-shown"
    datasource = f"""apiVersion: openslo/v1
kind: DataSource
metadata: {{name: prom}}
spec:
  type: Prometheus
  connectionDetails:
    url: {prom.url}
    tokenEnv: TEST_PROM_TOKEN
    headers: {{X-Scope-OrgID: tenant-a}}
---
"""
    slo = slo_yaml("checkout-ds", "checkout", "availability", True, CHECKOUT_TOTAL_Q, good=CHECKOUT_GOOD_Q,
                   datasource="prom")
    apply(db, tmp_path, datasource, slo)
    env = {"TEST_PROM_TOKEN": secret}
    ok = run_cli("extract", "prometheus", "--json", "--start", iso(BASE), "--end", iso(BASE + 3600), db=db, env=env)
    assert ok.code == 0, ok.stderr
    assert ok.json()["slos"][0]["written"] == 59  # no sample at BASE itself
    failed = run_cli("extract", "prometheus", "--url", f"http://127.0.0.1:{free_port()}", "--retries", "1",
                     "--start", iso(BASE), "--end", iso(BASE + 3600), db=db, env=env)
    assert failed.code == 1
    missing = run_cli("extract", "prometheus", "--start", iso(BASE), "--end", iso(BASE + 3600), db=db)
    assert_bad_input(missing, "TEST_PROM_TOKEN")
    for r in (ok, failed, missing):
        assert secret not in r.stdout + r.stderr
    assert secret.encode() not in db.read_bytes()


def test_literal_secret_in_datasource_is_refused(prom, db, tmp_path):
    datasource = f"""apiVersion: openslo/v1
kind: DataSource
metadata: {{name: prom}}
spec:
  type: Prometheus
  connectionDetails: {{url: "{prom.url}", token: plain-text-token}}
---
"""
    slo = slo_yaml("checkout-ds", "checkout", "availability", True, CHECKOUT_TOTAL_Q, good=CHECKOUT_GOOD_Q,
                   datasource="prom")
    # Refused when applied, so the secret never reaches the database or an extraction.
    path = tmp_path / "slos.yaml"
    path.write_text(datasource + slo, encoding="utf-8")
    result = run_cli("slo", "apply", path, db=db)
    assert_bad_input(result, "spec.connectionDetails.token", "tokenEnv")
    assert "plain-text-token" not in result.stderr
    # A first write refused leaves no database behind (nothing from the call is written).
    assert not db.exists() or b"plain-text-token" not in db.read_bytes()
    # The extractor's own check still stands for documents stored by older versions.
    from reliability.errors import BadInput
    from reliability.extract.connection import Overrides, resolve

    stored = {"metadata": {"name": "prom"}, "spec": {"connectionDetails": {"url": prom.url, "token": "plain-text-token"}}}
    with pytest.raises(BadInput, match="tokenEnv") as caught:
        resolve(stored, Overrides(), slo="checkout-ds")
    assert "plain-text-token" not in str(caught.value)


def test_server_answers_at_the_explicit_times(prom):
    """The range API evaluates at start + k*step exactly: the premise of slice alignment."""
    body = requests.post(f"{prom.url}/api/v1/query_range", data={
        "query": 'sum(ledger_events_total{result="ok"})', "start": BASE + 60, "end": BASE + 300, "step": 60}).json()
    assert [p[0] for p in body["data"]["result"][0]["values"]] == list(range(BASE + 60, BASE + 301, 60))


def test_connection_settings_reach_the_http_session(tmp_path, monkeypatch):
    """DataSource + flags + env resolve into the session's headers, auth and TLS settings."""
    from reliability.errors import BadInput
    from reliability.extract.connection import Overrides, parse_header, resolve
    from reliability.extract.prom_api import PromClient

    (tmp_path / "pw").write_text("pw-from-file\n")
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("DS_TOKEN", "tok-from-env")
    ds = {"metadata": {"name": "mimir"}, "spec": {"type": "Prometheus", "connectionDetails": {
        "url": "https://mimir.example/prometheus/", "tokenEnv": "DS_TOKEN", "headers": {"X-Scope-OrgID": "team-a"},
        "caFile": str(tmp_path / "ca.pem")}}}
    conn = resolve(ds, Overrides(headers=(parse_header("X-Extra: 1"),), timeout=5), slo="s")
    assert conn.url == "https://mimir.example/prometheus" and conn.verify == str(tmp_path / "ca.pem")
    assert "tok-from-env" not in repr(conn)
    session = PromClient(conn).session
    assert session.headers["Authorization"] == "Bearer tok-from-env"
    assert session.headers["X-Scope-OrgID"] == "team-a" and session.headers["X-Extra"] == "1"
    flags = resolve(ds, Overrides(url="http://other:9090", username="bob", password_file=str(tmp_path / "pw"),
                                  insecure=True, headers=(("X-Scope-OrgID", "team-b"),)), slo="s")
    session = PromClient(flags).session
    assert session.auth == ("bob", "pw-from-file") and session.verify is False
    assert session.headers["X-Scope-OrgID"] == "team-b" and flags.url == "http://other:9090"
    with pytest.raises(BadInput, match="literal secret"):
        resolve({"spec": {"connectionDetails": {"url": "http://u:p@host:9090"}}}, Overrides(), slo="s")
    with pytest.raises(BadInput, match="no Prometheus URL"):
        resolve(None, Overrides(), slo="s")


def test_the_cycle_collector_is_off_while_fetching_and_restored_after(tmp_path, monkeypatch):
    """Range responses become one small list per point; with the cycle collector running,
    JSON parsing cost 5x the CPU in bench_extract (see prometheus._without_cycle_collector)."""
    import gc

    from reliability.extract import prometheus as prom

    seen = []
    monkeypatch.setattr(prom, "_extract", lambda *args: seen.append(gc.isenabled()))
    for initially in (True, False):
        (gc.enable if initially else gc.disable)()
        try:
            prom.run(tmp_path / "gc.duckdb", [], end=1_740_960_000)
            assert gc.isenabled() is initially
        finally:
            gc.enable()
    assert seen == [False, False]


def threshold_yaml(name: str, query: str) -> str:
    return f"""apiVersion: openslo/v1
kind: SLO
metadata: {{name: {name}}}
spec:
  service: queue
  indicator:
    metadata: {{name: wait-p95}}
    spec:
      thresholdMetric: {{metricSource: {{type: Prometheus, spec: {{query: '{query}'}}}}}}
  timeWindow: [{{duration: 28d, isRolling: true}}]
  budgetingMethod: Timeslices
  objectives: [{{target: 0.99, op: lt, value: 0.5, timeSliceWindow: 1m}}]
---
"""


def values(db: Path, service: str, sli: str) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        found = con.execute("select epoch(ts)::bigint, value, good, total from sli_slices "
                            "where service = ? and sli = ? order by ts", [service, sli]).fetchall()
    finally:
        con.close()
    assert all(good is None and total is None for *_, good, total in found)
    return {ts: value for ts, value, *_ in found}


def test_threshold_sli_value_at_each_slice_end_with_inf_and_gap(prom, prom_data, db, tmp_path):
    """A threshold SLI (p95 latency gauge): the slice's value is the query's value at its end,
    +Inf (above the highest bucket) kept as a value, the gap reported as no data."""
    data, _ = prom_data
    apply(db, tmp_path, threshold_yaml("queue-wait", 'max(queue_wait_p95_seconds{svc="queue"})'))
    start, end = BASE + 60 * 60, BASE + 6 * 3600
    result = extract(db, prom.url, "--start", iso(start), "--end", iso(end))
    assert result.code == 0, result.stderr
    lookup = Lookup(data[QUEUE_P95])
    expected = {t: lookup.at(t + 60) for t in range(start, end, 60) if lookup.at(t + 60) is not None}
    assert values(db, "queue", "wait-p95") == expected
    # By hand: the +Inf samples run from 100:07 to 109:52, so the slices ending 101:00 ..
    # 110:00 (slices 100..109) end on one; slice 110 ends on the finite 110:52 sample.
    assert [t for t, v in expected.items() if v == float("inf")] == [BASE + m * 60 for m in range(100, 110)]
    # The gap [200, 220) min: the last sample before it (199:52) still answers at 204:00 (5-minute
    # lookback); the slices ending 205:00 .. 220:00 (204..219) have no value.
    (summary,) = result.json()["slos"]
    assert summary["gaps"] == [{"start": iso(BASE + 204 * 60), "end": iso(BASE + 220 * 60)}]
    assert summary["written"] == len(expected) == (end - start) // 60 - 16
    rerun = extract(db, prom.url, "--start", iso(start), "--end", iso(end))
    assert rerun.code == 0 and values(db, "queue", "wait-p95") == expected


def test_threshold_query_with_several_series_exit_2_writes_nothing(prom, db, tmp_path):
    apply(db, tmp_path, threshold_yaml("queue-wait-split", 'app_requests_total{svc="checkout"}'))
    result = extract(db, prom.url, "--start", iso(BASE + 3600), "--end", iso(BASE + 7200))
    assert_bad_input(result, "queue-wait-split", "2 series", "max(")
    assert table_snapshot(db) == []


def test_threshold_slo_without_a_query_exit_2(prom, db, tmp_path):
    doc = threshold_yaml("queue-wait-noquery", "max(x)").replace("spec: {query: 'max(x)'}", "spec: {}")
    apply(db, tmp_path, doc)
    result = extract(db, prom.url, "--slo", "queue-wait-noquery", "--start", iso(BASE), "--end", iso(BASE + 3600))
    assert_bad_input(result, "queue-wait-noquery", "thresholdMetric.metricSource.spec.query")
    assert table_snapshot(db) == []


GATEWAY_SLO = """apiVersion: openslo/v1
kind: SLO
metadata:
  name: gateway-availability
  annotations: {reliability/group-by: customer}
spec:
  service: gateway
  indicator:
    metadata: {name: availability}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'sum by (customer) (gateway_requests_total{svc="gateway",code="ok"})'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'sum by (customer) (gateway_requests_total{svc="gateway"})'}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
---
"""


def test_sum_by_keeps_each_instance(prom, prom_data, db, tmp_path):
    """`sum by (customer)`: each returned series is one instance, stored under its own key, each
    exactly as an ungrouped SLO over that customer's counters (globex appears mid-day)."""
    from prom_fixtures import GATEWAY, GATEWAY_GLOBEX_FROM

    data, _ = prom_data
    apply(db, tmp_path, GATEWAY_SLO)
    start, end = BASE, BASE + DAY
    result = extract(db, prom.url, "--start", iso(start), "--end", iso(end), "--chunk", "6h")
    assert result.code == 0, result.stderr
    for customer in ("acme", "globex"):
        ok, err = Lookup(data[GATEWAY[(customer, "ok")]]), Lookup(data[GATEWAY[(customer, "err")]])
        expected = expected_ratio(lambda t: counter_events([ok], t), lambda t: counter_events([ok, err], t),
                                  start, end)
        got = rows(db, "gateway", f'availability{{customer="{customer}"}}')
        assert got == expected and got
    globex = rows(db, "gateway", 'availability{customer="globex"}')
    assert min(globex) >= GATEWAY_GLOBEX_FROM  # nothing before its first samples
    assert rows(db, "gateway", "availability") == {}  # no row under the plain key
    # Re-running the same range changes nothing (the chunk replaces every instance's rows).
    before = table_snapshot(db)
    assert extract(db, prom.url, "--start", iso(start), "--end", iso(end)).code == 0
    assert table_snapshot(db) == before
    sla = run_cli("sla", "--at", iso(end), "--window", "1d", "--json", db=db).json()
    by_customer = {r["instance"]["customer"]: r for r in sla["slos"]}
    assert set(by_customer) == {"acme", "globex"}
    assert by_customer["globex"]["status"] == "insufficient_data"  # half a day of data
