"""What the vendor importers share: reading a saved API response, nested fields, building incidents.

Each importer turns one saved API response (a JSON document) into incidents of the contract's
shape. Messages name the file, the record (1-based position in the response's list) and the
vendor's own field as a path (``priority.summary``, ``report.ackTime``,
``log_entries[2].created_at``), so the fix can be found in the vendor data.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reliability.errors import BadInput
from reliability.ingest import common
from reliability.ingest.common import Record, iso
from reliability.ingest.incidents import LIFECYCLE, Incident
from reliability.ingest.vendors import services as service_maps
from reliability.ingest.vendors.severity import SeverityMap, default_map

# The contract's field -> (UTC instant or None, the vendor field it came from)
Times = dict[str, tuple[datetime | None, str]]
NAIVE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")


def zone(name: str, *, file: str | None = None, field: str | None = None) -> ZoneInfo:
    """The IANA zone ``name``; BadInput naming where it came from when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(f"unknown time zone {name!r}; expected an IANA name such as Europe/Berlin",
                       file=file, field=field) from None


@dataclass(frozen=True)
class Options:
    """How to read vendor files: severity and service maps, ``--skip-invalid``, and the zone
    of naive timestamps in responses that do not name one (``--tz``)."""

    smap: SeverityMap = dataclasses.field(default_factory=default_map)
    services: service_maps.ServiceMap = service_maps.EMPTY
    skip_invalid: bool = False
    tz: str | None = None


@dataclass(frozen=True)
class Skip:
    """A record not imported, and why. ``invalid`` records are bad data left out under
    ``--skip-invalid``; the others are deliberately not incidents (test, triage, merged...)."""

    record: int | None
    id: str | None  # the vendor's id when the record has one
    reason: str
    invalid: bool = False

    def as_json(self) -> dict:
        return {"record": self.record, "id": self.id, "reason": self.reason,
                "kind": "invalid" if self.invalid else "excluded"}


@dataclass(frozen=True)
class Parsed:
    """The incidents of one file, each with the record it came from, and what was left out."""

    file: str
    kind: str  # which API shape was recognised, e.g. "pagerduty-rest", "opsgenie-alerts"
    items: tuple[tuple[Record, Incident], ...]
    skips: tuple[Skip, ...] = ()
    warnings: tuple[str, ...] = ()
    ack_unknown: frozenset[str] = frozenset()  # incident ids whose acknowledgement is unknown
    no_service: tuple[dict, ...] = ()  # records that named no service ({"record", "id", "service"})

    @property
    def skipped(self) -> int:
        """Records deliberately left out (not counting invalid ones)."""
        return sum(not s.invalid for s in self.skips)


class Excluded(Exception):
    """Raised by a record builder: the record is deliberately not an incident (``reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def collect(recs: list[Record], build_one, *, skip_invalid: bool) -> tuple[list, list[Skip]]:
    """``(record, result)`` for every record ``build_one`` accepts, and the skips: records it
    excludes (:class:`Excluded`) and, with ``skip_invalid``, records it finds bad (BadInput);
    without ``skip_invalid`` the first bad record raises (all or nothing)."""
    items, skips = [], []
    for rec in recs:
        try:
            items.append((rec, build_one(rec)))
        except Excluded as exc:
            skips.append(Skip(rec.record, raw_id(rec), exc.reason))
        except BadInput as exc:
            if not skip_invalid:
                raise
            skips.append(Skip(rec.record, raw_id(rec), reason_of(exc), invalid=True))
    return items, skips


def reason_of(exc: BadInput) -> str:
    """A BadInput's message with its field, without the file and record (listed apart)."""
    return f"field '{exc.field}': {exc.message}" if exc.field else exc.message


def raw_id(rec: Record) -> str | None:
    value = rec.fields.get("id")
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def more_pages(doc: Any) -> str | None:
    """A warning when a saved response says more pages exist (PagerDuty ``more: true``,
    Opsgenie ``paging.next``, incident.io ``pagination_meta.after``), else None."""
    if not isinstance(doc, dict):
        return None
    if doc.get("more") is True:
        return "the response says more pages exist (more: true): this file holds only one page"
    paging = doc.get("paging")
    if isinstance(paging, dict) and paging.get("next"):
        return "the response says more pages exist (paging.next is set): this file holds only one page"
    meta = doc.get("pagination_meta")
    if isinstance(meta, dict) and meta.get("after"):
        # incident.io sets `after` on a full page; its total_record_count tells a last page apart
        total, held = meta.get("total_record_count"), doc.get("incidents")
        if isinstance(total, int) and isinstance(held, list) and total <= len(held):
            return None
        return ("the response says more pages exist (pagination_meta.after is set): this file holds "
                "only one page")
    return None


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


def timestamp(rec: Record, path: str, *, required: bool = False, value: Any = None,
              zone: ZoneInfo | None = None) -> datetime | None:
    """A zoned ISO 8601 timestamp (or epoch seconds) at ``path``; BadInput names the path.

    With ``zone``, a timestamp without an offset is read as local time there (PagerDuty
    Analytics writes naive times in the response's ``time_zone``); a repeated local hour
    (daylight saving ends) is read as its first occurrence, a skipped one (daylight saving
    starts) with the offset before the change."""
    raw = get(rec, path) if value is None else value
    if zone is not None and isinstance(raw, str) and NAIVE.fullmatch(raw.strip()):
        try:
            return datetime.fromisoformat(raw.strip()).replace(tzinfo=zone).astimezone(UTC)
        except ValueError:
            raise rec.bad(f"{common.EXPECTED_TS}, found '{raw}' (not a valid date or time)", path) from None
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
