"""A write that deletes the slices of a month and appends none there keeps the rollups and the
per-series months current.

``extract`` replaces the range it fetches: it deletes the stored rows of each series in the
range and appends what Prometheus returns. When Prometheus has nothing for a whole month of
that range, the month loses its rows and gains none; the rollups and ``series_months`` must
still be recomputed for it (they learn appended rows from their row ids, deleted rows from the
ranges :func:`reliability.writes.delete_slices` registers). Checked against a real Prometheus
and against a fresh computation from the slices.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from prom_fixtures import BASE, prom, prom_data  # noqa: F401 - fixtures
from reliability import store, writes
from reliability.analysis import history, rollups
from reliability.ingest.series import ingest_series_table
from test_extract_prometheus import CHECKOUT, GATEWAY_SLO, apply, extract, iso

pytestmark = pytest.mark.prometheus

MONTHS = ["2025-02", "2025-03"]
# The same SLI as checkout-availability, its months in Tokyo (+09:00).
CHECKOUT_TOKYO = CHECKOUT.replace("name: checkout-availability", "name: checkout-tokyo").replace(
    "timeWindow: [{duration: 28d, isRolling: true}]",
    "timeWindow: [{duration: 1M, isRolling: false, calendar: {startTime: '2024-01-01 00:00:00', timeZone: Asia/Tokyo}}]")
FEBRUARY = datetime(2025, 2, 27, tzinfo=UTC)  # Prometheus' data starts on 2025-03-03 (BASE)
LATER = datetime(2025, 3, 20, tzinfo=UTC)  # after the range extracted: kept as it is


def _ingest(db: Path, service: str, sli: str, at: datetime, minutes: int, customer: str | None = None) -> None:
    ts = [at + timedelta(minutes=k) for k in range(minutes)]
    cols = {"ts": pa.array(ts, pa.timestamp("us", tz="UTC")), "service": [service] * minutes, "sli": [sli] * minutes,
            "good": [9.0] * minutes, "total": [10.0] * minutes}
    if customer:
        cols["customer"] = [customer] * minutes
    with store.connect(db) as con, writes.transaction(con):
        ingest_series_table(con, pa.table(cols), "rows")


def _fresh(con, policy: str) -> list:
    return [(m, [r.as_json() for r in rows]) for m, rows in history.monthly(con, MONTHS[0], MONTHS[-1], no_data=policy)]


def _served(con, policy: str) -> list:
    return [(m, [r.as_json() for r in rows]) for m, rows in rollups.monthly(con, MONTHS, policy)]


def _series_months(con) -> tuple[list, list]:
    """``(kept, scanned)``: per series and UTC month, the rows series_months counts, and the
    rows sli_slices holds."""
    kept = con.execute("select service, sli, month_start, slices + unusable_rows from series_months "
                       "order by all").fetchall()
    scanned = con.execute("select service, sli, date_trunc('month', ts) as m, count(*) from sli_slices "
                          "group by all order by all").fetchall()
    return kept, scanned


def _check_current(db: Path) -> None:
    with store.connect(db, read_only=True) as con:
        for policy in ("good", "bad", "exclude"):
            assert _served(con, policy) == _fresh(con, policy), policy
        kept, scanned = _series_months(con)
        assert kept == scanned
        for scan, kept_query in (("app.series_health", "series_months.series_health"),
                                 ("app.coverage_by_month", "series_months.coverage_by_month")):
            params = {"slice_seconds": 60}
            assert (con.execute(store.query(kept_query), params).fetchall()
                    == con.execute(store.query(scan), params).fetchall()), scan


def test_extract_that_empties_a_month_recomputes_its_rollups_and_series_months(prom, db, tmp_path):
    apply(db, tmp_path, CHECKOUT, CHECKOUT_TOKYO, GATEWAY_SLO)
    # Rows stored before (by hand, another tool or an older Prometheus): a few hours of
    # February, of the plain series and of two customers' instance series, and some of March
    # 20th, outside the range extracted below.
    for at in (FEBRUARY, LATER):
        _ingest(db, "checkout", "availability", at, 240)
        for customer in ("acme", "initech"):
            _ingest(db, "gateway", "availability", at, 120, customer)
    with store.connect(db, read_only=True) as con:
        served = dict(_served(con, "good"))
        assert {r["slo"]: r["slices_with_data"] for r in served["2025-02"]} == {
            "checkout-availability": 240, "checkout-tokyo": 240,
            'gateway-availability{customer="acme"}': 120, 'gateway-availability{customer="initech"}': 120}
        assert rollups.fingerprints(con)  # the rollups tables exist: February was served from them
    # Prometheus has nothing before 2025-03-03: February's rows are deleted, none appended there.
    result = extract(db, prom.url, "--start", iso(int(FEBRUARY.timestamp())), "--end", iso(BASE + 86400))
    assert result.code == 0, result.stderr
    with store.connect(db, read_only=True) as con:
        months = con.execute("select distinct strftime(ts, '%Y-%m-%d') from sli_slices order by 1").fetchall()
        assert months == [("2025-03-03",), ("2025-03-20",)]
        served = dict(_served(con, "good"))
        # No data left in February for any of them (its customers' instances are gone with it).
        assert {r["slo"]: r["slices_with_data"] for r in served["2025-02"]} == {
            "checkout-availability": 0, "checkout-tokyo": 0}
    _check_current(db)


def test_delete_slices_outside_a_write_transaction_is_refused(db, tmp_path):
    apply(db, tmp_path, CHECKOUT)
    with store.connect(db) as con, pytest.raises(RuntimeError, match="writes.transaction"):
        writes.delete_slices(con, "checkout", "availability", FEBRUARY, LATER)
