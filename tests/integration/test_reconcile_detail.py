"""Detail reconciliation (3202) against the real sandbox over HTTP: each kind of difference, its fix authorised
by a supervisor, and a clean re-run; the CLI through a subprocess; export files read back (csv, openpyxl).

The differences are made the way they arise at a hospital: another system (a SandboxClient with the same
facility code) settles on the platform, cancels one of our settlements, or reverses one; a 2207 whose answer
is lost; our 2208 reversed behind our back; a journal row that lost a cent.
"""
from __future__ import annotations

import csv
import itertools
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from terminal.backend.client import client_from_config
from terminal.sandbox.server import SandboxServer
from terminal.sandbox.testkit import SandboxClient
from terminal.services.errors import UncertainSettlement
from terminal.services.outpatient import SettlementService
from terminal.store import Store
from terminal.store.reconcile import ReconcileSchedule
from terminal.store.reconcile_differences import FixRefused
from tests.store_fixtures import service_env
from tests.support import id_cred, make_config, small_bill
from tests.support import cli_json as cli

ITEMS = [("001102000010300", "25.00", 1)]


class OtherSystem(SandboxClient):
    """Another system of the same hospital (same facility code): its msgids end 9xxx, the terminal's do not."""

    _n = itertools.count()

    def msgid(self) -> str:
        return f"{self.code}{datetime.now():%Y%m%d%H%M%S}{9000 + next(self._n) % 1000:04d}"


@pytest.fixture
def env(tmp_path):
    with service_env(tmp_path, read_timeout=2.0) as e:
        e.other = OtherSystem(e.sandbox.url, e.cfg.facility.code)  # another system of the same hospital
        e.other.sign_in()
        yield e
        e.other.close()


def settle(e, key="hainan-retiree", price="25.00"):
    cred = id_cred(key)
    person = e.svc.identify(cred)
    visit = e.svc.open_visit(cred, person, small_bill(price))
    e.svc.preview(visit)
    return visit, e.svc.settle(visit)


def detail(e):
    return e.store.reconciler.reconcile_detail(e.client, operator="0001")


def fix(e, d, action=None, reason="已与医保经办机构核实"):
    res = e.store.reconciler.apply_fix(d.id, action or d.suggested, supervisor="9001", reason=reason)
    if res.queue_id is not None:
        out = e.worker.run_item(res.queue_id)
        assert out.state == "done", out
    return res


def only(rep, kind, refd="0"):
    ds = [d for d in rep.differences if d.kind == kind and d.refd_setl_flag == refd]
    assert len(ds) == 1, [d.as_dict() for d in rep.differences]
    return ds[0]


def test_agreeing_day_is_clean_with_totals_side_by_side(env):
    _, s1 = settle(env)
    v2, s2 = settle(env, "shanghai-employee", "30.00")
    env.svc.cancel(s2.setl_id, v2.mdtrt_id, v2.person.psn_no, v2.insuplc_admdvs)
    rep = detail(env)
    assert rep.clean and rep.differences == [] and rep.problems == [], rep.as_dict()
    assert rep.lines == 3 and rep.file_bytes > 0 and rep.file_qury_no
    assert rep.filename == f"{env.cfg.facility.code}_{datetime.now():%Y%m%d}_3202.zip"
    for g in rep.groups:
        assert g.state == "agreed" and g.platform == {k: g.terminal[k] for k in g.platform}
        assert g.clr_type and g.setl_optins and g.verdict_3201  # every field filled, 3201 verdict beside
    assert sum(g.count for g in rep.groups) == 3
    assert env.store.reconciler.history()[-1]["state"] == "clean"


def test_settlement_booked_by_another_system_is_recorded_as_settled_elsewhere(env):
    settle(env)
    v = env.other.open_visit("hainan-retiree", ITEMS)
    theirs = env.other.settle(v)["setlinfo"]
    rep = detail(env)
    d = only(rep, "only_platform")
    assert d.setl_id == theirs["setl_id"] and d.msgid == "" and d.terminal is None
    assert Decimal(d.platform["medfee_sumamt"]) == Decimal(str(theirs["medfee_sumamt"]))
    assert d.suggested == "settled_elsewhere" and not rep.clean
    [g] = [g for g in rep.groups if (g.clr_type, g.setl_optins) == (d.clr_type, d.setl_optins)]
    assert Decimal(g.platform["medfee_sumamt"]) - Decimal(g.terminal["medfee_sumamt"]) == \
        Decimal(d.platform["medfee_sumamt"])
    with pytest.raises(FixRefused):
        env.store.reconciler.apply_fix(d.id, "resend", supervisor="9001", reason="重新发送")
    with pytest.raises(FixRefused):
        env.store.reconciler.apply_fix(d.id, "cancel", supervisor="9001", reason="撤销")
    fix(env, d)
    again = detail(env)
    assert again.clean, again.as_dict()
    assert again.lines == rep.lines + 1  # the recorded settlement is in the detail file from now on
    kinds = [h["type"] for h in env.store.reconciler.history()]
    assert kinds == ["run", "fix", "run"]


def test_cancellation_made_outside_is_recorded_and_our_row_follows(env):
    v, s = settle(env)
    env.other.ok("2208", {"data": {"setl_id": s.setl_id, "mdtrt_id": v.mdtrt_id, "psn_no": v.person.psn_no}},
                 v.insuplc_admdvs)
    rep = detail(env)
    st = only(rep, "status")
    assert st.setl_id == s.setl_id and st.plat_status == "cancelled" and st.suggested == "record_cancel"
    assert st.msgid == v.settle_msgid
    kinds = {(d.kind, d.refd_setl_flag) for d in rep.differences}
    assert kinds <= {("status", "0"), ("only_platform", "1")}
    res = fix(env, st, reason="患者在医保窗口办理了退费")
    assert "撤销" in res.message
    row = env.store.sdb.one("SELECT status, recon_note FROM settlements WHERE msgid=?", [v.settle_msgid])
    assert row["status"] == "cancelled" and "9001" in row["recon_note"]
    assert detail(env).clean


def test_reversal_the_terminal_never_saw(env):
    v, s = settle(env)
    env.other.reverse(v.person.psn_no, v.insuplc_admdvs, v.settle_msgid, "2207")
    rep = detail(env)
    d = rep.differences[0]
    assert len(rep.differences) == 1 and d.setl_id == s.setl_id
    assert d.kind in ("status", "only_terminal") and d.suggested in ("record_cancel", "none")
    assert d.suggested != "resend" and "resend" not in d.allowed  # never re-send a 2207 blindly
    fix(env, d, "record_cancel", reason="平台已冲正，核实患者未付费")
    assert env.store.sdb.one("SELECT status FROM settlements WHERE msgid=?", [v.settle_msgid])["status"] == "reversed"
    assert detail(env).clean


def test_lost_answer_booked_on_the_platform_is_reversed_with_2601(env):
    settle(env)
    env.sandbox.arm_fault("lost_answer", "2207")
    cred = id_cred("shanghai-employee")
    visit = env.svc.open_visit(cred, env.svc.identify(cred), small_bill("30.00"))
    env.svc.preview(visit)
    with pytest.raises(UncertainSettlement):
        env.svc.settle(visit)
    rep = detail(env)
    assert [p["msgid"] for p in rep.problems] == [visit.settle_msgid]  # uncertain: listed before anything else
    d = only(rep, "only_platform")
    assert d.msgid == visit.settle_msgid and d.suggested == "reverse"
    fix(env, d, reason="应答丢失，患者未付费")
    again = detail(env)
    assert again.clean, again.as_dict()
    assert env.store.message(visit.settle_msgid)["resolution"] == "reversed"


def test_our_cancellation_reversed_on_the_platform_is_cancelled_again(env):
    v, s = settle(env)
    c = env.svc.cancel(s.setl_id, v.mdtrt_id, v.person.psn_no, v.insuplc_admdvs)
    cancel_msgid = env.store.sdb.one("SELECT msgid FROM settlements WHERE kind='cancel'")["msgid"]
    env.other.reverse(v.person.psn_no, v.insuplc_admdvs, cancel_msgid, "2208")  # the 2208 undone behind our back
    rep = detail(env)
    [d] = rep.differences
    assert d.setl_id == c.setl_id and d.refd_setl_flag == "1" and d.suggested == "cancel"
    fix(env, d, reason="撤销未生效，重新撤销")
    again = detail(env)
    assert again.clean, again.as_dict()
    rows = env.store.sdb.rows("SELECT kind, status FROM settlements ORDER BY created")
    assert sorted((r["kind"], r["status"]) for r in rows) == [("cancel", "reversed"), ("cancel", "settled"),
                                                               ("settle", "cancelled")]


def test_amount_difference_is_acknowledged_for_the_insurance_office(env):
    v, s = settle(env)
    with env.store.sdb.tx() as db:
        db.execute("UPDATE settlements SET medfee_sumamt=? WHERE msgid=?",
                   [str(s.medfee_sumamt - Decimal("0.01")), v.settle_msgid])
    rep = detail(env)
    d = only(rep, "amount")
    assert d.suggested == "none" and d.allowed == ["none"]
    assert Decimal(d.platform["medfee_sumamt"]) - Decimal(d.terminal["medfee_sumamt"]) == Decimal("0.01")
    assert "金额不符" in d.advice
    fix(env, d, reason="已报医保经办机构核实")
    again = detail(env)
    [d2] = again.differences
    assert not d2.open and d2.done_by == "9001" and again.clean
    with pytest.raises(FixRefused):  # a difference of an older run
        env.store.reconciler.apply_fix(d.id, "none", supervisor="9001", reason="再次")


def test_export_csv_and_xlsx_read_back(env, tmp_path):
    settle(env)
    v = env.other.open_visit("hainan-retiree", ITEMS)
    theirs = env.other.settle(v)["setlinfo"]
    rep = detail(env)
    rec = env.store.reconciler
    p = rec.export(rep, tmp_path / "out" / "r.csv")
    rows = list(csv.reader(p.open(encoding="utf-8-sig")))
    header = rows.index(next(r for r in rows if r and r[0] == "差异编号"))
    [line] = rows[header + 1:]
    assert line[2] == theirs["setl_id"] and line[1] == "仅平台有"
    assert Decimal(line[12]) == Decimal(str(theirs["medfee_sumamt"]))
    import openpyxl

    wb = openpyxl.load_workbook(rec.export(rep, tmp_path / "r.xlsx"))
    ws = wb["差异明细"]
    assert ws.cell(1, 1).value == "差异编号" and ws.cell(2, 3).value == theirs["setl_id"]
    assert Decimal(str(ws.cell(2, 13).value)) == Decimal(str(theirs["medfee_sumamt"]))
    assert ws.cell(2, 13).number_format == "#,##0.00"
    assert wb["汇总"].cell(1, 2).value == rep.day


def test_schedule_is_due_once_a_day_after_its_time(env):
    s = ReconcileSchedule.for_store("18:30", env.store)
    day = datetime.now().replace(hour=18, minute=29)
    assert not s.due(day) and s.due(day + timedelta(minutes=1))
    s.ran(day.strftime("%Y-%m-%d"))
    assert not s.due(day + timedelta(hours=2)) and s.due(day + timedelta(days=1, minutes=1))
    assert not ReconcileSchedule.for_store("", env.store).due(day)


# the CLI through a subprocess ---------------------------------------------------------------------------
def test_cli_detail_fix_history_export(tmp_path):
    data = tmp_path / "data"
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[store]\ndir = "{data}"\n[log]\ndir = "{tmp_path / "log"}"\n[backend]\nread_timeout = 5.0\n',
                   encoding="utf-8")
    rc, out = cli(cfg, "reconcile", "--detail", "--json")
    assert rc == 0 and out["clean"] and out["lines"] == 0
    # the training sandbox keeps its ledger in data_dir: the terminal settles there, and so does another system
    tcfg = make_config(data)
    with SandboxServer.for_config(tcfg) as sb, Store(data / "journal.sqlite") as store:
        client = client_from_config(tcfg, sb.url)
        e = type("E", (), {})()
        e.svc = SettlementService(client, treatment_admdvs=tcfg.facility.admdvs, store=store)
        settle(e)
        client.close()
        other = OtherSystem(sb.url)
        other.sign_in()
        theirs = other.settle(other.open_visit("hainan-retiree", ITEMS))["setlinfo"]
        other.close()
    rc, out = cli(cfg, "reconcile", "--detail", "--json")
    assert rc == 1 and not out["clean"] and out["lines"] == 1, out
    [d] = out["differences"]
    assert d["setl_id"] == theirs["setl_id"] and d["suggested"] == "settled_elsewhere"
    rc, text = cli(cfg, "reconcile", "--detail")
    assert rc == 1 and "仅平台有" in text and "reconcile fix" in text and "--action settled_elsewhere" in text
    rc, out2 = cli(cfg, "reconcile", "--detail", "--json")
    did = out2["differences"][0]["id"]
    # wrong PIN: refused as JSON, nothing recorded
    rc, bad = cli(cfg, "reconcile", "fix", str(did), "--action", "settled_elsewhere", "--supervisor", "9001",
                  "--reason", "其他系统", "--json", pin="1111")
    assert rc == 1 and bad["ok"] is False and "主管授权失败" in bad["error"]["message"]
    rc, bad = cli(cfg, "reconcile", "fix", str(did), "--action", "resend", "--supervisor", "9001",
                  "--reason", "重发", "--json")
    assert rc == 1 and bad["ok"] is False
    rc, ok = cli(cfg, "reconcile", "fix", str(did), "--action", "settled_elsewhere", "--supervisor", "9001",
                 "--reason", "门诊HIS自助机结算", "--json")
    assert rc == 0 and ok["ok"] and ok["fix"]["action"] == "settled_elsewhere"
    rc, out = cli(cfg, "reconcile", "--detail", "--json")
    assert rc == 0 and out["clean"] and out["lines"] == 2
    rc, hist = cli(cfg, "reconcile", "history", "--json")
    assert rc == 0 and [h["type"] for h in hist["history"]] == ["run", "run", "run", "run", "fix", "run"]
    rc, out = cli(cfg, "reconcile", "export", "--out", str(tmp_path / "f.xlsx"), "--json")
    assert rc == 0 and out["ok"]
    import openpyxl

    assert openpyxl.load_workbook(tmp_path / "f.xlsx")["汇总"].cell(1, 2).value == datetime.now().strftime("%Y-%m-%d")
    rc, out = cli(cfg, "reconcile", "export", "--out", str(tmp_path / "f.pdf"), "--json")
    assert rc == 2 and out["ok"] is False
    rc, out = cli(cfg, "reconcile", "--detail", "--date", "2026-02-30", "--json")
    assert rc == 2 and out["ok"] is False


def test_schedule_config_key_is_checked(tmp_path):
    from terminal import config as config_mod

    good = tmp_path / "good.toml"
    good.write_text('[reconcile]\nschedule = "18:30"\n', encoding="utf-8")
    assert config_mod.load(str(good)).reconcile.schedule == "18:30"
    bad = tmp_path / "bad.toml"
    bad.write_text('[reconcile]\nschedule = "25:00"\n', encoding="utf-8")
    with pytest.raises(config_mod.ConfigError, match="reconcile.schedule"):
        config_mod.load(str(bad))


def test_doctor_shows_the_last_detail_result(env, tmp_path):
    from terminal import doctor

    cfg_path = tmp_path / "doctor.toml"
    cfg_path.write_text(f'[store]\ndir = "{tmp_path / "data"}"\n[log]\ndir = "{tmp_path / "log"}"\n'
                        '[reconcile]\nschedule = "18:30"\n', encoding="utf-8")

    def check():
        return {c.key: c for c in doctor.run_doctor(str(cfg_path), only=["reconcile"]).checks}["reconcile"]

    assert check().status == doctor.PASS and "尚未运行" in check().summary
    v, s = settle(env)
    with env.store.sdb.tx() as db:
        db.execute("UPDATE settlements SET acct_pay='0.01' WHERE msgid=?", [v.settle_msgid])
    d = only(detail(env), "amount")
    r = check()
    assert r.status == doctor.WARN and r.data["open"] == 1 and "reconcile --detail" in r.hint
    fix(env, d)
    r = check()
    assert r.status == doctor.PASS and r.data["open"] == 0 and "18:30" in r.summary


def test_answers_without_clearing_fields_still_reconcile_in_filled_groups(env):
    """An independent platform leaves clr_type / clr_optins out of its answers: the detail groups are filled as
    the 3201 groups are (configured clearing type, the insured place as agency), never sent empty."""
    from terminal.config import ReconcileConfig

    env.store.reconciler.configure(ReconcileConfig(default_clr_type="11"))
    env.sandbox.arm_fault("omit_fields", infno="2207", count=2)
    settle(env)
    settle(env, "shanghai-employee", "30.00")
    assert {(r["clr_type"] or "", r["clr_optins"] or "") for r in env.store.settlements()} == {("", "")}
    rep = detail(env)
    assert rep.groups and all(g.clr_type and g.setl_optins for g in rep.groups), rep.as_dict()
    assert rep.clean, rep.as_dict()


def test_after_a_settled_elsewhere_fix_the_daily_totals_balance_too(env):
    settle(env)
    v = env.other.open_visit("hainan-retiree", ITEMS)
    env.other.settle(v)
    fix(env, only(detail(env), "only_platform"))
    rep = env.store.reconciler.reconcile(env.client)
    assert rep.groups and all(g.state == "balanced" for g in rep.groups), rep.as_dict()
    assert sum(g.count for g in rep.groups) == 2
