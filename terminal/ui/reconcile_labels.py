"""The words and rows of the F8 reconciliation view (terminal.ui.reconcile): the national dictionaries' names
(insurance type, clearing type, clearing agency), the states and actions in the cashier's language, a difference's
amounts and person as the view shows them, and the day's totals from the session when there is no journal module.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from terminal.core.models import INSUTYPE_NAMES
from terminal.core.money import ZERO, fmt_yuan
from terminal.core.privacy import mask_id
from terminal.core.regions import place_name

_CTX = "Reconcile"

#: clr_type (清算类别) as the national dictionary names it
CLR_TYPE_NAMES = {"11": QT_TRANSLATE_NOOP("Reconcile", "门诊"), "14": QT_TRANSLATE_NOOP("Reconcile", "门诊慢特病"),
                  "21": QT_TRANSLATE_NOOP("Reconcile", "住院"), "41": QT_TRANSLATE_NOOP("Reconcile", "定点药店购药"),
                  "99": QT_TRANSLATE_NOOP("Reconcile", "其他")}

STATES = {"balanced": QT_TRANSLATE_NOOP("Reconcile", "平"),
          "mismatch": QT_TRANSLATE_NOOP("Reconcile", "不平"),
          "refused": QT_TRANSLATE_NOOP("Reconcile", "平台拒绝"),
          "queued": QT_TRANSLATE_NOOP("Reconcile", "已排队（平台离线）"),
          "": QT_TRANSLATE_NOOP("Reconcile", "未对账")}

KINDS = {"only_terminal": QT_TRANSLATE_NOOP("Reconcile", "仅本机有"),
         "only_platform": QT_TRANSLATE_NOOP("Reconcile", "仅平台有"),
         "amount": QT_TRANSLATE_NOOP("Reconcile", "金额不符"),
         "status": QT_TRANSLATE_NOOP("Reconcile", "状态不符")}
CANCEL_LINE = QT_TRANSLATE_NOOP("Reconcile", "（撤销记录）")

ACTIONS = {"reverse": QT_TRANSLATE_NOOP("Reconcile", "冲正（2601），撤回平台上的这笔结算"),
           "cancel": QT_TRANSLATE_NOOP("Reconcile", "撤销结算（2208）"),
           "settled_elsewhere": QT_TRANSLATE_NOOP("Reconcile", "登记为其他系统结算"),
           "record_cancel": QT_TRANSLATE_NOOP("Reconcile", "登记为平台已撤销/冲正"),
           "resend": QT_TRANSLATE_NOOP("Reconcile", "重新发送"),
           "none": QT_TRANSLATE_NOOP("Reconcile", "登记知悉（交医保经办机构核实）")}

PLAT_STATUS = {"booked": QT_TRANSLATE_NOOP("Reconcile", "已记账"),
               "cancelled": QT_TRANSLATE_NOOP("Reconcile", "已撤销"),
               "reversed": QT_TRANSLATE_NOOP("Reconcile", "已冲正"), "": QT_TRANSLATE_NOOP("Reconcile", "无")}

DETAIL_STATES = {"agreed": QT_TRANSLATE_NOOP("Reconcile", "明细一致"),
                 "differences": QT_TRANSLATE_NOOP("Reconcile", "有差异"),
                 "refused": QT_TRANSLATE_NOOP("Reconcile", "平台拒绝")}

AMOUNT_KEYS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def insutype_label(code: str) -> str:
    name = INSUTYPE_NAMES.get(code or "")
    return f"{code} {name}" if name else (code or "—")


def clr_type_label(code: str) -> str:
    name = CLR_TYPE_NAMES.get(code or "")
    return f"{code} {tr(name)}" if name else (code or "—")


def optins_label(code: str) -> str:
    name = place_name(code) if code else ""
    return f"{code} {name}" if name and name != code else (code or "—")


def action_label(action: str) -> str:
    return tr(ACTIONS[action]) if action in ACTIONS else action


def kind_label(d: Any) -> str:
    text = tr(KINDS[d.kind]) if d.kind in KINDS else d.kind
    return text + (tr(CANCEL_LINE) if getattr(d, "refd_setl_flag", "0") == "1" else "")


def yuan_text(v: Any) -> str:
    """An amount as ¥ text, '—' when there is none (a value that is no amount is shown as it is)."""
    if v in (None, ""):
        return "—"
    try:
        return fmt_yuan(v)
    except (ValueError, ArithmeticError):
        return str(v)


def side(d: Any, which: str) -> list[str]:
    """The three amounts of one side ('terminal' / 'platform') of a difference, '—' where it has none."""
    amounts = getattr(d, which, None) or {}
    return [yuan_text(amounts.get(k)) for k in AMOUNT_KEYS]


def amounts_text(d: Any, which: str) -> str:
    """'¥480.20 / ¥0.00 / ¥480.20' (total / fund / personal account), '—' when that side has nothing."""
    vals = side(d, which)
    return "—" if all(v == "—" for v in vals) else " / ".join(vals)


def person_label(d: Any) -> str:
    """The person as the cashier may see it: the personnel number masked (region and last 4 digits)."""
    psn = getattr(d, "psn_no", "") or ""
    return mask_id(psn) if psn else "—"


class SettledRecord(Protocol):
    """One settlement of the session's journal as session_groups reads it (terminal.ui.journal.journal_records)."""

    status: str
    insutype: str
    clr_type: str
    clr_optins: str
    insuplc: str

    def amount(self, key: str) -> Decimal: ...


def session_groups(records: Iterable[SettledRecord]) -> list[dict[str, Any]]:
    """No journal module (use_store off): the totals per insutype x clr_type x clearing agency of the session's own
    settlements (cancelled ones left out), in the rows ReconcileDialog.groups() gives."""
    g: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in records:
        if r.status == "cancelled":
            continue
        k = (r.insutype, r.clr_type or "11", r.clr_optins or r.insuplc)
        x = g.setdefault(k, {"key": k, "n": 0, "medfee": ZERO, "fund": ZERO, "acct": ZERO, "state": "",
                             "dscr": "", "detail": None})
        x["n"] += 1
        x["medfee"] += r.amount("medfee_sumamt")
        x["fund"] += r.amount("fund_pay_sumamt")
        x["acct"] += r.amount("acct_pay")
    return list(g.values())
