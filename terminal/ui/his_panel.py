"""The cashier's side of the HIS link: the bills the hospital system pushed (待收费).

* Ctrl+H opens the list of bills to charge; Enter loads the chosen one, Esc closes.
* When the card, the e-code or the ID number identifies a person who has a pushed bill, it loads by itself
  (several: the list opens with only theirs); a bill pushed for the person already on the desk loads too.
* A scanned bill number (the patient's slip, Code 128 or QR) loads the pushed bill of that number.
* With ``[his] enabled = true`` the window serves the interface (terminal.his) while it runs.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHeaderView, QLabel, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from terminal.core.flow import State as S
from terminal.core.money import fmt_yuan

log = logging.getLogger(__name__)

KEY = "Ctrl+H"


class HisListDialog(QDialog):
    """The pending bills: ↑/↓ to choose, Enter to load, Esc to close."""

    chosen = Signal(str)

    def __init__(self, bills: list[dict[str, Any]], parent=None, *, title: str = ""):
        super().__init__(parent)
        self.setObjectName("hisListDialog")
        self.setWindowTitle(title or self.tr("待收费（HIS 推送的账单）"))
        self.bills = bills
        lay = QVBoxLayout(self)
        hint = QLabel(self.tr("↑/↓ 选择，Enter 载入，Esc 关闭") if bills else self.tr("没有待收费的单据"), self)
        lay.addWidget(hint)
        self.table = QTableWidget(len(bills), 5, self)
        self.table.setObjectName("hisBills")
        self.table.setHorizontalHeaderLabels([self.tr("单据号"), self.tr("患者"), self.tr("金额"), self.tr("推送时间"),
                                              self.tr("状态")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        for r, b in enumerate(bills):
            p = b.get("patient") or {}
            who = " ".join(x for x in (p.get("name"), p.get("id_no") or p.get("card_no")) if x)
            total = fmt_yuan(b["total"]) if b.get("total") else ""
            status = {"pending": self.tr("待收费"), "reversed": self.tr("已冲正（未扣费）")}.get(
                b.get("status", ""), b.get("status_name") or b.get("status", ""))
            cells = [b["bill_no"], who, total, (b.get("pushed_at") or "")[11:16], status]
            for c, text in enumerate(cells):
                it = QTableWidgetItem(text)
                if c == 2:
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, it)
        if bills:
            self.table.selectRow(0)
        self.table.doubleClicked.connect(self.accept)
        lay.addWidget(self.table)
        self.resize(640, 320)
        self.table.setFocus()

    def keyPressEvent(self, ev) -> None:
        if ev.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept()
            return
        super().keyPressEvent(ev)

    def accept(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.bills):
            self.chosen.emit(self.bills[row]["bill_no"])
        super().accept()


class HisDesk(QObject):
    """Wires the HIS bills into the cashier's window (a few lines in MainWindow create and stop it)."""

    #: a bill was pushed, replaced or withdrawn (emitted from the interface's threads, handled on the UI thread)
    bills_changed = Signal(str)

    def __init__(self, window):
        super().__init__(window)
        self.window, self.ctl = window, window.ctl
        cfg = self.ctl.cfg
        store = self.ctl.session.store
        self.book = None
        self.link = None
        self.dialog: HisListDialog | None = None
        self._seen = ""  # the person the desk last looked up bills for
        self.loaded: dict[str, float] = {}  # bill_no -> time.perf_counter() when it was put on the desk
        if store is not None:
            from terminal.his.book import HisBook

            self.book = HisBook(store.sdb, limits=cfg.bill.limits)
            if cfg.his.enabled:
                self._serve(store, cfg)
            self.book.on_change.append(self.bills_changed.emit)
        self.bills_changed.connect(self._bills_changed, Qt.ConnectionType.QueuedConnection)
        self.shortcut = QShortcut(QKeySequence(KEY), window)
        self.shortcut.activated.connect(self.open_list)
        self.ctl.changed.connect(self._desk_changed)
        # beside the main flow: how many bills wait (a click or Ctrl+H opens them)
        self.indicator = QPushButton(window.statusBar())
        self.indicator.setObjectName("hisPending")
        self.indicator.setFlat(True)
        self.indicator.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.indicator.clicked.connect(lambda: self.open_list())
        window.statusBar().addWidget(self.indicator)
        self.indicator.setVisible(self.book is not None)
        self.refresh()
        # served by another process (`yibao-terminal his serve`) on the same journal: look for new bills now and then
        self._known: set[str] | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(2000)
        self._poll.timeout.connect(self.poll)
        if self.book is not None and self.link is None:
            self.poll()  # what is there now is known (the identified patient's bills are looked up anyway)
            self._poll.start()

    def _serve(self, store, cfg) -> None:
        from terminal.config import ConfigError
        from terminal.his.service import HisLink

        try:
            self.link = HisLink(store.sdb, cfg).start()
            self.book = self.link.book
        except (ConfigError, OSError) as e:
            self.link = None
            self.ctl.say("error", self.tr("HIS 接口未启动：") + str(e))
            log.error("HIS interface not started: %s", e)

    def poll(self) -> None:
        """New pending bills written by another process: handled as if pushed here."""
        try:
            now = {r["bill_no"] for r in self.book.sdb.rows("SELECT bill_no FROM his_bills WHERE state='pending'")}
        except Exception as e:
            log.error("HIS bills poll failed: %s", e)
            return
        new, self._known = (now - self._known if self._known is not None else set()), now
        for bill_no in sorted(new):
            self._bills_changed(bill_no)
        if new:
            self.refresh()

    def stop(self) -> None:
        self._poll.stop()
        if self.link is not None:
            self.link.stop()
            self.link = None

    # the desk ----------------------------------------------------------------------------------------------
    def _person_key(self) -> str:
        p = self.ctl.person
        return p.psn_no if p is not None else ""

    def _desk_changed(self) -> None:
        if self.ctl.state == S.IDLE:
            if self._seen or self.ctl.items:
                self.refresh()  # a patient done: one bill fewer
            self._seen = ""
            return
        if self.ctl.state != S.IDENTIFIED or self.ctl.items or self.ctl.busy:
            return
        key = self._person_key()
        if key and key != self._seen:
            self._seen = key
            self.offer()

    def refresh(self) -> None:
        """The status bar's count of bills waiting."""
        if self.book is None:
            return
        try:
            n = self.pending_count()
        except Exception as e:
            log.error("HIS bills count failed: %s", e)
            return
        self.indicator.setText(self.tr("待收费 %n 张 (Ctrl+H)", "", n) if n else self.tr("待收费 0 (Ctrl+H)"))

    def _bills_changed(self, bill_no: str) -> None:
        self.refresh()
        b = self.ctl.bill() if self.ctl.items else None
        if b is not None and b.bill_no == bill_no and self.book is not None \
                and self.book.status(bill_no) == "withdrawn" and self.ctl.state not in (S.SETTLED, S.DONE):
            self.ctl.say("warn", self.tr("HIS 已撤回单据 ") + bill_no + self.tr("，请与医生/HIS 核对后再收费"))
        if self.dialog is not None and self.dialog.isVisible():
            return
        if self.ctl.state == S.IDENTIFIED and not self.ctl.items and not self.ctl.busy:
            self.offer(only=bill_no)

    def matches(self) -> list[dict[str, Any]]:
        if self.book is None or self.ctl.person is None:
            return []
        p, cred = self.ctl.person, self.ctl.flow.credential
        card = cred.cert_no if cred is not None and cred.cert_type == "03" else ""
        return self.book.pending_for(id_no=p.certno, card_no=card, name=p.psn_name)

    def offer(self, only: str = "") -> None:
        """The identified person's pending bills: one loads, several open the list of theirs."""
        try:
            found = self.matches()
        except Exception as e:  # the journal is unreadable: the cashier still has every other way
            log.error("HIS bills lookup failed: %s", e)
            return
        if only:
            if not any(b["bill_no"] == only for b in found):
                return
        if len(found) == 1:
            self.load(found[0]["bill_no"])
        elif found:
            self.open_list(found, title=self.tr("此患者有多张待收费单据，请选择"))

    def load(self, bill_no: str) -> bool:
        """Put the pushed bill ``bill_no`` on the desk; False when there is no such chargeable bill."""
        if self.book is None:
            return False
        try:
            bill = self.book.bill(bill_no)
        except ValueError as e:
            self.ctl.say("error", self.tr("HIS 单据错误：") + str(e))
            return True
        if bill is None:
            return False
        if self.ctl.load_bill(bill):
            self.loaded[bill_no] = time.perf_counter()
            self.ctl.say("ok", self.tr("已载入 HIS 单据 ") + bill_no + f"  {fmt_yuan(bill.total)}")
        return True

    def open_list(self, bills: list[dict[str, Any]] | None = None, *, title: str = "") -> HisListDialog | None:
        if self.book is None:
            self.ctl.say("error", self.tr("没有本地交易日志，无法读取 HIS 单据"))
            return None
        if bills is None:
            bills = self.book.list_bills("pending")
        dlg = HisListDialog(bills, self.window, title=title)
        dlg.chosen.connect(self.load)
        dlg.finished.connect(lambda _r: setattr(self, "dialog", None))
        self.dialog = dlg
        self.window._track("his", dlg)
        dlg.open()
        return dlg

    def pending_count(self) -> int:
        return len(self.book.list_bills("pending")) if self.book is not None else 0


def attach_example_his(window) -> Any:
    """`yibao-terminal demo`: an example HIS (terminal.his.example) pushes a bill over the interface when the
    patient on the desk is identified and has no bill yet. Needs the window serving [his]; returns the ExampleHis."""
    from terminal.his.example import ExampleHis

    his_desk: HisDesk = window.his
    if his_desk.link is None:
        return None
    example = ExampleHis(his_desk.link.url, window.ctl.cfg.his.token)
    done: set[str] = set()
    ctl = window.ctl

    def changed() -> None:
        if ctl.state == S.IDLE:
            done.clear()
            return
        p = ctl.person
        if ctl.state != S.IDENTIFIED or ctl.items or ctl.busy or p is None or p.psn_no in done or not p.certno:
            return
        done.add(p.psn_no)
        if not his_desk.matches():  # the patient has no pushed bill yet: the doctor's order arrives now
            example.push_later(p.certno, p.psn_name)

    ctl.changed.connect(changed)
    changed()
    return example
