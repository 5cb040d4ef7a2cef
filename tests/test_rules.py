"""`reliability rules`: the rule file passes `promtool check rules`, and `promtool test rules`
(Prometheus' own rule engine over input series) reproduces the replay's burn rates and fires
the page and ticket alerts. Skipped when promtool is not installed (CI=true: a failure)."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from conftest import assert_bad_input, run_cli
from test_sla import slo_yaml

PROMTOOL = shutil.which("promtool")
BASE = datetime(2025, 11, 10, tzinfo=timezone.utc)
needs_promtool = pytest.mark.skipif(PROMTOOL is None and os.environ.get("CI") != "true", reason="no promtool")


@pytest.fixture(scope="module")
def rdb(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rules")
    db = tmp / "r.duckdb"
    (tmp / "slos.yaml").write_text(slo_yaml("occ", "Occurrences", "UTC", service="occ"))
    # 1,000 events a minute; 10 failed a minute in the first hour, 50 in the second.
    rows = ["timestamp,service,sli,good,total"] + [
        f"{(BASE + timedelta(minutes=k)):%Y-%m-%dT%H:%M:%SZ},occ,availability,{990 if k < 60 else 950},1000"
        for k in range(120)]
    (tmp / "s.csv").write_text("\n".join(rows) + "\n")
    assert run_cli("slo", "apply", tmp / "slos.yaml", db=db).code == 0
    assert run_cli("ingest", "series", tmp / "s.csv", db=db).code == 0
    return db


@needs_promtool
def test_rules_check_and_agree_with_replay(rdb, tmp_path):
    rules = tmp_path / "occ.rules.yml"
    assert run_cli("rules", "--slo", "occ", "-o", rules, db=rdb).code == 0
    check = subprocess.run([PROMTOOL, "check", "rules", str(rules)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS: 9 rules found" in check.stdout
    r = run_cli("burn", "--slo", "occ", "--from", "2025-11-10T00:00:00Z", "--to", "2025-11-10T02:00:00Z",
                "--window", "5m", "--window", "1h", "--window", "6h", "--json", db=rdb)
    assert r.code == 0, r.stderr
    replay = r.json()["burn_rates_at_end"]
    assert replay == {"5m": 50.0, "1h": 50.0, "6h": 30.0}  # 0.05/0.001, 0.05/0.001, 3600/120000/0.001
    checks = "\n".join(
        f"""      - expr: round(slo:sli_error:ratio_rate{w}{{slo="occ"}} / 0.001 * 1000)
        eval_time: 120m
        exp_samples:
          - labels: '{{slo="occ", service="occ", sli="availability"}}'
            value: {round(replay[w] * 1000)}"""
        for w in ("5m", "1h", "6h"))
    alerts = "\n".join(
        f"""      - eval_time: 120m
        alertname: {name}
        exp_alerts:
          - exp_labels: {{severity: {sev}, slo: occ, service: occ, sli: availability}}
            exp_annotations: {{summary: "occ is burning its error budget ({sev})"}}"""
        for name, sev in (("SLOBurnRatePage", "page"), ("SLOBurnRateTicket", "ticket")))
    test = tmp_path / "test.yml"
    test.write_text(f"""rule_files: [{rules.name}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'all'
        values: '0+1000x120'
      - series: 'ok'
        values: '0+990x59 59400+950x60'
    promql_expr_test:
{checks}
    alert_rule_test:
{alerts}
""")
    run = subprocess.run([PROMTOOL, "test", "rules", str(test)], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr


def test_rules_need_a_range_selector(rdb, tmp_path):
    (tmp_path / "bad.yaml").write_text(slo_yaml("gauge", "Occurrences", "UTC").replace("sum(rate(ok[1m]))", "ok_now"))
    assert run_cli("slo", "apply", tmp_path / "bad.yaml", db=rdb).code == 0
    assert_bad_input(run_cli("rules", "--slo", "gauge", db=rdb), "ratioMetric.good", "range selector")
    assert_bad_input(run_cli("rules", "--slo", "nope", db=rdb), "--slo")
