"""How a contract-month's credit reads in tables, reports and the app (one wording everywhere)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from reliability.contracts import money


def credit(doc: dict) -> str:
    """``10%``, ``0%``, ``unknown`` or ``unknown (at least 10%)``."""
    if doc["credit_percent"] is None:
        least = doc["credit_percent_at_least"]
        return f"unknown (at least {least:g}%)" if least else "unknown"
    return f"{doc['credit_percent']:g}%"


def amount(doc: dict) -> str:
    """``2,000.00 USD``, ``unknown`` or ``unknown (at least 750.00 EUR)``."""
    if doc["amount"] is None:
        least = doc["amount_at_least"]
        return f"unknown (at least {money.text(least, doc['currency'])})" if least else "unknown"
    return money.text(doc["amount"], doc["currency"])


def why_unknown(doc: dict, period: str = "the period") -> str:
    """Why a contract-month's credit is unknown, in one line: each covered SLO short of data and
    how much of ``period`` it has, and each covered SLO that cannot be measured at all."""
    from reliability.units import percent

    short = [f"{e['slo']} has data for {percent(e['data_coverage'], 1)} of {period}"
             for e in doc["slos"] if e["credit_percent"] is None]
    why = ([f"{'; '.join(short)} (below {doc['min_coverage'] * 100:g}%: no verdict, never counted as ok)"]
           if short else []) + list(doc["unmeasured"])
    return "; ".join(why) or "a covered SLO has insufficient data"


def tier(doc: dict, none: str = "-") -> str:
    """The tier the worst covered SLO fell under (``below 99.9%``), else ``none``."""
    bounds = [e["tier_below"] for e in doc["slos"] if e["tier_below"] is not None]
    return f"below {min(bounds) * 100:g}%" if bounds else none


def attainment(ratio: float | None, bounds=(), digits: int = 4) -> str:
    """A ratio as a percentage with ``digits`` decimals, rounded to nearest — and with more
    decimals where that rounding would carry it across one of ``bounds`` (the tiers' bounds,
    ratios): 0.99899977 against 99.9 % reads ``99.899977%``, never ``99.9000%``, so an
    attainment below a bound never reads as at it (nor one at it as below)."""
    if ratio is None:
        return "-"
    exact = Decimal(repr(ratio)) * 100
    marks = [Decimal(repr(float(b))) * 100 for b in bounds]
    for places in range(digits, 11):
        shown = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
        if all((shown < m) == (exact < m) for m in marks):
            break
    return f"{shown}%"


def bounds(doc: dict) -> list[float]:
    """The tiers' bounds (ratios) of a contract-month or breach document."""
    return [t["below"] for t in doc["tiers"]]
