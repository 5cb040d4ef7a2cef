"""How a contract-month's credit reads in tables, reports and the app (one wording everywhere)."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

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


def tier(doc: dict, none: str = "-") -> str:
    """The tier the worst covered SLO fell under (``below 99.9%``), else ``none``."""
    bounds = [e["tier_below"] for e in doc["slos"] if e["tier_below"] is not None]
    return f"below {min(bounds) * 100:g}%" if bounds else none


def attainment(ratio: float | None, digits: int = 4) -> str:
    """A ratio as a percentage rounded *down* to ``digits`` decimals (0.99899977 → ``99.8999%``):
    an attainment below a tier's bound never reads as at it, as rounding to nearest would show."""
    if ratio is None:
        return "-"
    shown = (Decimal(repr(ratio)) * 100).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_FLOOR)
    return f"{shown}%"
