"""The ESC/POS printer over a real TCP listener on 127.0.0.1: the bytes it sends (GBK text, the QR commands, the cut)
decode back into the layout's lines; an unreachable printer is named; doctor reaches it or names the key."""
from __future__ import annotations

import re
import socket
import threading

import pytest

from drivers.printer import ReceiptPrinter, compose_discharge, compose_park, compose_settlement, display_width
from drivers.printer.escpos import EscposReceiptPrinter, PrinterError, decode, escpos_bytes, printable
from drivers.printer.layout import paper_columns, styled_lines
from tests.support import config_file, doctor_checks
from tests.unit.test_receipt_layouts import discharge_lines, park_slip, settlement_receipt


class Listener:
    """A raw TCP printer port on 127.0.0.1: accepts connections and keeps what each one sent."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.jobs: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = bytearray()
                while chunk := conn.recv(65536):
                    data += chunk
                self.jobs.append(bytes(data))

    def wait_jobs(self, n: int, timeout: float = 10.0) -> list[bytes]:
        import time

        end = time.monotonic() + timeout
        while len(self.jobs) < n and time.monotonic() < end:
            time.sleep(0.01)
        return self.jobs

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


@pytest.mark.parametrize("paper_mm", [58, 80])
def test_escpos_prints_to_a_tcp_printer_gbk_qr_and_cut(listener, paper_mm):
    printer: ReceiptPrinter = EscposReceiptPrinter(f"tcp://127.0.0.1:{listener.port}", paper_mm=paper_mm)
    c = compose_settlement(settlement_receipt())
    where = printer.print_receipt(c)
    assert where == f"ESC/POS tcp://127.0.0.1:{listener.port}"
    (data,) = listener.wait_jobs(1)
    assert data == escpos_bytes(c, paper_mm)
    # the raw bytes, read independently of the driver's decoder
    assert data.startswith(b"\x1b@\x1c&")  # init, Chinese (GBK) mode
    assert "医保结算单".encode("gbk") in data and "南宁市第一人民医院".encode("gbk") in data
    assert "￥83.75".encode("gbk") in data  # ¥ is not in GBK: the full-width yen prints instead
    qr = c.qr.encode("ascii")
    store = b"\x1d(k" + bytes([(len(qr) + 3) % 256, (len(qr) + 3) // 256]) + b"1P0" + qr
    assert store in data and b"\x1d(k\x03\x001Q0" in data  # QR stored, then printed
    assert data.rstrip(b"\x00").endswith(b"\x1dV\x00") or b"\x1dV" in data[-8:]  # the cut, at the end
    # decoded back: the same lines the layout makes (with ￥), the QR where the layout puts it, one cut
    got = decode(data)
    width = paper_columns(paper_mm)
    assert got.chinese and got.cuts == 1 and got.qr == [c.qr]
    want = [printable(x.text) if not x.qr else "" for x in styled_lines(c.map_text(printable), width)]
    printed = [x.text for x in got.lines]
    assert [x for x in printed if x] == [x for x in want if x]
    assert all(len(x.encode("gbk")) <= width for x in printed)  # GBK bytes are the printer's columns
    assert [x.text.split()[0] for x in got.lines if x.tall] == ["个人现金支付"]
    assert any(x.bold and "医保结算单" in x.text for x in got.lines)


def test_escpos_prints_park_and_discharge_slips_and_names_an_unreachable_printer(listener):
    printer = EscposReceiptPrinter(f"tcp://127.0.0.1:{listener.port}", paper_mm=58)
    facility = "南宁市第一人民医院"
    printer.print_receipt(compose_park(park_slip(), facility_name=facility))
    printer.print_receipt(compose_discharge(discharge_lines(32), name="discharge-1", facility_name=facility))
    park, discharge = (decode(x) for x in listener.wait_jobs(2))
    assert park.qr == ["YBPARK|P20260105100000001|336.75"] and park.cuts == 1
    assert any("编号: P20260105100000001" in x.text for x in park.lines)
    assert any("住院费用结算单" in x.text for x in discharge.lines) and discharge.qr == [] and discharge.cuts == 1
    assert all(display_width(x.text) <= 32 for x in discharge.lines)
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(PrinterError, match=re.escape(f"tcp://127.0.0.1:{port}")):
        EscposReceiptPrinter(f"tcp://127.0.0.1:{port}", timeout=2).print_receipt(
            compose_park(park_slip(), facility_name="x"))


def test_doctor_reaches_the_escpos_printer_or_names_the_key(tmp_path, listener):
    from terminal import doctor as d

    ok = f'[printer]\nkind = "escpos"\nescpos_connection = "tcp://127.0.0.1:{listener.port}"\npaper_mm = 58\n'
    r = doctor_checks(d.run_doctor(config_file(tmp_path, ok), only=["printer"]))["printer"]
    assert r.status == d.PASS and f"127.0.0.1:{listener.port}" in r.summary
    assert not any(listener.wait_jobs(1))  # connected, printed nothing
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    gone = f'[printer]\nkind = "escpos"\nescpos_connection = "tcp://127.0.0.1:{port}"\n'
    r = doctor_checks(d.run_doctor(config_file(tmp_path, gone), only=["printer"]))["printer"]
    assert r.status == d.FAIL and r.data["key"] == "printer.escpos_connection"


