"""The cashier desk machine (terminal.core.desk, Qt-free) driving the real PharmacyService over HTTP with a real
journal: the same desk that settles a visit settles a pharmacy sale (2101 / 2102), takes an uncertain 2102 to its
2601 through the queue, and cancels with 2103."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.core.desk import Desk
from terminal.core.desk_ports import Fault, FaultKind
from terminal.core.errors import user_message_of
from terminal.core.flow import State
from terminal.core.money import Limits
from terminal.services.errors import UncertainSettlement
from terminal.services.pharmacy import PharmacyService
from terminal.store import Store
from terminal.store.worker import QueueWorker
from tests.support import id_cred, make_client
from tests.support.pharmacy import AMLODIPINE, LIANHUA, make_sale, pharmacy_config
from tests.unit.desk_rig import FakeBook, FakeView, StepRunner, Target


def judge(err: BaseException) -> Fault:
    if isinstance(err, UncertainSettlement):
        return Fault(FaultKind.UNCERTAIN, user_message_of(err), err, omsgid=err.omsgid, reversal=err.reversal)
    return Fault(FaultKind.REFUSED, user_message_of(err), err)


@pytest.fixture
def desk_world(sandbox, tmp_path):
    client = make_client(pharmacy_config(tmp_path / "data"), sandbox.url, tmp_path / "msgid.state")
    store = Store(tmp_path / "journal.sqlite")
    svc = PharmacyService(client, treatment_admdvs="450100", store=store)
    runner, view, book = StepRunner(), FakeView(), FakeBook()
    desk = Desk(svc, book, runner, view, judge, limits=Limits(), journal=True)
    yield desk, runner, view, store, client
    store.close()
    client.close()


def _previewed(desk, runner, store, key="chongqing-employee"):
    desk.identify(id_cred(key))
    runner.finish("identify")
    assert desk.load_bill(make_sale(AMLODIPINE, LIANHUA, sold=store.trace_codes.sold_by).bill())
    desk.preview_now()
    runner.finish("preview")
    assert desk.state == State.PREVIEWED, desk.view.messages
    return desk


def test_desk_settles_and_cancels_a_sale(sandbox, desk_world):
    desk, runner, view, store, _ = desk_world
    before = sandbox.balance("chongqing-employee")
    _previewed(desk, runner, store)
    desk.settle_now()
    runner.finish()
    s = desk.settlement
    assert s is not None and view.booked == [s] and s.medfee_sumamt == Decimal("35.60")
    assert s.acct_pay == Decimal("35.60") and s.psn_cash_pay == 0
    assert sandbox.balance("chongqing-employee") == before - Decimal("35.60")
    desk.cancel_settlement(Target(s.setl_id, s.mdtrt_id, s.psn_no, "500100"), "S001", "顾客退药")
    runner.finish("cancel")
    assert view.cancelled and sandbox.balance("chongqing-employee") == before
    assert [r["status"] for r in store.trace_codes.codes_of(s.setl_id)] == ["released", "released"]


def test_desk_uncertain_2102_reversal_is_2102s(sandbox, desk_world):
    desk, runner, view, store, client = desk_world
    before = sandbox.balance("sichuan-employee")
    _previewed(desk, runner, store, "sichuan-employee")
    sandbox.arm_fault("lost_answer", infno="2102")
    desk.settle_now()
    runner.finish()
    pr = desk.book.reversals[-1]
    assert (pr.oinfno, pr.queued) == ("2102", True) and view.booked == []
    assert "正在冲正" in view.last
    outs = QueueWorker(store, client).drain(timeout=30)
    assert [(o.kind, o.resolution) for o in outs] == [("reversal", "reversed")]
    assert sandbox.balance("sichuan-employee") == before
