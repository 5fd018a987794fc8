"""The stay machine's transition table (terminal.core.stay): what may follow what, a settle key pressed twice, a
late answer, and random key sequences against the fake discharge service."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from terminal.core.stay import BUSY, TRANSITIONS, IllegalTransition, Phase

from .stay_fakes import ID_NO, LaterRunner, Refused, Unknown, make


def test_a_double_pressed_settle_key_sends_once():
    run = LaterRunner()
    m, svc, view, _ = make(run)
    s = svc.admit(ID_NO)
    m.find(s.adm_no)
    run.drain()
    m.preview()
    run.drain()
    assert m.settle() is True and m.phase == Phase.SETTLING and m.busy and m.previewed
    assert m.settle() is False and m.preview() is False and m.find(s.adm_no) is False and m.clear() is False
    assert not m.choose_account(False) and m.acct_used
    assert len(run.jobs) == 1
    run.drain()
    assert svc.sent("2304") == ["booked"] and m.phase == Phase.SETTLED and m.settle() is False


def test_while_the_stay_is_read_again_the_cashier_may_go_on():
    run = LaterRunner()
    m, svc, view, _ = make(run)
    s = svc.admit(ID_NO)
    other = svc.admit("11010519491231002X", "P002")
    m.find(s.adm_no)
    run.drain()
    m.preview()
    run.drain()
    svc.faults["2304"] = Unknown()
    m.settle()
    run.step()
    assert m.phase == Phase.UNCERTAIN and not m.busy and [j[0] for j in run.jobs] == ["刷新"]
    assert m.can_preview and not m.can_settle and not m.can_cancel
    assert m.find(other.adm_no)
    run.drain()  # the refresh of the first stay comes back late: the other stay stays shown
    assert m.phase == Phase.FOUND and m.stay.adm_no == other.adm_no


def test_illegal_transitions_are_refused():
    m, svc, view, run = make()
    assert not (m.preview() or m.settle() or m.cancel()) and run.labels == [] and svc.ledger == []
    with pytest.raises(IllegalTransition, match="empty -> settled"):
        m._go(Phase.SETTLED)
    s = svc.admit(ID_NO)
    m.find(s.adm_no)
    assert not m.settle() and not m.cancel() and svc.sent("2304") == []
    with pytest.raises(IllegalTransition):  # an answer nobody asked for
        m._settled(svc.preview(s.adm_no))
    # settling is entered only from a pre-settlement, and ends only in settled, the pre-settlement or uncertain
    assert {p for p, to in TRANSITIONS.items() if Phase.SETTLING in to} == {Phase.PREVIEWED}
    assert TRANSITIONS[Phase.SETTLING] == {Phase.SETTLED, Phase.PREVIEWED, Phase.UNCERTAIN}
    assert {p for p, to in TRANSITIONS.items() if Phase.UNCERTAIN in to} >= {Phase.SETTLING, Phase.CANCELLING}
    assert set(TRANSITIONS) == set(Phase) and not any(b in TRANSITIONS[b] for b in BUSY)


def test_clear_forgets_the_stay_but_not_while_a_call_is_under_way():
    run = LaterRunner()
    m, svc, view, _ = make(run)
    s = svc.admit(ID_NO)
    m.find(s.adm_no)
    assert not m.clear() and m.phase == Phase.FINDING
    run.drain()
    m.preview()
    run.drain()
    assert m.clear() and m.phase == Phase.EMPTY
    assert (m.stay, m.result, m.totals, m.receipt, m.notice, m.status) == (None, None, None, "", "", "")
    assert set(m.amounts().values()) == {""} and not m.can_preview


INTENTS = st.lists(st.sampled_from(["find", "find_bad", "preview", "settle", "cancel", "acct", "clear", "unknown",
                                    "refuse", "step", "step"]), max_size=40)


@settings(max_examples=150, deadline=None)
@given(INTENTS)
def test_any_sequence_of_keys_never_settles_twice_off_one_pre_settlement(keys):
    run = LaterRunner()
    m, svc, view, _ = make(run)
    s = svc.admit(ID_NO)
    for k in keys:
        if k == "find":
            m.find(s.adm_no)
        elif k == "find_bad":
            m.find("ZY0404")
        elif k == "acct":
            m.choose_account(not m.acct_used)
        elif k in ("unknown", "refuse"):
            svc.faults["2304" if m.phase != Phase.SETTLED else "2305"] = Unknown() if k == "unknown" else Refused("拒")
        elif k == "step":
            if run.jobs:
                run.step()
        else:
            getattr(m, k)()
        assert m.busy == any(label != "刷新" for label, *_ in run.jobs)
        assert not m.can_settle or m.phase == Phase.PREVIEWED
    run.drain()
    # a settlement goes out only off a pre-settlement: the first since the last 2303, or one after a refusal
    last = ""
    for infno, outcome in svc.ledger:
        if infno == "2304":
            assert last in ("2303", "2304 refused"), svc.ledger
        if infno in ("2303", "2304"):
            last = infno if infno == "2303" else f"2304 {outcome}"
    assert len(view.made) == svc.sent("2304").count("booked")
