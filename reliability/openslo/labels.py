"""OpenSLO ``metadata.labels``: validated, normalised, and inherited Service → SLI → SLO.

The spec: a label is ``key: value`` where the value is a string or a list of strings; the key
has at most 63 characters, begins and ends with a letter or digit, with ``-``, ``_`` and ``.``
between (an optional DNS-subdomain prefix and ``/`` are accepted, as for annotations, since
Kubernetes-style keys such as ``app.kubernetes.io/team`` are common). Labels are held as a
sorted tuple of ``(key, (value, ...))`` so that the frozen SLO dataclass stays hashable; a
single string becomes a one-value tuple, and numbers or booleans YAML parsed from an unquoted
value (``tier: 1``) are kept as the text they were written as (``"1"``, ``"true"``).

Inheritance (the rule docs/inputs.md states): an SLO's labels are its Service document's
labels, overridden key by key by its SLI's labels (inline ``indicator`` or ``indicatorRef``),
overridden key by key by the SLO's own. A key set on the more specific document replaces the
inherited values wholly (values are not merged).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reliability.openslo.fields import _Where

Labels = tuple[tuple[str, tuple[str, ...]], ...]

_NAME = r"[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?"
_KEY = re.compile(rf"^([a-z0-9]([a-z0-9.-]{{0,251}}[a-z0-9])?/)?{_NAME}$")
# The value becomes a group name in tables and URLs: no control characters, bounded length.
_MAX_VALUE = 253


def parse(where: _Where, path: str, metadata: Any) -> Labels:
    """The validated labels of a ``metadata`` mapping (``path`` names it in errors)."""
    if not isinstance(metadata, Mapping) or metadata.get("labels") is None:
        return ()
    raw = metadata["labels"]
    lpath = f"{path}.labels" if path else "labels"
    if not isinstance(raw, Mapping):
        raise where.fail(lpath, f"expected a mapping of label keys to a string or a list of strings, got {raw!r}")
    out = []
    for key, value in raw.items():
        kpath = f"{lpath}.{key}"
        if not isinstance(key, str) or not _KEY.match(key):
            raise where.fail(kpath, "expected a label key of at most 63 letters, digits, '-', '_' or '.', beginning "
                                    "and ending with a letter or digit (optionally prefixed with a DNS name and '/')")
        items = value if isinstance(value, list) else [value]
        values = []
        for i, item in enumerate(items):
            ipath = f"{kpath}[{i}]" if isinstance(value, list) else kpath
            text = _text(item)
            if text is None:
                raise where.fail(ipath, f"expected a string or a list of strings, got {item!r}")
            if not text or len(text) > _MAX_VALUE or any(ord(c) < 32 or ord(c) == 127 for c in text):
                raise where.fail(ipath, f"expected a non-empty value of at most {_MAX_VALUE} printable characters")
            if text not in values:
                values.append(text)
        if values:
            out.append((key, tuple(values)))
    return tuple(sorted(out))


def _text(item: Any) -> str | None:
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, str):
        return item
    if isinstance(item, (int, float)):
        return repr(item)
    return None


def merge(*layers: Labels) -> Labels:
    """Later layers override earlier ones key by key (Service, then SLI, then SLO)."""
    out: dict[str, tuple[str, ...]] = {}
    for layer in layers:
        out.update(layer)
    return tuple(sorted(out.items()))


def as_dict(labels: Labels) -> dict[str, list[str]]:
    """Labels as JSON shows them: key → list of values (always a list, even for one value)."""
    return {k: list(v) for k, v in labels}


def from_stored(stored: Mapping[str, Any] | None) -> Labels:
    """Labels from an already validated ``metadata`` mapping (stored documents)."""
    return parse(_Where("<stored>", None), "metadata", stored or {})


def text(labels: Labels) -> str:
    """``team=payments, tier=1`` (several values joined by ``|``), for tables."""
    return ", ".join(f"{k}={'|'.join(v)}" for k, v in labels)
