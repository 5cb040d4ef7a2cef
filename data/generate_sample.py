#!/usr/bin/env python3
"""Generate the bundled sample incidents and deployments (deterministic).

    .venv/bin/python data/generate_sample.py   # rewrites data/incidents.json and data/deployments.csv

The committed output is what counts; this script documents how it was made. Every random
choice comes from one ``random.Random(42)`` stream consumed in a fixed order, so re-running it
reproduces the files byte for byte (tests/test_sample.py checks it).

The SLI series are not generated here: ``reliability/sample.py`` computes them from these
incidents. The sample's period, its services and each incident's error rate come from that
module (one source), so the customer-impact texts quote the error rates the series really
show. Run it with the project's Python (``.venv/bin/python data/generate_sample.py``), which
has the package installed; from a checkout without it, the package next to this folder is
used.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
try:
    from reliability import sample
except ImportError:  # a checkout whose package is not installed: the one beside data/
    sys.path.insert(0, str(HERE.parent))
    from reliability import sample

START = sample.SAMPLE_START
END = sample.SAMPLE_END  # "now" of the data set: nothing happens at or after it
LAST_INCIDENT_DAY = datetime(2026, 10, 29, tzinfo=UTC)

TIMESLICES = {"payments", "ledger", "search"}  # availability SLOs budgeted by Timeslices
SERVICE_WEIGHT = {
    "checkout": 12, "payments": 12, "ledger": 8, "search": 10,
    "auth": 10, "catalog": 9, "notifications": 8, "api-gateway": 11,
}
TEAM = {
    "checkout": ("storefront", ["maya.lindqvist", "tom.okafor", "ines.duarte"]),
    "payments": ("payments", ["priya.natarajan", "jonas.weber", "li.wei"]),
    "ledger": ("ledger", ["sam.goldberg", "carla.mendes", "oren.katz"]),
    "search": ("search", ["aiko.tanaka", "felix.brandt", "nora.haddad"]),
    "auth": ("identity", ["lena.fischer", "raj.iyer", "marta.novak"]),
    "catalog": ("catalog", ["pablo.ruiz", "emma.schulz", "yusuf.demir"]),
    "notifications": ("messaging", ["chloe.martin", "kofi.mensah", "anya.petrova"]),
    "api-gateway": ("edge", ["dan.murphy", "sofia.rossi", "kenji.sato"]),
}
HOSTS = {
    "checkout": "checkout.shop.example.com", "payments": "pay.example.com",
    "ledger": "ledger.internal.example.com", "search": "search.example.com",
    "auth": "login.example.com", "catalog": "catalog.example.com",
    "notifications": "notify.example.com", "api-gateway": "api.example.com",
}
DEPENDENCY = {
    "checkout": ["payments", "catalog", "inventory-service"], "payments": ["card-processor", "ledger", "fraud-scoring"],
    "ledger": ["postgres-ledger", "kafka"], "search": ["elasticsearch", "catalog"],
    "auth": ["user-db", "redis-sessions"], "catalog": ["postgres-catalog", "image-cdn"],
    "notifications": ["sms-provider", "email-provider", "kafka"], "api-gateway": ["auth", "rate-limiter"],
}
DISPLAY = {
    "checkout": "Checkout", "payments": "Payments", "ledger": "Ledger", "search": "Search", "auth": "Auth",
    "catalog": "Catalog", "notifications": "Notifications", "api-gateway": "API gateway",
}
FIRST_VERSION = {
    "checkout": (3, 12), "payments": (5, 4), "ledger": (1, 19), "search": (2, 7),
    "auth": (4, 2), "catalog": (2, 30), "notifications": (1, 8), "api-gateway": (7, 1),
}
COUNTS = {"SEV-1": 8, "SEV-2": 30, "SEV-3": 60, "SEV-4": 72}
ACK_TARGET_MIN = {"SEV-1": 5, "SEV-2": 15, "SEV-3": 60}  # SEV-4: end of next business day
CADENCE_MIN = {"SEV-1": 15, "SEV-2": 60}
WIKI = "https://wiki.example.com/postmortems/"

def iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def T(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def minutes(x: float) -> timedelta:
    return timedelta(seconds=round(x * 60))


rng = random.Random(42)

# --------------------------------------------------------------------------- themes
# Each theme: titles, root causes, impact nouns, mitigation actions, action items, tags.
# Placeholders: {svc} {host} {dep} {version} {prev} {team}.
THEMES = {
    "bad-deploy": dict(
        tags=["bad-deploy", "rollback"],
        titles=["Elevated 5xx on {svc} after deploy {version}", "{svc} {version} regression: requests failing",
                "{svc} errors after release {version}"],
        causes=["Release {version} ({change}) shipped a regression that the canary stage did not exercise; "
                "requests on the affected path failed until the rollback.",
                "Release {version} ({change}) changed behaviour that {dep} depends on; "
                "calls failed until {svc} was rolled back to {prev}."],
        actions=["Rolled back {svc} from {version} to {prev}."],
        items=["Add canary analysis (error rate and latency) as a gate in the {svc} pipeline",
               "Add an integration test covering the failing path of {version}",
               "Enable automatic rollback on fast SLO burn for {svc}"],
    ),
    "cert-expiry": dict(
        tags=["cert-expiry", "tls"],
        titles=["TLS certificate for {host} expired", "Clients rejecting {host}: certificate expired"],
        causes=["The certificate for {host} expired: cert-manager's renewal had been failing for 3 weeks "
                "(ACME DNS-01 challenge rejected after a DNS provider token rotation) and the only expiry "
                "alert fired at 24 hours, to an unmonitored channel.",
                "A manually installed certificate on the {svc} load balancer was outside automated renewal and "
                "expired."],
        actions=["Issued a new certificate for {host} and rolled it out to the load balancers."],
        items=["Alert on certificates expiring within 21 days, routed to the owning team",
               "Move every {team} certificate under automated renewal and inventory them",
               "Add a synthetic TLS check for {host}"],
    ),
    "disk-full": dict(
        tags=["disk-full"],
        titles=["{svc} nodes out of disk space", "{svc} write failures: data volume full"],
        causes=["Debug logging left enabled after an investigation filled the log volume on {svc} hosts; "
                "writes failed with ENOSPC.",
                "A stuck compaction let the {svc} data volume grow until it was full; writes were rejected."],
        actions=["Freed disk space (rotated logs, removed stale snapshots) and expanded the volume by 50%."],
        items=["Alert at 80% and 90% disk usage on {svc} volumes",
               "Enforce log rotation size limits in the base image",
               "Automate volume expansion for {svc}"],
    ),
    "dns": dict(
        tags=["dns"],
        titles=["Intermittent DNS resolution failures for {svc}", "{svc} cannot resolve {dep}: DNS timeouts"],
        causes=["CoreDNS pods were CPU-throttled under a burst of lookups (ndots:5 search-path amplification); "
                "{svc} lookups of {dep} timed out.",
                "A DNS record for {dep} was changed with a 1-day TTL mistake; half of {svc} resolved a "
                "decommissioned address."],
        actions=["Scaled CoreDNS and enabled NodeLocal DNSCache on the {svc} node pool."],
        items=["Set ndots:1 and fully qualified names for {svc} dependencies",
               "Alert on CoreDNS error rate and latency", "Review DNS change process (TTL checks)"],
    ),
    "dependency": dict(
        tags=["dependency"],
        titles=["{svc} degraded: upstream {dep} timeouts", "{svc} errors from {dep}"],
        causes=["{dep} latency rose above {svc}'s 2 s client timeout; without a circuit breaker, retries "
                "amplified the load.",
                "{dep} returned errors during its own maintenance; {svc} had no fallback for the call."],
        actions=["Enabled the circuit breaker for {dep} calls and served the cached fallback."],
        items=["Add a circuit breaker and fallback for {dep} in {svc}", "Agree on a maintenance notice process with {dep}"],
    ),
    "capacity": dict(
        tags=["capacity"],
        titles=["{svc} saturated: autoscaling lagging behind traffic", "{svc} CPU saturation and request queueing"],
        causes=["The {svc} horizontal autoscaler was capped at its maximum replica count, set a year earlier; "
                "a traffic rise saturated CPU and requests queued until they timed out.",
                "A batch job co-scheduled on the {svc} node pool starved it of CPU."],
        actions=["Raised the {svc} replica cap and moved the batch job to its own node pool."],
        items=["Review autoscaling limits for {svc} quarterly", "Load-test {svc} at 2x peak"],
    ),
    "config-change": dict(
        tags=["config-change", "rollback"],
        titles=["Bad configuration push to {svc}", "{svc} failing after feature-flag change"],
        causes=["A configuration change to {svc} (connection timeouts lowered from 2 s to 200 ms) was pushed "
                "to all regions at once.",
                "A feature flag enabled for 100% of {svc} traffic instead of 1% turned on an unfinished code path."],
        actions=["Reverted the configuration change for {svc}."],
        items=["Stage configuration changes by region with automatic verification",
               "Require a second reviewer for {svc} flag changes above 10%"],
    ),
    "database": dict(
        tags=["database"],
        titles=["{svc} database replica lag and slow queries", "{svc} slow queries after index change"],
        causes=["A missing index after a schema migration turned a hot query of {svc} into a sequential scan; "
                "the database CPU saturated.",
                "Replica lag on the {svc} database grew during a vacuum storm; reads from replicas timed out."],
        actions=["Added the missing index concurrently and shifted reads to the primary."],
        items=["Run EXPLAIN checks on migrations in CI for {svc}", "Alert on replica lag > 30 s"],
    ),
    "memory-leak": dict(
        tags=["memory-leak"],
        titles=["{svc} pods OOM-killed repeatedly", "{svc} memory leak: restarts under load"],
        causes=["A cache without a size bound in {svc} grew until pods were OOM-killed; restarts dropped "
                "in-flight requests."],
        actions=["Restarted {svc} with a bounded cache via configuration."],
        items=["Bound every in-process cache in {svc}", "Alert on {svc} container restarts"],
    ),
    "network": dict(
        tags=["network"],
        titles=["Packet loss between {svc} and {dep}", "{svc} connection resets in one availability zone"],
        causes=["A faulty top-of-rack switch in one availability zone dropped packets between {svc} and {dep}."],
        actions=["Drained the affected availability zone for {svc}."],
        items=["Automate zone drain on elevated connection resets"],
    ),
    "third-party": dict(
        tags=["third-party"],
        titles=["{dep} degraded: {svc} requests failing", "{svc} delivery delays: {dep} outage"],
        causes=["{dep}, a third-party provider, had a partial outage; {svc} had no secondary provider for the "
                "affected region."],
        actions=["Failed over to the secondary provider."],
        items=["Add automatic failover to a secondary provider for {svc}"],
    ),
    "minor": dict(
        tags=["minor"],
        titles=["Elevated p99 latency on a {svc} admin endpoint", "Flaky health check on {svc}",
                "{svc} batch export running slow", "Stale data on the {svc} dashboard",
                "Sporadic 502s on {svc} behind one load balancer node"],
        causes=["A noisy neighbour on one {svc} node; rescheduling fixed it.",
                "A health check with a 1 s timeout flapped under GC pauses.",
                "An unindexed report query in the admin path of {svc}."],
        actions=["Rescheduled the affected {svc} pods."],
        items=["Tune {svc} health-check timeouts"],
    ),
}
THEME_WEIGHTS = {
    "SEV-2": {"bad-deploy": 26, "cert-expiry": 6, "disk-full": 8, "dns": 8, "dependency": 12, "capacity": 10,
              "config-change": 10, "database": 10, "memory-leak": 5, "network": 5},
    "SEV-3": {"bad-deploy": 24, "cert-expiry": 5, "disk-full": 9, "dns": 8, "dependency": 12, "capacity": 9,
              "config-change": 9, "database": 10, "memory-leak": 7, "network": 4, "third-party": 3},
    "SEV-4": {"bad-deploy": 12, "disk-full": 8, "dns": 6, "dependency": 8, "memory-leak": 6, "minor": 55,
              "third-party": 3, "cert-expiry": 2},
}
CHANGES = [
    "enable new cart serializer", "upgrade HTTP client library", "change retry policy for {dep} client",
    "migrate handlers to async I/O", "switch JSON encoder", "new caching layer for {dep} responses",
    "refactor request validation", "upgrade ORM to next major version", "tighten input validation",
    "enable connection reuse for {dep}",
]
ROUTINE_CHANGES = [
    "Fix pagination edge case", "Bump dependencies", "Add metrics for {dep} calls", "Improve error messages",
    "Feature flag cleanup", "Tune GC settings", "Update translations", "Add request tracing spans",
    "Refactor config loading", "Fix flaky retry logic", "Add index hint for report query", "Upgrade base image",
    "Small UI copy change", "Remove dead code", "Add audit log field", "Tighten timeouts for {dep}",
]
DETECTORS = {
    "SEV-1": ["alert: {svc}-availability fast burn (14.4x over 1h)", "alert: {svc} 5xx rate > 5%",
              "synthetic check {host} failing from 3 regions"],
    "SEV-2": ["alert: {svc}-availability burn rate 6x over 6h", "alert: {svc} 5xx rate > 2%",
              "customer support escalation", "synthetic check {host} failing"],
    "SEV-3": ["alert: {svc}-latency burn rate 3x", "alert: {svc} error rate above baseline",
              "customer support ticket", "engineer noticed on dashboard"],
    "SEV-4": ["ticket from internal team", "engineer noticed on dashboard", "low-priority alert on {svc}"],
}
UPDATE_TEXTS = [
    "Stakeholder update: investigating elevated errors on {svc}; {team} on-call engaged. Next update in {next} min.",
    "Stakeholder update: impact unchanged; working hypothesis is {theme}. Next update in {next} min.",
    "Stakeholder update: mitigation in progress, error rate trending down. Next update in {next} min.",
    "Stakeholder update: still degraded; {dep} owners joined the bridge. Next update in {next} min.",
    "Stakeholder update: customer support briefed with a holding statement. Next update in {next} min.",
]


def fill(template: str, ctx: dict) -> str:
    return template.format(**ctx)


# --------------------------------------------------------------------------- incident skeletons

def skeleton(service, severity, theme, started, ttd, tta, ttm, ttr, **extra) -> dict:
    """Times in minutes: detect after start, ack after detect, mitigate after detect, resolve
    after mitigate."""
    detected = started + minutes(ttd)
    acknowledged = detected + minutes(tta)
    mitigated = max(detected + minutes(ttm), acknowledged + timedelta(minutes=2))
    resolved = mitigated + minutes(ttr)
    sk = dict(service=service, severity=severity, theme=theme, started=started, detected=detected,
              acknowledged=acknowledged, mitigated=mitigated, resolved=resolved,
              tags=list(THEMES[theme]["tags"]) if theme in THEMES else [], story=None,
              cadence_violation=False, postmortem="normal", updates=None, action_texts=None)
    sk.update(extra)
    return sk


STORIES = [
    # SEV-1s
    skeleton("checkout", "SEV-1", "bad-deploy", T("2025-10-21 15:12:40"), 2.2, 2.5, 26.4, 51, story="checkout-deploy",
             change="enable new cart serializer"),
    skeleton("auth", "SEV-1", "cert-expiry", T("2025-12-09 08:00:00"), 4.5, 8.2, 42.7, 53, story="auth-cert",
             cadence_violation=True),
    skeleton("api-gateway", "SEV-1", "dns", T("2026-01-22 19:41:15"), 1.8, 2.9, 36.4, 96, story="gateway-dns",
             postmortem="late"),
    skeleton("catalog", "SEV-1", "disk-full", T("2026-02-26 11:20:00"), 3.5, 1.7, 41.2, 85, story="catalog-disk",
             extra_tags=["database"]),
    skeleton("checkout", "SEV-1", "config-change", T("2026-04-30 17:05:00"), 2.3, 1.7, 45.2, 62, story="checkout-flag",
             cadence_violation=True),
    skeleton("ledger", "SEV-1", "database", T("2026-05-19 14:31:00"), 2.7, 7.25, 32.7, 64, story="ledger-failover",
             extra_tags=["failover"]),
    skeleton("payments", "SEV-1", "capacity", T("2026-08-14 13:58:20"), 2.8, 1.8, 28.5, 75.3, story="payments-pool",
             extra_tags=["connection-pool", "database", "traffic-spike"]),
    skeleton("api-gateway", "SEV-1", "bad-deploy", T("2026-10-06 10:14:30"), 1.5, 2.2, 25.8, 48, story="gateway-deploy",
             postmortem="missing", change="new rate-limiter token bucket implementation"),
    # SEV-2 stories
    skeleton("search", "SEV-2", "database", T("2026-03-17 15:04:30"), 2.5, 9.3, 89.7, 73.3, story="search-outage",
             tags_override=["outage", "elasticsearch", "capacity"]),
    skeleton("payments", "SEV-2", "dependency", T("2026-06-11 16:22:10"), 2.8, 6.5, 27.7, 87.5, story="payments-redis",
             tags_override=["connection-pool", "redis"]),
    skeleton("ledger", "SEV-2", "config-change", T("2025-11-02 06:30:00"), 6.0, 8.5, 19.7, 95, story="ledger-dst-fall",
             tags_override=["dst", "cron", "data-integrity"]),
    # SEV-3 story
    skeleton("ledger", "SEV-3", "config-change", T("2026-03-08 11:50:00"), 25.0, 24.0, 65.0, 140, story="ledger-dst-spring",
             tags_override=["dst", "cron"]),
]
for sk in STORIES:
    if "tags_override" in sk:
        sk["tags"] = list(sk.pop("tags_override"))
    sk["tags"] += sk.pop("extra_tags", [])

# Months in which a story service gets no other SEV-1/SEV-2, and days kept free of incidents.
QUIET_MONTHS = {("payments", "2026-08"), ("payments", "2026-06"), ("search", "2026-03"), ("ledger", "2025-11"),
                ("ledger", "2026-03"), ("ledger", "2026-05")}
QUIET_DAYS = {("catalog", "2026-02-10"), ("ledger", "2026-04-12")}


def weighted(choices: dict):
    keys = list(choices)
    return rng.choices(keys, weights=[choices[k] for k in keys])[0]


def next_business_day_end(dt: datetime) -> datetime:
    d = dt.date() + timedelta(days=1)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return datetime(d.year, d.month, d.day, 23, 59, 59, tzinfo=UTC)


HOUR_WEIGHT = [34, 28, 24, 22, 22, 25, 32, 44, 60, 74, 84, 91, 96, 99, 100, 99, 97, 96, 95, 92, 84, 70, 55, 43]


def random_start(theme: str) -> datetime:
    span_days = (LAST_INCIDENT_DAY - START).days
    while True:
        day = START + timedelta(days=rng.randrange(span_days))
        if theme in ("bad-deploy", "config-change"):
            if day.weekday() >= 5:
                continue
            hour = rng.randint(9, 17)
        else:
            hour = rng.choices(range(24), weights=HOUR_WEIGHT)[0]
        return day + timedelta(hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))


def random_skeleton(severity: str, long_sev2: bool = False, ack_miss: bool = False) -> dict:
    theme = weighted(THEME_WEIGHTS[severity])
    if theme == "third-party":
        service = rng.choice(["notifications", "payments"])
    else:
        service = weighted(SERVICE_WEIGHT)
    if long_sev2 or (severity == "SEV-2" and ack_miss):
        # Long or slow-to-acknowledge SEV-2s only on services budgeted by Occurrences, so a single
        # random incident does not blow a Timeslices budget.
        service = rng.choice(["checkout", "auth", "catalog", "notifications", "api-gateway"])
    started = random_start(theme)
    if long_sev2:  # an overnight incident (low traffic) whose stakeholder updates lapsed
        started = started.replace(hour=rng.randint(0, 3))
    if severity == "SEV-2":
        ttd = rng.uniform(1.5, 9)
        tta = rng.uniform(17, 38) if ack_miss else rng.uniform(2, 13)
        if long_sev2:
            ttm = rng.uniform(125, 165)
        elif service in TIMESLICES:
            ttm = rng.uniform(12, 30)
        else:
            ttm = rng.uniform(18, 58)
        ttr = rng.uniform(30, 300)
    elif severity == "SEV-3":
        ttd = rng.uniform(3, 30)
        tta = rng.uniform(66, 150) if ack_miss else rng.uniform(4, 50)
        ttm = rng.uniform(30, 200)
        ttr = rng.uniform(30, 1200)
    else:  # SEV-4
        ttd = rng.uniform(10, 240)
        tta = rng.uniform(15, 420)
        ttm = rng.uniform(30, 360)
        ttr = rng.uniform(60, 4000)
    sk = skeleton(service, severity, theme, started, ttd, tta, ttm, ttr, cadence_violation=long_sev2)
    if severity == "SEV-4" and ack_miss:  # acknowledged after the next business day
        late = next_business_day_end(sk["detected"]) + minutes(rng.uniform(120, 1500))
        shift = late - sk["acknowledged"]
        for k in ("acknowledged", "mitigated", "resolved"):
            sk[k] += shift
    if severity == "SEV-2" and rng.random() < 0.2:
        sk["postmortem"] = "missing"
    if severity == "SEV-3" and rng.random() < 0.1:
        sk["postmortem"] = "light"
    if severity in ("SEV-3", "SEV-4"):
        sk["postmortem"] = sk["postmortem"] if sk["postmortem"] == "light" else "none"
    return sk


def clashes(sk: dict, placed: list[dict]) -> bool:
    if sk["resolved"] >= END - timedelta(days=1):
        return True
    month = sk["started"].strftime("%Y-%m")
    if sk["severity"] in ("SEV-1", "SEV-2") and (sk["service"], month) in QUIET_MONTHS:
        return True
    for day_key in ((sk["service"], sk["started"].strftime("%Y-%m-%d")), (sk["service"], sk["resolved"].strftime("%Y-%m-%d"))):
        if day_key in QUIET_DAYS:
            return True
    margin = timedelta(hours=6)
    if sk["severity"] in ("SEV-1", "SEV-2") and sk["service"] in TIMESLICES:
        # At most one SEV-1/SEV-2 a month on a Timeslices service.
        for other in placed:
            if (other["service"] == sk["service"] and other["severity"] in ("SEV-1", "SEV-2")
                    and other["started"].strftime("%Y-%m") == month):
                return True
    for other in placed:
        if other["service"] != sk["service"]:
            continue
        if sk["started"] - margin < other["resolved"] and other["started"] - margin < sk["resolved"]:
            return True
    return False


incidents_sk: list[dict] = list(STORIES)
todo = []
for severity, count in COUNTS.items():
    have = sum(1 for s in STORIES if s["severity"] == severity)
    for i in range(count - have):
        long_sev2 = severity == "SEV-2" and i < 3  # long enough to miss the hourly update cadence
        ack_miss = {"SEV-2": i in (4, 9, 15, 21), "SEV-3": i % 10 == 7, "SEV-4": i % 12 == 5}[severity]
        todo.append((severity, long_sev2, ack_miss))
for severity, long_sev2, ack_miss in todo:
    while True:
        sk = random_skeleton(severity, long_sev2, ack_miss)
        if not clashes(sk, incidents_sk):
            incidents_sk.append(sk)
            break

incidents_sk.sort(key=lambda s: (s["started"], s["service"]))
for n, sk in enumerate(incidents_sk, 1):
    sk["id"] = f"INC-{n:04d}"
by_story = {sk["story"]: sk for sk in incidents_sk if sk["story"]}

# --------------------------------------------------------------------------- deployments

ROUTINE_WINDOW = {"ledger": (14, 20)}  # UTC hours; ledger deploys in New York business hours
deploys: list[dict] = []
week = START - timedelta(days=START.weekday())
while week < END:
    for service in sample.SERVICES:
        n = rng.randint(2, 5)
        lo, hi = ROUTINE_WINDOW.get(service, (9, 17))
        for weekday in sorted(rng.sample(range(5), n)):
            at = week + timedelta(days=weekday, hours=rng.randint(lo, hi), minutes=rng.randrange(60),
                                  seconds=rng.randrange(60))
            if START <= at < END:
                deploys.append(dict(service=service, at=at, rolled_back=rng.random() < 0.03, incident=None,
                                    change=fill(rng.choice(ROUTINE_CHANGES), {"dep": rng.choice(DEPENDENCY[service])})))
    week += timedelta(days=7)

# No routine deploy of a service in the hour before one of its incidents: the only deploys that
# precede incidents closely are the bad ones below.
for sk in incidents_sk:
    deploys = [d for d in deploys if not (d["service"] == sk["service"]
                                          and sk["started"] - timedelta(minutes=60) <= d["at"] <= sk["started"])]
for sk in incidents_sk:
    if sk["theme"] == "bad-deploy":
        change = sk.get("change") or fill(rng.choice(CHANGES), {"dep": rng.choice(DEPENDENCY[sk["service"]])})
        sk["change"] = change
        lead = timedelta(minutes=14) if sk["story"] else minutes(rng.uniform(4, 25))
        deploys.append(dict(service=sk["service"], at=sk["started"] - lead, rolled_back=True, incident=sk["id"],
                            change=change[0].upper() + change[1:]))
deploys.sort(key=lambda d: (d["at"], d["service"]))
version_state = {s: [major, minor, 0] for s, (major, minor) in FIRST_VERSION.items()}
last_version = {}
for n, d in enumerate(deploys, 1):
    v = version_state[d["service"]]
    if rng.random() < 0.12:
        v[1] += 1
        v[2] = 0
    else:
        v[2] += 1
    d["id"] = f"DEP-{n:04d}"
    d["version"] = "v{}.{}.{}".format(*v)
    d["prev"] = last_version.get(d["service"], "v{}.{}.0".format(*FIRST_VERSION[d["service"]]))
    last_version[d["service"]] = d["version"]
    if d["incident"]:
        sk = next(s for s in incidents_sk if s["id"] == d["incident"])
        sk["version"], sk["prev"], sk["deploy_id"] = d["version"], d["prev"], d["id"]
        d["description"] = f"{d['change']} (rolled back: {d['incident']})"
    else:
        d["description"] = d["change"] + (" (rolled back: canary failed)" if d["rolled_back"] else "")

# --------------------------------------------------------------------------- incident texts

STORY_TEXT = {
    "checkout-deploy": dict(
        title="Checkout failing for ~1 in 5 orders after deploy {version}",
        root_cause="Release {version} (new cart serializer) failed on carts holding gift cards and bundle items; "
                   "those orders returned HTTP 500. The canary stage only replayed simple carts.",
        impact="About {pct}% of checkout requests failed for {dur} minutes ({start}-{end} UTC).",
    ),
    "auth-cert": dict(
        title="Logins failing: TLS certificate for login.example.com expired",
        root_cause="The certificate for login.example.com expired at 08:00 UTC: cert-manager's renewal had been "
                   "failing for 3 weeks (ACME DNS-01 challenge rejected after a DNS provider API token rotation) and the "
                   "expiry alert fired only at 24 hours, to an unmonitored channel. Clients pinning the chain failed.",
        impact="About {pct}% of login and token requests failed for {dur} minutes; mobile apps were logged out.",
    ),
    "gateway-dns": dict(
        title="API gateway 5xx: upstream DNS lookups timing out",
        root_cause="A CoreDNS configuration change removed the cache plugin on the edge cluster; the gateway's "
                   "per-request lookups (ndots:5) overloaded CoreDNS and upstream resolution timed out.",
        impact="About {pct}% of API requests failed for {dur} minutes across all public APIs.",
    ),
    "catalog-disk": dict(
        title="Catalog writes and reads failing: primary database WAL volume full",
        root_cause="A stalled logical replication slot (an abandoned analytics consumer) retained WAL until the "
                   "catalog primary's WAL volume filled; the database stopped accepting writes and connections.",
        impact="About {pct}% of catalog requests failed for {dur} minutes; product pages showed errors.",
    ),
    "checkout-flag": dict(
        title="Checkout errors after 'express-pay' feature flag rolled to 100%",
        root_cause="The express-pay flag was moved from 1% to 100% instead of 10%; its unfinished address "
                   "validation rejected international addresses with HTTP 500.",
        impact="About {pct}% of checkout requests failed for {dur} minutes, mostly international customers.",
    ),
    "ledger-failover": dict(
        title="Ledger writes failing during unplanned database failover",
        root_cause="The ledger Postgres primary lost its storage volume; the automated failover promoted a replica "
                   "but clients kept connecting to the old primary until their DNS cache expired (TTL 300 s, "
                   "client cache ignoring TTL).",
        impact="About {pct}% of ledger API requests failed for {dur} minutes; postings were retried from the queue.",
    ),
    "payments-pool": dict(
        title="Payments failing during flash-sale traffic spike: DB connection pool exhausted",
        root_cause="Traffic doubled during the summer flash sale and the payments-api PostgreSQL connection pool "
                   "(50 connections per pod) was exhausted: requests waited for a connection and timed out with "
                   "HTTP 503. Recurrence of the failure class of {ref} (Redis connection-pool exhaustion, June); "
                   "its action item to audit all pool sizes was still open. Fixed by raising the pool size to "
                   "150 per pod (and Postgres max_connections accordingly).",
        impact="About {pct}% of payment attempts failed for {dur} minutes ({start}-{end} UTC) at 2x normal "
               "traffic during the flash sale.",
    ),
    "gateway-deploy": dict(
        title="API gateway rejecting valid requests with 429 after deploy {version}",
        root_cause="Release {version} replaced the rate limiter with a token-bucket implementation that shared "
                   "one bucket per node instead of per client; busy nodes rejected valid requests.",
        impact="About {pct}% of API requests were rejected for {dur} minutes.",
    ),
    "search-outage": dict(
        title="Search unavailable: Elasticsearch cluster red after rolling node upgrade",
        root_cause="A rolling upgrade of the search Elasticsearch cluster drained two data nodes of the same zone "
                   "at once; 14 primary shards became unassigned and the cluster went red. Recovery needed "
                   "throttled shard reallocation from snapshots, which took about 90 minutes.",
        impact="About {pct}% of search queries failed for {dur} minutes ({start}-{end} UTC); browse and "
               "search pages were largely unusable.",
    ),
    "payments-redis": dict(
        title="Payments errors: Redis connection pool exhausted (idempotency store)",
        root_cause="The payments idempotency-key store client used a Redis connection pool of 16 per pod; a slow "
                   "Redis failover made connections linger and the pool was exhausted, so payment requests "
                   "failed with 'could not get a connection from the pool'. Raised the pool to 64 and added "
                   "a borrow timeout.",
        impact="About {pct}% of payment attempts failed for {dur} minutes.",
    ),
    "ledger-dst-fall": dict(
        title="Duplicate interest accruals: nightly ledger job ran twice at DST end",
        root_cause="The nightly interest-accrual job is scheduled at 01:30 America/New_York in local time. On "
                   "2025-11-02 clocks fell back from 02:00 EDT to 01:00 EST, 01:30 happened twice, and the job "
                   "ran at 05:30 and again at 06:30 UTC. The second run posted duplicate entries; ledger writes "
                   "failed idempotency checks until the job was stopped.",
        impact="About {pct}% of ledger API requests failed for {dur} minutes; 3,112 duplicate accrual entries "
               "were reversed.",
    ),
    "ledger-dst-spring": dict(
        title="Daily accrual job skipped at DST start; statements incomplete",
        root_cause="On 2026-03-08 clocks jumped from 02:00 EST to 03:00 EDT, so the accrual job scheduled at "
                   "02:30 America/New_York never ran. Same root cause class as {ref} (a local-time cron job across a "
                   "DST change): {ref}'s action item to run ledger jobs in UTC was still open, and the "
                   "idempotency guard added after {ref} does not help with a skipped run.",
        impact="About {pct}% of statement requests failed for {dur} minutes until the job was re-run.",
    ),
}
STORY_UPDATES = {
    "payments-pool": [
        "Stakeholder update: ~{pct}% of payment attempts failing (HTTP 503) since 13:58 UTC; traffic at 2x normal "
        "for the flash sale. payments-api logs show 'timeout acquiring connection from pool'. Next update in 15 min.",
        "Stakeholder update: cause identified, the payments DB connection pool (50 per pod) is exhausted. Same "
        "failure mode as {ref} (Redis pool, June). Rolling out a larger pool. Next update in 15 min.",
        "Stakeholder update: pool raised to 150, error rate dropping. Failed payments are retried by clients.",
    ],
    "search-outage": [
        "Stakeholder update: search is returning errors for ~{pct}% of queries; the Elasticsearch cluster is red "
        "after a rolling upgrade. Next update in 60 min.",
        "Stakeholder update: shard recovery from snapshots at 60%; expect recovery within 30 minutes. Next "
        "update in 60 min.",
    ],
}
STORY_ACTIONS = {
    "payments-pool": [(15, "Scaling out payments-api rejected: Postgres max_connections would be exceeded."),
                      (4, "Raised payments-api DB pool size 50 -> 150 per pod and Postgres max_connections "
                          "600 -> 1500 (config rollout).")],
    "search-outage": [(70, "Paused the rolling upgrade and restored the drained data nodes."),
                      (35, "Started throttled shard recovery from the 15:00 UTC snapshot.")],
    "payments-redis": [(5, "Raised Redis pool size 16 -> 64 per pod and set a 200 ms borrow timeout.")],
    "ledger-dst-fall": [(4, "Stopped the second accrual run and blocked the job until reconciliation.")],
    "ledger-dst-spring": [(6, "Re-ran the 2026-03-08 accrual job manually.")],
    "catalog-disk": [(6, "Dropped the stale replication slot; the primary released 180 GB of WAL.")],
    "ledger-failover": [(5, "Restarted ledger-api pods to flush cached database addresses.")],
    "gateway-dns": [(5, "Reverted the CoreDNS change and enabled NodeLocal DNSCache.")],
    "checkout-flag": [(3, "Set the express-pay flag back to 1%.")],
    "auth-cert": [(8, "Deployed a manually issued certificate for login.example.com.")],
}
STORY_ITEMS = {
    "payments-pool": ["Audit connection pool sizes of all payments dependencies (repeat of {ref}'s open item)",
                      "Alert on connection pool saturation > 80% for 5 minutes",
                      "Put PgBouncer in front of the payments database",
                      "Load-test payments at 3x peak before every sales event"],
    "payments-redis": ["Audit connection pool sizes of all payments dependencies",
                       "Set borrow timeouts on every Redis client"],
    "ledger-dst-fall": ["Run ledger cron jobs in UTC, never in local time",
                        "Make the accrual job idempotent per business date"],
    "search-outage": ["Make the upgrade automation drain at most one node per zone",
                      "Alert when the Elasticsearch cluster turns yellow for > 5 minutes",
                      "Rehearse snapshot restore quarterly"],
}


def context(sk: dict) -> dict:
    team, people = TEAM[sk["service"]]
    return dict(svc=sk["service"], host=HOSTS[sk["service"]], dep=sk.setdefault("dep", rng.choice(DEPENDENCY[sk["service"]])),
                team=team, version=sk.get("version", ""), prev=sk.get("prev", ""), change=sk.get("change", ""),
                theme=sk["theme"].replace("-", " "))


records = []
refs = {"payments-pool": by_story["payments-redis"]["id"], "ledger-dst-spring": by_story["ledger-dst-fall"]["id"]}
for sk in incidents_sk:
    ctx = context(sk)
    team, people = TEAM[sk["service"]]
    oncall = rng.choice(people)
    theme = THEMES[sk["theme"]]
    sev = sk["severity"]
    ppm = sample.incident_bad_ppm({"id": sk["id"], "severity": sev, "tags": sk["tags"]})
    dur = round((sk["mitigated"] - sk["started"]).total_seconds() / 60)
    ictx = dict(ctx, pct=round(ppm / 10_000, 1) if ppm < 100_000 else round(ppm / 10_000),
                dur=dur, start=sk["started"].strftime("%H:%M"), end=sk["mitigated"].strftime("%H:%M"),
                ref=refs.get(sk["story"], ""))
    if sk["story"]:
        st = STORY_TEXT[sk["story"]]
        title, root_cause, impact = (fill(st[k], ictx) for k in ("title", "root_cause", "impact"))
    else:
        title = fill(rng.choice(theme["titles"]), ctx)
        if title.startswith(sk["service"]):
            title = DISPLAY[sk["service"]] + title[len(sk["service"]):]
        title = title[0].upper() + title[1:]
        root_cause = fill(rng.choice(theme["causes"]), ctx)
        root_cause = root_cause[0].upper() + root_cause[1:]
        if sev in ("SEV-1", "SEV-2"):
            impact = fill("About {pct}% of {svc} requests failed for {dur} minutes.", ictx)
        elif sev == "SEV-3":
            impact = fill("About {pct}% of {svc} requests failed or were slow for {dur} minutes.", ictx)
        else:
            impact = fill("Minor: about {pct}% of {svc} requests affected; no customer reports.", ictx)

    # Post-mortem.
    pm_pub = None
    if sev == "SEV-1":
        if sk["postmortem"] == "late":
            pm_pub = sk["resolved"] + minutes(rng.uniform(6 * 1440, 7 * 1440))
        elif sk["postmortem"] != "missing":
            pm_pub = sk["resolved"] + minutes(rng.uniform(14 * 60, 44 * 60))
    elif sev == "SEV-2" and sk["postmortem"] != "missing":
        pm_pub = sk["resolved"] + minutes(rng.uniform(1 * 1440, 7 * 1440))
    elif sk["postmortem"] == "light":
        pm_pub = sk["resolved"] + minutes(rng.uniform(1 * 1440, 10 * 1440))
    if pm_pub is not None and pm_pub >= END:
        pm_pub = None
    if pm_pub is not None:
        closed = pm_pub + minutes(rng.uniform(240, 3 * 1440))
    elif sev == "SEV-1":
        closed = None  # open until its post-mortem is published
    else:
        closed = sk["resolved"] + minutes(rng.uniform(120, 4 * 1440))
    if closed is not None and closed >= END:
        closed = None

    # Timeline.
    tl = []
    detector = fill(rng.choice(DETECTORS[sev]), ctx)
    tl.append((sk["detected"], "status", f"Declared {sev}: {title}. Detected by {detector}."))
    ic = rng.choice([p for p in people if p != oncall])
    ack_text = f"Acknowledged by {oncall} ({team} on-call)."
    if sev == "SEV-1":
        ack_text += f" Incident commander: {ic}."
    tl.append((sk["acknowledged"], "status", ack_text))
    if sev in CADENCE_MIN:
        cadence = CADENCE_MIN[sev]
        texts = [fill(t, ictx) for t in STORY_UPDATES.get(sk["story"], [])]
        t = sk["detected"]
        violated = False
        k = 0
        while True:
            if (sk["cadence_violation"] and not violated and (k >= 1 or sev == "SEV-2")
                    and (sk["mitigated"] - t) > minutes(cadence * 1.6)):
                gap = rng.uniform(cadence * 1.4, cadence * 1.6) if sev == "SEV-1" else rng.uniform(cadence * 1.7, cadence * 2.0)
                violated = True
            else:
                gap = rng.uniform(cadence * 0.55, cadence * 0.95)
            nxt = t + minutes(gap)
            if nxt >= sk["mitigated"]:
                break
            if k < len(texts):
                text = texts[k]
            else:
                text = fill(rng.choice(UPDATE_TEXTS), dict(ictx, next=cadence))
            tl.append((nxt, "update", text))
            t = nxt
            k += 1
        sk["cadence_violated"] = violated
    elif sev == "SEV-3" and (sk["mitigated"] - sk["acknowledged"]) > timedelta(minutes=40):
        tl.append((sk["acknowledged"] + minutes(rng.uniform(10, 30)), "update",
                   fill("Update: {team} investigating; working hypothesis is {theme}.", ictx)))
    actions = STORY_ACTIONS.get(sk["story"])
    if actions is None:
        actions = [(rng.uniform(1, 5), fill(theme["actions"][0], ctx))]
    for before, text in actions:
        at = max(sk["mitigated"] - minutes(before), sk["acknowledged"])
        tl.append((at, "action", fill(text, ictx)))
    tl.append((sk["mitigated"], "status", "Mitigated: error rate back at baseline; monitoring."))
    if sev in ("SEV-1", "SEV-2"):
        mid = sk["mitigated"] + (sk["resolved"] - sk["mitigated"]) / 2
        tl.append((mid, "update", "Stakeholder update: mitigated and stable; root-cause work continues."))
    tl.append((sk["resolved"], "status", "Resolved."))
    if pm_pub is not None:
        tl.append((pm_pub, "update", f"Post-mortem published: {WIKI}{sk['id']}"))
    if closed is not None:
        tl.append((closed, "status", "Closed."))
    tl.sort(key=lambda e: e[0])

    # Action items for SEV-1/SEV-2.
    items = []
    if sev in ("SEV-1", "SEV-2"):
        pool = STORY_ITEMS.get(sk["story"]) or theme["items"]
        n_items = len(pool) if sk["story"] in STORY_ITEMS else rng.randint(1, min(3, len(pool)))
        owners = people
        for j, text in enumerate(pool[:n_items]):
            due = (sk["resolved"] + timedelta(days=rng.choice([7, 14, 21, 30, 45]))).date()
            done = due < END.date() - timedelta(days=3) and rng.random() < 0.78
            items.append(dict(title=fill(text, ictx), owner=owners[j % len(owners)], due=due.isoformat(), done=done))
        if sk["story"] == "payments-redis":
            items[0]["done"] = False  # the open item that would have prevented the August recurrence
        if sk["story"] == "ledger-dst-fall":
            items[0]["done"], items[1]["done"] = False, True  # UTC cron still open at the March DST change

    records.append(dict(
        id=sk["id"], service=sk["service"], severity=sev, title=title,
        started_at=iso(sk["started"]), detected_at=iso(sk["detected"]), acknowledged_at=iso(sk["acknowledged"]),
        mitigated_at=iso(sk["mitigated"]), resolved_at=iso(sk["resolved"]), closed_at=iso(closed),
        root_cause=root_cause,
        postmortem_url=f"{WIKI}{sk['id']}" if pm_pub is not None else None,
        postmortem_published_at=iso(pm_pub),
        customer_impact=impact,
        tags=sorted(set(sk["tags"])),
        timeline=[dict(at=iso(at), kind=kind, text=text) for at, kind, text in tl],
        action_items=items,
    ))

# --------------------------------------------------------------------------- write

with open(HERE / "incidents.json", "w", encoding="utf-8") as fh:
    json.dump(records, fh, indent=1, sort_keys=True, ensure_ascii=False)
    fh.write("\n")
with open(HERE / "deployments.csv", "w", encoding="utf-8", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["id", "service", "deployed_at", "version", "description", "rolled_back"])
    for d in deploys:
        w.writerow([d["id"], d["service"], iso(d["at"]), d["version"], d["description"],
                    "true" if d["rolled_back"] else "false"])

if __name__ == "__main__":
    from collections import Counter
    print(f"{len(records)} incidents", dict(sorted(Counter(r["severity"] for r in records).items())))
    print(f"{len(deploys)} deployments")
    for name, sk in sorted(by_story.items(), key=lambda kv: kv[1]["id"]):
        print(f"  {sk['id']}  {sk['severity']}  {sk['service']:<12} {iso(sk['started'])}  {name}")
