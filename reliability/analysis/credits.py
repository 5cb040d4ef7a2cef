"""Service credits: the share of a month's fee owed back when an SLA's attainment falls short.

Tiers are ``(below, credit)``: when the month's ``attainment`` (a ratio, as in ``sla``) is
strictly below ``below``, at least ``credit`` percent of the monthly fee is owed; the credit is
that of the lowest tier the attainment falls under. Exactly at a boundary (99.9 % against
"below 99.9 %") no credit of that tier is owed. Defaults — below 99.9 % 10 %, below 99 %
25 %, below 95 % 100 % — are the tiers of Microsoft Azure's SLA for Virtual Machines
(single-instance VM with Premium SSD, 99.9 %; https://azure.microsoft.com/support/legal/sla/virtual-machines/).

Which SLOs owe credits — the one rule behind ``credits``, the monthly report and the app
(:func:`owed`):

1. Tiers describe an SLA of at least their highest bound (99.9 % by default), unless an
   ``sla_target`` is given: an SLO whose target is below it (a 99 % latency objective) is not
   ``covered`` by them and owes nothing, even when its attainment is below a tier's bound (it
   may well have met its own target).
2. An SLO whose month has ``insufficient_data`` (``sla``'s status: coverage below
   ``min_coverage``) owes an unknown credit: ``credit_percent`` null, never a reassuring 0.
3. Otherwise the credit of the lowest tier the attainment is strictly below (0 when none);
   since the highest bound is at most the target, a credit implies a breach. An SLO with no
   measurable attainment owes nothing (``credit_percent`` 0, ``attainment`` null).

Customer contracts (:mod:`reliability.contracts`, docs/contracts.md) use the same rule with
their own tiers: a contract names the SLOs it covers, so each is covered whatever its own
target (``minimum=NAMED``); ``fee`` turns the percent into an ``amount`` (unknown stays
unknown); and :func:`combined` is the one rule for a contract covering several SLOs.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import duckdb

from reliability.analysis import sla
from reliability.errors import BadInput


@dataclass(frozen=True)
class Tier:
    below: Fraction  # ratio, exclusive
    credit_percent: Fraction

    def as_json(self) -> dict:
        return {"below": float(self.below), "credit_percent": float(self.credit_percent)}


DEFAULT_TIERS = (Tier(Fraction(999, 1000), Fraction(10)), Tier(Fraction(99, 100), Fraction(25)),
                 Tier(Fraction(95, 100), Fraction(100)))


def parse_tier(text: str, option: str = "--tier") -> Tier:
    """``99.9=10``: below 99.9 % attainment, 10 % credit."""
    below, sep, credit = (text or "").partition("=")
    try:
        b, c = Fraction(Decimal(below.strip())) / 100, Fraction(Decimal(credit.strip()))
    except Exception:
        b = c = None
    if not sep or b is None or not (0 < b <= 1) or not (0 <= c <= 100):
        raise BadInput(f"expected BELOW_PERCENT=CREDIT_PERCENT such as 99.9=10, got {text!r}", field=option)
    return Tier(b, c)


def credit(attainment: float | None, tiers=DEFAULT_TIERS) -> Tier | None:
    """The tier owed for ``attainment`` (None: no credit). The float is read back as the
    shortest decimal that prints it, so an attainment of exactly 0.999 is not below 99.9 %."""
    if attainment is None:
        return None
    exact = Fraction(Decimal(repr(attainment)))
    owed = [t for t in tiers if exact < t.below]
    return min(owed, key=lambda t: t.below) if owed else None


def sla_target(tiers=DEFAULT_TIERS, given: Fraction | None = None) -> Fraction:
    """The lowest SLO target the tiers apply to (a ratio): ``given``, else the tiers' highest bound."""
    return given if given is not None else max(t.below for t in tiers)


def parse_sla_target(text: str, option: str = "--sla-target") -> Fraction:
    """``99.9`` (percent) as the ratio 999/1000."""
    try:
        value = Fraction(Decimal(text.strip())) / 100
    except Exception:
        value = None
    if value is None or not 0 < value <= 1:
        raise BadInput(f"expected a target in percent such as 99.9, got {text!r}", field=option)
    return value


def covered(target: float, tiers=DEFAULT_TIERS, minimum: Fraction | None = None) -> bool:
    """Whether an SLO with ``target`` (a ratio, read as the decimal it was written as) is an SLA
    the ``tiers`` describe: its target is at least :func:`sla_target`."""
    return Fraction(Decimal(repr(float(target)))) >= sla_target(tiers, minimum)


# The SLA target of a contract's tiers: a contract names the SLOs it covers, so every one of
# them is an SLA under its tiers, whatever the SLO's own (internal) target.
NAMED = Fraction(0)


def owed(row: sla.SlaRow, tiers=DEFAULT_TIERS, minimum: Fraction | None = None, *,
         fee: Fraction | None = None) -> dict:
    """The credit one SLA row owes under ``tiers`` (the rule in the module docstring):
    ``covered``, ``credit_percent`` (percent of the monthly fee; None when the data are
    insufficient to know) and ``tier_below`` (the tier's bound, a ratio, or None).
    ``minimum``: the SLA target the tiers describe (default: their highest bound; ``NAMED``
    for a contract's SLOs). With ``fee`` (the fee the credit is a percent of, exact), also
    ``amount``: ``credit_percent / 100 × fee`` as an exact Fraction, None when unknown."""
    money = {} if fee is None else {"amount": Fraction(0)}
    if row.target is None:  # a month split across budgeting methods: no one attainment to judge
        segments = [seg for _v, seg in (row.history or {}).get("segments", ())]
        hit = any(seg.target is not None and covered(seg.target, tiers, minimum) for seg in segments)
        if not hit:
            return {"covered": False, "credit_percent": 0.0, "tier_below": None} | money
        return {"covered": True, "credit_percent": None, "tier_below": None} | ({} if fee is None else {"amount": None})
    if not covered(row.target, tiers, minimum):
        return {"covered": False, "credit_percent": 0.0, "tier_below": None} | money
    if row.status == "insufficient_data":
        return {"covered": True, "credit_percent": None, "tier_below": None} | ({} if fee is None else {"amount": None})
    tier = credit(row.attainment, tiers)
    if fee is not None and tier:
        money = {"amount": tier.credit_percent / 100 * fee}
    return {"covered": True, "credit_percent": float(tier.credit_percent) if tier else 0.0,
            "tier_below": float(tier.below) if tier else None} | money


def combined(percents: list[float | None], rule: str = "max", tiers=DEFAULT_TIERS) -> tuple[Fraction | None, Fraction]:
    """The credit (percent) of a contract covering several SLOs from each one's
    ``credit_percent``: ``max`` — the highest (credits do not stack); ``sum`` — added, capped
    at 100 %. Returns ``(credit, at_least)``: ``credit`` is None when some SLO's credit is
    unknown and the known ones do not already reach the most the rule can give (the highest
    tier's credit for ``max``, 100 % for ``sum``); ``at_least`` is the known ones' credit."""
    known = [Fraction(Decimal(repr(p))) for p in percents if p is not None]
    if rule == "max":
        at_least, ceiling = max(known, default=Fraction(0)), max((t.credit_percent for t in tiers), default=Fraction(0))
    else:
        at_least, ceiling = min(Fraction(100), sum(known, Fraction(0))), Fraction(100)
    if len(known) < len(percents) and at_least < ceiling:
        return None, at_least
    return at_least, at_least


def for_rows(rows: list[sla.SlaRow], tiers=DEFAULT_TIERS, minimum: Fraction | None = None) -> list[dict]:
    """One credit entry per SLA row: the row's identity, attainment and status, and :func:`owed`."""
    return [{
        "slo": row.slo, "service": row.service, "sli": row.sli, "objective": row.objective,
        "period_start": row.period_start, "period_end": row.period_end,
        "target": row.target, "attainment": row.attainment, "breached": row.breached,
        "status": row.status, "data_coverage": row.data_coverage, "partial": row.partial, "as_of": row.as_of,
        **owed(row, tiers, minimum),
    } for row in rows]


def compute(
    con: duckdb.DuckDBPyConnection, month: str, slo_name: str | None = None, tiers=DEFAULT_TIERS,
    no_data: str = "good", min_coverage: float = sla.DEFAULT_MIN_COVERAGE, minimum: Fraction | None = None,
) -> list[dict]:
    """Per SLO (objective) of the month: attainment, target, status and the credit owed."""
    return for_rows(sla.compute(con, month, slo_name, no_data, min_coverage=min_coverage), tiers, minimum)
