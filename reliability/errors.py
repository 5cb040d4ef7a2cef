"""The one exception type for bad input: the CLI turns it into exit 2 and a one-line message."""

from __future__ import annotations


class BadInput(Exception):
    """Input the user must fix: a file, a row, a field, or a bad option value.

    ``row`` is 1-based with the header as row 1 for tabular files; for JSON lists it is the
    1-based position of the record (reported as "record N"). ``document`` is the 1-based
    position of a YAML document in a multi-document file.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        record: int | None = None,
        document: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.row = row
        self.record = record
        self.document = document
        self.field = field

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.document is not None:
            where.append(f"document {self.document}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.record is not None:
            where.append(f"record {self.record}")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        prefix = ": ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message
