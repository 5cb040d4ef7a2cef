"""The JSON documents of the contract commands, built once for the CLI and the Python API.

Each function takes an open connection and the commands' options, checks them (bad input names
the option) and returns exactly what ``--json`` prints, so every surface shows the same numbers.
"""

from __future__ import annotations

from datetime import datetime, timezone

import duckdb

from reliability.analysis.sla import DEFAULT_MIN_COVERAGE, check_min_coverage
from reliability.contracts import breaches, liability, month as contract_month, risk, storage
from reliability.errors import BadInput


def contracts_list(con: duckdb.DuckDBPyConnection, contracts_file: str | None = None) -> dict:
    """``contracts list --json``."""
    return {"contracts": [c.as_json() for c in storage.contracts(con, contracts_file)]}


def _months(chosen, month, first, last) -> list[str]:
    if not chosen:
        raise BadInput("no contracts stored (see `reliability contracts apply`)")
    return liability.month_range(month, first, last, liability.default_months(chosen))


def _contract_months(con, month, first, last, customer, contract, contracts_file, min_coverage):
    check_min_coverage(min_coverage)
    chosen = storage.contracts(con, contracts_file, customer, contract)
    months = _months(chosen, month, first, last)
    return months, contract_month.months(con, chosen, months, min_coverage=min_coverage)


def credits(con: duckdb.DuckDBPyConnection, month: str | None = None, first: str | None = None,
            last: str | None = None, customer: str | None = None, contract: str | None = None,
            contracts_file: str | None = None, min_coverage: float = DEFAULT_MIN_COVERAGE) -> dict:
    """``credits --by customer --json``: per customer, each contract-month and the totals."""
    months, docs = _contract_months(con, month, first, last, customer, contract, contracts_file, min_coverage)
    return {"from": months[0], "to": months[-1], "min_coverage": min_coverage,
            "customers": liability.by_customer(docs)}


def credit_liability(con: duckdb.DuckDBPyConnection, month: str | None = None, first: str | None = None,
                     last: str | None = None, customer: str | None = None, contract: str | None = None,
                     contracts_file: str | None = None, min_coverage: float = DEFAULT_MIN_COVERAGE) -> dict:
    """``credits --liability --json``: per month and currency, for finance."""
    months, docs = _contract_months(con, month, first, last, customer, contract, contracts_file, min_coverage)
    return {"min_coverage": min_coverage, **liability.liability(docs, months)}


def contract_breaches(con: duckdb.DuckDBPyConnection, month: str | None = None, first: str | None = None,
                      last: str | None = None, customer: str | None = None, as_of: datetime | None = None,
                      contracts_file: str | None = None, min_coverage: float = DEFAULT_MIN_COVERAGE,
                      contract: str | None = None) -> dict:
    """``contracts breaches --json``: the breach process of every contractual breach."""
    check_min_coverage(min_coverage)
    at = as_of or datetime.now(timezone.utc)
    chosen = storage.contracts(con, contracts_file, customer, contract)
    months = _months(chosen, month, first, last)
    found = breaches.contractual_breaches(con, months, at, chosen, min_coverage=min_coverage)
    return {"from": months[0], "to": months[-1], "as_of": at, "min_coverage": min_coverage,
            "summary": breaches.summary(found), "breaches": found}


def contracts_at_risk(con: duckdb.DuckDBPyConnection, month: str | None = None, at: datetime | None = None,
                      threshold: float = risk.DEFAULT_THRESHOLD, contracts_file: str | None = None,
                      min_coverage: float = DEFAULT_MIN_COVERAGE, customer: str | None = None,
                      contract: str | None = None) -> dict:
    """``contracts risk --json``: every contract in force in the month, measured so far (only
    ``customer``'s, or the one ``contract``, when given)."""
    from reliability import periods

    check_min_coverage(min_coverage)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise BadInput(f"expected a ratio in (0, 1], got {threshold!r}", field="--threshold")
    now = at or datetime.now(timezone.utc)
    month = month or f"{now.year:04d}-{now.month:02d}"
    periods.parse_month(month)
    docs = risk.at_risk(con, storage.contracts(con, contracts_file, customer, contract), month, now, float(threshold),
                        min_coverage=min_coverage)
    return {"month": month, "at": now, "threshold": float(threshold), "counts": risk.counts(docs), "contracts": docs}
