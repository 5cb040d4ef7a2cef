"""SLI series in: CSV or Parquet files (or an Arrow table) into ``sli_slices``, validated, upserted.

Columns ``timestamp, service, sli, good, total`` (ratio SLIs) or ``timestamp, service, sli,
value`` (threshold SLIs); other columns are ignored. ``timestamp`` is the start of the slice.
Rows are numbered as in a CSV with a header (the first data row is row 2), Parquet included.

The work is split by concern: :mod:`series_read` reads files into chunks,
:mod:`series_columns` validates and converts columns, :mod:`series_write` writes them.
Everything happens inside the caller's transaction, so a bad row anywhere leaves the
database as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from reliability.errors import BadInput
from reliability.ingest import common, series_labels
from reliability.ingest.common import display
from reliability.ingest.series_columns import (
    CHUNK_ROWS,
    Prepared,
    Where,
    iso_us,
    prepare_table,
)
from reliability.ingest.series_read import file_chunks
from reliability.ingest.series_write import Writer, raise_repeat


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



def ingest_series(con: duckdb.DuckDBPyConnection, paths: list[str | Path]) -> list[dict]:
    """Upsert the rows of CSV/Parquet files; one summary dict per file.

    Runs inside the caller's transaction; on BadInput the caller's rollback undoes the call.
    """
    for path in paths:  # cheap checks first, so a missing file 3 fails before file 1 is read
        common.sniff(path, common.check_file(path), ("csv", "parquet"))

    def chunks():
        for path in paths:
            yield from file_chunks(con, path)

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
        for start in range(0, table.num_rows, CHUNK_ROWS):
            where = Where(source_name, tabular=False, offset=start)
            yield prepare_table(con, table.slice(start, CHUNK_ROWS), where)

    return _ingest(con, chunks, [source_name])[0]


def _ingest(con, chunks, names: list[str]) -> list[dict]:
    summaries = {name: Summary(name) for name in names}
    writer = Writer(con)
    with series_labels.grouping(con):  # label columns of per-instance SLOs
        for prepared in chunks():
            summaries[prepared.where.file].add(prepared)
            writer.add(prepared)
        repeated = writer.first_repeat()
        if repeated is not None:
            raise_repeat(chunks, *repeated)
    return [s.as_dict() for s in summaries.values()]
