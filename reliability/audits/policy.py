"""``audit policy``: every violation of the error-budget policy over a range, with its evidence.

Three rules (:mod:`reliability.audits.policy_file` reads them; docs/audits.md defines them):

1. **Release freeze.** A deployment (``deployed_at`` in the range) is judged against the
   trailing budget (:mod:`reliability.audits.trailing`) of each gating SLO of its service at
   ``deployed_at``. Verdicts: ``violation`` (a budget exhausted, not a fix), ``fix_during_freeze``
   (exhausted, but the description matches ``fixPattern``: allowed), ``exempted`` (exhausted
   only without the exemptions: they lifted the freeze), ``undetermined`` (nothing exhausted,
   but an SLO's trailing window has data below ``minCoverage``: no verdict either way), or
   ``allowed`` (counted, not listed).
2. **Incident budget.** An incident detected in the range whose impact spends strictly more
   than ``maxShare`` of a month's budget of an SLO of its service (``impact``'s
   ``budget_spent``, exact) needs a published post-mortem and at least one action item of the
   required priority: ``compliant``, ``violation`` (what is missing), or ``pending`` (missing,
   but its post-mortem deadline — resolution + the policy's hours for its severity, 48 h when
   it names none — is after ``as_of``).
3. **Post-mortems** within the policy's hours of resolution, per severity: ``compliance``'s
   computation (:func:`reliability.incidents.postmortems.postmortems`), ``late`` and
   ``missing`` are violations.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import duckdb

from reliability import periods, slos, store
from reliability.analysis import impact, segments, sla, timeline
from reliability.incidents import postmortems
from reliability.audits import scope, trailing
from reliability.analysis.instances import expand
from reliability.audits.policy_file import Policy
from reliability.audits.scope import Scope
from reliability.units import percent


def _f(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _exact(value: float) -> Fraction:
    return Fraction(Decimal(repr(value)))


def _exemption_windows(con, policy: Policy, end: datetime, warnings: list) -> list[tuple]:
    """(exemption, start, end) with incident exemptions resolved to their impact windows."""
    out = []
    for ex in policy.exemptions:
        if ex.incident is None:
            out.append((ex, ex.start, ex.end))
            continue
        rows = store.rows(con, "audits.incident_window", {"id": ex.incident})
        if not rows:
            warnings.append(f"exemption {ex.id}: no incident {ex.incident}; it exempts nothing")
            continue
        row = rows[0]
        out.append((ex, row["window_start"], row["window_end"] or end))
    return out


def _gating(policy: Policy, all_slos: list, service: str) -> list:
    """The SLOs of ``service`` whose trailing budget gates its releases."""
    named = policy.freeze.slos
    return [s for s in all_slos if s.service == service
            and (named is None or s.name in named or scope.base_name(s) in named)]


def release_freeze(con: duckdb.DuckDBPyConnection, policy: Policy, sc: Scope, service: str | None,
                   warnings: list) -> dict:
    """Rule 1 over the scope: the deployments judged, the non-allowed ones with evidence, the
    freezes in force, and what each exemption lifted."""
    freeze = policy.freeze
    deploys = store.rows(con, "audits.deployments_between", {"start": sc.start, "end": sc.end, "service": service})
    # A per-instance SLO (grouping labels: one budget per customer) gates releases only when
    # `slos` names it: one customer's budget does not freeze a whole service by default, and an
    # instance onboarded mid-range must not make every earlier deployment undetermined.
    defined = slos.load(con)
    named = set(freeze.slos or ())
    grouped = [s for s in defined if s.group_by and s.name in named]
    all_slos = [s for s in defined if not s.group_by] + (
        expand(con, grouped, sc.start - trailing.lead(freeze.trailing_seconds), sc.end) if grouped else [])
    if freeze.slos is not None:
        unknown = sorted(set(freeze.slos) - {s.name for s in defined})
        if unknown:
            warnings.append(f"spec.releaseFreeze.slos names unknown SLOs: {', '.join(unknown)}")
    windows = _exemption_windows(con, policy, sc.end, warnings)
    per_deploy: dict[str, list[dict]] = {d["id"]: [] for d in deploys}
    freezes: list[dict] = []
    lifted: dict[str, set[str]] = {ex.id: set() for ex, _, _ in windows}
    # Every service with an SLO (or the one asked for): a freeze is listed even when nothing shipped in it.
    services = [service] if service else sorted({s.service for s in all_slos})
    if freeze.enabled:
        # Each boundary (a deployment: its deployed_at) is judged by the definition in force
        # then (`slo apply --effective-from`), not the one in force now.
        gating = [s for svc in services for s in _gating(policy, all_slos, svc)]
        histories = segments.histories_of(con, gating)
        sources = slos.datasources(con) if histories else {}
        for svc in services:
            for slo in _gating(policy, all_slos, svc):
                mine = [(ex.id, a, b) for ex, a, b in windows if ex.covers(slo)]
                pieces = trailing.versioned(con, slo, histories.get(slo.name), sources,
                                            sc.start - trailing.lead(freeze.trailing_seconds), sc.end,
                                            freeze.trailing_seconds, mine)
                runs = trailing.runs(pieces)
                for a, z in runs:
                    if z is None or z > sc.start:
                        freezes.append({"slo": slo.name, "service": svc, "start": a, "end": z})
                for d in deploys:
                    if d["service"] != svc:
                        continue
                    piece = trailing.at(pieces, d["deployed_at"])
                    tr = piece.tr
                    tl = tr.tl
                    b = tr.boundary(d["deployed_at"])
                    got, plain = tr.numbers(b), tr.numbers(b, exempted=False)
                    when = tl.time(b)
                    run = next(((a, z) for a, z in runs
                                if (a is None or a <= when) and (z is None or when < z)), None)
                    status = ("insufficient_data" if got["data_coverage"] < Fraction(Decimal(repr(freeze.min_coverage)))
                              else "exhausted" if got["exhausted"] else "ok")
                    exempted = status == "ok" and plain["exhausted"]
                    if exempted:
                        for ident in tr.exempted_at(b):
                            lifted[ident].add(d["id"])
                    per_deploy[d["id"]].append({
                        "slo": slo.name, "status": status,
                        "slo_version": None if piece.version is None else piece.version.version,
                        "target": float(tl.target),
                        "window_start": tl.time(b - tr.n), "window_end": when,
                        "bad": float(got["bad"]), "allowed_bad": float(got["allowed_bad"]),
                        "remaining": _f(got["remaining"]), "remaining_without_exemptions": _f(plain["remaining"]),
                        "data_coverage": float(got["data_coverage"]),
                        "exempted_by": tr.exempted_at(b) if exempted else [],
                        "frozen_since": None if run is None or not got["exhausted"] else run[0],
                    })
    judged = []
    for d in deploys if freeze.enabled else ():  # a rule switched off judges nothing
        checks = per_deploy[d["id"]]
        statuses = {c["status"] for c in checks}
        is_fix = freeze.is_fix(d["description"])
        if "exhausted" in statuses:
            verdict = "fix_during_freeze" if is_fix else "violation"
        elif any(c["exempted_by"] for c in checks):
            verdict = "exempted"
        elif "insufficient_data" in statuses:
            verdict = "undetermined"
        else:
            verdict = "allowed"
        judged.append({"id": d["id"], "service": d["service"], "deployed_at": d["deployed_at"],
                       "version": d["version"], "description": d["description"], "rolled_back": d["rolled_back"],
                       "is_fix": is_fix, "verdict": verdict, "slos": checks})
    counts = {v: sum(j["verdict"] == v for j in judged)
              for v in ("violation", "fix_during_freeze", "exempted", "undetermined", "allowed")}
    return {"enabled": freeze.enabled, "trailing_window": freeze.trailing_window, "deployments": len(deploys),
            **counts, "freezes": freezes, "judged": judged,
            "exemptions": [{**ex.as_json(), "window_start": a, "window_end": b,
                            "lifted_deployments": sorted(lifted[ex.id])} for ex, a, b in windows]}


def _items(con, ids: list[str]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {i: [] for i in ids}
    if ids:
        for r in store.rows(con, "audits.action_items_of", {"ids": ids}):
            out[r["incident_id"]].append(r)
    return out


def incident_budget(con: duckdb.DuckDBPyConnection, policy: Policy, sc: Scope, service: str | None,
                    as_of: datetime) -> dict:
    """Rule 2 over the incidents detected in the scope (see the module docstring)."""
    rule = policy.incident_budget
    if not rule.enabled:
        return {"enabled": False, "max_share": float(rule.max_share), "incidents": 0, "over": []}
    rows = store.rows(con, "audits.incidents_detected", {"start": sc.start, "end": sc.end, "service": service})
    by_service: dict[str, list] = {}
    for s in slos.load(con):
        by_service.setdefault(s.service, []).append(s)
    months: dict[str, dict] = {}

    def row_of(slo):
        def month_row(month: str):
            if month not in months:  # every SLO's month at once: one query, not one per incident
                months[month] = {}
                for r in sla.compute(con, month):
                    months[month].setdefault(r.slo, r)  # rows come in objective order
            if slo.name not in months[month]:  # an instance with rows in the window but not the month's
                found = sla.compute_periods(con, lambda s: periods.month(month, sla.slo_zone(s)), selected=[slo])
                months[month][slo.name] = found[0] if found else None  # None: not in force that month
            return months[month][slo.name]
        return month_row

    over = []
    for inc in rows:
        if inc["window_end"] is None:
            continue  # no end: its impact cannot be measured yet
        spent = []
        # Per-instance SLOs: the instances with rows in the window, as `impact` measures them.
        # Each SLO as defined when the impact started, as `impact` measures it.
        defined = segments.in_force_at(con, by_service.get(inc["service"], []), inc["window_start"])
        for slo in expand(con, defined, inc["window_start"], inc["window_end"]):
            got = impact.slo_impact(con, inc, slo, row_of(slo))
            if not got.get("supported") or not got["month_allowed_bad"]:
                continue
            share = _exact(got["bad"]) / _exact(got["month_allowed_bad"])
            if share > rule.max_share:
                spent.append({"slo": slo.name, "month": got["month"], "budget_spent": got["budget_spent"],
                              "bad": got["bad"], "month_allowed_bad": got["month_allowed_bad"]})
        if spent:
            over.append((inc, spent))
    items = _items(con, [inc["id"] for inc, _ in over])
    out = []
    for inc, spent in over:
        published = inc["postmortem_published_at"] is not None and inc["postmortem_published_at"] <= as_of
        wanted = [i for i in items[inc["id"]] if rule.require_priority and i["priority"] == rule.require_priority]
        missing = []
        if rule.require_postmortem and not published:
            missing.append("postmortem")
        if rule.require_priority and not wanted:
            missing.append(f"{rule.require_priority} action item")
        hours = policy.postmortems.hours.get(inc["severity"], 48.0)
        deadline = None if inc["resolved_at"] is None else inc["resolved_at"] + timedelta(hours=hours)
        status = "compliant" if not missing else (
            "pending" if deadline is None or deadline > as_of else "violation")
        out.append({"id": inc["id"], "service": inc["service"], "severity": inc["severity"], "title": inc["title"],
                    "detected_at": inc["detected_at"], "window_start": inc["window_start"],
                    "window_end": inc["window_end"], "slos": spent,
                    "budget_spent": max(s["budget_spent"] for s in spent),
                    "postmortem_published_at": inc["postmortem_published_at"], "postmortem_url": inc["postmortem_url"],
                    "required_items": [{"title": i["title"], "owner": i["owner"], "due": i["due"], "done": i["done"]}
                                       for i in wanted],
                    "deadline": deadline, "missing": missing, "status": status})
    return {"enabled": True, "max_share": float(rule.max_share), "incidents": len(rows),
            "require_postmortem": rule.require_postmortem, "require_action_item_priority": rule.require_priority,
            "over": out}


def postmortem_rule(con: duckdb.DuckDBPyConnection, policy: Policy, sc: Scope, service: str | None,
                    as_of: datetime) -> dict:
    """Rule 3: ``compliance``'s post-mortem computation over the scope with the policy's hours."""
    if not policy.postmortems.enabled:
        return {"enabled": False}
    rows = store.rows(con, "compliance.incidents_between", {"start": sc.start, "end": sc.end, "service": service})
    by_severity = postmortems.postmortems(rows, as_of, dict(policy.postmortems.hours))
    services = {r["id"]: r["service"] for r in rows}
    for p in by_severity.values():
        for item in p["not_compliant"]:
            item["service"] = services[item["id"]]
    return {"enabled": True, "by_severity": by_severity}


def violations(freeze: dict, budget: dict, pm: dict) -> list[dict]:
    """One flat list, oldest first: what the table, the report and the app show."""
    out = []
    for j in freeze["judged"]:
        if j["verdict"] != "violation":
            continue
        worst = min((c for c in j["slos"] if c["status"] == "exhausted"), key=lambda c: c["remaining"])
        out.append({"rule": "release_freeze", "subject": j["id"], "service": j["service"], "at": j["deployed_at"],
                    "slo": worst["slo"], "detail": f"deployed during a freeze: {worst['slo']} had "
                    f"{percent(worst['remaining'])} of its error budget left over the trailing "
                    f"{freeze['trailing_window']}",
                    "evidence": {"deployment": j["id"], "description": j["description"],
                                 "trailing_budget_remaining": worst["remaining"], "bad": worst["bad"],
                                 "allowed_bad": worst["allowed_bad"], "frozen_since": worst["frozen_since"]}})
    for inc in budget.get("over", []):
        if inc["status"] != "violation":
            continue
        top = max(inc["slos"], key=lambda s: s["budget_spent"])
        out.append({"rule": "incident_budget", "subject": inc["id"], "service": inc["service"],
                    "at": inc["detected_at"], "slo": top["slo"],
                    "detail": f"spent {percent(top['budget_spent'])} of {top['month']}'s budget; missing "
                              + " and ".join(inc["missing"]),
                    "evidence": {"budget_spent": top["budget_spent"], "month": top["month"],
                                 "missing": inc["missing"], "postmortem_url": inc["postmortem_url"]}})
    for sev, p in (pm.get("by_severity") or {}).items():
        for item in p["not_compliant"]:
            out.append({"rule": "postmortem", "subject": item["id"], "service": item["service"],
                        "at": item["resolved_at"], "slo": None,
                        "detail": f"{sev} post-mortem {item['status']}"
                                  + (f" ({item['hours_after_resolution']:.1f} h after resolution, "
                                     f"limit {p['within_hours']:g} h)" if item["hours_after_resolution"] is not None
                                     else f" (limit {p['within_hours']:g} h)"),
                        "evidence": {"status": item["status"], "hours_after_resolution": item["hours_after_resolution"],
                                     "within_hours": p["within_hours"], "url": item["url"]}})
    return sorted(out, key=lambda v: (v["at"] is None, v["at"] or datetime.min, v["subject"]))


def audit(con: duckdb.DuckDBPyConnection, policy: Policy, sc: Scope, as_of: datetime,
          service: str | None = None) -> dict:
    """The ``audit policy`` document."""
    warnings: list[str] = []
    freeze = release_freeze(con, policy, sc, service, warnings)
    budget = incident_budget(con, policy, sc, service, as_of)
    pm = postmortem_rule(con, policy, sc, service, as_of)
    found = violations(freeze, budget, pm)
    rules = ("release_freeze", "incident_budget", "postmortem")
    return {
        **sc.as_json(), "as_of": as_of, "service": service, "policy": policy.as_json(),
        "summary": {"violations": len(found), **{r: sum(v["rule"] == r for v in found) for r in rules},
                    "fixes_during_freeze": freeze.get("fix_during_freeze", 0),
                    "exempted_deployments": freeze.get("exempted", 0),
                    "undetermined_deployments": freeze.get("undetermined", 0),
                    "exemptions_applied": sum(bool(e["lifted_deployments"]) for e in freeze["exemptions"])},
        "violations": found,
        "release_freeze": freeze, "incident_budget": budget, "postmortems": pm, "warnings": warnings,
    }
