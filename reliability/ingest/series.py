"""SLI series in: CSV or Parquet files (or an Arrow table) into ``sli_slices``, validated, upserted.

Columns ``timestamp, service, sli, good, total`` (ratio SLIs) or ``timestamp, service, sli,
value`` (threshold SLIs); other columns are ignored. ``timestamp`` is the start of the slice.
Rows are numbered as in a CSV with a header (the first data row is row 2), Parquet included.

The hot path is columnar: Arrow parses and casts whole columns, NumPy checks them, and DuckDB
writes. Only when a fast cast fails does a slower SQL pass run, to parse what Arrow would not
(e.g. mixed formats) and to find the first offending row for the message.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from reliability import store
from reliability.errors import BadInput
from reliability.ingest import common
from reliability.ingest.common import EPOCH, ISO_ZONED, display, iso

TS_TYPE = pa.timestamp("us", tz="UTC")
KEY = ("timestamp", "service", "sli")
RATIO = ("good", "total")
THRESHOLD = ("value",)
_DICT = pa.dictionary(pa.int32(), pa.string())
_CSV_BLOCK = 1 << 24
# More runs of one series than this share of the rows: the file is not grouped by series
# (e.g. one row per service per minute), so sort it by series first.
_RUNS_SHARE = 64
_EPOCH0 = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Where:
    """Turns a 0-based index of the input into the message's location."""

    file: str
    tabular: bool  # True: "row index + 2" (header = row 1); False: "record index + 1"

    def bad(self, message: str, index: int | None = None, field: str | None = None) -> BadInput:
        if index is None:
            return BadInput(message, file=self.file, field=field)
        if self.tabular:
            return BadInput(message, file=self.file, row=int(index) + 2, field=field)
        return BadInput(message, file=self.file, record=int(index) + 1, field=field)

    def name(self, index: int) -> str:
        return f"row {int(index) + 2}" if self.tabular else f"record {int(index) + 1}"


@dataclass
class Prepared:
    """One validated input: series codes into ``services``, instants in microseconds, counts."""

    where: Where
    services: list[tuple[str, str]]  # (service, sli) per code, sorted
    code: np.ndarray  # int64 series code per row
    ts: np.ndarray  # int64 microseconds since the epoch (UTC)
    good: np.ndarray | None
    total: np.ndarray | None
    value: np.ndarray | None
    order: np.ndarray | None = None  # permutation that groups rows by series (None: as read)

    @property
    def rows(self) -> int:
        return len(self.ts)

    def summary(self) -> dict:
        return {
            "file": self.where.file,
            "rows": self.rows,
            "series": len(self.services),
            "kind": "ratio" if self.good is not None else "threshold",
            "start": iso_us(int(self.ts.min())),
            "end": iso_us(int(self.ts.max())),
        }


def iso_us(micros: int) -> str:
    """ISO 8601 UTC text of an instant in microseconds since the epoch."""
    return iso(_EPOCH0 + timedelta(microseconds=micros))


# ---------------------------------------------------------------------------------------------
# Public API


def ingest_series(con: duckdb.DuckDBPyConnection, paths: list[str | Path]) -> list[dict]:
    """Validate every file, then upsert all their rows; one summary dict per file.

    Runs inside the caller's transaction and writes nothing if any file is bad.
    """
    prepared = [_prepare_file(con, path) for path in paths]
    _write(con, prepared)
    return [p.summary() for p in prepared]


def ingest_series_table(con: duckdb.DuckDBPyConnection, table: pa.Table, source_name: str) -> dict:
    """Upsert an already-typed Arrow table: ``ts`` (timestamp, tz-aware; or epoch seconds),
    ``service``, ``sli`` and ``good``/``total`` (event counts) or ``value``.

    Rows are reported as "record N" (1-based) in messages. Returns the summary dict.
    """
    if "ts" in table.column_names and "timestamp" not in table.column_names:
        table = table.rename_columns(["timestamp" if c == "ts" else c for c in table.column_names])
    prepared = _prepare_table(con, table, Where(source_name, tabular=False))
    _write(con, [prepared])
    return prepared.summary()


# ---------------------------------------------------------------------------------------------
# Reading


def _columns_needed(header: list[str], where: Where) -> tuple[str, ...]:
    names = set(header)
    if set(RATIO) <= names:
        value_cols = RATIO
    elif set(THRESHOLD) <= names:
        value_cols = THRESHOLD
    elif names & set(RATIO):
        value_cols = RATIO
    else:
        value_cols = ()
    missing = [c for c in KEY + value_cols if c not in names]
    if not value_cols:
        missing.append("good and total (ratio SLIs) or value (threshold SLIs)")
    if missing:
        raise BadInput(
            f"missing column(s) {', '.join(missing)}; found columns: {', '.join(header) or '(none)'}",
            file=where.file,
            row=1 if where.tabular else None,
        )
    return KEY + value_cols


def _read_csv(path: str | Path, head: bytes, where: Where) -> pa.Table:
    first = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    try:
        header = next(csv.reader(io.StringIO(first)))
    except StopIteration:
        raise BadInput("the file is empty: no rows", file=where.file) from None
    header = [h.strip() for h in header]
    needed = _columns_needed(header, where)
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise BadInput(f"column '{dup}' appears twice in the header", file=where.file, row=1)
    typed = _typed_guess(first, header, needed)
    for types, ignore_empty in ((typed, False), (_string_types(needed), False), (_string_types(needed), True)):
        try:
            return pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(skip_rows=1, column_names=header, block_size=_CSV_BLOCK),
                parse_options=pacsv.ParseOptions(ignore_empty_lines=ignore_empty),
                convert_options=pacsv.ConvertOptions(
                    include_columns=list(needed),
                    column_types=types,
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    null_values=[],
                ),
            )
        except pa.ArrowInvalid as exc:
            if types is typed:
                continue  # something did not parse as expected: read as text and diagnose
            text = str(exc)
            if "UTF8" in text or "utf8" in text.lower():
                raise BadInput("not UTF-8 text; expected a UTF-8 CSV file", file=where.file) from None
            if not ignore_empty and _only_trailing_blank_lines(path, len(header)):
                continue
            _raise_csv_row_error(path, len(header), where, text)
    raise AssertionError("unreachable")


def _string_types(needed: tuple[str, ...]) -> dict[str, pa.DataType]:
    return {c: _DICT if c in ("service", "sli") else pa.string() for c in needed}


def _typed_guess(first: str, header: list[str], needed: tuple[str, ...]) -> dict[str, pa.DataType]:
    """Column types for the fast read, guessed from the first data row: numbers as float64,
    timestamps as UTC instants (or int64 when they look like integer epoch seconds)."""
    types = _string_types(needed)
    for c in needed:
        if c in ("good", "total", "value"):
            types[c] = pa.float64()
    types["timestamp"] = TS_TYPE
    try:
        rows = csv.reader(io.StringIO(first))
        next(rows)
        row = dict(zip(header, next(rows), strict=False))
    except (StopIteration, csv.Error):
        return types
    sample = row.get("timestamp", "")
    if re.fullmatch(r"\d+", sample):
        types["timestamp"] = pa.int64()
    elif re.fullmatch(EPOCH, sample):
        types["timestamp"] = pa.string()
    return types


def _csv_rows(path: str | Path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        yield from csv.reader(fh)


def _only_trailing_blank_lines(path: str | Path, ncols: int) -> bool:
    """True when the only malformed rows are blank lines at the end of the file."""
    try:
        rows = _csv_rows(path)
        next(rows, None)
        blank_seen = False
        for values in rows:
            blank = not values
            if blank:
                blank_seen = True
            elif blank_seen or len(values) != ncols:
                return False
        return blank_seen
    except (csv.Error, UnicodeDecodeError):
        return False


def _raise_csv_row_error(path: str | Path, ncols: int, where: Where, arrow_message: str) -> None:
    """Find the first malformed row with Python's csv module (error path only)."""
    try:
        for row, values in enumerate(_csv_rows(path), start=1):
            if row > 1 and len(values) != ncols:
                raise BadInput(
                    f"expected {ncols} fields (as in the header), found {len(values)}",
                    file=where.file,
                    row=row,
                )
    except csv.Error as exc:
        raise BadInput(f"CSV parse error: {exc}", file=where.file) from None
    except UnicodeDecodeError:
        raise BadInput("not UTF-8 text; expected a UTF-8 CSV file", file=where.file) from None
    raise BadInput(f"CSV parse error: {arrow_message}", file=where.file)


def _read_parquet(path: str | Path, where: Where) -> pa.Table:
    try:
        schema = pq.read_schema(path)
        needed = _columns_needed(list(schema.names), where)
        return pq.read_table(path, columns=list(needed))
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        if isinstance(exc, BadInput):
            raise
        raise BadInput(f"not a readable Parquet file ({exc})", file=where.file) from None


def _prepare_file(con: duckdb.DuckDBPyConnection, path: str | Path) -> Prepared:
    where = Where(display(path), tabular=True)
    head = common.check_file(path)
    kind = common.sniff(path, head, ("csv", "parquet"))
    table = _read_parquet(path, where) if kind == "parquet" else _read_csv(path, head, where)
    if table.num_rows == 0:
        raise BadInput("header only: no rows", file=where.file)
    return _prepare_table(con, table, where)


# ---------------------------------------------------------------------------------------------
# Column conversion


def _prepare_table(con: duckdb.DuckDBPyConnection, table: pa.Table, where: Where) -> Prepared:
    needed = _columns_needed(table.column_names, where)
    if table.num_rows == 0:
        raise BadInput("no rows", file=where.file)
    ts = _timestamps(con, table.column("timestamp"), where)
    services, code = _series_codes(table.column("service"), table.column("sli"), where)
    good = total = value = None
    if "good" in needed:
        good = _numbers(con, table.column("good"), "good", where)
        total = _numbers(con, table.column("total"), "total", where)
        _check_counts(good, total, where)
    else:
        value = _numbers(con, table.column("value"), "value", where)
        bad = np.flatnonzero(~np.isfinite(value))
        if len(bad):
            raise where.bad(f"expected a finite number, found {value[bad[0]]}", bad[0], "value")
    return Prepared(where, services, code, ts, good, total, value)


def _first_null(col: pa.ChunkedArray) -> int | None:
    if col.null_count == 0:
        return None
    return int(np.flatnonzero(pc.is_null(col).to_numpy(zero_copy_only=False))[0])


def _timestamps(con, col: pa.ChunkedArray, where: Where) -> np.ndarray:
    """int64 microseconds since the epoch for each row; BadInput at the first bad one."""
    t = col.type
    if pa.types.is_dictionary(t):
        col, t = col.cast(t.value_type), t.value_type
    if pa.types.is_timestamp(t):
        if t.tz is None:
            raise where.bad(
                f"the column is a timestamp without time zone ({t}), which is ambiguous; "
                "expected UTC (tz-aware) timestamps, ISO 8601 text with a zone, or epoch seconds",
                0,
                "timestamp",
            )
        out = col.cast(TS_TYPE, safe=False)
    elif pa.types.is_integer(t):
        out = pc.multiply_checked(col.cast(pa.int64()), 1_000_000).cast(TS_TYPE)
    elif pa.types.is_floating(t):
        seconds = col.cast(pa.float64()).to_numpy()
        bad = np.flatnonzero(~np.isfinite(seconds))
        if len(bad):
            raise where.bad(f"{common.EXPECTED_TS}, found {seconds[bad[0]]}", bad[0], "timestamp")
        micros = np.round(seconds * 1e6).astype(np.int64)
        return micros
    elif pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_decimal(t):
        out = _timestamps_from_text(con, col.cast(pa.string()), where)
    else:
        raise where.bad(f"expected timestamps, found a column of type {t}", None, "timestamp")
    first = _first_null(out)
    if first is not None:
        raise where.bad(f"timestamp is empty; {common.EXPECTED_TS}", first, "timestamp")
    return out.cast(pa.int64()).to_numpy()


def _timestamps_from_text(con, col: pa.ChunkedArray, where: Where) -> pa.ChunkedArray:
    try:  # ISO 8601 with a zone: Arrow parses it natively and rejects zone-less text
        return col.cast(TS_TYPE)
    except pa.ArrowInvalid:
        pass
    try:  # integer epoch seconds
        return pc.multiply_checked(col.cast(pa.int64()), 1_000_000).cast(TS_TYPE)
    except pa.ArrowInvalid:
        pass
    try:  # decimal epoch seconds, exact to the microsecond
        return pc.multiply(col.cast(pa.decimal128(24, 6)), pa.scalar(1_000_000, pa.decimal128(7, 0))).cast(
            pa.int64()
        ).cast(TS_TYPE)
    except pa.ArrowInvalid:
        pass
    # Mixed formats, surrounding blanks, or bad rows: parse row by row in SQL.
    parsed = _run_raw(con, "ingest.parse_timestamps", col, {"epoch": EPOCH, "iso": ISO_ZONED})
    out = parsed.column("ts")
    first = _first_null(out)
    if first is not None:
        raw = col[first].as_py()
        raise where.bad(common.ts_problem(raw if raw is not None else ""), first, "timestamp")
    return out.cast(TS_TYPE)


def _run_raw(con, name: str, col: pa.ChunkedArray, params: dict | None = None) -> pa.Table:
    raw = pa.table({"rn": pa.array(np.arange(len(col), dtype=np.int64)), "txt": col})
    con.register("ingest_raw", raw)
    try:
        return con.execute(store.query(name), params or {}).to_arrow_table()
    finally:
        con.unregister("ingest_raw")


def _numbers(con, col: pa.ChunkedArray, field: str, where: Where) -> np.ndarray:
    """float64 per row; BadInput at the first empty, non-numeric or non-finite value."""
    t = col.type
    if pa.types.is_dictionary(t):
        col, t = col.cast(t.value_type), t.value_type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        try:
            out = col.cast(pa.float64())
        except pa.ArrowInvalid:
            out = _run_raw(con, "ingest.parse_numbers", col.cast(pa.string())).column("x")
            first = _first_null(out)
            if first is not None:
                raw = col[first].as_py() or ""
                if not raw.strip():
                    raise where.bad(f"{field} is empty; expected a number", first, field) from None
                raise where.bad(f"expected a number, found '{raw}'", first, field) from None
    elif pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        out = col.cast(pa.float64())
    else:
        raise where.bad(f"expected numbers, found a column of type {t}", None, field)
    first = _first_null(out)
    if first is not None:
        raise where.bad(f"{field} is empty; expected a number", first, field)
    values = out.to_numpy()
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise where.bad(f"expected a finite number, found {values[bad[0]]}", bad[0], field)
    return values


def _check_counts(good: np.ndarray, total: np.ndarray, where: Where) -> None:
    """0 <= good <= total, first offending row named."""
    bad = np.flatnonzero(~((good >= 0) & (good <= total)))
    if not len(bad):
        return
    i = bad[0]
    if good[i] < 0:
        raise where.bad(f"expected a count >= 0, found {_num(good[i])}", i, "good")
    if total[i] < 0:
        raise where.bad(f"expected a count >= 0, found {_num(total[i])}", i, "total")
    raise where.bad(f"good ({_num(good[i])}) > total ({_num(total[i])})", i, "good")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _dictionary(col: pa.ChunkedArray, field: str, where: Where) -> tuple[np.ndarray, np.ndarray]:
    """(int32 codes, sorted distinct trimmed values) of a text column; BadInput on empty values."""
    if not pa.types.is_dictionary(col.type):
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            raise where.bad(f"expected text, found a column of type {col.type}", None, field)
        col = pc.dictionary_encode(col)
    col = pa.table({"c": col}).unify_dictionaries().column("c")
    first = _first_null(col)
    if first is not None:
        raise where.bad(f"{field} is empty", first, field)
    values = np.array([v.strip() for v in col.chunk(0).dictionary.to_pylist()], dtype=object)
    distinct, inverse = np.unique(values, return_inverse=True)
    inverse = inverse.astype(np.int32)
    codes = np.empty(len(col), np.int32)
    offset = 0
    for chunk in col.chunks:
        codes[offset : offset + len(chunk)] = inverse[chunk.indices.to_numpy()]
        offset += len(chunk)
    if len(distinct) and distinct[0] == "":
        first = int(np.flatnonzero(codes == 0)[0])
        raise where.bad(f"{field} is empty", first, field)
    return codes, distinct


def _series_codes(service: pa.ChunkedArray, sli: pa.ChunkedArray, where: Where):
    """The distinct (service, sli) pairs, sorted, and each row's index into them (int32)."""
    s_code, s_values = _dictionary(service, "service", where)
    l_code, l_values = _dictionary(sli, "sli", where)
    width = len(l_values)
    if width == 1:
        pair = s_code
    elif len(s_values) * width < 2**31:
        pair = s_code * np.int32(width) + l_code
    else:
        pair = s_code.astype(np.int64) * width + l_code
    if len(pair) < 4096 or len(s_values) * width > 50_000_000:
        present, code = np.unique(pair, return_inverse=True)
    else:  # like np.unique, without sorting the many rows of the few pairs
        present = np.flatnonzero(np.bincount(pair))
        lookup = np.zeros(int(present[-1]) + 1, np.int32)
        lookup[present] = np.arange(len(present), dtype=np.int32)
        code = lookup[pair]
    services = [(s_values[p // width], l_values[p % width]) for p in present]
    return services, code.astype(np.int32, copy=False)


# ---------------------------------------------------------------------------------------------
# Writing


@dataclass
class _Run:
    series: tuple[str, str]
    lo: int
    hi: int


def _runs(p: Prepared) -> list[_Run] | None:
    """The maximal blocks of one series with strictly increasing ts, or None when rows of one
    series are not strictly increasing (unsorted, or repeated: the slow path sorts that out).
    Sets ``p.order`` when the rows must be regrouped by series first."""
    code, ts = p.code, p.ts
    n = len(code)
    change = np.flatnonzero(code[1:] != code[:-1]) + 1
    if len(change) > max(1024, n // _RUNS_SHARE):
        # Not grouped by series (e.g. one row per series per minute): a stable sort by series,
        # a radix sort when the codes fit 16 bits, keeps each series' rows in input order.
        small = code.astype(np.uint16) if len(p.services) <= 65535 else code
        p.order = np.argsort(small, kind="stable")
        code, ts = code[p.order], ts[p.order]
        change = np.flatnonzero(code[1:] != code[:-1]) + 1
    step_back = np.flatnonzero(ts[1:] <= ts[:-1]) + 1
    if len(step_back) and np.any(code[step_back] == code[step_back - 1]):
        p.order = None
        return None
    starts = np.concatenate(([0], change)).tolist()
    ends = np.concatenate((change - 1, [n - 1]))
    lows, highs, series = ts[starts].tolist(), ts[ends].tolist(), code[starts].tolist()
    return [_Run(p.services[c], lo, hi) for c, lo, hi in zip(series, lows, highs, strict=True)]


def _clean_bounds(prepared: list[Prepared]) -> pa.Table | None:
    """Per series [lo, hi] when no (service, sli, ts) can repeat, else None."""
    runs: list[_Run] = []
    for p in prepared:
        found = _runs(p)
        if found is None:
            return None
        runs.extend(found)
    runs.sort(key=lambda r: (r.series, r.lo))
    merged: dict[tuple[str, str], list[int]] = {}
    for r in runs:
        b = merged.get(r.series)
        if b is None:
            merged[r.series] = [r.lo, r.hi]
        elif r.lo <= b[1]:
            return None  # overlapping blocks of one series: maybe a repeat, check exactly
        else:
            b[1] = r.hi
    keys = list(merged)
    return pa.table(
        {
            "service": pa.array([k[0] for k in keys], pa.string()),
            "sli": pa.array([k[1] for k in keys], pa.string()),
            "lo": pa.array([merged[k][0] for k in keys], pa.int64()).cast(TS_TYPE),
            "hi": pa.array([merged[k][1] for k in keys], pa.int64()).cast(TS_TYPE),
        }
    )


def _write(con: duckdb.DuckDBPyConnection, prepared: list[Prepared]) -> None:
    """Delete the stored rows the new ones replace, then insert them grouped by series."""
    bounds = _clean_bounds(prepared)
    if bounds is not None:
        staged = _staged(prepared, keys=False)
        insert = "ingest.insert_slices"
    else:
        for p in prepared:
            p.order = None
        staged = _staged(prepared, keys=True)
        con.register("ingest_staged", staged)
        try:
            dup = con.execute(store.query("ingest.first_duplicate")).fetchone()
            bounds = con.execute(store.query("ingest.staged_bounds")).to_arrow_table()
        finally:
            con.unregister("ingest_staged")
        if dup is not None:
            _raise_duplicate(prepared, int(dup[0]), int(dup[1]))
        insert = "ingest.insert_slices_sorted"
    con.register("ingest_staged", staged)
    con.register("ingest_bounds", bounds)
    try:
        con.execute(store.query("ingest.delete_replaced_slices"))
        con.execute(store.query(insert))
    finally:
        con.unregister("ingest_staged")
        con.unregister("ingest_bounds")


_POS_SHIFT = 40  # staged position = part << 40 | row index within the part


def _raise_duplicate(prepared: list[Prepared], first_pos: int, repeat_pos: int) -> None:
    mask = (1 << _POS_SHIFT) - 1
    fp, fi = first_pos >> _POS_SHIFT, first_pos & mask
    rp, ri = repeat_pos >> _POS_SHIFT, repeat_pos & mask
    p = prepared[rp]
    first = prepared[fp].where.name(fi)
    if fp != rp:
        first = f"{prepared[fp].where.file} {first}"
    service, sli = p.services[p.code[ri]]
    raise p.where.bad(
        f"duplicate slice: service '{service}', sli '{sli}', timestamp {iso_us(int(p.ts[ri]))} "
        f"is also in {first}",
        ri,
        "timestamp",
    )


def _concat(arrays: list[np.ndarray]) -> np.ndarray:
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _staged(prepared: list[Prepared], *, keys: bool) -> pa.Table:
    """All rows as one Arrow table (each part in ``p.order`` when set) for DuckDB to read.

    With ``keys``: also ``skey`` (sorts like service, sli) and ``pos`` (part << 40 | index).
    """
    names = sorted({s for p in prepared for s in p.services})
    index = {s: i for i, s in enumerate(names)}

    def take(p: Prepared, a: np.ndarray) -> np.ndarray:
        return a if p.order is None else a[p.order]

    codes = _concat(
        [take(p, np.array([index[s] for s in p.services], np.int32)[p.code]) for p in prepared]
    )
    services = sorted({s for s, _ in names})
    slis = sorted({s for _, s in names})
    s_pos = {s: i for i, s in enumerate(services)}
    l_pos = {s: i for i, s in enumerate(slis)}
    s_map = np.array([s_pos[s] for s, _ in names], np.int32)
    l_map = np.array([l_pos[s] for _, s in names], np.int32)
    columns = {
        "service": pa.DictionaryArray.from_arrays(s_map[codes], pa.array(services, pa.string())),
        "sli": pa.DictionaryArray.from_arrays(l_map[codes], pa.array(slis, pa.string())),
        "ts": pa.array(_concat([take(p, p.ts) for p in prepared]), pa.int64()).cast(TS_TYPE),
    }
    for name in ("good", "total", "value"):
        if all(getattr(p, name) is None for p in prepared):
            columns[name] = pa.nulls(len(codes), pa.float64())
            continue
        parts = [
            take(p, getattr(p, name)) if getattr(p, name) is not None else np.full(p.rows, np.nan)
            for p in prepared
        ]
        values = _concat(parts)
        mixed = any(getattr(p, name) is None for p in prepared)
        columns[name] = pa.array(values, pa.float64(), mask=np.isnan(values) if mixed else None)
    if keys:
        columns["skey"] = pa.array(codes)
        columns["pos"] = pa.array(
            _concat([(np.int64(i) << _POS_SHIFT) + np.arange(p.rows, dtype=np.int64) for i, p in enumerate(prepared)])
        )
    return pa.table(columns)
