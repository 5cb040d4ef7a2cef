"""Credits by customer, and the monthly credit liability finance books.

Both only arrange the per-contract month documents of :mod:`reliability.contracts.month`: the
numbers are theirs. Totals are per currency (amounts in different currencies are never added)
and add only known amounts; a contract-month whose credit is unknown is listed apart with the
least it owes (``amount_at_least``), never counted as 0 in silence.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from decimal import Decimal

from reliability import periods
from reliability.contracts import money
from reliability.errors import BadInput


def month_range(month: str | None, first: str | None, last: str | None,
                default: tuple[str, str] | None = None) -> list[str]:
    """The months of ``--month``, or ``--from``/``--to`` (both included), else ``default``."""
    from reliability.analysis.history import months_between

    if month is not None and (first or last):
        raise BadInput("give --month or --from/--to, not both", field="--month")
    if month is not None:
        periods.parse_month(month)
        return [month]
    if (first is None) != (last is None):
        raise BadInput("--from and --to go together", field="--from" if first is None else "--to")
    if first is None:
        if default is None:
            raise BadInput("give --month YYYY-MM, or --from YYYY-MM --to YYYY-MM", field="--month")
        first, last = default
    periods.parse_month(first, "--from")
    periods.parse_month(last, "--to")
    if last < first:
        raise BadInput(f"--to {last} is before --from {first}", field="--to")
    return months_between(first, last)


def default_months(contracts, now: datetime | None = None) -> tuple[str, str]:
    """From the month the earliest contract starts to the current month (UTC), or to the
    month the last contract ends when all have ended."""
    now = now or datetime.now(timezone.utc)
    first = min(c.start for c in contracts)
    current = f"{now.year:04d}-{now.month:02d}"
    ends = [c.end for c in contracts]
    last = current if any(e is None for e in ends) else min(current, max(f"{e.year:04d}-{e.month:02d}" for e in ends))
    return f"{first.year:04d}-{first.month:02d}", max(last, f"{first.year:04d}-{first.month:02d}")


def _totals(docs: Sequence[dict]) -> list[dict]:
    by: dict[str, dict] = {}
    for d in docs:
        t = by.setdefault(d["currency"], {"currency": d["currency"], "owed": Decimal(0), "contract_months": 0,
                                          "with_credit": 0, "unknown": 0, "unknown_at_least": Decimal(0)})
        t["contract_months"] += 1
        if d["amount"] is None:
            t["unknown"] += 1
            t["unknown_at_least"] += Decimal(str(d["amount_at_least"]))
        else:
            t["owed"] += Decimal(str(d["amount"]))
            t["with_credit"] += d["amount"] > 0
    return [{**t, "owed": money.number(money.amount(t["owed"], t["currency"])),
             "unknown_at_least": money.number(money.amount(t["unknown_at_least"], t["currency"]))}
            for t in sorted(by.values(), key=lambda t: t["currency"])]


def _unknown(docs: Sequence[dict]) -> list[dict]:
    return [{"month": d["month"], "contract": d["contract"], "customer": d["customer"], "currency": d["currency"],
             "amount_at_least": d["amount_at_least"], "fee_for_period": d["fee_for_period"],
             "why": _why(d)} for d in docs if d["amount"] is None]


def _why(doc: dict) -> str:
    short = [e["slo"] for e in doc["slos"] if e["credit_percent"] is None]
    parts = ([f"insufficient data: {', '.join(short)}"] if short else []) + list(doc["unmeasured"])
    return "; ".join(parts) or "unknown"


def by_customer(docs: Sequence[dict]) -> list[dict]:
    """Per customer: its contract-months (as computed) and totals per currency."""
    out: dict[str, dict] = {}
    for d in docs:
        c = out.setdefault(d["customer"], {"customer": d["customer"], "customer_name": d["customer_name"],
                                           "contracts": []})
        c["contracts"].append(d)
    return [{**c, "totals": _totals(c["contracts"]), "unknown": _unknown(c["contracts"])}
            for c in sorted(out.values(), key=lambda c: c["customer"].casefold())]


def liability(docs: Sequence[dict], month_list: Sequence[str]) -> dict:
    """Per month and currency: the total known credit owed, how many contract-months owe one,
    and the unknown ones listed apart; and the same over the whole range."""
    months = []
    for month in month_list:
        these = [d for d in docs if d["month"] == month]
        months.append({"month": month, "currencies": _totals(these), "unknown": _unknown(these),
                       "partial": any(d["partial"] for d in these),
                       "credits": [{"contract": d["contract"], "customer": d["customer"], "currency": d["currency"],
                                    "credit_percent": d["credit_percent"], "amount": d["amount"]}
                                   for d in these if d["amount"]]})
    return {"from": month_list[0], "to": month_list[-1], "months": months, "totals": _totals(docs),
            "unknown": _unknown(docs)}
