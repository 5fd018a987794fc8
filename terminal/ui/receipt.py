"""The settlement receipt: one HTML rendering into a QTextDocument, printed via QtPrintSupport or saved as PDF.

``ReceiptData`` is what the journal keeps to reprint: masked name and ID only (never the full numbers),
plus what a 2208 cancellation needs (setl_id, mdtrt_id, psn_no, insured place).
Rendering runs on any thread (QTextDocument and QPrinter are not widgets), so printing is a background op.
"""
from __future__ import annotations

import html
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QMarginsF, QSizeF, QUrl
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QTextDocument

from terminal.core.models import FUND_NAMES, INSUTYPE_NAMES, Settlement
from terminal.core.money import ZERO, fmt_yuan, money
from terminal.core.privacy import mask_id, mask_name
from terminal.core.regions import place_name

from .qr import qr_image

RECEIPT_WIDTH_MM = 80.0


@dataclass(slots=True)  # the session journal keeps a day of these (terminal/ui/session.py)
class ReceiptLine:
    name: str
    qty: str
    amount: Decimal


@dataclass
class ReceiptData:
    facility_code: str
    facility_name: str
    operator_id: str
    operator_name: str
    time: str
    name_masked: str
    certno_masked: str
    psn_no: str
    insutype: str
    insuplc: str
    cross_province: bool
    setl_id: str
    mdtrt_id: str
    msgid: str
    amounts: dict[str, Decimal]
    funds: list[tuple[str, Decimal]] = field(default_factory=list)
    lines: list[ReceiptLine] = field(default_factory=list)
    cert_type: str = ""
    training: bool = False
    status: str = "settled"  # settled | cancelled
    cancelled_time: str = ""
    reprints: int = 0
    clr_type: str = ""
    clr_optins: str = ""

    @property
    def cash(self) -> Decimal:
        return self.amounts.get("psn_cash_pay", ZERO)

    def amount(self, key: str) -> Decimal:
        return self.amounts.get(key, ZERO)

    @property
    def insutype_name(self) -> str:
        return INSUTYPE_NAMES.get(self.insutype, self.insutype)

    @property
    def verify_text(self) -> str:
        """What the verification QR carries: settlement id and the amounts that matter."""
        return (f"YBSETL|{self.facility_code}|{self.setl_id}|{self.amount('medfee_sumamt'):.2f}"
                f"|{self.amount('fund_pay_sumamt'):.2f}|{self.cash:.2f}")

    @classmethod
    def build(cls, *, cfg, operator, person, visit, settlement: Settlement, training: bool,
              when: datetime | None = None) -> "ReceiptData":
        when = when or datetime.now()
        # interned: the same catalogue names and quantities come back all day, one copy each is enough
        lines = [ReceiptLine(sys.intern(i.name), sys.intern(f"{i.qty}"), i.amount) for i in visit.bill.items]
        funds = [(d.fund_pay_type_name or FUND_NAMES.get(d.fund_pay_type, d.fund_pay_type), d.fund_payamt)
                 for d in settlement.details]
        return cls(
            facility_code=cfg.facility.code, facility_name=cfg.facility.name,
            operator_id=getattr(operator, "id", ""), operator_name=getattr(operator, "name", ""),
            time=(settlement.setl_time or when.strftime("%Y-%m-%d %H:%M:%S")),
            name_masked=mask_name(person.psn_name), certno_masked=mask_id(person.certno), psn_no=person.psn_no,
            insutype=visit.insutype, insuplc=visit.insuplc_admdvs,
            cross_province=visit.cross_province(cfg.facility.admdvs), setl_id=settlement.setl_id,
            clr_type=settlement.clr_type, clr_optins=settlement.clr_optins,
            mdtrt_id=settlement.mdtrt_id or visit.mdtrt_id, msgid=visit.settle_msgid,
            amounts=dict(settlement.amounts), funds=funds, lines=lines, cert_type=visit.credential.cert_type,
            training=training)

    # journal round trip (plain JSON-able dict) --------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["amounts"] = {k: f"{v:.2f}" for k, v in self.amounts.items()}
        d["funds"] = [[n, f"{v:.2f}"] for n, v in self.funds]
        d["lines"] = [[ln.name, ln.qty, f"{ln.amount:.2f}"] for ln in self.lines]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ReceiptData":
        d = dict(d)
        d["amounts"] = {k: money(v) for k, v in (d.get("amounts") or {}).items()}
        d["funds"] = [(n, money(v)) for n, v in d.get("funds") or []]
        d["lines"] = [ReceiptLine(n, q, money(a)) for n, q, a in d.get("lines") or []]
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})


def _row(label: str, value: str, bold: bool = False, indent: bool = False) -> str:
    style = "font-weight:bold;" if bold else ""
    pad = "padding-left:10px;" if indent else ""
    return (f'<tr><td style="{style}{pad}">{html.escape(label)}</td>'
            f'<td align="right" style="{style}">{html.escape(value)}</td></tr>')


def receipt_html(r: ReceiptData, *, reprint: bool = False) -> str:
    a = r.amount
    esc = html.escape
    title = QCoreApplication.translate("Receipt", "医保结算单")
    training = QCoreApplication.translate("Receipt", "【训练模式 · 非正式票据】")
    reprinted = QCoreApplication.translate("Receipt", "（重打）")
    cancelled = QCoreApplication.translate("Receipt", "【已撤销】")
    cross = (QCoreApplication.translate("Receipt", "跨省异地") if r.cross_province
             else QCoreApplication.translate("Receipt", "本省"))
    parts = [
        '<html><body style="font-family:\'WenQuanYi Micro Hei\',\'Noto Sans CJK SC\',sans-serif;font-size:9pt;">',
        f'<p align="center" style="font-size:12pt;font-weight:bold;margin:0">{esc(r.facility_name)}</p>',
        f'<p align="center" style="font-size:11pt;margin:2px 0 4px 0">{esc(title)}</p>',
    ]
    if r.training:
        parts.append(f'<p align="center" style="font-weight:bold;margin:0">{esc(training)}</p>')
    if reprint:
        parts.append(f'<p align="center" style="margin:0">{esc(reprinted)}</p>')
    if r.status == "cancelled":
        parts.append(f'<p align="center" style="font-weight:bold;margin:0">{esc(cancelled)} {esc(r.cancelled_time)}</p>')
    info = [
        (QCoreApplication.translate("Receipt", "结算时间"), r.time),
        (QCoreApplication.translate("Receipt", "参保人"), r.name_masked),
        (QCoreApplication.translate("Receipt", "证件号"), r.certno_masked or "—"),
        (QCoreApplication.translate("Receipt", "险种"), f"{r.insutype} {r.insutype_name}"),
        (QCoreApplication.translate("Receipt", "参保地"), f"{place_name(r.insuplc)}（{cross}）"),
        (QCoreApplication.translate("Receipt", "结算ID"), r.setl_id),
        (QCoreApplication.translate("Receipt", "就诊ID"), r.mdtrt_id),
        (QCoreApplication.translate("Receipt", "收费员"), f"{r.operator_id} {r.operator_name}".strip()),
    ]
    parts.append('<table width="100%" cellspacing="0" cellpadding="1">')
    parts += [f'<tr><td>{esc(k)}</td><td align="right">{esc(v)}</td></tr>' for k, v in info]
    parts.append("</table><hr/>")
    if r.lines:
        h_item = QCoreApplication.translate("Receipt", "项目")
        h_qty = QCoreApplication.translate("Receipt", "数量")
        h_amt = QCoreApplication.translate("Receipt", "金额")
        parts.append('<table width="100%" cellspacing="0" cellpadding="1">')
        parts.append(f'<tr><td><b>{esc(h_item)}</b></td><td align="right"><b>{esc(h_qty)}</b></td>'
                     f'<td align="right"><b>{esc(h_amt)}</b></td></tr>')
        for ln in r.lines:
            parts.append(f'<tr><td>{esc(ln.name)}</td><td align="right">{esc(ln.qty)}</td>'
                         f'<td align="right">{esc(fmt_yuan(ln.amount))}</td></tr>')
        parts.append("</table><hr/>")
    rows = [
        (QCoreApplication.translate("Receipt", "医疗费总额"), "medfee_sumamt", True, False),
        (QCoreApplication.translate("Receipt", "全自费"), "fulamt_ownpay_amt", False, True),
        (QCoreApplication.translate("Receipt", "超限价自费"), "overlmt_selfpay", False, True),
        (QCoreApplication.translate("Receipt", "先行自付"), "preselfpay_amt", False, True),
        (QCoreApplication.translate("Receipt", "符合范围"), "inscp_scp_amt", False, True),
        (QCoreApplication.translate("Receipt", "起付线"), "act_pay_dedc", False, False),
        (QCoreApplication.translate("Receipt", "医保基金支付"), "fund_pay_sumamt", True, False),
    ]
    parts.append('<table width="100%" cellspacing="0" cellpadding="1">')
    for label, key, bold, indent in rows:
        parts.append(_row(label, fmt_yuan(a(key)), bold=bold, indent=indent))
    for name, v in r.funds:
        parts.append(_row(name, fmt_yuan(v), indent=True))
    if a("hosp_part_amt"):
        parts.append(_row(QCoreApplication.translate("Receipt", "医院负担"), fmt_yuan(a("hosp_part_amt"))))
    parts.append(_row(QCoreApplication.translate("Receipt", "个人负担"), fmt_yuan(a("psn_part_amt")), bold=True))
    parts.append(_row(QCoreApplication.translate("Receipt", "个人账户支付"), fmt_yuan(a("acct_pay")), indent=True))
    parts.append(_row(QCoreApplication.translate("Receipt", "个人账户余额"), fmt_yuan(a("balc"))))
    parts.append("</table><hr/>")
    cash = QCoreApplication.translate("Receipt", "个人现金支付")
    verify = QCoreApplication.translate("Receipt", "扫码核验结算信息")
    parts.append(f'<p style="font-size:14pt;font-weight:bold;margin:4px 0">{esc(cash)} {esc(fmt_yuan(r.cash))}</p>')
    parts.append('<p align="center"><img src="qr://verify" width="110" height="110"/></p>')
    parts.append(f'<p align="center" style="font-size:7pt;margin:0">{esc(verify)}</p>')
    parts.append(f'<p align="center" style="font-size:7pt;margin:0">{esc(r.facility_code)} · {esc(r.msgid)}</p>')
    parts.append("</body></html>")
    return "".join(parts)


def receipt_document(r: ReceiptData, *, reprint: bool = False, width_mm: float = RECEIPT_WIDTH_MM) -> QTextDocument:
    doc = QTextDocument()
    doc.setDefaultFont(QFont("WenQuanYi Micro Hei", 9))
    doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("qr://verify"), qr_image(r.verify_text, 220, 2))
    doc.setHtml(receipt_html(r, reprint=reprint))
    doc.setDocumentMargin(4)
    return doc


def _safe(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]", "_", name)[:80] or "receipt"


def print_receipt(r: ReceiptData, *, printer_name: str = "", pdf_dir: str | Path = "", reprint: bool = False
                  ) -> str:
    """Print to the named printer, or (no printer configured) save a PDF. Returns where it went.

    Runs on a worker thread (the caller wraps it in an Op)."""
    suffix = "-reprint" if reprint else ("-cancel" if r.status == "cancelled" else "")
    return print_document(receipt_document(r, reprint=reprint), r.setl_id or "nosetl", suffix=suffix,
                          printer_name=printer_name, pdf_dir=pdf_dir)


def slip_html(slip, facility_name: str, training: bool = False) -> str:
    """The deferred-settlement slip (terminal.store.ParkSlip): proof of full payment, the number to settle."""
    lines = list(slip.lines())
    head = html.escape(lines[0]) if lines else ""
    parts = ['<html><body style="font-family:\'WenQuanYi Micro Hei\',sans-serif;font-size:9pt;">',
             f'<p align="center" style="font-size:12pt;font-weight:bold;margin:0">{html.escape(facility_name)}</p>',
             f'<p align="center" style="font-size:11pt;margin:2px 0 6px 0">{head}</p>']
    if training:
        note = QCoreApplication.translate("Receipt", "【训练模式 · 非正式票据】")
        parts.append(f'<p align="center" style="font-weight:bold;margin:0">{html.escape(note)}</p>')
    parts += [f'<p style="margin:2px 0">{html.escape(x)}</p>' for x in lines[1:]]
    parts.append('<p align="center"><img src="qr://verify" width="110" height="110"/></p>')
    parts.append("</body></html>")
    return "".join(parts)


def print_slip(slip, *, facility_name: str, printer_name: str = "", pdf_dir: str | Path = "",
               training: bool = False) -> str:
    doc = QTextDocument()
    doc.setDefaultFont(QFont("WenQuanYi Micro Hei", 9))
    doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("qr://verify"),
                    qr_image(f"YBPARK|{slip.park_id}|{slip.total:.2f}", 220, 2))
    doc.setHtml(slip_html(slip, facility_name, training))
    doc.setDocumentMargin(4)
    return print_document(doc, f"park-{slip.park_id}", printer_name=printer_name, pdf_dir=pdf_dir)


def print_document(doc: QTextDocument, name: str, *, suffix: str = "", printer_name: str = "",
                   pdf_dir: str | Path = "") -> str:
    """Print a document on 80 mm roll paper to the named printer, or save it as PDF in pdf_dir."""
    from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    to_pdf = not printer_name
    if printer_name:
        names = [p.printerName() for p in QPrinterInfo.availablePrinters()]
        if printer_name not in names:
            raise RuntimeError(QCoreApplication.translate("Receipt", "找不到打印机") + " " + printer_name)
        printer.setPrinterName(printer_name)
    path = ""
    if to_pdf:
        out = Path(pdf_dir) if pdf_dir else Path.home() / "yibao-receipts"
        out.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")[:-3]
        path = str(out / f"{_safe(name)}-{stamp}{suffix}.pdf")
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(path)
    # roll paper: 80 mm wide, as long as the content
    body_mm = RECEIPT_WIDTH_MM - 6
    doc.setTextWidth(body_mm / 25.4 * 96)
    height_mm = min(2000.0, max(100.0, doc.size().height() / 96 * 25.4 + 16))
    printer.setPageSize(QPageSize(QSizeF(RECEIPT_WIDTH_MM, height_mm), QPageSize.Unit.Millimeter, "receipt"))
    printer.setPageMargins(QMarginsF(3, 3, 3, 3), QPageLayout.Unit.Millimeter)
    doc.print_(printer)
    return path or printer_name
