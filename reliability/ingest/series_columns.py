"""SLI series ingestion, part 1: the validated in-memory form of a chunk of rows.

Arrow columns are cast and checked here (NumPy for the fast path, DuckDB SQL when a cast
fails, to parse what Arrow would not and to name the first offending row). Instants are
int64 microseconds since the epoch (UTC); counts are float64 events per slice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from reliability import store
from reliability.errors import BadInput
from reliability.ingest import common
from reliability.ingest.common import EPOCH, ISO_ZONED, iso

TS_TYPE = pa.timestamp("us", tz="UTC")
KEY = ("timestamp", "service", "sli")
RATIO = ("good", "total")
THRESHOLD = ("value",)
DICT = pa.dictionary(pa.int32(), pa.string())
# Rows validated and written at a time. Memory per chunk is a few hundred bytes a row (the
# read, the validated arrays, the staged copy), so 1M rows keeps an ingest of any size well
# under 1 GB; larger chunks gained nothing measurable (benchmarks/README.md, bench_ingest).
CHUNK_ROWS = 1 << 20
EPOCH0 = datetime(1970, 1, 1, tzinfo=UTC)



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



def iso_us(micros: int) -> str:
    """ISO 8601 UTC text of an instant in microseconds since the epoch."""
    return iso(EPOCH0 + timedelta(microseconds=micros))



def columns_needed(header: list[str], file: str, *, tabular: bool) -> tuple[str, ...]:
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
            f"missing column(s) {', '.join(missing)}; found columns: {', '.join(header) or '(none)'}"
            f"{common.separator_hint(header) if tabular else ''}",
            file=file,
            row=1 if tabular else None,
        )
    from reliability.ingest.series_labels import label_columns

    return KEY + value_cols + label_columns(header)  # + grouping labels of per-instance SLOs



def prepare_table(con: duckdb.DuckDBPyConnection, table: pa.Table, where: Where) -> Prepared:
    needed = columns_needed(table.column_names, where.file, tabular=where.tabular)
    ts = _timestamps(con, table.column("timestamp"), where)
    services, code = _series_codes(table.column("service"), table.column("sli"), where)
    good = total = value = None
    if "good" in needed:
        good = _numbers(con, table.column("good"), "good", where)
        total = _numbers(con, table.column("total"), "total", where)
        _check_counts(good, total, where)
    else:
        value = _numbers(con, table.column("value"), "value", where)
        bad = np.flatnonzero(~(np.abs(value) <= MAX_COUNT))
        if len(bad):
            raise where.bad(f"expected a finite number within ±2^53, found {value[bad[0]]!r}", bad[0], "value")
    from reliability.ingest.series_labels import apply

    return apply(Prepared(where, services, code, ts, good, total, value), table)


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
        first = _first_null(col)
        if first is not None:
            raise where.bad(f"timestamp is empty; {common.EXPECTED_TS}", first, "timestamp")
        seconds = col.cast(pa.int64()).to_numpy()
        _check_range(seconds, _LATEST_S, where, col)
        return seconds * 1_000_000
    elif pa.types.is_floating(t):
        seconds = col.cast(pa.float64()).to_numpy()
        bad = np.flatnonzero(~np.isfinite(seconds))
        if len(bad):
            raise where.bad(f"{common.EXPECTED_TS}, found {seconds[bad[0]]}", bad[0], "timestamp")
        _check_range(seconds, _LATEST_S, where, col)
        micros = np.round(seconds * 1e6).astype(np.int64)
        return micros
    elif pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_decimal(t):
        out = _timestamps_from_text(con, col.cast(pa.string()), where)
    else:
        raise where.bad(f"expected timestamps, found a column of type {t}", None, "timestamp")
    first = _first_null(out)
    if first is not None:
        raise where.bad(f"timestamp is empty; {common.EXPECTED_TS}", first, "timestamp")
    micros = out.cast(pa.int64()).to_numpy()
    _check_range(micros, common.LATEST_US, where, col)
    return micros


_LATEST_S = common.LATEST_US // 1_000_000


def _check_range(stamps: np.ndarray, latest: int, where: Where, col: pa.ChunkedArray) -> None:
    """BadInput at the first instant (epoch seconds or µs, as ``latest`` is) outside the
    supported range 1970-01-01 .. 2200-12-31 UTC."""
    bad = np.flatnonzero(~((stamps >= 0) & (stamps < latest)))
    if len(bad):
        raw = col[int(bad[0])].as_py()
        shown = iso(raw) if isinstance(raw, datetime) else raw
        raise where.bad(f"'{shown}' is {common.RANGE_TS}", bad[0], "timestamp")


def _timestamps_from_text(con, col: pa.ChunkedArray, where: Where) -> pa.ChunkedArray:
    # Arrow's casts are lenient (any offset below 24:00); the fast paths run only when every
    # row has the accepted form, else the SQL below names the first row that does not.
    if pc.all(pc.match_substring_regex(col, f"^({ISO_ZONED})$")).as_py():
        try:  # ISO 8601 with a zone: Arrow parses it natively
            return col.cast(TS_TYPE)
        except pa.ArrowInvalid:
            pass
    elif pc.all(pc.match_substring_regex(col, f"^({EPOCH})$")).as_py():
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
    """A parsing query over the chunk's text, on a cursor of its own: it reads no table, and a
    view registered inside the ingest's transaction would hold the text until the commit."""
    raw = pa.table({"rn": pa.array(np.arange(len(col), dtype=np.int64)), "txt": col})
    cur = con.cursor()
    try:
        cur.register("ingest_raw", raw)
        return cur.sql(store.query(name), params=params or None).to_arrow_table()
    finally:
        cur.close()


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


# The largest count or |value| accepted: 2^53, the largest integer a double holds exactly.
# Sums of a month (or years) of such counts stay finite, so no reader can overflow.
MAX_COUNT = float(2**53)


def _check_counts(good: np.ndarray, total: np.ndarray, where: Where) -> None:
    """0 <= good <= total <= MAX_COUNT, first offending row named."""
    bad = np.flatnonzero(~((good >= 0) & (good <= total) & (total <= MAX_COUNT)))
    if not len(bad):
        return
    i = bad[0]
    if total[i] > MAX_COUNT:
        raise where.bad(f"a count of at most 2^53 (9007199254740992) events per slice is expected, found "
                        f"{_num(total[i])}", i, "total")
    if good[i] < 0:
        raise where.bad(f"expected a count >= 0, found {_num(good[i])}", i, "good")
    if total[i] < 0:
        raise where.bad(f"expected a count >= 0, found {_num(total[i])}", i, "total")
    raise where.bad(f"good ({_num(good[i])}) > total ({_num(total[i])})", i, "good")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) <= MAX_COUNT else repr(float(x))


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
