"""How numbers are shown to people: one rule per kind of number, for every surface.

The CLI tables, the reports and the app format numbers through these functions, so the same
value reads the same everywhere, and what a table shows is the JSON's value rounded, never
another magnitude. JSON itself keeps raw values: ratios as ratios, durations in minutes.

- :func:`number`: at most ``digits`` decimals (trailing zeros dropped), thousands separated
  (``3,739.7``; ``3,740`` with ``digits=0``).
- :func:`percent`: a ratio as a percentage with a fixed number of decimals (``0.999`` →
  ``99.9%``).
- :func:`duration`: minutes in the one human format: ``12.5 min`` under an hour, ``21 h 18 min``
  under 48 hours (whole minutes), else ``9 d 01 h`` (whole hours).
- :func:`count_of`: a count with its noun in the right number (``1 incident``, ``0 incidents``).
- :func:`budget_unit`: what an SLO's ``bad`` and ``allowed_bad`` count.
- :func:`status_text`, :func:`target_text`, :func:`split_text`: a status, a target and a period
  split at a definition change, as tables and notes read them.
"""

from __future__ import annotations

import math
from datetime import timezone


def _finite(value) -> bool:
    return value is not None and not (isinstance(value, float) and not math.isfinite(value))


def number(value, digits: int = 4) -> str:
    """``value`` rounded to at most ``digits`` decimals, thousands separated; ``-`` for None,
    NaN or infinities; booleans as ``yes``/``no``; other values as ``str``. Only decimals are
    ever stripped, never the digits of the whole part."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not _finite(value):
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    if not isinstance(value, float):
        try:
            value = float(value)  # numpy scalars, Decimal, Fraction
        except (TypeError, ValueError):
            return str(value)
    text = f"{value:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def count_of(n, one: str, many: str | None = None) -> str:
    """``n`` and its noun, singular for exactly 1 (``1 incident``), plural otherwise (``0
    incidents``, ``2 incidents``, ``1.5 incidents``); ``many`` defaults to ``one + "s"``.
    The count is written as :func:`number` writes it (``1,200 rows``)."""
    noun = one if n == 1 else (many if many is not None else one + "s")
    return f"{number(n)} {noun}"


def fixed(value, digits: int) -> str:
    """``value`` with exactly ``digits`` decimals, thousands separated (``1,234.50``); ``-`` for
    None, NaN or infinities; never ``-0.0``."""
    if not _finite(value):
        return "-"
    text = f"{float(value):,.{digits}f}"
    return text[1:] if text.startswith("-") and float(text[1:].replace(",", "")) == 0 else text


def percent(ratio, digits: int = 1) -> str:
    """A ratio as a percentage with ``digits`` decimals (``0.6944`` → ``69.4%``); ``-`` for None."""
    return "-" if not _finite(ratio) else fixed(float(ratio) * 100, digits) + "%"


def duration(minutes) -> str:
    """Minutes in the human format: ``12.5 min`` under an hour, ``21 h 18 min`` under 48 hours
    (rounded to the minute), else ``9 d 01 h`` (rounded to the hour); negative durations (a page
    before the impact started) keep their sign."""
    if not _finite(minutes):
        return "-"
    value = float(minutes)
    sign = "-" if value < 0 else ""
    value = abs(value)
    if round(value) >= 48 * 60:
        d, h = divmod(round(value / 60), 24)
        return f"{sign}{d:,} d {h:02d} h"
    if round(value) >= 60:
        h, m = divmod(round(value), 60)
        return f"{sign}{h:,} h {m:02d} min"
    text = number(value, 1)
    return f"{sign if text != '0' else ''}{text} min"


def budget_unit(budgeting_method: str, slice_minutes: float | None = 1.0) -> str:
    """What ``bad`` and ``allowed_bad`` count: ``events`` for Occurrences; for Timeslices and
    RatioTimeslices ``minutes`` with 1-minute slices (a bad slice is a bad minute), else
    ``slices`` (of ``slice_minutes`` each)."""
    if budgeting_method == "Occurrences":
        return "events"
    return "minutes" if slice_minutes in (None, 1, 1.0) else "slices"


STATUS_TEXT = {"met": "met", "breached": "BREACHED", "insufficient_data": "insufficient data"}


def status_text(status: str, partial: bool) -> str:
    """A status as a table shows it; a partial period's status is provisional."""
    return STATUS_TEXT[status] + (" (partial)" if partial else "")


def target_text(target: float | None) -> str:
    """A target as tables show it (99.9%); "-" when a period split at a change has none."""
    return "-" if target is None else f"{target * 100:.6g}%"


def split_text(r) -> str:
    """The lines under a table for a period split at a definition change (an SLA row with
    ``history["segments"]``: reliability.analysis.segments), one per segment."""
    rule = ("budgets of the segments added (prorated)" if r.history["combined"] == "prorated"
            else "different budgeting methods: the worst segment's status")
    head = f"{r.slo}: definition changed during the period; {rule}:"
    lines = [head]
    for v, seg in r.history["segments"]:
        lines.append(
            f"  version {v.version} {_utc(seg.period_start)} .. {_utc(seg.period_end)}: {seg.budgeting_method}, "
            f"target {target_text(seg.target)}, attainment {percent(seg.attainment, 4)}, bad {number(seg.bad, 2)} of "
            f"{number(seg.allowed_bad, 2)} {seg.unit}, {status_text(seg.status, seg.partial)}"
        )
    return "\n".join(lines)


def _utc(at) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
