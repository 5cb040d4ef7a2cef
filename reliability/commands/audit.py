"""``reliability policy apply|show`` and ``reliability audit policy|breaches|sli``: the
error-budget policy as code and the audits over what the database holds (docs/audits.md)."""

from __future__ import annotations

import click

from reliability.output import emit_json, fmt, table
from reliability.units import count_of, duration, percent

_RANGE = [
    click.option("--month", default=None, metavar="YYYY-MM", help="The month audited."),
    click.option("--from", "first", default=None, metavar="YYYY-MM", help="First month (with --to)."),
    click.option("--to", "last", default=None, metavar="YYYY-MM", help="Last month, included (with --from)."),
]


def _range(f):
    for option in reversed(_RANGE):
        f = option(f)
    return f


def _when(value) -> str:
    return "-" if value is None else f"{value:%Y-%m-%d %H:%M}Z"


@click.group("policy")
def policy() -> None:
    """The error-budget policy as code: a YAML file (kind ErrorBudgetPolicy) applied to the
    database, read by `audit policy`.

    \b
    Example:
      reliability --db rel.duckdb policy apply data/policy.yaml
      reliability --db rel.duckdb policy show
    """


@policy.command("apply")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_context
def policy_apply(ctx, file: str) -> None:
    """Validate an error-budget policy file and store it in place of the stored one.

    An invalid file is bad input (exit 2, naming the file and the field) and stores nothing;
    so is a file naming an SLO (releaseFreeze.slos, an exemption's slo) the database lacks.

    \b
    Example:
      reliability --db rel.duckdb policy apply data/policy.yaml
    """
    from reliability import store, writes
    from reliability.audits import policies, policy_file

    parsed = policy_file.load_file(file)[0]  # validated before the database is locked
    if parsed.freeze.slos or any(ex.slo for ex in parsed.exemptions):
        with store.connect(ctx.obj["db"], read_only=True) as con:  # names SLOs: they must exist already
            policies.check_slo_names(con, parsed, file)
    with store.connect(ctx.obj["db"]) as con, writes.transaction(con):
        applied = policies.apply(con, file)
    click.echo(f"applied error-budget policy {applied.name!r} ({count_of(len(applied.exemptions), 'exemption')})", err=True)


@policy.command("show")
@click.option("--policy", "policy_path", default=None, type=click.Path(dir_okay=False),
              help="Show this file's policy instead of the stored one.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def policy_show(ctx, policy_path, as_json) -> None:
    """The policy in force: the stored one (`policy apply`), else the built-in default.

    \b
    Example:
      reliability --db rel.duckdb policy show --json
    """
    from reliability import store
    from reliability.audits import policies, policy_file

    if policy_path is not None:  # a file alone needs no database
        found = policy_file.load_file(policy_path)[0]
    else:
        with store.connect(ctx.obj["db"], read_only=True) as con:
            found = policies.in_force(con)
    doc = found.as_json()
    if as_json:
        emit_json(doc)
        return
    f, b, p = doc["release_freeze"], doc["incident_budget"], doc["postmortems"]
    click.echo(f"Error-budget policy {doc['name']!r} ({doc['source']}{': ' + doc['file'] if doc['file'] else ''})")
    rows = [["release freeze", fmt(f["enabled"]), "trailing window", f["trailing_window"]],
            ["release freeze", fmt(f["enabled"]), "min data coverage", percent(f["min_coverage"], 0)],
            ["release freeze", fmt(f["enabled"]), "gating SLOs", ", ".join(f["slos"]) if f["slos"] else "all of the service"],
            ["incident budget", fmt(b["enabled"]), "more than this share of a month's budget", percent(b["max_share"], 0)],
            ["incident budget", fmt(b["enabled"]), "requires a post-mortem", fmt(b["require_postmortem"])],
            ["incident budget", fmt(b["enabled"]), "requires an action item of priority",
             b["require_action_item_priority"] or "none"]]
    rows += [["post-mortems", fmt(p["enabled"]), f"{sev} published within (hours)", fmt(h)]
             for sev, h in p["within_hours"].items()]
    click.echo(table(["rule", "enabled", "setting", "value"], rows, right=(3,)))
    if doc["exemptions"]:
        click.echo("\nExemptions")
        click.echo(table(["id", "kind", "applies to", "window", "reason"], [
            [e["id"], e["kind"], e["slo"] or e["service"] or "every SLO",
             e["incident"] or f"{_when(e['start'])} - {_when(e['end'])}", e["reason"]] for e in doc["exemptions"]]))


@click.group("audit")
def audit() -> None:
    """Audits across SLOs, alerts, incidents, post-mortems, action items and deployments:
    the error-budget policy, the breach process, and whether SLIs and alerts tell the truth.

    \b
    Example:
      reliability --db rel.duckdb audit policy --month 2026-03
      reliability --db rel.duckdb audit breaches --from 2025-10 --to 2026-10
      reliability --db rel.duckdb audit sli --month 2026-03
    """


@audit.command("policy")
@_range
@click.option("--tz", default="UTC", show_default=True, help="IANA time zone of the months.")
@click.option("--service", default=None, help="Only this service.")
@click.option("--policy", "policy_path", default=None, type=click.Path(dir_okay=False),
              help="Audit against this policy file (default: the stored policy, else the built-in one).")
@click.option("--as-of", default=None, metavar="TIMESTAMP", help="Judge missing post-mortems at this time (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def audit_policy(ctx, month, first, last, tz, service, policy_path, as_of, as_json) -> None:
    """Every violation of the error-budget policy, with its evidence.

    Deployments during a release freeze (a gating SLO's trailing budget spent; fixes and
    exempted windows allowed), incidents that spent more than the policy's share of a month's
    budget without a post-mortem or a P0 action item, and post-mortems published late or not
    at all. Deployments and incidents count in the range by deployed_at and detected_at.

    \b
    Example:
      reliability --db rel.duckdb audit policy --month 2026-03
      reliability --db rel.duckdb audit policy --from 2026-01 --to 2026-06 --policy policy.yaml --json
    """
    from reliability import store
    from reliability.audits import policies, scope
    from reliability.audits import policy as audit_mod

    sc = scope.scope(month, first, last, tz)
    when = scope.as_of(as_of)
    with store.connect(ctx.obj["db"], read_only=True) as con:
        doc = audit_mod.audit(con, policies.in_force(con, policy_path), sc, when, service)
    if as_json:
        emit_json(doc)
        return
    print_policy(doc)


def print_policy(doc: dict) -> None:
    s, pol = doc["summary"], doc["policy"]
    click.echo(f"Error-budget policy audit, {doc['from'] if doc['from'] == doc['to'] else doc['from'] + ' to ' + doc['to']}"
               f" ({doc['time_zone']}), policy {pol['name']!r} ({pol['source']}), as of {_when(doc['as_of'])}")
    click.echo(f"{count_of(s['violations'], 'violation')}: {count_of(s['release_freeze'], 'deployment')} during a freeze, "
               f"{count_of(s['incident_budget'], 'incident')} over the budget share, "
               f"{count_of(s['postmortem'], 'post-mortem')} late or missing")
    for w in doc["warnings"]:
        click.echo(f"warning: {w}", err=True)
    if doc["violations"]:
        click.echo(table(["rule", "subject", "service", "at", "slo", "detail"],
                         [[v["rule"], v["subject"], v["service"], _when(v["at"]), v["slo"] or "-", v["detail"]]
                          for v in doc["violations"]]))
    rf = doc["release_freeze"]
    if rf["freezes"]:
        click.echo(f"\nFreezes in force (trailing {rf['trailing_window']} budget spent)")
        click.echo(table(["slo", "service", "from", "until"],
                         [[f["slo"], f["service"], _when(f["start"]) if f["start"] else "(earlier)",
                           _when(f["end"]) if f["end"] else "(still)"] for f in rf["freezes"]]))
    others = [j for j in rf["judged"] if j["verdict"] not in ("violation", "allowed")]
    if others:
        click.echo("\nOther deployments during a freeze or without a verdict")
        click.echo(table(["deployment", "service", "deployed", "verdict", "why"],
                         [[j["id"], j["service"], _when(j["deployed_at"]), j["verdict"], _why(j)] for j in others]))
    used = [e for e in rf["exemptions"] if e["lifted_deployments"]]
    if used:
        click.echo("\nExemptions applied")
        click.echo(table(["exemption", "kind", "lifted the freeze for", "reason"],
                         [[e["id"], e["kind"], ", ".join(e["lifted_deployments"]), e["reason"]] for e in used]))
    over = doc["incident_budget"].get("over", [])
    if over:
        click.echo(f"\nIncidents over {percent(doc['incident_budget']['max_share'], 0)} of a month's budget")
        priority = doc["incident_budget"]["require_action_item_priority"] or "required"
        click.echo(table(["incident", "severity", "budget spent", "post-mortem", f"{priority} item", "status"],
                         [[i["id"], i["severity"], percent(i["budget_spent"]),
                           _when(i["postmortem_published_at"]) if i["postmortem_published_at"] else "none",
                           fmt(bool(i["required_items"])), i["status"]] for i in over], right=(2,)))


@audit.command("breaches")
@_range
@click.option("--slo", "slo_name", metavar="NAME", help="Only this SLO.")
@click.option("--tier", "tiers", multiple=True, metavar="BELOW=CREDIT",
              help="A credit tier in percent, e.g. 99.9=10 (repeatable; replaces the defaults, as in `credits`).")
@click.option("--sla-target", metavar="PERCENT", help="The SLA the tiers describe (default: the highest tier).")
@click.option("--min-coverage", type=float, default=0.9, show_default=True, metavar="RATIO",
              help="Coverage below which a month is insufficient data: never a breach.")
@click.option("--as-of", default=None, metavar="TIMESTAMP", help="Post-mortems published by this time count (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def audit_breaches(ctx, month, first, last, slo_name, tiers, sla_target, min_coverage, as_of, as_json) -> None:
    """The breach process, audited for every breached SLO-month and every contractual breach
    (customer contracts): a SEV-1/SEV-2 incident declared, its root cause, a post-mortem (with
    the customer if contractual), credits computed, an action plan with owners and due dates.
    Each step done, missing or not applicable, with the evidence that decides.

    Months are calendar months in each SLO's time zone; a month with insufficient data is
    never a breach.

    \b
    Example:
      reliability --db rel.duckdb audit breaches --from 2025-10 --to 2026-10
      reliability --db rel.duckdb audit breaches --month 2026-03 --json
    """
    from reliability import store
    from reliability.api import rows as api
    from reliability.audits import breaches, scope

    sc = scope.scope(month, first, last)
    api.check_min_coverage(min_coverage)
    parsed = tuple(api.parse_tier(t) for t in tiers) or api.default_tiers()
    minimum = api.sla_target(parsed, api.parse_sla_target(sla_target) if sla_target else None)
    when = scope.as_of(as_of)
    with store.connect(ctx.obj["db"], read_only=True) as con:
        if slo_name is not None:
            _known_slo(con, slo_name)
        doc = breaches.audit(con, sc, when, slo_name, parsed, minimum, min_coverage)
    if as_json:
        emit_json(doc)
        return
    print_breaches(doc)


def _known_slo(con, name: str) -> None:
    from reliability import slos
    from reliability.errors import BadInput

    if not slos.load(con, name):
        raise BadInput(f"no SLO named {name!r} (see `reliability slo list`)", field="--slo")


STEP_LABELS = {"incident_declared": "incident", "root_cause": "root cause", "postmortem": "post-mortem",
               "customer_postmortem": "with customer", "credits": "credits", "action_plan": "action plan"}
MARKS = {"done": "done", "missing": "MISSING", "not_applicable": "n/a"}


def print_breaches(doc: dict) -> None:
    s = doc["summary"]
    span = doc["from"] if doc["from"] == doc["to"] else f"{doc['from']} to {doc['to']}"
    click.echo(f"Breach process, {span}: {count_of(s['breaches'], 'breached SLO-month')}, {s['complete']} complete, "
               f"{s['incomplete']} with steps missing ({count_of(s['insufficient_data'], 'SLO-month')} with insufficient data: "
               "not judged)")
    if doc["breaches"]:
        click.echo(table(["slo", "month", "attainment", *STEP_LABELS.values()],
                         [[b["slo"], b["month"], percent(b["attainment"], 4),
                           *[MARKS[b["steps"][k]["status"]] for k in STEP_LABELS]] for b in doc["breaches"]],
                         right=(2,)))
        click.echo("\nEvidence")
        click.echo(table(["slo", "month", "step", "status", "evidence"],
                         [[b["slo"], b["month"], STEP_LABELS[k], MARKS[st["status"]], st["evidence"]]
                          for b in doc["breaches"] for k, st in b["steps"].items()]))
    _print_contractual(doc["contractual"])


def _print_contractual(part: dict) -> None:
    """The contractual breaches (customer contracts' months), the same steps as SLO breaches."""
    s = part["summary"]
    click.echo(f"\nContractual breaches (customer contracts): {s['breaches']}, {s['complete']} complete, {s['incomplete']} with steps missing")
    if not part["breaches"]:
        return
    click.echo(table(["contract", "customer", "month", "slo", "attainment", "sla level", *STEP_LABELS.values()],
                     [[b["contract"], b["customer"], b["month"], b["slo"], percent(b["attainment"], 4),
                       percent(b["sla_level"], 4), *[MARKS[b["steps"][k]["status"]] for k in STEP_LABELS]]
                      for b in part["breaches"]], right=(4, 5)))
    click.echo("\nEvidence")
    click.echo(table(["contract", "month", "step", "status", "evidence"],
                     [[b["contract"], b["month"], STEP_LABELS[k], MARKS[st["status"]], st["evidence"]]
                      for b in part["breaches"] for k, st in b["steps"].items()]))


@audit.command("sli")
@_range
@click.option("--tz", default="UTC", show_default=True, help="IANA time zone of the months.")
@click.option("--slo", "slo_name", metavar="NAME", help="Only this SLO.")
@click.option("--blind-burn-rate", type=float, default=1.0, show_default=True, metavar="RATE",
              help="An incident whose impact window burned at most this rate is a blind spot (0: nothing at all).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def audit_sli(ctx, month, first, last, tz, slo_name, blind_burn_rate, as_json) -> None:
    """Do the SLIs and alerts tell the truth? Per SLO over the range: blind spots (incidents
    whose impact window burned no budget), silent burns (alert episodes of the replay that
    overlap no incident), precision and recall of pages and tickets against incidents, the
    page delay, and the detection delay of incidents detected by other means.

    \b
    Example:
      reliability --db rel.duckdb audit sli --from 2025-10 --to 2026-10
      reliability --db rel.duckdb audit sli --month 2026-03 --slo search-availability --json
    """
    from reliability import store
    from reliability.audits import scope
    from reliability.audits import sli as audit_mod
    from reliability.errors import BadInput

    sc = scope.scope(month, first, last, tz)
    if not blind_burn_rate >= 0:
        raise BadInput(f"expected a burn rate of 0 or more, got {blind_burn_rate:g}", field="--blind-burn-rate")
    with store.connect(ctx.obj["db"], read_only=True) as con:
        if slo_name is not None:
            _known_slo(con, slo_name)
        doc = audit_mod.audit(con, sc, slo_name, blind_burn_rate)
    if as_json:
        emit_json(doc)
        return
    print_sli(doc)


def print_sli(doc: dict) -> None:
    s = doc["summary"]
    span = doc["from"] if doc["from"] == doc["to"] else f"{doc['from']} to {doc['to']}"
    click.echo(f"SLI and alert audit, {span} ({doc['time_zone']}): {count_of(s['blind_spots'], 'blind spot')} "
               f"({count_of(s['incidents_no_slo_saw'], 'incident')} no SLO saw, {s['incidents_without_slo']} of services "
               f"without an SLO), {count_of(s['silent_burns'], 'silent burn')} "
               f"({count_of(s['silent_pages'], 'page')}), {count_of(s['detected_by_other_means'], 'incident')} detected by other means")
    if s["insufficient_data"]:
        click.echo(f"warning: {s['insufficient_data']} SLOs have data for less than 90% of the range: few alerts "
                   "and no silent burn mean little there (coverage column)", err=True)
    click.echo(table(
        ["slo", "coverage", "incidents", "blind", "silent", "pages", "page precision", "page recall", "median page delay",
         "other means", "median detection delay"],
        [[x["slo"], percent(x["data_coverage"]), x["incidents"], x["summary"]["blind_spots"], x["summary"]["silent_burns"],
          x["alerts"]["page"]["episodes"],
          percent(x["alerts"]["page"]["precision"]), percent(x["alerts"]["page"]["recall"]),
          duration(x["page_delay_minutes"]["median"]), x["summary"]["detected_by_other_means"],
          duration(x["detection_delay_minutes"]["median"])] for x in doc["slos"]],
        right=(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)))
    blind = [(x["slo"], b) for x in doc["slos"] for b in x["blind_spots"]]
    if blind:
        click.echo(f"\nBlind spots (impact window burn rate at most {fmt(doc['blind_burn_rate'])})")
        click.echo(table(["slo", "incident", "severity", "impact", "burn rate", "coverage"],
                         [[slo, b["id"], b["severity"], f"{_when(b['impact_start'])} - {_when(b['impact_end'])}",
                           fmt(b["burn_rate"], 3), percent(b["data_coverage"])] for slo, b in blind], right=(4, 5)))
    silent = [(x["slo"], e) for x in doc["slos"] for e in x["silent_burns"]]
    if silent:
        click.echo("\nSilent burns (alert episodes with no incident)")
        click.echo(table(["slo", "severity", "start", "end", "duration", "peak burn rate"],
                         [[slo, e["severity"], _when(e["start"]), _when(e["end"]), duration(e["duration_minutes"]),
                           fmt(e["peak_burn_rate"], 2)] for slo, e in silent], right=(4, 5)))


@click.command("backtest")
@click.option("--slo", "slo_name", required=True, metavar="NAME", help="The SLO.")
@_range
@click.option("--tz", default="UTC", show_default=True, help="IANA time zone of the months.")
@click.option("--target", default=None, metavar="PERCENT", help="Another target, in percent (e.g. 99.5).")
@click.option("--window", "windows", multiple=True, metavar="SEV:LONG/SHORT:FACTOR",
              help="Alert windows to replay instead of the workbook's, e.g. page:1h/5m:14.4 (repeatable).")
@click.option("--incident", default=None, metavar="ID", help="Show whether each variant paged for this incident.")
@click.option("--min-coverage", type=float, default=0.9, show_default=True, metavar="RATIO",
              help="Coverage below which a month is insufficient data.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def backtest(ctx, slo_name, month, first, last, tz, target, windows, incident, min_coverage, as_json) -> None:
    """Score another target or other alert windows on the same history as the current ones:
    pages, tickets, incidents missed, median page delay and each month's SLA status; and the
    highest target met in every month with enough data.

    \b
    Example:
      reliability --db rel.duckdb backtest --slo search-availability --from 2025-10 --to 2026-10 --target 99.5
      reliability --db rel.duckdb backtest --slo search-availability --month 2026-03 --incident INC-0074 \\
          --window page:1h/5m:10 --window page:6h/30m:6 --window ticket:1d/2h:3 --json
    """
    from reliability import store
    from reliability.api.rows import check_min_coverage
    from reliability.audits import backtest as audit_mod
    from reliability.audits import scope

    sc = scope.scope(month, first, last, tz)
    check_min_coverage(min_coverage)
    goal = audit_mod.parse_target(target) if target is not None else None
    parsed = [audit_mod.parse_window(w) for w in windows] or None
    with store.connect(ctx.obj["db"], read_only=True) as con:
        doc = audit_mod.backtest(con, slo_name, sc, goal, parsed, incident, min_coverage)
    if as_json:
        emit_json(doc)
        return
    print_backtest(doc)


def print_backtest(doc: dict) -> None:
    span = doc["from"] if doc["from"] == doc["to"] else f"{doc['from']} to {doc['to']}"
    click.echo(f"Backtest of {doc['slo']}, {span}: the highest target met in every month with enough data is "
               f"{percent(doc['highest_target_met_every_month'], 4)} ({doc['months_judged']} months)")
    vs = doc["variants"]
    click.echo(table(["variant", "target", "alert windows", "pages", "tickets", "incidents", "missed",
                      "median page delay", "months met", "breached", "insufficient"],
                     [[v["name"], percent(v["target"], 4),
                       ", ".join(f"{w['severity']} {_dur(w['long_window_minutes'])}/{_dur(w['short_window_minutes'])}"
                                 f" x{fmt(w['factor'], 2)}" for w in v["alert_windows"]),
                       v["pages"], v["tickets"], v["incidents"], v["incidents_missed"],
                       duration(v["median_page_delay_minutes"]), v["months_met"], v["months_breached"],
                       v["months_insufficient_data"]] for v in vs], right=(1, 3, 4, 5, 6, 7, 8, 9, 10)))
    click.echo("\nBudget status per month")
    click.echo(table(["month", *[f"{v['name']} status" for v in vs], *[f"{v['name']} budget left" for v in vs]],
                     [[m["month"], *[v["months"][i]["status"] for v in vs],
                       *[percent(v["months"][i]["error_budget_remaining"]) for v in vs]]
                      for i, m in enumerate(vs[0]["months"])]))
    if doc["incident"]:
        click.echo(f"\n{doc['incident']}")
        click.echo(table(["variant", "paged", "first page", "page delay", "ticketed"],
                         [[v["name"], fmt(v["incident"]["paged"]), _when(v["incident"]["first_page_at"]),
                           duration(v["incident"]["page_delay_minutes"]), fmt(v["incident"]["ticketed"])] for v in vs],
                         right=(3,)))


def _dur(minutes: float) -> str:
    if minutes % 1440 == 0:
        return f"{int(minutes // 1440)}d"
    if minutes % 60 == 0:
        return f"{int(minutes // 60)}h"
    return f"{fmt(minutes)}m"


def _why(j: dict) -> str:
    if j["verdict"] == "fix_during_freeze":
        return f"a fix: {j['description']}"
    if j["verdict"] == "exempted":
        return "freeze lifted by " + ", ".join(sorted({e for c in j["slos"] for e in c["exempted_by"]}))
    low = [c for c in j["slos"] if c["status"] == "insufficient_data"]
    return "trailing data coverage " + ", ".join(f"{c['slo']} {percent(c['data_coverage'])}" for c in low)


COMMANDS = [policy, audit, backtest]
