r"""Text from the data never acts on the user's terminal: control characters are shown, not sent.

A service name, an incident title or a file name can carry escape sequences: OSC 0 sets the
window title, OSC 52 writes the clipboard, CSI moves the cursor or erases what was printed,
a carriage return overwrites the start of a line, and bidirectional overrides make a name read
as another ("Trojan Source"). Everything the command line prints to a terminal goes through
:func:`printable`:

- C0 controls (U+0000–U+001F, ESC among them), DEL (U+007F) and C1 controls (U+0080–U+009F,
  the 8-bit CSI U+009B and OSC U+009D among them) are written as ``\\xHH``;
- bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) as ``\\uHHHH``;
- a line feed and a tab are kept in messages, and escaped too inside a table cell, where they
  would break the row.

JSON output needs no such pass for C0 (``json.dumps`` writes ``\\u001b``); :func:`json_safe`
writes DEL, C1 and the bidirectional controls as ``\\u`` escapes too, so the JSON text is
inert in a terminal and decodes to the same strings.
"""

from __future__ import annotations

import io
import re
import sys

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_MESSAGE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")  # keeps \t (09) and \n (0a)
_CELL = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_JSON = re.compile(f"[\x7f-\x9f{_BIDI}]")  # C0 is escaped by json.dumps already


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, cell: bool = False) -> str:
    """``text`` with every control character written out (see the module's docstring);
    ``cell``: line feeds and tabs too."""
    pattern = _CELL if cell else _MESSAGE
    return pattern.sub(_escape, text) if pattern.search(text) else text


def json_safe(text: str) -> str:
    """JSON text with DEL, C1 and bidirectional controls as ``\\u00HH`` escapes (same value)."""
    return _JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text) if _JSON.search(text) else text


class GuardedStream(io.TextIOBase):
    """A text stream that writes :func:`printable` text to the stream it wraps."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # click probes with b"": this is a text stream
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._stream.write(printable(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self):
        return self._stream.encoding

    @property
    def errors(self):
        return self._stream.errors

    @property
    def buffer(self):
        return self._stream.buffer


def guard_std_streams() -> None:
    """Route everything written to ``sys.stdout`` and ``sys.stderr`` through :func:`printable`."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, GuardedStream):
            setattr(sys, name, GuardedStream(stream))
