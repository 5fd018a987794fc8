"""What the cashier's window keeps in memory (issue 16): libraries that are not configured or not needed yet are
not imported when it opens (pypinyin, python-escpos, cheroot, jsonschema: ~95 MB resident between them), the F4
pinyin search works without pypinyin in the window's process, and a dialog replaced by the next of its kind is
deleted (F4 for every patient used to leave one more picker, ~70 QObjects, behind)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support import ROOT

HEAVY = ("pypinyin", "escpos", "cheroot", "jsonschema")

CHILD = r'''
import json
import sys
from pathlib import Path

from terminal.app import AppSession
from terminal.ui.app import CashierApp, ensure_app
from terminal.ui.items import ItemPicker
from tests.support import make_config

HEAVY = sys.argv[2].split(",")


def loaded():
    return sorted({m.split(".")[0] for m in sys.modules} & set(HEAVY))


cfg = make_config(Path(sys.argv[1]))  # training: pdf receipts, no HIS interface
app = ensure_app()
session = AppSession.open(cfg)
ca = CashierApp(cfg, session, customer_display=False, app=app)
ca.start(session.operators.verify("0001", "1234"))
app.processEvents()
at_start = loaded()
picker = ItemPicker(session.catalogue, ca.window)
picker.search.setText("xbdp")
app.processEvents()
print(json.dumps({"at_start": at_start, "after_search": loaded(), "found": [i.name for i in picker.results][:1]},
                 ensure_ascii=False))
ca.close()
session.close()
'''


def test_the_window_opens_and_searches_by_pinyin_without_the_heavy_libraries(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "data"), ",".join(HEAVY)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["at_start"] == []
    assert out["found"] == ["硝苯地平控释片"]
    assert out["after_search"] == []  # the spellings came from a child process


def test_a_replaced_dialog_is_deleted(desk):
    from PySide6.QtCore import QCoreApplication, QEvent, Qt

    from terminal.ui.items import ItemPicker

    desk.identify_by_id("sichuan-resident")
    for _ in range(3):  # F4, Esc: three patients' worth of pickers
        desk.key("F4")
        desk.qtbot.waitUntil(lambda: desk.active_dialog(ItemPicker) is not None, timeout=3000)
        p = desk.active_dialog(ItemPicker)
        desk.qtbot.keyClick(p, Qt.Key.Key_Escape)
        desk.qtbot.waitUntil(lambda p=p: not p.isVisible(), timeout=3000)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert len(desk.window.findChildren(ItemPicker)) == 1
