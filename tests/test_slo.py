"""`reliability slo apply` / `slo list`: what OpenSLO v1 supports, and precise errors."""

from __future__ import annotations

import textwrap

import duckdb
import pytest

from conftest import assert_bad_input, run_cli

SLI = """\
apiVersion: openslo/v1
kind: SLI
metadata:
  name: availability
  displayName: Successful requests
spec:
  ratioMetric:
    counter: true
    bad:
      metricSource:
        metricSourceRef: prom
        spec:
          query: sum(http_requests_total{code=~"5.."})
    total:
      metricSource:
        metricSourceRef: prom
        spec:
          query: sum(http_requests_total)
"""
DATASOURCE = """\
apiVersion: openslo/v1
kind: DataSource
metadata:
  name: prom
spec:
  type: Prometheus
  connectionDetails:
    url: http://127.0.0.1:9090
"""
SERVICE = """\
apiVersion: openslo/v1
kind: Service
metadata:
  name: checkout
spec:
  description: Checkout API
"""
ALERTS = """\
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: fast-burn
spec:
  severity: page
  condition:
    kind: burnrate
    op: gte
    threshold: 14.4
    lookbackWindow: 1h
    alertAfter: 5m
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: page-on-fast-burn
spec:
  conditions:
    - conditionRef: fast-burn
"""


def slo(name="checkout-availability", *, window="1M", rolling=False, method="Timeslices",
        objective="- targetPercent: 99.9\n  timeSliceTarget: 0.95\n  timeSliceWindow: 1m", zone="Europe/Berlin",
        indicator="indicatorRef: availability") -> str:
    calendar = "" if rolling else f"\n      calendar:\n        startTime: 2025-01-01 00:00:00\n        timeZone: {zone}"
    return (
        textwrap.dedent(
            f"""\
            apiVersion: openslo/v1
            kind: SLO
            metadata:
              name: {name}
            spec:
              service: checkout
              {indicator}
              timeWindow:
                - duration: {window}
                  isRolling: {str(rolling).lower()}"""
        )
        + calendar
        + f"\n  budgetingMethod: {method}\n  objectives:\n"
        + textwrap.indent(objective, "    ")
        + "\n  alertPolicies:\n    - page-on-fast-burn\n"
    )


def write(tmp_path, *docs, name="slos.yaml"):
    path = tmp_path / name
    path.write_text("---\n".join(docs))
    return path


def test_apply_and_list_every_kind(db, tmp_path):
    path = write(
        tmp_path,
        DATASOURCE,
        SLI,
        SERVICE,
        ALERTS,
        slo(),
        slo("checkout-rolling", window="28d", rolling=True, method="Occurrences", objective="- target: 0.995"),
        slo("checkout-quarter", window="1Q", method="RatioTimeslices", objective="- target: 0.99\n  timeSliceWindow: 5m"),
    )
    r = run_cli("slo", "apply", path, db=db)
    assert r.code == 0, r.stderr
    assert "applied 8 documents" in r.stderr
    listed = run_cli("slo", "list", "--json", db=db).json()["slos"]
    by_name = {s["slo"]: s for s in listed}
    assert sorted(by_name) == ["checkout-availability", "checkout-quarter", "checkout-rolling"]
    avail = by_name["checkout-availability"]
    assert avail["service"] == "checkout" and avail["sli"] == "availability"
    assert avail["budgeting_method"] == "Timeslices"
    assert avail["objectives"] == [
        {"name": None, "target": 0.999, "time_slice_target": 0.95, "op": None, "value": None}
    ]
    assert avail["time_zone"] == "Europe/Berlin" and avail["time_window"] == "1M"
    assert avail["time_slice_window_minutes"] == 1.0
    assert by_name["checkout-rolling"]["is_rolling"] is True
    assert by_name["checkout-rolling"]["time_zone"] == "UTC"
    assert by_name["checkout-quarter"]["time_slice_window_minutes"] == 5.0
    with duckdb.connect(str(db), read_only=True) as con:
        kinds = con.execute("select kind, count(*) from openslo_objects group by kind order by kind").fetchall()
    assert kinds == [("AlertCondition", 1), ("AlertPolicy", 1), ("DataSource", 1), ("SLI", 1), ("SLO", 3), ("Service", 1)]
    table = run_cli("slo", "list", db=db)
    assert "checkout-availability" in table.stdout and "Europe/Berlin" in table.stdout


def test_reapplying_replaces(db, tmp_path):
    assert run_cli("slo", "apply", write(tmp_path, DATASOURCE, SLI, ALERTS, slo()), db=db).code == 0
    changed = slo(objective="- target: 0.99\n  timeSliceTarget: 0.9\n  timeSliceWindow: 1m")
    # The SLI and DataSource applied before are found by reference.
    assert run_cli("slo", "apply", write(tmp_path, changed, name="v2.yaml"), db=db).code == 0
    (only,) = run_cli("slo", "list", "--json", db=db).json()["slos"]
    assert only["objectives"][0]["target"] == 0.99
    assert only["objectives"][0]["time_slice_target"] == 0.9


# (documents, fragments the message must name): every error names file, document and field.
BAD = [
    ([slo(window="1m")], ["document 1", "spec.timeWindow[0].duration", "1M for a month"]),
    ([slo(window="30m", rolling=True)], ["spec.timeWindow[0].duration", "shorter than a day"]),
    ([slo(window="1month")], ["spec.timeWindow[0].duration", "expected a duration"]),
    ([slo(zone="Mars/Olympus")], ["spec.timeWindow[0].calendar.timeZone", "IANA"]),
    ([slo(method="Weekly")], ["spec.budgetingMethod", "Occurrences, Timeslices, RatioTimeslices"]),
    ([slo(objective="- target: 99.9\n  timeSliceTarget: 0.95\n  timeSliceWindow: 1m")],
     ["spec.objectives[0].target", "(0, 1)"]),
    ([slo(objective="- target: 0.999\n  timeSliceWindow: 1m")], ["spec.objectives[0].timeSliceTarget", "required"]),
    ([slo(objective="- target: 0.999\n  timeSliceTarget: 0.95")], ["spec.objectives[0].timeSliceWindow", "required"]),
    ([slo(objective="- target: 0.999\n  timeSliceTarget: 0.95\n  timeSliceWindow: 7m")],
     ["timeSliceWindow", "divides a day"]),
    ([slo(objective="- target: 0.999\n  targetPercent: 99.9\n  timeSliceTarget: 0.95\n  timeSliceWindow: 1m")],
     ["spec.objectives[0]", "exactly one of target"]),
    ([slo(indicator="indicatorRef: missing")], ["spec.indicatorRef", "no SLI named 'missing'"]),
    ([slo().replace("apiVersion: openslo/v1", "apiVersion: openslo/v2")], ["apiVersion", "openslo/v1"]),
    ([slo().replace("kind: SLO", "kind: Slo")], ["kind", "expected one of"]),
    ([slo().replace("  service: checkout\n", "")], ["spec.service", "required"]),
    ([SLI.replace("counter: true", "counter: yes please")], ["spec.ratioMetric.counter", "true or false"]),
    ([SLI.replace("    total:", "    good:")], ["spec.ratioMetric", "exactly one of good or bad"]),
    ([SLI.replace("metricSourceRef: prom", "metricSourceRef: nowhere")], ["metricSourceRef", "no DataSource named"]),
    ([SERVICE, ALERTS.replace("kind: burnrate", "kind: rate")], ["document 2", "spec.condition.kind"]),
    (["apiVersion: openslo/v1\nkind: SLO\nmetadata: [oops\n"], ["invalid YAML", "line"]),
    (["- just\n- a list\n"], ["document 1", "expected a mapping"]),
    ([""], ["no OpenSLO documents"]),
]


@pytest.mark.parametrize("docs, fragments", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_invalid_documents(db, tmp_path, docs, fragments):
    own_sli = any("kind: SLI" in d for d in docs)
    own_alerts = any("kind: AlertCondition" in d for d in docs)
    good_docs = [DATASOURCE] + ([] if own_sli else [SLI]) + ([] if own_alerts else [ALERTS])
    good = write(tmp_path, *good_docs, name="good.yaml")
    bad = write(tmp_path, *docs, name="bad.yaml")
    # A valid file before the bad one in the same call: nothing of either is stored.
    r = run_cli("slo", "apply", good, bad, db=db)
    assert_bad_input(r, "bad.yaml", *fragments)
    if db.exists():  # a file that cannot be read is refused before the database is even opened
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute("select count(*) from openslo_objects").fetchone() == (0,)


def test_binary_and_missing_files(db, tmp_path):
    binary = tmp_path / "x.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    assert_bad_input(run_cli("slo", "apply", binary, db=db), "x.yaml", "binary")
    assert_bad_input(run_cli("slo", "apply", tmp_path / "nope.yaml", db=db), "nope.yaml")


def test_same_name_twice_in_one_call(db, tmp_path):
    path = write(tmp_path, DATASOURCE, SLI, ALERTS, slo(), slo())
    assert_bad_input(run_cli("slo", "apply", path, db=db), "document 5", "metadata.name", "also defined")


@pytest.mark.parametrize(
    "details, field",
    [
        ("url: http://127.0.0.1:9090\n    token: s3cr3t-value", "spec.connectionDetails.token"),
        ("url: http://127.0.0.1:9090\n    password: s3cr3t-value", "spec.connectionDetails.password"),
        ("url: http://user:s3cr3t-value@127.0.0.1:9090", "spec.connectionDetails.url"),
    ],
)
def test_literal_secrets_are_refused_and_not_stored(db, tmp_path, details, field):
    doc = DATASOURCE.replace("url: http://127.0.0.1:9090", details)
    r = run_cli("slo", "apply", write(tmp_path, doc), db=db)
    assert_bad_input(r, "slos.yaml", "document 1", field)
    assert "s3cr3t-value" not in r.stderr
    assert not db.exists() or b"s3cr3t-value" not in db.read_bytes()  # a failing first write leaves none


def test_secret_references_are_accepted(db, tmp_path):
    doc = DATASOURCE.replace("url: http://127.0.0.1:9090", "url: http://127.0.0.1:9090\n    tokenEnv: PROM_TOKEN")
    assert run_cli("slo", "apply", write(tmp_path, doc), db=db).code == 0


@pytest.mark.parametrize("window, minutes", [("5", 5.0), ("1", 1.0), ("0.5", 0.5), ("5m", 5.0), ("1h", 60.0)])
def test_numeric_time_slice_window_is_minutes(db, tmp_path, window, minutes):
    """The spec: "Default interpretation of unit if specified as a number in minutes"."""
    doc = slo(objective=f"- target: 0.999\n  timeSliceTarget: 0.95\n  timeSliceWindow: {window}")
    assert run_cli("slo", "apply", write(tmp_path, DATASOURCE, SLI, ALERTS, doc), db=db).code == 0
    (only,) = run_cli("slo", "list", "--json", db=db).json()["slos"]
    assert only["time_slice_window_minutes"] == minutes
