"""One fetched chunk of one extraction target, ready to write (shared by the plain and the
per-instance fetch, so neither imports the other)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa


@dataclass(frozen=True)
class Result:
    """Slices ``[start, start + n·step)`` of target number ``target``."""

    target: int
    start: int
    n: int
    has: np.ndarray  # per slice: has data
    clamped: int
    warnings: tuple[str, ...]
    table: pa.Table  # the rows to insert: ts and good, total (or value) of the slices with data
