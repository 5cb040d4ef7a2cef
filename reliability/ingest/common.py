"""What every ingester shares: file checks, format sniffing, timestamps, records from CSV/JSON.

Accepted timestamps (series, incidents and deployments alike):

- ISO 8601 with ``Z`` or an explicit offset: ``2025-11-01T04:00:00Z``,
  ``2025-11-01 00:00:00-04:00``, ``2025-11-01T04:00:00.25+0530``, ``2025-11-01T04:00+05``.
- Epoch seconds, integer or decimal: ``1700000000``, ``1700000000.25`` (exact to the microsecond).

A timestamp without a zone is ambiguous and therefore bad input.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from reliability.errors import BadInput

# Shared by the Python parser and the SQL diagnosis (queries/ingest.sql takes them as $params).
# ASCII digits only ([0-9], not \d, which in Python also matches other scripts' digits); a UTC
# offset of at most 14:00 (the widest in use, Kiribati: RFC 3339 allows up to 23:59, no real
# clock is further from UTC, and a larger one is a typo or an attack).
_OFFSET = r"[+-](0[0-9]|1[0-3])(:?[0-5][0-9])?|[+-]14(:?00)?"
ISO_ZONED = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|" + _OFFSET + ")"
ISO_NAIVE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}(:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?)?"
EPOCH = r"[0-9]+(\.[0-9]+)?"
# Instants outside [EARLIEST, LATEST) are refused: before the epoch nothing was measured, and
# far-future stamps broke every reader (Python dates end in year 9999, pandas' in 2262).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2201, 1, 1, tzinfo=UTC)  # exclusive: 2200-12-31T23:59:59.999999Z is the last
EARLIEST_US = 0
LATEST_US = int((LATEST - EARLIEST).total_seconds()) * 1_000_000
_ISO_ZONED = re.compile(ISO_ZONED)
_ISO_NAIVE = re.compile(ISO_NAIVE)
_EPOCH = re.compile(EPOCH)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

EXPECTED_TS = ("expected ISO 8601 with Z or an offset up to ±14:00 (e.g. 2025-11-01T04:00:00Z) or epoch "
               "seconds, in ASCII digits")
RANGE_TS = "outside the supported range 1970-01-01T00:00:00Z .. 2200-12-31T23:59:59Z"
_EPOCH0 = datetime(1970, 1, 1, tzinfo=UTC)
SNIFF_BYTES = 1 << 16


def ts_problem(raw: str) -> str:
    """The message for a timestamp string that does not parse (the caller knows it failed)."""
    text = raw.strip()
    if not text:
        return f"timestamp is empty; {EXPECTED_TS}"
    if _ISO_NAIVE.fullmatch(text):
        return f"'{raw}' has no time zone (ambiguous); {EXPECTED_TS}"
    return f"{EXPECTED_TS}, found '{raw}'"


def epoch_to_datetime(seconds: Decimal | int) -> datetime:
    """Epoch seconds to a UTC datetime, exact to the microsecond (no float rounding).
    ValueError when outside the supported range."""
    micros = int((Decimal(seconds) * 1_000_000).to_integral_value())
    if not EARLIEST_US <= micros < LATEST_US:
        raise ValueError(f"epoch seconds {seconds} are {RANGE_TS}")
    return _EPOCH0 + timedelta(microseconds=micros)


def in_range(ts: datetime, raw: Any) -> datetime:
    """``ts`` when within the supported range, else ValueError naming ``raw``."""
    if not EARLIEST <= ts < LATEST:
        raise ValueError(f"'{raw}' is {RANGE_TS}")
    return ts


def parse_timestamp(value: Any, *, allow_date: bool = False) -> datetime | None:
    """A UTC datetime from a timestamp string or epoch number; None for empty/null.

    Raises ValueError with a user-facing message. ``allow_date`` accepts ``YYYY-MM-DD`` as
    midnight UTC (used for due dates of action items).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{EXPECTED_TS}, found {json.dumps(value)}")
    if isinstance(value, int):
        return epoch_to_datetime(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{EXPECTED_TS}, found {value}")
        return epoch_to_datetime(Decimal(repr(value)))
    if isinstance(value, datetime):  # already typed (an in-memory record)
        if value.tzinfo is None:
            raise ValueError(f"'{value}' has no time zone (ambiguous); {EXPECTED_TS}")
        return in_range(value.astimezone(UTC), value)
    if not isinstance(value, str):
        raise ValueError(f"{EXPECTED_TS}, found {json.dumps(value)}")
    text = value.strip()
    if not text:
        return None
    try:
        if _EPOCH.fullmatch(text):
            parsed = epoch_to_datetime(Decimal(text))
        elif _ISO_ZONED.fullmatch(text):
            parsed = datetime.fromisoformat(text).astimezone(UTC)
        elif allow_date and _DATE.fullmatch(text):
            parsed = datetime.fromisoformat(text).replace(tzinfo=UTC)
        else:
            parsed = None
    except ValueError as exc:
        if RANGE_TS in str(exc):
            raise
        raise ValueError(f"{EXPECTED_TS}, found '{value}' (not a valid date or time)") from None
    except (InvalidOperation, OverflowError):
        raise ValueError(f"'{value}' is {RANGE_TS}") from None
    if parsed is not None:
        return in_range(parsed, value)
    raise ValueError(ts_problem(value))


def iso(ts: datetime | None) -> str | None:
    """ISO 8601 UTC with a ``Z`` suffix (the contract's output format)."""
    if ts is None:
        return None
    ts = ts.astimezone(UTC)
    text = f"{ts.year:04d}-" + ts.strftime("%m-%dT%H:%M:%S")  # %Y is not zero-padded below 1000
    if ts.microsecond:
        text += f".{ts.microsecond:06d}".rstrip("0")
    return text + "Z"


def parse_bool(value: Any) -> bool | None:
    """true/false, yes/no, 1/0 (any case); None for empty. Raises ValueError otherwise."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "":
            return None
        if text in ("true", "yes", "y", "1", "t"):
            return True
        if text in ("false", "no", "n", "0", "f"):
            return False
    raise ValueError(f"expected true or false, found {json.dumps(value)}")


_SHOWN_AS: dict[str, str] = {}  # a temporary copy of a pipe -> the name given (ingest.inputs)


def shown_as(copy: str, given: str | None) -> None:
    """Name the temporary copy ``copy`` as ``given`` in messages (None: forget it)."""
    if given is None:
        _SHOWN_AS.pop(copy, None)
    else:
        _SHOWN_AS[copy] = given


def display(path: str | Path) -> str:
    """How a file is named in messages: as the user gave it."""
    return _SHOWN_AS.get(str(path), str(path))


def check_file(path: str | Path) -> bytes:
    """The first bytes of an existing, non-empty text-or-Parquet file; BadInput otherwise."""
    p = Path(path)
    if not p.exists():
        raise BadInput("no such file", file=display(path))
    if p.is_dir():
        raise BadInput("is a directory, expected a file", file=display(path))
    with p.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if not head:
        raise BadInput("the file is empty (0 bytes): no rows", file=display(path))
    return head


def check_text(path: str | Path, head: bytes) -> None:
    """BadInput unless ``head`` looks like UTF-8 text (no NUL bytes, decodes)."""
    if b"\x00" in head:
        raise BadInput("binary file, expected UTF-8 text (CSV or JSON)", file=display(path))
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"not UTF-8 text (invalid byte at offset {exc.start}); expected a UTF-8 CSV or JSON file",
            file=display(path),
        ) from None


def sniff(path: str | Path, head: bytes, allowed: tuple[str, ...]) -> str:
    """'csv', 'json' or 'parquet' by extension, else by content."""
    suffix = Path(path).suffix.lower()
    by_ext = {".csv": "csv", ".json": "json", ".parquet": "parquet", ".pq": "parquet"}.get(suffix)
    if by_ext is None:
        if head.startswith(b"PAR1"):
            by_ext = "parquet"
        elif head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
            by_ext = "json"
        else:
            by_ext = "csv"
    if by_ext not in allowed:
        raise BadInput(
            f"unsupported format {by_ext}; expected {' or '.join(a.upper() for a in allowed)}",
            file=display(path),
        )
    if by_ext != "parquet":
        check_text(path, head)
    return by_ext


@dataclass(frozen=True)
class Record:
    """One input record and where it came from (a CSV row or a JSON list position)."""

    file: str
    fields: dict[str, Any]
    row: int | None = None
    record: int | None = None

    def bad(self, message: str, field: str | None = None) -> BadInput:
        return BadInput(message, file=self.file, row=self.row, record=self.record, field=field)

    @property
    def where(self) -> str:
        return f"row {self.row}" if self.row is not None else f"record {self.record}"


def _read_text(path: str | Path) -> str:
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"not UTF-8 text (invalid byte at offset {exc.start})", file=display(path)
        ) from None


def read_records(path: str | Path, required: tuple[str, ...]) -> list[Record]:
    """The records of a small CSV or JSON file (incidents, deployments), not yet validated.

    CSV: every value is a string; empty strings are kept (callers treat them as null).
    JSON: a list of objects; values keep their JSON types.
    """
    name = display(path)
    head = check_file(path)
    kind = sniff(path, head, ("csv", "json"))
    text = _read_text(path)
    if kind == "json":
        return _json_records(name, text)
    return _csv_records(name, text, required)


def records_from_dicts(records: list, source_name: str) -> list[Record]:
    """In-memory records (e.g. the demo's) as Records named "record N", each a dict."""
    recs = [Record(source_name, r, record=i) for i, r in enumerate(records, start=1)]
    for rec in recs:
        if not isinstance(rec.fields, dict):
            raise rec.bad("expected an object (dict)")
    return recs


def _json_records(name: str, text: str) -> list[Record]:
    if not text.strip():
        raise BadInput("the file is empty: no rows", file=name)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", file=name
        ) from None
    if not isinstance(data, list):
        hint = ""
        if isinstance(data, dict) and any(isinstance(data.get(k), list) for k in ("incidents", "data")):
            # The first thing a PagerDuty, Opsgenie or incident.io user feeds it.
            hint = ("; a saved PagerDuty, Opsgenie or incident.io API response? "
                    "`ingest incidents --format pagerduty|opsgenie|incidentio` reads those")
        raise BadInput(f"expected a JSON list of objects, found a JSON {_json_type(data)}{hint}", file=name)
    if not data:
        raise BadInput("the JSON list is empty: no rows", file=name)
    records = []
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise BadInput(
                f"expected a JSON object, found a JSON {_json_type(item)}", file=name, record=i
            )
        records.append(Record(name, item, record=i))
    return records


def _json_type(value: Any) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def _csv_records(name: str, text: str, required: tuple[str, ...]) -> list[Record]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise BadInput("the file is empty: no rows", file=name) from None
    except csv.Error as exc:
        raise BadInput(f"CSV parse error in the header: {exc}", file=name, row=1) from None
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise BadInput(
            f"missing column(s) {', '.join(missing)}; found columns: {', '.join(header) or '(none)'}"
            f"{separator_hint(header)}",
            file=name,
            row=1,
        )
    records = []
    row = 1
    try:
        for values in reader:
            row += 1
            if not values or (len(values) == 1 and not values[0].strip()):
                continue  # a blank line carries no record
            if len(values) != len(header):
                raise BadInput(
                    f"expected {len(header)} fields (as in the header), found {len(values)}",
                    file=name,
                    row=row,
                )
            records.append(Record(name, dict(zip(header, values, strict=True)), row=row))
    except csv.Error as exc:
        raise BadInput(f"CSV parse error: {exc}", file=name, row=row + 1) from None
    if not records:
        raise BadInput("header only: no rows", file=name)
    return records


def separator_hint(header: list[str]) -> str:
    """Why a header read as one column, when it is separated by ';' or tabs ("" otherwise).

    Excel in a locale with a decimal comma saves "CSV" with ';' between fields. Such a file is
    refused rather than read with ';': its numbers and dates follow that locale too.
    """
    if len(header) != 1:
        return ""
    for sep, said in ((";", "';'"), ("\t", "tab")):
        if sep in header[0]:
            return (f" (the header is separated by {said}, not by comma: save the file as "
                    "\"CSV UTF-8 (comma delimited)\" or with ',' between fields)")
    return ""


def text_field(rec: Record, name: str, *, required: bool = False) -> str | None:
    """A string field, stripped; None when absent or empty (BadInput when required)."""
    value = rec.fields.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise rec.bad(f"{name} is missing or empty", name)
        return None
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        raise rec.bad(f"expected a string, found {json.dumps(value)}", name)
    if isinstance(value, (int, float)):
        return str(value)
    return value.strip()


def ts_field(rec: Record, name: str, *, required: bool = False, allow_date: bool = False) -> datetime | None:
    try:
        value = parse_timestamp(rec.fields.get(name), allow_date=allow_date)
    except ValueError as exc:
        raise rec.bad(str(exc), name) from None
    if value is None and required:
        raise rec.bad(f"{name} is missing or empty; {EXPECTED_TS}", name)
    return value


def bool_field(rec: Record, name: str) -> bool | None:
    try:
        return parse_bool(rec.fields.get(name))
    except ValueError as exc:
        raise rec.bad(str(exc), name) from None


def check_unique(records: list[Record], key: str, seen: dict[str, Record]) -> None:
    """BadInput naming both places when ``key`` repeats (across all files of one call)."""
    for rec in records:
        value = text_field(rec, key, required=True)
        first = seen.get(value)
        if first is not None:
            where = first.where if first.file == rec.file else f"{first.file} {first.where}"
            raise rec.bad(f"duplicate {key} '{value}' (also in {where})", key)
        seen[value] = rec
