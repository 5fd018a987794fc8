"""`yibao-terminal shift report | close | day-close` in a subprocess (--json), on a real journal: the two
cashiers of tests/shift_fixtures.py (figures worked out in tests/unit/test_shifts.py), and for the day close a
real settlement against the training sandbox with the 3201 verdict beside the local totals."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from terminal.backend.client import client_from_config
from terminal.sandbox.server import SandboxServer
from terminal.services.outpatient import SettlementService
from terminal.store import Store
from tests.shift_fixtures import two_cashiers
from tests.support import id_cred, small_bill
from tests.support import cli_json as cli
from tests.support import make_config as make_cfg


def config(tmp_path):
    data = tmp_path / "data"
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[store]\ndir = "{data}"\n[log]\ndir = "{tmp_path / "log"}"\n[backend]\nread_timeout = 5.0\n'
                   '[operator]\nid = "0001"\n', encoding="utf-8")
    return data, cfg


def test_report_and_close_of_two_cashiers(tmp_path):
    data, cfg = config(tmp_path)
    today = datetime.now().strftime("%Y-%m-%d")
    with Store(data / "journal.sqlite") as store:
        two_cashiers(store, today, early=True)
    rc, r = cli(cfg, "shift", "report", "--json")  # the configured cashier, 0001
    assert rc == 0 and r["ok"] and r["operator"] == "0001" and r["day"] == today
    assert r["net"]["count"] == 6 and r["net"]["medfee_sumamt"] == "810.20"
    assert {x["method"]: x["pay"] for x in r["tenders"]} == {"cash": "200.20", "wechat": "50.00", "alipay": "39.90"}
    assert r["expected_cash"] == "320.20" and r["refunds_due_total"] == "90.00"
    rc, r2 = cli(cfg, "shift", "report", "--operator", "0002", "--date", today, "--json")
    assert rc == 0 and r2["expected_cash"] == "24.50" and r2["net"]["medfee_sumamt"] == "64.50"
    rc, text = cli(cfg, "shift", "report", "--width", "32")
    assert rc == 0 and "收费员交班报表" in text and "职工基本医疗保险" in text and "海南省海口市" in text
    assert "应有现金" in text and "¥320.20" in text and "310 " not in text
    # the counted cash that is no amount: refused with the option named, nothing recorded
    rc, bad = cli(cfg, "shift", "close", "--counted-cash", "320,00", "--json")
    assert rc == 2 and bad["ok"] is False and "--counted-cash" in bad["error"]["message"]
    rc, c = cli(cfg, "shift", "close", "--counted-cash", "320.00", "--json")
    assert rc == 0 and c["ok"] and c["close"]["counted_cash"] == "320.00" and c["close"]["difference"] == "-0.20"
    assert c["close"]["closed_by"] == "0001" and c["report"]["expected_cash"] == "320.20"
    rc, after = cli(cfg, "shift", "report", "--json")
    assert rc == 0 and after["net"]["count"] == 0 and after["expected_cash"] == "0.00" and after["empty"]
    assert [x["counted_cash"] for x in after["closes"]] == ["320.00"]
    rc, whole = cli(cfg, "shift", "report", "--whole-day", "--json")
    assert whole["expected_cash"] == "320.20"
    # another cashier's shift (handover): only with a supervisor
    rc, bad = cli(cfg, "shift", "close", "--operator", "0002", "--json")
    assert rc == 2 and "主管" in bad["error"]["message"]
    rc, bad = cli(cfg, "shift", "close", "--operator", "0002", "--supervisor", "9001", "--json", pin="0000")
    assert rc == 1 and "主管授权失败" in bad["error"]["message"]
    rc, c2 = cli(cfg, "shift", "close", "--operator", "0002", "--supervisor", "9001", "--counted-cash", "24.50",
                 "--json")
    assert rc == 0 and c2["close"]["closed_by"] == "9001" and c2["close"]["difference"] == "0.00"
    rc, bad = cli(cfg, "shift", "report", "--date", "2026-02-30", "--json")
    assert rc == 2 and bad["ok"] is False


def test_day_close_runs_3201_against_the_sandbox(tmp_path):
    data, cfg = config(tmp_path)
    tcfg = make_cfg(data)
    with SandboxServer.for_config(tcfg) as sb, Store(data / "journal.sqlite") as store:
        client = client_from_config(tcfg, sb.url)
        svc = SettlementService(client, treatment_admdvs=tcfg.facility.admdvs, store=store)
        cred = id_cred("hainan-retiree")
        visit = svc.open_visit(cred, svc.identify(cred), small_bill())
        svc.preview(visit)
        s = svc.settle(visit)
        client.close()
    rc, bad = cli(cfg, "shift", "day-close", "--json")
    assert rc == 2 and "主管" in bad["error"]["message"]
    rc, out = cli(cfg, "shift", "day-close", "--supervisor", "9001", "--json")
    assert rc == 0 and out["ok"], out
    [cashier] = out["cashiers"]
    assert cashier["operator"] == "0001" and cashier["net"]["count"] == 1
    assert Decimal(cashier["net"]["medfee_sumamt"]) == s.medfee_sumamt == Decimal("53.40")
    assert cashier["expected_cash"] == f"{s.psn_cash_pay:.2f}"  # no tender line yet: the cash share counts as cash
    rec = out["reconcile"]
    assert rec["balanced"] is True and "对账一致" in rec["summary"]
    [g] = rec["groups"]
    assert (g["state"], g["state_name"], g["count"], g["medfee_sumamt"]) == ("balanced", "平", 1, "53.40")
    assert g["insutype_name"] == "职工基本医疗保险" and g["place_name"] == "海南省海口市"
    rc, text = cli(cfg, "shift", "day-close", "--supervisor", "9001")
    assert rc == 0 and "日结单" in text and "医保对总账（3201）" in text and "平" in text and "¥53.40" in text
