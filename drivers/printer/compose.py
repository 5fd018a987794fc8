"""What a receipt says, composed without Qt, one ``ComposedReceipt`` per slip kind: the settlement slip (医保结算单,
and its cancelled form), the deferred-settlement (park) slip and the discharge slip.

A printer renders it (the PDF printers in terminal.ui.receipt, the ESC/POS printer in drivers.printer.escpos);
:func:`drivers.printer.layout.text_lines` lays it out as text for a paper width in characters. Labels go through
``translate(context, source)``: the UI passes QCoreApplication.translate, the default keeps the Chinese source (zh_CN
is the source language; resources/translations/update.py extracts these calls).

The settlement slip's amounts are the platform's: setlinfo of the 2207 answer (terminal.core.models.Settlement
.amounts) for the totals and the fund shares, setldetail (fund_pay_type) for a fund the platform left out of setlinfo.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from terminal.core.models import MED_TYPES
from terminal.core.money import ZERO, fmt_yuan
from terminal.core.regions import place_name
from terminal.core.tender import CASH, method_name

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
    SHIFT = "shift"  # the shift report and the day close (drivers.printer.shift)


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
    """A bill line: name, quantity, amount (formatted) and its class (甲/乙/丙, '' when unknown)."""

    name: str
    qty: str
    amount: str
    level: str = ""
    #: lines printed under the item, indented (a drug's spec and traceability codes)
    detail: tuple[str, ...] = ()


@dataclass(frozen=True)
class ComposedReceipt:
    """Everything a printer prints, in order: facility and title, notes, information rows, bill items, amounts,
    the cash line, the tender rows, plain body lines (the slips), the reference rows (ids, operator), the
    verification QR and the footer."""

    kind: SlipKind
    name: str  # what the printout is called (a PDF's file name starts with it)
    facility: str
    title: str
    notes: tuple[Note, ...] = ()
    info: tuple[Row, ...] = ()
    item_header: tuple[str, ...] | None = None  # name, quantity, amount[, class]
    items: tuple[Item, ...] = ()
    amounts: tuple[Row, ...] = ()
    cash: Row | None = None
    tender: tuple[Row, ...] = ()
    body: tuple[str, ...] = ()
    refs: tuple[Row, ...] = ()
    qr: str = ""
    footer: tuple[str, ...] = ()
    suffix: str = ""  # "-reprint" / "-cancel": told apart from the first print in a PDF's file name

    def map_text(self, fn: Callable[[str], str]) -> ComposedReceipt:
        """The same receipt with fn applied to every printed text (a printer whose character set lacks a
        character swaps it for one it has, before the layout measures it)."""
        def row(r: Row) -> Row:
            return replace(r, label=fn(r.label), value=fn(r.value))

        return replace(
            self, facility=fn(self.facility), title=fn(self.title),
            notes=tuple(replace(n, text=fn(n.text)) for n in self.notes), info=tuple(map(row, self.info)),
            item_header=tuple(map(fn, self.item_header)) if self.item_header is not None else None,
            items=tuple(Item(fn(i.name), fn(i.qty), fn(i.amount), fn(i.level), tuple(map(fn, i.detail)))
                        for i in self.items),
            amounts=tuple(map(row, self.amounts)), cash=row(self.cash) if self.cash is not None else None,
            tender=tuple(map(row, self.tender)), body=tuple(map(fn, self.body)), refs=tuple(map(row, self.refs)),
            footer=tuple(map(fn, self.footer)))


class ParkSlipLike(Protocol):
    """terminal.store.ParkSlip: proof of full payment and the number to settle later."""

    park_id: str
    total: Decimal

    def lines(self) -> list[str]: ...


#: psn_type (人员类别) names for the codes the platforms here send; another code prints as the code alone
PSN_TYPE_NAMES = {"1101": "在职职工", "1102": "退休人员", "1501": "城乡居民"}

#: the fund rows of the settlement slip, always printed: (label, setlinfo field, the setldetail fund_pay_type codes
#: that make it up when the platform leaves the setlinfo field out)
FUND_ROWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("统筹基金支付", "hifp_pay", ("310100", "390100")),
    ("大病保险", "hifmi_pay", ("390200",)),
    ("大额医疗补助", "hifob_pay", ("330100",)),
    ("公务员医疗补助", "cvlserv_pay", ("320100",)),
    ("医疗救助", "maf_pay", ("610100",)),
)
#: printed only when not zero
RARE_FUND_ROWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("企业补充医疗", "hifes_pay", ()),
    ("其他基金支付", "oth_pay", ("340100",)),
)


class SettlementLayout(Protocol):
    def __call__(self, r: ReceiptData, *, reprint: bool = False,
                 translate: Translate = untranslated) -> ComposedReceipt: ...


#: [facility] kind -> its settlement slip, where it is not the hospital's (drivers.printer.pharmacy adds "pharmacy";
#: the package imports it, so the layout is there wherever drivers.printer is)
FACILITY_LAYOUTS: dict[str, SettlementLayout] = {}


def fund_share(r: ReceiptData, key: str, codes: tuple[str, ...]) -> Decimal:
    """A fund's share: the setlinfo field, or (the platform left it out) its setldetail rows."""
    v = r.amount(key)
    if v or not codes:
        return v
    return sum((amt for code, amt in r.fund_codes if code in codes), ZERO)


def slip_notes(r: ReceiptData, reprint: bool, tr: Callable[[str], str]) -> list[Note]:
    """The notes above every slip's body: training, 补打 on a reprint, 已撤销 with its time."""
    notes: list[Note] = []
    if r.training:
        notes.append(Note(tr("【训练模式 · 非正式票据】"), bold=True))
    if reprint:
        notes.append(Note(tr("【补打】"), bold=True))
    if r.status == "cancelled":
        notes.append(Note(f"{tr('【已撤销】')} {r.cancelled_time}", bold=True))
    return notes


def compose_settlement(r: ReceiptData, *, reprint: bool = False,
                       translate: Translate = untranslated) -> ComposedReceipt:
    """The settlement slip (医保结算单); a cancelled settlement's says so (kind CANCEL). A reprint says 补打.
    A facility kind with its own layout prints that (FACILITY_LAYOUTS: a pharmacy's sale, drivers.printer.pharmacy)."""
    other = FACILITY_LAYOUTS.get(r.facility_kind)
    if other is not None:
        return other(r, reprint=reprint, translate=translate)

    def tr(source: str) -> str:
        return translate("Receipt", source)

    cancelled = r.status == "cancelled"
    notes = slip_notes(r, reprint, tr)
    cross = tr("跨省异地") if r.cross_province else tr("本省")
    info = [Row(tr("结算时间"), r.time), Row(tr("参保人"), r.name_printed), Row(tr("证件号"), r.certno_masked or "-")]
    if r.med_type:
        info.append(Row(tr("医疗类别"), f"{r.med_type} {MED_TYPES.get(r.med_type, '')}".strip()))
    if r.chronic_disease:
        info.append(Row(tr("慢特病病种"), r.chronic_disease))
    if r.psn_type:
        info.append(Row(tr("人员类别"), f"{r.psn_type} {PSN_TYPE_NAMES.get(r.psn_type, '')}".strip()))
    info += [Row(tr("险种"), f"{r.insutype} {r.insutype_name}"),
             Row(tr("参保地"), f"{place_name(r.insuplc)}（{cross}）")]
    if r.mdtrt_admdvs:
        info.append(Row(tr("就医地"), place_name(r.mdtrt_admdvs)))
    if r.dept_name:
        info.append(Row(tr("科室"), r.dept_name))
    if r.diagnosis:
        info.append(Row(tr("诊断"), r.diagnosis))
    header = (tr("项目"), tr("数量"), tr("金额"), tr("类别")) if r.lines else None
    a = r.amount
    amounts = [
        Row(tr("医疗费总额"), fmt_yuan(a("medfee_sumamt")), bold=True),
        Row(tr("全自费"), fmt_yuan(a("fulamt_ownpay_amt")), indent=True),
        Row(tr("超限价自费"), fmt_yuan(a("overlmt_selfpay")), indent=True),
        Row(tr("先行自付"), fmt_yuan(a("preselfpay_amt")), indent=True),
        Row(tr("符合范围"), fmt_yuan(a("inscp_scp_amt")), indent=True),
        Row(tr("起付线"), fmt_yuan(a("act_pay_dedc"))),
        Row(tr("医保基金支付"), fmt_yuan(a("fund_pay_sumamt")), bold=True),
    ]
    amounts += [Row(tr(label), fmt_yuan(fund_share(r, key, codes)), indent=True) for label, key, codes in FUND_ROWS]
    for label, key, codes in RARE_FUND_ROWS:
        if v := fund_share(r, key, codes):
            amounts.append(Row(tr(label), fmt_yuan(v), indent=True))
    if a("hosp_part_amt"):
        amounts.append(Row(tr("医院负担"), fmt_yuan(a("hosp_part_amt"))))
    amounts += [
        Row(tr("个人负担"), fmt_yuan(a("psn_part_amt")), bold=True),
        Row(tr("个人账户支付"), fmt_yuan(a("acct_pay")), indent=True),
        Row(tr("共济账户支付"), fmt_yuan(a("acct_mulaid_pay")), indent=True),
        Row(tr("个人账户余额"), fmt_yuan(a("balc"))),
    ]
    tender = tender_rows(r, tr)
    refs = (
        Row(tr("结算ID"), r.setl_id),
        Row(tr("就诊ID"), r.mdtrt_id),
        Row(tr("报文ID"), r.msgid),
        Row(tr("机构编码"), r.facility_code),
        Row(tr("收费员"), f"{r.operator_id} {r.operator_name}".strip()),
    )
    return ComposedReceipt(
        kind=SlipKind.CANCEL if cancelled else SlipKind.SETTLEMENT, name=r.setl_id or "nosetl",
        facility=r.facility_name, title=tr("医保结算单"), notes=tuple(notes), info=tuple(info), item_header=header,
        items=tuple(Item(ln.name, ln.qty, fmt_yuan(ln.amount), ln.level_name) for ln in r.lines),
        amounts=tuple(amounts), cash=Row(tr("应退个人现金") if cancelled else tr("个人现金支付"), fmt_yuan(r.cash),
                                         bold=True), tender=tuple(tender),
        refs=refs, qr=r.verify_text, footer=(tr("扫码核验结算信息"),),
        suffix="-reprint" if reprint else ("-cancel" if cancelled else ""))


def tender_rows(r: ReceiptData, tr: Callable[[str], str]) -> list[Row]:
    """How the cash share was paid and the change; none on a cancelled slip (what is refunded, not tendered)."""
    if r.status == "cancelled":
        return []
    lang = "en" if tr("现金") == "Cash" else "zh"
    tender: list[Row] = []
    for t in r.tender_lines:
        name = method_name(t.method, lang)
        if t.method == CASH and t.tendered != t.amount:
            tender.append(Row(f"{name} {tr('实收')}", fmt_yuan(t.tendered), indent=True))
        else:
            tender.append(Row(name, fmt_yuan(t.amount), indent=True))
        if t.reference:
            tender.append(Row(tr("交易参考号"), t.reference, indent=True))
    if r.tender_lines or r.change:
        tender.append(Row(tr("找零"), fmt_yuan(r.change), bold=True, indent=True))
    return tender


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
