"""The customer's monthly statement: a claim-ready account of one customer's month.

For each of the customer's contracts in force in the month (each in its contract's calendar
month, cut to its term), the numbers of :mod:`reliability.contracts.month`: the SLA period
and its share of the month, the attainment of every covered SLO over it, the windows left out
(the contract's exclusions and declared maintenance), the incidents that hit the customer
(:func:`reliability.contracts.breaches.customer_incidents`), and the credit owed — tier,
percent, amount in the contract's currency, or unknown with the reason. Markdown, HTML, or PDF
(the HTML printed by headless Chromium, :func:`render.html_to_pdf`). Nothing is written
unless the whole statement was computed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from reliability import periods, slos, store
from reliability.analysis import sla
from reliability.contracts import breaches, liability, money, month as contract_month, storage, text
from reliability.errors import BadInput
from reliability.reports import render
from reliability.units import duration


def gather(con: duckdb.DuckDBPyConnection, customer: str, month: str, *, min_coverage: float = sla.DEFAULT_MIN_COVERAGE,
           contracts_file: str | None = None, now: datetime | None = None) -> dict:
    """Every number of ``customer``'s statement for ``month`` (YYYY-MM)."""
    periods.parse_month(month)
    chosen = storage.contracts(con, contracts_file, customer)
    defined = slos.load(con)
    sections = []
    for contract in chosen:
        doc = contract_month.compute(con, contract, month, defined=defined, min_coverage=min_coverage, now=now)
        if doc is None:
            continue
        hit = breaches.customer_incidents(con, contract, doc)
        for i in hit:
            end = i["window_end"]
            i["minutes"] = None if end is None else (end - i["window_start"]).total_seconds() / 60
        sections.append({**doc, "display_name": contract.display_name, "start": contract.start,
                         "end": contract.end, "incidents": hit,
                         "period_local": f"{_local(doc['period_start'], contract.time_zone)} to "
                                         f"{_local(doc['period_end'], contract.time_zone)}",
                         "tier": text.tier(doc, "none (at or above every tier's bound)"),
                         "credit_text": text.credit(doc), "amount_text": text.amount(doc)})
    if not sections:
        terms = ", ".join(f"{c.name} {c.start}..{c.end or 'open'}" for c in chosen)
        raise BadInput(f"no contract of {customer!r} is in force in {month} ({terms})", field="--month")
    totals = liability.by_customer(sections)[0]["totals"]
    owed = "; ".join(money.text(t["owed"], t["currency"]) + (f" + {t['unknown']} unknown" if t["unknown"] else "")
                     for t in totals)
    return {"customer": sections[0]["customer"], "customer_name": sections[0]["customer_name"], "month": month,
            "issued_at": now or datetime.now(UTC), "min_coverage": min_coverage, "contracts": sections,
            "totals": totals, "owed_text": owed, "partial": any(s["partial"] for s in sections)}


def _local(instant: datetime, zone: str) -> str:
    """An instant as the customer's contract reads it: wall-clock time in the contract's time
    zone with its abbreviation (``2026-10-01 00:00 CEST``); the UTC instant is shown next to it."""
    from zoneinfo import ZoneInfo

    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def _filters() -> dict:
    return {"money": money.text, "duration": duration, "attainment": text.attainment}


def build(con: duckdb.DuckDBPyConnection, customer: str, month: str, out: str, *,
          min_coverage: float = sla.DEFAULT_MIN_COVERAGE, contracts_file: str | None = None,
          now: datetime | None = None) -> dict:
    """Compute the statement and write it to ``out`` (.md, .html or .pdf); returns the document."""
    fmt = render.out_format(out)
    doc = gather(con, customer, month, min_coverage=min_coverage, contracts_file=contracts_file, now=now)
    if fmt == "md":
        data = render.render("statement.md.j2", doc=doc, **_filters()).encode()
    else:
        html = render.render("statement.html.j2", doc=doc, **_filters())
        data = html.encode() if fmt == "html" else render.html_to_pdf(html)
    render.write_files({Path(out): data})
    return doc


def open_and_build(db, customer: str, month: str, out: str, min_coverage: float = sla.DEFAULT_MIN_COVERAGE,
                   contracts_file: str | None = None, now: datetime | None = None) -> dict:
    """:func:`build` over a short-lived read-only connection to database ``db``."""
    render.out_format(out)
    periods.parse_month(month)
    sla.check_min_coverage(min_coverage)
    with store.connect(db, read_only=True) as con:
        return build(con, customer, month, out, min_coverage=min_coverage, contracts_file=contracts_file, now=now)
