"""Screenshots of the cashier app at 1366x768 in each state, against a throwaway sandbox (not a test).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/ui_screenshots.py [/tmp/shots] [--lang en]

Writes main-<state>.png, customer-<state>.png, login.png, items.png, journal.png, supervisor.png,
receipt.png (the receipt document rendered to an image) into the folder.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QCoreApplication, QEventLoop, QSize, Qt
from PySide6.QtGui import QImage, QPainter


def pump(ms: int = 50) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)


def wait_for(cond, timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("state not reached")
        pump(20)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default="/tmp/shots")
    ap.add_argument("--lang", default="zh_CN")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from drivers.virtual import VirtualCardReader, profile_for
    from terminal import config as config_mod
    from terminal.core import wire
    from terminal.core.flow import State
    from terminal.core.models import Bill
    from terminal.sandbox.server import SandboxServer
    from terminal.ui.app import CashierApp, apply_style, ensure_app, install_translator
    from terminal.ui.receipt import receipt_document
    from terminal.app import AppSession

    app = ensure_app()
    tmp = Path(tempfile.mkdtemp(prefix="yibao-shots-"))
    cfg = config_mod.Config()
    cfg.store.dir = str(tmp / "data")
    cfg.printer.pdf_dir = str(tmp / "pdf")
    cfg.backend.read_timeout = 1.5
    cfg.ui.language = args.lang
    apply_style(app, cfg)
    install_translator(app, args.lang)
    sb = SandboxServer(db_path=tmp / "sandbox.sqlite").start()
    reader = VirtualCardReader()
    session = AppSession.open(cfg, sandbox=sb, card_reader=reader)
    ca = CashierApp(cfg, session, customer_display=True)
    login = ca.show_login()
    login.resize(480, 300)
    pump(100)
    login.grab().save(str(out / "login.png"))
    login.op_id.setText("0001")
    login.pin.setText("1234")
    login._submit()
    w, ctl, cd = ca.window, ca.ctl, ca.customer
    w.resize(1366, 768)
    cd.resize(1024, 600)
    wait_for(lambda: ctl.status.signed_in)

    def shot(name: str) -> None:
        pump(150)
        w.grab().save(str(out / f"main-{name}.png"))
        cd.grab().save(str(out / f"customer-{name}.png"))

    shot("idle")
    bills = Path(__file__).resolve().parents[1] / "resources" / "bills"
    bill = Bill.from_dict(wire.loads((bills / "outpatient-nanning.json").read_text(encoding="utf-8")))
    # a resident without a personal account: the cash share is large
    ctl.load_bill(bill)
    reader.insert(profile_for("sichuan-resident"))
    wait_for(lambda: ctl.state == State.BILLED and not ctl.busy)
    shot("identified")
    sb.arm_fault("delay", infno="2206", delay=1.5)
    ctl.preview_now()
    pump(700)
    shot("busy")
    wait_for(lambda: ctl.state == State.PREVIEWED and not ctl.busy)
    shot("preview")
    ctl.settle_now()
    wait_for(lambda: ctl.state == State.SETTLED and not ctl.busy)
    shot("settled")
    r = ctl.receipt
    doc = receipt_document(r)
    doc.setTextWidth(300)
    size = doc.size().toSize()
    img = QImage(size + QSize(20, 20), QImage.Format.Format_RGB32)
    img.fill(Qt.GlobalColor.white)
    p = QPainter(img)
    p.translate(10, 10)
    doc.drawContents(p)
    p.end()
    img.save(str(out / "receipt.png"))
    w.open_journal()
    pump(200)
    w.dialogs["journal"].grab().save(str(out / "journal.png"))
    w.dialogs["journal"].accept()
    w.cancel_current()
    pump(150)
    w.dialogs["supervisor"].grab().save(str(out / "supervisor.png"))
    w.dialogs["supervisor"].reject()
    # next patient, two insurance types: the choice is asked for
    ctl.next_patient()
    ctl.identify_id("110000197901280810")
    wait_for(lambda: ctl.state == State.IDENTIFIED and not ctl.busy)
    shot("choose-insurance")
    w.open_item_picker()
    pump(150)
    w.dialogs["items"].search.setText("片")
    pump(100)
    w.dialogs["items"].grab().save(str(out / "items.png"))
    w.dialogs["items"].accept()
    # uncertain: the 2207 hangs past the read timeout and the 2601 cannot get through for a while
    ctl.next_patient()
    ctl.load_bill(bill)
    ctl.identify_id("460100194603120132")
    wait_for(lambda: ctl.state == State.BILLED and not ctl.busy)
    ctl.preview_now()
    wait_for(lambda: ctl.state == State.PREVIEWED and not ctl.busy)
    sb.arm_fault("hang", infno="2207", delay=3.0)
    sb.arm_fault("http500", infno="2601", count=50)
    ctl.settle_now()
    wait_for(lambda: ctl.state == State.UNCERTAIN and not ctl.busy)
    pump(1500)
    shot("uncertain")
    w.open_queue()
    pump(200)
    w.dialogs["queue"].grab().save(str(out / "queue.png"))
    w.dialogs["queue"].accept()
    sb.clear_faults()
    session.wake_queue()
    wait_for(lambda: ctl.state == State.REVERSED, timeout=30)
    shot("reversed")
    # platform unreachable: the bill can be parked (full payment now, settled later)
    ctl.next_patient()
    ctl.load_bill(bill)
    sb.arm_fault("http500", infno="*", count=1000)
    for _ in range(3):  # the status judges the last few requests: one failure is no outage
        ctl.identify_id("450100197705200135")
        wait_for(lambda: not ctl.busy)
    wait_for(lambda: not ctl.busy and ctl.status.state == "offline")
    shot("offline")
    ctl.park_now()
    wait_for(lambda: not ctl.busy and ctl.slip is not None)
    shot("parked")
    sb.clear_faults()
    ca.close()
    session.close()
    sb.stop()
    print("\n".join(sorted(str(p) for p in out.glob("*.png"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
