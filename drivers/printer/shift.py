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

_C = "Shift"


def _y(v: Any) -> str:
    return fmt_yuan(Decimal(str(v or "0")))


def _n(t: Translate, n: int) -> str:
    return t(_C, "%1 笔").replace("%1", str(n))


def _head(t: Translate, text: str) -> Row:
    return Row(t(_C, text), "", bold=True)


def shift_rows(r: Mapping[str, Any], t: Translate = untranslated) -> list[Row]:
    """The figures of one cashier's shift, section by section."""
    rows = [Row(t(_C, "已结算") + " " + _n(t, r["settled"]["count"]), _y(r["settled"]["medfee_sumamt"]), bold=True),
            Row(t(_C, "已撤销") + " " + _n(t, r["cancelled"]["count"]), _y(r["cancelled"]["medfee_sumamt"]))]
    if r.get("reversed"):
        rows.append(Row(t(_C, "已冲正（未收费）") + " " + _n(t, r["reversed"]), _y(0)))
    rows.append(Row(t(_C, "净额") + " " + _n(t, r["net"]["count"]), _y(r["net"]["medfee_sumamt"]), bold=True))
    rows.append(_head(t, "按险种"))
    rows += [Row(f"{g['name']} " + _n(t, g["count"]), _y(g["medfee_sumamt"]), indent=True) for g in r["by_insutype"]]
    rows.append(_head(t, "按基金"))
    rows += [Row(f["name"], _y(f["amount"]), indent=True) for f in r["funds"]]
    rows.append(_head(t, "按参保地"))
    rows += [Row(f"{g['name']} " + _n(t, g["count"]), _y(g["medfee_sumamt"]), indent=True) for g in r["by_place"]]
    rows.append(_head(t, "收款方式"))
    for x in r["tenders"]:
        rows.append(Row(f"{x['name']} " + t(_C, "收款") + " " + _n(t, x["pay_count"]), _y(x["pay"]), indent=True))
        if x["refund_count"]:
            rows.append(Row(f"{x['name']} " + t(_C, "退款") + " " + _n(t, x["refund_count"]), _y(-Decimal(x["refund"])),
                            indent=True))
    if not r["tenders"]:
        rows.append(Row(t(_C, "无收款记录"), "", indent=True))
    rows.append(_head(t, "现金"))
    rows += [Row(t(_C, "现金实收"), _y(r["cash_tendered"]), indent=True),
             Row(t(_C, "找零"), _y(-Decimal(r["change_given"])), indent=True)]
    untendered = r.get("untendered") or []
    if untendered:
        cash = sum((Decimal(u["psn_cash_pay"]) for u in untendered), Decimal("0.00"))
        rows.append(Row(t(_C, "未登记收款方式") + " " + _n(t, len(untendered)), _y(cash), indent=True))
    parked = [p for p in r.get("parked") or [] if p.get("untendered")]
    if parked:
        rows.append(Row(t(_C, "补结算全额收费") + " " + _n(t, len(parked)),
                        _y(sum((Decimal(p["total"]) for p in parked), Decimal("0.00"))), indent=True))
    paid = [p for p in r.get("refunds_paid") or [] if p.get("untendered")]
    if paid:
        rows.append(Row(t(_C, "补结算退款已付") + " " + _n(t, len(paid)),
                        _y(-sum((Decimal(p["refund_due"]) for p in paid), Decimal("0.00"))), indent=True))
    rows.append(Row(t(_C, "现金收入"), _y(r["cash_in"]), indent=True))
    rows.append(Row(t(_C, "现金支出"), _y(-Decimal(r["cash_out"])), indent=True))
    rows.append(Row(t(_C, "补结算（挂账）") + " " + _n(t, len(r.get("parked") or [])), _y(r.get("parked_total"))))
    rows.append(Row(t(_C, "待退款（补结算）") + " " + _n(t, len(r.get("refunds_due") or [])),
                    _y(r.get("refunds_due_total")), bold=bool(r.get("refunds_due"))))
    rows += [Row(f"{x['park_id']} {x['name_masked']}", _y(x["refund_due"]), indent=True)
             for x in r.get("refunds_due") or []]
    return rows


def _counted(r: Mapping[str, Any], t: Translate) -> list[str]:
    counted = r.get("counted_cash") or ""
    if not counted:
        return []
    diff = Decimal(r.get("difference") or "0")
    word = t(_C, "长款") if diff > 0 else (t(_C, "短款") if diff < 0 else t(_C, "相符"))
    return [t(_C, "实点现金") + f" {_y(counted)}", t(_C, "差额") + f" {_y(diff)}（{word}）"]


def compose_shift(r: Mapping[str, Any], *, facility_name: str, operator_name: str = "", closed: str = "",
                  training: bool = False, translate: Translate = untranslated) -> ComposedReceipt:
    """One cashier's shift report; with ``closed`` (the close's time) it is the signed-off close."""
    t = translate
    notes = [Note(t("Receipt", "【训练模式 · 非正式票据】"), bold=True)] if training else []
    if closed:
        notes.append(Note(t(_C, "已交班") + f" {closed}", bold=True))
    info = (Row(t(_C, "收费员"), f"{r['operator']} {operator_name}".strip()),
            Row(t(_C, "日期"), r["day"]),
            Row(t(_C, "起"), r.get("since") or t(_C, "当日开始")),
            Row(t(_C, "止"), r.get("until") or ""))
    body = [*_counted(r, t), t(_C, "交班人签字：") + "________", t(_C, "接班人/主管签字：") + "________"]
    return ComposedReceipt(kind=SlipKind.SHIFT, name=f"shift-{r['operator']}-{r['day']}", facility=facility_name,
                           title=t(_C, "收费员交班报表"), notes=tuple(notes), info=info,
                           amounts=tuple(shift_rows(r, t)),
                           cash=Row(t(_C, "应有现金"), _y(r["expected_cash"]), bold=True), body=tuple(body))


def compose_day_close(body: Mapping[str, Any], *, facility_name: str, training: bool = False,
                      translate: Translate = untranslated) -> ComposedReceipt:
    """The supervisor's day close: every cashier's day, then the 3201 verdict per group beside the local totals."""
    t = translate
    notes = (Note(t("Receipt", "【训练模式 · 非正式票据】"), bold=True),) if training else ()
    rows: list[Row] = []
    for c in body["cashiers"]:
        rows.append(Row(t(_C, "收费员") + f" {c['operator']} " + _n(t, c["net"]["count"]),
                        _y(c["net"]["medfee_sumamt"]), bold=True))
        rows += [Row(t(_C, "基金支付"), _y(c["net"]["fund_pay_sumamt"]), indent=True),
                 Row(t(_C, "个人账户"), _y(c["net"]["acct_pay"]), indent=True),
                 Row(t(_C, "现金"), _y(c["net"]["psn_cash_pay"]), indent=True),
                 Row(t(_C, "应有现金"), _y(c["expected_cash"]), indent=True)]
        if c.get("closed_count"):
            rows.append(Row(t(_C, "已交班") + " " + t(_C, "%1 次").replace("%1", str(c["closed_count"])),
                            _y(c["counted_cash"]) if c.get("counted_cash") else "", indent=True))
            if c.get("difference"):
                rows.append(Row(t(_C, "差额"), _y(c["difference"]), indent=True))
        else:
            rows.append(Row(t(_C, "未交班"), "", bold=True, indent=True))
    tot = body["total"]
    rows.append(Row(t(_C, "合计") + " " + _n(t, tot["count"]), _y(tot["medfee_sumamt"]), bold=True))
    rows += [Row(t(_C, "基金支付"), _y(tot["fund_pay_sumamt"]), indent=True),
             Row(t(_C, "个人账户"), _y(tot["acct_pay"]), indent=True),
             Row(t(_C, "现金"), _y(tot["psn_cash_pay"]), indent=True)]
    rec = body["reconcile"]
    rows.append(_head(t, "医保对总账（3201）"))
    for g in rec["groups"]:
        rows.append(Row(f"{g['insutype_name']} " + _n(t, g["count"]), _y(g["medfee_sumamt"]), indent=True))
        rows.append(Row(f"  {g['clr_type_name']}·{g['place_name']}", t(_C, g["state_name"]), indent=True))
        if g.get("stmt_rslt_dscr") and g.get("state") != "balanced":
            rows.append(Row("  " + g["stmt_rslt_dscr"], "", indent=True))
    lines = [rec["summary"], t(_C, "主管签字：") + "________"]
    return ComposedReceipt(kind=SlipKind.SHIFT, name=f"dayclose-{body['day']}", facility=facility_name,
                           title=t(_C, "日结单"), notes=notes,
                           info=(Row(t(_C, "日期"), body["day"]), Row(t(_C, "主管"), body.get("supervisor") or "")),
                           amounts=tuple(rows), cash=Row(t(_C, "应有现金合计"), _y(body["expected_cash"]), bold=True),
                           body=tuple(lines))
