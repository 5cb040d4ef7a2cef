"""Published OpenSLO files, stored verbatim in tests/data/openslo/ (sources in
tests/data/README.md), each run through `slo apply`. Every file is either applied or refused
for a deliberate, documented reason written next to it here."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import assert_bad_input, run_cli

DATA = Path(__file__).parent / "data" / "openslo"

# What is not applied, and why (each a documented refusal; see docs/inputs.md, OpenSLO notes).
V1_ONLY = "only OpenSLO v1 is read: v1alpha and v2alpha have a different schema"
REFUSED = {
    "go-sdk/openslo__v1__examples__data_sources.yaml": (
        ["document 2", "spec.connectionDetails", "apiKey", "literal secret"],
        "the Datadog DataSource carries a literal apiKey; credentials are never stored"),
    "go-sdk/openslo__v1__examples__services.yaml": (
        ["document 2", "metadata.name", "also defined"],
        "two different Services named example-service in one call: which one is meant is ambiguous"),
    "nobl9-openslo/inputs__v1_services.yaml": (
        ["document 2", "metadata.name", "also defined"],
        "two Services named example-service (Nobl9 tells them apart by project, which OpenSLO lacks)"),
    "go-sdk/openslo__v1alpha__examples__slos.yaml": (["apiVersion", "v1alpha"], V1_ONLY),
    "go-sdk/openslo__v2alpha__examples__slos.yaml": (["apiVersion", "v2alpha"], V1_ONLY),
    "go-sdk/openslosdk__test_data__decode__v2alpha_data_source.yaml": (["apiVersion", "v2alpha"], V1_ONLY),
    "go-sdk/openslosdk__test_data__decode__v2alpha_slos.yaml": (["apiVersion", "v2alpha"], V1_ONLY),
    "oslo/internal__files__testdata__format__valid-service.json": (["apiVersion", "v1alpha"], V1_ONLY),
    "oslo/test__inputs__validate__v2alpha.yaml": (["apiVersion", "v2alpha"], V1_ONLY),
    "sloth/examples__openslo-getting-started.yml": (["apiVersion", "v1alpha"], V1_ONLY),
    "oslo/test__inputs__validate__invalid-apiversion.yaml": (["apiVersion", "'foo'"], "not an OpenSLO apiVersion"),
    "go-sdk/openslosdk__test_data__decode__v1_slos.yaml": (
        ["document 1", "spec.timeWindow", "required"],
        "no timeWindow: budgets and burn rates need the SLO's period (go-sdk's validator refuses it too)"),
    "go-sdk/openslosdk__test_data__encode__v1_slo.json": (
        ["document 1", "spec.timeWindow", "required"], "no timeWindow, as above"),
    "go-sdk/openslosdk__test_data__encode__v1_slo.yaml": (
        ["document 1", "spec.timeWindow", "required"], "no timeWindow, as above"),
    "spec/README-slo-inline-sli.yaml": (
        ["document 1", "spec.budgetingMethod", "required"],
        "the spec's inline-SLI example omits budgetingMethod, which the spec itself requires"),
    "spec/budgeting-method__timeslices-slo.yaml": (
        ["spec.timeWindow[0].duration", "1m", "write 1M for a month"],
        "duration: 1m is one minute in OpenSLO (its comment says a month was meant: 1M)"),
    "go-sdk/openslosdk__test_data__inline__inputs__custom_config.yaml": (
        ["document 2", "spec.indicatorRef", "my-sli"],
        "indicatorRef names an SLI that no file of the call defines (go-sdk's inliner needs it too)"),
    "go-sdk/openslosdk__test_data__inline__outputs__custom_config.yaml": (
        ["document 2", "spec.indicatorRef", "my-sli"], "as above"),
    "go-sdk/openslosdk__test_data__inline__inputs__v1_slo_invalid_sli.yaml": (
        ["spec.indicatorRef", "no-sli"], "go-sdk's own invalid case: an unknown SLI"),
    "go-sdk/openslosdk__test_data__inline__inputs__v1_slo_invalid_policy.yaml": (
        ["spec.objectives[0].value", "required"],
        "a thresholdMetric objective without value has nothing to compare with"),
    "go-sdk/openslosdk__test_data__inline__inputs__v1_slo_invalid_target.yaml": (
        ["spec.objectives[0].value", "required"], "as above"),
    "oslo/test__inputs__validate__v1.yaml": (
        ["document 3", "metadata.name", "'example service'"],
        "a name with a space (oslo's expected output refuses it too)"),
    "oslo/test__inputs__validate__unknown-field.yaml": (
        ["metadata.name", "'my-rad service'"], "a name with a space"),
}
# Accepted with a warning: `op` on a ratio objective (the spec's examples write it; it means
# nothing without `value`; go-sdk forbids it).
WARNS = {
    "go-sdk/openslo__v1__examples__slos.yaml",
    "spec/budgeting-method__ratio-timeslices.yaml",
    "spec/treat-low-traffic-as-equally-important__timeslices-slo.yaml",
}
FILES = sorted(str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.is_file())


def _documents(path: Path) -> int:
    """How many OpenSLO documents the file holds (a list counts each item)."""
    n = 0
    for body in yaml.safe_load_all(path.read_text()):
        n += len(body) if isinstance(body, list) else int(body is not None)
    return n


def test_every_stored_file_is_listed_in_the_readme():
    readme = (DATA.parent / "README.md").read_text()
    missing = [f for f in FILES if f"openslo/{f}" not in readme]
    assert not missing, missing


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    from reliability import store

    with store.connect(tmp_path_factory.mktemp("published") / "p.duckdb") as c:
        yield c


@pytest.mark.parametrize("name", FILES)
def test_published_file(con, name):
    """What `slo apply FILE` does, in this process (one database, each file in a transaction
    rolled back afterwards, so every file meets an empty database)."""
    from reliability import slos
    from reliability.errors import BadInput

    warnings: list[str] = []
    con.execute("begin")
    try:
        try:
            docs = slos.apply(con, [str(DATA / name)], warn=warnings.append)
        except BadInput as exc:
            assert name in REFUSED, str(exc)
            fragments, _reason = REFUSED[name]
            message = str(exc)
            assert message.startswith(str(DATA / name)), message
            for fragment in fragments:
                assert fragment in message, (fragment, message)
            return
        assert name not in REFUSED, f"applied, expected a refusal: {REFUSED.get(name)}"
        n = _documents(DATA / name)
        assert len(docs) == n
        assert con.execute("select count(*) from openslo_objects").fetchone()[0] == n
        assert bool(warnings) == (name in WARNS), warnings
        for w in warnings:
            assert "spec.objectives[0].op" in w and "ignored" in w
    finally:
        con.execute("rollback")


def test_through_the_command_line(tmp_path):
    """The same through the real command: a list file applies, with its warning on stderr; a
    refused file is exit 2 naming file, document and field, and nothing is stored."""
    db = tmp_path / "p.duckdb"
    ok = run_cli("slo", "apply", DATA / "go-sdk/openslo__v1__examples__slos.yaml",
                 DATA / "go-sdk/openslosdk__test_data__decode__sequence_of_objects.json", db=db)
    assert ok.code == 0, ok.stderr
    assert "applied 3 documents (1 SLO, 2 Service)" in ok.stderr
    assert "warning: " in ok.stderr and "spec.objectives[0].op" in ok.stderr
    listed = run_cli("slo", "list", "--json", db=db).json()["slos"]
    assert [(s["slo"], s["service"], s["time_window"], s["time_slice_window_minutes"]) for s in listed] == [
        ("web-availability", "web", "1w", 1.0)]
    bad = run_cli("slo", "apply", DATA / "go-sdk/openslo__v1__examples__data_sources.yaml", db=tmp_path / "b.duckdb")
    assert_bad_input(bad, "data_sources.yaml", "document 2", "spec.connectionDetails", "apiKey")
    assert "my-api-key" not in bad.stderr
    assert not (tmp_path / "b.duckdb").exists()  # a failing first write leaves no database behind
    bad = run_cli("slo", "apply", DATA / "go-sdk/openslo__v1__examples__data_sources.yaml", db=db)
    assert_bad_input(bad, "data_sources.yaml", "document 2", "spec.connectionDetails", "apiKey")
    assert b"my-api-key" not in db.read_bytes()


def test_counter_is_optional_and_false_by_default(tmp_path):
    """The spec's examples omit ratioMetric.counter: stored as counter false (go-sdk's default)."""
    from reliability import slos, store

    with store.connect(tmp_path / "c.duckdb") as con, store.transaction(con):
        slos.apply(con, [str(DATA / "spec/budgeting-method__ratio-timeslices.yaml"),
                         str(DATA / "go-sdk/openslo__v1__examples__slos.yaml")])
    with store.connect(tmp_path / "c.duckdb", read_only=True) as con:
        by_name = {s.name: s for s in slos.load(con)}
    assert by_name["main-page"].indicator.ratio.counter is False
    assert by_name["web-availability"].indicator.ratio.counter is True


def test_list_valued_connection_details_reach_extract():
    """go-sdk's Prometheus DataSource writes `connectionDetails: [{url: ...}]`."""
    from reliability.extract.connection import Overrides, resolve

    items = yaml.safe_load((DATA / "go-sdk/openslo__v1__examples__data_sources.yaml").read_text())
    conn = resolve(items[0], Overrides(), slo="s")
    assert conn.url == "http://prometheus.example.com"


def test_raw_ratio_sli_is_stored_but_an_slo_on_it_is_refused(tmp_path):
    """go-sdk's SLI examples include a raw (precomputed) ratio: the SLI applies; an SLO that
    uses it is refused, naming the reason, since budgets here count events or slices."""
    db = tmp_path / "r.duckdb"
    assert run_cli("slo", "apply", DATA / "go-sdk/openslo__v1__examples__slis.yaml", db=db).code == 0
    slo = tmp_path / "slo.yaml"
    slo.write_text("""apiVersion: openslo/v1
kind: SLO
metadata: {name: wifi}
spec:
  service: wifi
  indicatorRef: wifi-client-satisfaction
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: RatioTimeslices
  objectives: [{target: 0.95, timeSliceWindow: 5}]
""")
    assert_bad_input(run_cli("slo", "apply", slo, db=db), "slo.yaml", "spec.indicatorRef", "raw ratio metric")


def test_a_sloth_spec_is_named_as_such(tmp_path):
    """Sloth's own spec format (prometheus/v1) is a common thing to try: the error says what it is."""
    r = run_cli("slo", "apply", DATA.parent / "sloth" / "examples__getting-started.yml", db=tmp_path / "s.duckdb")
    assert_bad_input(r, "getting-started.yml", "document 1", "apiVersion", "Sloth spec")
