"""Validation primitives: every error names the file, the document (1-based within a
multi-document YAML file), the field path (``spec.objectives[0].target``) and what was
expected.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from reliability.errors import BadInput
from reliability.openslo.model import _DURATION, _NAME, Duration


class _Where:
    """Builds BadInput errors that name the file, document and field path."""

    def __init__(self, file: str, index: int | None) -> None:
        self.file, self.index = file, index

    def fail(self, path: str, message: str) -> BadInput:
        return BadInput(message, file=self.file, document=self.index, field=path)


def _get(where: _Where, obj: Mapping, path: str, key: str, kind: type | tuple, required: bool = True):
    value = obj.get(key) if isinstance(obj, Mapping) else None
    full = f"{path}.{key}" if path else key
    if value is None:
        if required:
            raise where.fail(full, f"is required ({_kind_name(kind)})")
        return None
    if kind is float:
        kind = (int, float)
    if isinstance(value, bool) and kind is not bool and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise where.fail(full, f"expected {_kind_name(kind)}, got {value!r}")
    if not isinstance(value, kind):
        raise where.fail(full, f"expected {_kind_name(kind)}, got {type(value).__name__} {value!r}")
    return value


def _kind_name(kind) -> str:
    names = {str: "a string", bool: "true or false", dict: "a mapping", list: "a list", int: "an integer"}
    if isinstance(kind, tuple):
        if set(kind) == {int, float}:
            return "a number"
        return " or ".join(names.get(k, k.__name__) for k in kind)
    if kind is float:
        return "a number"
    return names.get(kind, kind.__name__)


def parse_duration(where: _Where, path: str, text: Any) -> Duration:
    if not isinstance(text, str) or not _DURATION.match(text):
        raise where.fail(
            path, f"expected a duration such as 1M, 1Q, 1w, 28d, 1h or 5m (m = minutes, M = months), got {text!r}"
        )
    m = _DURATION.match(text)
    return Duration(int(m.group(1)), m.group(2))


def _ratio(where: _Where, path: str, value: Any, *, low_open: bool, high_open: bool, scale: int = 1) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise where.fail(path, f"expected a number, got {value!r}")
    low_ok = value > 0 if low_open else value >= 0
    high_ok = value < scale if high_open else value <= scale
    if not (low_ok and high_ok):
        lo = "(0" if low_open else "[0"
        hi = f"{scale})" if high_open else f"{scale}]"
        hint = ""
        if scale == 1 and 1 < value < 100:
            # "99.9" is how an SLA writes it; OpenSLO's target is a fraction.
            field = path.rsplit(".", 1)[-1]
            hint = f" (a percentage? {value}% is {field}: {Decimal(repr(value)) / 100}"
            hint += f", or targetPercent: {value})" if field == "target" else ")"
        raise where.fail(path, f"expected a number in {lo}, {hi}, got {value!r}{hint}")
    if scale == 1:
        return float(value)
    # 99.9 / 100 in binary floating point is 0.9990000000000001; go through decimal.
    return float(Decimal(repr(value)) / Decimal(scale))


def _name(where: _Where, path: str, meta: Mapping) -> str:
    name = _get(where, meta, path, "name", str)
    if not _NAME.match(name):
        raise where.fail(f"{path}.name", f"expected a name of letters, digits, '.', '_' or '-', got {name!r}")
    return name


def connection_details(spec: Any) -> dict:
    """A DataSource's ``spec.connectionDetails`` as one mapping. The spec allows any YAML there:
    a mapping is taken as is, a list of mappings is merged in order (go-sdk's examples write
    ``connectionDetails: [{url: ...}]``), anything else gives no settings."""
    raw = spec.get("connectionDetails") if isinstance(spec, Mapping) else None
    if isinstance(raw, Mapping):
        return dict(raw)
    merged: dict = {}
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, Mapping):
                merged.update(item)
    return merged
