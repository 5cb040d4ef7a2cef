"""A small database for the contract tests, every number chosen so it can be worked out by hand.

November 2025 in UTC has 30 days: 43,200 one-minute slices. Every service below has one
Occurrences SLO (target 99.9 %) and a row of 100 requests for every minute from 2025-11-01
00:00Z to 2025-12-01 06:00Z (the extra six hours serve the New York contract, whose November
ends at 05:00Z), so a full UTC month holds 4,320,000 requests and ``F`` failed requests give an
attainment of exactly ``1 − F / 4,320,000``. Failures fill whole minutes (100 failed) from a
given minute on, the remainder in the next.

Boundaries of the tiers below 99.95 % (10 %), below 99.9 % (25 %), below 99 % (100 %): 2,160,
4,320 and 43,200 failed requests are exactly at them (no credit of that tier); one more is below.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import run_cli
from test_sla import slo_yaml

START = datetime(2025, 11, 1, tzinfo=UTC)
END = datetime(2025, 12, 1, 6, tzinfo=UTC)
PER_MINUTE = 100
MONTH_REQUESTS = 43_200 * PER_MINUTE

# service -> [(first failing minute, failed requests)]
FAILURES = {
    "at-9995": [(datetime(2025, 11, 3, 10, tzinfo=UTC), 2_160)],
    "below-9995": [(datetime(2025, 11, 3, 10, tzinfo=UTC), 2_161)],
    "at-999": [(datetime(2025, 11, 3, 10, tzinfo=UTC), 4_320)],
    "below-999": [(datetime(2025, 11, 3, 10, tzinfo=UTC), 4_321)],
    "at-99": [(datetime(2025, 11, 3, 10, tzinfo=UTC), 43_200)],
    "below-99": [(datetime(2025, 11, 3, 10, tzinfo=UTC), 43_201)],
    # 10,000 failed before the 16th (outside a contract starting then), 1,100 after.
    "mid": [(datetime(2025, 11, 5, 8, tzinfo=UTC), 10_000), (datetime(2025, 11, 20, 8, tzinfo=UTC), 1_100)],
    # In New York's second half of November: 1,081 failed.
    "mid-ny": [(datetime(2025, 11, 20, 8, tzinfo=UTC), 1_081)],
    # 5,000 failed inside 02:00-03:00Z on the 10th (a maintenance window), 1,000 elsewhere.
    "excl": [(datetime(2025, 11, 10, 2, tzinfo=UTC), 5_000), (datetime(2025, 11, 25, 12, tzinfo=UTC), 1_000)],
    "sparse": [],  # data for the first 20 days only: coverage 2/3
}
SPARSE_END = datetime(2025, 11, 21, tzinfo=UTC)


def _failed_by_minute(service: str) -> dict[datetime, int]:
    out: dict[datetime, int] = {}
    for first, count in FAILURES[service]:
        minute = first
        while count > 0:
            out[minute] = min(PER_MINUTE, count)
            count -= out[minute]
            minute += timedelta(minutes=1)
    return out


def series_table():
    """The rows of every service, as an Arrow table for ``ingest series`` (Parquet)."""
    import pyarrow as pa

    ts, services, good, total = [], [], [], []
    minutes = int((END - START).total_seconds() // 60)
    for service in FAILURES:
        failed = _failed_by_minute(service)
        end = SPARSE_END if service == "sparse" else END
        for i in range(minutes):
            t = START + timedelta(minutes=i)
            if t >= end:
                break
            ts.append(t)
            services.append(service)
            good.append(PER_MINUTE - failed.get(t, 0))
            total.append(PER_MINUTE)
    return pa.table({"timestamp": pa.array(ts, pa.timestamp("us", tz="UTC")), "service": services,
                     "sli": ["availability"] * len(ts), "good": pa.array(good, pa.int64()),
                     "total": pa.array(total, pa.int64())})


TIERS = """\
  tiers:
    - {below: 99.95, credit: 10}
    - {below: 99.9, credit: 25}
    - {below: 99, credit: 100}
"""


def contract(name: str, customer: str, slos: list[str], *, fee: str = "10000", currency: str = "USD",
             start: str = "2025-10-01", end: str | None = None, zone: str = "UTC", extra: str = "",
             tiers: str = TIERS) -> str:
    """One contract document."""
    covered = "".join(f"    - slo: {s}\n" for s in slos)
    return textwrap.dedent(f"""\
        apiVersion: reliability/v1
        kind: Contract
        metadata:
          name: {name}
        spec:
          customer: {customer}
          timeZone: {zone}
          start: {start}
        """) + (f"  end: {end}\n" if end else "") + (
        f"  monthlyFee: {fee}\n  currency: {currency}\n  slos:\n{covered}{tiers}{extra}")


BOUNDARY_CUSTOMERS = {"at-9995": "c-at-9995", "below-9995": "c-below-9995", "at-999": "c-at-999",
                      "below-999": "c-below-999", "at-99": "c-at-99", "below-99": "c-below-99"}

INCIDENTS = """\
[{"id": "INC-T1", "service": "below-999", "severity": "SEV-2", "title": "5xx after deploy",
  "started_at": "2025-11-03T10:00:00Z", "detected_at": "2025-11-03T10:05:00Z",
  "acknowledged_at": "2025-11-03T10:07:00Z", "mitigated_at": "2025-11-03T10:44:00Z",
  "resolved_at": "2025-11-03T11:00:00Z", "root_cause": "bad config",
  "postmortem_published_at": "2025-11-05T10:00:00Z",
  "action_items": [{"title": "Canary config pushes", "owner": "gw-team", "due": "2025-12-01", "done": false}]},
 {"id": "INC-T2", "service": "below-999", "severity": "SEV-3", "title": "someone else's tenant",
  "started_at": "2025-11-12T10:00:00Z", "detected_at": "2025-11-12T10:00:00Z",
  "resolved_at": "2025-11-12T11:00:00Z", "tags": ["customer:c-other"]},
 {"id": "INC-EX", "service": "excl", "severity": "SEV-3", "title": "provider outage",
  "started_at": "2025-11-10T02:00:00Z", "detected_at": "2025-11-10T02:05:00Z",
  "mitigated_at": "2025-11-10T03:00:00Z", "resolved_at": "2025-11-10T03:30:00Z"},
 {"id": "INC-B99", "service": "below-99", "severity": "SEV-1", "title": "outage",
  "started_at": "2025-11-03T10:00:00Z", "detected_at": "2025-11-03T10:01:00Z",
  "mitigated_at": "2025-11-03T17:12:00Z", "resolved_at": "2025-11-03T18:00:00Z"}]
"""
UPDATES = """\
incident_id,at,kind,body
INC-T1,2025-11-07T09:00:00Z,customer-postmortem,Post-mortem shared with c-below-999
"""

MAINTENANCE = """\
  exclusions:
    - id: MW-1
      kind: maintenance
      start: 2025-11-10T02:00:00Z
      end: 2025-11-10T03:00:00Z
      reason: announced database upgrade
"""
INCIDENT_EXCLUSION = """\
  exclusions:
    - id: FM-1
      kind: force-majeure
      incident: INC-EX
      reason: provider outage
"""


def contracts_yaml() -> str:
    docs = [contract(f"k-{s}", c, [s]) for s, c in BOUNDARY_CUSTOMERS.items()]
    docs += [
        contract("k-mid", "c-mid", ["mid"], start="2025-11-16"),
        contract("k-mid-ny", "c-mid-ny", ["mid-ny"], start="2025-11-16", zone="America/New_York", fee="7210"),
        contract("k-end", "c-end", ["below-999"], end="2025-11-10"),
        contract("k-excl-window", "c-excl", ["excl"], extra=MAINTENANCE),
        contract("k-excl-incident", "c-excl", ["excl"], extra=INCIDENT_EXCLUSION),
        contract("k-excl-none", "c-excl", ["excl"]),
        contract("k-sparse", "c-sparse", ["sparse"]),
        contract("k-sparse-mixed", "c-sparse", ["below-999", "sparse"]),
        contract("k-sparse-max", "c-sparse", ["below-99", "sparse"]),
        contract("k-yen", "c-yen", ["below-9995"], fee="1234567", currency="JPY"),
        contract("k-sum", "c-sum", ["below-9995", "below-999"], extra="  combine: sum\n"),
    ]
    return "---\n".join(docs)


def build(tmp: Path) -> Path:
    """The database: SLOs, series, incidents, the customer-postmortem update, contracts."""
    import pyarrow.parquet as pq

    db = tmp / "contracts.duckdb"
    (tmp / "slos.yaml").write_text("---\n".join(slo_yaml(s, "Occurrences", "UTC", service=s) for s in FAILURES))
    pq.write_table(series_table(), tmp / "series.parquet")
    (tmp / "incidents.json").write_text(INCIDENTS)
    (tmp / "updates.csv").write_text(UPDATES)
    (tmp / "contracts.yaml").write_text(contracts_yaml())
    for args in (("slo", "apply", tmp / "slos.yaml"), ("ingest", "series", tmp / "series.parquet"),
                 ("ingest", "incidents", tmp / "incidents.json"), ("ingest", "updates", tmp / "updates.csv"),
                 ("contracts", "apply", tmp / "contracts.yaml")):
        r = run_cli(*args, db=db)
        assert r.code == 0, (args, r.stderr)
    return db
