"""The discharge desk's stay machine (terminal.core.stay) against a fake discharge service and a synchronous runner:
no Qt, no network, no disk. The widget over it is tested against the sandbox in tests/ui/test_discharge_*.py."""
from __future__ import annotations

from terminal.core.idcard import id_number_problem
from terminal.core.models import CardData, CertType, Credential
from terminal.core.money import fmt_yuan
from terminal.core.stay import Phase

from .stay_fakes import CARD, ECODE, ID_NO, UNCERTAIN_TEXT, Refused, Unknown, make, previewed


# finding ---------------------------------------------------------------------------------------------------
def test_find_an_admitted_stay_by_admission_number_with_its_deposits_and_fees():
    m, svc, view, run = make()
    s = svc.admit(ID_NO, deposit="3000")
    svc.add_deposit(s.adm_no, "2000")  # paid while in hospital
    assert m.find(f"  {s.adm_no.lower()} ")  # typed loosely
    assert m.phase == Phase.FOUND and m.stay is not None and m.stay.adm_no == s.adm_no
    assert m.totals is not None and m.totals.count == 5 and m.totals.unclassified == 5  # not uploaded yet
    assert m.status == "已找到住院记录：5 条费用，合计 ¥3,000.00；按 F5 预结算"
    assert view.statuses == ["查找住院记录…", m.status] and run.labels == ["查找住院记录"]
    assert m.amounts()["held"] == "¥5,000.00" and m.amounts()["psn_cash_pay"] == "" and m.due() == ("", "")
    assert m.can_preview and m.can_choose_account and not m.can_settle and not m.can_cancel
    assert svc.calls == []  # the ward book answered: no 1101


def test_find_by_id_number_e_code_and_card():
    codes: list[str] = []

    def ecode(text: str) -> Credential:
        codes.append(text)
        return Credential(CertType.ECODE, ID_NO.upper())

    class Reader:
        def read(self) -> CardData:
            return CARD

    m, svc, view, run = make(ecode=ecode, card_reader=Reader())
    s = svc.admit(ID_NO)
    svc.persons[CARD.card_no] = s.psn_no
    assert m.find(ID_NO) and m.stay is not None and m.stay.adm_no == s.adm_no
    assert svc.calls[-1] == ("find", Credential(CertType.ID_CARD, ID_NO.upper()))
    assert m.clear() and m.find(ECODE) and codes == [ECODE] and m.phase == Phase.FOUND
    assert m.clear() and m.read_card() and m.phase == Phase.FOUND
    assert svc.calls[-1] == ("find", CARD.credential()) and run.labels[-1] == "读社保卡"


def test_what_cannot_be_found_is_said_and_nothing_changes():
    m, svc, view, run = make()
    assert not m.find("   ") and m.status == "请输入住院号、身份证号，或扫描医保码" and run.labels == []
    assert not m.read_card() and m.status == "未配置读卡器"
    assert m.find("ZY9999")
    assert m.phase == Phase.EMPTY and m.stay is None
    assert m.status == "查找住院记录失败：没有住院号为 ZY9999 的住院记录（身份证号或医保码也无法识别）"
    assert m.find(ID_NO) and m.status.endswith("该参保人在本院没有在院或待结算的住院记录（请核对，或先办理入院）")
    assert view.errors == []  # refusals, not faults
    assert "校验位" in id_number_problem(ID_NO[:-1] + "1") and id_number_problem(ID_NO) == ""


def test_a_settled_stay_shows_settled_and_a_cancelled_admission_closed():
    m, svc, view, run = make()
    s = previewed(m, svc)
    assert m.settle() and m.clear()
    assert m.find(s.adm_no) and m.phase == Phase.SETTLED
    assert m.status == f"该住院已结算（结算ID {m.stay.setl_id}）" and m.can_cancel and not m.can_preview
    gone = svc.admit("11010519491231002X", "P002", state="cancelled")
    assert m.find(gone.adm_no) and m.phase == Phase.CLOSED
    assert not (m.can_preview or m.can_settle or m.can_cancel or m.can_choose_account)


# pre-settling ---------------------------------------------------------------------------------------------
def test_preview_uploads_pending_fees_with_progress_then_pre_settles():
    m, svc, view, run = make()
    s = svc.admit(ID_NO)
    m.find(s.adm_no)
    assert m.preview()
    assert view.statuses[-5:-1] == ["预结算…", "上传费用明细 2 / 5 条…", "上传费用明细 4 / 5 条…",
                                     "上传费用明细 5 / 5 条…"]
    assert svc.sent("2301") == ["uploaded"] * 3 and svc.calls[-1] == ("preview", s.adm_no, True)
    r = m.result
    assert m.phase == Phase.PREVIEWED and m.previewed and m.can_settle and r is not None
    assert m.status == f"预结算完成（未记账）：{r.reconciliation.text}。确认后按 F9 出院结算"
    assert r.reconciliation.kind == "refund" and m.due() == ("应退款", fmt_yuan(r.reconciliation.refund))
    assert m.amounts()["psn_cash_pay"] == fmt_yuan(r.settlement.psn_cash_pay) and m.amounts()["held"] == "¥5,000.00"
    assert m.receipt.startswith("住院费用预结算单（未记账）\n某医院")
    assert m.totals is r.totals and not m.totals.unclassified
    # a second pre-settlement uploads nothing more
    assert m.preview() and svc.sent("2301") == ["uploaded"] * 3 and m.phase == Phase.PREVIEWED


def test_progress_from_the_worker_reaches_the_machine_through_the_view():
    hops: list[tuple[int, int]] = []
    m, svc, view, run = make(report_progress=lambda d, t: hops.append((d, t)))
    s = svc.admit(ID_NO)
    m.find(s.adm_no)
    m.preview()
    assert hops == [(2, 5), (4, 5), (5, 5)] and not any("上传" in x for x in view.statuses)
    before = m.status
    m.progressed(5, 5)  # delivered after the pre-settlement came back: too late to show
    assert m.status == before


def test_the_account_choice_voids_a_pre_settlement():
    m, svc, view, run = make()
    previewed(m, svc)
    assert m.choose_account(False) and m.phase == Phase.FOUND and not m.can_settle
    assert m.status == "个人账户选择已改变，请重新预结算 (F5)"
    assert m.preview() and svc.calls[-1][-1] is False
    assert m.settle() and svc.calls[-1][-1] is False and m.result.settlement.acct_pay == 0


# settling -------------------------------------------------------------------------------------------------
def test_settle_books_once_and_balances_the_deposits():
    m, svc, view, run = make()
    s = previewed(m, svc)
    svc.warn["2304"] = "请核对出院带药"
    assert m.settle()
    r = m.result
    assert m.phase == Phase.SETTLED and view.made == [r] and svc.sent("2304") == ["booked"]
    assert m.status == f"结算成功（结算ID {r.settlement.setl_id}）：{r.reconciliation.text}"
    assert m.notice == "请核对出院带药" and "住院费用结算单" in m.receipt and "★ 应退款" in m.receipt
    assert m.stay.state == "settled" and m.stay.held == r.settlement.psn_cash_pay  # refund booked in the ledger
    assert m.can_cancel and not (m.can_preview or m.can_settle or m.can_choose_account)
    assert not m.settle() and svc.sent("2304") == ["booked"]
    assert svc.calls[-1] == ("settle", s.adm_no, True)


def test_an_uncertain_settlement_is_reversed_and_the_stay_read_again():
    m, svc, view, run = make()
    s = previewed(m, svc)
    svc.faults["2304"] = Unknown()
    assert m.settle()
    assert svc.sent("2304") == ["reversed"] and view.made == [] and view.errors == []
    assert m.status == f"结算结果未知：{UNCERTAIN_TEXT}" and m.status in view.statuses
    assert run.labels[-1] == "刷新" and m.phase == Phase.FOUND and m.stay.state == "discharged"
    assert not m.can_settle and not m.settle()  # pre-settle anew first
    assert m.preview() and m.settle()
    assert svc.sent("2304") == ["reversed", "booked"] and m.stay.state == "settled" and len(view.made) == 1
    assert [c[0] for c in svc.calls].count("settle") == 2 and s.adm_no == m.stay.adm_no


def test_refusals_put_the_machine_back_where_it_was():
    m, svc, view, run = make()
    s = previewed(m, svc)
    svc.faults["2304"] = Refused("该参保人存在未完成的结算，请稍后重试")
    assert m.settle()
    assert m.phase == Phase.PREVIEWED and m.can_settle and view.made == []
    assert m.status == "出院结算失败：该参保人存在未完成的结算，请稍后重试"
    svc.faults["2303"] = Refused("费用明细有误")
    assert m.preview() and m.phase == Phase.PREVIEWED and m.status == "预结算失败：费用明细有误"
    assert m.find("ZY0404") and m.phase == Phase.PREVIEWED and m.stay.adm_no == s.adm_no and m.can_settle
    assert view.errors == []
    svc.faults["2303"] = RuntimeError("disk I/O error")
    assert m.preview() and m.phase == Phase.PREVIEWED and m.status == "预结算失败：disk I/O error"
    assert [(label, str(e)) for label, e in view.errors] == [("预结算", "disk I/O error")]
    assert m.settle() and svc.sent("2304") == ["refused", "booked"]


# cancelling -----------------------------------------------------------------------------------------------
def test_cancel_of_a_discharge_settlement_leaves_the_money_as_deposit():
    m, svc, view, run = make()
    s = previewed(m, svc)
    m.settle()
    paid = m.result.settlement
    svc.warn["2305"] = "基金已退回"
    assert m.cancel()
    r = view.cancels[0]
    assert m.phase == Phase.FOUND and m.stay.state == "discharged" and m.result is None
    assert svc.sent("2305") == ["booked"]
    assert m.stay.held == paid.psn_cash_pay and m.notice == "基金已退回"
    assert m.receipt == (f"已撤销结算 {r.settlement.setl_id}；医院持有预交金 {fmt_yuan(paid.psn_cash_pay)}，"
                         "重新结算时补缴或退款")
    assert m.status == (f"结算已撤销，住院恢复为待结算：退回个人账户 {fmt_yuan(paid.acct_pay)}，"
                        f"退还现金 {fmt_yuan(paid.psn_cash_pay)}，基金 {fmt_yuan(paid.fund_pay_sumamt)}")
    assert m.can_preview and not m.can_settle and not m.can_cancel and not m.cancel()
    assert m.amounts()["held"] == fmt_yuan(paid.psn_cash_pay) and m.due() == ("", "")
    assert m.preview() and m.settle() and svc.sent("2304") == ["booked", "booked"] and s.adm_no == m.stay.adm_no


def test_an_uncertain_or_refused_cancel_keeps_the_settlement():
    m, svc, view, run = make()
    previewed(m, svc)
    m.settle()
    svc.faults["2305"] = Refused("已超过撤销时限")
    assert m.cancel() and m.phase == Phase.SETTLED and m.status == "撤销结算失败：已超过撤销时限"
    svc.faults["2305"] = Unknown()
    assert m.cancel()
    assert m.status.startswith("结算结果未知：") and m.phase == Phase.SETTLED and m.can_cancel  # read again: settled
    assert view.cancels == [] and svc.sent("2305") == ["refused", "reversed"]
    assert m.cancel() and m.phase == Phase.FOUND and svc.sent("2305")[-1] == "booked"
