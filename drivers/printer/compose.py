"""What a receipt says, composed without Qt, one ``ComposedReceipt`` per slip kind: the settlement receipt (and its
cancelled form), the deferred-settlement (park) slip and the discharge slip.

A printer renders it (the PDF printer in terminal.ui.receipt, ESC/POS later); :func:`drivers.printer.layout.text_lines`
lays it out as text for a paper width in characters. Labels go through ``translate(context, source)``: the UI passes
QCoreApplication.translate, the default keeps the Chinese source (zh_CN is the source language;
resources/translations/update.py extracts these calls).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from terminal.core.money import fmt_yuan
from terminal.core.regions import place_name

from .receipt import ReceiptData

#: (context, source) -> the text in the cashier's language
Translate = Callable[[str, str], str]


def untranslated(context: str, source: str) -> str:
    """The source text (zh_CN): for a receipt composed where no translation is installed."""
    return source


class SlipKind(StrEnum):
    SETTLEMENT = "settlement"
    CANCEL = "cancel"
    PARK = "park"
    DISCHARGE = "discharge"


@dataclass(frozen=True, slots=True)
class Row:
    """A label on the left, its value on the right."""

    label: str
    value: str
    bold: bool = False
    indent: bool = False


@dataclass(frozen=True, slots=True)
class Note:
    """A centred line under the title (training mode, reprint, cancelled)."""

    text: str
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Item:
    """A bill line: name, quantity, amount (formatted)."""

    name: str
    qty: str
    amount: str


@dataclass(frozen=True)
class ComposedReceipt:
    """Everything a printer prints, in order: facility and title, notes, information rows, bill items, amounts,
    the cash line, plain body lines (the slips), the verification QR and the footer."""

    kind: SlipKind
    name: str  # what the printout is called (a PDF's file name starts with it)
    facility: str
    title: str
    notes: tuple[Note, ...] = ()
    info: tuple[Row, ...] = ()
    item_header: tuple[str, str, str] | None = None
    items: tuple[Item, ...] = ()
    amounts: tuple[Row, ...] = ()
    cash: Row | None = None
    body: tuple[str, ...] = ()
    qr: str = ""
    footer: tuple[str, ...] = ()
    suffix: str = ""  # "-reprint" / "-cancel": told apart from the first print in a PDF's file name


class ParkSlipLike(Protocol):
    """terminal.store.ParkSlip: proof of full payment and the number to settle later."""

    park_id: str
    total: Decimal

    def lines(self) -> list[str]: ...


def compose_settlement(r: ReceiptData, *, reprint: bool = False,
                       translate: Translate = untranslated) -> ComposedReceipt:
    """The settlement receipt; a cancelled settlement's says so (kind CANCEL)."""
    cancelled = r.status == "cancelled"
    notes: list[Note] = []
    if r.training:
        notes.append(Note(translate("Receipt", "【训练模式 · 非正式票据】"), bold=True))
    if reprint:
        notes.append(Note(translate("Receipt", "（重打）")))
    if cancelled:
        mark = translate("Receipt", "【已撤销】")
        notes.append(Note(f"{mark} {r.cancelled_time}", bold=True))
    cross = (translate("Receipt", "跨省异地") if r.cross_province else translate("Receipt", "本省"))
    info = (
        Row(translate("Receipt", "结算时间"), r.time),
        Row(translate("Receipt", "参保人"), r.name_masked),
        Row(translate("Receipt", "证件号"), r.certno_masked or "—"),
        Row(translate("Receipt", "险种"), f"{r.insutype} {r.insutype_name}"),
        Row(translate("Receipt", "参保地"), f"{place_name(r.insuplc)}（{cross}）"),
        Row(translate("Receipt", "结算ID"), r.setl_id),
        Row(translate("Receipt", "就诊ID"), r.mdtrt_id),
        Row(translate("Receipt", "收费员"), f"{r.operator_id} {r.operator_name}".strip()),
    )
    header = ((translate("Receipt", "项目"), translate("Receipt", "数量"), translate("Receipt", "金额"))
              if r.lines else None)
    a = r.amount
    amounts = [
        Row(translate("Receipt", "医疗费总额"), fmt_yuan(a("medfee_sumamt")), bold=True),
        Row(translate("Receipt", "全自费"), fmt_yuan(a("fulamt_ownpay_amt")), indent=True),
        Row(translate("Receipt", "超限价自费"), fmt_yuan(a("overlmt_selfpay")), indent=True),
        Row(translate("Receipt", "先行自付"), fmt_yuan(a("preselfpay_amt")), indent=True),
        Row(translate("Receipt", "符合范围"), fmt_yuan(a("inscp_scp_amt")), indent=True),
        Row(translate("Receipt", "起付线"), fmt_yuan(a("act_pay_dedc"))),
        Row(translate("Receipt", "医保基金支付"), fmt_yuan(a("fund_pay_sumamt")), bold=True),
    ]
    amounts += [Row(name, fmt_yuan(v), indent=True) for name, v in r.funds]
    if a("hosp_part_amt"):
        amounts.append(Row(translate("Receipt", "医院负担"), fmt_yuan(a("hosp_part_amt"))))
    amounts += [
        Row(translate("Receipt", "个人负担"), fmt_yuan(a("psn_part_amt")), bold=True),
        Row(translate("Receipt", "个人账户支付"), fmt_yuan(a("acct_pay")), indent=True),
        Row(translate("Receipt", "个人账户余额"), fmt_yuan(a("balc"))),
    ]
    return ComposedReceipt(
        kind=SlipKind.CANCEL if cancelled else SlipKind.SETTLEMENT, name=r.setl_id or "nosetl",
        facility=r.facility_name, title=translate("Receipt", "医保结算单"), notes=tuple(notes), info=info,
        item_header=header, items=tuple(Item(ln.name, ln.qty, fmt_yuan(ln.amount)) for ln in r.lines),
        amounts=tuple(amounts), cash=Row(translate("Receipt", "个人现金支付"), fmt_yuan(r.cash), bold=True),
        qr=r.verify_text,
        footer=(translate("Receipt", "扫码核验结算信息"), f"{r.facility_code} · {r.msgid}"),
        suffix="-reprint" if reprint else ("-cancel" if cancelled else ""))


def park_refund_lines(park_id: str, translate: Translate = untranslated) -> list[str]:
    """What the patient does to get the insurance share back (the park slip's last lines)."""
    return [translate("Receipt", "【退款说明】"),
            translate("Receipt", "平台恢复后本院补办医保结算，"),
            translate("Receipt", "医保应付部分退还给您。"),
            translate("Receipt", "请保留本凭条，凭编号"),
            translate("Receipt", "%1 到收费窗口退款。").replace("%1", park_id)]


def compose_park(slip: ParkSlipLike, *, facility_name: str, training: bool = False,
                 translate: Translate = untranslated) -> ComposedReceipt:
    """The deferred-settlement slip: proof of full payment, the bill's items, the refund instructions, the number
    to settle with and its QR."""
    lines = list(slip.lines())
    notes = (Note(translate("Receipt", "【训练模式 · 非正式票据】"), bold=True),) if training else ()
    body = lines[1:]
    items = tuple(getattr(slip, "items", ()) or ())
    if items:
        body.append(translate("Receipt", "项目  数量  金额"))
        for name, qty, amount in items:
            q = format(qty.normalize(), "f") if isinstance(qty, Decimal) else str(qty)
            body += [str(name), f"  × {q}  {fmt_yuan(amount)}"]
    body += park_refund_lines(slip.park_id, translate)
    return ComposedReceipt(kind=SlipKind.PARK, name=f"park-{slip.park_id}", facility=facility_name,
                           title=lines[0] if lines else "", notes=notes, body=tuple(body),
                           qr=f"YBPARK|{slip.park_id}|{slip.total:.2f}")


def compose_discharge(lines: Sequence[str], *, name: str, facility_name: str = "", training: bool = False,
                      translate: Translate = untranslated) -> ComposedReceipt:
    """The discharge slip from the lines terminal.core.inpatient.receipt_lines composes for a paper width (its
    first line is the title; compose them without the facility name, which heads the slip here)."""
    notes = (Note(translate("Receipt", "【训练模式 · 非正式票据】"), bold=True),) if training else ()
    return ComposedReceipt(kind=SlipKind.DISCHARGE, name=name, facility=facility_name,
                           title=lines[0] if lines else "", notes=notes, body=tuple(lines[1:]))
