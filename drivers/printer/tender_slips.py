"""The till's slips, composed without Qt like the settlement receipt (drivers.printer.compose): the refund slip of a
cancelled settlement (what went back to the patient, by which method, why, who allowed it) and the self-pay (自费)
receipt of a person the platform refused (the bill paid in full, no insurance)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from terminal.core.money import ZERO, fmt_yuan
from terminal.core.tender import CASH, TenderLine, method_name

from .compose import ComposedReceipt, Item, Note, Row, SlipKind, Translate, untranslated


def _tender_rows(lines: Sequence[TenderLine], tr: Translate, *, refund: bool) -> list[Row]:
    out: list[Row] = []
    for ln in lines:
        name = method_name(ln.method)
        if refund:
            label = tr("Receipt", "退还现金") if ln.method == CASH else tr("Receipt", "原路退回") + name
        else:
            label = name
        out.append(Row(label, fmt_yuan(ln.amount), indent=True))
        if ln.method == CASH and ln.tendered != ln.amount:
            out.append(Row(tr("Receipt", "实收"), fmt_yuan(ln.tendered), indent=True))
        if ln.reference:
            out.append(Row(tr("Receipt", "交易参考号"), ln.reference, indent=True))
    return out


def compose_refund(*, facility_name: str, facility_code: str, setl_id: str, mdtrt_id: str, msgid: str,
                   name_masked: str, settled_time: str, amount: Decimal, lines: Sequence[TenderLine], reason: str,
                   supervisor: str, operator: str, training: bool = False, when: datetime | None = None,
                   translate: Translate = untranslated) -> ComposedReceipt:
    """The refund slip: the settlement it cancels, the reason, and each refund line by its original method."""
    tr = translate
    now = (when or datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    notes = [Note(tr("Receipt", "【已撤销 · 退款】"), bold=True)]
    if training:
        notes.insert(0, Note(tr("Receipt", "【训练模式 · 非正式票据】"), bold=True))
    info = (Row(tr("Receipt", "退款时间"), now), Row(tr("Receipt", "参保人"), name_masked or "—"),
            Row(tr("Receipt", "原结算时间"), settled_time or "—"), Row(tr("Receipt", "结算ID"), setl_id),
            Row(tr("Receipt", "就诊ID"), mdtrt_id or "—"), Row(tr("Receipt", "撤销原因"), reason or "—"),
            Row(tr("Receipt", "授权主管"), supervisor or "—"), Row(tr("Receipt", "收费员"), operator or "—"))
    return ComposedReceipt(
        kind=SlipKind.CANCEL, name=f"refund-{setl_id or 'nosetl'}", facility=facility_name,
        title=tr("Receipt", "退款凭条"), notes=tuple(notes), info=info,
        amounts=tuple(_tender_rows(lines, tr, refund=True)),
        cash=Row(tr("Receipt", "退还合计"), fmt_yuan(amount), bold=True),
        qr=f"YBREFUND|{facility_code}|{setl_id}|{amount:.2f}",
        footer=(tr("Receipt", "医保基金与个人账户部分由医保平台原路退回"), f"{facility_code} · {msgid}"),
        suffix="-refund")


def compose_self_pay(*, facility_name: str, facility_code: str, order: str, name_masked: str, reason: str,
                     items: Sequence[tuple[str, str, Decimal]], total: Decimal, lines: Sequence[TenderLine],
                     change: Decimal = ZERO, operator: str = "", training: bool = False, when: datetime | None = None,
                     translate: Translate = untranslated) -> ComposedReceipt:
    """The self-pay receipt: no insurance settlement, the bill in full, how it was paid."""
    tr = translate
    now = (when or datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    notes = [Note(tr("Receipt", "【自费 · 未经医保结算】"), bold=True)]
    if training:
        notes.insert(0, Note(tr("Receipt", "【训练模式 · 非正式票据】"), bold=True))
    info = (Row(tr("Receipt", "收费时间"), now), Row(tr("Receipt", "患者"), name_masked or "—"),
            Row(tr("Receipt", "自费原因"), reason or "—"), Row(tr("Receipt", "单号"), order),
            Row(tr("Receipt", "收费员"), operator or "—"))
    rows = _tender_rows(lines, tr, refund=False)
    if change > ZERO:
        rows.append(Row(tr("Receipt", "找零"), fmt_yuan(change), bold=True))
    return ComposedReceipt(
        kind=SlipKind.SETTLEMENT, name=f"selfpay-{order}", facility=facility_name, title=tr("Receipt", "自费收费凭条"),
        notes=tuple(notes), info=info,
        item_header=(tr("Receipt", "项目"), tr("Receipt", "数量"), tr("Receipt", "金额")) if items else None,
        items=tuple(Item(n, q, fmt_yuan(a)) for n, q, a in items), amounts=tuple(rows),
        cash=Row(tr("Receipt", "自费合计"), fmt_yuan(total), bold=True),
        qr=f"YBSELF|{facility_code}|{order}|{total:.2f}",
        footer=(tr("Receipt", "本次未使用医保；如需医保结算请凭此凭条到医保窗口咨询"), f"{facility_code} · {order}"),
        suffix="-selfpay")
