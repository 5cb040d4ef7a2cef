"""Applying OpenSLO documents to the database and reading the SLOs back."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import date, datetime, timezone

import duckdb

from reliability import instances, openslo, store, versions
from reliability.errors import BadInput
from reliability.openslo import composite, secrets
from reliability.openslo import labels as label_rules
from reliability.openslo import SLO, Document


def _stored(con: duckdb.DuckDBPyConnection, kind: str) -> list[Document]:
    rows = con.execute(store.query("slo.stored_documents"), {"kind": kind}).fetchall()
    return [Document(kind, name, json.loads(spec), src or "<stored>", 1, "") for name, spec, src in rows]


def _json_default(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def apply(
    con: duckdb.DuckDBPyConnection, paths: Sequence[str], read: Sequence[Document] | None = None, *, warn=None,
    effective_from: datetime | date | None = None, changes: list | None = None,
) -> list[Document]:
    """Validate every document of every file, then store them all (the caller's transaction).

    ``read``: the files' documents already read (``openslo.read_documents``), e.g. before the
    database was locked. Nothing is written unless every document is valid. Returns the
    applied documents; ``warn`` is called with a message for each field accepted but ignored.
    ``effective_from``: when changed SLO definitions take effect (:mod:`reliability.versions`;
    default now, and since always for a new SLO); ``changes``, when given, receives what
    happened to each SLO's versions.
    """
    docs: list[Document] = list(read) if read is not None else []
    for path in paths if read is None else ():
        docs.extend(openslo.read_documents(path))
    for doc in docs:  # before anything else: a credential must not even reach an error message
        for field, message in secrets.refusals(doc.kind, doc.body):
            raise BadInput(message, file=doc.file, document=doc.index, field=field)
    stored = _stored(con, "SLI") + _stored(con, "DataSource")
    composite_docs = [d for d in docs if composite.is_composite(d)]
    slos, docs = openslo.resolve([d for d in docs if not composite.is_composite(d)], stored, warn=warn)
    composites = _check_composites(con, composite_docs, slos)
    docs = docs + composite_docs
    slis = {d.name: d for d in stored if d.kind == "SLI"}
    slis.update({d.name: d for d in docs if d.kind == "SLI"})
    by_name = {s.name: s for s in slos}
    objects: dict[str, list] = {k: [] for k in ("kinds", "names", "specs", "source_files", "source_yamls")}
    for doc in docs:
        objects["kinds"].append(doc.kind)
        objects["names"].append(doc.name)
        objects["specs"].append(json.dumps(doc.body, default=_json_default, sort_keys=True))
        objects["source_files"].append(doc.file)
        objects["source_yamls"].append(doc.text)
    # One statement per table, however many documents: a few thousand SLOs apply in seconds.
    con.execute(store.query("slo.delete_objects"), {"kinds": objects["kinds"], "names": objects["names"]})
    con.execute(store.query("slo.insert_objects"), objects)
    slo_docs = [d for d in docs if d.kind == "SLO" and d.name in by_name]
    if slo_docs:
        items = [(by_name[d.name], openslo.resolved_document(d, slis)) for d in slo_docs]
        texts = [json.dumps(definition, default=_json_default, sort_keys=True) for _, definition in items]
        done = versions.record(
            con, [(s.name, t, d.file, s.window.time_zone) for (s, _), t, d in zip(items, texts, slo_docs)],
            effective_from, datetime.now(timezone.utc))
        if changes is not None:
            changes.extend(done)
        _save_slos(con, items)
    _save_composites(con, composites, [d.name for d in slo_docs])
    return docs


def _check_composites(con: duckdb.DuckDBPyConnection, docs: list[Document], new: list[SLO]) -> list:
    """Parse composite SLO documents; each member must be an SLO defined now or before (not
    another composite: a journey is made of measured SLOs)."""
    if not docs:
        return []
    parsed = [composite.parse(d) for d in docs]
    known = {n for n, _ in con.execute(store.query("slo.slo_definitions")).fetchall()} | {s.name for s in new}
    known -= {c.name for c in parsed}  # a composite replacing an SLO of its name cannot use it
    for doc, comp in zip(docs, parsed):
        for i, m in enumerate(comp.members):
            base, _ = instances.parse_address(m.slo)
            if base not in known:
                raise BadInput(
                    f"member {m.slo!r} is not an SLO defined in these files or applied before "
                    "(members are SLOs with an indicator, not composites)",
                    file=doc.file, document=doc.index,
                    field=f"spec.objectives[0].composite.components.objectives[{i}].slo")
    return parsed


def _save_composites(con: duckdb.DuckDBPyConnection, parsed: list, slo_names: list[str]) -> None:
    """Store composites; an SLO applied under a composite's name replaces it, and the reverse."""
    if not parsed and not slo_names:
        return
    if not store.rows(con, "composite.has_table")[0]["n"]:
        return
    names = [c.name for c in parsed]
    con.execute(store.query("composite.delete"), {"names": names + slo_names})
    if parsed:
        con.execute(store.query("slo.delete_slos"), {"names": names})
        con.execute(store.query("slo.delete_objectives"), {"names": names})
        con.execute(store.query("composite.insert"), {
            "names": names,
            "definitions": [json.dumps(c.as_stored(), default=_json_default, sort_keys=True) for c in parsed]})


def _save_slos(con: duckdb.DuckDBPyConnection, items: list[tuple[SLO, dict]]) -> None:
    rows: dict[str, list] = {}
    objectives: dict[str, list] = {}

    def add(table: dict, **values) -> None:
        for key, value in values.items():
            table.setdefault(key, []).append(value)

    for slo, definition in items:
        add(
            rows,
            name=slo.name,
            display_name=slo.display_name,
            description=slo.description,
            service=slo.service,
            sli=slo.sli,
            sli_kind=slo.indicator.kind,
            budgeting_method=slo.budgeting_method,
            window_duration=str(slo.window.duration),
            is_rolling=slo.window.is_rolling,
            calendar_start=slo.window.calendar_start,
            time_zone=slo.window.time_zone,
            time_slice_window_seconds=slo.time_slice_window_seconds,
            definition=json.dumps(definition, default=_json_default, sort_keys=True),
        )
        for idx, obj in enumerate(slo.objectives):
            add(
                objectives,
                slo=slo.name,
                idx=idx,
                name=obj.name,
                target=obj.target,
                time_slice_target=obj.time_slice_target,
                op=obj.op,
                value=obj.value,
            )
    con.execute(store.query("slo.delete_slos"), {"names": rows["name"]})
    con.execute(store.query("slo.delete_objectives"), {"names": rows["name"]})
    con.execute(store.query("slo.insert_slos"), rows)
    con.execute(store.query("slo.insert_objectives"), objectives)


def load(con: duckdb.DuckDBPyConnection, name: str | None = None) -> list[SLO]:
    """The stored SLOs (all, or the one named) as in force now, parsed back into dataclasses,
    with their effective labels (the Service document's, overridden by the SLI's and the SLO's:
    :mod:`reliability.openslo.labels`). ``name`` may be an instance's address,
    ``api-gateway-availability{customer="acme"}``: then that instance
    (:func:`reliability.instances.instance_of`). A definition with grouping labels comes back
    as it is stored; :func:`reliability.analysis.instances.expand` turns it into its instances."""
    base, instance = instances.parse_address(name) if name else (None, ())
    sources = datasources(con)
    services = service_labels(con)
    rows = con.execute(store.query("slo.slo_definitions")).fetchall()
    slos = [inherit(openslo.slo_from_definition(json.loads(defn), sources), services)
            for n, defn in rows if base in (None, n)]
    if instance and slos:
        return [instances.instance_of(slos[0], instance)]
    return slos


def inherit(slo: SLO, services: dict[str, tuple]) -> SLO:
    """``slo`` with its Service document's labels under its own."""
    inherited = services.get(slo.service)
    return dataclasses.replace(slo, labels=label_rules.merge(inherited, slo.labels)) if inherited else slo


def service_labels(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """Labels of each stored Service document, by service name (services without labels absent)."""
    out = {}
    for d in _stored(con, "Service"):
        found = label_rules.from_stored(d.body.get("metadata"))
        if found:
            out[d.name] = found
    return out


def datasources(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """The stored DataSource documents by name (for re-parsing stored definitions)."""
    return {d.name: d.body for d in _stored(con, "DataSource")}


def datasource(con: duckdb.DuckDBPyConnection, name: str) -> dict | None:
    """The stored DataSource document of that name, or None."""
    for d in _stored(con, "DataSource"):
        if d.name == name:
            return dict(d.body)
    return None


def alerting(con: duckdb.DuckDBPyConnection, name: str) -> tuple[dict, dict[str, dict], dict[str, dict]]:
    """The stored definition of SLO ``name`` and the stored AlertPolicy and AlertCondition
    documents by name, for resolving its ``alertPolicies``."""
    definitions = dict(con.execute(store.query("slo.slo_definitions")).fetchall())
    policies = {d.name: dict(d.body) for d in _stored(con, "AlertPolicy")}
    conditions = {d.name: dict(d.body) for d in _stored(con, "AlertCondition")}
    return json.loads(definitions[name]), policies, conditions


def describe(slo: SLO) -> dict:
    """One SLO as ``slo list --json`` shows it: names, budgeting method, time window and zone,
    slice length in minutes (None for Occurrences), objectives (targets as ratios)."""
    return {
        "slo": slo.name,
        "display_name": slo.display_name,
        "service": slo.service,
        "sli": slo.sli,
        "sli_kind": slo.indicator.kind,
        "budgeting_method": slo.budgeting_method,
        "time_window": str(slo.window.duration),
        "is_rolling": slo.window.is_rolling,
        "time_zone": slo.window.time_zone,
        "time_slice_window_minutes": None
        if slo.time_slice_window_seconds is None
        else slo.time_slice_window_seconds / 60,
        "objectives": [
            {"name": o.name, "target": o.target, "time_slice_target": o.time_slice_target, "op": o.op, "value": o.value}
            for o in slo.objectives
        ],
    } | ({"labels": label_rules.as_dict(slo.labels)} if slo.labels else {}) | (
        {"group_by": list(slo.group_by)} if slo.group_by else {})


def describe_history(found: Sequence[versions.Version], sources: dict) -> dict:
    """``slo history --json``: each version as ``slo list`` describes an SLO, with
    ``version``, ``effective_from`` (None: since always), ``until`` (the next version's
    ``effective_from``; None: still in force), ``applied_at``, ``source_file`` and ``changed``
    (the described fields that differ from the version before)."""
    out = []
    before = None
    for i, v in enumerate(found):
        described = describe(openslo.slo_from_definition(v.definition, sources))
        described.pop("labels", None)  # labels are not versioned
        changed = [] if before is None else [k for k in described if described[k] != before[k]]
        until = found[i + 1].effective_from if i + 1 < len(found) else None
        out.append({"version": v.version, "effective_from": v.effective_from, "until": until,
                    "applied_at": v.applied_at, "source_file": v.source_file, "changed": changed} | described)
        before = described
    return {"slo": found[0].slo, "versions": out}
