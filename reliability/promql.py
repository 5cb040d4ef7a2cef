"""The bits of PromQL that rule generation needs: rewriting a query's range selectors to a new
window, string literals, label names and Prometheus durations.

Range rewriting reads the query as PromQL does (string literals in ``"``, ``'`` or backticks
and ``#`` comments are skipped, so a ``[`` inside a label matcher is left alone) and replaces
the range of every selector ``x[5m]`` (also ``[1h30m]``, ``[90s]``, ``[5m0s]``, Sloth's
``[{{.window}}]`` and Grafana's ``[$__rate_interval]``) with the window. A subquery
``expr[1h:5m]`` gets the window as its range and keeps its resolution; the ranges *inside*
its ``expr`` (``rate(x[5m])[1h:1m]``) are per-point rates, not the SLI's window, and are kept.
"""

from __future__ import annotations

import re

# Prometheus' duration syntax: units y w d h m s ms, largest first, each at most once.
_DURATION = r"(?:[0-9]+y)?(?:[0-9]+w)?(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?(?:[0-9]+ms)?"
_UNIT_SECONDS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}
_RANGE = re.compile(rf"^\s*(?:(?=[0-9])({_DURATION})|\{{\{{\s*\.window\s*\}}\}}|\$\w+)\s*$")
_SUBQUERY = re.compile(rf"^\s*((?=[0-9]){_DURATION})\s*:\s*((?=[0-9]){_DURATION})?\s*$")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def duration_seconds(text: str) -> float | None:
    """``1h30m`` -> 5400.0; None when ``text`` is not a Prometheus duration (or is zero)."""
    if not isinstance(text, str) or not text or not re.fullmatch(_DURATION, text):
        return None
    total = sum(int(n) * _UNIT_SECONDS[u] for n, u in re.findall(r"([0-9]+)(ms|[ywdhms])", text))
    return total or None


def _brackets(query: str) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """Every ``[...]`` span (start, end index of ``]``) outside strings and comments, and the
    matching opener of every ``)`` and ``}`` (by position)."""
    spans: list[tuple[int, int]] = []
    openers: dict[int, int] = {}
    stack: list[tuple[str, int]] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c in "\"'`":
            j = i + 1
            while j < n and query[j] != c:
                j += 2 if c != "`" and query[j] == "\\" else 1
            i = j + 1
            continue
        if c == "#":
            while i < n and query[i] != "\n":
                i += 1
            continue
        if c in "([{":
            stack.append((c, i))
        elif c in ")]}" and stack:
            kind, start = stack.pop()
            if c == "]":
                spans.append((start, i))
            else:
                openers[i] = start
        i += 1
    return spans, openers


def _operand_start(query: str, at: int, openers: dict[int, int]) -> int:
    """Where the expression a subquery bracket at ``at`` applies to starts."""
    j = at - 1
    while j >= 0 and query[j].isspace():
        j -= 1
    if j >= 0 and query[j] in ")}" and j in openers:
        j = openers[j] - 1
        while j >= 0 and query[j].isspace():
            j -= 1
    while j >= 0 and (query[j].isalnum() or query[j] in "_:"):
        j -= 1
    return j + 1


def rewrite_ranges(query: str, window: str) -> str | None:
    """``query`` with each outer range replaced by ``window`` (see the module docstring);
    None when it has no range selector or subquery to rewrite."""
    spans, openers = _brackets(query)
    ranges, subqueries = [], []
    for start, end in spans:
        inner = query[start + 1 : end]
        if _RANGE.match(inner):
            ranges.append((start, end))
        elif _SUBQUERY.match(inner):
            subqueries.append((start, end))
    keep = set()
    for start, _ in subqueries:
        first = _operand_start(query, start, openers)
        keep |= {s for s in ranges + subqueries if first <= s[0] < start}
    edits = [s for s in ranges + subqueries if s not in keep]
    if not edits:
        return None
    out, last = [], 0
    for start, end in sorted(edits):
        inner = query[start + 1 : end]
        step = _SUBQUERY.match(inner).group(2) if _SUBQUERY.match(inner) else None
        out += [query[last : start + 1], window + (f":{step}" if step else (":" if ":" in inner else ""))]
        last = end
    out.append(query[last:])
    return "".join(out)


def string(value: str) -> str:
    """A PromQL double-quoted string literal for ``value`` (Go escapes: a newline is ``\\n``,
    other control characters ``\\uXXXX``), so a label value survives exactly."""
    out = []
    for ch in value:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or ch in "\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def selector(labels: dict[str, str]) -> str:
    """``{a="x", b="y"}`` with the values as PromQL strings."""
    return "{" + ", ".join(f"{k}={string(v)}" for k, v in labels.items()) + "}"
