"""Receipts rendered as the cashier gets them: the roll PDF at the paper's real width (80 / 58 mm) on one page as
long as the receipt, no page numbers; the A5 结算单 on one A5 page for a normal bill; every layout drawn to a PNG
(kept under $RECEIPT_PNG_DIR when set, to look at); and the window printing a settlement to an ESC/POS printer on
127.0.0.1 when [printer] kind = "escpos", a reprint (Ctrl+P) saying 补打."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from drivers.printer import SlipKind, compose_settlement
from drivers.printer.escpos import decode
from drivers.printer.layout import paper_columns, styled_lines
from tests.integration.test_receipt_escpos import Listener
from tests.unit.test_receipt_layouts import every_layout, settlement_receipt

from .conftest import PERSONS

MM_PT = 72 / 25.4
KINDS = ["settlement", "reprint", "cancel", "park", "discharge"]


def _png_dir(tmp_path: Path) -> Path:
    d = Path(os.environ.get("RECEIPT_PNG_DIR") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


def pdf_pages(path: str) -> list[tuple[float, float]]:
    """(width, height) in points of every page of a PDF (its /MediaBox entries)."""
    data = Path(path).read_bytes()
    assert data[:5] == b"%PDF-"
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    assert len(boxes) == pages
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


def ink_columns(img) -> tuple[int, int]:
    """The leftmost and rightmost pixel column with ink (dark pixels)."""
    w, h = img.width(), img.height()
    cols = [x for x in range(w) if any(img.pixelColor(x, y).lightness() < 128 for y in range(0, h, 2))]
    return cols[0], cols[-1]


@pytest.mark.parametrize("paper_mm", [58, 80])
@pytest.mark.parametrize("kind", KINDS)
def test_the_roll_pdf_is_the_paper_wide_one_page_long_and_the_text_uses_the_width(qapp, tmp_path, paper_mm, kind):
    from terminal.ui.receipt import DOTS_PER_MM, PdfReceiptPrinter, roll_image, roll_lines, roll_size_dots

    c = dict(every_layout(paper_columns(paper_mm)))[kind]
    path = PdfReceiptPrinter(pdf_dir=tmp_path, paper_mm=paper_mm).print_receipt(c)
    assert Path(path).name.startswith(c.name)
    ((w, h),) = pdf_pages(path)  # one page, however long the receipt: no page break, no page number
    assert w == pytest.approx(paper_mm * MM_PT, abs=0.5)
    assert h == pytest.approx(roll_size_dots(roll_lines(c, paper_mm), paper_mm, c.qr)[1] / DOTS_PER_MM * MM_PT,
                              abs=0.5)
    img = roll_image(c, paper_mm)
    img.save(str(_png_dir(tmp_path) / f"roll-{paper_mm}-{kind}.png"))
    assert img.width() == paper_mm * DOTS_PER_MM
    left, right = ink_columns(img)
    printable = paper_columns(paper_mm) * 12
    margin = (img.width() - printable) // 2
    assert left <= margin + 12 and right >= margin + printable - 14  # text from edge to edge, not half the width
    assert right < img.width() - margin + 2


def test_a_long_bill_stays_one_roll_page(qapp, tmp_path):
    from terminal.ui.receipt import PdfReceiptPrinter

    r = settlement_receipt()
    r.lines = r.lines * 30  # 120 bill lines
    path = PdfReceiptPrinter(pdf_dir=tmp_path, paper_mm=80).print_receipt(compose_settlement(r))
    ((w, h),) = pdf_pages(path)
    assert h > 600 * MM_PT  # over half a metre of paper, on one page


@pytest.mark.parametrize("kind", ["settlement", "reprint", "cancel"])
def test_the_a5_slip_is_one_a5_page(qapp, tmp_path, kind):
    from terminal.ui.receipt import PdfReceiptPrinter, a5_document, a5_image

    c = dict(every_layout(48))[kind]
    path = PdfReceiptPrinter(pdf_dir=tmp_path, layout="a5").print_receipt(c)
    ((w, h),) = pdf_pages(path)
    assert (w, h) == (pytest.approx(148 * MM_PT, abs=1), pytest.approx(210 * MM_PT, abs=1))
    assert a5_document(c).pageCount() == 1
    text = a5_document(c).toPlainText()
    for s in ("医保结算单", "符**", "1102 退休人员", "统筹基金支付", "大病保险", "公务员医疗补助", "医疗救助",
              "共济账户支付", "报文ID", "甲", "乙", "丙"):
        assert s in text, s
    assert ("找零" in text and "¥16.25" in text) == (kind != "cancel")
    assert ("【补打】" in text) == (kind == "reprint") and ("【已撤销】" in text) == (kind == "cancel")
    img = a5_image(c)
    img.save(str(_png_dir(tmp_path) / f"a5-{kind}.png"))
    left, right = ink_columns(img)
    assert right - left > 0.8 * img.width()  # the table spans the page


def test_park_and_discharge_slips_print_on_the_roll_even_when_the_slip_is_a5(qapp, tmp_path):
    from terminal.ui.receipt import PdfReceiptPrinter

    for kind in ("park", "discharge"):
        c = dict(every_layout(32))[kind]
        assert c.kind in (SlipKind.PARK, SlipKind.DISCHARGE)
        ((w, _h),) = pdf_pages(PdfReceiptPrinter(pdf_dir=tmp_path, paper_mm=58, layout="a5").print_receipt(c))
        assert w == pytest.approx(58 * MM_PT, abs=0.5)


def test_the_window_prints_the_settlement_on_the_escpos_printer(make_desk, ui_cfg, qtbot, tmp_path):
    from PySide6.QtCore import Qt

    listener = Listener()
    try:
        ui_cfg.printer.kind = "escpos"
        ui_cfg.printer.escpos_connection = f"tcp://127.0.0.1:{listener.port}"
        ui_cfg.printer.paper_mm = 58
        desk = make_desk()
        desk.load_bill()
        desk.identify_by_id("hainan-retiree")
        desk.preview()
        with qtbot.waitSignal(desk.ctl.receipt_printed, timeout=15000) as printed:
            desk.settle()
        assert printed.args == [f"ESC/POS tcp://127.0.0.1:{listener.port}"]
        (job,) = listener.wait_jobs(1)
        got = decode(job)
        from terminal.ui.receipt import escpos_image

        img = escpos_image(job, 58)  # what the thermal printer printed, drawn
        img.save(str(_png_dir(tmp_path) / "escpos-58-window.png"))
        assert img.width() == 58 * 8 and img.height() > 1000
        r = desk.ctl.receipt
        lines = [x.text for x in got.lines]
        text = "\n".join(lines)
        assert got.chinese and got.cuts == 1 and got.qr == [r.verify_text]
        assert all(len(x.encode("gbk")) <= 32 for x in lines)  # 32 columns: GBK bytes are the printer's cells
        assert "医保结算单" in text and r.setl_id in text and r.msgid in text and "符**" in text
        assert PERSONS["hainan-retiree"]["psn_name"] not in text  # masked on paper
        assert PERSONS["hainan-retiree"]["certno"] not in text
        assert "1102 退休人员" in text and "11 普通门诊" in text  # from 1101 / the visit
        assert re.search(r"[甲乙丙]$", text, re.M)  # the class of an item, from the 2204 answer
        assert "【补打】" not in text
        assert [x for x in styled_lines(compose_settlement(r), 32) if x.tall]
        qtbot.keyClick(desk.window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # reprint
        _first, again = listener.wait_jobs(2)
        assert "【补打】" in "\n".join(x.text for x in decode(again).lines)
    finally:
        listener.close()
