"""Printing results: one JSON document on stdout (``--json``), or a readable table."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

import click

from reliability import instances
from reliability.terminal import json_safe, printable


def iso_z(value: datetime | None) -> str | None:
    """ISO 8601 UTC with a ``Z`` suffix, seconds precision unless finer."""
    if value is None:
        return None
    if value.tzinfo is not timezone.utc:
        value = value.astimezone(timezone.utc)
    if value.year < 1000:  # isoformat pads the year to four digits, strftime does not
        text = value.strftime("%Y-%m-%dT%H:%M:%S")
        if value.microsecond:
            text += f".{value.microsecond:06d}".rstrip("0")
        return text + "Z"
    text = value.isoformat()[:-6]  # ...THH:MM:SS[.ffffff] without +00:00: several times faster
    return (text.rstrip("0") if value.microsecond else text) + "Z"


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime):
        return iso_z(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _default(value):
    if isinstance(value, datetime):
        return iso_z(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def to_json(document) -> str:
    """The document as JSON text: datetimes as :func:`iso_z`, NaN and infinities as null.
    Encoded in one pass by the C encoder; only a document holding a non-finite float (which
    the encoder refuses) is walked first to replace them — the same text either way."""
    try:
        text = json.dumps(document, ensure_ascii=False, allow_nan=False, default=_default)
    except ValueError:
        text = json.dumps(_clean(document), ensure_ascii=False, allow_nan=False)
    if instances.needs_rewrite(text):
        # Per-instance SLOs: "slo": "name{customer=\"acme\"}" is written "slo": "name",
        # "instance": {"customer": "acme"} (docs/sla.md). Documents without instances never
        # get here, so their text is exactly what it was.
        text = json.dumps(_clean(instances.split_addresses(document)), ensure_ascii=False, allow_nan=False)
    return json_safe(text)  # DEL, C1 and bidi controls as \u escapes: inert in a terminal


def emit_json(document) -> None:
    click.echo(to_json(document))


def to_json_with_list(document: dict, key: str, encoded: list[str]) -> str:
    """``to_json`` of ``document`` whose last key ``key`` holds a list whose items are already
    encoded by :func:`to_json` (the fleet commands encode each SLO's result as soon as it is
    computed, while the next chunk loads): the same text as encoding it all at once."""
    if list(document)[-1] != key:
        raise ValueError(f"{key!r} must be the document's last key")
    text = to_json({**document, key: []})
    return text[: -len("[]}")] + "[" + ", ".join(encoded) + "]}"


def fmt(value, digits: int = 4) -> str:
    """A value for a table cell: :func:`reliability.units.number` (at most ``digits`` decimals,
    thousands separated, never another magnitude than the JSON's value)."""
    from reliability.units import number

    return number(value, digits)


def table(headers: Sequence[str], rows: Iterable[Sequence], right: Iterable[int] = ()) -> str:
    r"""A plain-text table with aligned columns (numbers right-aligned).

    Control characters in a cell (an escape sequence in a service name, a line feed in a
    title) are written out as ``\xHH`` (:func:`reliability.terminal.printable`): they neither
    act on the terminal nor break the row.
    """
    headers = [printable(str(h), cell=True) for h in headers]
    rows = [[printable(str(c), cell=True) for c in r] for r in rows]
    right = set(right)
    widths = [len(h) for h in headers]
    for r in rows:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))

    def line(cells):
        return "  ".join(c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells)).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)
