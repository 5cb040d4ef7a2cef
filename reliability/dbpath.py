"""Which DuckDB file a command or ``reliability.open`` uses; no duckdb import, so the command
line's start-up (``reliability --help``) does not load the database engine."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "reliability.duckdb"


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--db``, else ``$RELIABILITY_DB``, else ``./reliability.duckdb``."""
    return Path(explicit or os.environ.get("RELIABILITY_DB") or DEFAULT_DB)
