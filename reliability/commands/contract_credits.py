"""``reliability credits --by customer | --customer ID | --liability``: the contracts' credits.

The numbers come from :mod:`reliability.contracts.month` (one document per contract and month)
and are only arranged here: by customer, or per month and currency for finance.
"""

from __future__ import annotations

import click

from reliability.output import emit_json, table
from reliability.units import percent

COMMANDS: list = []  # options of `credits`, not a command of their own


def customer_credits(db, month: str | None, first: str | None, last: str | None, customer: str | None,
                     contract_name: str | None, contracts_file: str | None, liability: bool, min_coverage: float,
                     as_json: bool) -> None:
    """Compute and print the contracts' credits (by customer) or the liability."""
    from reliability import store
    from reliability.contracts import documents

    build = documents.credit_liability if liability else documents.credits
    with store.connect(db, read_only=True) as con:
        doc = build(con, month, first, last, customer, contract_name, contracts_file, min_coverage)
    if as_json:
        emit_json(doc)
    elif liability:
        _print_liability(doc)
    else:
        _print_customers(doc["customers"], doc["from"], doc["to"])


def _print_customers(customers: list[dict], first: str, last: str) -> None:
    from reliability.contracts import money, text

    if not customers:
        click.echo(f"no contract in force in {first}" + (f"..{last}" if last != first else ""))
        return
    rows = []
    for c in customers:
        for d in c["contracts"]:
            worst = min((e["attainment"] for e in d["slos"] if e["attainment"] is not None), default=None)
            rows.append([c["customer"], d["contract"], d["month"], percent(d["share_of_month"], 1),
                         text.attainment(worst, text.bounds(d)), text.tier(d), text.credit(d), text.amount(d),
                         "yes" if d["partial"] else ""])
    click.echo(table(["customer", "contract", "month", "period", "worst attainment", "tier", "credit", "amount",
                      "partial"], rows, right=(3, 4, 6, 7)))
    for c in customers:
        for t in c["totals"]:
            least = f" (at least {money.text(t['unknown_at_least'], t['currency'])})" if t["unknown_at_least"] else ""
            unknown = f"; {t['unknown']} unknown{least}" if t["unknown"] else ""
            click.echo(f"{c['customer']}: {money.text(t['owed'], t['currency'])} owed over "
                       f"{t['contract_months']} contract-month{'' if t['contract_months'] == 1 else 's'}{unknown}")
    click.echo("period: the contract's share of the month (prorated fee); unknown: a covered SLO has "
               "insufficient data, never counted as 0")
    for c in customers:
        for d in c["contracts"]:
            if d["credit_percent"] is None:
                click.echo(f"unknown: {d['contract']} {d['month']}: {text.why_unknown(d)}")


def _print_liability(doc: dict) -> None:
    from reliability.contracts import money

    rows = []
    for m in doc["months"]:
        for t in m["currencies"]:
            rows.append([m["month"], t["currency"], money.text(t["owed"], t["currency"]), t["with_credit"],
                         t["contract_months"], t["unknown"] or "",
                         money.text(t["unknown_at_least"], t["currency"]) if t["unknown"] else "",
                         "yes" if m["partial"] else ""])
    click.echo(table(["month", "currency", "owed", "owing", "contracts", "unknown", "unknown at least", "partial"],
                     rows, right=(2, 3, 4, 5, 6)))
    for t in doc["totals"]:
        click.echo(f"total {doc['from']}..{doc['to']}: {money.text(t['owed'], t['currency'])} owed"
                   + (f", {t['unknown']} contract-months unknown" if t["unknown"] else ""))
    for u in doc["unknown"]:
        click.echo(f"unknown: {u['month']} {u['contract']} ({u['customer']}): {u['why']}")
