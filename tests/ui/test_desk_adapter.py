"""The Qt adapter over the desk machine (ui/controller.py, ui/desk_bridge.py): the machine's texts follow the
window's language, the overlay shows the work the machine waits on, and the services' errors reach the machine
judged right."""
from __future__ import annotations

from terminal.core.flow import State


def test_desk_texts_follow_the_language(desk, qapp):
    from terminal.ui.app import install_translator

    try:
        assert install_translator(qapp, "en")
        assert desk.ctl.settle_now() is None  # nothing previewed yet
        assert desk.ctl.last_message == ("warn", "Press F5 to pre-settle first")
        assert desk.window.msg.text() == "Press F5 to pre-settle first"
    finally:
        install_translator(qapp, "zh_CN")
    desk.ctl.settle_now()
    assert desk.ctl.last_message == ("warn", "请先按 F5 预结算")


def test_overlay_shows_the_work_the_desk_waits_on(desk):
    desk.load_bill()
    desk.identify_by_id("hainan-retiree")
    desk.sandbox.arm_fault("delay", infno="2206", delay=1.0)
    desk.key("F5")
    desk.qtbot.waitUntil(lambda: desk.window.overlay.isVisible(), timeout=3000)
    assert desk.ctl.busy and desk.ctl.desk.current is not None and desk.ctl.desk.current.kind == "preview"
    desk.wait_state(State.PREVIEWED)
    assert not desk.window.overlay.isVisible() and desk.ctl.status.state in ("online", "slow")


def test_judge_names_each_service_error_for_the_desk():
    from terminal.backend.errors import BusinessError, TransportError
    from terminal.core.desk_ports import FaultKind as K
    from terminal.services.errors import CancelQueued, UncertainSettlement
    from terminal.store.errors import DuplicateBill
    from terminal.ui.desk_bridge import judge

    timeout = TransportError("超时", kind="timeout", sent=True, money_moving=True)
    down = TransportError("连不上", kind="connect", sent=False)
    unc = UncertainSettlement(timeout, None, "M1", "2207", False, reversal_error=BusinessError("平台忙"))
    f = judge(unc)
    assert (f.kind, f.omsgid, f.reversal, f.reversal_error, f.text) == (K.UNCERTAIN, "M1", "", "平台忙",
                                                                        unc.user_message)
    assert judge(UncertainSettlement(timeout, None, "M2", "2207", "not_booked")).reversal == "not_booked"
    assert judge(CancelQueued(3, "S1", down)).kind is K.QUEUED
    assert judge(DuplicateBill("B1", [{"kind": "settled"}])).kind is K.DUPLICATE
    assert judge(timeout).kind is K.UNKNOWN
    assert judge(down).kind is K.UNREACHABLE and judge(down).text == down.user_message
    refused, missing = judge(BusinessError("余额不足")), judge(LookupError("没有这条记录"))
    assert (refused.kind, refused.text, missing.kind, missing.text) == (K.REFUSED, "余额不足", K.OTHER, "没有这条记录")
