"""Fund supervision of a stay over real HTTP with a real ward book: 3102 (trig_scen 4) on the fee lines not yet
uploaded, 3101 (trig_scen 9) on those uploaded, 3103 with warn_type 2 / 1 as the sandbox receives it."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from terminal.app.wiring import discharge_service
from terminal.core import wire
from terminal.core.inpatient import InpatientBill
from terminal.core.models import FeeItem
from terminal.core.risk import BEFORE, DURING, Decision
from terminal.store.wardbook import WardBook
from tests.support import ROOT, id_cred

PSA = FeeItem("NNXM0091", "002503040030000", "前列腺特异性抗原测定(PSA)", Decimal("45.00"), Decimal("1"))


def test_stay_3102_then_3101_then_3103(client, cfg, sandbox, tmp_path):
    book = WardBook(tmp_path / "inpatient.sqlite")
    svc = discharge_service(cfg, client, store=None, book=book)  # [checks] defaults: both on
    assert svc.risk is not None and svc.risk_types == {BEFORE, DURING}
    ib = InpatientBill.from_dict(wire.loads((ROOT / "resources/bills/inpatient-cataract-nanning.json")
                                            .read_text(encoding="utf-8")))
    ib.form.begntime = (datetime.now() - timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    cred = id_cred("local")  # 黄丽萍, female, insured where she is treated
    st = svc.admit(cred, svc.identify(cred), ib.form, deposit="3000")
    svc.add_fees(st.adm_no, ib.bill.items, fee_ocur_time=ib.fee_times(st.begntime))
    assert svc.risk_check(st.adm_no, DURING).violations == []  # the cataract stay breaks no rule
    svc.upload_fees(st.adm_no)
    svc.add_fees(st.adm_no, [PSA])  # ordered during the stay, not uploaded yet
    during = svc.risk_check(st.adm_no, DURING)
    assert during.infno == "3102" and during.trig_scen == "4"
    (v,) = during.violations
    assert v.rule_id == "SBX-SEX-0001" and during.where(v).endswith("前列腺特异性抗原测定(PSA)")
    during.decide([Decision.go_on(v.warn_rslt_id, "病历记载有误，已更正性别")])
    svc.risk_feedback(during, st.adm_no)
    svc.upload_fees(st.adm_no)
    before = svc.risk_check(st.adm_no, BEFORE)
    assert before.infno == "3101" and before.trig_scen == "9"
    assert [x.rule_id for x in before.violations] == ["SBX-SEX-0001"]
    before.decide([Decision.go_back(before.violations[0].warn_rslt_id)])
    svc.risk_feedback(before, st.adm_no)
    got = [(r["warn_type"], r["dspo_way"], r["dspo_way_rea"], r["mdtrt_id"]) for r in sandbox.platform.risk_feedback()]
    assert got == [("2", "1", "病历记载有误，已更正性别", st.mdtrt_id), ("1", "2", "", st.mdtrt_id)]
    book.close()


def test_switched_off_per_deployment(client, cfg, tmp_path):
    cfg.checks.risk_before, cfg.checks.risk_during = False, True
    book = WardBook(tmp_path / "inpatient.sqlite")
    svc = discharge_service(cfg, client, store=None, book=book)
    assert svc.risk is not None and svc.risk_types == {DURING}
    cfg.checks.risk_during = False
    svc = discharge_service(cfg, client, store=None, book=book)
    assert svc.risk is None and svc.risk_types == frozenset()
    book.close()
