"""SLO definitions over time: ``slo apply --effective-from`` and ``slo history`` (docs/inputs.md).

Every SLO has one or more *versions* in table ``slo_versions``. A version is in force from its
``effective_from`` until the next version's; a first version applied without
``--effective-from`` has none (``None``) and is in force since always, so an SLO defined today
can be computed over last year, as before versions existed. History is append-only:

- applying an SLO whose *measure* (what its numbers depend on: see :func:`measure`) equals
  its newest version's changes no version: the newest version's document is updated in place
  (labels, display name, description and alert policies are not versioned: every period is
  labelled and named as the SLO is now);
- a different measure appends a version in force from ``--effective-from`` (default: now),
  which must not be earlier than the newest version's; at the very same instant it replaces
  that version (a correction of the last change);
- ``effective_from`` in the future is refused (a change is applied when it takes effect).

The ``slos`` table keeps holding the newest version: what is in force now.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import duckdb

from reliability import store
from reliability.errors import BadInput

# Fields of an SLO document that say nothing about its numbers.
_METADATA_ONLY = ("description", "alertPolicies")


@dataclass(frozen=True)
class Version:
    """One version of an SLO: in force from ``effective_from`` (None: since always)."""

    slo: str
    version: int
    effective_from: datetime | None
    definition: dict = field(compare=False, hash=False)
    source_file: str | None = None
    applied_at: datetime | None = None


def measure(definition: dict) -> str:
    """What an SLO's numbers depend on, as canonical JSON: the resolved document without its
    labels, annotations, display names (of the SLO, its SLI and its objectives), description
    and alert policies."""
    spec = {k: v for k, v in (definition.get("spec") or {}).items() if k not in _METADATA_ONLY}
    if isinstance(spec.get("objectives"), list):
        spec["objectives"] = [{k: v for k, v in o.items() if k != "displayName"} if isinstance(o, dict) else o
                              for o in spec["objectives"]]
    indicator = spec.get("indicator")
    if isinstance(indicator, dict):
        meta = indicator.get("metadata") or {}
        spec["indicator"] = {**indicator, "metadata": {"name": meta.get("name")}}
    return json.dumps(spec, sort_keys=True, default=str)


def _rows(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> list[Version]:
    return [
        Version(r["slo"], r["version"], r["effective_from"], json.loads(r["definition"]),
                r.get("source_file"), r.get("applied_at"))
        for r in store.rows(con, name, params)
    ]


def resolve_instant(when: datetime | date | None, zone: str) -> datetime | None:
    """An ``--effective-from`` for one SLO: a date alone is local midnight in the SLO's zone."""
    if when is None or isinstance(when, datetime):
        return when
    return datetime(when.year, when.month, when.day, tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def record(
    con: duckdb.DuckDBPyConnection,
    items: Sequence[tuple[str, str, str, str]],
    effective_from: datetime | date | None,
    now: datetime,
) -> list[dict]:
    """Record the versions that applying ``items`` (SLO name, resolved definition as JSON
    text, source file, calendar time zone) makes, in the caller's transaction.
    ``effective_from``: when the new definitions take effect (None: now for a changed SLO,
    since always for a new one; a date: local midnight in each SLO's zone).
    Returns, per SLO, ``{"slo", "action", "version", "effective_from"}`` with action ``new``,
    ``changed``, ``corrected`` (the newest version replaced at its own instant) or
    ``unchanged`` (no new version; the document is updated in place)."""
    if not items:
        return []
    latest = {v.slo: v for v in _rows(con, "slo.latest_versions", {"names": [i[0] for i in items]})}
    writes: list[tuple[str, int, datetime | None, str, str]] = []
    done = []
    for name, text, source, zone in items:
        given = resolve_instant(effective_from, zone)
        if given is not None and given > now:
            raise BadInput(f"{given.isoformat()} is in the future: apply a change when it takes effect",
                           field="--effective-from")
        definition = json.loads(text)
        old = latest.get(name)
        if old is None:
            action, version, since = "new", 1, given
        elif measure(old.definition) == measure(definition):
            action, version, since = "unchanged", old.version, old.effective_from
        else:
            since = given or now
            if old.effective_from is not None and since < old.effective_from:
                raise BadInput(
                    f"SLO {name!r} has a version in force from {old.effective_from.isoformat()}: a change can only "
                    "take effect at or after the newest one (history is append-only)",
                    field="--effective-from",
                )
            if old.effective_from is not None and since == old.effective_from:
                action, version = "corrected", old.version
            else:
                action, version = "changed", old.version + 1
        writes.append((name, version, since, text, source))
        done.append({"slo": name, "action": action, "version": version, "effective_from": since})
    cols = list(zip(*writes))
    con.execute(store.query("slo.delete_versions"), {"slos": list(cols[0]), "versions": list(cols[1])})
    con.execute(store.query("slo.insert_versions"), {
        "slos": list(cols[0]), "versions": list(cols[1]), "effective_from": list(cols[2]),
        "definitions": list(cols[3]), "source_files": list(cols[4]),
    })
    return done


def histories(con: duckdb.DuckDBPyConnection, names: Sequence[str] | None = None) -> dict[str, list[Version]]:
    """The versions of every SLO that has a history (several versions, or a first version in
    force from a given instant), in order of ``effective_from``; SLOs without one are absent."""
    wanted = None if names is None else set(names)
    out: dict[str, list[Version]] = {}
    for v in _rows(con, "slo.histories", {}):
        if wanted is None or v.slo in wanted:
            out.setdefault(v.slo, []).append(v)
    return out


def versions_of(con: duckdb.DuckDBPyConnection, name: str) -> list[Version]:
    """Every version of SLO ``name`` in order of ``effective_from`` (empty: no such SLO)."""
    return _rows(con, "slo.versions_of", {"name": name})


def in_force(history: Sequence[Version], at: datetime) -> Version | None:
    """The version in force at instant ``at`` (None before the first one takes effect)."""
    found = None
    for v in history:
        if v.effective_from is None or v.effective_from <= at:
            found = v
    return found


def forget(con: duckdb.DuckDBPyConnection, names: Sequence[str]) -> None:
    """Drop the whole history of ``names`` (the demo rebuilds the sample's own)."""
    if names:
        con.execute(store.query("slo.delete_all_versions"), {"names": list(names)})

