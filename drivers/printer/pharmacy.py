"""The pharmacy's sale slip (零售药店医保购药凭证): what a designated retail pharmacy's counter prints after a 2102
(and, marked 已撤销, after a 2103), composed without Qt like the settlement slip (drivers.printer.compose).

Each drug: name and spec, quantity × unit price, amount, and under it the boxes' traceability codes (药品追溯码,
printed whole: they identify a box, not a person), or their count when a line has more than ``MAX_CODES_LISTED``.
Then the breakdown the platform sent (setlinfo of 2102): the fund's share, the personal account (个人账户),
其中家庭共济 (acct_mulaid_pay: the part of the account payment a family member's account made, printed when not zero),
the cash and how it was paid.
"""
from __future__ import annotations

from terminal.core.models import MED_TYPES
from terminal.core.money import fmt_yuan
from terminal.core.regions import place_name

from .compose import (FACILITY_LAYOUTS, ComposedReceipt, Item, Row, SlipKind, Translate, slip_notes,
                      tender_rows, untranslated)
from .receipt import ReceiptData, ReceiptLine

#: a line with more boxes than this prints the count and the first and last code, not every code
MAX_CODES_LISTED = 4


def trace_detail(ln: ReceiptLine, tr: Translate = untranslated) -> tuple[str, ...]:
    """The lines under a drug: its traceability codes, or their count (and the first and last) when many."""
    codes = ln.trace
    if not codes:
        return ()
    label = tr("Receipt", "追溯码")
    if len(codes) <= MAX_CODES_LISTED:
        return tuple(f"{label} {c}" for c in codes)
    return (tr("Receipt", "追溯码 %1 个").replace("%1", str(len(codes))),
            f"{codes[0]} …", f"… {codes[-1]}")


def _qty(ln: ReceiptLine) -> str:
    q = ln.qty.rstrip("0").rstrip(".") if "." in ln.qty else ln.qty
    return f"{q}{ln.unit}×{ln.price}" if ln.price else f"{q}{ln.unit}"


def compose_pharmacy(r: ReceiptData, *, reprint: bool = False,
                     translate: Translate = untranslated) -> ComposedReceipt:
    """The pharmacy sale slip; a cancelled sale's says so (kind CANCEL), a reprint says 补打."""
    def tr(source: str) -> str:
        return translate("Receipt", source)

    cancelled = r.status == "cancelled"
    notes = slip_notes(r, reprint, tr)
    cross = tr("跨省异地") if r.cross_province else tr("本省")
    info = [Row(tr("结算时间"), r.time), Row(tr("参保人"), r.name_printed), Row(tr("证件号"), r.certno_masked or "-"),
            Row(tr("险种"), f"{r.insutype} {r.insutype_name}"),
            Row(tr("参保地"), f"{place_name(r.insuplc)}（{cross}）")]
    if r.med_type:
        info.append(Row(tr("医疗类别"), f"{r.med_type} {MED_TYPES.get(r.med_type, '')}".strip()))
    items = tuple(Item(" ".join(x for x in (ln.name, ln.spec) if x), _qty(ln), fmt_yuan(ln.amount),
                       detail=trace_detail(ln, translate)) for ln in r.lines)
    codes = sum(len(ln.trace) for ln in r.lines)
    a = r.amount
    amounts = [Row(tr("药品总额"), fmt_yuan(a("medfee_sumamt")), bold=True)]
    if a("fulamt_ownpay_amt"):
        amounts.append(Row(tr("全自费"), fmt_yuan(a("fulamt_ownpay_amt")), indent=True))
    amounts.append(Row(tr("医保基金支付"), fmt_yuan(a("fund_pay_sumamt")), bold=True))
    amounts += [Row(tr("个人负担"), fmt_yuan(a("psn_part_amt")), bold=True),
                Row(tr("个人账户支付"), fmt_yuan(a("acct_pay")), indent=True)]
    if a("acct_mulaid_pay"):
        amounts.append(Row(tr("其中家庭共济"), fmt_yuan(a("acct_mulaid_pay")), indent=True))
    amounts.append(Row(tr("个人账户余额"), fmt_yuan(a("balc"))))
    refs = [Row(tr("结算ID"), r.setl_id), Row(tr("就诊ID"), r.mdtrt_id), Row(tr("报文ID"), r.msgid),
            Row(tr("机构编码"), r.facility_code), Row(tr("收银员"), f"{r.operator_id} {r.operator_name}".strip())]
    if codes:
        refs.insert(0, Row(tr("追溯码合计"), str(codes)))
    return ComposedReceipt(
        kind=SlipKind.CANCEL if cancelled else SlipKind.SETTLEMENT, name=r.setl_id or "nosetl",
        facility=r.facility_name, title=tr("医保购药凭证"), notes=tuple(notes), info=tuple(info),
        item_header=(tr("药品"), tr("数量×单价"), tr("金额")) if items else None, items=items,
        amounts=tuple(amounts), cash=Row(tr("应退个人现金") if cancelled else tr("个人现金支付"), fmt_yuan(r.cash),
                                         bold=True), tender=tuple(tender_rows(r, tr)),
        refs=tuple(refs), qr=r.verify_text, footer=(tr("扫码核验结算信息"),),
        suffix="-reprint" if reprint else ("-cancel" if cancelled else ""))


FACILITY_LAYOUTS["pharmacy"] = compose_pharmacy
