"""The discharge desk tells the platform's warn_msg (a yellow notice) and what a cancellation (2305) gave back
(issue 11, item 5). The real desk widget against the sandbox platform over HTTP."""
from __future__ import annotations

from PySide6.QtCore import Qt

from terminal.core.money import fmt_yuan

from .test_discharge_desk import admit_cataract, desk, idle, ward  # noqa: F401 - fixtures


def test_discharge_desk_shows_warn_msg_and_the_refund(qtbot, desk, ward, sandbox):  # noqa: F811
    st, _ = admit_cataract(ward)
    desk.find(st.adm_no)
    idle(qtbot, desk)
    assert not desk.notice.isVisible()
    sandbox.arm_warn("出院结算提示：请核对出院带药", infno="2304")
    desk.preview()
    idle(qtbot, desk)
    qtbot.keyClick(desk, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: desk.confirm_box is not None, timeout=3000)
    with qtbot.waitSignal(desk.settled, timeout=15000) as sig:
        qtbot.keyClick(desk.confirm_box, Qt.Key.Key_Return)
    idle(qtbot, desk)
    assert desk.notice.isVisible() and "出院结算提示：请核对出院带药" in desk.notice.text()
    s = sig.args[0].settlement
    sandbox.arm_warn("撤销提示：基金已退回", infno="2305")
    with qtbot.waitSignal(desk.cancelled, timeout=15000):
        desk.cancel_settlement(confirm=False)
    idle(qtbot, desk)
    assert "撤销提示：基金已退回" in desk.notice.text() and desk.notice.isVisible()
    assert (f"退回个人账户 {fmt_yuan(s.acct_pay)}，退还现金 {fmt_yuan(s.psn_cash_pay)}，"
            f"基金 {fmt_yuan(s.fund_pay_sumamt)}" in desk.status.text()), desk.status.text()
    desk.find(st.adm_no)  # another look at the stay: the notice belongs to the answer that gave it
    idle(qtbot, desk)
    assert not desk.notice.isVisible()
