"""The test data set in a real Prometheus, and its expected slices computed independently.

All series start at ``BASE`` (2025-03-03T00:00:00Z). Samples sit off the minute (e.g. at
:07, :22, :37, :52) so no sample falls exactly on a query time or a lookback boundary, which
makes the expected values independent of whether a boundary is open or closed. The server
keeps Prometheus' default 5-minute lookback delta: a query at ``T`` sees the latest sample in
``[T - 5m, T]``, so a scrape gap bridges its first 5 minutes (a flat counter: zero events)
and only then shows as missing points. The expectations below model exactly that.

Data sets (``DATA``):
- checkout: counters ``app_requests_total{code="ok"|"err"}``, 2 days at 15 s, a counter
  reset of the ``ok`` series at 10:00:22 on day 0 and a 30-minute scrape gap on day 1.
- billing: per-slice gauges ``billing_slice_events{kind="good"|"total"}``, 2 days, one sample
  per minute at :50 (the events of that minute), a 20-minute gap.
- search: a latency histogram (``_bucket{le=...}``, ``_count``), day 0 at 15 s.
- probe: ``probe_success`` every 15 s on day 0, an 11-minute outage and a 10-minute gap.
- ledger: two counters over 30 days at 1-minute resolution (the chunking case).
- queue: a p95-latency gauge ``queue_wait_p95_seconds`` (a threshold SLI) every 15 s on day 0,
  +Inf for 10 minutes (above the highest bucket) and a 20-minute gap.
"""

from __future__ import annotations

import bisect
import os
import random
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from conftest import built_once
from prometheus_server import PrometheusServer, backfill, find_prometheus, series, write_openmetrics_per_day

BASE = 1740960000  # 2025-03-03T00:00:00Z
DAY = 86400
LOOKBACK = 300

CHECKOUT_OK = series("app_requests_total", svc="checkout", code="ok")
CHECKOUT_ERR = series("app_requests_total", svc="checkout", code="err")
BILLING_GOOD = series("billing_slice_events", svc="billing", kind="good")
BILLING_TOTAL = series("billing_slice_events", svc="billing", kind="total")
SEARCH_BUCKETS = {le: series("search_request_duration_seconds_bucket", svc="search", le=le)
                  for le in ("0.1", "0.5", "+Inf")}
SEARCH_COUNT = series("search_request_duration_seconds_count", svc="search")
PROBE = series("probe_success", job="blackbox", instance="shop")
LEDGER_OK = series("ledger_events_total", svc="ledger", result="ok")
LEDGER_ALL = series("ledger_events_total", svc="ledger", result="all")
QUEUE_P95 = series("queue_wait_p95_seconds", svc="queue")
# Per-instance SLOs: one counter pair per customer; globex starts half-way through day 0.
GATEWAY = {(customer, code): series("gateway_requests_total", svc="gateway", customer=customer, code=code)
           for customer in ("acme", "globex") for code in ("ok", "err")}
GATEWAY_GLOBEX_FROM = BASE + 720 * 60

CHECKOUT_RESET = BASE + 600 * 60 + 22  # the ok counter restarts from zero at this sample
CHECKOUT_GAP = (BASE + DAY + 3 * 3600, BASE + DAY + 3 * 3600 + 1800)
BILLING_GAP = (BASE + 2000 * 60, BASE + 2020 * 60)
PROBE_OUTAGE = (BASE + 300 * 60, BASE + 311 * 60)
PROBE_GAP = (BASE + 700 * 60, BASE + 710 * 60)
QUEUE_INF = (BASE + 100 * 60, BASE + 110 * 60)
QUEUE_GAP = (BASE + 200 * 60, BASE + 220 * 60)


def _in(ts: float, span: tuple[int, int]) -> bool:
    return span[0] <= ts < span[1]


def build() -> tuple[dict, dict]:
    """``(samples by series, ground truth)``: the truth holds events per minute slice where
    the generator knows them (no reset, no gap), keyed by data set and slice start."""
    rng = random.Random(20250303)
    data: dict = {}
    truth: dict = {"checkout": {}, "search": {}}

    ok = err = 0.0
    data[CHECKOUT_OK], data[CHECKOUT_ERR] = [], []
    for minute in range(2 * 1440):
        t = BASE + minute * 60
        slice_ok = slice_err = 0
        for off in (7, 22, 37, 52):
            ts = t + off
            inc_ok, inc_err = rng.randint(10, 30), rng.choice((0, 0, 0, 0, 0, 1, 2))
            ok = inc_ok if ts == CHECKOUT_RESET else ok + inc_ok
            err += inc_err
            slice_ok, slice_err = slice_ok + inc_ok, slice_err + inc_err
            if not _in(ts, CHECKOUT_GAP):
                data[CHECKOUT_OK].append((ts, ok))
                data[CHECKOUT_ERR].append((ts, err))
        # Sample at t+52 counts into slice [t, t+60): value(t+60) is that sample.
        truth["checkout"][t] = (slice_ok, slice_ok + slice_err)

    data[BILLING_GOOD], data[BILLING_TOTAL] = [], []
    for minute in range(2 * 1440):
        t = BASE + minute * 60
        total = rng.randint(0, 40)
        good = total - rng.choice((0, 0, 0, 1, 3)) if total >= 3 else total
        if not _in(t, BILLING_GAP):
            data[BILLING_GOOD].append((t + 50, good))
            data[BILLING_TOTAL].append((t + 50, total))

    counts = {"0.1": 0, "0.5": 0, "+Inf": 0}
    for key in (*SEARCH_BUCKETS.values(), SEARCH_COUNT):
        data[key] = []
    for minute in range(1440):
        t = BASE + minute * 60
        fast = within = n_all = 0
        for off in (7, 22, 37, 52):
            n = rng.randint(0, 12)
            under_01 = rng.randint(0, n)
            under_05 = under_01 + rng.randint(0, n - under_01)
            counts["0.1"] += under_01
            counts["0.5"] += under_05
            counts["+Inf"] += n
            fast, within, n_all = fast + under_01, within + under_05, n_all + n
            for le, key in SEARCH_BUCKETS.items():
                data[key].append((t + off, counts[le]))
            data[SEARCH_COUNT].append((t + off, counts["+Inf"]))
        truth["search"][t] = (within, n_all)

    data[PROBE] = []
    for minute in range(1440):
        t = BASE + minute * 60
        for off in (5, 20, 35, 50):
            ts = t + off
            if _in(ts, PROBE_GAP):
                continue
            up = 0 if _in(ts, PROBE_OUTAGE) else (0 if rng.random() < 0.01 else 1)
            data[PROBE].append((ts, up))

    ok = total = 0
    data[LEDGER_OK], data[LEDGER_ALL] = [], []
    for minute in range(30 * 1440):
        ok += minute % 5
        total += minute % 5 + minute % 3
        data[LEDGER_OK].append((BASE + minute * 60 + 30, ok))
        data[LEDGER_ALL].append((BASE + minute * 60 + 30, total))

    queue = random.Random(7)  # its own stream: the data sets above stay as they were
    data[QUEUE_P95] = []
    for minute in range(1440):
        for off in (7, 22, 37, 52):
            ts = BASE + minute * 60 + off
            if not _in(ts, QUEUE_GAP):
                data[QUEUE_P95].append((ts, float("inf") if _in(ts, QUEUE_INF) else queue.randint(50, 900) / 1000))

    gateway = random.Random(17)  # its own stream too
    counts = {key: 0 for key in GATEWAY}
    for key in GATEWAY.values():
        data[key] = []
    for minute in range(1440):
        for off in (7, 22, 37, 52):
            ts = BASE + minute * 60 + off
            for (customer, code), key in GATEWAY.items():
                if customer == "globex" and ts < GATEWAY_GLOBEX_FROM:
                    continue
                counts[(customer, code)] += gateway.randint(5, 20) if code == "ok" else gateway.choice((0, 0, 0, 1))
                data[key].append((ts, counts[(customer, code)]))
    return data, truth


class Lookup:
    """Prometheus' instant-vector selection, modelled: the latest sample in [T - 5m, T]."""

    def __init__(self, samples: Sequence[tuple[float, float]]) -> None:
        self.ts = [s[0] for s in samples]
        self.values = [s[1] for s in samples]

    def at(self, t: float) -> float | None:
        i = bisect.bisect_right(self.ts, t) - 1
        return self.values[i] if i >= 0 and self.ts[i] >= t - LOOKBACK else None

    def window(self, t: float, width: float) -> list[float]:
        """Sample values in (t - width, t], as a ``[1m]`` range selector sees them."""
        lo, hi = bisect.bisect_right(self.ts, t - width), bisect.bisect_right(self.ts, t)
        return self.values[lo:hi]


def summed(lookups: Sequence[Lookup], t: float) -> float | None:
    """``sum(selector)`` at t: None when no series has a value."""
    found = [v for v in (lk.at(t) for lk in lookups) if v is not None]
    return sum(found) if found else None


def counter_events(lookups: Sequence[Lookup], t: float, step: int = 60) -> float | None:
    """The contract's rule: value(t+step) - value(t); a decrease is a reset -> value(t+step)."""
    v0, v1 = summed(lookups, t), summed(lookups, t + step)
    if v0 is None or v1 is None:
        return None
    return v1 if v1 < v0 else v1 - v0


def expected_ratio(good, total, start: int, end: int, step: int = 60, bad: bool = False) -> dict:
    """``{slice start: (good, total)}`` for slices with data; ``good``/``total`` are functions
    of the slice start returning events or None. With ``bad``, ``good`` gives bad events."""
    out = {}
    for t in range(start, end, step):
        tot = total(t)
        if tot is None:
            continue
        g = good(t)
        g = 0.0 if g is None else g
        if bad:
            g = tot - g
        out[t] = (float(min(max(g, 0.0), tot)), float(tot))
    return out


@pytest.fixture(scope="session")
def prom_data():
    return build()


def require_prometheus(*also: str) -> tuple[str, str]:
    """``(prometheus, promtool)``, installing them when this process may; with ``also``,
    further commands that must be on PATH. Missing: a failure under CI=true, else a skip."""
    binaries = find_prometheus()
    missing = [name for name in also if shutil.which(name) is None]
    if binaries is None or missing:
        message = (f"{', '.join(missing or ['prometheus/promtool'])} not installed and cannot be installed "
                   "(make test installs them as root with apt-get)")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return binaries


def _blocks(tmp_path_factory, data, promtool: str) -> Path:
    """The data set as TSDB blocks (promtool's backfill, the slow part of the setup), built once
    per test run: under pytest-xdist the workers share one build, guarded by a file lock in the
    run's common temporary directory (as app_fixtures' demo database). The data set is seeded,
    so every worker's expectations match it."""

    def build_in(folder: Path) -> Path:
        done = folder / "tsdb.done"  # written only after a successful backfill
        if not done.exists():
            shutil.rmtree(folder / "tsdb", ignore_errors=True)
            backfill(promtool, write_openmetrics_per_day(data, folder / "openmetrics"), folder / "tsdb")
            done.write_text("ok")
        return folder / "tsdb"

    return built_once(tmp_path_factory, "prom-blocks", build_in)


@pytest.fixture(scope="session")
def prom(tmp_path_factory, prom_data):
    """A real Prometheus with the test data set backfilled; stopped after the session. Each
    worker's server has a data dir of its own (Prometheus locks it and compacts blocks), a copy
    of the shared blocks."""
    prometheus, promtool = require_prometheus()
    root: Path = tmp_path_factory.mktemp("prometheus")
    shutil.copytree(_blocks(tmp_path_factory, prom_data[0], promtool), root / "tsdb")
    server = PrometheusServer(prometheus, root / "tsdb")
    server.start()
    try:
        yield server
    finally:
        server.stop()
