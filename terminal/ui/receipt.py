"""Receipts on paper through Qt, and the choice of printer ([printer] in the configuration).

- Roll paper (80 mm or 58 mm, ``pdf_layout = "roll"``): the same text layout the ESC/POS printer prints
  (drivers.printer.layout: 48 or 32 columns), drawn at the thermal printer's geometry (203 dpi, 12 x 24 dot
  characters) on one page as long as the receipt, no page numbers; to a PDF or a system printer.
- A5 结算单 (``pdf_layout = "a5"``): the settlement slip as an HTML table (QTextDocument) on A5 pages.
- ESC/POS (``kind = "escpos"``): drivers.printer.escpos, no Qt.

Rendering runs on any thread (QTextDocument, QImage, QPdfWriter and QPrinter are not widgets), so printing is a
background op.
"""
from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QMarginsF, QPointF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (QColor, QFont, QImage, QPageLayout, QPageSize, QPagedPaintDevice, QPainter, QPdfWriter,
                           QTextDocument)

from drivers.printer import (ComposedReceipt, ParkSlipLike, ReceiptData, ReceiptPrinter, Row, SlipKind, compose_park,
                             compose_settlement)
from drivers.printer.escpos import QR_MODULE, EscposReceiptPrinter
from drivers.printer.layout import Line, paper_columns, styled_lines
from terminal.core.textwidth import char_width

from .qr import qr_image, qr_matrix

#: the thermal printer's geometry: 8 dots per mm (203 dpi), characters 12 x 24 dots (CJK 24 x 24)
DOTS_PER_MM = 8
DOT_DPI = DOTS_PER_MM * 25.4
CELL_W, CELL_H, LINE_H = 12, 24, 30
TOP, BOTTOM = 16, 48  # dots of paper above the first line and after the last (the tear-off)
ROLL_FONT = "WenQuanYi Micro Hei Mono"
A5_MARGIN_MM = 12.0
RECEIPT_WIDTH_MM = 80.0  # the default roll
_TABLE = '<table width="100%" cellspacing="0" cellpadding="2">'


class PrinterSettings(Protocol):
    """[printer] of terminal.config.Config."""

    name: str
    pdf_dir: str
    kind: str
    escpos_connection: str
    paper_mm: int
    pdf_layout: str


# roll paper: the text layout drawn at the printer's geometry ------------------------------------------------
def roll_size_dots(lines: list[Line], paper_mm: int, qr: str = "") -> tuple[int, int]:
    """(width, height) in dots of a roll receipt."""
    h = TOP + BOTTOM
    for ln in lines:
        if ln.qr:
            n = len(qr_matrix(qr, border=0)) if qr else 0
            h += n * QR_MODULE[paper_mm] + LINE_H
        else:
            h += 2 * CELL_H + 6 if ln.tall else LINE_H
    return paper_mm * DOTS_PER_MM, h


def paint_roll(p: QPainter, lines: list[Line], paper_mm: int, qr: str = "") -> None:
    """Draw lines (drivers.printer.layout) in dot units: each character in its cells, as the printer does."""
    cols = paper_columns(paper_mm)
    left = (paper_mm * DOTS_PER_MM - cols * CELL_W) // 2
    font = QFont(ROLL_FONT)
    font.setPixelSize(22)
    p.setPen(QColor("black"))
    y = TOP
    for ln in lines:
        if ln.qr:
            if qr:
                m = qr_matrix(qr, border=0)
                box = QR_MODULE[paper_mm]
                x0 = (paper_mm * DOTS_PER_MM - len(m) * box) // 2
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor("black"))
                for r, row in enumerate(m):
                    for c, dark in enumerate(row):
                        if dark:
                            p.drawRect(QRectF(x0 + c * box, y + r * box, box, box))
                p.setPen(QColor("black"))
                y += len(m) * box + LINE_H
            continue
        font.setBold(ln.bold)
        p.setFont(font)
        height = 2 * CELL_H if ln.tall else CELL_H
        col = 0
        for ch in ln.text:
            w = char_width(ch)
            if not ch.isspace():
                p.save()
                p.translate(left + col * CELL_W, y)
                if ln.tall:
                    p.scale(1, 2)
                p.drawText(QRectF(0, 0, max(w, 1) * CELL_W, CELL_H), Qt.AlignmentFlag.AlignCenter, ch)
                p.restore()
            col += w
        y += height + (6 if ln.tall else LINE_H - CELL_H)


def roll_lines(c: ComposedReceipt, paper_mm: int) -> list[Line]:
    return styled_lines(c, paper_columns(paper_mm))


def roll_image(c: ComposedReceipt, paper_mm: int = 80, scale: float = 1.0) -> QImage:
    """The roll receipt as a picture (dots x scale): what the PDF page and the thermal printer show."""
    lines = roll_lines(c, paper_mm)
    w, h = roll_size_dots(lines, paper_mm, c.qr)
    img = QImage(round(w * scale), round(h * scale), QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    p.scale(scale, scale)
    paint_roll(p, lines, paper_mm, c.qr)
    p.end()
    return img


def escpos_image(data: bytes, paper_mm: int = 80, scale: float = 1.0) -> QImage:
    """What ESC/POS bytes (drivers.printer.escpos) print, read back and drawn at the printer's geometry."""
    from drivers.printer.escpos import decode

    got = decode(data)
    qr = got.qr[0] if got.qr else ""
    lines = got.lines
    w, h = roll_size_dots(lines, paper_mm, qr)
    img = QImage(round(w * scale), round(h * scale), QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.scale(scale, scale)
    paint_roll(p, lines, paper_mm, qr)
    p.end()
    return img


def _roll_on(device: QPagedPaintDevice, c: ComposedReceipt, paper_mm: int, resolution: int) -> None:
    lines = roll_lines(c, paper_mm)
    w, h = roll_size_dots(lines, paper_mm, c.qr)
    device.setPageSize(QPageSize(QSizeF(w / DOTS_PER_MM, h / DOTS_PER_MM), QPageSize.Unit.Millimeter, "receipt"))
    device.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    p = QPainter(device)
    p.scale(resolution / DOT_DPI, resolution / DOT_DPI)
    paint_roll(p, lines, paper_mm, c.qr)
    p.end()


# A5 结算单: an HTML table on A5 pages ----------------------------------------------------------------------
def _row(row: Row) -> str:
    style = "font-weight:bold;" if row.bold else ""
    pad = "padding-left:14px;" if row.indent else ""
    return (f'<tr><td style="{style}{pad}">{html.escape(row.label)}</td>'
            f'<td align="right" style="{style}">{html.escape(row.value)}</td></tr>')


def _notes(c: ComposedReceipt) -> list[str]:
    return [f'<p align="center" style="{"font-weight:bold;" if n.bold else ""}margin:0">{html.escape(n.text)}</p>'
            for n in c.notes]


def _grid(rows: tuple[Row, ...], per_line: int = 2) -> list[str]:
    """Information rows as label/value pairs, per_line pairs a line."""
    esc = html.escape
    out = [_TABLE]
    for i in range(0, len(rows), per_line):
        cells = "".join(f'<td style="color:#444">{esc(r.label)}</td><td><b>{esc(r.value)}</b></td>'
                        for r in rows[i:i + per_line])
        out.append(f"<tr>{cells}</tr>")
    out.append("</table>")
    return out


def composed_html(c: ComposedReceipt) -> str:
    """A settlement (or cancelled settlement) slip as HTML for a QTextDocument (the A5 结算单)."""
    esc = html.escape
    parts = [
        '<html><body style="font-family:\'WenQuanYi Micro Hei\',\'Noto Sans CJK SC\',sans-serif;font-size:9pt;">',
        f'<p align="center" style="font-size:13pt;font-weight:bold;margin:0">{esc(c.facility)}</p>',
        f'<p align="center" style="font-size:12pt;font-weight:bold;margin:2px 0 4px 0">{esc(c.title)}</p>',
        *_notes(c), "<hr/>", *_grid(c.info), "<hr/>",
    ]
    if c.items and c.item_header is not None:
        parts.append(_TABLE)
        head = "".join(f'<td{" align=right" if k else ""}><b>{esc(h)}</b></td>' for k, h in enumerate(c.item_header))
        parts.append(f"<tr>{head}</tr>")
        for it in c.items:
            figs = (it.qty, it.amount, it.level)[:len(c.item_header) - 1]
            cells = "".join(f'<td align="right">{esc(f)}</td>' for f in figs)
            parts.append(f"<tr><td>{esc(it.name)}</td>{cells}</tr>")
            parts += [f'<tr><td colspan="{len(c.item_header)}" style="padding-left:14px;color:#444;font-size:8pt">'
                      f"{esc(d)}</td></tr>" for d in it.detail]
        parts.append("</table><hr/>")
    half = (len(c.amounts) + 1) // 2
    parts.append('<table width="100%" cellspacing="0" cellpadding="0"><tr><td width="48%">')
    parts += [_TABLE, *(_row(r) for r in c.amounts[:half]), "</table>"]
    parts.append('</td><td width="4%"></td><td width="48%">')
    parts += [_TABLE, *(_row(r) for r in c.amounts[half:]), "</table>"]
    parts.append("</td></tr></table><hr/>")
    if c.cash is not None:
        parts.append(f'<p style="font-size:14pt;font-weight:bold;margin:4px 0">{esc(c.cash.label)} '
                     f'{esc(c.cash.value)}</p>')
    if c.tender:
        parts += [_TABLE, *(_row(r) for r in c.tender), "</table>"]
    parts.append("<hr/>")
    parts.append('<table width="100%" cellspacing="0" cellpadding="0"><tr><td>')
    parts += _grid(c.refs, per_line=1)
    if c.qr:
        parts.append('</td><td align="right" width="120"><img src="qr://verify" width="110" height="110"/>')
    parts.append("</td></tr></table>")
    parts += [f'<p align="right" style="font-size:7pt;margin:0">{esc(x)}</p>' for x in c.footer]
    parts.append("</body></html>")
    return "".join(parts)


def slip_composed_html(c: ComposedReceipt) -> str:
    """A slip (park, discharge) as HTML: title, notes, its lines in a fixed-width font, the QR when it has one."""
    esc = html.escape
    parts = ['<html><body style="font-family:\'WenQuanYi Micro Hei\',sans-serif;font-size:9pt;">',
             f'<p align="center" style="font-size:12pt;font-weight:bold;margin:0">{esc(c.facility)}</p>',
             f'<p align="center" style="font-size:11pt;margin:2px 0 6px 0">{esc(c.title)}</p>',
             *_notes(c)]
    text = esc("\n".join(c.body))
    parts.append(f'<pre style="font-family:\'{ROLL_FONT}\',monospace;font-size:9pt;margin:2px 0">{text}</pre>')
    if c.qr:
        parts.append('<p align="center"><img src="qr://verify" width="110" height="110"/></p>')
    parts.append("</body></html>")
    return "".join(parts)


def receipt_html(r: ReceiptData, *, reprint: bool = False) -> str:
    return composed_html(compose_settlement(r, reprint=reprint, translate=QCoreApplication.translate))


def slip_html(slip: ParkSlipLike, facility_name: str, training: bool = False) -> str:
    """The deferred-settlement slip (terminal.store.ParkSlip): proof of full payment, the number to settle."""
    return slip_composed_html(compose_park(slip, facility_name=facility_name, training=training,
                                           translate=QCoreApplication.translate))


def composed_document(c: ComposedReceipt) -> QTextDocument:
    doc = QTextDocument()
    doc.setDefaultFont(QFont("WenQuanYi Micro Hei", 9))
    if c.qr:
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("qr://verify"), qr_image(c.qr, 220, 2))
    settlement = c.kind in (SlipKind.SETTLEMENT, SlipKind.CANCEL)
    doc.setHtml(composed_html(c) if settlement else slip_composed_html(c))
    doc.setDocumentMargin(0)
    return doc


def receipt_document(r: ReceiptData, *, reprint: bool = False) -> QTextDocument:
    return composed_document(compose_settlement(r, reprint=reprint, translate=QCoreApplication.translate))


def a5_page_px() -> QSizeF:
    """The A5 printable area in the document's units (96 per inch)."""
    return QSizeF((148 - 2 * A5_MARGIN_MM) / 25.4 * 96, (210 - 2 * A5_MARGIN_MM) / 25.4 * 96)


def a5_document(c: ComposedReceipt) -> QTextDocument:
    """The document laid out on A5 pages (doc.pageCount() pages)."""
    doc = composed_document(c)
    doc.setPageSize(a5_page_px())
    return doc


def _pages_on(device: QPagedPaintDevice, doc: QTextDocument, resolution: int) -> int:
    """A document on A5 pages with the A5 margins, page after page, no page numbers; how many pages."""
    page = a5_page_px()
    doc.setPageSize(page)
    device.setPageSize(QPageSize(QPageSize.PageSizeId.A5))
    device.setPageMargins(QMarginsF(*(A5_MARGIN_MM,) * 4), QPageLayout.Unit.Millimeter)
    p = QPainter(device)
    p.scale(resolution / 96, resolution / 96)
    pages = doc.pageCount()
    for i in range(pages):
        if i:
            device.newPage()
        p.save()
        p.translate(0, -i * page.height())
        doc.drawContents(p, QRectF(QPointF(0, i * page.height()), page))
        p.restore()
    p.end()
    return pages


def a5_image(c: ComposedReceipt, dpi: int = 120) -> QImage:
    """The A5 slip's first page as a picture (dpi), margins included."""
    doc = a5_document(c)
    page = a5_page_px()
    k = dpi / 96
    margin = A5_MARGIN_MM / 25.4 * 96
    img = QImage(round((page.width() + 2 * margin) * k), round((page.height() + 2 * margin) * k),
                 QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.scale(k, k)
    p.translate(margin, margin)
    doc.drawContents(p, QRectF(QPointF(0, 0), page))
    p.end()
    return img


# printers -------------------------------------------------------------------------------------------------
def _safe(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]", "_", name)[:80] or "receipt"


def _pdf_path(pdf_dir: str | Path, name: str, suffix: str) -> str:
    out = Path(pdf_dir) if pdf_dir else Path.home() / "yibao-receipts"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")[:-3]
    return str(out / f"{_safe(name)}-{stamp}{suffix}.pdf")


class PdfReceiptPrinter:
    """drivers.printer.ReceiptPrinter through Qt: to the named system printer, or (none named) a PDF in pdf_dir;
    roll paper of paper_mm (layout "roll") or A5 pages (layout "a5"; slips other than the settlement slip still
    print on the roll)."""

    def __init__(self, printer_name: str = "", pdf_dir: str | Path = "", paper_mm: int = 80,
                 layout: str = "roll") -> None:
        self.printer_name = printer_name
        self.pdf_dir = pdf_dir
        self.paper_mm = paper_mm
        self.layout = layout

    def _a5(self, c: ComposedReceipt) -> bool:
        return self.layout == "a5" and c.kind in (SlipKind.SETTLEMENT, SlipKind.CANCEL)

    def print_receipt(self, receipt: ComposedReceipt) -> str:
        if self.printer_name:
            from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

            names = [p.printerName() for p in QPrinterInfo.availablePrinters()]
            if self.printer_name not in names:
                raise RuntimeError(QCoreApplication.translate("Receipt", "找不到打印机") + " " + self.printer_name)
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setPrinterName(self.printer_name)
            printer.setFullPage(not self._a5(receipt))
            self._paint(printer, receipt, printer.resolution())
            return self.printer_name
        path = _pdf_path(self.pdf_dir, receipt.name, receipt.suffix)
        writer = QPdfWriter(path)
        writer.setResolution(300)
        writer.setCreator("yibao-terminal")
        writer.setTitle(receipt.title)
        self._paint(writer, receipt, 300)
        del writer  # the file is complete when the writer goes
        return path

    def _paint(self, device: QPagedPaintDevice, c: ComposedReceipt, resolution: int) -> None:
        if self._a5(c):
            _pages_on(device, a5_document(c), resolution)
        else:
            _roll_on(device, c, self.paper_mm, resolution)


def printer_for(settings: PrinterSettings | None, pdf_dir: str | Path = "", printer_name: str = ""
                ) -> ReceiptPrinter:
    """The printer the configuration names: ESC/POS, or PDF / system printer (roll or A5)."""
    if settings is None:
        return PdfReceiptPrinter(printer_name, pdf_dir)
    if settings.kind == "escpos":
        return EscposReceiptPrinter(settings.escpos_connection, paper_mm=settings.paper_mm)
    return PdfReceiptPrinter(settings.name, settings.pdf_dir or pdf_dir, paper_mm=settings.paper_mm,
                             layout=settings.pdf_layout)


def print_composed(c: ComposedReceipt, *, printer: PrinterSettings | None = None, pdf_dir: str | Path = "",
                   printer_name: str = "") -> str:
    """Print any composed slip (settlement, cancel, park, discharge) on the configured printer; where it went."""
    return printer_for(printer, pdf_dir, printer_name).print_receipt(c)


def print_receipt(r: ReceiptData, *, printer_name: str = "", pdf_dir: str | Path = "", reprint: bool = False,
                  printer: PrinterSettings | None = None) -> str:
    """Print the settlement slip on the configured printer (``printer``: [printer] of the configuration; without
    it, the named system printer or a PDF). Returns where it went. Runs on a worker thread (the caller wraps it
    in an Op)."""
    composed = compose_settlement(r, reprint=reprint, translate=QCoreApplication.translate)
    return print_composed(composed, printer=printer, pdf_dir=pdf_dir, printer_name=printer_name)


def print_slip(slip: ParkSlipLike, *, facility_name: str, printer_name: str = "", pdf_dir: str | Path = "",
               training: bool = False, printer: PrinterSettings | None = None) -> str:
    composed = compose_park(slip, facility_name=facility_name, training=training, translate=QCoreApplication.translate)
    return print_composed(composed, printer=printer, pdf_dir=pdf_dir, printer_name=printer_name)


def print_document(doc: QTextDocument, name: str, *, suffix: str = "", printer_name: str = "",
                   pdf_dir: str | Path = "") -> str:
    """A QTextDocument (a report) on A5 pages, to the named printer or a PDF in pdf_dir; no page numbers are
    added. Returns where it went."""
    if printer_name:
        from PySide6.QtPrintSupport import QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPrinterName(printer_name)
        _pages_on(printer, doc, printer.resolution())
        return printer_name
    path = _pdf_path(pdf_dir, name, suffix)
    writer = QPdfWriter(path)
    writer.setResolution(300)
    _pages_on(writer, doc, 300)
    del writer
    return path
