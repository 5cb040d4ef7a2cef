"""`reliability rules`: the rule file passes `promtool check rules`, and `promtool test rules`
(Prometheus' own rule engine over input series) reproduces the replay's burn rates and fires
the page and ticket alerts. Skipped when promtool is not installed (CI=true: a failure)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from conftest import assert_bad_input, run_cli
from reliability.promql import rewrite_ranges
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


# --- issue 14 (AlertPolicy, windows, range rewriting) and issue 13 (label escaping) ---

DATA = os.path.join(os.path.dirname(__file__), "data")
INPUT = """      - series: 'all'
        values: '0+1000x120'
      - series: 'ok'
        values: '0+990x59 59400+950x60'"""


def _slo(name, *, window="duration: 1M\n      isRolling: false\n      calendar: {startTime: 2024-01-01 00:00:00, timeZone: UTC}",
         service="occ", policies="", good="sum(rate(ok[1m]))", total="sum(rate(all[1m]))"):
    return f"""apiVersion: openslo/v1
kind: SLO
metadata: {{name: {name}}}
spec:
  service: {service}
  indicator:
    metadata: {{name: availability}}
    spec:
      ratioMetric:
        good: {{metricSource: {{type: Prometheus, spec: {{query: '{good}'}}}}}}
        total: {{metricSource: {{type: Prometheus, spec: {{query: '{total}'}}}}}}
  timeWindow:
    - {window}
  budgetingMethod: Occurrences
  objectives: [{{target: 0.999}}]
{policies}"""


def _apply(db, tmp_path, *texts, name="s.yaml"):
    path = tmp_path / name
    path.write_text("\n---\n".join(texts))
    r = run_cli("slo", "apply", path, db=db)
    assert r.code == 0, r.stderr


def _promtool_test(tmp_path, rules, body):
    test = tmp_path / f"test-{rules.name}"
    test.write_text(f"rule_files: [{rules.name}]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n"
                    f"    input_series:\n{INPUT}\n{body}")
    run = subprocess.run([PROMTOOL, "test", "rules", test.name], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr


@needs_promtool
def test_alert_policies_are_honoured(rdb, tmp_path):
    """Nobl9's published AlertPolicy file (verbatim): one inline condition (burn >= 2 over 1h)
    and one by conditionRef (>= 4 over 1h). The rule file has exactly those two alerts."""
    _apply(rdb, tmp_path, (Path(DATA) / "openslo/nobl9-openslo/inputs__v1_alert_policy.yaml").read_text(),
           _slo("pol", policies="  alertPolicies:\n    - alertPolicyRef: low-priority-1\n"
                                "    - alertPolicyRef: low-priority-2\n"))
    rules = tmp_path / "pol.rules.yml"
    r = run_cli("rules", "--slo", "pol", "-o", rules, db=rdb)
    assert r.code == 0, r.stderr
    check = subprocess.run([PROMTOOL, "check", "rules", str(rules)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    doc = yaml.safe_load(rules.read_text())
    alerts = [x for x in doc["groups"][0]["rules"] if "alert" in x]
    assert [(a["alert"], a["expr"], a.get("for")) for a in alerts] == [
        ("memory-usage-breach", 'slo:sli_error:ratio_rate1h{slo="pol", service="occ", sli="availability"} >= 0.002', None),
        ("memory-usage-breach", 'slo:sli_error:ratio_rate1h{slo="pol", service="occ", sli="availability"} >= 0.004', None)]
    assert [x["record"] for x in doc["groups"][0]["rules"] if "record" in x] == ["slo:sli_error:ratio_rate1h"]
    # At 120m the last hour failed 5 %: burn rate 50, both fire.
    exp = "\n".join(f"""          - exp_labels: {{severity: High, alert_policy: {p}, alert_condition: memory-usage-breach,
                          notification_targets: {t}, slo: pol, service: occ, sli: availability}}
            exp_annotations: {{summary: "pol: burn rate over 1h >= {n} (AlertPolicy {p}, AlertCondition memory-usage-breach)"}}"""
                    for p, t, n in (("low-priority-1", "some-target", 2), ("low-priority-2", "on-call-mail-notification", 4)))
    _promtool_test(tmp_path, rules, f"""    alert_rule_test:
      - eval_time: 120m
        alertname: memory-usage-breach
        exp_alerts:
{exp}
""")
    # The same alerts in Sloth's shape: sloth_* labels, meta recordings, the 5m ratio too.
    sloth = tmp_path / "pol.sloth.yml"
    assert run_cli("rules", "--slo", "pol", "--sloth", "-o", sloth, db=rdb).code == 0
    check = subprocess.run([PROMTOOL, "check", "rules", str(sloth)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    groups = yaml.safe_load(sloth.read_text())["groups"]
    assert [g["name"] for g in groups] == ["sloth-slo-sli-recordings-occ-pol", "sloth-slo-meta-recordings-occ-pol",
                                           "sloth-slo-alerts-occ-pol"]
    assert [r["record"] for r in groups[0]["rules"]] == [
        "slo:sli_error:ratio_rate5m", "slo:sli_error:ratio_rate1h", "slo:sli_error:ratio_rate30d"]
    assert [(a["alert"], a["labels"]["sloth_severity"]) for a in groups[2]["rules"]] == [
        ("memory-usage-breach", "High"), ("memory-usage-breach", "High")]


@needs_promtool
def test_alert_after_becomes_for_and_lte_is_warned(rdb, tmp_path):
    """go-sdk's published policies and conditions (verbatim): high-priority's inline condition
    (gt 2 over 1h, alertAfter 5m) becomes `for: 5m`; low-priority's cpu-usage-breach is
    `op: lte` (fires while the burn is LOW), which is honoured and warned about."""
    _apply(rdb, tmp_path, (Path(DATA) / "openslo/go-sdk/openslo__v1__examples__alert_policies.yaml").read_text(),
           name="p.yaml")
    _apply(rdb, tmp_path, (Path(DATA) / "openslo/go-sdk/openslo__v1__examples__alert_conditions.yaml").read_text(),
           _slo("pol2", policies="  alertPolicies:\n    - alertPolicyRef: high-priority\n"
                                 "    - alertPolicyRef: low-priority\n"), name="c.yaml")
    rules = tmp_path / "pol2.rules.yml"
    r = run_cli("rules", "--slo", "pol2", "-o", rules, db=rdb)
    assert r.code == 0, r.stderr
    assert "warning: AlertCondition 'cpu-usage-breach'" in r.stderr and "NOT burning fast" in r.stderr
    alerts = [x for x in yaml.safe_load(rules.read_text())["groups"][0]["rules"] if "alert" in x]
    assert [(a["alert"], a["expr"].split("} ")[1], a.get("for")) for a in alerts] == [
        ("memory-usage-breach", "> 0.002", "5m"), ("cpu-usage-breach", "<= 0.002", "5m")]
    _promtool_test(tmp_path, rules, """    alert_rule_test:
      - eval_time: 120m
        alertname: memory-usage-breach
        exp_alerts:
          - exp_labels: {severity: page, alert_policy: high-priority, alert_condition: memory-usage-breach,
                         notification_targets: on-call-pd-notification, slo: pol2, service: occ, sli: availability}
            exp_annotations: {summary: "pol2: burn rate over 1h > 2 (AlertPolicy high-priority, AlertCondition memory-usage-breach)"}
      - eval_time: 120m
        alertname: cpu-usage-breach
""")


def test_unknown_policy_reference_is_bad_input(rdb, tmp_path):
    _apply(rdb, tmp_path, _slo("nopol", policies="  alertPolicies:\n    - alertPolicyRef: nowhere\n"))
    assert_bad_input(run_cli("rules", "--slo", "nopol", db=rdb), "SLO nopol", "spec.alertPolicies[0].alertPolicyRef",
                     "nowhere")


@needs_promtool
def test_seven_day_slo_uses_sloths_table(rdb, tmp_path):
    """Scaled from the workbook a 7-day SLO would ticket at burn 0.23; Sloth's 7-day table
    tickets at 1.4 (1d/2h) and 0.98 (3d/6h), pages at 13.44 and 3.5."""
    _apply(rdb, tmp_path, _slo("week", window="duration: 7d\n      isRolling: true"))
    rules = tmp_path / "week.rules.yml"
    r = run_cli("rules", "--slo", "week", "-o", rules, db=rdb)
    assert r.code == 0, r.stderr
    assert "Sloth's 7-day table" in rules.read_text().splitlines()[0]
    alerts = {a["alert"]: a["expr"] for a in yaml.safe_load(rules.read_text())["groups"][0]["rules"] if "alert" in a}
    thresholds = [float(x) for x in re.findall(r"> ([0-9.e-]+)\)", alerts["SLOBurnRatePage"] + alerts["SLOBurnRateTicket"])]
    assert thresholds == pytest.approx([13.44e-3, 3.5e-3, 1.4e-3, 0.98e-3], rel=1e-12)
    burn = run_cli("burn", "--slo", "week", "--from", "2025-11-10T00:00:00Z", "--to", "2025-11-10T02:00:00Z",
                   "--json", db=rdb).json()
    assert [w["factor"] for w in burn["alert_windows"]] == pytest.approx([13.44, 3.5, 1.4, 0.98], rel=1e-12)
    check = subprocess.run([PROMTOOL, "check", "rules", str(rules)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


@needs_promtool
def test_short_periods_need_explicit_windows(rdb, tmp_path):
    _apply(rdb, tmp_path, _slo("fortnight", window="duration: 14d\n      isRolling: true"),
           _slo("week2", window="duration: 1w\n      isRolling: true"))
    assert_bad_input(run_cli("rules", "--slo", "fortnight", db=rdb), "--windows", "14d period", "burn rate 0.47")
    sloth_7d = Path(DATA) / "sloth/examples__windows__7d.yaml"
    assert_bad_input(run_cli("rules", "--slo", "fortnight", "--windows", sloth_7d, db=rdb),
                     "7d.yaml", "spec.sloPeriod", "7d period", "14d period")
    r = run_cli("rules", "--slo", "week2", "--windows", sloth_7d, db=rdb)
    assert r.code == 0, r.stderr
    assert "alert windows from" in r.stdout.splitlines()[0]
    assert "> 0.00098" in r.stdout  # 0.42 · 168 / 72 · 0.001
    (tmp_path / "w2.yml").write_text(r.stdout)
    check = subprocess.run([PROMTOOL, "check", "rules", str(tmp_path / "w2.yml")], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    bad = tmp_path / "w.yaml"
    bad.write_text(sloth_7d.read_text().replace("shortWindow: 5m", "shortWindow: 2h"))
    assert_bad_input(run_cli("rules", "--slo", "week2", "--windows", bad, db=rdb), "w.yaml",
                     "spec.page.quick.shortWindow", "shorter than longWindow")


@pytest.mark.parametrize("query, want", [
    ("sum(rate(x[5m]))", "sum(rate(x[3d]))"),
    ("sum(rate(x[1h30m]))", "sum(rate(x[3d]))"),
    ("sum(rate(x[5m0s]))", "sum(rate(x[3d]))"),
    ('sum(rate(x{path=~"/a/[0-9]+"}[1m]))', 'sum(rate(x{path=~"/a/[0-9]+"}[3d]))'),
    ("sum(rate(x[{{.window}}]))", "sum(rate(x[3d]))"),
    ("sum(rate(x[$__rate_interval]))", "sum(rate(x[3d]))"),
    ("sum_over_time((probe_success == bool 1)[1h:1m])", "sum_over_time((probe_success == bool 1)[3d:1m])"),
    ("max_over_time(rate(x[5m])[1h:5m])", "max_over_time(rate(x[5m])[3d:5m])"),
    ("min_over_time(sum(rate(x[5m]))[30m:])", "min_over_time(sum(rate(x[5m]))[3d:])"),
    ("sum(increase(x[5m] offset 1h))", "sum(increase(x[3d] offset 1h))"),
    ("x_now", None),
])
def test_range_rewriting(query, want):
    assert rewrite_ranges(query, "3d") == want


@needs_promtool
def test_subquery_and_compound_ranges_in_prometheus(rdb, tmp_path):
    """Queries written with [1h30m] and a subquery give the same burn rates as plain ones."""
    _apply(rdb, tmp_path, _slo("sub", good="sum(rate(ok[1h30m]))",
                               total="sum(avg_over_time(rate(all[2m])[45m:1m]))"))
    rules = tmp_path / "sub.rules.yml"
    assert run_cli("rules", "--slo", "sub", "-o", rules, db=rdb).code == 0
    text = rules.read_text()
    assert "sum(rate(ok[1h]))" in text and "sum(avg_over_time(rate(all[2m])[1h:1m]))" in text
    _promtool_test(tmp_path, rules, """    promql_expr_test:
      - expr: round(slo:sli_error:ratio_rate1h{slo="sub"} * 1000)
        eval_time: 120m
        exp_samples:
          - labels: '{slo="sub", service="occ", sli="availability"}'
            value: 50
""")


@needs_promtool
def test_label_values_are_escaped_not_mangled(rdb, tmp_path):
    """Issue 13: a service name with a newline and a control character. The rule file passes
    promtool, the labels hold the exact name (a newline stays a newline), and the alert
    expression selects the series by it."""
    service = "pay\nments\u0007 \"eu\" \\ 1"
    doc = _slo("esc", service=json.dumps(service))
    _apply(rdb, tmp_path, doc)
    rules = tmp_path / "esc.rules.yml"
    r = run_cli("rules", "--slo", "esc", "-o", rules, db=rdb)
    assert r.code == 0, r.stderr
    check = subprocess.run([PROMTOOL, "check", "rules", str(rules)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    group = yaml.safe_load(rules.read_text())["groups"][0]
    assert {x["labels"]["service"] for x in group["rules"] if "record" in x} == {service}
    label = json.dumps(service)
    _promtool_test(tmp_path, rules, f"""    promql_expr_test:
      - expr: round(slo:sli_error:ratio_rate1h * 1000)
        eval_time: 120m
        exp_samples:
          - labels: '{{slo="esc", service={label}, sli="availability"}}'
            value: 50
    alert_rule_test:
      - eval_time: 120m
        alertname: SLOBurnRatePage
        exp_alerts:
          - exp_labels: {{severity: page, slo: esc, service: {label}, sli: availability}}
            exp_annotations: {{summary: "esc is burning its error budget (page)"}}
""")


def test_bad_options(rdb):
    assert_bad_input(run_cli("rules", "--slo", "occ", "--label", "team", db=rdb), "--label", "NAME=VALUE")
    assert_bad_input(run_cli("rules", "--slo", "occ", "--label", "__x=1", db=rdb), "--label")
    assert_bad_input(run_cli("rules", "--slo", "occ", "--label", "slo=x", db=rdb), "--label", "'slo'")
    assert_bad_input(run_cli("rules", "--slo", "occ", "--alert-name", "bad name", db=rdb), "--alert-name")


@needs_promtool
def test_alert_when_no_data(rdb, tmp_path):
    """A policy with alertWhenNoData: an extra alert fires when the burn rate has no value."""
    policy = """apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: quiet}
spec:
  alertWhenNoData: true
  conditions:
    - kind: AlertCondition
      metadata: {name: FastBurn}
      spec: {severity: page, condition: {kind: burnrate, op: gt, threshold: 10, lookbackWindow: 1h}}
  notificationTargets: [{targetRef: oncall}]"""
    _apply(rdb, tmp_path, policy, _slo("nodata", good="sum(rate(gone_ok[1m]))", total="sum(rate(gone[1m]))",
                                       policies="  alertPolicies: [quiet]\n"))
    rules = tmp_path / "nodata.rules.yml"
    r = run_cli("rules", "--slo", "nodata", "-o", rules, db=rdb)
    assert r.code == 0, r.stderr
    assert [a["alert"] for a in yaml.safe_load(rules.read_text())["groups"][0]["rules"] if "alert" in a] == [
        "FastBurn", "FastBurnNoData"]
    _promtool_test(tmp_path, rules, """    alert_rule_test:
      - eval_time: 30m
        alertname: FastBurn
      - eval_time: 30m
        alertname: FastBurnNoData
        exp_alerts:
          - exp_labels: {severity: page, alert_policy: quiet, alert_condition: FastBurn, notification_targets: oncall,
                         alert_kind: no_data, slo: nodata, service: occ, sli: availability}
            exp_annotations: {summary: "nodata: no burn rate over 1h (no data; AlertPolicy quiet has alertWhenNoData)"}
""")


def test_counter_queries_get_a_hint(rdb, tmp_path):
    """go-sdk's example SLO (counter: true, a bare counter query) cannot be windowed."""
    _apply(rdb, tmp_path, (Path(DATA) / "openslo/go-sdk/openslo__v1__examples__slos.yaml").read_text())
    assert_bad_input(run_cli("rules", "--slo", "web-availability", db=rdb), "ratioMetric.total", "range selector",
                     "counter: true")
