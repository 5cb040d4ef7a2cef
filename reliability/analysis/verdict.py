"""The two rules every SLA number shares: the status of a period, and a target as the decimal it
was written as. Used by :mod:`reliability.analysis.sla` and :mod:`reliability.analysis.segments`."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

DEFAULT_MIN_COVERAGE = 0.9


def status_of(data_coverage: float | None, breached: bool, min_coverage: float = DEFAULT_MIN_COVERAGE) -> str:
    """``insufficient_data`` when the coverage is unknown or below ``min_coverage`` (a ratio),
    else ``breached`` or ``met``. The one rule every surface uses: an SLO without enough data
    is never counted as met."""
    if data_coverage is None or data_coverage < min_coverage:
        return "insufficient_data"
    return "breached" if breached else "met"


def exact_target(value: float) -> Fraction:
    """The target as the decimal it was written as (0.999 or 99.9%), not its binary
    approximation, so that 1 - target is exactly 0.001."""
    return Fraction(Decimal(repr(value)))
