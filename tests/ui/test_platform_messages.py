"""What the cashier's window tells (issue 11, item 5): the platform's warn_msg as a yellow notice after preview,
settle and cancel; what a cancellation gave back; a 2601 that found nothing booked told apart from a reversal.
The real window against the sandbox platform over HTTP."""
from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from terminal.core.flow import State
from terminal.core.money import fmt_yuan

from .conftest import sign

SHOTS = Path(os.environ.get("YIBAO_SHOTS", "/tmp/shots"))


def test_warn_msg_notice_after_preview_settle_and_cancel(desk):
    w = desk.window
    desk.sandbox.arm_warn("参保地政策：本次门诊统筹额度已用完，超出部分由个人账户或现金支付", infno="2206")
    desk.sandbox.arm_warn("结算提示：请提醒参保人核对结算单", infno="2207")
    desk.load_bill()
    desk.identify_by_id("shanghai-employee")
    assert not w.notice.isVisible()  # nothing to tell yet
    desk.preview()
    assert w.notice.isVisible(), "a warn_msg must be visible in the window, not only in the log"
    assert "本次门诊统筹额度已用完" in w.notice.text() and "医保平台提示" in w.notice.text()
    desk.settle()
    text = w.notice.text()
    assert w.notice.isVisible() and "本次门诊统筹额度已用完" in text and "请提醒参保人核对结算单" in text
    assert w.notice.geometry().height() > 20 and w.notice.y() < w.result.y()  # above the panels, not hidden
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert w.grab().save(str(SHOTS / "warn.png"))
    # the settlement row keeps the 2207's warning
    rows = desk.ca.session.store.settlements(status="settled")
    assert [r["warn_msg"] for r in rows] == ["结算提示：请提醒参保人核对结算单"]

    # cancel (F10, supervisor): the 2208's warning, and what went back where
    s = desk.ctl.settlement
    acct, cash, fund = s.acct_pay, s.psn_cash_pay, s.fund_pay_sumamt
    desk.sandbox.arm_warn("撤销提示：个人账户资金原路退回", infno="2208")
    desk.key("F10")
    sign(desk.qtbot, desk.supervisor(), "9001", "9999")
    desk.wait_state(State.CANCELLED)
    told = f"退回个人账户 {fmt_yuan(acct)}，退还现金 {fmt_yuan(cash)}，基金 {fmt_yuan(fund)}"
    assert told in w.msg.text(), w.msg.text()
    assert told in w.result.next_hint.text() and w.result.next_hint.isVisible()
    assert "撤销提示：个人账户资金原路退回" in w.notice.text() and w.notice.isVisible()
    # the cash share goes back by the original tender (issue 13), then the next patient: the notice goes
    desk.finish_refund()
    desk.key("Escape")
    desk.qtbot.waitUntil(lambda: desk.ctl.state == State.IDLE, timeout=3000)
    assert not w.notice.isVisible()


def test_cancel_from_the_journal_says_what_went_back(desk):
    """A cancellation of an earlier settlement (Shift+F6 journal) tells the amounts too."""
    desk.load_bill()
    desk.identify_by_id("local")
    desk.preview()
    desk.settle()
    s = desk.ctl.settlement
    assert s.acct_pay > Decimal("0")
    from terminal.ui.journal import JournalDialog

    r = desk.ctl.receipt
    desk.key("Escape")
    desk.qtbot.keyClick(desk.window, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)  # F6 is the shift report
    desk.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), JournalDialog), timeout=3000)
    j = QApplication.activeModalWidget()
    j.search.setText(r.setl_id)
    assert j.selected().setl_id == r.setl_id
    j.cancel.click()
    sign(desk.qtbot, desk.supervisor(), "9001", "9999")
    desk.qtbot.waitUntil(lambda: desk.ca.session.journal.find(r.setl_id).status == "cancelled", timeout=10000)
    desk.qtbot.waitUntil(lambda: "退回个人账户" in desk.window.msg.text(), timeout=5000)
    assert f"退回个人账户 {fmt_yuan(s.acct_pay)}，退还现金 {fmt_yuan(s.psn_cash_pay)}，" \
        f"基金 {fmt_yuan(s.fund_pay_sumamt)}" in desk.window.msg.text()
    j.accept()


@pytest.mark.parametrize("fault, outcome", [("lost_answer", "reversed"), ("reset", "not_booked")])
def test_reversal_or_never_booked_is_told_apart(desk, fault, outcome):
    desk.load_bill()
    desk.identify_by_id("hainan-retiree")
    desk.preview()
    desk.sandbox.arm_fault(fault, infno="2207")
    desk.key("F9")
    desk.wait_state(State.REVERSED, timeout=20000)
    w = desk.window
    assert desk.ctl.reversal_outcome == outcome
    msg, title, steps = w.msg.text(), w.result.idle_title.text(), w.result.steps.text()
    booked = [x for x in desk.sandbox.ledger() if x["infno"] == "2207"]
    if outcome == "reversed":
        assert [x["status"] for x in booked] == ["reversed"]
        assert "已冲正（2601 成功）" in msg and "从未记账" not in msg
        assert title == "已冲正，未产生费用" and "平台已撤回" in steps
    else:
        assert booked == []
        assert "从未记账" in msg and "未扣款" in msg and "已冲正" not in msg
        assert title == "平台未记账，未产生费用" and "从未记账" in steps and "已通过 2601 冲正" not in steps
