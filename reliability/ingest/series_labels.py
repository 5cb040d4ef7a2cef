"""SLI series ingestion: the grouping label columns of per-instance SLOs (docs/sla.md).

A series whose ``(service, sli)`` an SLO with grouping labels measures takes those labels from
columns of the same name (``timestamp,service,sli,customer,good,total``); each row is stored
under the instance's key ``sli{customer="acme"}`` (:mod:`reliability.instances`). Rows of other
series ignore such columns. A row without its labels (no such column, or empty values) is the
series as a whole, stored under its plain key as before (an SLO without grouping may measure
it: the gateway overall next to the gateway per customer); a row with some of its labels and
not others is bad input naming the row and the missing column. The grouping in force is read once per
call (:func:`grouping_of`) and held in a context variable while the call's chunks are read.
"""

from __future__ import annotations

import contextlib
import json
from contextvars import ContextVar

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from reliability import instances, store

# (service, sli) -> (grouping labels, name of an SLO that declares them)
_GROUPING: ContextVar[dict[tuple[str, str], tuple[tuple[str, ...], str]]] = ContextVar("series_grouping", default={})


def grouping_of(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple[tuple[str, ...], str]]:
    """The grouping labels of every stored SLO that declares some, by the series it measures."""
    out = {}
    for row in store.rows(con, "instances.grouped_definitions"):
        meta = json.loads(row["definition"]).get("metadata") or {}
        try:
            labels = instances.group_by(meta.get("annotations"))
        except ValueError:
            continue  # refused when applied; nothing stored can be malformed
        if labels:
            out.setdefault((row["service"], row["sli"]), (labels, row["name"]))
    return out


@contextlib.contextmanager
def grouping(con: duckdb.DuckDBPyConnection):
    """Holds the stored grouping for the chunks read inside the block."""
    token = _GROUPING.set(grouping_of(con))
    try:
        yield
    finally:
        _GROUPING.reset(token)


def label_columns(header) -> tuple[str, ...]:
    """The columns of ``header`` that are grouping labels of some stored SLO (read with the rest)."""
    wanted = {label for labels, _ in _GROUPING.get().values() for label in labels}
    return tuple(c for c in header if c in wanted)


def _text_codes(col: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """(int32 code per row, distinct stripped values) of a label column; ``""`` for empty."""
    if pa.types.is_dictionary(col.type):
        col = col.cast(col.type.value_type)
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        col = col.cast(pa.string())
    col = pc.utf8_trim_whitespace(col.fill_null(""))
    encoded = pc.dictionary_encode(col).combine_chunks()
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32), encoded.dictionary.to_pylist()


def apply(p, table: pa.Table):
    """``p`` (a :class:`~reliability.ingest.series_columns.Prepared` chunk) with the rows of
    grouped series that carry their labels moved to their instances' keys; unchanged (and no
    work) without grouping. A row whose labels are all absent or empty stays the series'
    plain row (the whole series, which an SLO without grouping may measure); a row with some
    labels and not others is bad input."""
    for i, (_, sli) in enumerate(p.services):
        if "{" in sli:
            row = int(np.flatnonzero(p.code == i)[0])
            raise p.where.bad(
                f"'{{' is not allowed in sli ({sli!r}); grouping labels go in their own columns "
                "(timestamp,service,sli,customer,good,total)", row, "sli")
    known = _GROUPING.get()
    grouped = {i: known[s] for i, s in enumerate(p.services) if s in known}
    labels = sorted({label for labels, _ in grouped.values() for label in labels} & set(table.column_names))
    if not grouped or not labels:
        return p
    combo = p.code.astype(np.int64)
    decoded: dict[str, list[str]] = {}
    present = np.zeros(len(combo), np.int32)  # per row: how many of its series' labels it has
    needed = np.zeros(len(combo), np.int32)
    has_label: dict[str, np.ndarray] = {}
    for label in sorted({label for labels, _ in grouped.values() for label in labels}):
        users = np.isin(p.code, [i for i, (ls, _) in grouped.items() if label in ls])
        needed += users
        if label not in table.column_names:
            continue
        codes, values = _text_codes(table.column(label))
        empty = [k for k, v in enumerate(values) if v == ""]
        has = users & ~np.isin(codes, empty)
        present += has
        has_label[label] = has
        decoded[label] = [""] + values
        combo = combo * (len(values) + 1) + np.where(has, codes + 1, 0)
    partial = np.flatnonzero((present > 0) & (present < needed))
    if len(partial):
        i = int(partial[0])
        labels_of = grouped[int(p.code[i])][0]
        missing = [lb for lb in labels_of if lb not in has_label or not has_label[lb][i]]
        raise p.where.bad(f"this series is one instance per {', '.join(labels_of)}: give all of them or none "
                          f"(none: the row is the series as a whole)", i, missing[0])
    uniq, inverse = np.unique(combo, return_inverse=True)
    services = []
    for value in uniq.tolist():
        parts = {}
        for label in reversed(sorted(decoded)):
            value, code = divmod(value, len(decoded[label]))
            if code:
                parts[label] = decoded[label][code]
        service, sli = p.services[value]
        services.append((service, instances.series_key(sli, instances.canonical(parts.items()))))
    p.services, p.code = services, inverse.astype(np.int32)
    return p
