"""Refusal, outcome unknown, sign-in refusals and "nothing was booked": one classification (backend.errors), the
same answer from the service's immediate 2601, the journal and the queue worker.

The platform client is the real PlatformClient with the scripted transport adapter of test_store (no network).
"""
from __future__ import annotations

from datetime import datetime

from pathlib import Path
from collections.abc import Iterator

import pytest
import requests

from terminal.backend.client import Endpoint, Identity, PlatformClient
from terminal.backend.errors import (ALREADY_REVERSED_MARKERS, NOT_BOOKED_MARKERS, BusinessError, MalformedAnswer,
                                     TransportError, Verdict, is_sign_in_error, nothing_booked, reversal_outcome,
                                     verdict)
from terminal.backend.msgid import MsgIdGenerator
from terminal.core.errors import UserFacingError, user_message_of
from terminal.services.errors import (CancelQueued, InpatientError, ReversalPending, StayNotFound, UncertainSettlement,
                                      WrongState)
from terminal.services.outpatient import SettlementService
from terminal.store import Store

from .test_store import Script

REFUSALS = [*NOT_BOOKED_MARKERS, *ALREADY_REVERSED_MARKERS, "系统维护，请稍后再试"]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "journal.sqlite")
    yield s
    s.close()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[PlatformClient]:
    c = PlatformClient(Endpoint("http://platform.test"), Identity("H45010000001", "医院", "450100", "0001", "收费员"),
                       MsgIdGenerator("H45010000001", tmp_path / "msgid.state"))
    c.script = Script()  # answers POSTs from a list, the platform's JSON answers
    c.session.mount("http://", c.script)
    c.sign_no = "SIGN1"
    yield c
    c.close()


def _uncertain_2207(client: PlatformClient, psn_no: str) -> str:
    """A 2207 that timed out after it was sent: journaled uncertain, its 2601 queued. Its msgid."""
    client.script.answers = [requests.exceptions.ReadTimeout("slow")]
    msg = client.prepare("2207", {"data": {"psn_no": psn_no}}, insuplc_admdvs="460100")
    with pytest.raises(TransportError):
        client.send(msg)
    return msg.msgid


@pytest.mark.parametrize("err_msg", REFUSALS)
def test_reverse_the_journal_and_the_queue_agree_on_a_2601_refusal(store: Store, client: PlatformClient, err_msg: str):
    expected = reversal_outcome(err_msg)
    refusal = {"infcode": -1, "err_msg": f"{err_msg}(omsgid=...)"}
    svc = SettlementService(client, treatment_admdvs="450100", store=store)
    svc._sign_date = datetime.now().strftime("%Y%m%d")
    worker = store.worker(client)

    # the queued 2601, forwarded by the worker
    queued = _uncertain_2207(client, "P1")
    client.script.answers = [refusal]
    [o] = worker.run_once()
    if expected is None:
        assert o.state == "failed" and store.resolution(queued) == "reversal_refused"
    else:
        assert o.state == "done" and o.resolution == expected and store.resolution(queued) == expected

    # the service's immediate 2601, journaled: its answer and the journal's verdict on the original
    immediate = _uncertain_2207(client, "P2")
    client.script.answers = [refusal]
    if expected is None:
        with pytest.raises(BusinessError):
            svc.reverse("P2", "460100", immediate, "2207")
        assert store.resolution(immediate) == "reversing"  # still open: the person stays blocked
    else:
        assert svc.reverse("P2", "460100", immediate, "2207") == expected
        assert store.resolution(immediate) == expected


def test_not_found_means_never_booked_everywhere(client: PlatformClient):
    """"原交易未找到" once counted as not booked in the journal but raised in ``reverse``: one rule now."""
    assert nothing_booked("原交易未找到") and reversal_outcome("原交易未找到") == "not_booked"
    svc = SettlementService(client, treatment_admdvs="450100")  # no store: only the service decides
    svc._sign_date = datetime.now().strftime("%Y%m%d")
    client.script.answers = [{"infcode": -1, "err_msg": "原交易未找到"}]
    assert svc.reverse("P1", "460100", "H45010000001202601010000000001", "2207") == "not_booked"


def test_refusal_unknown_outcome_and_failure():
    assert verdict(BusinessError("人员参保状态异常", infno="2207")) is Verdict.REFUSED
    sent = TransportError("timeout", kind="timeout", sent=True, money_moving=True, infno="2207")
    unsent = TransportError("refused", kind="connect", sent=False, money_moving=True, infno="2207")
    query = TransportError("timeout", kind="timeout", sent=True, money_moving=False, infno="1101")
    assert verdict(sent) is Verdict.UNKNOWN
    assert verdict(unsent) is Verdict.FAILED and verdict(query) is Verdict.FAILED
    assert verdict(MalformedAnswer("bad", money_moving=True, infno="2207")) is Verdict.UNKNOWN
    assert verdict(MalformedAnswer("bad", money_moving=False, infno="2206")) is Verdict.FAILED


def test_a_sign_in_refusal_is_one_of_a_message_not_of_the_sign_in_itself():
    assert is_sign_in_error(BusinessError("签到信息已失效，请重新签到", infno="2207"))
    assert not is_sign_in_error(BusinessError("签到失败：操作员不存在", infno="9001"))
    assert not is_sign_in_error(BusinessError("人员参保状态异常", infno="2207"))
    assert not is_sign_in_error(TransportError("签到", kind="timeout", sent=True))


def test_service_errors_speak_the_one_vocabulary_and_keep_their_texts():
    cause = TransportError("timeout", kind="timeout", sent=True, money_moving=True, infno="2207", msgid="M1")
    u = UncertainSettlement(cause, None, "M1", "2207", reversed_ok="not_booked")
    assert isinstance(u, UserFacingError) and u.outcome_unknown and u.reversal == "not_booked" and not u.queued
    assert user_message_of(u) == u.user_message and "从未记账" in u.user_message
    queued = UncertainSettlement(cause, None, "M1", "2208", reversed_ok=False, queued=True)
    assert queued.queued and queued.cancelling and "正在冲正撤销请求" in user_message_of(queued)
    c = CancelQueued(7, "S1", cause)
    assert user_message_of(c) == c.user_message and "队列 7" in c.user_message and c.queue_id == 7
    p = ReversalPending("上一笔结算结果未知，正在冲正", "P1")
    assert p.reversal_pending and p.psn_no == "P1" and user_message_of(p) == "上一笔结算结果未知，正在冲正"
    gone = StayNotFound("没有住院号为 ZY1 的住院记录")
    assert isinstance(gone, LookupError) and isinstance(gone, InpatientError) and isinstance(gone, UserFacingError)
    assert gone.user_message == str(gone) == "没有住院号为 ZY1 的住院记录"
    assert WrongState("住院号 ZY1 已结算").user_message == "住院号 ZY1 已结算"
