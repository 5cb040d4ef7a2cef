"""Keep freed memory in the process: glibc's allocator settings for the analysis commands.

The fleet-wide commands (``worst`` and ``burn --all`` over every SLO) allocate and free
thousands of arrays of a few hundred KB each (one month of one-minute slices is 345 KB of
float64). glibc serves allocations above its mmap threshold (128 KB at start) with fresh
pages from the kernel and returns them on free, so every such array costs a page fault per
4 KB page on first touch — on the 2-core VMs of benchmarks/README.md about 3 µs each, which
made a 43,200-element prefix sum 0.3 ms instead of 0.05 ms. Raising the mmap threshold and
the trim threshold keeps freed memory in the heap for the next array.

Only for short-lived command-line processes (the app, a long-lived server, is left alone);
a ``MALLOC_*`` setting in the environment wins (the user asked for something else).
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 256 * 1024 * 1024  # arrays below this come from the heap, reused when freed
TRIM_THRESHOLD = 1024 * 1024 * 1024  # free memory the heap keeps before returning any


def keep_freed_memory() -> bool:
    """Apply the settings when running on glibc; True when they were applied."""
    if not sys.platform.startswith("linux") or any(k.startswith("MALLOC_") for k in os.environ):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to tune
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
