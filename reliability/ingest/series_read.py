"""SLI series ingestion, part 2: reading CSV and Parquet files into validated chunks.

CSV is parsed by pyarrow with guessed column types (all text when a guess fails), Parquet
is streamed in record batches; both are regrouped into chunks of CHUNK_ROWS rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from reliability.errors import BadInput
from reliability.ingest import common
from reliability.ingest.common import display
from reliability.ingest.series_columns import (
    CHUNK_ROWS,
    DICT,
    Prepared,
    Where,
    columns_needed,
    prepare_table,
)

_CSV_BLOCK = 1 << 24  # bytes pyarrow reads per CSV block


def file_chunks(con, path: str | Path) -> Iterator[Prepared]:
    """The validated chunks of one file."""
    name = display(path)
    head = common.check_file(path)
    kind = common.sniff(path, head, ("csv", "parquet"))
    tables = _parquet_tables(path, name) if kind == "parquet" else _csv_tables(path, head, name)
    offset = 0
    for table in tables:
        yield prepare_table(con, table, Where(name, tabular=True, offset=offset))
        offset += table.num_rows
    if offset == 0:
        raise BadInput("header only: no rows", file=name)



def _grouped(batches) -> Iterator[pa.Table]:
    """Record batches regrouped into tables of at least CHUNK_ROWS rows (the last smaller)."""
    pending, count = [], 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        pending.append(batch)
        count += batch.num_rows
        if count >= CHUNK_ROWS:
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
    needed = columns_needed(header, name, tabular=True)
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
        # service and sli as dictionaries: a few distinct names over millions of rows, read
        # without materialising a string per row.
        pf = pq.ParquetFile(path, read_dictionary=["service", "sli"])
        needed = columns_needed(list(pf.schema_arrow.names), name, tabular=True)
        yield from _grouped(pf.iter_batches(batch_size=CHUNK_ROWS, columns=list(needed)))
    except (pa.ArrowException, OSError) as exc:
        raise BadInput(f"not a readable Parquet file ({exc})", file=name) from None



def _string_types(needed: tuple[str, ...]) -> dict[str, pa.DataType]:
    return {c: DICT if c in ("service", "sli") else pa.string() for c in needed}


def _typed_guess(first: str, header: list[str], needed: tuple[str, ...]) -> dict[str, pa.DataType]:
    """Column types for the fast read, guessed from the first data row: numbers as float64,
    timestamps as text (checked against the accepted forms, then cast: Arrow's own timestamp
    parsing takes any UTC offset below 24:00), or int64 when they look like integer epoch
    seconds."""
    types = _string_types(needed)
    for c in needed:
        if c in ("good", "total", "value"):
            types[c] = pa.float64()
    types["timestamp"] = pa.string()
    try:
        rows = csv.reader(io.StringIO(first))
        next(rows)
        row = dict(zip(header, next(rows), strict=False))
    except (StopIteration, csv.Error):
        return types
    sample = row.get("timestamp", "")
    if re.fullmatch(r"[0-9]+", sample):
        types["timestamp"] = pa.int64()
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
