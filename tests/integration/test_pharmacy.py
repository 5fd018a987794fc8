"""The pharmacy counter's platform side over real HTTP: 1101, 2101, 2102 (with drug_trac_info), 2103, 2601 and the
3505 sales upload through the durable queue, against the sandbox pharmacy P45010000001 (Nanning), with a real
journal (SQLite) and, for the kill -9, a real queue-worker process."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from decimal import Decimal

import pytest

from terminal.backend.ecode import PHARMACY, EcodeClient, EcodeRefused
from terminal.backend.errors import BusinessError
from terminal.core.models import Bill
from terminal.core.pharmacy import TraceCodeError
from terminal.services.errors import UncertainSettlement
from terminal.services.pharmacy import PharmacyError, PharmacyService
from terminal.store import Store
from terminal.store.worker import QueueWorker
from tests.support import ROOT, id_cred, make_client
from tests.support.pharmacy import (AMLODIPINE, AMOXICILLIN, HUANGQI, LIANHUA, PHARMACY_CODE, code_for, make_sale,
                                    pharmacy_config)

SOUTHWEST = ["sichuan-employee", "yunnan-employee", "guizhou-employee", "tibet-employee", "chongqing-employee"]


@pytest.fixture
def world(sandbox, tmp_path):
    cfg = pharmacy_config(tmp_path / "data")
    client = make_client(cfg, sandbox.url, tmp_path / "msgid.state")
    store = Store(tmp_path / "journal.sqlite")
    svc = PharmacyService(client, treatment_admdvs="450100", store=store)
    yield svc, store, client
    store.close()
    client.close()


def sell(svc, key, sale, cred=None):
    cred = cred or id_cred(key)
    person = svc.identify(cred)
    visit = svc.open_visit(cred, person, sale.bill())
    pre = svc.preview(visit)
    assert visit.mdtrt_id and pre.medfee_sumamt == sale.total
    return visit, svc.settle(visit)


@pytest.mark.parametrize("key", SOUTHWEST)
def test_sale_end_to_end_for_each_southwest_region(sandbox, world, key):
    """Insured in Sichuan, Yunnan, Guizhou, Tibet or Chongqing, buying in Nanning: the account pays across the
    province (the pilot's rule); the codes are recorded as sold in the journal, one 3505 per line is queued."""
    svc, store, _ = world
    before = sandbox.balance(key)
    sale = make_sale(AMOXICILLIN, LIANHUA, LIANHUA, HUANGQI, sold=store.trace_codes.sold_by)
    assert [ln.qty for ln in sale.lines] == [1, 2, 1] and sale.total == Decimal("55.30")
    visit, s = sell(svc, key, sale)
    assert s.medfee_sumamt == Decimal("55.30") and not s.identity_errors()
    assert s.acct_pay > 0 and s.acct_pay + s.psn_cash_pay == s.psn_part_amt
    own = s.acct_pay - s.acct_mulaid_pay
    assert sandbox.balance(key) == before - own
    row = [r for r in sandbox.ledger() if r["setl_id"] == s.setl_id][0]
    assert (row["infno"], row["med_type"], row["status"], row["clr_type"]) == ("2102", "41", "booked", "41")
    codes = [c for ln in sale.lines for c in ln.trace_codes]
    assert len(codes) == 3 and all(store.trace_codes.sold_by(c) for c in codes)
    ups = store.trace_codes.uploads(s.setl_id)
    assert len(ups) == 3 and all(u["state"] == "queued" for u in ups)
    assert store.queue.items(kind="sales_upload")[0].kind_name == "商品销售上传/3505"


def test_family_account_pays_what_the_own_account_cannot(sandbox, world):
    """家庭共济: 杨建华's own account has 20.00; his spouse's account pays the rest (acct_mulaid_pay, part of
    acct_pay); 2103 gives each account back its share."""
    svc, store, _ = world
    spouse = sandbox.balance("yunnan-spouse")
    _, s = sell(svc, "yunnan-employee", make_sale(AMOXICILLIN, AMLODIPINE, sold=store.trace_codes.sold_by))
    assert s.medfee_sumamt == Decimal("28.30") and s.acct_pay == Decimal("28.30")
    assert s.acct_mulaid_pay == Decimal("8.30") and s.psn_cash_pay == 0 and s.balc == 0
    assert sandbox.balance("yunnan-spouse") == spouse - Decimal("8.30")
    row = store.sdb.one("SELECT acct_mulaid_pay, operator FROM settlements WHERE setl_id=?", [s.setl_id])
    assert row["acct_mulaid_pay"] == "8.30"
    funds = {f["key"]: f for f in store.shifts.report(row["operator"]).funds}  # the shift report lists 共济
    assert funds["acct_mulaid_pay"]["name"] == "个人账户共济" and funds["acct_mulaid_pay"]["amount"] == "8.30"
    assert funds["acct_pay"]["amount"] == "28.30" and funds["psn_cash_pay"]["amount"] == "0.00"
    c = svc.cancel(s.setl_id, s.mdtrt_id, s.psn_no, "530100")
    assert c.acct_mulaid_pay == Decimal("-8.30") and c.acct_pay == Decimal("-28.30")
    assert sandbox.balance("yunnan-spouse") == spouse and sandbox.balance("yunnan-employee") == Decimal("20.00")


def test_ecode_with_pharmacy_business_type(sandbox, world):
    """The e-code exchanged with businessType 02121 (药店购药) identifies and settles; the code is used up."""
    svc, store, _ = world
    code, _ = sandbox.issue_ecode("guizhou-employee")
    ec = EcodeClient(sandbox.url, PHARMACY_CODE, operator_id="0001", operator_name="营业员")
    try:
        ident = ec.query(code, business_type=PHARMACY)
        assert PHARMACY == "02121" and ident.insu_org == "520100"
        _, s = sell(svc, "guizhou-employee", make_sale(LIANHUA), cred=ident.credential())
        assert s.setl_id and s.acct_pay == Decimal("19.80")
        with pytest.raises(EcodeRefused):
            ec.query(code, business_type=PHARMACY)
    finally:
        ec.close()


def test_missing_traceability_code_is_refused_naming_the_line(world):
    """Locally (Sale.problems) and by the platform, each naming the line and the drug."""
    svc, store, _ = world
    sale = make_sale(LIANHUA, AMOXICILLIN, AMOXICILLIN, codes=False)
    sale.add_trace(code_for(LIANHUA))
    sale.add_trace(code_for(AMOXICILLIN))
    assert sale.problems() == ["第2行 阿莫西林胶囊 缺少药品追溯码 1 个（2盒，已扫 1）"]
    bill = sale.bill(check=False)
    cred = id_cred("sichuan-employee")
    person = svc.identify(cred)
    visit = svc.open_visit(cred, person, bill)
    svc.preview(visit)  # 2101 does not need the codes
    with pytest.raises(BusinessError) as ei:
        svc.settle(visit)
    assert "第 2 条明细 阿莫西林胶囊 缺少药品追溯码(drug_trac_info)：应 2 个，实际 1 个" in ei.value.err_msg
    assert not store.trace_codes.sold_by(sale.lines[0].trace_codes[0])


def test_repeated_traceability_code_within_the_sale_and_already_sold(sandbox, world, tmp_path):
    svc, store, _ = world
    sale = make_sale(AMOXICILLIN, sold=store.trace_codes.sold_by)
    first = sale.lines[0].trace_codes[0]
    sale.scan(AMOXICILLIN)
    with pytest.raises(TraceCodeError) as ei:
        sale.add_trace(first)
    assert ei.value.line == 1 and "第1行 阿莫西林胶囊 追溯码" in ei.value.message and "重复" in ei.value.message
    sale.lines[0].trace_codes.append(first)  # forced past the counter: the service refuses before sending
    with pytest.raises(TraceCodeError, match="与第1行重复"):
        svc.check_sale(sale.bill())
    sale.lines[0].trace_codes.append(code_for(AMOXICILLIN))
    with pytest.raises(TraceCodeError, match="第1行 阿莫西林胶囊 追溯码 3 个，多于数量 2"):
        svc.check_sale(sale.bill())
    _, s = sell(svc, "guizhou-employee", make_sale(AMOXICILLIN, sold=store.trace_codes.sold_by))
    sold = store.trace_codes.codes_of(s.setl_id)[0]["code"]
    again = make_sale(AMOXICILLIN, codes=False)
    with pytest.raises(TraceCodeError, match="已由本终端售出"):
        again.add_trace(sold, sold=store.trace_codes.sold_by)
    # another terminal (its own journal) did not sell it, but the platform did: refused there
    other_client = make_client(pharmacy_config(tmp_path / "other"), sandbox.url, tmp_path / "msgid.state")
    with Store(tmp_path / "other.sqlite") as other_store:
        other = PharmacyService(other_client, treatment_admdvs="450100", store=other_store)
        again.add_trace(sold, sold=other_store.trace_codes.sold_by)
        with pytest.raises(BusinessError, match=f"追溯码 {sold} 已于"):
            sell(other, "tibet-employee", again)
    other_client.close()
    # cancelled (2103): the codes are released, here and on the platform
    svc.cancel(s.setl_id, s.mdtrt_id, s.psn_no, "520100")
    assert store.trace_codes.sold_by(sold) == ""
    resale = make_sale(AMOXICILLIN, codes=False)
    resale.add_trace(sold, sold=store.trace_codes.sold_by)
    _, s2 = sell(svc, "guizhou-employee", resale)
    assert store.trace_codes.sold_by(sold).endswith(s2.setl_id)


def test_prescription_drug_without_rxno(world):
    svc, store, client = world
    sale = make_sale(LIANHUA, AMOXICILLIN, rxno="")
    assert sale.problems() == ["第2行 阿莫西林胶囊 为处方药，须录入处方号(rxno)"]
    cred = id_cred("tibet-employee")
    person = svc.identify(cred)
    with pytest.raises(PharmacyError, match="第2行 阿莫西林胶囊 为处方药"):
        svc.open_visit(cred, person, sale.bill(check=False))
    lax = PharmacyService(client, treatment_admdvs="450100", store=store, rx_needs_rxno=False)
    visit = lax.open_visit(cred, person, sale.bill(check=False))
    with pytest.raises(BusinessError, match="第 2 条明细 阿莫西林胶囊 为处方药，缺少处方号 rxno"):
        lax.preview(visit)
    otc = make_sale(LIANHUA, HUANGQI, rxno="")  # over the counter only: no rxno needed
    assert otc.problems() == []
    _, s = sell(svc, "tibet-employee", otc)
    assert s.medfee_sumamt == Decimal("23.00")


def test_uncertain_2102_is_reversed_through_the_queue(sandbox, world):
    """The 2102's answer is lost after the platform booked it: the journal queues its 2601, the worker reverses
    it, the account is whole again and the codes were never recorded as sold (they can be sold again)."""
    svc, store, client = world
    before = sandbox.balance("sichuan-employee")
    sale = make_sale(AMOXICILLIN, LIANHUA, sold=store.trace_codes.sold_by)
    cred = id_cred("sichuan-employee")
    visit = svc.open_visit(cred, svc.identify(cred), sale.bill())
    svc.preview(visit)
    sandbox.arm_fault("lost_answer", infno="2102")
    with pytest.raises(UncertainSettlement) as ei:
        svc.settle(visit)
    assert ei.value.queued and ei.value.oinfno == "2102" and ei.value.omsgid == visit.settle_msgid
    assert sandbox.balance("sichuan-employee") < before  # booked on the platform
    outs = QueueWorker(store, client).drain(timeout=30)
    assert [(o.kind, o.state, o.resolution) for o in outs] == [("reversal", "done", "reversed")]
    assert sandbox.balance("sichuan-employee") == before
    assert [r["status"] for r in sandbox.ledger() if r["infno"] == "2102"] == ["reversed"]
    assert store.message(visit.settle_msgid)["resolution"] == "reversed"
    codes = [c for ln in sale.lines for c in ln.trace_codes]
    assert not any(store.trace_codes.sold_by(c) for c in codes)
    assert not store.trace_codes.uploads()
    visit2 = svc.open_visit(cred, svc.identify(cred), sale.bill())  # the same boxes, sold anew
    svc.preview(visit2)
    assert svc.settle(visit2).setl_id


def test_2103_refunds_to_the_account(sandbox, world):
    svc, store, _ = world
    before = sandbox.balance("chongqing-employee")
    sale = make_sale(AMLODIPINE, AMLODIPINE, sold=store.trace_codes.sold_by)
    _, s = sell(svc, "chongqing-employee", sale)
    assert s.acct_pay == Decimal("31.60") and sandbox.balance("chongqing-employee") == before - Decimal("31.60")
    c = svc.cancel(s.setl_id, s.mdtrt_id, s.psn_no, "500100")
    assert (c.medfee_sumamt, c.acct_pay, c.psn_cash_pay) == (Decimal("-31.60"), Decimal("-31.60"), 0)
    assert sandbox.balance("chongqing-employee") == before
    rows = {r["kind"]: r for r in store.sdb.rows("SELECT * FROM settlements WHERE setl_id IN (?, ?)",
                                                 [s.setl_id, c.setl_id])}
    assert rows["settle"]["status"] == "cancelled" and rows["cancel"]["acct_pay"] == "-31.60"
    assert [r["status"] for r in store.trace_codes.codes_of(s.setl_id)] == ["released", "released"]


def test_3505_uploaded_once_after_kill_9_mid_upload(sandbox, world, tmp_path):
    """The worker process is SIGKILLed after the platform booked a 3505 but before the journal heard of it; the
    restarted worker sends the same message again (its msgid was stored before the first attempt): the platform
    records each line once."""
    svc, store, _ = world
    _, s = sell(svc, "tibet-employee", make_sale(AMOXICILLIN, LIANHUA, LIANHUA, sold=store.trace_codes.sold_by))
    store.close()
    env = dict(os.environ, PYTHONPATH=str(ROOT), YIBAO_CRASH_AT="after_send", YIBAO_CRASH_INFNO="3505")
    cmd = [sys.executable, "-m", "tests.support.pharmacy", "drain", "--journal", str(tmp_path / "journal.sqlite"),
           "--url", sandbox.url, "--state", str(tmp_path / "msgid.state")]
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert p.returncode == -signal.SIGKILL, p.stderr.decode()
    sales = sandbox.platform.store.read("SELECT rtal_docno, fixmedins_bchno, msgid, codes FROM sales")
    assert len(sales) == 1  # booked, its answer never recorded
    env.pop("YIBAO_CRASH_AT")
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr.decode()
    sales = sandbox.platform.store.read("SELECT rtal_docno, fixmedins_bchno, msgid, codes FROM sales")
    assert len(sales) == 2 and len({(r["rtal_docno"], r["fixmedins_bchno"]) for r in sales}) == 2
    msgs = sandbox.platform.store.read("SELECT msgid FROM messages WHERE infno = '3505'")
    assert len(msgs) == 2  # the killed attempt's msgid was sent again, not a new one
    with Store(tmp_path / "journal.sqlite") as again:
        ups = again.trace_codes.uploads(s.setl_id)
        assert [u["state"] for u in ups] == ["done", "done"]
        assert {u["msgid"] for u in ups} == {r["msgid"] for r in sales}
    assert sorted(len(__import__("json").loads(r["codes"])) for r in sales) == [1, 2]


def test_pharmacy_refuses_parking(world):
    svc, _, _ = world
    with pytest.raises(PharmacyError, match="不能挂账"):
        svc.park(id_cred("tibet-employee"), Bill(items=[]))


def test_pharmacy_day_reconciles(sandbox, world):
    """3201 over the day's pharmacy settlements (clr_type 41), a cancellation included: balanced per group."""
    svc, store, client = world
    _, a = sell(svc, "sichuan-employee", make_sale(LIANHUA, sold=store.trace_codes.sold_by))
    _, b = sell(svc, "chongqing-employee", make_sale(AMLODIPINE, sold=store.trace_codes.sold_by))
    svc.cancel(b.setl_id, b.mdtrt_id, b.psn_no, "500100")
    rep = store.reconcile(client)
    assert rep.balanced, rep.summary()
    assert {g.clr_type for g in rep.groups} == {"41"} and len(rep.groups) == 2


def test_app_session_for_a_pharmacy_builds_the_pharmacy_desk(sandbox, tmp_path):
    """[facility] kind = "pharmacy" (training: the sandbox pharmacy): the session's service is the pharmacy's, its
    e-code exchange asks with businessType 02121 (the code is used up), and a hospital stays a hospital."""
    from terminal.app import AppSession
    from terminal.app.wiring import pharmacy_config
    from terminal.services.outpatient import SettlementService
    from tests.support import make_config

    cfg = pharmacy_config(make_config(tmp_path / "data"))
    assert (cfg.facility.kind, cfg.facility.code) == ("pharmacy", "P45010000001")
    s = AppSession.open(cfg, sandbox=sandbox)
    try:
        assert isinstance(s.service, PharmacyService) and s.service.settle_infno == "2102"
        code, _ = sandbox.issue_ecode("tibet-employee")
        assert s.ecode is not None and s.ecode(code).cert_type == "01"
        with pytest.raises(EcodeRefused, match="已使用"):
            s.ecode(code)
    finally:
        s.close()
    h = AppSession.open(make_config(tmp_path / "h"), sandbox=sandbox)
    try:
        assert type(h.service) is SettlementService
    finally:
        h.close()


def test_2102_killed_after_the_platform_booked_it_is_reversed_at_restart(sandbox, world, tmp_path):
    """A real counter process SIGKILLed after its 2102 was booked and before it read the answer: the restarted
    terminal's recovery reverses it (2601 of the 2102); the boxes' codes are free again here and on the platform."""
    svc, store, client = world
    store.close()
    codes = ["81001010000000000901", "81001050000000000902"]
    before = sandbox.balance("sichuan-employee")
    env = dict(os.environ, PYTHONPATH=str(ROOT), YIBAO_CRASH_AT="after_send", YIBAO_CRASH_INFNO="2102")
    cmd = [sys.executable, "-m", "tests.support.pharmacy", "sell", "--journal", str(tmp_path / "journal.sqlite"),
           "--url", sandbox.url, "--state", str(tmp_path / "msgid.state"), "--scan", AMOXICILLIN, "--scan",
           codes[0], "--scan", LIANHUA, "--scan", codes[1]]
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert p.returncode == -signal.SIGKILL, p.stderr.decode()
    assert sandbox.balance("sichuan-employee") == before - Decimal("32.30")  # booked
    with Store(tmp_path / "journal.sqlite") as again:
        rep = again.recover(client)
        assert len(rep.uncertain) == 1
        QueueWorker(again, client).drain(timeout=30)
        assert again.message(rep.uncertain[0])["resolution"] == "reversed"
        assert not any(again.trace_codes.sold_by(c) for c in codes) and not again.trace_codes.uploads()
    assert sandbox.balance("sichuan-employee") == before
    sold = sandbox.platform.store.read("SELECT status FROM trace_sold WHERE code IN (?, ?)", tuple(codes))
    assert [r["status"] for r in sold] == ["released", "released"]
    p = subprocess.run(cmd, cwd=ROOT, env={k: v for k, v in env.items() if k != "YIBAO_CRASH_AT"},
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr.decode()  # the same boxes sell again
