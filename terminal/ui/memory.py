"""Keep a cashier's day from ratcheting the process's memory up (glibc only; elsewhere nothing to do).

glibc raises its mmap threshold each time a large block served by mmap is freed (up to 32 MiB), after which
blocks of that size come from the main heap instead. A day of receipts, PDFs and platform answers then leaves
freed megabytes in the middle of the heap, pinned under small long-lived objects: measured by bench/ui_soak.py,
the heap's RSS grew ~5.7 MB over patients 100..200 while the bytes in use grew 0.4 MB. A fixed threshold keeps
large transient buffers in mmap (returned to the system when freed) and a fixed trim threshold gives back the
heap's free top.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
THRESHOLD = 128 * 1024  # glibc's own starting value, kept instead of letting it climb

_done = False


def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "gnu_get_libc_version") else None
    except OSError:
        return None


def tune_malloc() -> bool:
    """Fix glibc's mmap and trim thresholds for this process (once). True when they are set."""
    global _done
    if _done:
        return True
    libc = _libc()
    if libc is None:
        return False
    ok = bool(libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD)) and bool(libc.mallopt(M_TRIM_THRESHOLD, THRESHOLD))
    if not ok:
        log.warning("mallopt refused the thresholds; memory may creep over a long day")
    _done = ok
    return ok
