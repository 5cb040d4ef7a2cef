"""`audit sli` and `backtest` on a hand-built history, every number worked out by hand.

SLO app-avail: Occurrences, target 0.99, calendar month (alert factors 14.4, 6, 3, 1 over 1h/5m,
6h/30m, 1d/2h, 3d/6h). Rows every minute 2026-02-20 00:00 to 2026-03-16 00:00 (24 days), 100 requests,
no failures except:

- O1 2026-03-02 10:00-10:29 (30 minutes) all failing, incident A (SEV-2, impact [10:00, 10:30),
  detected 10:15). Page row 1h/5m fires once the hour holds more than 14.4 % bad: 9 bad minutes,
  at 10:09; the 6h/30m row keeps firing while the last 30 minutes hold more than 6 % (2 bad
  minutes): until 10:59. One page episode [10:09, 10:59): page delay 9 minutes, before detection.
  Tickets: the day holds 30/1,440 = 2.1 % (< 3 %), three days 30/4,320 = 0.69 % (< 1 %): none.
- O2 2026-03-06 12:00-12:29, the same, with no incident: a page episode [12:09, 12:59) that
  overlaps no incident: a silent burn, burn rate over it 21 bad minutes x 100 / 5,000 / 0.01 = 42.
- Incident B (SEV-3, impact 2026-03-09 08:00-09:00, detected 08:10): nothing failed: burn 0, a
  blind spot; not paged: detected by other means after 10 minutes.
- O3 2026-03-12 14:00-14:59, 2 of 100 failing, incident C (SEV-2, detected 14:20): burn 2 (not
  blind unless --blind-burn-rate >= 2); no alert (2 % never exceeds 14.4 % or 6 %): missed, other
  means after 20 minutes.

Pages: precision 1/2, recall 1/3 (SEV-2 1/2, SEV-3 0/1). Page delay [9]; detection delay
[10, 20], median 15. Backtest --target 99.9 (thresholds 1.44 %, 0.6 %, 0.3 %, 0.1 %): C pages
when the hour holds more than 1.44 %: 44 minutes at 2 % = 1.47 %, at 14:44. A custom page row
1h/5m at factor 1.5 (1.5 %) pages for C after 46 minutes (46 x 2 / 60 = 1.53 %); at factor 2
never (2 % is not more than 2 %). March: 15 days of data, 2,160,000 requests, 6,120 failed:
attainment 1 - 6,120/2,160,000, met at 99 %, breached at 99.9 %.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from conftest import assert_bad_input, run_cli
from test_sla import slo_yaml

T0 = datetime(2026, 2, 20, tzinfo=UTC)
O1 = (datetime(2026, 3, 2, 10, 0, tzinfo=UTC), 30, 100)
O2 = (datetime(2026, 3, 6, 12, 0, tzinfo=UTC), 30, 100)
O3 = (datetime(2026, 3, 12, 14, 0, tzinfo=UTC), 60, 2)
ATTAINMENT = 1 - 6120 / 2160000


def _failed(t: datetime) -> int:
    for start, minutes, failed in (O1, O2, O3):
        if start <= t < start + timedelta(minutes=minutes):
            return failed
    return 0


@pytest.fixture(scope="module")
def sdb(tmp_path_factory):
    base = tmp_path_factory.mktemp("sli")
    (base / "slos.yaml").write_text(slo_yaml("app-avail", "Occurrences", "UTC", service="app", target="target: 0.99"))
    lines = ["timestamp,service,sli,good,total"]
    for i in range(24 * 1440):
        t = T0 + timedelta(minutes=i)
        lines.append(f"{t:%Y-%m-%dT%H:%M:%SZ},app,availability,{100 - _failed(t)},100")
    (base / "series.csv").write_text("\n".join(lines) + "\n")

    def inc(ident, sev, start, end, detected):
        return {"id": ident, "service": "app", "severity": sev, "title": ident, "started_at": start,
                "detected_at": detected, "mitigated_at": end, "resolved_at": end}

    (base / "incidents.json").write_text(json.dumps([
        inc("A", "SEV-2", "2026-03-02T10:00:00Z", "2026-03-02T10:30:00Z", "2026-03-02T10:15:00Z"),
        inc("B", "SEV-3", "2026-03-09T08:00:00Z", "2026-03-09T09:00:00Z", "2026-03-09T08:10:00Z"),
        inc("C", "SEV-2", "2026-03-12T14:00:00Z", "2026-03-12T15:00:00Z", "2026-03-12T14:20:00Z"),
        inc("G", "SEV-3", "2026-03-13T09:00:00Z", "2026-03-13T10:00:00Z", "2026-03-13T09:05:00Z") | {"service": "ghost"},
    ]))
    db = base / "s.duckdb"
    for args in (("slo", "apply", base / "slos.yaml"), ("ingest", "series", base / "series.csv"),
                 ("ingest", "incidents", base / "incidents.json")):
        r = run_cli(*args, db=db)
        assert r.code == 0, r.stderr
    return db


@pytest.fixture(scope="module")
def audit(sdb):
    r = run_cli("audit", "sli", "--month", "2026-03", "--json", db=sdb)
    assert r.code == 0, r.stderr
    return r.json()


def test_precision_and_recall_by_hand(audit):
    [s] = audit["slos"]
    page = s["alerts"]["page"]
    assert (page["episodes"], page["episodes_with_incident"], page["precision"]) == (2, 1, 0.5)
    assert (page["incidents"], page["incidents_alerted"], page["recall"]) == (3, 1, 1 / 3)
    assert page["recall_by_severity"] == {"SEV-2": 0.5, "SEV-3": 0.0}
    assert s["alerts"]["ticket"]["episodes"] == 0 and s["alerts"]["ticket"]["precision"] is None
    assert s["page_delay_minutes"] == {"count": 1, "min": 9.0, "median": 9.0, "p90": 9.0, "max": 9.0, "mean": 9.0}
    assert s["paged_incidents"] == [{"id": "A", "severity": "SEV-2", "page_delay_minutes": 9.0, "before_detection": True}]
    # March has data for its first 15 of 31 days: the audit says so rather than look reassuring.
    assert (s["data_coverage"], s["status"], audit["summary"]["insufficient_data"]) == (15 / 31, "insufficient_data", 1)


def test_a_burn_episode_with_no_incident_is_a_silent_burn(audit):
    [s] = audit["slos"]
    assert [(e["severity"], e["start"], e["end"], e["duration_minutes"]) for e in s["silent_burns"]] == [
        ("page", "2026-03-06T12:09:00Z", "2026-03-06T12:59:00Z", 50.0)]
    assert s["silent_burns"][0]["burn_rate"] == 42.0 and s["silent_burns"][0]["bad"] == 2100.0
    assert audit["summary"]["silent_burns"] == 1 and audit["summary"]["silent_pages"] == 1


def test_an_incident_that_burned_nothing_is_a_blind_spot(audit, sdb):
    [s] = audit["slos"]
    assert [(b["id"], b["burn_rate"], b["bad"], b["data_coverage"]) for b in s["blind_spots"]] == [("B", 0.0, 0.0, 1.0)]
    assert audit["incidents_no_slo_saw"] == ["B"]
    # A service no SLO measures: its incidents are the widest blind spot.
    assert audit["incidents_without_slo"] == [{"id": "G", "service": "ghost", "severity": "SEV-3", "title": "G"}]
    assert audit["summary"]["incidents_without_slo"] == 1
    wider = run_cli("audit", "sli", "--month", "2026-03", "--blind-burn-rate", "2", "--json", db=sdb).json()
    assert [(b["id"], b["burn_rate"]) for b in wider["slos"][0]["blind_spots"]] == [("B", 0.0), ("C", 2.0)]


def test_detection_by_other_means(audit):
    [s] = audit["slos"]
    assert [(i["id"], i["paged"], i["detection_delay_minutes"]) for i in s["detected_by_other_means"]] == [
        ("B", False, 10.0), ("C", False, 20.0)]
    assert s["detection_delay_minutes"]["median"] == 15.0 and s["detection_delay_minutes"]["p90"] == 20.0
    assert audit["incidents_detected_by_other_means"] == ["B", "C"]


def test_the_replay_is_burns(audit, sdb):
    burn = run_cli("burn", "--slo", "app-avail", "--from", "2026-03-01", "--to", "2026-04-01", "--json", db=sdb).json()
    pages = [(e["start"], e["end"]) for e in burn["episodes"] if e["severity"] == "page"]
    assert pages == [("2026-03-02T10:09:00Z", "2026-03-02T10:59:00Z"), ("2026-03-06T12:09:00Z", "2026-03-06T12:59:00Z")]


def test_table(sdb):
    r = run_cli("audit", "sli", "--month", "2026-03", db=sdb)
    assert r.code == 0, r.stderr
    for text in ("app-avail", "50.0%", "33.3%", "Silent burns", "Blind spots", "9 min", "15 min"):
        assert text in r.stdout, text


@pytest.fixture(scope="module")
def bt(sdb):
    r = run_cli("backtest", "--slo", "app-avail", "--from", "2026-02", "--to", "2026-03", "--target", "99.9",
                "--incident", "C", "--min-coverage", "0", "--json", db=sdb)
    assert r.code == 0, r.stderr
    return r.json()


def test_backtest_another_target(bt, audit):
    current, other = bt["variants"]
    assert (current["name"], current["target"], other["name"], other["target"]) == ("current", 0.99, "backtest", 0.999)
    assert (current["pages"], current["tickets"], current["incidents"], current["incidents_missed"]) == (2, 0, 3, 2)
    assert current["median_page_delay_minutes"] == 9.0 and current["missed"] == ["B", "C"]
    assert current["precision"] == audit["slos"][0]["alerts"]["page"]["precision"]
    assert current["incident"]["paged"] is False and other["incident"]["paged"] is True
    assert other["incident"]["page_delay_minutes"] == 44.0 and other["incidents_missed"] == 1
    assert [(m["month"], m["status"]) for m in current["months"]] == [("2026-02", "met"), ("2026-03", "met")]
    assert [(m["month"], m["status"]) for m in other["months"]] == [("2026-02", "met"), ("2026-03", "breached")]
    assert current["months"][1]["attainment"] == ATTAINMENT
    assert bt["highest_target_met_every_month"] == ATTAINMENT and bt["months_judged"] == 2


def test_backtest_other_windows(sdb):
    def page_for_c(factor):
        doc = run_cli("backtest", "--slo", "app-avail", "--month", "2026-03", "--window", f"page:1h/5m:{factor}",
                      "--incident", "C", "--json", db=sdb).json()
        return doc["variants"][1]

    alt = page_for_c("1.5")
    assert alt["alert_windows"] == [{"severity": "page", "long_window_minutes": 60.0, "short_window_minutes": 5.0,
                                     "budget_share": 0.0, "factor": 1.5}]
    assert alt["incident"]["paged"] is True and alt["incident"]["page_delay_minutes"] == 46.0
    assert alt["incident"]["first_page_at"] == "2026-03-12T14:46:00Z"
    assert page_for_c("2")["incident"]["paged"] is False  # exactly 2 % is not more than 2 %


def test_backtest_table_and_bad_input(sdb):
    r = run_cli("backtest", "--slo", "app-avail", "--month", "2026-03", "--target", "99.9", "--incident", "C", db=sdb)
    assert r.code == 0, r.stderr
    assert "backtest" in r.stdout and "insufficient_data" in r.stdout
    assert_bad_input(run_cli("backtest", "--slo", "app-avail", "--month", "2026-03", "--target", "100", db=sdb), "--target")
    assert_bad_input(run_cli("backtest", "--slo", "app-avail", "--month", "2026-03", "--target", "0.995", db=sdb),
                     "--target", "did you mean 99.5?")
    assert_bad_input(run_cli("backtest", "--slo", "app-avail", "--month", "2026-03", "--window", "page:5m/1h:2", db=sdb),
                     "--window")
    assert_bad_input(run_cli("backtest", "--slo", "nope", "--month", "2026-03", db=sdb), "--slo")
    assert_bad_input(run_cli("backtest", "--slo", "app-avail", "--month", "2026-03", "--incident", "X", db=sdb),
                     "--incident")
    assert_bad_input(run_cli("audit", "sli", "--month", "2026-03", "--blind-burn-rate", "-1", db=sdb),
                     "--blind-burn-rate")
    assert_bad_input(run_cli("audit", "sli", "--month", "2026-03", "--slo", "nope", db=sdb), "--slo")
