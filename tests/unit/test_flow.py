import pytest
from hypothesis import given, strategies as st

from terminal.core.flow import TRANSITIONS, CashierFlow, IllegalTransition, State


def walk_to_previewed(f):
    f.identified("cred", "person")
    f.billed("bill")
    f.previewed("preview")


def test_happy_path():
    f = CashierFlow()
    walk_to_previewed(f)
    assert f.begin_settle()
    f.settled("s")
    assert f.state == State.SETTLED
    f.reset()
    assert f.state == State.IDLE and f.person is None


def test_double_settle_is_refused():
    f = CashierFlow()
    walk_to_previewed(f)
    assert f.begin_settle() is True
    assert f.begin_settle() is False
    f.settled("s")
    assert f.begin_settle() is False


def test_uncertain_must_be_reversed_before_next_patient():
    f = CashierFlow()
    walk_to_previewed(f)
    f.begin_settle()
    f.uncertain()
    with pytest.raises(IllegalTransition):
        f.reset()
    with pytest.raises(IllegalTransition):
        f.identified("other", "p")
    f.reversed()
    f.reset()
    assert f.state == State.IDLE


def test_illegal_transitions():
    f = CashierFlow()
    with pytest.raises(IllegalTransition):
        f.billed("bill")
    with pytest.raises(IllegalTransition):
        f.settled("s")
    f.identified("c", "p")
    with pytest.raises(IllegalTransition):
        f.previewed("p")


def test_refusal_returns_to_preview():
    f = CashierFlow()
    walk_to_previewed(f)
    f.begin_settle()
    f.refused()
    assert f.state == State.PREVIEWED and f.begin_settle()


@given(st.lists(st.sampled_from(["identified", "billed", "previewed", "begin", "settled", "refused", "uncertain",
                                 "reversed", "cancelled", "reset"]), max_size=30))
def test_random_intents_never_break_the_table(intents):
    f = CashierFlow()
    seen = []
    f.listeners.append(lambda a, b: seen.append((a, b)))
    for i in intents:
        try:
            {"identified": lambda: f.identified("c", "p"), "billed": lambda: f.billed("b"),
             "previewed": lambda: f.previewed("p"), "begin": f.begin_settle, "settled": lambda: f.settled("s"),
             "refused": f.refused, "uncertain": f.uncertain, "reversed": f.reversed, "cancelled": f.cancelled,
             "reset": f.reset}[i]()
        except IllegalTransition:
            pass
    for a, b in seen:
        assert b in TRANSITIONS[a]
    # never two settlements without a way back through IDLE / refusal / reversal
    settles = [b for a, b in seen if b == State.SETTLING]
    assert len(settles) <= sum(1 for a, b in seen if a == State.PREVIEWED and b == State.SETTLING)


def test_history_is_bounded_over_a_long_day():
    from terminal.core.flow import HISTORY_LEN

    f = CashierFlow()
    for _ in range(HISTORY_LEN):  # a patient identified and let go: two transitions
        f.identified("cred", "person")
        f.reset()
    assert len(f.history) == HISTORY_LEN
    assert f.history[-1] == (State.IDENTIFIED, State.IDLE)
