"""门诊慢特病 in the cashier's window (the desk machine's part is terminal/core/desk_chronic.py).

* On identification the person's chronic-disease filings (5301) are looked up in the background; the person panel
  shows them (each with its dates, or why it does not count today) and which disease this bill is settled as.
* Ctrl+M opens the chooser: ↑/↓ choose, Enter makes this bill a 门诊慢特病 bill (med_type 14) of that disease, or
  an ordinary outpatient bill again (the first row); Esc closes without a change. The preview is voided (F5 again).
* The customer display and the receipt show the disease (ui/customer.py, drivers/printer).
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QLabel, QListWidget, QListWidgetItem, QVBoxLayout

from terminal.core.chronic import ChronicFiling

KEY = "Ctrl+M"


def why_not(f: ChronicFiling, day: str) -> str:
    """Why a filing does not count on ``day`` in the UI's language ('' when it does)."""
    why = f.why_not(day)
    if not why:
        return ""
    if f.enddate and day > f.enddate[:10]:
        return QCoreApplication.translate("ChronicKeys", "备案已于 %1 到期").replace("%1", f.enddate[:10])
    return QCoreApplication.translate("ChronicKeys", "备案自 %1 起生效").replace("%1", f.begndate[:10])


class ChronicChooser(QDialog):
    """The filed diseases: ↑/↓ choose, Enter picks, Esc closes. Filings not in force today are listed, greyed."""

    chosen = Signal(str)

    def __init__(self, filings: list[ChronicFiling], today: str, current: str, parent=None):
        super().__init__(parent)
        self.setObjectName("chronicChooser")
        self.setWindowTitle(self.tr("门诊慢特病 (Ctrl+M)"))
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("↑/↓ 选择病种，Enter 确定，Esc 关闭"), self))
        self.list = QListWidget(self)
        self.list.setObjectName("chronicList")
        self.codes: list[str] = []
        rows = [("", self.tr("普通门诊（不按门诊慢特病结算）"), "")]
        rows += [(f.code, f.label, why_not(f, today) or self.tr("%1 至 %2").replace("%1", f.begndate or "—")
                  .replace("%2", f.enddate or self.tr("长期"))) for f in filings]
        for code, label, note in rows:
            it = QListWidgetItem(f"{label}　{note}".strip())
            if code and any(f.code == code and not f.in_force(today) for f in filings):
                it.setFlags(it.flags() & ~Qt.ItemFlag.ItemIsEnabled)  # expired or not yet begun: not choosable
            self.list.addItem(it)
            self.codes.append(code)
        # the bill's disease; an ordinary bill: the first disease in force (what the cashier came for)
        self.list.setCurrentRow(self.codes.index(current) if current and current in self.codes else
                                next((n for n, c in enumerate(self.codes) if c and self._enabled(n)), 0))
        self.list.itemActivated.connect(lambda _it: self.accept())
        lay.addWidget(self.list)
        self.resize(460, 240)
        self.list.setFocus()

    def _enabled(self, row: int) -> bool:
        return bool(self.list.item(row).flags() & Qt.ItemFlag.ItemIsEnabled)

    def keyPressEvent(self, ev) -> None:
        if ev.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept()
            return
        super().keyPressEvent(ev)

    def accept(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.codes) and self._enabled(row):
            self.chosen.emit(self.codes[row])
            super().accept()


class ChronicKeys(QObject):
    """Wires 门诊慢特病 into the cashier's window: the line in the person panel, Ctrl+M and its chooser (the window
    creates it with one line)."""

    def __init__(self, window):
        super().__init__(window)
        self.window, self.ctl = window, window.ctl
        self.desk = self.ctl.desk.chronic
        self.desk.enabled = self.desk.enabled and self.ctl.cfg.checks.chronic
        self.line = QLabel(window.person)
        self.line.setObjectName("chronicFilings")
        self.line.setWordWrap(True)
        self.line.setVisible(False)
        window.person.layout().addWidget(self.line)
        self.dialog: ChronicChooser | None = None
        self.shortcut = QShortcut(QKeySequence(KEY), window)
        self.shortcut.activated.connect(self.open_chooser)
        self.ctl.changed.connect(self.render)

    def text(self) -> str:
        """The person panel's line: the filings (or the lookup's state) and the disease this bill is settled as."""
        c = self.desk
        if not c.state or self.ctl.person is None:
            return ""
        head = self.tr("门诊慢特病备案：")
        if c.state == "looking":
            out = head + self.tr("查询中…")
        elif c.state == "failed":
            out = self.tr("门诊慢特病备案查询失败：") + c.error
        elif not c.filings:
            out = head + self.tr("无")
        else:
            valid = self.tr("有效")
            out = head + self.tr("；").join(f"{f.label}（{why_not(f, c.today()) or valid}）" for f in c.filings)
            if c.in_force():
                out += "　" + self.tr("Ctrl+M 按门诊慢特病结算")
        chosen = c.chosen
        if chosen is not None:
            out += "\n" + self.tr("本单：门诊慢特病 ") + chosen.label
        return out

    def render(self) -> None:
        text = self.text()
        self.line.setText(text)
        self.line.setVisible(bool(text))
        chosen = self.desk.chosen is not None
        self.line.setProperty("kind", "chronic" if chosen else "")

    def open_chooser(self) -> None:
        c, ctl = self.desk, self.ctl
        if not c.enabled:
            ctl.say("warn", self.tr("本机构未开通门诊慢特病结算（[checks] chronic）"))
            return
        if ctl.person is None:
            ctl.say("warn", self.tr("请先识别参保人（F1 读卡 / F2 医保码 / F3 身份证号）"))
            return
        if c.state == "looking":
            ctl.say("warn", self.tr("正在查询门诊慢特病备案，请稍候再按 Ctrl+M"))
            return
        if c.state == "failed":
            ctl.say("error", self.tr("门诊慢特病备案查询失败：") + c.error)
            return
        if not c.filings and c.chosen is None:
            ctl.say("warn", self.tr(
                "该参保人没有门诊慢特病备案；如需备案，请参保人到参保地医保经办机构或国家医保服务平台办理"))
            return
        if not ctl.desk.check_editable():
            return
        chosen = c.chosen
        dlg = ChronicChooser(c.filings, c.today(), chosen.code if chosen else "", self.window)
        dlg.chosen.connect(c.choose)
        self.dialog = dlg
        dlg.finished.connect(lambda _r: setattr(self, "dialog", None))
        self.window._track("chronic", dlg)  # when it closes, the keyboard goes back to the window
        dlg.open()
