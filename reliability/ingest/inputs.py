"""Input files that are pipes: read once, in full, before the database is locked.

``ingest series <(zcat x.csv.gz)``, ``/dev/stdin``, ``-`` and named pipes (FIFOs) can be read
only once, and a FIFO blocks until a writer opens it. The readers look at a file more than once
(the format sniffer reads its first 64 KB, the reader reopens it), and an ingest holds the
database's write lock while it reads. So before the lock is taken, :func:`spooled` copies
every input that is not a regular file into a temporary regular file (in ``$TMPDIR``), reading
it once to its end; messages keep naming the path as given.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import click

from reliability.ingest import common

STDIN = "-"
NOTICE_AFTER = 2.0  # seconds without input before saying what the command waits for


def _needs_spool(path: str) -> bool:
    if path == STDIN:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False  # the reader reports a missing file as bad input
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _open_source(path: str):
    """The input opened for reading; says on stderr what it waits for if opening (a FIFO
    without a writer) or the first bytes take longer than NOTICE_AFTER."""
    name = "standard input" if path == STDIN else path
    fifo = path != STDIN and stat.S_ISFIFO(os.stat(path).st_mode)
    what = "a writer to open the named pipe" if fifo else "input"
    timer = threading.Timer(NOTICE_AFTER, lambda: click.echo(
        f"{name}: waiting for {what} (the database is not locked meanwhile)", err=True))
    timer.daemon = True
    timer.start()
    try:
        if path == STDIN:
            return sys.stdin.buffer, timer
        return open(path, "rb"), timer  # noqa: SIM115 - closed by the caller
    except BaseException:
        timer.cancel()
        raise


@contextlib.contextmanager
def spooled(paths: Sequence[str]) -> Iterator[list[str]]:
    """``paths`` with each pipe, FIFO, device or ``-`` replaced by a temporary regular copy of
    everything it delivered (the copies are removed on exit); regular files are unchanged."""
    if not any(_needs_spool(p) for p in paths):
        yield list(paths)
        return
    with tempfile.TemporaryDirectory(prefix="reliability-input-") as folder:
        out: list[str] = []
        try:
            for i, path in enumerate(paths):
                if not _needs_spool(path):
                    out.append(path)
                    continue
                # Keep the name (its extension tells CSV from JSON or Parquet) in a folder of its own.
                base = "stdin" if path == STDIN else (Path(path).name or "input")
                copy = Path(folder) / str(i) / base
                copy.parent.mkdir()
                source, timer = _open_source(path)
                try:
                    with copy.open("wb") as sink:
                        first = source.read(1)
                        timer.cancel()
                        sink.write(first)
                        shutil.copyfileobj(source, sink, 1 << 20)
                finally:
                    timer.cancel()
                    if source is not sys.stdin.buffer:
                        source.close()
                common.shown_as(str(copy), "stdin" if path == STDIN else path)
                out.append(str(copy))
            yield out
        finally:
            for copy in out:
                common.shown_as(copy, None)
