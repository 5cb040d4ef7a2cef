"""Stored contracts: ``contracts apply`` writes them, every credit command reads them back.

A contract is stored as the document it was applied from (JSON) and parsed again on load, so a
stored contract and the file it came from can never mean different things. Applying a contract
whose ``metadata.name`` is stored replaces it; ``contracts remove`` deletes one.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from reliability import store
from reliability.contracts import parse
from reliability.contracts.model import Contract
from reliability.errors import BadInput


def read_files(paths: list[str | Path]) -> list[tuple[Contract, dict, str]]:
    """Every contract of every file, validated (``(contract, document, file)``); names unique
    across the files. Read before the database is opened, so bad input creates nothing."""
    found: list[tuple[Contract, dict, str]] = []
    seen: dict[str, str] = {}
    for path in paths:
        for contract, raw in parse.read(path):
            if contract.name in seen:
                raise BadInput(f"contract {contract.name!r} is also defined in {seen[contract.name]}",
                               file=str(path), field="metadata.name")
            seen[contract.name] = str(path)
            found.append((contract, raw, str(path)))
    return found


def apply(con: duckdb.DuckDBPyConnection, found: list[tuple[Contract, dict, str]]) -> list[Contract]:
    """Store the contracts :func:`read_files` returned (the caller's transaction), each in
    place of a stored one of the same name."""
    now = datetime.now(timezone.utc)
    for contract, raw, path in found:
        con.execute(store.query("contracts.delete"), {"name": contract.name})
        con.execute(store.query("contracts.insert"), {
            "name": contract.name, "customer": contract.customer, "definition": json.dumps(raw, sort_keys=True),
            "source_file": path, "source_yaml": _yaml(raw), "applied_at": now})
    return [c for c, _r, _p in found]


def _yaml(raw: dict) -> str:
    import yaml

    return yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)


def remove(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Delete the stored contract ``name``; False when there is none."""
    found = store.rows(con, "contracts.count_named", {"name": name})[0]["n"]
    if found:
        con.execute(store.query("contracts.delete"), {"name": name})
    return bool(found)


def load(con: duckdb.DuckDBPyConnection) -> list[Contract]:
    """Every stored contract, ordered by customer then name."""
    return [parse.parse_document(json.loads(r["definition"]), "<stored>", i)
            for i, r in enumerate(store.rows(con, "contracts.all"), 1)]


def stored(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The stored rows (name, customer, source_file, source_yaml, applied_at)."""
    return [{k: v for k, v in r.items() if k != "definition"} for r in store.rows(con, "contracts.all")]


def contracts(con: duckdb.DuckDBPyConnection, path: str | Path | None = None, customer: str | None = None,
              name: str | None = None) -> list[Contract]:
    """The contracts a command works on: those of the file at ``path`` (read per call, not
    stored), else the stored ones; only ``customer``'s (id or name, any case) and only the one
    ``name``d when given. An unknown customer or contract is bad input naming the option."""
    found = [c for c, _raw in parse.read(path)] if path is not None else load(con)
    if name is not None:
        found = [c for c in found if c.name == name]
        if not found:
            raise BadInput(f"no contract named {name!r} (see `reliability contracts list`)", field="--contract")
    if customer is not None:
        every = found
        found = [c for c in every if c.matches_customer(customer)]
        if not found:
            known = sorted({c.customer for c in every})
            raise BadInput(f"no contract of customer {customer!r}"
                           + (f" (customers: {', '.join(known)})" if known else
                              " (no contracts stored: see `reliability contracts apply`)"), field="--customer")
    return sorted(found, key=lambda c: (c.customer.casefold(), c.name))
