"""Customer contracts from Python: credits and amounts, liability, breaches, contracts at risk.
Methods of :class:`reliability.Database`; each is the JSON of its command (docs/contracts.md)."""

from __future__ import annotations

import pandas as pd

from reliability.api import args
from reliability.api.frames import Table

_LIST_TABLES = {"contracts": Table(("contracts",), drop=("exclusions",)),
                "exclusions": Table(("contracts", "*", "exclusions"), carry=("contract",))}
_MONTH_DROP = ("slos", "tiers", "exclusions", "unmeasured", "maintenance", "warnings")
_CREDIT_TABLES = {
    "contracts": Table(("customers", "*", "contracts"), drop=_MONTH_DROP),
    "slos": Table(("customers", "*", "contracts", "*", "slos"), carry=("contract", "month")),
    "totals": Table(("customers", "*", "totals"), carry=("customer",)),
    "unknown": Table(("customers", "*", "unknown")),
}
_LIABILITY_TABLES = {
    "months": Table(("months", "*", "currencies"), carry=("month",)),
    "unknown": Table(("unknown",)),
    "credits": Table(("months", "*", "credits"), carry=("month",)),
    "totals": Table(("totals",)),
}
_BREACH_TABLES = {"breaches": Table(("breaches",), drop=("slos", "incidents", "steps")),
                  "steps": Table(("breaches", "*", "steps", "{step}"), carry=("contract", "month")),
                  "incidents": Table(("breaches", "*", "incidents"), carry=("contract", "month"))}
_RISK_TABLES = {"contracts": Table(("contracts",), drop=_MONTH_DROP),
                "slos": Table(("contracts", "*", "slos"), carry=("contract",))}


def _range(month, months) -> tuple[str | None, str | None, str | None]:
    if month is not None and months is not None:
        raise args.ArgumentError("give month or months, not both", "months")
    if month is not None:
        return args.month(month), None, None
    pair = args.month_range(months)
    return (None, None, None) if pair is None else (None, *pair)


class Contracts:
    """The contract methods of :class:`reliability.Database`."""

    @args.checked
    def contracts(self, *, contracts_file=None, table: str | None = "contracts") -> pd.DataFrame | dict:
        """The stored contracts (or those of ``contracts_file``, read, not stored):
        ``reliability contracts list --json``. Columns: ``contract``, ``customer``, ``start``,
        ``end``, ``monthly_fee``, ``currency``, ``slos``, ``tiers``, ``sla_level``... Tables:
        ``"contracts"``, ``"exclusions"``.

        Example:

        >>> db.contracts()[["contract", "customer", "currency", "monthly_fee"]]
                  contract customer currency  monthly_fee
        0     acme-gateway     acme      USD      20000.0
        1   globex-gateway   globex      EUR      15000.0
        2  initech-gateway  initech      JPY    2400000.0
        """
        from reliability.contracts import documents

        path = args.paths(contracts_file, "contracts_file")
        with self._connect() as con:
            doc = documents.contracts_list(con, path[0] if path else None)
        return self._out(doc, _LIST_TABLES, table)

    @args.checked
    def contract_credits(self, month: str | None = None, *, months=None, customer: str | None = None,
                         contract: str | None = None, contracts_file=None, min_coverage: float = 0.9,
                         table: str | None = "contracts") -> pd.DataFrame | dict:
        """Credits per customer contract and month: ``reliability credits --by customer --json``.

        ``month="YYYY-MM"`` or ``months=("YYYY-MM", "YYYY-MM")`` (default: every month from
        the first contract's start to now); ``customer`` (id or name), ``contract``. Tables:
        ``"contracts"`` (one row per contract-month: ``credit_percent``, ``amount``,
        ``currency``, ``share_of_month``, ``status``...; unknown credits are NaN, never 0),
        ``"slos"`` (per covered SLO), ``"totals"`` (per customer and currency), ``"unknown"``.

        Example:

        >>> db.contract_credits(months=("2026-10", "2026-10"))[["contract", "credit_percent", "amount", "currency"]]
                  contract  credit_percent  amount currency
        0     acme-gateway             0.0     0.0      USD
        1   globex-gateway             5.0   750.0      EUR
        """
        from reliability.contracts import documents

        one, first, last = _range(month, months)
        path = args.paths(contracts_file, "contracts_file")
        with self._connect() as con:
            doc = documents.credits(con, one, first, last, args.name(customer, "customer"),
                                    args.name(contract, "contract"), path[0] if path else None,
                                    _coverage(min_coverage))
        return self._out(doc, _CREDIT_TABLES, table)

    @args.checked
    def credit_liability(self, month: str | None = None, *, months=None, customer: str | None = None,
                         contracts_file=None, min_coverage: float = 0.9,
                         table: str | None = "months") -> pd.DataFrame | dict:
        """Monthly credit liability for finance: ``reliability credits --liability --json``.
        Tables: ``"months"`` (per month and currency: ``owed``, ``with_credit``,
        ``contract_months``, ``unknown``, ``unknown_at_least``), ``"unknown"`` (each unknown
        contract-month and why), ``"credits"`` (each contract-month owing one), ``"totals"``.

        Example:

        >>> db.credit_liability(months=("2026-01", "2026-01"))[["month", "currency", "owed"]]
             month currency      owed
        0  2026-01      JPY  240000.0
        1  2026-01      USD       0.0
        """
        from reliability.contracts import documents

        one, first, last = _range(month, months)
        path = args.paths(contracts_file, "contracts_file")
        with self._connect() as con:
            doc = documents.credit_liability(con, one, first, last, args.name(customer, "customer"), None,
                                             path[0] if path else None, _coverage(min_coverage))
        return self._out(doc, _LIABILITY_TABLES, table)

    @args.checked
    def contract_breaches(self, month: str | None = None, *, months=None, customer: str | None = None,
                          contract: str | None = None, as_of=None, contracts_file=None, min_coverage: float = 0.9,
                          table: str | None = "breaches") -> pd.DataFrame | dict:
        """The breach process of every contractual breach: ``reliability contracts breaches
        --json``. ``as_of``: judge the evidence as of this instant (default now). Tables:
        ``"breaches"``, ``"steps"`` (one row per breach and step: ``status``, ``evidence``),
        ``"incidents"``.

        Example:

        >>> b = db.contract_breaches(months=("2025-10", "2026-10"), as_of="2026-11-15")
        >>> b[["month", "contract", "complete"]]
             month         contract  complete
        0  2025-10     acme-gateway      True
        1  2026-01  initech-gateway      True
        2  2026-10   globex-gateway     False
        """
        from reliability.contracts import documents

        one, first, last = _range(month, months)
        at = None if as_of is None else args.instant(as_of, "as_of")
        path = args.paths(contracts_file, "contracts_file")
        with self._connect() as con:
            doc = documents.contract_breaches(con, one, first, last, args.name(customer, "customer"), at,
                                              path[0] if path else None, _coverage(min_coverage),
                                              args.name(contract, "contract"))
        return self._out(doc, _BREACH_TABLES, table)

    @args.checked
    def contracts_at_risk(self, month: str | None = None, *, at=None, threshold: float = 0.5, contracts_file=None,
                          customer: str | None = None, contract: str | None = None, min_coverage: float = 0.9, table: str | None = "contracts") -> pd.DataFrame | dict:
        """Contracts at risk in a month so far: ``reliability contracts risk --json``
        (default: this month, measured up to now; ``at``: up to that instant). Columns of
        ``"contracts"``: ``risk`` (credit_owed, at_risk, unknown, ok), ``room_left``,
        ``credit_percent``, ``amount``... Tables: ``"contracts"``, ``"slos"``.

        Example:

        >>> r = db.contracts_at_risk("2026-10", at="2026-10-05T00:00:00Z")
        >>> r[["contract", "risk", "room_left"]].round(3)
                 contract     risk  room_left
        0  globex-gateway  at_risk      0.169
        1    acme-gateway       ok      0.695
        """
        from reliability.contracts import documents

        when = None if at is None else args.instant(at, "at")
        path = args.paths(contracts_file, "contracts_file")
        with self._connect() as con:
            doc = documents.contracts_at_risk(con, None if month is None else args.month(month), when, threshold,
                                              path[0] if path else None, _coverage(min_coverage),
                                              args.name(customer, "customer"), args.name(contract, "contract"))
        return self._out(doc, _RISK_TABLES, table)


def _coverage(value) -> float:
    from reliability.api.slo_math import _coverage as checked

    return checked(value)
