"""Service credits: the share of a month's fee owed back when an SLA's attainment falls short.

Tiers are ``(below, credit)``: when the month's ``attainment`` (a ratio, as in ``sla``) is
strictly below ``below``, at least ``credit`` percent of the monthly fee is owed; the credit is
that of the lowest tier the attainment falls under. Exactly at a boundary (99.9 % against
"below 99.9 %") no credit of that tier is owed. Defaults — below 99.9 % 10 %, below 99 %
25 %, below 95 % 100 % — are the tiers of Microsoft Azure's SLA for Virtual Machines
(single-instance VM with Premium SSD, 99.9 %; https://azure.microsoft.com/support/legal/sla/virtual-machines/).
An SLO with no measurable attainment owes nothing (``credit_percent`` 0, ``attainment`` null).
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


def compute(
    con: duckdb.DuckDBPyConnection, month: str, slo_name: str | None = None, tiers=DEFAULT_TIERS,
    no_data: str = "good",
) -> list[dict]:
    """Per SLO (objective) of the month: attainment, target, and the credit owed."""
    out = []
    for row in sla.compute(con, month, slo_name, no_data):
        tier = credit(row.attainment, tiers)
        out.append({
            "slo": row.slo, "service": row.service, "sli": row.sli, "objective": row.objective,
            "period_start": row.period_start, "period_end": row.period_end,
            "target": row.target, "attainment": row.attainment, "breached": row.breached,
            "credit_percent": float(tier.credit_percent) if tier else 0.0,
            "tier_below": float(tier.below) if tier else None,
        })
    return out
