"""Reading numbers back from the CLI's plain-text tables, the way a person reads them.

A table is a header line, a line of dashes (one run per column, two spaces apart) and rows;
each cell lies within its column's run. A cell holds a number as :mod:`reliability.units`
writes it — ``3,739.7``, ``99.7917%``, ``12.5 min``, ``21 h 18 min``, ``9 d 01 h``, several of
them joined by `` / `` — or text. :func:`read` returns each number with the tolerance its
rounding allows, so a test can check it against the JSON's value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PLAIN = re.compile(r"^(-?[\d,]+(?:\.(\d+))?)$")
_PERCENT = re.compile(r"^(-?[\d,]+(?:\.(\d+))?)%$")
_MINUTES = re.compile(r"^(-?[\d,]+(?:\.(\d+))?) min$")
_HOURS = re.compile(r"^(-?)([\d,]+) h (\d\d) min$")
_DAYS = re.compile(r"^(-?)([\d,]+) d (\d\d) h$")
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$")


@dataclass(frozen=True)
class Number:
    """A number shown in a table: ``value`` in the JSON's unit (ratios for percentages, minutes
    for durations), ``tolerance`` half a unit of its last shown digit, ``kind`` how it was shown."""

    text: str
    value: float
    tolerance: float
    kind: str  # plain, percent, duration
    column: str


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def _half(decimals: str | None) -> float:
    return 0.5 * 10 ** -(len(decimals) if decimals else 0)


def parse_cell(text: str, column: str = "") -> list[Number] | str | None:
    """The numbers of one cell; the text itself for an ISO timestamp; None for anything else."""
    text = text.strip()
    if _ISO.match(text):
        return text
    parts = text.split(" / ")
    out = []
    for part in parts:
        part = part.strip()
        if m := _PLAIN.match(part):
            out.append(Number(part, _num(m.group(1)), _half(m.group(2)), "plain", column))
        elif m := _PERCENT.match(part):
            out.append(Number(part, _num(m.group(1)) / 100, _half(m.group(2)) / 100, "percent", column))
        elif m := _MINUTES.match(part):
            out.append(Number(part, _num(m.group(1)), _half(m.group(2)), "duration", column))
        elif m := _HOURS.match(part):
            sign = -1 if m.group(1) else 1
            out.append(Number(part, sign * (_num(m.group(2)) * 60 + int(m.group(3))), 0.5, "duration", column))
        elif m := _DAYS.match(part):
            sign = -1 if m.group(1) else 1
            out.append(Number(part, sign * (_num(m.group(2)) * 1440 + int(m.group(3)) * 60), 30.0, "duration", column))
        elif part in ("-", ""):
            continue
        else:
            return None
    return out


def tables(output: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every table in ``output``: (headers, rows of cells)."""
    lines = output.splitlines()
    found = []
    for i, line in enumerate(lines):
        if i == 0 or not line or set(line) - {"-", " "} or "--" not in line:
            continue
        spans = [(m.start(), m.end()) for m in re.finditer(r"-+", line)]
        # A cell may spill past its run only in the last column (rstrip cuts trailing blanks).
        def cut(text: str) -> list[str]:
            cells = [text[a:b] if k < len(spans) - 1 else text[a:] for k, (a, b) in enumerate(spans)]
            return [c.strip() for c in cells]

        headers = cut(lines[i - 1])
        rows = []
        for row in lines[i + 1 :]:
            if not row.strip() or len(row) < spans[0][1] - 1 or any(
                    row[b : b + 2].strip() for a, b in spans[:-1] if len(row) > b):
                break
            rows.append(cut(row))
        found.append((headers, rows))
    return found


def read(output: str) -> tuple[list[Number], list[str]]:
    """Every number and every ISO timestamp shown in the tables of ``output``."""
    numbers, stamps = [], []
    for headers, rows in tables(output):
        for row in rows:
            for header, cell in zip(headers, row):
                got = parse_cell(cell, header)
                if isinstance(got, str):
                    stamps.append(got)
                elif got:
                    numbers.extend(got)
    return numbers, stamps


def leaves(document) -> tuple[list[float], set[str]]:
    """Every number (booleans left out) and every string of a JSON document."""
    numbers: list[float] = []
    strings: set[str] = set()

    def walk(value):
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, (int, float)):
            numbers.append(float(value))
        elif isinstance(value, str):
            strings.add(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(document)
    return numbers, strings


def matches(shown: Number, values: list[float]) -> bool:
    """Whether some JSON value, rounded as the table rounds it, is what the table shows."""
    slack = shown.tolerance * (1 + 1e-9) + 1e-12
    if shown.kind == "percent":  # a ratio shown as percent, or a field in percent (credit_percent)
        return any(abs(v - shown.value) <= slack or abs(v - shown.value * 100) <= slack * 100 for v in values)
    return any(abs(v - shown.value) <= slack for v in values)
