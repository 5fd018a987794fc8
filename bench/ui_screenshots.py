"""Screenshots of every screen of the cashier app at 1366x768, against a throwaway sandbox, in each language.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/ui_screenshots.py [/tmp/shots] [--lang zh_CN|en|all]
                                                                       [--only STEP,STEP]

Writes <out>/<lang>/<name>.png and prints the paths. tests/ui/test_screenshots.py runs it offscreen in both
languages and checks that every PNG in `expected_pngs()` exists and is not blank: a screen that breaks breaks it.

The run is a list of named steps (STEPS, in order: later steps start from where earlier ones left the desk).
To add a screen: write a function taking the Shots context `s`, decorate it with @step("name", "png", ...)
listing the PNG names it saves (without .png), and put it where its state fits. Inside, drive the real window
(s.w, s.ctl, s.cd, the sandbox s.sb) and save with s.main("state") (main-state.png and customer-state.png)
or s.save("name", widget). s.patient(certno) starts the next patient with the demo bill, ready for F5.
Each step is named in the error when it fails.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QCoreApplication, QEventLoop, QSize, Qt
from PySide6.QtGui import QImage, QPainter

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("zh_CN", "en")
#: the read timeout of the run: longer than every delay a step asks for, shorter than the hang of "uncertain"
READ_TIMEOUT = 4.0
HIS_TOKEN = "shots-his-token-0123456789abcdef"


def pump(ms: int = 50) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)


def wait_for(cond: Callable[[], bool], timeout: float = 15.0, what: str = "state") -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError(f"{what} not reached in {timeout:.0f} s")
        pump(20)


@dataclass
class Shots:
    """What a step works with: the running app and where its pictures go."""

    out: Path
    lang: str
    ca: Any
    sb: Any
    reader: Any
    session: Any
    bill: Any
    saved: list[Path] = field(default_factory=list)

    @property
    def w(self):
        return self.ca.window

    @property
    def ctl(self):
        return self.ca.ctl

    @property
    def cd(self):
        return self.ca.customer

    def save(self, name: str, widget) -> None:
        pump(150)
        p = self.out / f"{name}.png"
        if not widget.grab().save(str(p)):
            raise RuntimeError(f"could not save {p}")
        self.saved.append(p)

    def save_image(self, name: str, img: QImage) -> None:
        p = self.out / f"{name}.png"
        img.save(str(p))
        self.saved.append(p)

    def main(self, state: str) -> None:
        """main-<state>.png (the cashier's window) and customer-<state>.png (the customer display)."""
        self.save(f"main-{state}", self.w)
        self.save(f"customer-{state}", self.cd)

    def dialog(self, name: str, key: str, open_it: Callable[[], Any], close: str = "reject") -> Any:
        open_it()
        pump(200)
        dlg = self.w.dialogs[key]
        self.save(name, dlg)
        getattr(dlg, close)()
        pump(50)
        return dlg

    def settled_state(self) -> bool:
        from terminal.core.flow import State

        return (self.ctl.state in (State.SETTLED, State.DONE, State.CANCELLED, State.REVERSED, State.IDLE)
                and not self.ctl.busy)

    def patient(self, certno: str, *, bill: bool = True) -> None:
        """The next patient identified by ID number (F3), with the demo bill loaded: ready for F5."""
        from terminal.core.flow import State

        wait_for(self.settled_state, what="a finished patient")
        self.ctl.next_patient()
        if bill:
            self.ctl.load_bill(self.bill)
        self.ctl.identify_id(certno)
        wait_for(lambda: self.ctl.state in (State.BILLED, State.IDENTIFIED) and not self.ctl.busy,
                 what="patient identified")

    def state(self, st, timeout: float = 15.0) -> None:
        wait_for(lambda: self.ctl.state == st and not self.ctl.busy, timeout, what=str(st))

    def shown(self, key: str, timeout: float = 10.0) -> Any:
        """The window's dialog ``key`` once it is on the screen."""
        wait_for(lambda: key in self.w.dialogs and self.w.dialogs[key].isVisible(), timeout, what=f"{key} dialog")
        pump(100)
        return self.w.dialogs[key]

    def supervisor(self, png: str = "") -> None:
        """The supervisor's PIN dialog (9001/9999), saved as png first when named."""
        sup = self.shown("supervisor", 5)
        if png:
            self.save(png, sup)
        sup.op_id.setText("9001")
        sup.pin.setText("9999")
        sup._submit()


#: (name, pngs, function), in order
STEPS: list[tuple[str, tuple[str, ...], Callable[[Shots], None]]] = []


def step(name: str, *pngs: str):
    def add(fn: Callable[[Shots], None]) -> Callable[[Shots], None]:
        STEPS.append((name, pngs, fn))
        return fn
    return add


def main_pngs(*states: str) -> tuple[str, ...]:
    return tuple(f"{k}-{s}" for s in states for k in ("main", "customer"))


# the steps ------------------------------------------------------------------------------------------------
@step("idle", *main_pngs("idle"))
def _idle(s: Shots) -> None:
    s.main("idle")


@step("identified", *main_pngs("identified"))
def _identified(s: Shots) -> None:
    from drivers.virtual import profile_for
    from terminal.core.flow import State

    s.ctl.load_bill(s.bill)
    s.reader.insert(profile_for("sichuan-resident"))  # a resident without a personal account: a large cash share
    s.state(State.BILLED)
    s.main("identified")


@step("preview", *main_pngs("busy", "preview"))
def _preview(s: Shots) -> None:
    from terminal.core.flow import State

    s.sb.arm_fault("delay", infno="2206", delay=1.5)  # slow, within the read timeout: the wait card shows
    s.ctl.preview_now()
    pump(700)
    s.main("busy")
    s.state(State.PREVIEWED)
    s.main("preview")


@step("settled", *main_pngs("settled"), "tender-exact", *main_pngs("paid"), "receipt", "receipt-roll",
      "receipt-escpos", "receipt-a5")
def _settled(s: Shots) -> None:
    from drivers.printer import compose_settlement
    from drivers.printer.escpos import escpos_bytes
    from terminal.core.flow import State
    from terminal.ui.receipt import a5_image, escpos_image, receipt_document, roll_image

    s.ctl.settle_now()
    s.state(State.SETTLED)
    dlg = s.shown("tender")  # the cash share is due: the tender opens with the exact amount, cash
    s.main("settled")
    s.save("tender-exact", dlg)
    dlg._enter()  # Enter: the exact cash taken
    s.state(State.DONE)
    s.main("paid")
    r = s.ctl.receipt
    doc = receipt_document(r)
    doc.setTextWidth(300)
    img = QImage(doc.size().toSize() + QSize(20, 20), QImage.Format.Format_RGB32)
    img.fill(Qt.GlobalColor.white)
    p = QPainter(img)
    p.translate(10, 10)
    doc.drawContents(p)
    p.end()
    s.save_image("receipt", img)
    c = compose_settlement(r)
    s.save_image("receipt-roll", roll_image(c, 80))  # the 80 mm roll PDF's page
    s.save_image("receipt-escpos", escpos_image(escpos_bytes(c, 80), 80))  # what the thermal printer prints
    s.save_image("receipt-a5", a5_image(c))


@step("journal", "journal")
def _journal(s: Shots) -> None:
    s.dialog("journal", "journal", s.w.open_journal, close="accept")


@step("cancel", "cancel-reason", "supervisor", "refund", *main_pngs("refund"), "refund-done",
      *main_pngs("cancelled"))
def _cancel(s: Shots) -> None:
    from terminal.core.flow import State

    s.w.cancel_current()  # F10: why first, then the supervisor
    why = s.shown("cancel_reason", 5)
    why.reasons.setCurrentRow(1)
    s.save("cancel-reason", why)
    why._submit()
    s.supervisor("supervisor")
    s.state(State.CANCELLED)
    rd = s.shown("refund")  # the cash taken goes back: the customer display says 退还您
    s.save("refund", rd)
    s.main("refund")
    rd._enter()  # the cash handed back
    wait_for(lambda: s.ctl.till.refund is not None and s.ctl.till.refund.complete and not s.ctl.busy,
             what="the refund")
    pump(200)
    s.save("refund-done", rd)
    rd._enter()
    pump(100)
    s.main("cancelled")


@step("split-tender", "tender-split", *main_pngs("split", "change"))
def _split(s: Shots) -> None:
    from decimal import Decimal

    from drivers.virtual.profiles import load_persons
    from terminal.core.flow import State

    s.patient(load_persons()["sichuan-resident"]["certno"])
    s.ctl.preview_now()
    s.state(State.PREVIEWED)
    s.ctl.settle_now()
    dlg = s.shown("tender")
    s.ctl.till.choose("card")  # Alt+2 (or ↓): bank card, the POS slip's reference
    dlg.render()
    dlg.amount.setText("200")
    dlg.reference.setText("POS20261203001")
    dlg._enter()
    wait_for(lambda: len(s.ctl.till.tender.lines) == 1 and not s.ctl.busy, what="the card line")
    pump(150)
    s.save("tender-split", dlg)
    s.main("split")
    rest = s.ctl.till.tender.remaining
    dlg.amount.setText(str((rest // 100 + 1) * 100 + Decimal("0.00")))  # more cash than due: change
    dlg._enter()
    s.state(State.DONE)
    s.main("change")


@step("self-pay", "tender-selfpay", *main_pngs("refused", "selfpay", "selfpaid"))
def _self_pay(s: Shots) -> None:
    from drivers.virtual.profiles import load_persons
    from terminal.core.flow import State

    s.patient(load_persons()["suspended"]["certno"])  # insurance suspended: the platform cannot settle
    s.main("refused")
    if not s.ctl.self_pay():  # Ctrl+F9
        raise RuntimeError("self-pay not offered: " + s.w.msg.text())
    dlg = s.shown("tender")
    s.save("tender-selfpay", dlg)
    s.main("selfpay")
    dlg._enter()
    wait_for(lambda: s.ctl.state == State.IDLE and not s.ctl.busy, what="self-pay done")
    pump(200)
    s.main("selfpaid")


@step("choose-insurance", *main_pngs("choose-insurance"), "items", "bill-file")
def _choose(s: Shots) -> None:
    from terminal.core.flow import State

    s.patient("110000197901280810", bill=False)  # two insurance types: the choice is asked for
    s.state(State.IDENTIFIED)
    s.main("choose-insurance")
    s.w.open_item_picker()
    pump(150)
    s.w.dialogs["items"].search.setText("xbdp")
    s.save("items", s.w.dialogs["items"])
    s.w.dialogs["items"].accept()
    s.dialog("bill-file", "file", s.w.load_bill_dialog)


@step("uncertain", *main_pngs("uncertain"), "queue")
def _uncertain(s: Shots) -> None:
    from terminal.core.flow import State

    s.ctl.next_patient()
    wait_for(lambda: s.ctl.state == State.IDLE, what="idle")
    s.patient("460100194603120132")
    s.ctl.preview_now()
    s.state(State.PREVIEWED)
    # the 2207 hangs past the read timeout and the 2601 cannot get through for a while
    s.sb.arm_fault("hang", infno="2207", delay=READ_TIMEOUT + 2)
    s.sb.arm_fault("http500", infno="2601", count=50)
    s.ctl.settle_now()
    s.state(State.UNCERTAIN, timeout=READ_TIMEOUT + 20)
    pump(1500)
    s.main("uncertain")
    s.dialog("queue", "queue", s.w.open_queue, close="accept")


@step("reversed", *main_pngs("reversed"))
def _reversed(s: Shots) -> None:
    from terminal.core.flow import State

    s.sb.clear_faults()
    s.session.wake_queue()
    s.state(State.REVERSED, timeout=30)
    s.main("reversed")


@step("offline", *main_pngs("offline", "parked"))
def _offline(s: Shots) -> None:
    wait_for(s.settled_state, what="a finished patient")
    s.ctl.next_patient()
    s.ctl.load_bill(s.bill)
    s.sb.arm_fault("http500", infno="*", count=1000)  # platform unreachable: the bill can be parked
    for _ in range(3):  # the status judges the last few requests: one failure is no outage
        s.ctl.identify_id("450100197705200135")
        wait_for(lambda: not s.ctl.busy, what="the lookup to fail")
    wait_for(lambda: not s.ctl.busy and s.ctl.status.state == "offline", what="offline")
    s.main("offline")
    s.ctl.park_now()
    wait_for(lambda: not s.ctl.busy and s.ctl.slip is not None, what="parked slip")
    s.main("parked")
    s.sb.clear_faults()


@step("back-office", "reconcile", "settings", "discharge")
def _back_office(s: Shots) -> None:
    s.dialog("reconcile", "reconcile", s.w.open_reconcile)
    s.w.open_settings()
    pump(150)
    sup = s.w.dialogs.get("supervisor")
    if sup is not None and sup.isVisible():
        sup.op_id.setText("9001")
        sup.pin.setText("9999")
        sup._submit()
    wait_for(lambda: "settings" in s.w.dialogs and s.w.dialogs["settings"].isVisible(), 5, what="settings")
    s.save("settings", s.w.dialogs["settings"])
    s.w.dialogs["settings"].reject()
    desk = s.w.open_discharge()
    desk.resize(1200, 720)
    s.save("discharge", desk)
    desk.hide()


@step("his", "his-list")
def _his(s: Shots) -> None:
    import requests

    from drivers.virtual.profiles import load_persons

    link = s.w.his.link
    if link is None:
        raise RuntimeError("the HIS interface is not served")
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {HIS_TOKEN}"
    for n, (name, price) in enumerate((("副主任医师门诊诊查费", "18.00"), ("血常规", "25.00")), 1):
        b = {"bill_no": f"MZ20261203000{n}", "med_type": "11", "dept_code": "A03", "dept_name": "内科", "items": [
            {"hosp_code": "NNXM0002", "national_code": "001102000010300", "name": name, "price": price, "qty": 1}]}
        if n == 1:  # one for a known patient, one for whoever comes
            b["patient"] = {"id_no": load_persons()["hainan-retiree"]["certno"]}
        http.post(link.url + "/v1/bills", json=b, timeout=10).raise_for_status()
    wait_for(lambda: s.w.his.pending_count() == 2, what="two pending HIS bills")
    s.w.his.refresh()
    dlg = s.w.his.open_list()  # Ctrl+H
    pump(200)
    s.save("his-list", dlg)
    dlg.reject()
    pump(50)


@step("shift", "shift-report", "day-close")
def _shift(s: Shots) -> None:
    dlg = s.w.open_shift()  # F6
    pump(300)
    dlg.resize(900, 700)
    dlg.counted.setText("500.00")
    s.save("shift-report", dlg)
    dlg.reject()
    pump(50)
    s.w.open_day_close()  # Shift+F8: the supervisor, then 3201
    s.supervisor()
    dc = s.shown("day_close", 20)
    dc.resize(900, 700)
    s.save("day-close", dc)
    dc.reject()


def expected_pngs() -> list[str]:
    """Every PNG a full run writes per language (login first: it comes before the steps)."""
    return ["login"] + [p for _n, pngs, _f in STEPS for p in pngs]


# the run ----------------------------------------------------------------------------------------------------
def fresh_translation(folder: Path) -> bool:
    """Build yibao_en.qm from the source and the glossary into folder (resources/translations/update.py's build);
    False (the shipped .qm is used) when the Qt tools are not there."""
    import importlib.util

    folder.mkdir(parents=True, exist_ok=True)
    spec = importlib.util.spec_from_file_location("tr_update", ROOT / "resources" / "translations" / "update.py")
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
        missing = mod.build(folder / "yibao_en.ts", folder / "yibao_en.qm")
    except Exception as e:
        print(f"fresh translation not built ({e}); using the shipped one", file=sys.stderr)
        return False
    for m in missing:
        print("no English yet:", m, file=sys.stderr)
    return True


def run(out: Path, lang: str, only: set[str] | None = None) -> list[Path]:
    from drivers.virtual import VirtualCardReader
    from terminal import config as config_mod
    from terminal.app import AppSession
    from terminal.core import wire
    from terminal.core.models import Bill
    from terminal.sandbox.server import SandboxServer
    from terminal.ui import app as app_mod
    from terminal.ui.app import CashierApp, apply_style, ensure_app, install_translator

    out.mkdir(parents=True, exist_ok=True)
    app = ensure_app()
    tmp = Path(tempfile.mkdtemp(prefix="yibao-shots-"))
    if lang != "zh_CN" and fresh_translation(tmp / "tr"):
        app_mod.TRANSLATIONS = tmp / "tr"  # the English of the glossary as it is now, not the last compiled .qm
    cfg = config_mod.Config()
    cfg.store.dir = str(tmp / "data")
    cfg.printer.pdf_dir = str(tmp / "pdf")
    cfg.backend.read_timeout = READ_TIMEOUT
    cfg.ui.language = lang
    cfg.his.enabled, cfg.his.token, cfg.his.port = True, HIS_TOKEN, 0  # Ctrl+H's list, pushed over HTTP
    apply_style(app, cfg)
    install_translator(app, lang)
    sb = SandboxServer(db_path=tmp / "sandbox.sqlite").start()
    reader = VirtualCardReader()
    session = AppSession.open(cfg, sandbox=sb, card_reader=reader)
    ca = CashierApp(cfg, session, customer_display=True)
    bill = Bill.from_dict(wire.loads((ROOT / "resources" / "bills" / "outpatient-nanning.json")
                                     .read_text(encoding="utf-8")))
    s = Shots(out, lang, ca, sb, reader, session, bill)
    try:
        login = ca.show_login()
        login.resize(480, 300)
        s.save("login", login)
        login.op_id.setText("0001")
        login.pin.setText("1234")
        login._submit()
        ca.window.resize(1366, 768)
        ca.customer.resize(1024, 600)
        wait_for(lambda: ca.ctl.status.signed_in, what="signed in")
        for name, _pngs, fn in STEPS:
            if only and name not in only:
                continue
            try:
                fn(s)
            except Exception as e:
                raise RuntimeError(f"screenshot step {name!r} ({lang}) failed: {e}") from e
    finally:
        sb.clear_faults()
        ca.close()
        session.close()
        sb.stop()
    return s.saved


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default="/tmp/shots")
    ap.add_argument("--lang", default="all", help="zh_CN, en or all (both, one folder each)")
    ap.add_argument("--only", default="", help="comma-separated step names (default: every step)")
    args = ap.parse_args()
    langs = LANGS if args.lang == "all" else (args.lang,)
    only = {x for x in args.only.split(",") if x} or None
    saved: list[Path] = []
    for lang in langs:
        saved += run(Path(args.out) / lang, lang, only)
    print("\n".join(str(p) for p in saved))
    return 0


if __name__ == "__main__":
    sys.exit(main())
