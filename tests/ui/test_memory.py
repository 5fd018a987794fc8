"""The app fixes glibc's malloc thresholds, so a large transient buffer freed at one patient does not make the
next patient's large buffers come from (and stay in) the main heap."""
from __future__ import annotations

import ctypes
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc")


class _MallInfo2(ctypes.Structure):
    _fields_ = [(k, ctypes.c_size_t) for k in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                               "fsmblks", "uordblks", "fordblks", "keepcost")]


def _libc():
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    libc.mallinfo2.restype = _MallInfo2
    return libc


def _second_big_block_is_mmapped(libc, size: int = 3 << 20) -> bool:
    """Allocate and free a large block (glibc's dynamic threshold would climb past it), then allocate one of the
    same size: is it served by mmap (handed back to the system when freed)?"""
    p = libc.malloc(size)
    libc.free(p)
    before = libc.mallinfo2().hblkhd
    q = libc.malloc(size)
    try:
        return libc.mallinfo2().hblkhd - before >= size
    finally:
        libc.free(q)


def test_the_running_app_keeps_large_transient_buffers_out_of_the_heap(desk):
    libc = _libc()
    for _ in range(3):
        assert _second_big_block_is_mmapped(libc)
