"""The bundled sample shows at least one of each audit finding (data/README.md, "Audits"), and
the Python API, the JSON and the monthly report's section give the same numbers."""

from __future__ import annotations

import json

import pytest

import reliability as rel
from app_fixtures import demo_db, demo_db_build  # noqa: F401  (session fixtures)
from conftest import run_cli
from reliability.output import to_json

AS_OF = "2026-11-01T00:00:00Z"
YEAR = ("--from", "2025-10", "--to", "2026-10")


def _cli(demo_db, *args):  # noqa: F811
    r = run_cli(*args, "--json", db=demo_db)
    assert r.code == 0, r.stderr
    return r.json()


@pytest.fixture(scope="module")
def policy_doc(demo_db):  # noqa: F811
    return _cli(demo_db, "audit", "policy", *YEAR, "--as-of", AS_OF)


def test_the_sample_policy_is_applied(demo_db):  # noqa: F811
    doc = _cli(demo_db, "policy", "show")
    assert (doc["name"], doc["source"]) == ("shop-error-budget-policy", "stored")
    assert [e["id"] for e in doc["exemptions"]] == ["EXM-2026-02-DB"]


def test_every_policy_finding(policy_doc):
    s = policy_doc["summary"]
    assert s["release_freeze"] >= 1 and s["incident_budget"] >= 1 and s["postmortem"] >= 1
    assert s["fixes_during_freeze"] >= 1 and s["exemptions_applied"] >= 1 and s["undetermined_deployments"] >= 1
    judged = {j["id"]: j for j in policy_doc["release_freeze"]["judged"]}
    # The search outage froze search's releases from 17 March; DEP-0693 shipped anyway.
    v = judged["DEP-0693"]
    assert v["verdict"] == "violation" and v["slos"][0]["frozen_since"] == "2026-03-17T15:45:00Z"
    assert judged["DEP-0686"]["verdict"] == "fix_during_freeze"
    assert {judged[d]["verdict"] for d in ("DEP-0593", "DEP-0636")} == {"exempted"}
    assert judged["DEP-0001"]["verdict"] == "undetermined"  # day one: no 28 days of history yet
    over = {i["id"]: i for i in policy_doc["incident_budget"]["over"]}
    assert over["INC-0074"]["status"] == "compliant"  # post-mortem and a P0 item
    assert over["INC-0061"]["status"] == "violation" and over["INC-0061"]["missing"] == ["postmortem", "P0 action item"]
    late = {v["subject"]: v["evidence"]["status"] for v in policy_doc["violations"] if v["rule"] == "postmortem"}
    assert late == {"INC-0047": "late", "INC-0158": "missing"}


def test_every_breach_finding(demo_db):  # noqa: F811
    doc = _cli(demo_db, "audit", "breaches", *YEAR, "--as-of", AS_OF)
    by = {(b["slo"], (b.get("instance") or {}).get("customer"), b["month"]): b for b in doc["breaches"]}
    assert set(by) == {("catalog-availability", None, "2026-02"), ("search-availability", None, "2026-03"),
                       ("api-gateway-customer-availability", "globex", "2026-07")}
    assert by[("search-availability", None, "2026-03")]["complete"] is True
    catalog = by[("catalog-availability", None, "2026-02")]
    assert catalog["missing"] == ["postmortem"] and catalog["steps"]["postmortem"]["lacking"] == ["INC-0061"]
    # globex's own misrouting (14 July) was never declared: nothing holds the other steps either.
    globex = by[("api-gateway-customer-availability", "globex", "2026-07")]
    assert globex["missing"] == ["incident_declared", "root_cause", "postmortem", "action_plan"]
    assert {b["steps"]["customer_postmortem"]["status"] for b in doc["breaches"]} == {"not_applicable"}


def test_the_contractual_breaches_join_the_breach_process(demo_db):  # noqa: F811
    """The hook: the customer contracts' breaches go through the same steps, exactly as
    `contracts breaches` lists them, with the post-mortem shared with the customer applying."""
    doc = _cli(demo_db, "audit", "breaches", *YEAR, "--as-of", AS_OF)["contractual"]
    contracts = _cli(demo_db, "contracts", "breaches", *YEAR, "--as-of", AS_OF)
    assert doc["supported"] is True and doc["breaches"] == contracts["breaches"]
    assert doc["summary"] == contracts["summary"]
    by = {(b["contract"], b["month"]): b["missing"] for b in doc["breaches"]}
    assert by == {("acme-gateway", "2025-10"): [], ("initech-gateway", "2026-01"): [],
                  ("globex-gateway", "2026-10"): ["postmortem", "customer_postmortem"]}
    one = _cli(demo_db, "audit", "breaches", *YEAR, "--as-of", AS_OF, "--slo", "api-gateway-latency")["contractual"]
    assert [b["contract"] for b in one["breaches"]] == ["globex-gateway"]
    table = run_cli("audit", "breaches", "--month", "2026-10", "--as-of", AS_OF, db=demo_db).stdout
    assert "Contractual breaches (customer contracts): 1, 0 complete, 1 with steps missing" in table
    assert "no 'customer-postmortem' timeline entry naming globex" in table


def test_every_sli_finding(demo_db):  # noqa: F811
    doc = _cli(demo_db, "audit", "sli", *YEAR)
    silent = [(s["slo"], e["severity"], e["start"]) for s in doc["slos"] for e in s["silent_burns"]]
    assert silent == [("api-gateway-customer-availability", "page", "2026-07-14T14:03:00Z"),
                      ("api-gateway-customer-availability", "ticket", "2026-07-14T14:07:00Z"),
                      ("notifications-availability", "page", "2026-09-08T03:26:00Z")]
    globex = next(s for s in doc["slos"] if s.get("instance") == {"customer": "globex"})
    assert globex["silent_burns"][0]["end"] == "2026-07-14T17:30:00Z"  # globex's misrouting, never declared
    blind = {(s["slo"], b["id"]): b for s in doc["slos"] for b in s["blind_spots"]}
    assert blind[("search-availability", "INC-0078")]["burn_rate"] == 0.0  # burned nothing
    assert "INC-0078" in doc["incidents_no_slo_saw"]
    assert doc["summary"]["detected_by_other_means"] >= 1
    search = next(s for s in doc["slos"] if s["slo"] == "search-availability")
    assert search["alerts"]["page"]["recall_by_severity"]["SEV-2"] == 1.0


def test_backtest_on_the_sample(demo_db):  # noqa: F811
    doc = _cli(demo_db, "backtest", "--slo", "search-availability", *YEAR, "--target", "99.5", "--incident", "INC-0074")
    current, looser = doc["variants"]
    assert [m["month"] for m in current["months"] if m["status"] == "breached"] == ["2026-03"]
    assert looser["months_breached"] == 0 and current["incident"]["paged"] is True
    assert doc["highest_target_met_every_month"] == 1 - 93 / 44640  # March's 93 bad of 44,640 minutes


@pytest.mark.parametrize("method, kwargs, argv", [
    ("audit_policy", {"months": ("2026-02", "2026-03"), "as_of": AS_OF},
     ["audit", "policy", "--from", "2026-02", "--to", "2026-03", "--as-of", AS_OF]),
    ("audit_breaches", {"months": ("2025-10", "2026-10"), "as_of": AS_OF},
     ["audit", "breaches", *YEAR, "--as-of", AS_OF]),
    ("audit_sli", {"month": "2026-03"}, ["audit", "sli", "--month", "2026-03"]),
    ("backtest", {"slo": "search-availability", "month": "2026-03", "target": 99.5, "windows": ["page:1h/5m:10"]},
     ["backtest", "--slo", "search-availability", "--month", "2026-03", "--target", "99.5", "--window", "page:1h/5m:10"]),
])
def test_the_api_gives_the_json(demo_db, method, kwargs, argv):  # noqa: F811
    doc = getattr(rel.open(demo_db), method)(**kwargs, table=None)
    assert json.loads(to_json(doc)) == _cli(demo_db, *argv)


def test_api_tables_and_argument_errors(demo_db):  # noqa: F811
    db = rel.open(demo_db)
    steps = db.audit_breaches(month="2026-03", as_of=AS_OF)
    assert list(steps.columns[:5]) == ["slo", "month", "step", "status", "evidence"] and len(steps) == 6
    with pytest.raises(rel.ArgumentError, match="month"):
        db.audit_policy(month="2026-3")
    with pytest.raises(rel.ArgumentError, match="month"):
        db.audit_sli()
    with pytest.raises(rel.ArgumentError):
        db.backtest("search-availability", month="2026-03", target=101)


def test_the_monthly_report_section(demo_db, tmp_path):  # noqa: F811
    out = tmp_path / "feb.md"
    assert run_cli("report", "monthly", "--month", "2026-02", "--out", out, db=demo_db).code == 0
    text = out.read_text()
    section = text[text.index("## Audits"):]
    assert "| deployed during a freeze | DEP-0609 | catalog |" in section  # the rule in words, not release_freeze
    assert "Exemption EXM-2026-02-DB" in section and "lifted the freeze for DEP-0593" in section
    assert "| catalog-availability | 2026-02 | done | done | missing | done | done | postmortem: no post-mortem " \
           "published: INC-0061 |" in section


def test_the_monthly_report_lists_the_contractual_breaches(demo_db, tmp_path):  # noqa: F811
    """October 2026: no SLO breached, but globex-gateway's contract did (latency below 99.7 %:
    5 % = 750.00 EUR, post-mortem and customer post-mortem missing: data/README.md). The report's
    Audits section lists it with the numbers of `audit breaches --json` for the month."""
    doc = _cli(demo_db, "audit", "breaches", "--month", "2026-10", "--as-of", AS_OF)["contractual"]
    assert [(b["contract"], b["missing"]) for b in doc["breaches"]] == [
        ("globex-gateway", ["postmortem", "customer_postmortem"])]
    for kind in ("md", "html"):
        out = tmp_path / f"oct.{kind}"
        r = run_cli("report", "monthly", "--month", "2026-10", "--out", out, db=demo_db)  # as of the month's end
        assert r.code == 0, r.stderr
        text = out.read_text()
        # The executive summary says so too, with the credit: before, it said only "Breaches: 0"
        # and "Service credits owed: none", and the 750.00 EUR owed to globex was at the very end.
        summary = text[:text.index("## Services" if kind == "md" else '<h2 id="services">')]
        owed = "globex-gateway (globex, 2026-10): credit 5 % = 750.00 EUR; their process under "
        assert ("- Customer contracts breached: **1** (" + owed + "Audits)" if kind == "md" else
                'Customer contracts breached: <b class="breached">1</b> (' + owed + '<a href="#audits">Audits</a>)') in summary
        if kind == "html":  # the SLO tiers owe nothing, the contract does: said apart
            assert "<p>No service credits owed under the SLOs' credit tiers.</p>" in summary
        # The policy's violations by rule in words (the rule ids are audit policy's JSON):
        # October's SEV-1 INC-0158 had no post-mortem in time, INC-0168 spent its budget share.
        policy = text[text.index("Error-budget policy"):text.index("Breach process")]
        assert "post-mortem late or missing" in policy and "incident over its budget share" in policy
        assert "incident_budget" not in policy and "| postmortem |" not in policy and "<td>postmortem<" not in policy
        section = text[text.index("Contractual breaches (customer contracts)"):]
        assert "1 contractual breach, 0 complete, 1 with steps missing." in section
        b = doc["breaches"][0]
        cells = [b["contract"], b["customer"], b["month"],
                 *(b["steps"][k]["status"] for k in ("incident_declared", "root_cause", "postmortem",
                                                      "customer_postmortem")),
                 b["steps"]["credits"]["evidence"], b["steps"]["action_plan"]["status"]]
        assert cells == ["globex-gateway", "globex", "2026-10", "done", "done", "missing", "missing",
                         "credit 5 % = 750.00 EUR", "done"]
        if kind == "md":
            assert "| " + " | ".join(cells) + " | postmortem: no post-mortem published: INC-0158; " in section
        else:
            assert "<td>" + "</td><td>".join(cells) + "</td>" in section
            assert 'id="audit-contract-breaches"' in section


def test_per_customer_slos_gate_releases_only_when_named(demo_db, policy_doc, tmp_path):  # noqa: F811
    """globex's own budget ran out on 14 July: by default that does not freeze the API gateway
    (its per-customer SLO is not a gate); a policy naming the SLO gates on each customer's budget."""
    judged = {j["id"]: j for j in policy_doc["release_freeze"]["judged"]}
    assert judged["DEP-1167"]["verdict"] == "allowed"
    assert [s["slo"] for s in judged["DEP-1167"]["slos"]] == ["api-gateway-availability", "api-gateway-latency"]
    path = tmp_path / "gate.yaml"
    path.write_text("apiVersion: reliability/v1\nkind: ErrorBudgetPolicy\nmetadata: {name: gate}\nspec:\n"
                    "  releaseFreeze: {slos: [api-gateway-availability, api-gateway-customer-availability]}\n")
    doc = _cli(demo_db, "audit", "policy", "--month", "2026-07", "--service", "api-gateway", "--policy", path,
               "--as-of", AS_OF)
    dep = next(j for j in doc["release_freeze"]["judged"] if j["id"] == "DEP-1167")  # 2026-07-15 11:42
    assert dep["verdict"] == "violation"
    assert {s["instance"]["customer"]: s["status"] for s in dep["slos"] if s.get("instance")} == {
        "acme": "ok", "globex": "exhausted", "initech": "ok"}
    assert [(f["instance"], f["start"]) for f in doc["release_freeze"]["freezes"]] == [
        ({"customer": "globex"}, "2026-07-14T15:05:00Z")]
