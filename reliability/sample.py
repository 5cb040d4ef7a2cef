"""The bundled, deterministic sample data set used by ``reliability demo``.

The SLO definitions, incidents and deployments are committed files under ``data/`` (made by
``data/generate_sample.py``). The SLI series are not committed: :func:`series` computes them
on demand, in a few seconds for all services over the whole sample period.

The series depend on nothing but their arguments. Traffic, error counts and per-minute
variation come from integer arithmetic and a splitmix64 hash of (service, stream, minute) in
numpy ``uint64`` arithmetic, never from a random-number generator whose stream could change
between numpy versions, so the same call returns the same arrays on every machine, and any
sub-range of the period has exactly the values the full range has.

The model, per service and 1-minute slice:

- ``total``: a per-service peak rate (requests/minute) x an hour-of-day profile (UTC) x a
  day-of-week profile x a slow growth trend over the period x +/-10 % hash noise. The two SLIs
  of a service share the same ``total`` (they count the same requests).
- ``good`` = ``total - bad``; ``bad`` is ``total`` x a bad rate in parts per million, rounded
  stochastically with the hash. Baseline bad rates are tiny (availability 0.01-0.03 %,
  latency ~0.3 % of requests slower than 500 ms).
- While an incident of the service is open (any minute overlapping ``[started_at,
  mitigated_at)``), the bad rate rises by severity: SEV-1 12-18 %, SEV-2 5-20 %, SEV-3
  0.6-2 %, SEV-4 0.1-0.3 % of requests failing (the exact value is a hash of the incident id);
  an incident tagged ``outage`` fails 40-45 %. Latency degrades by 1.5x the availability
  rate. An incident tagged ``traffic-spike`` doubles traffic from 60 minutes before it starts
  to 60 minutes after it is mitigated.
- Missing data: ``catalog`` has a scrape gap (rows absent) on 2026-02-10 09:00-09:17 UTC, and
  ``ledger`` a maintenance window with zero traffic (rows with ``total = 0``) on 2026-04-12
  06:00-06:20 UTC.
"""

from __future__ import annotations

import csv
import json
import zlib
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np

UTC = timezone.utc

SAMPLE_START = datetime(2025, 10, 1, tzinfo=UTC)
SAMPLE_END = datetime(2026, 11, 1, tzinfo=UTC)

SERVICES = ("checkout", "payments", "ledger", "search", "auth", "catalog", "notifications", "api-gateway")
SLIS = ("availability", "latency")

# Peak traffic in requests per minute.
_BASE_RATE = {
    "api-gateway": 3000,
    "search": 2400,
    "auth": 2000,
    "catalog": 1600,
    "checkout": 1100,
    "payments": 700,
    "notifications": 450,
    "ledger": 260,
}
# Baseline share of failed requests (availability) and of requests slower than 500 ms
# (latency), in parts per million.
_BASE_BAD_PPM = {
    "availability": {
        "checkout": 150, "payments": 200, "ledger": 100, "search": 250,
        "auth": 120, "catalog": 180, "notifications": 300, "api-gateway": 150,
    },
    "latency": {
        "checkout": 3000, "payments": 3000, "ledger": 2500, "search": 4000,
        "auth": 2500, "catalog": 3000, "notifications": 3500, "api-gateway": 2500,
    },
}
# Share of peak traffic (percent) by UTC hour of day, and by day of week (Monday first).
_HOUR_PCT = np.array(
    [34, 28, 24, 22, 22, 25, 32, 44, 60, 74, 84, 91, 96, 99, 100, 99, 97, 96, 95, 92, 84, 70, 55, 43],
    dtype=np.int64,
)
_DOW_PCT = np.array([100, 102, 101, 100, 97, 82, 78], dtype=np.int64)

# Bad-request rate during an incident, parts per million: [low, high) by severity.
_INCIDENT_PPM = {
    "SEV-1": (120_000, 180_000),
    "SEV-2": (50_000, 200_000),
    "SEV-3": (6_000, 20_000),
    "SEV-4": (1_000, 3_000),
}
_OUTAGE_PPM = (400_000, 450_000)
_SPIKE_MARGIN_MIN = 60

# Data-quality blemishes: (service, first minute, end minute exclusive), UTC.
_SCRAPE_GAPS = (("catalog", datetime(2026, 2, 10, 9, 0, tzinfo=UTC), datetime(2026, 2, 10, 9, 17, tzinfo=UTC)),)
_ZERO_TRAFFIC = (("ledger", datetime(2026, 4, 12, 6, 0, tzinfo=UTC), datetime(2026, 4, 12, 6, 20, tzinfo=UTC)),)

_GROWTH_START_MIN = int(SAMPLE_START.timestamp()) // 60
_GROWTH_SPAN_MIN = (int(SAMPLE_END.timestamp()) - int(SAMPLE_START.timestamp())) // 60

_G = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)

# Hash streams.
_TRAFFIC, _AVAIL_ROUND, _LAT_ROUND, _AVAIL_JITTER, _LAT_JITTER, _INCIDENT_JITTER = range(6)


# --------------------------------------------------------------------------- files

def data_dir() -> Path:
    """The folder holding the sample files: ``reliability/_data`` in an installed wheel (the
    build force-includes ``data/`` there), else the repository's ``data/`` next to the
    package."""
    here = Path(__file__).resolve().parent
    packaged = here / "_data"
    if (packaged / "incidents.json").is_file():
        return packaged
    return here.parent / "data"


def slo_file() -> Path:
    """The OpenSLO v1 definitions of the sample (multi-document YAML)."""
    return data_dir() / "slos.yaml"


# Definition changes of the sample, applied after slos.yaml as `slo apply FILE --effective-from
# DATE` would (a date: local midnight in the SLO's calendar.timeZone).
SLO_CHANGES = (("slos-2026-06-15.yaml", "2026-06-15"),)


def slo_changes() -> list[tuple[Path, date]]:
    """``(file, effective date)`` of each definition change of the sample, in order."""
    return [(data_dir() / name, date.fromisoformat(day)) for name, day in SLO_CHANGES]


def load_incidents() -> list[dict]:
    """The sample incidents, as in ``incidents.json`` (timestamps are ISO 8601 strings with
    ``Z``; absent ones are None)."""
    with open(data_dir() / "incidents.json", encoding="utf-8") as fh:
        return json.load(fh)


def load_deployments() -> list[dict]:
    """The sample deployments from ``deployments.csv``: ``id``, ``service``, ``deployed_at``
    (ISO 8601 string with ``Z``), ``version``, ``description`` and ``rolled_back`` (bool)."""
    with open(data_dir() / "deployments.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["rolled_back"] = row["rolled_back"].strip().lower() == "true"
    return rows


# --------------------------------------------------------------------------- hashing

def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's output function over a uint64 array (wrapping arithmetic)."""
    z = z + _G
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def _key(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def _uniform(service_key: int, stream: int, minutes: np.ndarray, modulo: int) -> np.ndarray:
    """Integers in [0, modulo) from the hash of (service, stream, minute)."""
    seed = _mix(np.array([service_key * 16 + stream], dtype=np.uint64))
    h = _mix(minutes.astype(np.uint64) ^ seed)
    return (h % np.uint64(modulo)).astype(np.int64)


# --------------------------------------------------------------------------- incidents

def _epoch_seconds(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp())
    return int(value)  # epoch seconds


def incident_bad_ppm(incident: dict) -> int:
    """The availability bad rate (ppm) of an incident while it is open."""
    low, high = _OUTAGE_PPM if "outage" in (incident.get("tags") or []) else _INCIDENT_PPM.get(
        incident.get("severity"), _INCIDENT_PPM["SEV-4"]
    )
    return low + zlib.crc32(str(incident["id"]).encode("utf-8")) % (high - low)


def _incident_windows(service: str, incidents: list[dict]):
    """(first minute, end minute exclusive, ppm, spike) for the service's incidents."""
    for inc in incidents or ():
        if inc.get("service") != service:
            continue
        start = _epoch_seconds(inc.get("started_at")) or _epoch_seconds(inc.get("detected_at"))
        end = (
            _epoch_seconds(inc.get("mitigated_at"))
            or _epoch_seconds(inc.get("resolved_at"))
            or start
        )
        if start is None or end <= start:
            continue
        first = start // 60
        stop = -(-end // 60)  # any minute overlapping [start, end)
        yield first, stop, incident_bad_ppm(inc), "traffic-spike" in (inc.get("tags") or [])


# --------------------------------------------------------------------------- series

def _minute(dt: datetime, ceil: bool) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    seconds = dt.timestamp()
    m = int(seconds // 60)
    if ceil and m * 60 < seconds:
        m += 1
    return m


def series(service: str, sli: str, start: datetime, end: datetime, incidents: list[dict]) -> dict[str, np.ndarray]:
    """One-minute slices of an SLI of the sample for the minutes starting in ``[start, end)``.

    ``service`` is one of :data:`SERVICES` (others get a made-up profile); ``sli`` is
    ``"availability"`` or ``"latency"``; ``incidents`` is the list whose windows shape the
    dips (normally :func:`load_incidents`; only those of ``service`` are used). Naive
    datetimes are taken as UTC.

    Returns ``{"ts": datetime64[s] (UTC minute starts), "good": int64, "total": int64}``, equal
    lengths, ``0 <= good <= total``. Minutes of a scrape gap are absent.
    """
    if sli not in SLIS:
        raise ValueError(f"unknown sample SLI {sli!r}; expected one of {', '.join(SLIS)}")
    m0, m1 = _minute(start, ceil=True), _minute(end, ceil=True)
    n = max(m1 - m0, 0)
    minutes = np.arange(m0, m0 + n, dtype=np.int64)
    key = _key(service)

    # Traffic: peak x hour x weekday x growth x noise, integer arithmetic throughout.
    base = _BASE_RATE.get(service, 200 + key % 2800)
    hour = _HOUR_PCT[(minutes // 60) % 24]
    dow = _DOW_PCT[(minutes // 1440 + 3) % 7]  # 1970-01-01 was a Thursday
    growth = 900 + np.clip(minutes - _GROWTH_START_MIN, 0, _GROWTH_SPAN_MIN) * 200 // _GROWTH_SPAN_MIN
    noise = 900 + _uniform(key, _TRAFFIC, minutes, 201)
    total = base * hour * dow * growth * noise // 10_000_000_000

    # Bad rate in ppm: baseline with per-minute jitter (50-150 %), raised during incidents.
    if sli == "availability":
        base_ppm = _BASE_BAD_PPM["availability"].get(service, 200)
        jitter = _uniform(key, _AVAIL_JITTER, minutes, 101)
    else:
        base_ppm = _BASE_BAD_PPM["latency"].get(service, 3000)
        jitter = _uniform(key, _LAT_JITTER, minutes, 101)
    ppm = base_ppm * (50 + jitter) // 100
    incident_ppm = np.zeros(n, dtype=np.int64)
    spike = np.zeros(n, dtype=bool)
    for first, stop, inc_ppm, is_spike in _incident_windows(service, incidents):
        lo, hi = max(first - m0, 0), min(stop - m0, n)
        if lo < hi:
            incident_ppm[lo:hi] = np.maximum(incident_ppm[lo:hi], inc_ppm)
        if is_spike:
            lo, hi = max(first - _SPIKE_MARGIN_MIN - m0, 0), min(stop + _SPIKE_MARGIN_MIN - m0, n)
            if lo < hi:
                spike[lo:hi] = True
    if sli == "latency":
        incident_ppm = np.minimum(incident_ppm * 3 // 2, 900_000)
    # +/-20 % minute-to-minute variation of the incident rate.
    incident_ppm = incident_ppm * (80 + _uniform(key, _INCIDENT_JITTER, minutes, 41)) // 100
    ppm = np.minimum(ppm + incident_ppm, 1_000_000)
    total = np.where(spike, total * 2, total)

    for svc, lo_dt, hi_dt in _ZERO_TRAFFIC:
        if svc == service:
            lo, hi = max(_minute(lo_dt, False) - m0, 0), min(_minute(hi_dt, False) - m0, n)
            if lo < hi:
                total[lo:hi] = 0

    rounding = _uniform(key, _AVAIL_ROUND if sli == "availability" else _LAT_ROUND, minutes, 1_000_000)
    bad = np.minimum((total * ppm + rounding) // 1_000_000, total)
    good = total - bad

    keep = np.ones(n, dtype=bool)
    for svc, lo_dt, hi_dt in _SCRAPE_GAPS:
        if svc == service:
            lo, hi = max(_minute(lo_dt, False) - m0, 0), min(_minute(hi_dt, False) - m0, n)
            if lo < hi:
                keep[lo:hi] = False
    if not keep.all():
        minutes, good, total = minutes[keep], good[keep], total[keep]

    ts = (minutes * 60).astype("datetime64[s]")
    return {"ts": ts, "good": good.astype(np.int64), "total": total.astype(np.int64)}


def all_series(
    start: datetime = SAMPLE_START, end: datetime = SAMPLE_END, incidents: list[dict] | None = None
) -> Iterator[tuple[str, str, dict[str, np.ndarray]]]:
    """``(service, sli, series)`` for every service and SLI of the sample."""
    if incidents is None:
        incidents = load_incidents()
    for service in SERVICES:
        for sli in SLIS:
            yield service, sli, series(service, sli, start, end, incidents)


# --------------------------------------------------------------------------- enterprise customers (issue 17)
# Three enterprise customers of the API gateway, one per-instance SLO over them
# (data/fleet.yaml: api-gateway-customer-availability, grouped by customer). Each customer's
# requests are a fixed share of the gateway's, failing where the gateway fails; globex also has
# a misrouting of its own, and initech is onboarded mid-month. Kept apart from the series above,
# whose numbers the documented sample facts rest on: the gateway's own series is unchanged.

CUSTOMERS = ("acme", "globex", "initech")
_CUSTOMER_SHARE_PCT = {"acme": 40, "globex": 25, "initech": 15}
# initech's first request: 2026-06-16 00:00 UTC, half-way through June (a mid-month instance).
CUSTOMER_FROM = {"initech": datetime(2026, 6, 16, tzinfo=UTC)}
# globex only: 30 % of its requests misrouted on 2026-07-14 14:00-17:00 UTC (180 minutes).
CUSTOMER_OUTAGES = {"globex": (datetime(2026, 7, 14, 14, 0, tzinfo=UTC), datetime(2026, 7, 14, 17, 0, tzinfo=UTC),
                               300_000)}


def customer_series(customer: str, start: datetime, end: datetime, incidents: list[dict]) -> dict[str, np.ndarray]:
    """One-minute availability slices of one enterprise customer's gateway requests for the
    minutes starting in ``[start, end)``: ``total = gateway total x share // 100``, failed
    requests the gateway's x share / 100 rounded by a hash (plus its own outage, in ppm of its
    requests), from
    :data:`CUSTOMER_FROM` on. Same shape as :func:`series`."""
    share = _CUSTOMER_SHARE_PCT[customer]
    gw = series("api-gateway", "availability", start, end, incidents)
    minutes = gw["ts"].astype(np.int64) // 60
    total = gw["total"] * share // 100
    # the gateway's failed requests x share, rounded stochastically (a hash, as above) so that
    # a minute with one failed gateway request fails one of this customer's share% of the time
    rounding = _uniform(_key(f"customer:{customer}"), _AVAIL_ROUND, minutes, 100)
    bad = ((gw["total"] - gw["good"]) * share + rounding) // 100
    outage = CUSTOMER_OUTAGES.get(customer)
    if outage is not None:
        lo, hi, ppm = _minute(outage[0], False), _minute(outage[1], False), outage[2]
        inside = (minutes >= lo) & (minutes < hi)
        bad = np.where(inside, np.maximum(bad, total * ppm // 1_000_000), bad)
    bad = np.minimum(bad, total)
    keep = minutes >= _minute(CUSTOMER_FROM.get(customer, SAMPLE_START), False)
    return {"ts": gw["ts"][keep], "good": (total - bad)[keep], "total": total[keep]}


def fleet_file() -> Path:
    """The per-customer SLO and the checkout journey composite (OpenSLO v1, multi-document)."""
    return data_dir() / "fleet.yaml"
