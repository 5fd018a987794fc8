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


def _receipt(setl_id: str, time: str):
    from decimal import Decimal

    from drivers.printer import ReceiptData

    return ReceiptData(facility_code="H45010000001", facility_name="测试医院", operator_id="0001", operator_name="",
                       time=time, name_masked="张*", certno_masked="", psn_no="P1", insutype="310", insuplc="450100",
                       cross_province=False, setl_id=setl_id, mdtrt_id="M1", msgid="X",
                       amounts={"psn_cash_pay": Decimal("1.00")})


def test_the_session_journal_keeps_one_day_not_the_whole_run():
    from terminal.app import SessionJournal

    j = SessionJournal()
    j.record(_receipt("S1", "2026-12-02 23:58:00"))
    j.record(_receipt("S2", "2026-12-02 23:59:00"))
    assert j.find("S1") is not None
    j.record(_receipt("S3", "2026-12-03 00:01:00"))  # past midnight: yesterday's records are the store's
    assert j.find("S1") is None and j.find("S2") is None
    assert j.find("S3") is not None
    j.record(_receipt("S4", "2026-12-03 08:00:00"))
    j.record(_receipt("S3", "2026-12-03 00:01:00"))  # a record replaced, today's kept
    assert [r.setl_id for r in j._records] == ["S4", "S3"]
