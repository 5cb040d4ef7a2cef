"""A command's JSON document as pandas DataFrames: one table of it at a time.

The rule, the same for every method of :class:`reliability.Database`:

- A table is a list in the document (one row per item: ``slos``, ``windows``, ``episodes``)
  or a mapping of mappings (one row per key, the key in a column: ``by_severity`` gives a
  ``severity`` column). A table nested inside each item of another (each SLO's ``episodes``)
  has one row per nested item, with the outer item's name (``slo``) in the first column.
- Columns are the document's field names. A field holding a mapping is spread over columns
  named ``field.key`` (as :func:`pandas.json_normalize` does: ``detect.mean_minutes``); a
  field holding a list stays one column of lists, except those that are tables of their
  own, which are left out (ask for that table instead).
- Timestamps are ``datetime64[us, UTC]`` columns; durations are minutes (floats); missing
  values are ``None``/``NaN``/``NaT``, exactly where the JSON has ``null``.
- The document's own scalar fields (``month``, ``no_data_policy``, ``window``...) are in
  ``frame.attrs``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd


@dataclass(frozen=True)
class Table:
    """Where a table lives in a document. ``path``: keys from the document's root; ``"*"``
    steps into every item of a list, ``"{col}"`` into every value of a mapping, putting the
    key in column ``col``. ``carry``: fields of the items stepped through that are copied into
    each row (``slo``). ``drop``: fields left out (lists shown as tables of their own)."""

    path: tuple[str, ...]
    carry: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    columns: tuple[str, ...] = field(default=())  # the columns of an empty table


def _rows(node, path: tuple[str, ...], carry: tuple[str, ...], prefix: dict) -> list[dict]:
    if not path:
        if isinstance(node, list):
            return [prefix | item if isinstance(item, dict) else prefix | {"value": item} for item in node]
        return [prefix | node]
    step, rest = path[0], path[1:]
    if step == "*":
        out = []
        for item in node:
            kept = prefix | {k: item[k] for k in carry if k in item}
            out += _rows(item, rest, carry, kept)
        return out
    if step.startswith("{"):
        column = step[1:-1]
        out = []
        for key, value in node.items():
            out += _rows(value, rest, carry, prefix | {column: key})
        return out
    if node.get(step) is None:
        return []
    return _rows(node[step], rest, carry, prefix)


def _flatten(row: dict, drop: tuple[str, ...]) -> dict:
    out: dict = {}
    for key, value in row.items():
        if key in drop:
            continue
        if isinstance(value, dict) and value:
            for sub, v in _flatten(value, ()).items():
                out[f"{key}.{sub}"] = v
        else:
            out[key] = value
    return out


def _timestamps(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns of datetimes (and None) as ``datetime64[us, UTC]``."""
    for col in frame.columns:
        values = frame[col]
        if values.dtype != object:
            continue
        present = values.dropna()
        if len(present) and all(isinstance(v, datetime) for v in present):
            frame[col] = pd.to_datetime(values, utc=True).astype("datetime64[us, UTC]")
    return frame


def frame(document: dict, table: Table) -> pd.DataFrame:
    """The rows of ``table`` in ``document`` as a DataFrame (see the module's rule)."""
    rows = [_flatten(r, table.drop) for r in _rows(document, table.path, table.carry, {})]
    if not rows:
        out = pd.DataFrame(columns=list(table.columns))
    else:
        columns: dict[str, None] = {}
        for r in rows:
            columns.update(dict.fromkeys(r))
        out = _timestamps(pd.DataFrame.from_records(rows, columns=list(columns)))
    out.attrs = scalars(document)
    return out


def scalars(document: dict) -> dict:
    """The document's own scalar fields (what is neither a list nor a mapping)."""
    return {k: v for k, v in document.items() if not isinstance(v, (list, dict))}


def records(df: pd.DataFrame) -> list[dict]:
    """The frame's rows as dicts of plain Python values (``NaN``/``NaT`` as None, timestamps as
    ``datetime``): what tests compare with the command line's JSON."""
    out = []
    for row in df.to_dict("records"):
        clean = {}
        for k, v in row.items():
            if isinstance(v, pd.Timestamp):
                v = v.to_pydatetime()
            elif v is pd.NaT or (isinstance(v, float) and v != v):
                v = None
            clean[k] = v
        out.append(clean)
    return out
