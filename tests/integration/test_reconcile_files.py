"""Issue 17, platform side over real HTTP: 9101 / 9102 files, the sandbox's 3202 with injected ledger faults,
and 3201 groups that never carry an empty field (a cancellation, an answer without clearing fields)."""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from decimal import Decimal

import pytest

from terminal.backend.client import client_from_config
from terminal.backend.errors import BusinessError, TransportError
from terminal.core import reconfiles as rf
from terminal.services.outpatient import SettlementService
from terminal.store import Store
from terminal.store.reconcile import GroupFieldsMissing
from tests.support import id_cred, make_config, small_bill

CODE = "H45010000001"


@pytest.fixture(params=["single", "per-transaction"])
def cl(request, sandbox, tmp_path):
    cfg = make_config(tmp_path / "data")
    cfg.backend.style = request.param
    c = client_from_config(cfg, sandbox.url, msgid_state=tmp_path / "msgid.state")
    yield c
    c.close()


def test_upload_download_round_trip_and_the_journal_keeps_a_summary(cl, tmp_path):
    store = Store(tmp_path / "journal.sqlite")
    store.attach(cl)
    payload = os.urandom(200_000)  # incompressible: the zip is as big
    up = cl.upload_file("H45010000001_20250616_3202.zip", payload)
    assert up["filename"] == "H45010000001_20250616_3202.zip" and up["file_qury_no"] and up["dld_endtime"]
    assert cl.download_file(up["file_qury_no"], up["filename"]) == payload
    req = store.sdb.rows("SELECT request, answer FROM messages WHERE infno='9101'")[0]
    assert len(req["request"]) < 2000, "the uploaded bytes must not be journaled in full"
    node = json.loads(req["request"])["input"]["fsUploadIn"]
    assert node["in"] == {"bytes": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
    got = json.loads(store.sdb.rows("SELECT answer FROM messages WHERE infno='9102'")[0]["answer"])
    assert got["output"]["bytes"] == len(payload)
    with pytest.raises(BusinessError, match="不存在"):
        cl.download_file("0000000", "x.zip")
    store.close()


def test_a_file_over_backend_max_file_bytes_is_refused(sandbox, tmp_path):
    cfg = make_config(tmp_path / "data")
    cfg.backend.max_file_bytes = 65536  # the smallest the configuration accepts
    small = client_from_config(cfg, sandbox.url, msgid_state=tmp_path / "m.state")
    big = client_from_config(make_config(tmp_path / "data"), sandbox.url, msgid_state=tmp_path / "m.state")
    payload = os.urandom(100_000)
    with pytest.raises(Exception, match="backend.max_file_bytes"):
        small.upload_file("a.zip", payload)  # refused before sending
    up = big.upload_file("a.zip", payload)
    with pytest.raises(TransportError) as e:  # Content-Length over the cap
        small.download_file(up["file_qury_no"], "a.zip")
    assert e.value.cause == "too_large" and "backend.max_file_bytes" in e.value.user_message
    # streamed without a Content-Length: the cap holds while reading
    sandbox.arm_fault("huge", infno="9102", size_mb=1, chunked=True)
    with pytest.raises(TransportError) as e:
        small.download_file(up["file_qury_no"], "a.zip")
    assert e.value.cause == "too_large"
    assert big.download_file(up["file_qury_no"], "a.zip") == payload
    small.close()
    big.close()


# 3202 against the sandbox's ledger ------------------------------------------------------------------
@pytest.fixture
def env(sandbox, tmp_path):
    class Env:
        pass

    e = Env()
    e.sandbox = sandbox
    e.cfg = make_config(tmp_path / "data")
    e.store = Store(tmp_path / "data" / "journal.sqlite")
    e.client = client_from_config(e.cfg, sandbox.url, msgid_state=tmp_path / "msgid.state")
    e.svc = SettlementService(e.client, treatment_admdvs=e.cfg.facility.admdvs, store=e.store)
    yield e
    e.client.close()
    e.store.close()


def settle(e, key="hainan-retiree", price="25.00"):
    cred = id_cred(key)
    person = e.svc.identify(cred)
    v = e.svc.open_visit(cred, person, small_bill(price))
    e.svc.preview(v)
    return e.svc.settle(v)


def cancel(e, s):
    """2208 of a settlement through the service (the terminal's own cancellation)."""
    row = e.store.sdb.rows("SELECT s.mdtrt_id, s.psn_no, m.insuplc_admdvs FROM settlements s JOIN messages m "
                           "ON m.msgid = s.msgid WHERE s.setl_id=?", [s.setl_id])[0]
    return e.svc.cancel(s.setl_id, row["mdtrt_id"], row["psn_no"], row["insuplc_admdvs"])


def detail(e, day):
    """Upload the journal's day as a detail file, 3202 per group, and the parsed result lines."""
    rows = [{**r, "refd_setl_flag": "1" if r["kind"] == "cancel" else "0"}
            for r in e.store.sdb.rows("SELECT * FROM settlements WHERE day=? AND status != 'reversed'", [day])]
    name, data = rf.build_detail_file(rows, fixmedins_code=CODE, day=day)
    up = e.client.upload_file(name, data)
    out = []
    for g in e.store.reconciler.groups(day):
        mine = [r for r in rows if e.store.reconciler.group_key(r)[1:] == (g.clr_type, g.setl_optins)]
        a = e.client.reconcile_detail({
            "setl_optins": g.setl_optins, "clr_type": g.clr_type, "file_qury_no": up["file_qury_no"],
            "stmt_begndate": day, "stmt_enddate": day, "medfee_sumamt": g.medfee_sumamt,
            "fund_pay_sumamt": g.fund_pay_sumamt,
            "cash_payamt": sum((Decimal(r["psn_cash_pay"]) for r in mine), Decimal("0.00")),
            "fixmedins_setl_cnt": g.count, "refd_setl_flag": "1"})
        fi = a.output["fileinfo"]
        out.append((a.output["data"], rf.parse_result_file(e.client.download_file(fi["file_qury_no"], fi["filename"]))))
    return out


def test_a_clean_day_reports_no_difference(env):
    s1 = settle(env)
    s2 = settle(env, "shanghai-employee")
    cancel(env, s2)
    day = env.store.settlements()[0]["day"]
    results = detail(env, day)
    assert results and all(lines == [] and data["stmt_rslt"] == "0" for data, lines in results), results
    assert s1.setl_id


def test_each_kind_of_difference_is_reported(env):
    a = settle(env)                       # the platform will reverse it behind the terminal's back
    b = settle(env, "shanghai-employee")  # cancelled outside the terminal
    c = settle(env, "hainan-retiree", "30.00")  # the journal's amounts will differ
    d = settle(env, "shanghai-employee", "12.00")  # renamed in the journal: a line the platform never booked
    day = env.store.settlements()[0]["day"]
    row_d = env.store.sdb.rows("SELECT * FROM settlements WHERE setl_id=?", [d.setl_id])[0]
    booked_c = Decimal(env.store.sdb.rows("SELECT * FROM settlements WHERE setl_id=?", [c.setl_id])[0]["medfee_sumamt"])
    env.sandbox.inject("reversed_elsewhere", setl_id=a.setl_id)
    cancel = env.sandbox.inject("cancelled_elsewhere", setl_id=b.setl_id)
    other = env.sandbox.inject("settled_elsewhere", person_key="hainan-retiree", medfee_sumamt="61.00",
                               fund_pay_sumamt="0.00", acct_pay="0.00", med_type="11")
    with env.store.sdb.tx() as db:
        db.execute("UPDATE settlements SET medfee_sumamt='29.00' WHERE setl_id=?", [c.setl_id])
        db.execute("UPDATE settlements SET setl_id='GHOST0001' WHERE setl_id=?", [d.setl_id])
    by = {}
    for _data, lines in detail(env, day):
        for ln in lines:
            by.setdefault(ln["setl_id"], ln)
    assert by[a.setl_id]["kind"] == "status" and by[a.setl_id]["plat_status"] == "reversed"
    assert by[b.setl_id]["kind"] == "status" and by[b.setl_id]["plat_status"] == "cancelled"
    assert cancel["setl_id"] in by[b.setl_id]["memo"] and cancel["setl_id"] not in by
    assert by[c.setl_id]["kind"] == "amount" and by[c.setl_id]["plat_medfee_sumamt"] == booked_c \
        and by[c.setl_id]["medfee_sumamt"] == Decimal("29.00") != booked_c
    assert by["GHOST0001"]["kind"] == "only_terminal" and by["GHOST0001"]["plat_status"] == "" \
        and by["GHOST0001"]["medfee_sumamt"] == Decimal(row_d["medfee_sumamt"])
    o = by[other["setl_id"]]
    assert o["kind"] == "only_platform" and o["plat_medfee_sumamt"] == Decimal("61.00") and o["medfee_sumamt"] is None
    assert by[d.setl_id]["kind"] == "only_platform"  # the platform's own id of the line the terminal renamed
    assert set(by) == {a.setl_id, b.setl_id, c.setl_id, d.setl_id, "GHOST0001", other["setl_id"]}


def test_ledger_faults_over_the_control_endpoint(sandbox):
    import requests

    r = requests.post(sandbox.url + "/sandbox/ledger/inject", json={"kind": "settled_elsewhere",
                                                                     "medfee_sumamt": "61.00"}, timeout=5)
    assert r.status_code == 200 and r.json()["injected"]["medfee_sumamt"] == "61.00"
    booked = [x for x in sandbox.ledger() if x["setl_id"] == r.json()["injected"]["setl_id"]]
    assert booked and booked[0]["status"] == "booked"
    r = requests.post(sandbox.url + "/sandbox/ledger/inject", json={"kind": "nonsense"}, timeout=5)
    assert r.status_code == 400 and "settled_elsewhere" in r.text


# 3201 groups ----------------------------------------------------------------------------------------
def test_3201_groups_are_filled_for_a_cancellation_and_answers_without_clearing_fields(env):
    env.store.reconciler.configure(env.cfg.reconcile)
    env.sandbox.arm_fault("omit_fields", infno="2207", count=5)
    env.sandbox.arm_fault("omit_fields", infno="2208", count=5)
    s = settle(env)
    settle(env, "shanghai-employee")
    cancel(env, s)
    rows = env.store.settlements()
    assert any(r["kind"] == "cancel" for r in rows)
    assert all(not r["clr_type"] and not r["clr_optins"] for r in rows), "the fault must strip the fields"
    with pytest.raises(GroupFieldsMissing) as e:  # nothing tells the clearing type: refused, the key named
        env.store.reconciler.groups()
    assert "reconcile.default_clr_type" in str(e.value)
    env.cfg.reconcile.default_clr_type = "11"
    env.store.reconciler.configure(env.cfg.reconcile)
    groups = env.store.reconciler.groups()
    assert all(g.insutype and g.clr_type and g.setl_optins for g in groups)
    assert len(groups) == 2  # the cancellation sits in its settlement's group, not one of its own
    rep = env.store.reconcile(env.client)
    assert rep.balanced, rep.as_dict()
    with sqlite3.connect(env.store.path) as raw:
        sent = [json.loads(r[0])["input"]["data"] for r in raw.execute(
            "SELECT request FROM messages WHERE infno='3201'")]
    assert sent and all(d[k] for d in sent for k in ("insutype", "clr_type", "setl_optins"))


def test_1101_answers_fill_the_insutype_an_answer_left_out(env):
    env.cfg.reconcile.default_clr_type = "11"
    env.store.reconciler.configure(env.cfg.reconcile)
    env.sandbox.arm_fault("omit_fields", infno="2207", count=1, fields="insutype,clr_type,clr_optins")
    s = settle(env)
    with env.store.sdb.tx() as db:  # and the request no longer tells it either: only 1101 does
        db.execute("UPDATE messages SET request='{}' WHERE infno='2207'")
    [row] = env.store.settlements()
    assert row["insutype"] == "" and s.setl_id
    [g] = env.store.reconciler.groups()
    assert (g.insutype, g.clr_type, g.setl_optins) == ("310", "11", "460100")
    assert env.store.reconcile(env.client).balanced
