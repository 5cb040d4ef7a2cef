"""`reliability burn`: burn rates, the multi-window multi-burn-rate alert replay, incidents.

Timeslices (svc/availability, 99.9 %, 1-minute slices, calendar month so the factors are the
SRE workbook's 14.4/6/3/1): rows only for the 20 bad minutes 10:00-10:19 UTC on 10 November
2025; every other slice has no data and counts as good. The episodes are worked out by hand
in the test. Occurrences (occ/availability): checked against a brute force in fractions over
the raw rows, evaluated minute by minute, an independent method from the numpy replay.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest

from conftest import assert_bad_input, run_cli
from test_history import ROLLING
from test_sla import slo_yaml

UTC = timezone.utc
DAY0 = datetime(2025, 11, 10, tzinfo=UTC)


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def at(hh: int, mm: int, day: int = 10) -> str:
    return iso(datetime(2025, 11, day, hh, mm, tzinfo=UTC))


# occ: 1,000 events a minute from 09:00 to 11:00 with 100 failed in 10:00-10:09 and 3 failed
# at 10:30; nothing else.
def occ_rows() -> dict[int, tuple[int, int]]:
    rows = {}
    for m in range(9 * 60, 11 * 60):
        failed = 100 if 600 <= m < 610 else (3 if m == 630 else 0)
        rows[m] = (1000 - failed, 1000)
    return rows


@pytest.fixture(scope="module")
def bdb(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("burn")
    db = tmp / "b.duckdb"
    docs = [slo_yaml("ts", "Timeslices", "UTC"), slo_yaml("occ", "Occurrences", "UTC", service="occ"),
            ROLLING.replace("roll-28d", "roll-occ").replace("service: svc", "service: occ")
            .replace("budgetingMethod: Timeslices", "budgetingMethod: Occurrences")
            .replace("      timeSliceTarget: 0.95\n      timeSliceWindow: 1m\n", "")]
    (tmp / "slos.yaml").write_text("---\n".join(docs))
    lines = ["timestamp,service,sli,good,total"]
    lines += [f"{iso(DAY0 + timedelta(hours=10, minutes=i))},svc,availability,0,10" for i in range(20)]
    lines += [f"{iso(DAY0 + timedelta(minutes=m))},occ,availability,{g},{t}" for m, (g, t) in occ_rows().items()]
    (tmp / "s.csv").write_text("\n".join(lines) + "\n")
    (tmp / "inc.csv").write_text(
        "id,service,severity,title,started_at,detected_at,acknowledged_at,mitigated_at,resolved_at,root_cause\n"
        f"INC-1,svc,SEV-2,outage,{at(9, 58)},{at(10, 2)},{at(10, 4)},{at(10, 20)},{at(10, 40)},db\n"
        f"INC-2,svc,SEV-4,blip,{at(3, 0, 20)},{at(3, 5, 20)},{at(3, 6, 20)},{at(3, 30, 20)},{at(4, 0, 20)},dns\n"
    )
    assert run_cli("slo", "apply", tmp / "slos.yaml", db=db).code == 0
    for args in (("series", tmp / "s.csv"), ("incidents", tmp / "inc.csv")):
        r = run_cli("ingest", *args, db=db)
        assert r.code == 0, r.stderr
    return db


def test_episodes_start_and_end_inside_the_period(bdb):
    r = run_cli("burn", "--slo", "ts", "--from", "2025-11-01", "--to", "2025-12-01", "--window", "1h",
                "--window", "30d", "--json", db=bdb)
    assert r.code == 0, r.stderr
    doc = r.json()
    assert [w["factor"] for w in doc["alert_windows"]] == [14.4, 6.0, 3.0, 1.0]
    assert doc["burn_rate"] == float(Fraction(20, 43200) / Fraction(1, 1000))  # 25/54
    assert doc["burn_rates_at_end"] == {"1h": 0.0, "30d": float(Fraction(20, 43200) * 1000)}
    # page: 1h/5m fires while the last 5 minutes hold a bad minute (>= 1 bad in 5m: 1/5 >
    # 14.4 * 0.001 = 0.0144·5 ... i.e. bad > 0.072) and the last hour too (bad > 0.864): from
    # 10:01 to 10:24. 6h/30m needs > 2.16 bad minutes in 6h (from 10:03) and > 0.18 in 30m
    # (until 10:49). The page episode is their union: 10:01 until 10:50 (first quiet
    # evaluation). Peak: the 1h window with all 20 bad minutes: 20/60/0.001 = 1000/3.
    # ticket: 1d/2h needs > 4.32 bad in 1d (from 10:05) and > 0.36 in 2h (until 12:19);
    # 3d/6h > 4.32 in 3d and > 0.36 in 6h: until 16:19. Peak 20/1440/0.001 = 125/9.
    assert doc["episodes"] == [
        {"severity": "page", "start": at(10, 1), "end": at(10, 50), "duration_minutes": 49.0,
         "peak_burn_rate": float(Fraction(1000, 3)), "windows": ["1h/5m", "6h/30m"]},
        {"severity": "ticket", "start": at(10, 5), "end": at(16, 20), "duration_minutes": 375.0,
         "peak_burn_rate": float(Fraction(125, 9)), "windows": ["1d/2h", "3d/6h"]},
    ]
    inc = {i["id"]: i for i in doc["incidents"]}
    assert inc["INC-1"]["paged"] is True and inc["INC-1"]["first_page_at"] == at(10, 1)
    assert inc["INC-1"]["page_delay_minutes"] == 3.0  # impact from 09:58
    assert inc["INC-1"]["ticketd"] is True
    assert inc["INC-2"]["paged"] is False and inc["INC-2"]["first_page_at"] is None
    assert inc["INC-2"]["page_delay_minutes"] is None


def test_episode_still_firing_at_the_end(bdb):
    doc = run_cli("burn", "--slo", "ts", "--from", at(10, 0), "--to", at(10, 10), "--json", db=bdb).json()
    assert doc["episodes"][0] == {"severity": "page", "start": at(10, 1), "end": None, "duration_minutes": 9.0,
                                  "peak_burn_rate": float(Fraction(10, 60) * 1000), "windows": ["1h/5m", "6h/30m"]}
    assert doc["burn_rate"] == 1000.0  # every slice of [10:00, 10:10) is bad


def brute_force(rows: dict[int, tuple[int, int]], start: int, end: int, factors) -> dict[str, list]:
    """Minute-by-minute evaluation with fractions; returns (start, end) minute pairs per severity."""
    budget = Fraction(1, 1000)

    def burn(t: int, width: int) -> Fraction:
        good = total = 0
        for m in range(t - width, t):
            g, n = rows.get(m, (0, 0))
            good, total = good + g, total + n
        return Fraction(total - good, total) / budget if total else Fraction(0)

    out: dict[str, list] = {}
    for severity, conds in factors.items():
        firing = [any(burn(t, lw) > f and burn(t, sw) > f for lw, sw, f in conds) for t in range(start, end + 1)]
        runs, begin = [], None
        for i, on in enumerate(firing + [False]):
            if on and begin is None:
                begin = start + i
            if not on and begin is not None:
                runs.append((begin, start + i if i < len(firing) else None))
                begin = None
        out[severity] = runs
    return out


@pytest.mark.parametrize(
    "slo, factors",
    [
        ("occ", (Fraction(72, 5), 6, 3, 1)),
        # 28 days = 672 hours: 0.02·672/1, 0.05·672/6, 0.1·672/24, 0.1·672/72
        ("roll-occ", (Fraction(1344, 100), Fraction(56, 10), Fraction(28, 10), Fraction(14, 15))),
    ],
)
def test_occurrences_replay_matches_brute_force(bdb, slo, factors):
    doc = run_cli("burn", "--slo", slo, "--from", at(9, 0), "--to", at(20, 0), "--json", db=bdb).json()
    assert [w["factor"] for w in doc["alert_windows"]] == [float(f) for f in factors]
    conds = {"page": [(60, 5, factors[0]), (360, 30, factors[1])],
             "ticket": [(1440, 120, factors[2]), (4320, 360, factors[3])]}
    want = brute_force(occ_rows(), 9 * 60, 20 * 60, conds)
    got = {"page": [], "ticket": []}
    for ep in doc["episodes"]:
        minute = lambda s: None if s is None else int((datetime.fromisoformat(s[:-1] + "+00:00") - DAY0).total_seconds() // 60)
        got[ep["severity"]].append((minute(ep["start"]), minute(ep["end"])))
    assert got == want
    assert want["page"] and want["ticket"]  # the scenario does fire


@pytest.mark.parametrize(
    "args, fragments",
    [
        (("--slo", "nope", "--from", "2025-11-01", "--to", "2025-12-01"), ("--slo", "nope")),
        (("--slo", "ts", "--from", "2025-11-02", "--to", "2025-11-01"), ("--to",)),
        (("--slo", "ts", "--from", "yesterday", "--to", "2025-11-01"), ("--from",)),
        (("--slo", "ts", "--from", "2025-11-01", "--to", "2025-12-01", "--window", "1M"), ("--window",)),
    ],
)
def test_bad_options(bdb, args, fragments):
    assert_bad_input(run_cli("burn", *args, "--json", db=bdb), *fragments)
