"""``audit breaches``: the breach process, audited for every breached SLO-month.

A breach is an SLO-month whose ``sla`` status is ``breached`` (calendar month in the SLO's
zone; a month with ``insufficient_data`` is never a breach, nor met). The process (the
playbook's steps), each ``done``, ``missing`` or ``not_applicable`` with the evidence that
decides it:

1. ``incident_declared`` — an incident of SEV-1 or SEV-2 of the SLO's service whose impact
   window (``impact``'s: started_at else detected_at, to mitigated_at else resolved_at; open
   windows run to the month's end) overlaps the month. These are *the breach's incidents*.
2. ``root_cause`` — every one of the breach's incidents has a ``root_cause`` recorded.
3. ``postmortem`` — every one of them has a post-mortem published (at or before ``as_of``).
4. ``customer_postmortem`` — a post-mortem shared with the customer: required for contractual
   breaches only, so ``not_applicable`` for an SLO breach. Contractual breaches (customer
   contracts, ``contracts breaches``) join the document under ``contractual`` with the same
   steps (see :func:`contractual_breaches`).
5. ``credits`` — the credit owed computed (``credits``' rule, :func:`credits.owed`): ``done``
   with the amount; ``not_applicable`` when the SLO's target is below the tiers' SLA target
   (an internal objective owes no credit).
6. ``action_plan`` — the breach's incidents have at least one action item, and every item
   has an owner and a due date.

When no incident was declared, steps 2, 3 and 6 are ``missing`` too (nothing holds them).
A breach is ``complete`` when no step is ``missing``.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

import duckdb

from reliability import store
from reliability.analysis import credits, sla
from reliability.audits.scope import Scope
from reliability.contracts.breaches import action_plan, summary as contract_summary

DECLARING_SEVERITIES = ("SEV-1", "SEV-2")
STEPS = ("incident_declared", "root_cause", "postmortem", "customer_postmortem", "credits", "action_plan")


def _step(status: str, evidence: str, **facts) -> dict:
    return {"status": status, "evidence": evidence, **facts}


def contractual_breaches(con: duckdb.DuckDBPyConnection, sc: Scope, as_of: datetime, slo_name: str | None = None,
                         min_coverage: float = sla.DEFAULT_MIN_COVERAGE) -> list[dict]:
    """The contractual breaches of the scope's months (each contract's months, in its zone),
    from the stored customer contracts: :func:`reliability.contracts.breaches.contractual_breaches`,
    the same steps as an SLO breach with ``customer_postmortem`` applying (a post-mortem shared
    with the customer) and ``credits`` read from the contract's terms. ``slo_name``: only the
    breaches in which that SLO is one of the breached ones."""
    from reliability.contracts import breaches as contract_breaches

    found = contract_breaches.contractual_breaches(con, sc.months(), as_of, min_coverage=min_coverage)
    if slo_name is not None:
        found = [b for b in found if any(e["slo"] == slo_name for e in b["slos"])]
    return found


def _incidents_step(found: list[dict]) -> dict:
    declared = [i for i in found if i["severity"] in DECLARING_SEVERITIES]
    if declared:
        return _step("done", "declared: " + ", ".join(f"{i['id']} ({i['severity']})" for i in declared),
                     incidents=[i["id"] for i in declared])
    others = ", ".join(f"{i['id']} ({i['severity']})" for i in found)
    return _step("missing", "no SEV-1 or SEV-2 incident overlaps the month"
                 + (f"; only {others}" if others else "; no incident at all"), incidents=[])


def _each(declared: list[dict], has, what: str, missing_what: str) -> dict:
    if not declared:
        return _step("missing", f"no declared incident to hold {what}")
    lacking = [i["id"] for i in declared if not has(i)]
    if lacking:
        return _step("missing", f"{missing_what}: {', '.join(lacking)}", lacking=lacking)
    return _step("done", f"{what} recorded for " + ", ".join(i["id"] for i in declared), lacking=[])


def _credits_step(row: sla.SlaRow, tiers, minimum: Fraction | None) -> dict:
    owed = credits.owed(row, tiers, minimum)
    if not owed["covered"]:
        bound = float(credits.sla_target(tiers, minimum))
        return _step("not_applicable", f"target {row.target:.4%} is below the SLA tiers' {bound:.4%}: no credit is owed",
                     **owed)
    if owed["credit_percent"] is None:
        return _step("missing", "the credit cannot be computed (insufficient data)", **owed)
    return _step("done", f"credit {owed['credit_percent']:g} % of the monthly fee (attainment {row.attainment:.4%})",
                 **owed)


def _plan_step(declared: list[dict], items: dict[str, list[dict]]) -> dict:
    return action_plan(declared, [i for d in declared for i in items.get(d["id"], [])], _step)


def audit_breach(con: duckdb.DuckDBPyConnection, row: sla.SlaRow, month: str, as_of: datetime, tiers=credits.DEFAULT_TIERS,
                 minimum: Fraction | None = None) -> dict:
    """The process steps of one breached SLO-month (``row``: its ``sla`` row for ``month``)."""
    found = store.rows(con, "audits.incidents_overlapping",
                       {"service": row.service, "start": row.period_start, "end": row.period_end})
    declared_step = _incidents_step(found)
    declared = [i for i in found if i["id"] in declared_step["incidents"]]
    ids = [i["id"] for i in declared]
    items: dict[str, list[dict]] = {}
    if ids:
        for it in store.rows(con, "audits.action_items_of", {"ids": ids}):
            items.setdefault(it["incident_id"], []).append(it)
    published = lambda i: i["postmortem_published_at"] is not None and i["postmortem_published_at"] <= as_of  # noqa: E731
    steps = {
        "incident_declared": declared_step,
        "root_cause": _each(declared, lambda i: bool((i["root_cause"] or "").strip()), "a root cause",
                            "no root cause recorded"),
        "postmortem": _each(declared, published, "a published post-mortem", "no post-mortem published"),
        "customer_postmortem": _step("not_applicable", "an SLO breach: a post-mortem with the customer is "
                                     "required for contractual breaches only"),
        "credits": _credits_step(row, tiers, minimum),
        "action_plan": _plan_step(declared, items),
    }
    missing = [name for name in STEPS if steps[name]["status"] == "missing"]
    return {"kind": "slo", "slo": row.slo, "service": row.service, "objective": row.objective,
            "month": month, "period_start": row.period_start, "period_end": row.period_end,
            "target": row.target, "attainment": row.attainment, "error_budget_remaining": row.error_budget_remaining,
            "incidents": [{"id": i["id"], "severity": i["severity"], "title": i["title"],
                           "window_start": i["window_start"], "window_end": i["window_end"]} for i in found],
            "steps": steps, "missing": missing, "complete": not missing}


def audit(con: duckdb.DuckDBPyConnection, sc: Scope, as_of: datetime, slo_name: str | None = None,
          tiers=credits.DEFAULT_TIERS, minimum: Fraction | None = None,
          min_coverage: float = sla.DEFAULT_MIN_COVERAGE) -> dict:
    """The ``audit breaches`` document: every breached SLO-month of the scope's months (each in
    its SLO's zone) with its steps, and how many months had too little data to judge."""
    breaches, insufficient = [], []
    for month in sc.months():
        for row in sla.compute(con, month, slo_name, min_coverage=min_coverage):
            if row.status == "breached":
                breaches.append(audit_breach(con, row, month, as_of, tiers, minimum))
            elif row.status == "insufficient_data":
                insufficient.append({"slo": row.slo, "month": month, "data_coverage": row.data_coverage})
    contractual = contractual_breaches(con, sc, as_of, slo_name, min_coverage)
    return {
        "from": sc.first, "to": sc.last, "as_of": as_of, "min_coverage": min_coverage,
        "tiers": [t.as_json() for t in tiers], "sla_target": float(credits.sla_target(tiers, minimum)),
        "summary": {"breaches": len(breaches), "complete": sum(b["complete"] for b in breaches),
                    "incomplete": sum(not b["complete"] for b in breaches),
                    **{f"missing_{s}": sum(s in b["missing"] for b in breaches) for s in STEPS},
                    "insufficient_data": len(insufficient)},
        "breaches": breaches,
        "contractual": {"supported": True, "summary": contract_summary(contractual), "breaches": contractual},
        "insufficient_data": insufficient,
    }
