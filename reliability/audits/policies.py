"""The error-budget policy in force: applied to the database by ``policy apply``, given per
call as a file, or the built-in default (the SRE workbook's rules with their defaults)."""

from __future__ import annotations

import json

import duckdb

from reliability import store
from reliability.audits import policy_file
from reliability.audits.policy_file import DEFAULT, Policy


def apply(con: duckdb.DuckDBPyConnection, path: str) -> Policy:
    """Validate the policy file, then store it in place of any stored one (the caller's
    transaction); nothing is written when it is invalid."""
    policy, document, text = policy_file.load_file(path)
    check_slo_names(con, policy, path)
    con.execute(store.query("audits.policy_delete"))
    con.execute(store.query("audits.policy_insert"), {"name": policy.name, "spec": json.dumps(document),
                                                      "file": path, "yaml": text})
    return policy


def check_slo_names(con: duckdb.DuckDBPyConnection, policy: Policy, path: str) -> None:
    """Bad input naming the field when the policy names an SLO the database does not define: a
    typo in ``releaseFreeze.slos`` would otherwise leave a service with nothing gating its
    releases, and one in an exemption's ``slo`` would exempt nothing. (`audit policy --policy
    FILE` only warns: the file may be meant for another database.)"""
    from reliability import slos
    from reliability.errors import BadInput

    known = {s.name for s in slos.load(con)}
    hint = f"no SLO named {{!r}} in this database (see `reliability slo list`; apply the SLOs first)"
    for i, name in enumerate(policy.freeze.slos or ()):
        if name not in known:
            raise BadInput(hint.format(name), file=path, field=f"spec.releaseFreeze.slos[{i}]")
    for i, ex in enumerate(policy.exemptions):
        if ex.slo is not None and ex.slo not in known:
            raise BadInput(hint.format(ex.slo), file=path, field=f"spec.exemptions[{i}].slo")


def stored(con: duckdb.DuckDBPyConnection) -> Policy | None:
    """The stored policy, or None."""
    rows = store.rows(con, "audits.policy_stored")
    if not rows:
        return None
    row = rows[0]
    parsed = policy_file.parse(json.loads(row["spec"]), row["source_file"] or "(stored policy)", source="stored")
    return parsed


def in_force(con: duckdb.DuckDBPyConnection, path: str | None = None) -> Policy:
    """The policy of file ``path`` when given, else the stored one, else the default."""
    if path is not None:
        return policy_file.load_file(path)[0]
    return stored(con) or DEFAULT
