"""The breach process of each contractual breach, step by step, with its evidence.

A **contractual breach** is a contract-month (:mod:`reliability.contracts.month`) in which a
covered SLO with enough data has an attainment strictly below the contract's SLA level (its
highest tier bound): a credit is owed for it. A month with insufficient data is never a breach
(nor met). The process (the playbook's: "incident declared, root cause analysis, post-mortem
with the customer if contractual, service credits, action plan"), each step ``done``,
``missing`` or ``not_applicable`` with the evidence that decides it:

1. ``incident_declared`` — a SEV-1 or SEV-2 incident that hit the customer (:func:`hit`) in the
   contract's period. These are *the breach's incidents*.
2. ``root_cause`` — every one of them has a ``root_cause`` recorded.
3. ``postmortem`` — every one of them has a post-mortem published at or before ``as_of``.
4. ``customer_postmortem`` — the post-mortem was shared with the customer: a timeline entry of
   kind ``customer-postmortem`` (``ingest updates``) on one of the breach's incidents, at or
   before ``as_of``, whose text names the customer (its id or name, any case).
5. ``credits`` — the credit is known (``done`` with percent and amount); ``missing`` when it
   cannot be computed (another covered SLO has insufficient data).
6. ``action_plan`` — the breach's incidents have at least one action item, each with an owner
   and a due date.

With no declared incident, steps 2-4 and 6 are ``missing`` too (nothing holds them). A breach
is ``complete`` when no step is ``missing``.

The interface other audits call is :func:`contractual_breaches` (months, ``as_of``): a list of
breach documents shaped like SLO breaches (``kind: "contract"``, the same step names).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import duckdb

from reliability import store
from reliability.contracts import money, month as contract_month
from reliability.contracts.model import Contract
from reliability.contracts.risk import room_left

DECLARING_SEVERITIES = ("SEV-1", "SEV-2")
STEPS = ("incident_declared", "root_cause", "postmortem", "customer_postmortem", "credits", "action_plan")
CUSTOMER_TAG = "customer:"  # an incident tagged customer:<id> hit only the customers it names
SHARED_KIND = "customer-postmortem"


def hit(incident: dict, contract: Contract) -> bool:
    """Whether an incident of a covered service hit the contract's customer: yes unless its
    tags name customers (``customer:<id>``) and this one is not among them."""
    named = [t[len(CUSTOMER_TAG):].strip().casefold() for t in incident.get("tags") or ()
             if t.lower().startswith(CUSTOMER_TAG)]
    return not named or contract.customer.casefold() in named


def customer_incidents(con: duckdb.DuckDBPyConnection, contract: Contract, doc: dict) -> list[dict]:
    """The incidents that hit the customer in the contract-month ``doc``: of a covered SLO's
    service, impact window overlapping the SLA period (``[start, end)`` overlap; an open window
    runs on), kept by :func:`hit`."""
    services = sorted({e["service"] for e in doc["slos"]})
    if not services:
        return []
    found = store.rows(con, "contracts.incidents_overlapping",
                       {"services": services, "start": doc["period_start"], "end": doc["period_end"]})
    return [i for i in found if hit(i, contract)]


# The facts a step may carry; every step has every key (None when it does not apply), so the
# steps read as one table.
FACTS = ("incidents", "lacking", "shared", "credit_percent", "amount", "currency", "items", "without_owner",
         "without_due")


def _step(status: str, evidence: str, **facts) -> dict:
    return {"status": status, "evidence": evidence, **dict.fromkeys(FACTS), **facts}


def _each(declared: list[dict], has, what: str, lacking_what: str) -> dict:
    if not declared:
        return _step("missing", f"no declared incident to hold {what}")
    lacking = [i["id"] for i in declared if not has(i)]
    if lacking:
        return _step("missing", f"{lacking_what}: {', '.join(lacking)}", lacking=lacking)
    return _step("done", f"{what} recorded for " + ", ".join(i["id"] for i in declared), lacking=[])


def _shared(declared: list[dict], updates: list[dict], contract: Contract, as_of: datetime) -> dict:
    if not declared:
        return _step("missing", "no declared incident whose post-mortem could be shared")
    # The customer's id or name as a whole word: "acme" is not named by "acme-labs".
    words = {contract.customer, contract.customer_name}
    names = re.compile("|".join(rf"(?<![\w-]){re.escape(n)}(?![\w-])" for n in words), re.IGNORECASE)
    shared = [u for u in updates if (u["kind"] or "").lower() == SHARED_KIND and u["at"] <= as_of
              and names.search(u["body"] or "")]
    if not shared:
        return _step("missing", f"no '{SHARED_KIND}' timeline entry naming {contract.customer} on "
                     + ", ".join(i["id"] for i in declared), shared=[])
    return _step("done", "shared: " + ", ".join(f"{u['incident_id']} at {u['at']:%Y-%m-%d %H:%M}Z" for u in shared),
                 shared=[{"incident": u["incident_id"], "at": u["at"], "text": u["body"]} for u in shared])


def _credits(doc: dict) -> dict:
    if doc["credit_percent"] is None:
        return _step("missing", "the credit cannot be computed: " + "; ".join(
            [f"insufficient data on {e['slo']}" for e in doc["slos"] if e["credit_percent"] is None]
            + doc["unmeasured"]), credit_percent=None, amount=None)
    return _step("done", f"credit {doc['credit_percent']:g} % = {money.text(doc['amount'], doc['currency'])}",
                 credit_percent=doc["credit_percent"], amount=doc["amount"], currency=doc["currency"])


def action_plan(declared: list[dict], items: list[dict], step=_step) -> dict:
    """The breach process's action-plan step: every action item of the declared incidents has an
    owner and a due date. ``step`` builds the step's document (the SLO-breach audit passes its own,
    which has no contract facts)."""
    if not declared:
        return step("missing", "no declared incident to hold an action plan", items=0)
    if not items:
        return step("missing", "no action items on " + ", ".join(d["id"] for d in declared), items=0)
    no_owner = [f"{i['incident_id']} #{i['idx']}" for i in items if not i["owner"]]
    no_due = [f"{i['incident_id']} #{i['idx']}" for i in items if i["due"] is None]
    if no_owner or no_due:
        parts = ([f"without owner: {', '.join(no_owner)}"] if no_owner else []) + (
            [f"without due date: {', '.join(no_due)}"] if no_due else [])
        return step("missing", "; ".join(parts), items=len(items), without_owner=no_owner, without_due=no_due)
    return step("done", f"{len(items)} action items, each with an owner and a due date", items=len(items),
                without_owner=[], without_due=[])


def audit(con: duckdb.DuckDBPyConnection, contract: Contract, doc: dict, as_of: datetime) -> dict:
    """The process steps of one contractual breach (``doc``: its contract-month document)."""
    found = customer_incidents(con, contract, doc)
    declared = [i for i in found if i["severity"] in DECLARING_SEVERITIES]
    ids = [i["id"] for i in declared]
    items = store.rows(con, "contracts.action_items_of", {"ids": ids}) if ids else []
    updates = store.rows(con, "contracts.updates_of", {"ids": ids}) if ids else []
    others = ", ".join(f"{i['id']} ({i['severity']})" for i in found)
    steps = {
        "incident_declared": _step("done", "declared: " + ", ".join(f"{i['id']} ({i['severity']})" for i in declared),
                                   incidents=ids) if declared else
        _step("missing", "no SEV-1 or SEV-2 incident hit the customer in the period"
              + (f"; only {others}" if others else "; no incident at all"), incidents=[]),
        "root_cause": _each(declared, lambda i: bool((i["root_cause"] or "").strip()), "a root cause",
                            "no root cause recorded"),
        "postmortem": _each(declared, lambda i: i["postmortem_published_at"] is not None
                            and i["postmortem_published_at"] <= as_of, "a published post-mortem",
                            "no post-mortem published"),
        "customer_postmortem": _shared(declared, updates, contract, as_of),
        "credits": _credits(doc),
        "action_plan": action_plan(declared, items),
    }
    missing = [name for name in STEPS if steps[name]["status"] == "missing"]
    breached = [e for e in doc["slos"] if e["contract_breached"]]
    worst = min(breached, key=lambda e: e["attainment"])
    return {
        "kind": "contract", "contract": contract.name, "customer": contract.customer, "month": doc["month"],
        "period_start": doc["period_start"], "period_end": doc["period_end"],
        "slos": [{"slo": e["slo"], "objective": e["objective"], "attainment": e["attainment"],
                  "tier_below": e["tier_below"], "credit_percent": e["credit_percent"]} for e in breached],
        # The worst breached SLO, for callers that show one line per breach as for SLO breaches;
        # its target is the contract's SLA level, its budget the room left to it (negative).
        "slo": worst["slo"], "service": worst["service"], "objective": worst["objective"],
        "sla_level": doc["sla_level"], "tiers": doc["tiers"], "attainment": worst["attainment"],
        "target": doc["sla_level"], "error_budget_remaining": room_left(worst["attainment"], doc["sla_level"]),
        "credit_percent": doc["credit_percent"], "amount": doc["amount"], "currency": doc["currency"],
        "incidents": [{"id": i["id"], "severity": i["severity"], "title": i["title"], "window_start": i["window_start"],
                       "window_end": i["window_end"]} for i in found],
        "steps": steps, "missing": missing, "complete": not missing, "partial": doc["partial"],
    }


def contractual_breaches(con: duckdb.DuckDBPyConnection, months: Sequence[str], as_of: datetime,
                         contracts: Sequence[Contract] | None = None, **options) -> list[dict]:
    """Every contractual breach of ``months`` (contract months, each in its contract's zone),
    audited as of ``as_of``: the hook the breach-process audit calls. ``contracts``: default
    the stored ones; ``options``: ``min_coverage``, ``no_data``, ``now`` of the credit rule."""
    from reliability.contracts import storage

    chosen = storage.load(con) if contracts is None else list(contracts)
    by_name = {c.name: c for c in chosen}
    docs = contract_month.months(con, chosen, months, **options)
    return [audit(con, by_name[d["contract"]], d, as_of) for d in docs if d["breached"]]


def summary(breaches: Sequence[dict]) -> dict:
    """How many breaches, complete and incomplete, and how many lack each step."""
    return {"breaches": len(breaches), "complete": sum(b["complete"] for b in breaches),
            "incomplete": sum(not b["complete"] for b in breaches),
            **{f"missing_{s}": sum(s in b["missing"] for b in breaches) for s in STEPS}}
