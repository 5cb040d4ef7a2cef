"""`rules --sloth` writes what Sloth writes: compared with Sloth's own published output for its
getting-started example (tests/data/sloth/, verbatim): the same groups, rule names, labels and
annotations, and — run through Prometheus' rule engine (`promtool test rules`) over the same
input series — the same recorded values and the same alerts."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import run_cli

DATA = Path(__file__).parent / "data" / "sloth"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None and os.environ.get("CI") != "true", reason="no promtool")

# Sloth's examples/getting-started.yml as OpenSLO v1: the same service, SLO name, objective,
# error and total queries (with Sloth's {{.window}}), and Sloth's default 30-day period.
SPEC = yaml.safe_load((DATA / "examples__getting-started.yml").read_text())
SLO = SPEC["slos"][0]
OPENSLO = f"""apiVersion: openslo/v1
kind: SLO
metadata:
  name: {SLO['name']}
spec:
  service: {SPEC['service']}
  description: {SLO['description']}
  indicator:
    metadata:
      name: availability
    spec:
      ratioMetric:
        bad:
          metricSource:
            type: Prometheus
            spec:
              query: '{SLO['sli']['events']['error_query']}'
        total:
          metricSource:
            type: Prometheus
            spec:
              query: '{SLO['sli']['events']['total_query']}'
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - targetPercent: {SLO['objective']}
"""


def _options() -> list[str]:
    """The getting-started spec's labels, alert name, labels and annotations as options (plus
    the `cmd` label that Sloth's example generator adds)."""
    alerting = SLO["alerting"]
    args = ["--sloth", "--alert-name", alerting["name"], "--label", "cmd=examplesgen.sh"]
    args += [f"--label={k}={v}" for k, v in SPEC["labels"].items()]
    args += [f"--alert-label={k}={v}" for k, v in alerting["labels"].items()]
    args += [f"--annotation={k}={v}" for k, v in alerting["annotations"].items()]
    args += [f"--page-label={k}={v}" for k, v in alerting["page_alert"]["labels"].items()]
    args += [f"--ticket-label={k}={v}" for k, v in alerting["ticket_alert"]["labels"].items()]
    return args


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sloth")
    db = tmp / "s.duckdb"
    (tmp / "slo.yaml").write_text(OPENSLO)
    assert run_cli("slo", "apply", tmp / "slo.yaml", db=db).code == 0
    out = tmp / "ours.yml"
    r = run_cli("rules", "--slo", SLO["name"], "-o", out, *_options(), db=db)
    assert r.code == 0, r.stderr
    return tmp, out


def _shape(doc: dict) -> list:
    """Everything but the expressions: group names, rule names, labels, annotations, `for`.
    Sloth's info metric names its own version and mode; those three labels are left out."""
    shape = []
    for g in doc["groups"]:
        for r in g["rules"]:
            labels = dict(r.get("labels") or {})
            if r.get("record") == "sloth_slo_info":
                for key in ("sloth_mode", "sloth_spec", "sloth_version"):
                    labels.pop(key, None)
            shape.append((g["name"], r.get("record") or r.get("alert"), labels, r.get("annotations"), r.get("for")))
    return shape


def test_same_groups_rules_labels_and_annotations(generated):
    _, ours = generated
    theirs = yaml.safe_load((DATA / "examples___gen__getting-started.yml").read_text())
    assert _shape(yaml.safe_load(ours.read_text())) == _shape(theirs)


@needs_promtool
def test_same_values_and_alerts_in_prometheus(generated):
    """1,000 requests a minute, 10 of them 5xx: every window's error ratio is 0.01, the burn
    rate 10 (budget 0.001), so at 2h the slow page (6h/30m > 6) and both tickets fire."""
    tmp, ours = generated
    shutil.copy(DATA / "examples___gen__getting-started.yml", tmp / "theirs.yml")
    ids = 'cmd="examplesgen.sh", owner="myteam", repo="myorg/myservice", tier="2", ' \
          'sloth_id="myservice-requests-availability", sloth_service="myservice", sloth_slo="requests-availability"'
    checks = [("slo:sli_error:ratio_rate5m", 10, ', sloth_window="5m"'),
              ("slo:sli_error:ratio_rate6h", 10, ', sloth_window="6h"'),
              ("slo:sli_error:ratio_rate30d", 10, ', sloth_window="30d"'),
              ("slo:objective:ratio", 999, ""), ("slo:error_budget:ratio", 1, ""),
              ("slo:time_period:days", 30000, ""),
              # the burn rates keep the numerator's sloth_window (Sloth's own rules do so)
              ("slo:current_burn_rate:ratio", 10000, ', sloth_window="5m"'),
              ("slo:period_burn_rate:ratio", 10000, ', sloth_window="30d"'),
              ("slo:period_error_budget_remaining:ratio", -9000, ', sloth_window="30d"')]
    exprs = "\n".join(f"""      - expr: round({name} * 1000)
        eval_time: 2h
        exp_samples:
          - labels: '{{{ids}{window}}}'
            value: {value}""" for name, value, window in checks)
    labels = {"page": "category: availability, routing_key: myteam, severity: pageteam, sloth_severity: page",
              "ticket": "category: availability, severity: slack, slack_channel: '#alerts-myteam', "
                        "sloth_severity: ticket"}
    alerts = "\n".join(f"""          - exp_labels: {{{labels[sev]}, {ids.replace('="', ': "')}}}
            exp_annotations:
              summary: "High error rate on 'myservice' requests responses"
              title: "({sev}) myservice requests-availability SLO error budget burn rate is too fast." """
                       for sev in ("page", "ticket"))
    for rules in ("theirs.yml", ours.name):
        test = tmp / f"test-{rules}"
        test.write_text(f"""rule_files: [{rules}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'http_request_duration_seconds_count{{job="myservice", code="200"}}'
        values: '0+990x180'
      - series: 'http_request_duration_seconds_count{{job="myservice", code="500"}}'
        values: '0+10x180'
    promql_expr_test:
{exprs}
    alert_rule_test:
      - eval_time: 2h
        alertname: MyServiceHighErrorRate
        exp_alerts:
{alerts}
""")
        run = subprocess.run([PROMTOOL, "test", "rules", test.name], capture_output=True, text=True, cwd=tmp)
        assert run.returncode == 0, (rules, run.stdout + run.stderr)


def test_seven_day_factors_match_sloths(tmp_path):
    """Sloth's 7-day table (examples/windows/7d.yaml) gives the factors in Sloth's own
    expected output for it; ours, built in or read from that file, are the same."""
    import re

    from reliability.analysis.burn import alert_windows
    from reliability.analysis.windows import for_rules
    from reliability.openslo import slo_from_definition

    tpl = (DATA / "test__integration__prometheus__testdata__out-base-custom-windows-7d.yaml.tpl").read_text()
    theirs = []
    for f in re.findall(r"> \(([0-9.]+) \* ", tpl):
        if float(f) not in theirs:
            theirs.append(float(f))
    assert theirs == [13.44, 3.5, 1.4000000000000001, 0.98]
    definition = yaml.safe_load(OPENSLO.replace("duration: 30d", "duration: 7d"))
    slo = slo_from_definition(definition)
    built_in = [float(w.factor) for w in alert_windows(slo)]
    from_file = [float(w.factor) for w in for_rules(slo, str(DATA / "examples__windows__7d.yaml"))[0]]
    assert built_in == from_file == pytest.approx(theirs, rel=1e-12)
