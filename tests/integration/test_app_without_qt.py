"""The application layer (terminal.app) and the printer driver (drivers.printer) work where PySide6 cannot be
imported: a child process with an import blocker opens a cashier session against the sandbox, settles a bill
through it and composes the receipt."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support import ROOT

CHILD = r'''
import importlib
import importlib.abc
import json
import sys


class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "PySide6" or name.startswith("PySide6."):
            raise ImportError(f"{name} is blocked in this process", name=name)
        return None


sys.meta_path.insert(0, NoQt())
try:
    importlib.import_module("PySide6")
    raise SystemExit("the blocker let PySide6 in")
except ImportError:
    pass

from pathlib import Path

from drivers.printer import ReceiptData, SlipKind, compose_settlement, display_width, text_lines
from drivers.virtual.profiles import load_persons
from terminal import config as config_mod
from terminal.app import AppSession
from terminal.core import wire
from terminal.core.models import Bill, Credential
from terminal.core.money import fmt_yuan

tmp = Path(sys.argv[1])
cfg = config_mod.Config()  # training: the session starts its own sandbox platform
cfg.store.dir, cfg.log.dir, cfg.printer.pdf_dir = str(tmp / "data"), str(tmp / "log"), str(tmp / "receipts")
cfg.backend.sandbox_port = 0
person_key = "hainan-retiree"
certno = load_persons()[person_key]["certno"]
bill = Bill.from_dict(wire.loads((Path.cwd() / "resources/bills/outpatient-nanning.json").read_text("utf-8")))
session = AppSession.open(cfg)
try:
    op = session.operators.verify("0001", "1234")  # training mode seeds the demo operators
    session.set_operator(op)
    svc = session.service
    cred = Credential("02", certno)
    person = svc.identify(cred)
    visit = svc.open_visit(cred, person, bill)
    svc.preview(visit)
    settlement = svc.settle(visit)
    r = ReceiptData.build(cfg=cfg, operator=op, person=person, visit=visit, settlement=settlement,
                          training=session.training)
    session.journal.record(r)
    composed = compose_settlement(r)
    lines = text_lines(composed, 32)
    out = {"lines": lines, "widths": [display_width(x) for x in lines], "kind": composed.kind == SlipKind.SETTLEMENT,
           "found": session.journal.find(r.setl_id) is r, "setl_id": r.setl_id, "cash": fmt_yuan(r.cash),
           "items": len(bill.items), "qr": composed.qr, "name": person.psn_name, "certno": certno,
           "journaled": session.store is not None and session.store.journal is not None,
           "sandbox": session.sandbox is not None and session.sandbox.url.startswith("http://127.0.0.1:")}
finally:
    session.close()
out["qt"] = sorted(m for m in sys.modules if m.split(".")[0] == "PySide6")
print(json.dumps(out, ensure_ascii=False))
'''


def test_session_and_receipt_without_qt(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env.pop("QT_QPA_PLATFORM", None)
    r = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                       timeout=90, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["qt"] == []
    assert out["sandbox"] and out["journaled"] and out["kind"] and out["found"]
    text = "\n".join(out["lines"])
    assert max(out["widths"]) <= 32
    assert out["setl_id"] and out["setl_id"] in text
    assert out["cash"] in text and "个人现金支付" in text and "【训练模式 · 非正式票据】" in text
    assert out["name"] not in text and out["certno"] not in text  # masked on paper
    assert out["qr"].startswith("YBSETL|") and out["setl_id"] in out["qr"]
    assert sum(1 for x in out["lines"] if x.startswith("-")) == 5  # info, items, amounts, cash, references
