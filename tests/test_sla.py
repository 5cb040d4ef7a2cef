"""`reliability sla` through the real console script, with exact expected values.

Each month gets one synthetic series whose slices are known by construction (all good, bad,
partly bad, zero traffic, missing), and three SLOs over it (Occurrences, Timeslices,
RatioTimeslices). The expected numbers are computed here with fractions from the counts, an
independent method from the SQL and arithmetic under test, and a few are written out by hand.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import run_cli

UTC = timezone.utc


def slo_yaml(name: str, method: str, zone: str, *, service="svc", sli="availability", window="1m",
             target="target: 0.999", tst="0.95") -> str:
    objective = f"    - {target}\n"
    if method == "Timeslices":
        objective += f"      timeSliceTarget: {tst}\n"
    if method != "Occurrences":
        objective += f"      timeSliceWindow: {window}\n"
    return textwrap.dedent(
        f"""\
        apiVersion: openslo/v1
        kind: SLO
        metadata:
          name: {name}
        spec:
          service: {service}
          indicator:
            metadata:
              name: {sli}
            spec:
              ratioMetric:
                counter: false
                good:
                  metricSource:
                    type: Prometheus
                    spec:
                      query: sum(rate(ok[1m]))
                total:
                  metricSource:
                    type: Prometheus
                    spec:
                      query: sum(rate(all[1m]))
          timeWindow:
            - duration: 1M
              isRolling: false
              calendar:
                startTime: 2024-01-01 00:00:00
                timeZone: {zone}
          budgetingMethod: {method}
          objectives:
        """
    ) + objective


@dataclass(frozen=True)
class Month:
    """A month whose slices are known: B bad (good 90 of 100), P partly bad (96 of 100),
    Z zero traffic, M missing rows; every other slice 100 of 100."""

    month: str
    zone: str
    minutes: int
    bad: int = 50
    partial: int = 30
    zero: int = 7
    missing: int = 11

    @property
    def start(self) -> datetime:
        y, m = map(int, self.month.split("-"))
        return datetime(y, m, 1, tzinfo=ZoneInfo(self.zone)).astimezone(UTC)


MONTHS = [
    Month("2026-02", "UTC", 28 * 1440),
    Month("2024-02", "UTC", 29 * 1440),
    Month("2025-11", "UTC", 30 * 1440),
    Month("2025-12", "UTC", 31 * 1440),
    # Daylight saving ends on 2 November 2025 in New York: the month has one more hour.
    Month("2025-11", "America/New_York", 30 * 1440 + 60),
    # ... and starts on 8 March 2026: one hour less.
    Month("2026-03", "America/New_York", 31 * 1440 - 60),
]


def write_series(path: Path, m: Month, *, service="svc", sli="availability") -> None:
    """The month's rows, plus one row on each side of the period that must not count."""
    lines = ["timestamp,service,sli,good,total"]
    for i in range(-1, m.minutes + 1):
        ts = m.start + timedelta(minutes=i)
        if 0 <= i < m.missing:
            continue  # missing: no row at all
        if i in (-1, m.minutes):
            good, total = 0, 100  # outside the period: all bad, must be ignored
        elif i < m.missing + m.zero:
            good, total = 0, 0
        elif i < m.missing + m.zero + m.bad:
            good, total = 90, 100
        elif i < m.missing + m.zero + m.bad + m.partial:
            good, total = 96, 100
        else:
            good, total = 100, 100
        lines.append(f"{ts:%Y-%m-%dT%H:%M:%SZ},{service},{sli},{good},{total}")
    path.write_text("\n".join(lines) + "\n")


def expected(m: Month, method: str, policy: str) -> dict:
    n = m.minutes
    n_data = n - m.missing - m.zero
    target = Fraction(999, 1000)
    if method == "Occurrences":
        total = Fraction(100 * n_data)
        good = total - 10 * m.bad - 4 * m.partial
        if policy == "bad":
            total = total * n / n_data
        attainment, bad, allowed = good / total, total - good, (1 - target) * total
    elif method == "Timeslices":
        good_slices = n_data - m.bad
        denominator = n_data if policy == "exclude" else n
        good = good_slices + (n - n_data if policy == "good" else 0)
        attainment, bad, allowed = Fraction(good, denominator), denominator - good, (1 - target) * denominator
    else:
        ratio_sum = n_data - Fraction(10, 100) * m.bad - Fraction(4, 100) * m.partial
        denominator = n if policy == "bad" else n_data
        attainment, bad, allowed = ratio_sum / denominator, denominator - ratio_sum, (1 - target) * denominator
    return {
        "attainment": float(attainment),
        "bad": float(bad),
        "allowed_bad": float(allowed),
        "error_budget_remaining": float(1 - bad / allowed),
        "breached": attainment < target,
        "no_data": m.missing + m.zero,
    }


_BUILT: dict[Month, Path] = {}


def built(m: Month, tmp_path_factory) -> Path:
    """A database with the month's series and three SLOs over it, built once per module."""
    if m not in _BUILT:
        tmp = tmp_path_factory.mktemp("sla")
        db = tmp / "sla.duckdb"
        slos = tmp / "slos.yaml"
        slos.write_text(
            "---\n".join(
                slo_yaml(f"s-{meth.lower()}", meth, m.zone) for meth in ("Occurrences", "Timeslices", "RatioTimeslices")
            )
        )
        write_series(tmp / "series.csv", m)
        assert run_cli("slo", "apply", slos, db=db).code == 0
        r = run_cli("ingest", "series", tmp / "series.csv", db=db)
        assert r.code == 0, r.stderr
        _BUILT[m] = db
    return _BUILT[m]


@pytest.fixture(scope="module", params=MONTHS, ids=lambda m: f"{m.month}-{m.zone.replace('/', '_')}")
def month_db(request, tmp_path_factory):
    return request.param, built(request.param, tmp_path_factory)


@pytest.mark.parametrize("policy", ["good", "bad", "exclude"])
def test_every_method_and_policy_over_each_month(month_db, policy):
    m, db = month_db
    r = run_cli("sla", "--month", m.month, "--no-data", policy, "--json", db=db)
    assert r.code == 0, r.stderr
    doc = r.json()
    assert doc["month"] == m.month
    rows = {row["slo"]: row for row in doc["slos"]}
    assert set(rows) == {"s-occurrences", "s-timeslices", "s-ratiotimeslices"}
    for method in ("Occurrences", "Timeslices", "RatioTimeslices"):
        row = rows[f"s-{method.lower()}"]
        want = expected(m, method, policy)
        got = {k: row[k] for k in want}
        if method == "RatioTimeslices":  # a floating-point sum of ratios in SQL
            for k in ("attainment", "bad", "allowed_bad", "error_budget_remaining"):
                assert got[k] == pytest.approx(want[k], rel=1e-12, abs=1e-12), (method, k)
                got[k] = want[k]
        assert got == want, method
        assert row["budgeting_method"] == method
        assert row["service"] == "svc" and row["sli"] == "availability"
        assert row["target"] == 0.999
        assert row["period_start"] == m.start.strftime("%Y-%m-%dT%H:%M:%SZ")
        end = m.start + timedelta(minutes=m.minutes)
        assert row["period_end"] == end.strftime("%Y-%m-%dT%H:%M:%SZ")


def _timeslices(m: Month, tmp_path_factory) -> dict:
    db = built(m, tmp_path_factory)
    r = run_cli("sla", "--month", m.month, "--slo", "s-timeslices", "--json", db=db)
    assert r.code == 0, r.stderr
    (row,) = r.json()["slos"]
    return row


def test_hand_computed_30_day_month(tmp_path_factory):
    """Written out by hand: 30-day UTC month, 43,200 one-minute slices, 50 bad."""
    row = _timeslices(MONTHS[2], tmp_path_factory)
    assert row["allowed_bad"] == 43.2  # 0.1% of 43,200 minutes
    assert row["bad"] == 50.0
    assert row["attainment"] == 43150 / 43200
    assert row["breached"] is True
    assert row["error_budget_remaining"] == pytest.approx(-0.1574074074074074, abs=1e-15)  # 1 - 50/43.2
    assert row["no_data"] == 18


def test_hand_computed_dst_month(tmp_path_factory):
    """November 2025 in New York: 43,260 minutes, so 43.26 minutes allowed."""
    row = _timeslices(MONTHS[4], tmp_path_factory)
    assert row["period_start"] == "2025-11-01T04:00:00Z"
    assert row["period_end"] == "2025-12-01T05:00:00Z"
    assert row["allowed_bad"] == 43.26
    assert row["slices"] == 43260


def test_31_day_and_28_day_allowances(tmp_path_factory):
    assert _timeslices(MONTHS[3], tmp_path_factory)["allowed_bad"] == 44.64
    assert _timeslices(MONTHS[0], tmp_path_factory)["allowed_bad"] == 40.32
    assert _timeslices(MONTHS[1], tmp_path_factory)["allowed_bad"] == 41.76
