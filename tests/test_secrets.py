"""Literal secrets in OpenSLO documents are recognised by pattern and refused by `slo apply`.

The published examples (tests/data/openslo_secrets, copied verbatim, sources in its README)
name their credentials as vendors do: CloudWatch ``secretAccessKey``, AppDynamics
``clientSecret``, Datadog ``apiKey``/``appKey``. The hostile inputs are the ones issue #12
found accepted: a bearer token in ``headers``, a token as URL user-info, ``api_key`` and
``Token`` keys. References (``tokenEnv``, ``tokenFile``, ``passwordFile``, ``${VAR}``) are
accepted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import assert_bad_input, run_cli
from reliability.openslo import secrets

DATA = Path(__file__).parent / "data" / "openslo_secrets"


def documents(name: str) -> list[dict]:
    """Every document of a published file (a YAML stream, or a YAML list of documents)."""
    out = []
    for body in yaml.safe_load_all((DATA / name).read_text(encoding="utf-8")):
        out.extend(body if isinstance(body, list) else [body])
    return out


def found(kind: str, body: dict) -> list[str]:
    return [path for path, _ in secrets.in_document(kind, body)]


def test_openslo_readme_cloudwatch_datasource():
    (doc,) = documents("openslo_readme_datasource_cloudwatch.yaml")
    assert found(doc["kind"], doc) == ["spec.connectionDetails.secretAccessKey"]  # accessKeyID is an id


def test_openslo_readme_inline_redshift_metric_source():
    fragment = yaml.safe_load((DATA / "openslo_readme_thresholdmetric_redshift.yaml").read_text())
    assert found("SLI", {"spec": fragment}) == ["spec.thresholdMetric.metricSource.spec.secretAccessKey"]
    assert found("SLO", {"spec": {"indicator": {"spec": fragment}}}) == [
        "spec.indicator.spec.thresholdMetric.metricSource.spec.secretAccessKey"]


def test_go_sdk_datasources_list_connection_details():
    prometheus, datadog = documents("go_sdk_v1_examples_data_sources.yaml")
    assert found("DataSource", prometheus) == []
    assert found("DataSource", datadog) == ["spec.connectionDetails[0].apiKey", "spec.connectionDetails[1].appKey"]


def test_nobl9_appdynamics_client_secret():
    elasticsearch, appdynamics = documents("nobl9_openslo_v1_data_sources.yaml")
    assert found("DataSource", elasticsearch) == []
    assert found("DataSource", appdynamics) == ["spec.connectionDetails.clientSecret"]  # not clientID/clientName


@pytest.mark.parametrize("details, field", [
    ({"url": "http://prom:9090", "headers": {"Authorization": "Bearer eyLiteralT0ken"}},
     "spec.connectionDetails.headers.Authorization"),
    ({"url": "http://prom:9090", "headers": {"X-Api-Key": "k-Literal-123"}}, "spec.connectionDetails.headers.X-Api-Key"),
    ({"url": "http://T0kenAsUser@prom:9090"}, "spec.connectionDetails.url"),
    ({"url": "http://bob:pa55word@prom:9090"}, "spec.connectionDetails.url"),
    ({"url": "http://prom:9090", "api_key": "k-Literal-123"}, "spec.connectionDetails.api_key"),
    ({"url": "http://prom:9090", "Token": "t-Literal-123"}, "spec.connectionDetails.Token"),
    ({"url": "http://prom:9090", "basicAuth": {"username": "bob", "password": "pa55word"}},
     "spec.connectionDetails.basicAuth.password"),
    ({"url": "http://prom:9090", "extra": "ghp_" + "a1B2" * 9}, "spec.connectionDetails.extra"),
    ({"url": "http://prom:9090", "auth": "Basic Ym9iOnBhNTV3b3Jk"}, "spec.connectionDetails.auth"),
], ids=["bearer-header", "api-key-header", "token-as-user", "user-password", "api_key", "Token",
        "nested-password", "github-token-anywhere", "basic-credential-value"])
def test_hostile_datasources_refused(details, field):
    assert found("DataSource", {"spec": {"type": "Prometheus", "connectionDetails": details}}) == [field]


@pytest.mark.parametrize("details", [
    {"url": "http://prom:9090", "tokenEnv": "PROM_TOKEN"},
    {"url": "http://prom:9090", "tokenFile": "/run/secrets/prom"},
    {"url": "http://prom:9090", "username": "bob", "passwordFile": "/run/secrets/pw", "passwordEnv": "PW"},
    {"url": "http://prom:9090", "token": "${PROM_TOKEN}"},
    {"url": "http://prom:9090", "headers": {"Authorization": "Bearer ${PROM_TOKEN}", "X-Scope-OrgID": "team-a"}},
    {"url": "https://${PROM_USER}:${PROM_PASSWORD}@prom:9090"},
    {"url": "http://prom:9090", "tenant": "team-a", "insecureSkipVerify": True, "timeoutSeconds": 10,
     "accessKeyID": "AKIA-looking-id", "clientName": "dev-agent", "tokenUrl": "https://auth.example/token"},
], ids=["tokenEnv", "tokenFile", "passwordFile", "token-var", "header-var", "url-vars", "settings"])
def test_references_and_settings_accepted(details):
    assert found("DataSource", {"spec": {"type": "Prometheus", "connectionDetails": details}}) == []


def test_alert_notification_targets():
    """go-sdk's published targets name a channel (accepted); a webhook URL or key is refused."""
    email, pagerduty = yaml.safe_load((Path(__file__).parent / "data" / "openslo" / "go-sdk" /
                                       "openslo__v1__examples__alert_notification_targets.yaml").read_text())
    assert found("AlertNotificationTarget", email) == found("AlertNotificationTarget", pagerduty) == []
    hook = {"spec": {"target": "slack", "url": "https://hooks.slack.com/services/T0001/B0001/" + "x1Y2" * 6}}
    key = {"spec": {"target": "pagerduty", "integrationKey": "0123456789abcdef0123456789abcdef"}}
    assert found("AlertNotificationTarget", hook) == ["spec.url"]
    assert found("AlertNotificationTarget", key) == ["spec.integrationKey"]


def test_queries_are_not_secrets():
    """Metric source specs hold queries with braces, colons and URLs: none is a secret."""
    for doc in documents("go_sdk_v1_examples_data_sources.yaml")[:1]:
        assert found("DataSource", doc) == []
    spec = {"ratioMetric": {"counter": True, "good": {"metricSource": {"type": "Datadog", "metricSourceRef": "dd", "spec": {
        "query": "sum:trace.http.request.hits.by_http_status{http.status_code:200}.as_count()"}}},
        "total": {"metricSource": {"type": "Prometheus", "spec": {
            "query": 'sum(rate(http_requests_total{job="api",url="https://example.com/x"}[5m]))'}}}}}
    assert found("SLI", {"spec": spec}) == []


# --- through the CLI: refused by `slo apply`, nothing stored, the value never printed --------

def test_slo_apply_refuses_openslo_readme_cloudwatch_example(db):
    result = run_cli("slo", "apply", DATA / "openslo_readme_datasource_cloudwatch.yaml", db=db)
    assert_bad_input(result, "openslo_readme_datasource_cloudwatch.yaml", "document 1",
                     "spec.connectionDetails.secretAccessKey", "secretAccessKeyEnv")
    assert not db.exists() or b"CloudWatch" not in db.read_bytes()


@pytest.mark.parametrize("name, document, field", [
    ("nobl9_openslo_v1_data_sources.yaml", "document 2", "spec.connectionDetails.clientSecret"),
    ("go_sdk_v1_examples_data_sources.yaml", "document 2", "spec.connectionDetails[0].apiKey"),
], ids=["appdynamics-clientSecret", "datadog-apiKey"])
def test_slo_apply_refuses_published_lists_of_datasources(db, name, document, field):
    """YAML lists of documents, as go-sdk and Nobl9's converter write them."""
    result = run_cli("slo", "apply", DATA / name, db=db)
    assert_bad_input(result, name, document, field, "never stored")
    assert not db.exists() or b"connectionDetails" not in db.read_bytes()


SLO = """apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout}
spec:
  service: checkout
  indicator:
    metadata: {name: availability}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {metricSourceRef: prom, spec: {query: 'sum(ok)'}}}
        total: {metricSource: {metricSourceRef: prom, spec: {query: 'sum(all)'}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
"""


def datasource(details: str) -> str:
    return f"""apiVersion: openslo/v1
kind: DataSource
metadata: {{name: prom}}
spec:
  type: Prometheus
  connectionDetails: {details}
---
"""


@pytest.mark.parametrize("details, secret, field", [
    ('{url: "http://prom:9090", headers: {Authorization: "Bearer zq-Literal-T0ken"}}', "zq-Literal-T0ken",
     "spec.connectionDetails.headers.Authorization"),
    ('{url: "http://zq-Literal-T0ken@prom:9090"}', "zq-Literal-T0ken", "spec.connectionDetails.url"),
    ('{url: "http://prom:9090", api_key: zq-Literal-T0ken}', "zq-Literal-T0ken", "spec.connectionDetails.api_key"),
    ('{url: "http://prom:9090", Token: zq-Literal-T0ken}', "zq-Literal-T0ken", "spec.connectionDetails.Token"),
    ('{url: "http://prom:9090", secretAccessKey: zq-Literal-T0ken}', "zq-Literal-T0ken",
     "spec.connectionDetails.secretAccessKey"),
], ids=["bearer-header", "url-user-info", "api_key", "Token", "secretAccessKey"])
def test_slo_apply_refuses_literal_secrets(db, tmp_path, details, secret, field):
    path = tmp_path / "slos.yaml"
    path.write_text(datasource(details) + SLO, encoding="utf-8")
    result = run_cli("slo", "apply", path, db=db)
    assert_bad_input(result, "slos.yaml", "document 1", field)
    assert secret not in result.stderr + result.stdout
    assert not db.exists() or secret.encode() not in db.read_bytes()


def test_slo_apply_refuses_a_secret_in_an_inline_metric_source(db, tmp_path):
    path = tmp_path / "slo.yaml"
    path.write_text(SLO.replace("{metricSourceRef: prom, spec: {query: 'sum(ok)'}}",
                                "{type: Datadog, spec: {query: 'sum(ok)', apiKey: zq-Literal-T0ken}}"), encoding="utf-8")
    result = run_cli("slo", "apply", path, db=db)
    assert_bad_input(result, "slo.yaml", "spec.indicator.spec.ratioMetric.good.metricSource.spec.apiKey")
    assert "zq-Literal-T0ken" not in result.stderr


def test_slo_apply_accepts_references(db, tmp_path):
    path = tmp_path / "slos.yaml"
    details = ('{url: "http://prom:9090", tokenEnv: PROM_TOKEN, headers: {X-Api-Key: "${PROM_KEY}", '
               'X-Scope-OrgID: team-a}}')
    path.write_text(datasource(details) + SLO, encoding="utf-8")
    result = run_cli("slo", "apply", path, db=db)
    assert result.code == 0, result.stderr
