"""One contract's month: the SLA period, the covered SLOs' attainment, the credit and its amount.

The rules (docs/contracts.md states them for readers):

- **SLA period.** The calendar month in the contract's ``timeZone``, cut to its term (``start``
  00:00 to the midnight after ``end``). A contract that starts or ends mid-month has only its
  share of the month as SLA period: coverage, attainment and status are measured over that
  share alone, and the fee it is billed for the month — the fee the credit is a percent of —
  is ``monthlyFee × share``, ``share`` = the period's length / the month's length (seconds).
- **Exclusions.** The contract's windows (and the impact windows of the incidents it names)
  are left out of the period of every SLO it covers, as declared maintenance is: their slices
  count neither as good nor as bad. Stored maintenance windows (``ingest maintenance``) are
  left out as everywhere in ``sla``.
- **Credit.** Each covered SLO's credit is ``reliability.analysis.credits.owed`` under the
  contract's tiers (strictly below a bound); the contract's is :func:`credits.combined` of
  them (``max`` by default). Any covered SLO with insufficient data, not defined, or not
  measurable makes the credit unknown (null), never 0, unless the known ones already reach
  the most the rule can give. ``amount = credit_percent / 100 × monthlyFee × share``, exact,
  then rounded half up to the currency's minor unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction

import duckdb

from reliability import periods, slos, store
from reliability.analysis import credits, sla
from reliability.contracts import money
from reliability.contracts.model import Contract, Selector
from reliability.ingest.maintenance import Window
from reliability.openslo import SLO

STATUSES = ("met", "credit_owed", "unknown")


def select(contract: Contract, defined: Sequence[SLO]) -> tuple[list[SLO], list[str]]:
    """The defined SLOs (or instances of them) the contract covers, each once, in definition
    order, and what cannot be measured: a named SLO that is not defined, labels no SLO carries,
    an instance of an SLO without those grouping labels. Each problem makes the credit unknown."""
    chosen: dict[str, SLO] = {}
    problems = []
    for sel in contract.slos:
        found = [s for s in defined if _matches(sel, s)]
        if not found:
            problems.append(f"covers {sel.text()}, which no defined SLO matches")
            continue
        if sel.instance:
            found, missing = instances_of(sel, found)
            problems.extend(missing)
        for s in found:
            chosen.setdefault(s.name, s)
    return list(chosen.values()), problems


def _matches(sel: Selector, slo: SLO) -> bool:
    if sel.slo is not None:
        return slo.name == sel.slo
    # OpenSLO metadata.labels: ((key, (value, ...)), ...) on the SLO once labels are stored.
    labels = dict(getattr(slo, "labels", ()) or ())
    return all(value in labels.get(key, ()) for key, value in sel.labels)


def instances_of(sel: Selector, found: Sequence[SLO]) -> tuple[list[SLO], list[str]]:
    """The instance ``sel.instance`` (e.g. ``{customer: acme}``) of each SLO in ``found``, as
    :mod:`reliability.instances` addresses it (``api-gateway-availability{customer="acme"}``),
    and a problem for each SLO that has no such instance: one without grouping labels, or grouped
    by other labels. Never the whole SLO in an instance's place."""
    try:
        from reliability import instances
    except ImportError:  # per-instance SLOs not available in this build
        return [], [f"covers {sel.text()}: per-instance series are not available for "
                    f"{', '.join(s.name for s in found)}, so the instance cannot be measured"]
    out, problems = [], []
    labels = tuple(k for k, _ in sel.instance)
    for slo in found:
        grouped = tuple(getattr(slo, "group_by", ()) or ())
        if grouped != labels:
            problems.append(f"covers {sel.text()}: SLO {slo.name} is "
                            + (f"grouped by {', '.join(grouped)}" if grouped else "not measured per instance")
                            + ", so the instance cannot be measured")
            continue
        out.append(instances.instance_of(slo, sel.instance))
    return out, problems


def exclusion_windows(con: duckdb.DuckDBPyConnection, contract: Contract,
                      period: periods.Period) -> tuple[list[Window], list[dict], list[str]]:
    """The contract's exclusions as windows for ``sla`` (every covered service), the ones that
    overlap ``period`` as listed in statements (clipped to it, minutes), and warnings."""
    ids = [e.incident for e in contract.exclusions if e.incident]
    incidents = {r["id"]: r for r in store.rows(con, "contracts.incidents_by_id", {"ids": ids})} if ids else {}
    windows, listed, warnings = [], [], []
    for ex in contract.exclusions:
        start, end = ex.start, ex.end
        if ex.incident:
            found = incidents.get(ex.incident)
            if found is None:
                warnings.append(f"exclusion {ex.id}: no incident {ex.incident} is stored; nothing excluded")
                continue
            start, end = found["window_start"], found["window_end"]
            if end is None:
                warnings.append(f"exclusion {ex.id}: incident {ex.incident} has no mitigated_at or resolved_at, "
                                "so its impact window has no end; nothing excluded")
                continue
        windows.append(Window(ex.id, None, start, end, ex.reason))
        lo, hi = max(start, period.start), min(end, period.end)
        if lo < hi:
            listed.append({"id": ex.id, "kind": ex.kind, "reason": ex.reason, "incident": ex.incident,
                           "start": start, "end": end, "minutes_in_period": (hi - lo).total_seconds() / 60})
    return windows, listed, warnings


def compute(con: duckdb.DuckDBPyConnection, contract: Contract, month: str, *,
            defined: Sequence[SLO] | None = None, min_coverage: float = sla.DEFAULT_MIN_COVERAGE,
            no_data: str = "good", now: datetime | None = None, until: datetime | None = None) -> dict | None:
    """The contract's document for ``month`` (YYYY-MM); None when it is not in force then.
    ``until``: measure only the period up to this instant (cut to the minute; the month so far,
    :mod:`reliability.contracts.risk`); the fee and its share stay the whole period's."""
    billed = contract.period(month)
    if billed is None:
        return None
    period = billed
    if until is not None:
        cut = min(billed.end, until.replace(second=0, microsecond=0))
        if cut <= billed.start:
            return None
        period = periods.Period(billed.label, billed.zone, billed.start, cut)
    whole = periods.month(month, contract.time_zone)
    share = Fraction(billed.seconds, whole.seconds)
    fee = Fraction(contract.monthly_fee) * share
    coverage = contract.min_coverage if contract.min_coverage is not None else min_coverage
    chosen, problems = select(contract, slos.load(con) if defined is None else defined)
    windows, excluded, warnings = exclusion_windows(con, contract, period)
    rows = sla.compute_periods(con, lambda _s: period, selected=chosen, no_data=no_data, maintenance=windows,
                               min_coverage=coverage, now=now) if chosen else []
    own = {e.id for e in contract.exclusions}
    entries = [_entry(row, contract, fee, own) for row in rows]
    percents = [e["credit_percent"] for e in entries] + [None] * len(problems)
    credit, at_least = credits.combined(percents, contract.combine, contract.tiers)
    status = "unknown" if credit is None else "credit_owed" if credit > 0 else "met"
    amount = None if credit is None else money.amount(credit / 100 * fee, contract.currency)
    worst = min((e for e in entries if e["attainment"] is not None), key=lambda e: e["attainment"], default=None)
    return {
        "contract": contract.name, "customer": contract.customer, "customer_name": contract.customer_name,
        "month": month, "time_zone": contract.time_zone, "period_start": billed.start, "period_end": billed.end,
        "measured_until": period.end,
        "share_of_month": float(share), "prorated": share != 1, "currency": contract.currency,
        "monthly_fee": float(contract.monthly_fee), "fee_for_period": money.number(money.amount(fee, contract.currency)),
        "tiers": [t.as_json() for t in contract.tiers], "sla_level": float(contract.sla_level),
        "combine": contract.combine, "min_coverage": coverage,
        "status": status, "breached": any(e["contract_breached"] for e in entries),
        "credit_percent": None if credit is None else float(credit), "credit_percent_at_least": float(at_least),
        "amount": money.number(amount),
        "amount_at_least": money.number(money.amount(at_least / 100 * fee, contract.currency)),
        "worst_slo": worst["slo"] if worst else None,
        "partial": any(e["partial"] for e in entries), "as_of": min((e["as_of"] for e in entries), default=period.end),
        "slos": entries, "unmeasured": problems, "exclusions": excluded,
        "maintenance": sorted({w for e in entries for w in e["maintenance_windows"]}),
        "warnings": warnings,
    }


def _entry(row: sla.SlaRow, contract: Contract, fee: Fraction, own: set[str]) -> dict:
    owed = credits.owed(row, contract.tiers, credits.NAMED, fee=fee)
    amount = owed.pop("amount")
    return {
        "slo": row.slo, "service": row.service, "sli": row.sli, "objective": row.objective,
        "budgeting_method": row.budgeting_method, "target": row.target, "attainment": row.attainment,
        "status": row.status, "data_coverage": row.data_coverage, "partial": row.partial, "as_of": row.as_of,
        "bad": row.bad, "allowed_bad": row.allowed_bad, "budget_unit": row.unit, "slices": row.slices,
        "excluded_slices": row.excluded_slices, "excluded_minutes": row.maintenance_minutes,
        "exclusions": [w for w in row.maintenance_windows if w in own],
        "maintenance_windows": [w for w in row.maintenance_windows if w not in own],
        # Below the contract's highest bound on data enough to judge: a contractual breach.
        "contract_breached": row.status != "insufficient_data" and owed["tier_below"] is not None,
        # The verdict against the contract's SLA level (not the SLO's own target).
        "contract_status": "insufficient_data" if row.status == "insufficient_data" else
        "breached" if owed["tier_below"] is not None else "met",
        **owed,
        "amount": None if amount is None else money.number(money.amount(amount, contract.currency)),
    }


def months(con: duckdb.DuckDBPyConnection, contracts: Sequence[Contract], month_list: Sequence[str],
           **options) -> list[dict]:
    """Every in-force (contract, month) document of ``month_list``, month by month."""
    defined = slos.load(con)
    out = []
    for month in month_list:
        for contract in contracts:
            doc = compute(con, contract, month, defined=defined, **options)
            if doc is not None:
                out.append(doc)
    return out
