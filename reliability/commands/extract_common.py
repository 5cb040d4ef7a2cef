"""What the ``extract`` commands share: the ``extract`` group itself, the parsing of their
durations and times, and the warnings logger. ``extract prometheus`` (extract.py) and the
vendor pulls (extract_vendors.py) both build on this module, so neither imports the other's
internals (no import cycle: tests/test_layout.py).
"""

from __future__ import annotations

import logging
import re
import sys
import time
from datetime import datetime, timezone

import click

from reliability.errors import BadInput

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^([0-9]+)([smhdw]?)$")


def parse_duration(text: str, option: str) -> int:
    """``'5m'`` -> 300 (seconds); a bare number is seconds."""
    m = _DURATION.match(text.strip())
    if not m or int(m.group(1)) <= 0:
        raise BadInput(f"expected a duration such as 30s, 1m, 6h or 7d, got {text!r}", field=option)
    return int(m.group(1)) * _UNITS[m.group(2) or "s"]


def parse_time(text: str, option: str) -> int:
    """ISO 8601 (``Z`` or an offset; no offset means UTC), epoch seconds, or ``now``."""
    text = text.strip()
    if text == "now":
        return int(time.time())
    try:
        return int(float(text))
    except ValueError:
        pass
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"expected ISO 8601 (2025-11-01T00:00:00Z), epoch seconds or 'now', got {text!r}",
                       field=option) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp())


@click.group("extract")
def extract() -> None:
    """Extract SLI series from metrics backends into the database."""


def _setup_logging() -> None:
    logger = logging.getLogger("reliability.extract")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("warning: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)
        logger.propagate = False
