"""Unknown outcomes: the terminal never sends a settlement twice; it reverses (2601) and lets the cashier
settle anew. Both the store's durable queue path and what the cashier sees are checked."""
from __future__ import annotations

import pytest

from terminal.core.flow import State


@pytest.mark.parametrize("fault", ["hang", "lost_answer"])
def test_timeout_mid_settle_is_reversed_then_settled_anew(make_desk, ui_cfg, fault):
    ui_cfg.backend.read_timeout = 1.0
    desk = make_desk()
    desk.load_bill()
    desk.identify_by_id("hainan-retiree")
    desk.preview()
    if fault == "hang":
        desk.sandbox.arm_fault("hang", infno="2207", delay=2.0)
    else:
        desk.sandbox.arm_fault("lost_answer", infno="2207")
    desk.key("F9")
    desk.qtbot.waitUntil(lambda: desk.ctl.state in (State.UNCERTAIN, State.REVERSED), timeout=10000)
    w = desk.window
    seen_uncertain = desk.ctl.flow.history.count((State.SETTLING, State.UNCERTAIN))
    assert seen_uncertain == 1
    # the cashier can neither settle again nor move on while it is open
    if desk.ctl.state == State.UNCERTAIN:
        assert w.result.currentWidget() is w.result.unc
        desk.key("F9")
        desk.key("Escape")
    desk.wait_state(State.REVERSED, timeout=15000)
    assert "冲正" in w.msg.text()
    ledger = desk.sandbox.ledger()
    booked = [r for r in ledger if r["infno"] == "2207"]
    if fault == "lost_answer":  # it was booked, then reversed
        assert len(booked) == 1 and booked[0]["status"] == "reversed"
    else:  # never processed: nothing to reverse
        assert booked == []
    assert desk.ctl.settle_sends == 1
    # settle anew: F5 then F9
    desk.preview()
    desk.settle()
    live = [r for r in desk.sandbox.ledger() if r["infno"] == "2207" and r["status"] == "booked"]
    assert len(live) == 1 and live[0]["setl_id"] == desk.ctl.settlement.setl_id
    assert desk.ca.session.queue_count() == 0


def test_platform_offline_bill_is_parked_then_settled_later(desk):
    from pathlib import Path

    desk.load_bill()
    desk.sandbox.arm_fault("http500", infno="*", count=1000)
    for _ in range(3):  # one failed request is no outage: the status judges the last few
        desk.key("F3")
        desk.type_into(desk.window.identify.idno, "450100197705200135")  # local employee
        desk.wait_idle()
    w = desk.window
    assert desk.ctl.state == State.IDLE and desk.ctl.status.state == "offline"
    assert "离线" in w.st_platform.text()
    assert w.park_btn.isVisible() and w.park_btn.isEnabled()
    desk.key("F11")
    desk.wait_idle()
    assert desk.ctl.slip is not None and desk.ctl.items == []
    assert desk.ctl.slip.park_id in w.msg.text()
    store = desk.ca.session.store
    assert [p.park_id for p in store.parked()] == [desk.ctl.slip.park_id]
    desk.qtbot.waitUntil(lambda: bool(list(Path(desk.ca.cfg.printer.pdf_dir).glob("park-*.pdf"))), timeout=10000)
    # the platform comes back: the queue settles the parked bill and lists the refund
    desk.sandbox.clear_faults()
    desk.ca.session.wake_queue()
    desk.qtbot.waitUntil(lambda: len(store.refunds_due()) == 1, timeout=20000)
    assert [r["status"] for r in desk.sandbox.ledger() if r["infno"] == "2207"] == ["booked"]
