"""Dialogs of the duplicate-settlement guard (terminal.store.duplicates) and of the restart notice.

* :class:`DuplicateBillDialog`: this bill (HIS charge number) is already settled, or being settled, or its
  earlier settlement's outcome is unknown. Shows the earlier settlement (time, setl_id, amounts, operator);
  the default is to go back without settling. When the earlier one is settled, a supervisor may allow one
  more settlement: the cashier types the reason, then the supervisor's PIN is asked (``override_requested``).
* :class:`DuplicateSuspectedDialog`: the same person's identical bill (no charge number) was settled minutes
  ago. Yes / No, No being the default (Enter, Esc): ``confirmed`` only on an explicit Yes.
* :class:`CompletedSettlementsDialog`: at start after a crash, settlements that completed while nobody saw the
  result. It stays until the cashier presses 已核对 (Esc and the close button do not dismiss it).
"""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (QDialog, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout,
                               QWidget)

from terminal.core.money import fmt_yuan

log = logging.getLogger(__name__)

_ROWS = (("time", QT_TRANSLATE_NOOP("Duplicates", "结算时间")), ("setl_id", QT_TRANSLATE_NOOP("Duplicates", "结算号")),
         ("medfee_sumamt", QT_TRANSLATE_NOOP("Duplicates", "医疗费总额")),
         ("fund_pay_sumamt", QT_TRANSLATE_NOOP("Duplicates", "基金支付")),
         ("acct_pay", QT_TRANSLATE_NOOP("Duplicates", "个人账户")),
         ("psn_cash_pay", QT_TRANSLATE_NOOP("Duplicates", "个人现金")),
         ("operator", QT_TRANSLATE_NOOP("Duplicates", "收费员")))
_MONEY = {"medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay"}


def _value(e: dict[str, Any], key: str) -> str:
    v = e.get(key)
    if v in (None, ""):
        return "—"
    if key in _MONEY:
        try:
            return fmt_yuan(v)
        except (ValueError, ArithmeticError):
            return str(v)
    return str(v)


def earlier_panel(e: dict[str, Any], parent: QWidget | None = None) -> QWidget:
    """An earlier settlement as a small two-column form (objectName earlier_<key> on each value)."""
    w = QWidget(parent)
    w.setObjectName("earlierSettlement")
    g = QGridLayout(w)
    g.setContentsMargins(0, 4, 0, 4)
    g.setHorizontalSpacing(16)
    g.setVerticalSpacing(4)
    for row, (key, label) in enumerate(_ROWS):
        k = QLabel(QCoreApplication.translate("Duplicates", label), w)
        k.setObjectName("fieldLabel")
        v = QLabel(_value(e, key), w)
        v.setObjectName(f"earlier_{key}")
        v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if key == "psn_cash_pay":
            f = v.font()
            f.setBold(True)
            f.setPointSizeF(f.pointSizeF() * 1.3)
            v.setFont(f)
        g.addWidget(k, row, 0, Qt.AlignmentFlag.AlignRight)
        g.addWidget(v, row, 1)
    return w


class _Dialog(QDialog):
    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.lay = QVBoxLayout(self)
        self.lay.setContentsMargins(24, 20, 24, 20)
        self.lay.setSpacing(12)
        self.heading = QLabel(self)
        self.heading.setObjectName("dialogTitle")
        self.heading.setWordWrap(True)
        self.lay.addWidget(self.heading)
        self.text = QLabel(self)
        self.text.setObjectName("dialogText")
        self.text.setWordWrap(True)
        self.lay.addWidget(self.text)
        self.setMinimumWidth(560)


class DuplicateBillDialog(_Dialog):
    """The bill's charge number is settled already (or in flight / uncertain): refused, unless a supervisor."""

    #: the reason the cashier typed; the window then asks for the supervisor's PIN
    override_requested = Signal(str)

    def __init__(self, err: Any, parent: QWidget | None = None):
        super().__init__(self.tr("单据已结算，不能重复结算"), parent)
        self.setObjectName("duplicateBillDialog")
        self.err = err
        if err.reason == "settled":
            self.heading.setText(self.tr("单据 %1 已经结算过").replace("%1", err.bill_no))
            self.text.setText(self.tr("为防止重复收费，本次结算已拒绝，未向医保平台发送。请核对患者是否已缴费。"))
        elif err.reason == "in_flight":
            self.heading.setText(self.tr("单据 %1 正在结算中").replace("%1", err.bill_no))
            self.text.setText(self.tr("另一窗口（或命令行）正在结算这张单据。请等待它的结果，不要重复结算，也不要重复收费。"))
        else:
            self.heading.setText(self.tr("单据 %1 的上一笔结算结果未知").replace("%1", err.bill_no))
            self.text.setText(self.tr("系统正在冲正上一笔结算；冲正完成前不能再次结算，也不要收取现金。"))
        for e in err.earlier[:3]:
            self.lay.addWidget(earlier_panel(e, self))
        if len(err.earlier) > 1:
            more = QLabel(self.tr("此单据共有 %1 笔结算记录").replace("%1", str(len(err.earlier))), self)
            more.setObjectName("dialogHint")
            self.lay.addWidget(more)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("overrideReason")
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText(self.tr("确需再次结算时：填写原因（记入交易日志），再由主管授权"))
        self.override_btn = QPushButton(self.tr("主管授权重复结算…"), self)
        self.override_btn.setObjectName("overrideButton")
        self.override_btn.setAutoDefault(False)
        self.override_btn.setEnabled(False)
        self.close_btn = QPushButton(self.tr("返回，不结算"), self)
        self.close_btn.setObjectName("closeButton")
        self.close_btn.setDefault(True)
        self.close_btn.setAutoDefault(True)
        row = QHBoxLayout()
        row.addWidget(self.override_btn)
        row.addStretch(1)
        row.addWidget(self.close_btn)
        if err.overridable:
            self.lay.addWidget(self.reason)
            self.reason.textChanged.connect(lambda t: self.override_btn.setEnabled(len(t.strip()) >= 2))
            self.reason.returnPressed.connect(self._override)
        else:
            self.reason.hide()
            self.override_btn.hide()
        self.lay.addLayout(row)
        self.override_btn.clicked.connect(self._override)
        self.close_btn.clicked.connect(self.reject)
        self.close_btn.setFocus()

    def _override(self) -> None:
        reason = self.reason.text().strip()
        if not self.err.overridable or len(reason) < 2:
            return
        self.override_requested.emit(reason)
        self.accept()


class DuplicateSuspectedDialog(_Dialog):
    """The same person's identical bill within the last minutes: settle again? (No by default.)"""

    confirmed = Signal()

    def __init__(self, err: Any, parent: QWidget | None = None):
        super().__init__(self.tr("可能重复结算"), parent)
        self.setObjectName("duplicateSuspectedDialog")
        self.err = err
        e = err.latest
        if e.get("kind") in ("in_flight", "uncertain"):
            self.heading.setText(self.tr("该参保人的相同账单正在结算或结果未知"))
        else:
            self.heading.setText(self.tr("该参保人 %1 分钟内已结算过相同账单").replace("%1", str(err.minutes)))
        self.text.setText(self.tr("请核对是否重复收费。只有确认这是另一张账单时才继续结算。"))
        self.lay.addWidget(earlier_panel(e, self))
        question = QLabel(self.tr("确认这是另一张账单，继续结算吗？"), self)
        question.setObjectName("dialogQuestion")
        self.lay.addWidget(question)
        self.yes_btn = QPushButton(self.tr("是，另一张账单，继续"), self)
        self.yes_btn.setObjectName("yesButton")
        self.yes_btn.setAutoDefault(False)
        self.no_btn = QPushButton(self.tr("否，不结算"), self)
        self.no_btn.setObjectName("noButton")
        self.no_btn.setDefault(True)
        self.no_btn.setAutoDefault(True)
        row = QHBoxLayout()
        row.addWidget(self.yes_btn)
        row.addStretch(1)
        row.addWidget(self.no_btn)
        self.lay.addLayout(row)
        self.yes_btn.clicked.connect(self._yes)
        self.no_btn.clicked.connect(self.reject)
        self.no_btn.setFocus()

    def _yes(self) -> None:
        self.confirmed.emit()
        self.accept()


class CompletedSettlementsDialog(_Dialog):
    """上次结算已完成：… — settlements booked by a run that ended before the cashier saw them."""

    acknowledged = Signal()

    def __init__(self, report: Any, parent: QWidget | None = None):
        super().__init__(self.tr("上次结算已完成，请核对是否已收费"), parent)
        self.setObjectName("completedSettlementsDialog")
        self.report = report
        n = len(report.completed)
        self.heading.setText(self.tr("上次结算已完成（%1 笔），请核对是否已收费").replace("%1", str(n)))
        self.text.setText(self.tr("程序上次在结算完成后、显示结果前中断。以下结算已在医保平台记账；"
                                  "请核对患者是否已缴纳现金部分，不要再次结算同一张单据。"))
        for c in report.completed[:5]:
            e = {**c, "time": c.get("setl_time") or c.get("created")}
            if c.get("bill_no"):
                lab = QLabel(self.tr("单据号 ") + str(c["bill_no"]), self)
                lab.setObjectName("dialogHint")
                self.lay.addWidget(lab)
            self.lay.addWidget(earlier_panel(e, self))
        if n > 5:
            self.lay.addWidget(QLabel(self.tr("另有 %1 笔，见日志（F6）").replace("%1", str(n - 5)), self))
        self.ack_btn = QPushButton(self.tr("已核对"), self)
        self.ack_btn.setObjectName("ackButton")
        self.ack_btn.setDefault(True)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.ack_btn)
        self.lay.addLayout(row)
        self.ack_btn.clicked.connect(self._ack)
        self._acked = False
        self.ack_btn.setFocus()

    def _ack(self) -> None:
        self._acked = True
        log.info("cashier acknowledged %d settlement(s) completed before the restart: %s", len(self.report.completed),
                 ", ".join(str(c.get("setl_id")) for c in self.report.completed))
        self.acknowledged.emit()
        self.accept()

    def reject(self) -> None:  # Esc / the close button: only 已核对 closes it
        if self._acked:
            super().reject()

    def closeEvent(self, ev) -> None:
        if not self._acked:
            ev.ignore()
            return
        super().closeEvent(ev)
