"""Contracts at risk in a month so far: what the app's Contracts page and ``contracts risk`` show.

Each contract in force is measured over its SLA period up to ``now`` (the month so far: a month
already over is measured whole), by the rules of :mod:`reliability.contracts.month`. Per
covered SLO, the **room left** to the contract's SLA level ``L`` is
``1 − (1 − attainment) / (1 − L)``: 1 with nothing bad, 0 when the attainment is exactly at
the level, negative below it — the error budget the contract (not the SLO's own target)
leaves, spent by the month so far. A contract's room is its covered SLOs' smallest. Status:

- ``credit_owed``: some covered SLO is already below the level — the credit the month so far
  would give (``credit_percent``, ``amount``) is owed if nothing else goes wrong;
- ``at_risk``: no credit yet, but the room left is below ``threshold`` (default 0.5: more than
  half of the room to the level is spent);
- ``ok``: otherwise;
- ``unknown``: the credit is unknown (insufficient data, an SLO not measurable).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from decimal import Decimal
from fractions import Fraction

import duckdb

from reliability import slos
from reliability.contracts import month as contract_month
from reliability.contracts.model import Contract

DEFAULT_THRESHOLD = 0.5
ORDER = {"credit_owed": 0, "at_risk": 1, "unknown": 2, "ok": 3}


def room_left(attainment: float | None, level: float) -> float | None:
    """``1 − (1 − attainment) / (1 − level)`` exactly (None without an attainment, or a 100 % level)."""
    if attainment is None or level >= 1:
        return None
    a, lv = Fraction(Decimal(repr(attainment))), Fraction(Decimal(repr(level)))
    return float(1 - (1 - a) / (1 - lv))


def assess(doc: dict, threshold: float = DEFAULT_THRESHOLD) -> dict:
    """A contract-month document with the room left per SLO and the contract's risk status."""
    for e in doc["slos"]:
        e["room_left"] = room_left(e["attainment"], doc["sla_level"]) if e["status"] != "insufficient_data" else None
    rooms = [e["room_left"] for e in doc["slos"] if e["room_left"] is not None]
    room = min(rooms, default=None)
    if doc["status"] == "credit_owed":
        risk = "credit_owed"
    elif doc["status"] == "unknown":
        risk = "unknown"
    else:
        risk = "at_risk" if room is not None and room < threshold else "ok"
    return {**doc, "room_left": room, "risk": risk, "threshold": threshold}


def at_risk(con: duckdb.DuckDBPyConnection, contracts: Sequence[Contract], month: str, now: datetime | None = None,
            threshold: float = DEFAULT_THRESHOLD, **options) -> list[dict]:
    """Every contract in force in ``month`` measured up to ``now`` (default the clock), most at
    risk first (credit owed, at risk, unknown, ok; then the smallest room left)."""
    now = now or datetime.now(timezone.utc)
    defined = slos.load(con)
    docs = []
    for contract in contracts:
        doc = contract_month.compute(con, contract, month, defined=defined, now=now, until=now, **options)
        if doc is not None:
            docs.append(assess(doc, threshold))
    return sorted(docs, key=lambda d: (ORDER[d["risk"]], d["room_left"] if d["room_left"] is not None else 2,
                                       d["customer"], d["contract"]))


def counts(docs: Sequence[dict]) -> dict:
    """How many contracts are in each risk status."""
    return {status: sum(d["risk"] == status for d in docs) for status in ORDER}
