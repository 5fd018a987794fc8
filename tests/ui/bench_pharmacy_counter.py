"""Benchmark (not collected as a test; run by bench/pharmacy_counter.py): the pharmacy counter through the real
window offscreen, the sandbox pharmacy over HTTP, the journal in real SQLite.

Per sale: the customer's card goes in (the virtual reader: identification needs no key); five boxes are scanned
(2 × 奥美拉唑肠溶胶囊, 连花清瘟胶囊, 复方丹参滴丸, each with its traceability code, and 黄芪 without one: 9 scans,
as key bursts through the wedge filter); then the cashier's keys: F5 (2101), F9 (2102) and Enter at the tender
when a cash share is due, counted; the next card starts the next sale (no key). Time: from the first scan to the
receipt written (the PDF roll). Writes a JSON summary to $YIBAO_PHARMACY_BENCH_OUT.
"""
from __future__ import annotations

import json
import os
import time

from PySide6.QtCore import Qt

from terminal.app.wiring import TRAINING_PHARMACY
from terminal.core.flow import State
from tests.ui.test_pharmacy_counter import Scanner

SALES = int(os.environ.get("YIBAO_PHARMACY_BENCH_N", "5"))
#: one insured person of each southwest pilot region: employees with a personal account (nothing to collect) and
#: residents without one (the cash share: Enter at the tender)
PEOPLE = ["sichuan-employee", "yunnan-resident", "guizhou-employee", "tibet-resident", "chongqing-employee"]
#: five boxes: (barcode, traceability code prefix or '' when the drug needs none)
BOXES = [("6901234000047", "8100104"), ("6901234000047", "8100104"), ("6901234000054", "8100105"),
         ("6901234000061", "8100106"), ("6901234000085", "")]


def test_five_boxes_first_scan_to_receipt(make_desk, ui_cfg):
    from drivers.virtual import profile_for
    from tests.support import PERSONS

    f = ui_cfg.facility
    f.code, f.name, f.admdvs = TRAINING_PHARMACY
    f.kind = "pharmacy"
    d = make_desk()
    sc = Scanner()
    people = [p for p in PEOPLE if p in PERSONS] or ["sichuan-resident"]
    printed: list[float] = []
    d.ctl.receipt_printed.connect(lambda _where: printed.append(time.perf_counter()))
    times, keys_per_sale, scans_per_sale, serial = [], [], [], 0
    for n in range(SALES):
        d.reader.insert(profile_for(people[n % len(people)]))
        d.qtbot.waitUntil(lambda: d.ctl.state == State.IDENTIFIED and not d.ctl.busy, timeout=15000)
        d.wait_window_active()
        before = len(printed)
        t0 = time.perf_counter()
        scans = 0
        for ean, prefix in BOXES:
            sc.scan(ean)
            scans += 1
            if prefix:
                serial += 1
                sc.scan(f"{prefix}{900000 + serial:013d}")
                scans += 1
        assert not d.window.pharmacy.sale.problems(), d.window.pharmacy.sale.problems()
        keys = 0
        d.key("F5")
        keys += 1
        try:
            d.wait_state(State.PREVIEWED)
        except Exception:
            raise AssertionError(f"{people[n % len(people)]}: {d.window.msg.text()}") from None
        d.key("F9")
        keys += 1
        d.qtbot.waitUntil(lambda: d.ctl.state in (State.SETTLED, State.TENDER, State.DONE) and not d.ctl.busy,
                          timeout=15000)
        if d.ctl.till.due_open:
            dlg = d.tender_dialog()
            d.qtbot.keyClick(dlg.amount, Qt.Key.Key_Return)  # exact cash
            keys += 1
        d.qtbot.waitUntil(lambda b=before: len(printed) > b, timeout=15000)
        times.append(printed[-1] - t0)
        keys_per_sale.append(keys)
        scans_per_sale.append(scans)
        assert sum(it.qty for it in d.ctl.items) == 5
        d.wait_window_active()
        d.reader.remove()
    summary = {"times": times, "keys": keys_per_sale, "scans": scans_per_sale, "people": people}
    out = os.environ.get("YIBAO_PHARMACY_BENCH_OUT")
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            json.dump(summary, fh)
    print("[pharmacy-counter]", json.dumps(summary))
