"""The shift report (交班报表) and the day close (日结单) as composed receipts: text lines for an ESC/POS roll
(:func:`drivers.printer.layout.text_lines`) and the PDF (terminal.ui.receipt). Input: the report's JSON form
(terminal.store.shifts: ``ShiftReport.as_dict()``, a close's stored report, ``Shifts.day_close``), so this
needs nothing but terminal.core.
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from terminal.core.money import fmt_yuan

from .compose import ComposedReceipt, Note, Row, SlipKind, Translate, untranslated



def _y(v: Any) -> str:
    return fmt_yuan(Decimal(str(v or "0")))


def _n(translate: Translate, n: int) -> str:
    """' 5 笔': the count after a label."""
    return " " + translate("Shift", "%1 笔").replace("%1", str(n))


def _head(text: str) -> Row:
    return Row(text, "", bold=True)


def _sum(values: Any) -> Decimal:
    return sum((Decimal(v) for v in values), Decimal("0.00"))


def shift_rows(r: Mapping[str, Any], translate: Translate = untranslated) -> list[Row]:
    """The figures of one cashier's shift, section by section."""
    n = lambda k: _n(translate, k)  # noqa: E731
    rows = [Row(translate("Shift", "已结算") + n(r["settled"]["count"]), _y(r["settled"]["medfee_sumamt"]), bold=True),
            Row(translate("Shift", "已撤销") + n(r["cancelled"]["count"]), _y(r["cancelled"]["medfee_sumamt"]))]
    if r.get("reversed"):
        rows.append(Row(translate("Shift", "已冲正（未收费）") + n(r["reversed"]), _y(0)))
    rows.append(Row(translate("Shift", "净额") + n(r["net"]["count"]), _y(r["net"]["medfee_sumamt"]), bold=True))
    rows.append(_head(translate("Shift", "按险种")))
    rows += [Row(g["name"] + n(g["count"]), _y(g["medfee_sumamt"]), indent=True) for g in r["by_insutype"]]
    rows.append(_head(translate("Shift", "按基金")))
    # a family member's account (acct_mulaid_pay) by the name the patient and the cashier know it by
    family = translate("Shift", "家庭共济（个人账户共济）")
    rows += [Row(family if f.get("key") == "acct_mulaid_pay" else f["name"], _y(f["amount"]), indent=True)
             for f in r["funds"]]
    rows.append(_head(translate("Shift", "按参保地")))
    rows += [Row(g["name"] + n(g["count"]), _y(g["medfee_sumamt"]), indent=True) for g in r["by_place"]]
    rows.append(_head(translate("Shift", "收款方式")))
    paid, refunded = translate("Shift", "收款"), translate("Shift", "退款")
    for x in r["tenders"]:
        rows.append(Row(f"{x['name']} {paid}" + n(x["pay_count"]), _y(x["pay"]), indent=True))
        if x["refund_count"]:
            rows.append(Row(f"{x['name']} {refunded}" + n(x["refund_count"]), _y(-Decimal(x["refund"])), indent=True))
    if not r["tenders"]:
        rows.append(Row(translate("Shift", "无收款记录"), "", indent=True))
    rows.append(_head(translate("Shift", "现金")))
    rows += [Row(translate("Shift", "现金实收"), _y(r["cash_tendered"]), indent=True),
             Row(translate("Shift", "找零"), _y(-Decimal(r["change_given"])), indent=True)]
    untendered = r.get("untendered") or []
    if untendered:
        rows.append(Row(translate("Shift", "未登记收款方式") + n(len(untendered)),
                        _y(_sum(u["psn_cash_pay"] for u in untendered)), indent=True))
    parked = [p for p in r.get("parked") or [] if p.get("untendered")]
    if parked:
        rows.append(Row(translate("Shift", "补结算全额收费") + n(len(parked)), _y(_sum(p["total"] for p in parked)),
                        indent=True))
    back = [p for p in r.get("refunds_paid") or [] if p.get("untendered")]
    if back:
        rows.append(Row(translate("Shift", "补结算退款已付") + n(len(back)), _y(-_sum(p["refund_due"] for p in back)),
                        indent=True))
    rows.append(Row(translate("Shift", "现金收入"), _y(r["cash_in"]), indent=True))
    rows.append(Row(translate("Shift", "现金支出"), _y(-Decimal(r["cash_out"])), indent=True))
    due = r.get("refunds_due") or []
    rows.append(Row(translate("Shift", "补结算（挂账）") + n(len(r.get("parked") or [])), _y(r.get("parked_total"))))
    rows.append(Row(translate("Shift", "待退款（补结算）") + n(len(due)), _y(r.get("refunds_due_total")),
                    bold=bool(due)))
    rows += [Row(f"{x['park_id']} {x['name_masked']}", _y(x["refund_due"]), indent=True) for x in due]
    return rows


def _counted(r: Mapping[str, Any], translate: Translate) -> list[str]:
    counted = r.get("counted_cash") or ""
    if not counted:
        return []
    diff = Decimal(r.get("difference") or "0")
    if diff > 0:
        word = translate("Shift", "长款")
    else:
        word = translate("Shift", "短款") if diff < 0 else translate("Shift", "相符")
    return [translate("Shift", "实点现金") + f" {_y(counted)}", translate("Shift", "差额") + f" {_y(diff)}（{word}）"]


def compose_shift(r: Mapping[str, Any], *, facility_name: str, operator_name: str = "", closed: str = "",
                  training: bool = False, translate: Translate = untranslated) -> ComposedReceipt:
    """One cashier's shift report; with ``closed`` (the close's time) it is the signed-off close."""
    notes = [Note(translate("Receipt", "【训练模式 · 非正式票据】"), bold=True)] if training else []
    if closed:
        notes.append(Note(translate("Shift", "已交班") + f" {closed}", bold=True))
    info = (Row(translate("Shift", "收费员"), f"{r['operator']} {operator_name}".strip()),
            Row(translate("Shift", "日期"), r["day"]),
            Row(translate("Shift", "起"), r.get("since") or translate("Shift", "当日开始")),
            Row(translate("Shift", "止"), r.get("until") or ""))
    body = [*_counted(r, translate), translate("Shift", "交班人签字：") + "________",
            translate("Shift", "接班人/主管签字：") + "________"]
    return ComposedReceipt(kind=SlipKind.SHIFT, name=f"shift-{r['operator']}-{r['day']}", facility=facility_name,
                           title=translate("Shift", "收费员交班报表"), notes=tuple(notes), info=info,
                           amounts=tuple(shift_rows(r, translate)),
                           cash=Row(translate("Shift", "应有现金"), _y(r["expected_cash"]), bold=True),
                           body=tuple(body))


def _day_rows(c: Mapping[str, Any], translate: Translate) -> list[Row]:
    """One cashier in the day close: net, fund, account, cash, the drawer, the sign-offs."""
    rows = [Row(translate("Shift", "收费员") + f" {c['operator']}" + _n(translate, c["net"]["count"]),
                _y(c["net"]["medfee_sumamt"]), bold=True),
            Row(translate("Shift", "基金支付"), _y(c["net"]["fund_pay_sumamt"]), indent=True),
            Row(translate("Shift", "个人账户"), _y(c["net"]["acct_pay"]), indent=True),
            Row(translate("Shift", "现金"), _y(c["net"]["psn_cash_pay"]), indent=True),
            Row(translate("Shift", "应有现金"), _y(c["expected_cash"]), indent=True)]
    if not c.get("closed_count"):
        return [*rows, Row(translate("Shift", "未交班"), "", bold=True, indent=True)]
    times = translate("Shift", "%1 次").replace("%1", str(c["closed_count"]))
    rows.append(Row(translate("Shift", "已交班") + f" {times}", _y(c["counted_cash"]) if c.get("counted_cash") else "",
                    indent=True))
    if c.get("difference"):
        rows.append(Row(translate("Shift", "差额"), _y(c["difference"]), indent=True))
    return rows


def compose_day_close(body: Mapping[str, Any], *, facility_name: str, training: bool = False,
                      translate: Translate = untranslated) -> ComposedReceipt:
    """The supervisor's day close: every cashier's day, then the 3201 verdict per group beside the local totals."""
    notes = (Note(translate("Receipt", "【训练模式 · 非正式票据】"), bold=True),) if training else ()
    rows = [row for c in body["cashiers"] for row in _day_rows(c, translate)]
    tot = body["total"]
    rows += [Row(translate("Shift", "合计") + _n(translate, tot["count"]), _y(tot["medfee_sumamt"]), bold=True),
             Row(translate("Shift", "基金支付"), _y(tot["fund_pay_sumamt"]), indent=True),
             Row(translate("Shift", "个人账户"), _y(tot["acct_pay"]), indent=True),
             Row(translate("Shift", "现金"), _y(tot["psn_cash_pay"]), indent=True)]
    rec = body["reconcile"]
    rows.append(_head(translate("Shift", "医保对总账（3201）")))
    for g in rec["groups"]:
        rows.append(Row(g["insutype_name"] + _n(translate, g["count"]), _y(g["medfee_sumamt"]), indent=True))
        rows.append(Row(f"  {g['clr_type_name']}·{g['place_name']}", translate("Reconcile", g["state_name"]),
                        indent=True))
        if g.get("stmt_rslt_dscr") and g.get("state") != "balanced":
            rows.append(Row("  " + g["stmt_rslt_dscr"], "", indent=True))
    info = (Row(translate("Shift", "日期"), body["day"]), Row(translate("Shift", "主管"), body.get("supervisor") or ""))
    return ComposedReceipt(kind=SlipKind.SHIFT, name=f"dayclose-{body['day']}", facility=facility_name,
                           title=translate("Shift", "日结单"), notes=notes, info=info, amounts=tuple(rows),
                           cash=Row(translate("Shift", "应有现金合计"), _y(body["expected_cash"]), bold=True),
                           body=(rec["summary"], translate("Shift", "主管签字：") + "________"))
