"""Applying OpenSLO documents to the database and reading the SLOs back."""

from __future__ import annotations

import json
from collections.abc import Sequence

import duckdb

from reliability import openslo, store
from reliability.openslo import SLO, Document


def _stored(con: duckdb.DuckDBPyConnection, kind: str) -> list[Document]:
    rows = con.execute(store.query("slo.stored_documents"), {"kind": kind}).fetchall()
    return [Document(kind, name, json.loads(spec), src or "<stored>", 1, "") for name, spec, src in rows]


def _json_default(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def apply(con: duckdb.DuckDBPyConnection, paths: Sequence[str]) -> list[Document]:
    """Validate every document of every file, then store them all (the caller's transaction).

    Nothing is written unless every document is valid. Returns the applied documents.
    """
    docs: list[Document] = []
    for path in paths:
        docs.extend(openslo.read_documents(path))
    stored = _stored(con, "SLI") + _stored(con, "DataSource")
    slos, docs = openslo.resolve(docs, stored)
    slis = {d.name: d for d in stored if d.kind == "SLI"}
    slis.update({d.name: d for d in docs if d.kind == "SLI"})
    by_name = {s.name: s for s in slos}
    for doc in docs:
        body = json.dumps(doc.body, default=_json_default, sort_keys=True)
        con.execute(store.query("slo.delete_object"), {"kind": doc.kind, "name": doc.name})
        con.execute(
            store.query("slo.insert_object"),
            {"kind": doc.kind, "name": doc.name, "spec": body, "source_file": doc.file, "source_yaml": doc.text},
        )
        if doc.kind == "SLO":
            _save_slo(con, by_name[doc.name], openslo.resolved_document(doc, slis))
    return docs


def _save_slo(con: duckdb.DuckDBPyConnection, slo: SLO, definition: dict) -> None:
    con.execute(store.query("slo.delete_slo"), {"name": slo.name})
    con.execute(store.query("slo.delete_objectives"), {"name": slo.name})
    con.execute(
        store.query("slo.insert_slo"),
        {
            "name": slo.name,
            "display_name": slo.display_name,
            "description": slo.description,
            "service": slo.service,
            "sli": slo.sli,
            "sli_kind": slo.indicator.kind,
            "budgeting_method": slo.budgeting_method,
            "window_duration": str(slo.window.duration),
            "is_rolling": slo.window.is_rolling,
            "calendar_start": slo.window.calendar_start,
            "time_zone": slo.window.time_zone,
            "time_slice_window_seconds": slo.time_slice_window_seconds,
            "definition": json.dumps(definition, default=_json_default, sort_keys=True),
        },
    )
    for idx, obj in enumerate(slo.objectives):
        con.execute(
            store.query("slo.insert_objective"),
            {
                "slo": slo.name,
                "idx": idx,
                "name": obj.name,
                "target": obj.target,
                "time_slice_target": obj.time_slice_target,
                "op": obj.op,
                "value": obj.value,
            },
        )


def load(con: duckdb.DuckDBPyConnection, name: str | None = None) -> list[SLO]:
    """The stored SLOs (all, or the one named), parsed back into dataclasses."""
    datasources = {d.name: d.body for d in _stored(con, "DataSource")}
    rows = con.execute(store.query("slo.slo_definitions")).fetchall()
    slos = [openslo.slo_from_definition(json.loads(defn), datasources) for n, defn in rows if name in (None, n)]
    return slos


def datasource(con: duckdb.DuckDBPyConnection, name: str) -> dict | None:
    """The stored DataSource document of that name, or None."""
    for d in _stored(con, "DataSource"):
        if d.name == name:
            return dict(d.body)
    return None
