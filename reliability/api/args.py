"""One convention for every argument of the Python API, checked before the database is read.

- SLOs by name (``"search-availability"``), services by name; ``None`` means all of them.
- Months as ``"YYYY-MM"`` strings; a range of months as a pair ``("2025-10", "2026-03")``,
  both included.
- Times as ISO 8601 strings with ``Z`` or an offset (``"2026-03-17T15:00:00Z"``), a bare date
  (``"2026-03-01"``: midnight UTC), or timezone-aware ``datetime`` / ``pandas.Timestamp``
  values. A naive datetime is refused: which zone it meant cannot be known.
- Durations as strings ``"30m"``, ``"1h"``, ``"1d"``, ``"1w"`` or ``datetime.timedelta``.

A bad value raises :class:`ArgumentError` (a ``ValueError``) naming the argument, the same
check the command line makes for the matching option.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta, timezone

from reliability.errors import BadInput

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# CLI option -> API argument, for messages raised by the analysis code with the option's name.
_ARGUMENT = {"from": "start", "to": "end", "tier": "tiers", "ack_target": "ack_targets", "holiday": "holidays",
             "quantile": "quantiles", "start": "months", "end": "months", "months": "months", "slo": "slo"}


class ArgumentError(ValueError):
    """A bad argument value: ``argument`` names it; the message says what was expected."""

    def __init__(self, message: str, argument: str | None = None) -> None:
        super().__init__(f"{argument}: {message}" if argument else message)
        self.argument = argument


def from_bad_input(exc: BadInput, renames: dict[str, str] | None = None) -> ArgumentError:
    """The :class:`ArgumentError` for a :class:`BadInput` raised with a command-line option's
    name (``--from``): the message names the API's argument (``start``) instead."""
    field = exc.field
    argument = None
    if field and field.startswith("--"):
        key = field[2:].replace("-", "_")
        argument = (renames or {}).get(key) or _ARGUMENT.get(key, key)
        exc.field = None  # the argument is named by the ArgumentError itself
    return ArgumentError(str(exc), argument)


def checked(method: Callable) -> Callable:
    """Turns a :class:`BadInput` the analysis raises for a command-line option into the
    :class:`ArgumentError` of the API's argument (the method's name and docstring kept)."""

    @functools.wraps(method)
    def wrapper(*a, **kw):
        try:
            return method(*a, **kw)
        except BadInput as exc:
            raise from_bad_input(exc) from None

    return wrapper


def paths(value, argument: str) -> tuple[str, ...]:
    """File paths: one (``str`` or ``os.PathLike``) or several."""
    if value is None:
        return ()
    if isinstance(value, (str, os.PathLike)):
        value = [value]
    out = []
    for item in value:
        if not isinstance(item, (str, os.PathLike)):
            raise ArgumentError(f"expected file paths, got {item!r}", argument)
        out.append(os.fspath(item))
    return tuple(out)


def name(value, argument: str, *, required: bool = False) -> str | None:
    """A name (SLO, service, incident id): a non-empty string, or None when not required."""
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ArgumentError(f"expected a name as a non-empty string, got {value!r}", argument)
    return value


def address(slo, instance) -> str | None:
    """The SLO (or instance) ``slo`` and ``instance`` name together (docs/sla.md: per-instance
    SLOs): ``instance`` is a mapping ``{"customer": "acme"}``, or ``"customer=acme"``; ``slo``
    may also be the table form ``'name{customer="acme"}'``."""
    from reliability import instances
    from reliability.errors import BadInput

    name(slo, "slo")
    if instance is None:
        return slo
    if isinstance(instance, str):
        items = [instance]
    elif isinstance(instance, Mapping) and instance and all(
            isinstance(k, str) and isinstance(v, str) for k, v in instance.items()):
        items = [f"{k}={v}" for k, v in instance.items()]
    else:
        raise ArgumentError(f'expected a mapping of label to value such as {{"customer": "acme"}}, got {instance!r}',
                            "instance")
    try:
        return instances.cli_address(slo, items)
    except BadInput as exc:
        raise ArgumentError(exc.message, "slo" if exc.field == "--slo" else "instance") from None


def month(value, argument: str = "month") -> str:
    """A month ``"YYYY-MM"``."""
    if not isinstance(value, str) or not _MONTH.match(value):
        raise ArgumentError(f"expected a month as 'YYYY-MM' (e.g. '2026-03'), got {value!r}", argument)
    return value


def month_range(value, argument: str = "months") -> tuple[str, str] | None:
    """A pair of months ``(first, last)``, both included; None stays None."""
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ArgumentError(f"expected a pair of months ('2025-10', '2026-03'), got {value!r}", argument)
    pair = tuple(value)
    if len(pair) != 2:
        raise ArgumentError(f"expected a pair of months ('2025-10', '2026-03'), got {value!r}", argument)
    first, last = (month(m, argument) for m in pair)
    if last < first:
        raise ArgumentError(f"the last month {last} is before the first {first}", argument)
    return first, last


def instant(value, argument: str) -> datetime:
    """An instant as a timezone-aware UTC datetime (see the module's conventions)."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise ArgumentError(f"a datetime needs a time zone (naive times are ambiguous), got {value!r}", argument)
        if hasattr(value, "to_pydatetime"):  # pandas.Timestamp
            value = value.to_pydatetime()
        return value.astimezone(timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if not isinstance(value, str):
        raise ArgumentError(f"expected an ISO 8601 time such as '2026-03-17T15:00:00Z', got {value!r}", argument)
    from reliability.analysis.history import parse_instant

    try:
        return parse_instant(value, argument)
    except BadInput as exc:
        raise ArgumentError(exc.message, argument) from None


def optional_instant(value, argument: str) -> datetime | None:
    return None if value is None else instant(value, argument)


def _label(seconds: int) -> str:
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def duration(value, argument: str) -> tuple[int, str]:
    """A fixed duration of whole minutes, at least one: ``(seconds, text)``; ``text`` is the
    string given, or a ``timedelta`` written as the command line would take it (``"90m"``)."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        if seconds < 60 or seconds % 60:
            raise ArgumentError(f"expected whole minutes, at least 1, got {value!r}", argument)
        return int(seconds), _label(int(seconds))
    from reliability.analysis.history import parse_window

    if not isinstance(value, str):
        raise ArgumentError(f"expected a duration such as '30m', '1h', '1d' or a timedelta, got {value!r}", argument)
    try:
        d = parse_window(value, argument)
    except BadInput as exc:
        raise ArgumentError(exc.message, argument) from None
    if d.seconds is None or d.seconds < 60:
        raise ArgumentError(f"expected a fixed duration of at least 1m (m, h, d, w), got {value!r}", argument)
    return d.seconds, value


def calendar_window(value, argument: str = "window") -> str | None:
    """A rolling window's length as text (``"28d"``, ``"1M"``: months allowed), or None."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return duration(value, argument)[1]
    from reliability.analysis.history import parse_window

    if not isinstance(value, str):
        raise ArgumentError(f"expected a duration such as '28d' or '1M', got {value!r}", argument)
    try:
        parse_window(value, argument)
    except BadInput as exc:
        raise ArgumentError(exc.message, argument) from None
    return value


def choice(value, argument: str, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise ArgumentError(f"expected one of {', '.join(map(repr, allowed))}, got {value!r}", argument)
    return value


def strings(value, argument: str) -> tuple[str, ...]:
    """A list of strings (a single string is one item)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    items = tuple(value)
    for item in items:
        if not isinstance(item, str):
            raise ArgumentError(f"expected strings, got {item!r}", argument)
    return items


def severity_minutes(value, argument: str) -> tuple[str, ...]:
    """Per-severity settings as the command line writes them: ``{"SEV-2": 10}`` or
    ``["SEV-2=10"]`` both give ``("SEV-2=10",)``."""
    if isinstance(value, dict):
        return tuple(f"{k}={v}" for k, v in value.items())
    return strings(value, argument)


def dates(value, argument: str) -> tuple[str, ...]:
    """Local dates ``"YYYY-MM-DD"`` (or ``datetime.date`` values) as strings."""
    if value is None:
        return ()
    if isinstance(value, (str, date)):
        value = [value]
    return tuple(v.isoformat() if isinstance(v, date) else v for v in value)
