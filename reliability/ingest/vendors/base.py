"""What the vendor importers share: reading a saved API response, nested fields, building incidents.

Each importer turns one saved API response (a JSON document) into incidents of the contract's
shape. Messages name the file, the record (1-based position in the response's list) and the
vendor's own field as a path (``priority.summary``, ``report.ackTime``,
``log_entries[2].created_at``), so the fix can be found in the vendor data.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from reliability.errors import BadInput
from reliability.ingest import common
from reliability.ingest.common import Record, iso
from reliability.ingest.incidents import LIFECYCLE, Incident

# The contract's field -> (UTC instant or None, the vendor field it came from)
Times = dict[str, tuple[datetime | None, str]]


@dataclass(frozen=True)
class Parsed:
    """The incidents of one file, each with the record it came from."""

    file: str
    kind: str  # which API shape was recognised, e.g. "pagerduty-rest", "opsgenie-alerts"
    items: tuple[tuple[Record, Incident], ...]
    skipped: int = 0  # records deliberately left out (e.g. incident.io test incidents)


def json_type(value: Any) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def load_document(path: str | Path) -> tuple[str, Any]:
    """(name, parsed JSON) of a saved API response; BadInput for missing, binary or bad JSON."""
    name = common.display(path)
    head = common.check_file(path)
    common.check_text(path, head)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"not UTF-8 text (invalid byte at offset {exc.start})", file=name) from None
    if not text.strip():
        raise BadInput("the file is empty: no incidents", file=name)
    try:
        return name, json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", file=name
        ) from None


def records(name: str, doc: Any, key: str, expected: str) -> list[Record]:
    """The objects of ``doc[key]`` as records numbered from 1; BadInput when the shape differs."""
    if not isinstance(doc, dict) or key not in doc:
        found = f"an object with keys {', '.join(sorted(doc)[:8]) or '(none)'}" if isinstance(doc, dict) else f"a JSON {json_type(doc)}"
        raise BadInput(f"expected {expected}; found {found}", file=name)
    items = doc[key]
    if not isinstance(items, list):
        raise BadInput(f"expected a JSON list, found a JSON {json_type(items)}", file=name, field=key)
    out = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise BadInput(f"expected a JSON object, found a JSON {json_type(item)}", file=name, record=i)
        out.append(Record(name, item, record=i))
    return out


def check_looks_like(recs: list[Record], keys: tuple[str, ...], expected: str) -> None:
    """BadInput when the first record has none of a shape's characteristic fields (most often
    a file of another vendor, or the wrong --format)."""
    if recs and not any(k in recs[0].fields for k in keys):
        raise recs[0].bad(
            f"expected {expected}, but the record has none of the fields {', '.join(keys)} "
            "(is --format right?)"
        )


def get(rec: Record | dict, path: str) -> Any:
    """The value at a dotted path (``priority.summary``), None where any step is missing."""
    value: Any = rec.fields if isinstance(rec, Record) else rec
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def text(rec: Record, path: str, *, required: bool = False, value: Any = None) -> str | None:
    """A string at ``path`` (or the given ``value``), stripped; None when absent or empty."""
    raw = get(rec, path) if value is None else value
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise rec.bad(f"{path} is missing or empty", path)
        return None
    if isinstance(raw, (bool, dict, list)):
        raise rec.bad(f"expected a string, found {json.dumps(raw)[:80]}", path)
    return str(raw).strip()


def timestamp(rec: Record, path: str, *, required: bool = False, value: Any = None) -> datetime | None:
    """A zoned ISO 8601 timestamp (or epoch seconds) at ``path``; BadInput names the path."""
    raw = get(rec, path) if value is None else value
    try:
        ts = common.parse_timestamp(raw)
    except ValueError as exc:
        raise rec.bad(str(exc), path) from None
    if ts is None and required:
        raise rec.bad(f"{path} is missing or empty; {common.EXPECTED_TS}", path)
    return ts


def after(rec: Record, base: datetime | None, path: str, unit: str) -> datetime | None:
    """``base`` plus the non-negative duration at ``path`` in ``unit`` ("seconds" or
    "milliseconds"), exact to the microsecond; None when the duration is absent."""
    raw = get(rec, path)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw) or raw < 0:
        raise rec.bad(f"expected a non-negative number of {unit}, found {json.dumps(raw)[:80]}", path)
    if base is None:
        return None
    per_second = 1000 if unit == "milliseconds" else 1
    micros = int((Decimal(repr(raw)) * 1_000_000 / per_second).to_integral_value())
    return base + timedelta(microseconds=micros)


def flag(rec: Record, path: str) -> bool | None:
    raw = get(rec, path)
    if raw is None or isinstance(raw, bool):
        return raw
    raise rec.bad(f"expected true or false, found {json.dumps(raw)[:80]}", path)


def build(
    rec: Record,
    *,
    vendor: str,
    vendor_id: str,
    incident_id: str,
    service: str,
    severity: str,
    title: str | None,
    times: Times,
    team: str | None = None,
    tags: tuple[str, ...] | None = None,
    postmortem_url: str | None = None,
) -> Incident:
    """A contract incident; BadInput when detected_at is missing or the times are out of order
    (the message names both contract fields and the vendor field of the later one)."""
    detected, detected_field = times.get("detected_at", (None, "created_at"))
    if detected is None:
        raise rec.bad(f"{detected_field} is missing: the incident needs a detection time", detected_field)
    present = [(n, *times[n]) for n in LIFECYCLE if n in times and times[n][0] is not None]
    for (a, ta, fa), (b, tb, fb) in itertools.pairwise(present):
        if tb < ta:
            raise rec.bad(
                f"{b} ({iso(tb)}) is before {a} ({iso(ta)}, from {fa}); expected {a} <= {b}", fb
            )
    return Incident(
        id=incident_id,
        service=service,
        severity=severity,
        title=title,
        times={n: times.get(n, (None, ""))[0] for n in LIFECYCLE},
        root_cause=None,
        postmortem_url=postmortem_url,
        postmortem_published_at=None,
        customer_impact=None,
        tags=tags,
        updates=(),
        action_items=(),
        source=rec.file,
        team=team,
        vendor=vendor,
        vendor_id=vendor_id,
    )
