"""A parked bill keeps the interface's precisions: a unit price of 0.125 is not rounded to 0.13 while it waits."""
from __future__ import annotations

from decimal import Decimal

from terminal.core.models import Bill
from terminal.services.outpatient import SettlementService
from terminal.store import Store
from tests.support import id_cred, make_client, make_config


def test_parked_bill_settles_at_six_decimal_unit_price(tmp_path, sandbox):
    bill = Bill.from_dict({"med_type": "11", "dept_code": "A03", "dept_name": "内科", "items": [
        {"hosp_code": "NNXM0002", "national_code": "001102000010300", "name": "副主任医师门诊诊查费",
         "price": "0.125", "qty": 12}]})
    assert bill.total == Decimal("1.50")
    cfg = make_config(tmp_path)
    with Store(tmp_path / "journal.sqlite") as store:
        client = make_client(cfg, sandbox.url, tmp_path / "msgid.state")
        svc = SettlementService(client, treatment_admdvs=cfg.facility.admdvs, store=store)
        svc.park(id_cred("hainan-retiree"), bill, operator="0001")
        out = store.worker(client, svc).drain(timeout=30)
        assert [o.state for o in out] == ["done"], [o.as_dict() for o in out]
        p = store.parked()[0]
        assert p.state == "settled" and p.total == Decimal("1.50")
        row = store.sdb.one("SELECT medfee_sumamt FROM parked WHERE park_id=?", [p.park_id])
        assert Decimal(row["medfee_sumamt"]) == Decimal("1.50")  # what the platform settled: 12 x 0.125


def test_parked_bill_identical_to_a_settled_one_fails_for_a_person_to_decide(tmp_path, sandbox):
    """The duplicate guard refuses the parked bill's 2207: the queue must not retry it for ever."""
    from tests.support import small_bill

    cfg = make_config(tmp_path)
    with Store(tmp_path / "journal.sqlite") as store:
        client = make_client(cfg, sandbox.url, tmp_path / "msgid.state")
        svc = SettlementService(client, treatment_admdvs=cfg.facility.admdvs, store=store)
        cred = id_cred("hainan-retiree")
        person = svc.identify(cred)
        v = svc.open_visit(cred, person, small_bill("33.00"))
        svc.preview(v)
        svc.settle(v)
        svc.park(cred, small_bill("33.00"), operator="0001")
        out = store.worker(client, svc).drain(timeout=30)
        assert [o.state for o in out] == ["failed"], [o.as_dict() for o in out]
        assert "补结算未发送" in out[0].message
        assert store.parked()[0].state == "failed" and store.queue.open_items()[0].state == "failed"
        booked = [r for r in sandbox.ledger() if r["infno"] == "2207" and r["status"] == "booked"]
        assert len(booked) == 1
