"""Readers during writes: while a writer holds the database, a page shows the last good data
with a notice instead of failing.

DuckDB locks the whole file across processes, so while an ingestion or extraction writes, the
app cannot open it at all. Each loader (:mod:`reliability.app.data`) is wrapped by
:func:`last_good`: it waits at most ``$RELIABILITY_APP_LOCK_WAIT`` seconds (default
:data:`APP_LOCK_WAIT`) for the file, and if the writer still holds it, returns what the same
loader with the same arguments returned last (any earlier file stamp) and shows when that was
read. With nothing read yet for that view, it waits as long as the command line would
(``$RELIABILITY_LOCK_WAIT``, default 30 s), then says the database is busy and stops the page
cleanly; the next rerun tries again.
"""

from __future__ import annotations

import copy
import functools
import inspect
import os
import threading
import time
from collections import OrderedDict
from datetime import datetime, timezone

import streamlit as st

from reliability import store

APP_LOCK_WAIT = 3.0  # seconds; a page never waits longer than this for one loader's file
MAX_ENTRIES = 512  # last good results kept (one per loader and arguments)

_last: OrderedDict[tuple, tuple[float, object]] = OrderedDict()
_shown: OrderedDict[str, object] = OrderedDict()  # session id -> the run that got a notice
_lock = threading.Lock()


def app_wait() -> float:
    """Seconds a loader waits for the database file (``$RELIABILITY_APP_LOCK_WAIT``)."""
    return float(os.environ.get("RELIABILITY_APP_LOCK_WAIT", APP_LOCK_WAIT))


def last_good(loader):
    """Wrap a cached loader whose arguments include ``stamp_`` (the file stamp, which a write
    changes): on :class:`store.DatabaseBusy`, the last result for the other arguments."""
    signature = inspect.signature(loader)

    @functools.wraps(loader)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        key = (loader.__qualname__, repr({k: v for k, v in bound.arguments.items() if k != "stamp_"}))
        with _lock:
            found = _last.get(key)
        # With something to show meanwhile, wait briefly; with nothing, as long as the CLI would.
        wait = app_wait() if found is not None else store.lock_wait()
        try:
            with store.waiting(wait):
                value = loader(*args, **kwargs)
        except store.DatabaseBusy:
            if found is None:
                st.warning(f"The database is busy with a write (waited {wait:g} s) and this view has "
                           "not been read before: it will show on the next refresh.", icon="⏳")
                st.stop()
            read_at, value = found
            _notice(read_at, wait)
            return copy.deepcopy(value)
        with _lock:
            _last[key] = (time.time(), copy.deepcopy(value))
            _last.move_to_end(key)
            while len(_last) > MAX_ENTRIES:
                _last.popitem(last=False)
        return value

    return wrapper


def _notice(read_at: float, wait: float) -> None:
    """One notice per page run, however many loaders fell back."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    run = getattr(ctx, "cursors", None)  # a new dict at every rerun: identifies this run
    if ctx is not None and run is not None:
        with _lock:
            if _shown.get(ctx.session_id) is run:
                return
            _shown[ctx.session_id] = run
            _shown.move_to_end(ctx.session_id)
            while len(_shown) > MAX_ENTRIES:
                _shown.popitem(last=False)
    when = datetime.fromtimestamp(read_at, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    st.warning(f"The database is busy with a write (waited {wait:g} s): showing the data as read at "
               f"{when}. The next refresh shows the new data.", icon="⏳")
