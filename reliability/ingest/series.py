"""SLI series in: CSV or Parquet files (or an Arrow table) into ``sli_slices``, validated, upserted.

Columns ``timestamp, service, sli, good, total`` (ratio SLIs) or ``timestamp, service, sli,
value`` (threshold SLIs); other columns are ignored. ``timestamp`` is the start of the slice.
Rows are numbered as in a CSV with a header (the first data row is row 2), Parquet included.

The hot path is columnar and streamed in chunks of a few million rows: Arrow parses and casts
whole columns, NumPy checks them, DuckDB deletes the stored rows they replace and appends them.
Only when a fast cast fails does a slower SQL pass run, to parse what Arrow would not (e.g.
mixed formats) and to find the first offending row for the message. Everything happens inside
the caller's transaction, so a bad row anywhere leaves the database as it was.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
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
_CHUNK_ROWS = 1 << 22  # rows validated and written at a time
# More runs of one series than this share of the rows: the chunk is not grouped by series
# (e.g. one row per service per minute), so group it by series before writing.
_RUNS_SHARE = 64
_EPOCH0 = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Where:
    """Turns a 0-based index into a chunk of the input into the message's location."""

    file: str
    tabular: bool  # True: "row" (header = row 1, first data row = 2); False: "record" (1-based)
    offset: int = 0  # rows of the input before this chunk

    def bad(self, message: str, index: int | None = None, field: str | None = None) -> BadInput:
        if index is None:
            return BadInput(message, file=self.file, field=field)
        if self.tabular:
            return BadInput(message, file=self.file, row=self.offset + int(index) + 2, field=field)
        return BadInput(message, file=self.file, record=self.offset + int(index) + 1, field=field)

    def name(self, index: int) -> str:
        n = self.offset + int(index)
        return f"row {n + 2}" if self.tabular else f"record {n + 1}"


@dataclass
class Prepared:
    """One validated chunk: series codes into ``services``, instants in microseconds, values."""

    where: Where
    services: list[tuple[str, str]]  # (service, sli) per code, sorted
    code: np.ndarray  # int32 series code per row
    ts: np.ndarray  # int64 microseconds since the epoch (UTC)
    good: np.ndarray | None
    total: np.ndarray | None
    value: np.ndarray | None
    order: np.ndarray | None = None  # permutation that groups rows by series (None: as read)

    @property
    def rows(self) -> int:
        return len(self.ts)


@dataclass
class Summary:
    """What one input added: the per-file line of the command's output."""

    file: str
    kind: str = ""
    rows: int = 0
    series: set = field(default_factory=set)
    lo: int | None = None
    hi: int | None = None

    def add(self, p: Prepared) -> None:
        self.kind = "ratio" if p.good is not None else "threshold"
        self.rows += p.rows
        self.series.update(p.services)
        lo, hi = int(p.ts.min()), int(p.ts.max())
        self.lo = lo if self.lo is None else min(self.lo, lo)
        self.hi = hi if self.hi is None else max(self.hi, hi)

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "rows": self.rows,
            "series": len(self.series),
            "kind": self.kind,
            "start": iso_us(self.lo) if self.lo is not None else None,
            "end": iso_us(self.hi) if self.hi is not None else None,
        }


def iso_us(micros: int) -> str:
    """ISO 8601 UTC text of an instant in microseconds since the epoch."""
    return iso(_EPOCH0 + timedelta(microseconds=micros))


# ---------------------------------------------------------------------------------------------
# Public API


def ingest_series(con: duckdb.DuckDBPyConnection, paths: list[str | Path]) -> list[dict]:
    """Upsert the rows of CSV/Parquet files; one summary dict per file.

    Runs inside the caller's transaction; on BadInput the caller's rollback undoes the call.
    """
    for path in paths:  # cheap checks first, so a missing file 3 fails before file 1 is read
        common.sniff(path, common.check_file(path), ("csv", "parquet"))

    def chunks():
        for path in paths:
            yield from _file_chunks(con, path)

    return _ingest(con, chunks, [display(p) for p in paths])


def ingest_series_table(con: duckdb.DuckDBPyConnection, table: pa.Table, source_name: str) -> dict:
    """Upsert an already-typed Arrow table: ``ts`` (timestamp, tz-aware; or epoch seconds),
    ``service``, ``sli`` and ``good``/``total`` (event counts) or ``value``.

    Rows are reported as "record N" (1-based) in messages. Returns the summary dict.
    """
    if "ts" in table.column_names and "timestamp" not in table.column_names:
        table = table.rename_columns(["timestamp" if c == "ts" else c for c in table.column_names])
    if table.num_rows == 0:
        raise BadInput("no rows", file=source_name)

    def chunks():
        for start in range(0, table.num_rows, _CHUNK_ROWS):
            where = Where(source_name, tabular=False, offset=start)
            yield _prepare_table(con, table.slice(start, _CHUNK_ROWS), where)

    return _ingest(con, chunks, [source_name])[0]


def _ingest(con, chunks, names: list[str]) -> list[dict]:
    summaries = {name: Summary(name) for name in names}
    writer = _Writer(con)
    for prepared in chunks():
        summaries[prepared.where.file].add(prepared)
        writer.add(prepared)
    repeated = writer.first_repeat()
    if repeated is not None:
        _raise_repeat(chunks, *repeated)
    return [s.as_dict() for s in summaries.values()]


# ---------------------------------------------------------------------------------------------
# Reading


def _file_chunks(con, path: str | Path) -> Iterator[Prepared]:
    """The validated chunks of one file."""
    name = display(path)
    head = common.check_file(path)
    kind = common.sniff(path, head, ("csv", "parquet"))
    tables = _parquet_tables(path, name) if kind == "parquet" else _csv_tables(path, head, name)
    offset = 0
    for table in tables:
        yield _prepare_table(con, table, Where(name, tabular=True, offset=offset))
        offset += table.num_rows
    if offset == 0:
        raise BadInput("header only: no rows", file=name)


def _grouped(batches) -> Iterator[pa.Table]:
    """Record batches regrouped into tables of at least _CHUNK_ROWS rows (the last smaller)."""
    pending, count = [], 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        pending.append(batch)
        count += batch.num_rows
        if count >= _CHUNK_ROWS:
            yield pa.Table.from_batches(pending)
            pending, count = [], 0
    if pending:
        yield pa.Table.from_batches(pending)


def _csv_tables(path: str | Path, head: bytes, name: str) -> Iterator[pa.Table]:
    first = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    try:
        header = next(csv.reader(io.StringIO(first)))
    except StopIteration:
        raise BadInput("the file is empty: no rows", file=name) from None
    header = [h.strip() for h in header]
    needed = _columns_needed(header, name, tabular=True)
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise BadInput(f"column '{dup}' appears twice in the header", file=name, row=1)
    typed = _typed_guess(first, header, needed)
    types, ignore_empty, done = typed, False, 0
    while True:
        try:
            reader = pacsv.open_csv(
                path,
                read_options=pacsv.ReadOptions(
                    skip_rows=1 + done, column_names=header, block_size=_CSV_BLOCK
                ),
                parse_options=pacsv.ParseOptions(ignore_empty_lines=ignore_empty),
                convert_options=pacsv.ConvertOptions(
                    include_columns=list(needed),
                    column_types=types,
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    null_values=[],
                ),
            )
            for table in _grouped(reader):
                yield table
                done += table.num_rows
            return
        except pa.ArrowInvalid as exc:
            if types is typed:
                # Something did not parse as guessed: read the rest as text, then diagnose.
                types = _string_types(needed)
                continue
            text = str(exc)
            if "utf8" in text.lower():
                raise BadInput("not UTF-8 text; expected a UTF-8 CSV file", file=name) from None
            if not ignore_empty and _only_trailing_blank_lines(path, len(header)):
                ignore_empty = True
                continue
            _raise_csv_row_error(path, len(header), name, text)


def _parquet_tables(path: str | Path, name: str) -> Iterator[pa.Table]:
    try:
        pf = pq.ParquetFile(path)
        needed = _columns_needed(list(pf.schema_arrow.names), name, tabular=True)
        yield from _grouped(pf.iter_batches(batch_size=1 << 20, columns=list(needed)))
    except (pa.ArrowException, OSError) as exc:
        raise BadInput(f"not a readable Parquet file ({exc})", file=name) from None


def _columns_needed(header: list[str], file: str, *, tabular: bool) -> tuple[str, ...]:
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
            file=file,
            row=1 if tabular else None,
        )
    return KEY + value_cols


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


def _raise_csv_row_error(path: str | Path, ncols: int, name: str, arrow_message: str) -> None:
    """Find the first malformed row with Python's csv module (error path only)."""
    try:
        for row, values in enumerate(_csv_rows(path), start=1):
            if row > 1 and len(values) != ncols:
                raise BadInput(
                    f"expected {ncols} fields (as in the header), found {len(values)}",
                    file=name,
                    row=row,
                )
    except csv.Error as exc:
        raise BadInput(f"CSV parse error: {exc}", file=name) from None
    except UnicodeDecodeError:
        raise BadInput("not UTF-8 text; expected a UTF-8 CSV file", file=name) from None
    raise BadInput(f"CSV parse error: {arrow_message}", file=name)


# ---------------------------------------------------------------------------------------------
# Column conversion


def _prepare_table(con: duckdb.DuckDBPyConnection, table: pa.Table, where: Where) -> Prepared:
    needed = _columns_needed(table.column_names, where.file, tabular=where.tabular)
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
        return con.sql(store.query(name), params=params or None).to_arrow_table()
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
    series are not strictly increasing (unsorted, or repeated). Sets ``p.order`` when the rows
    must be regrouped by series first."""
    code, ts = p.code, p.ts
    n = len(code)
    change = np.flatnonzero(code[1:] != code[:-1]) + 1
    if len(change) > max(1024, n // _RUNS_SHARE):
        # Not grouped by series (e.g. one row per series per minute): a stable sort by series
        # (a radix sort when codes fit 16 bits) keeps each series' rows in input order.
        small = code.astype(np.uint16) if len(p.services) <= 65535 else code
        p.order = np.argsort(small, kind="stable")
        code, ts = code[p.order], ts[p.order]
        change = np.flatnonzero(code[1:] != code[:-1]) + 1
    step_back = np.flatnonzero(ts[1:] <= ts[:-1]) + 1
    if len(step_back) and np.any(code[step_back] == code[step_back - 1]):
        p.order = None
        return None
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change - 1, [n - 1]))
    lows, highs, series = ts[starts].tolist(), ts[ends].tolist(), code[starts].tolist()
    return [_Run(p.services[c], lo, hi) for c, lo, hi in zip(series, lows, highs, strict=True)]


class _Writer:
    """Appends validated chunks to ``sli_slices``, first deleting the stored rows they replace.

    Only rows that existed before the call (rowid <= max_old; rows appended in a transaction
    get higher row ids) are deleted, so a key repeated inside the call is never masked: when
    two chunks' blocks of one series overlap in time, ``first_repeat`` checks exactly.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.max_old = con.execute(store.query("ingest.max_slice_rowid")).fetchall()[0][0]
        self.spans: dict[tuple[str, str], list[int]] = {}
        self.suspect: set[tuple[str, str]] = set()

    def add(self, p: Prepared) -> None:
        runs = _runs(p)
        staged = _staged(p)
        unsorted = runs is None
        if runs is None:
            self.suspect.update(p.services)
            self._register(staged, None)
            try:
                bounds = self.con.sql(store.query("ingest.staged_bounds")).to_arrow_table()
            finally:
                self.con.unregister("ingest_staged")
            runs = [
                _Run((s, sli), _micros(lo), _micros(hi))
                for s, sli, lo, hi in zip(*(bounds.column(i).to_pylist() for i in range(4)), strict=True)
            ]
        else:
            bounds = None
        chunk_spans: dict[tuple[str, str], list[int]] = {}
        for r in sorted(runs, key=lambda r: (r.series, r.lo)):
            span = self.spans.get(r.series)
            if span is not None and r.lo <= span[1] and r.hi >= span[0]:
                self.suspect.add(r.series)
            if span is None:
                self.spans[r.series] = [r.lo, r.hi]
            else:
                span[0], span[1] = min(span[0], r.lo), max(span[1], r.hi)
            own = chunk_spans.setdefault(r.series, [r.lo, r.hi])
            own[0], own[1] = min(own[0], r.lo), max(own[1], r.hi)
        if bounds is None:
            bounds = _bounds_table(chunk_spans)
        self._register(staged, bounds)
        try:
            self.con.execute(store.query("ingest.delete_replaced_slices"), {"max_old": self.max_old}).fetchall()
            self.con.execute(store.query("ingest.insert_slices_sorted" if unsorted else "ingest.insert_slices")).fetchall()
        finally:
            self.con.unregister("ingest_staged")
            self.con.unregister("ingest_bounds")

    def _register(self, staged: pa.Table, bounds: pa.Table | None) -> None:
        self.con.register("ingest_staged", staged)
        if bounds is not None:
            self.con.register("ingest_bounds", bounds)

    def first_repeat(self) -> tuple[str, str, int] | None:
        """(service, sli, ts in µs) of a key appended twice by this call, if any."""
        if not self.suspect:
            return None
        bounds = _bounds_table({s: self.spans[s] for s in self.suspect})
        self.con.register("ingest_bounds", bounds)
        try:
            rows = self.con.execute(
                store.query("ingest.first_repeated_slice"), {"max_old": self.max_old}
            ).fetchall()
            row = rows[0] if rows else None
        finally:
            self.con.unregister("ingest_bounds")
        if row is None:
            return None
        return row[0], row[1], _micros(row[2])


def _micros(ts: datetime) -> int:
    delta = ts - _EPOCH0
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _bounds_table(spans: dict[tuple[str, str], list[int]]) -> pa.Table:
    keys = list(spans)
    return pa.table(
        {
            "service": pa.array([k[0] for k in keys], pa.string()),
            "sli": pa.array([k[1] for k in keys], pa.string()),
            "lo": pa.array([spans[k][0] for k in keys], pa.int64()).cast(TS_TYPE),
            "hi": pa.array([spans[k][1] for k in keys], pa.int64()).cast(TS_TYPE),
        }
    )


def _staged(p: Prepared) -> pa.Table:
    """The chunk as an Arrow table for DuckDB, grouped by series when ``p.order`` is set."""

    def take(a: np.ndarray) -> np.ndarray:
        return a if p.order is None else a[p.order]

    codes = take(p.code)
    services = sorted({s for s, _ in p.services})
    slis = sorted({s for _, s in p.services})
    s_pos = {s: i for i, s in enumerate(services)}
    l_pos = {s: i for i, s in enumerate(slis)}
    s_map = np.array([s_pos[s] for s, _ in p.services], np.int32)
    l_map = np.array([l_pos[s] for _, s in p.services], np.int32)
    columns = {
        "service": pa.DictionaryArray.from_arrays(s_map[codes], pa.array(services, pa.string())),
        "sli": pa.DictionaryArray.from_arrays(l_map[codes], pa.array(slis, pa.string())),
        "ts": pa.array(take(p.ts), pa.int64()).cast(TS_TYPE),
    }
    for name in ("good", "total", "value"):
        values = getattr(p, name)
        columns[name] = pa.nulls(p.rows, pa.float64()) if values is None else pa.array(take(values))
    return pa.table(columns)


def _raise_repeat(chunks, service: str, sli: str, ts: int) -> None:
    """Read the input again to name both rows of a repeated (service, sli, ts) (error path)."""
    first = None
    for p in chunks():
        if (service, sli) not in p.services:
            continue
        code = p.services.index((service, sli))
        for i in np.flatnonzero((p.code == code) & (p.ts == ts)).tolist():
            if first is None:
                first = (p.where.file, p.where.name(i))
                continue
            where = first[1] if first[0] == p.where.file else f"{first[0]} {first[1]}"
            raise p.where.bad(
                f"duplicate slice: service '{service}', sli '{sli}', timestamp {iso_us(ts)} "
                f"is also in {where}",
                i,
                "timestamp",
            )
