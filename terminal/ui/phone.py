"""Training only: the "patient" side of the desk. Choose a sandbox person, put their card in the virtual
reader, or show their live e-code (医保码) QR, refreshed every minute like the real app's.

The e-code comes from the sandbox's issuer (SandboxServer.issue_ecode: "EC" + region + 48 chars, valid 60 s,
single use); the app exchanges it at the sandbox's e-voucher service (localQrCodeQuery) like a real one.
"""
from __future__ import annotations

import logging
from typing import Any
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from terminal.core.privacy import mask_name

from .qr import qr_pixmap

log = logging.getLogger(__name__)

REFRESH_MS = 60_000


def sandbox_persons() -> list[dict[str, Any]]:
    from drivers.virtual.profiles import load_persons

    try:
        return list(load_persons().values())
    except (OSError, ValueError, KeyError):
        return []


def ecode_issuer(sandbox: Any) -> Callable[[str], str] | None:
    """person key -> a fresh scannable e-code string (what the phone shows), from the sandbox's issuer."""
    fn = getattr(sandbox, "issue_ecode", None) if sandbox is not None else None
    if not callable(fn):
        return None

    def issue(person_key: str) -> str:
        got = fn(person_key)
        return got[0] if isinstance(got, tuple) else str(got)

    return issue


class PhoneWindow(QWidget):
    """The patient's phone and card, for the demo."""

    scan_requested = Signal(str)  # "hold the phone to the scanner": the QR text, as a scanner would type it

    def __init__(self, sandbox: Any, card_reader: Any = None):
        super().__init__(None, Qt.WindowType.Window)
        self.setObjectName("phoneWindow")
        self.setWindowTitle(self.tr("患者手机 / 社保卡（训练）"))
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.sandbox = sandbox
        self.reader = card_reader
        self.issuer = ecode_issuer(sandbox)
        self.code = ""
        lay = QVBoxLayout(self)
        title = QLabel(self.tr("医保码"))
        title.setObjectName("phoneTitle")
        lay.addWidget(title)
        self.person = QComboBox()
        self.person.setObjectName("phonePerson")
        for p in sandbox_persons():
            self.person.addItem(f"{mask_name(p['psn_name'])} · {p.get('story', p['key'])}", p["key"])
        self.person.currentIndexChanged.connect(self.refresh_code)
        lay.addWidget(self.person)
        self.qr = QLabel()
        self.qr.setObjectName("phoneQr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setMinimumSize(300, 300)
        self.qr.setWordWrap(True)
        lay.addWidget(self.qr, 1)
        self.caption = QLabel()
        self.caption.setObjectName("dialogHint")
        self.caption.setWordWrap(True)
        lay.addWidget(self.caption)
        row = QHBoxLayout()
        self.scan = QPushButton(self.tr("对准扫码枪"))
        self.scan.setObjectName("phoneScan")
        self.scan.clicked.connect(self._scan)
        row.addWidget(self.scan)
        self.insert = QPushButton(self.tr("插入社保卡"))
        self.insert.setObjectName("phoneInsert")
        self.insert.clicked.connect(self.insert_card)
        self.remove = QPushButton(self.tr("拔出社保卡"))
        self.remove.setObjectName("phoneRemove")
        self.remove.clicked.connect(self.remove_card)
        row.addWidget(self.insert)
        row.addWidget(self.remove)
        lay.addLayout(row)
        has_card = card_reader is not None and hasattr(card_reader, "insert")
        self.insert.setVisible(has_card)
        self.remove.setVisible(has_card)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh_code)
        self._timer.start()
        self.resize(380, 620)
        self.refresh_code()

    def key(self) -> str:
        return self.person.currentData() or ""

    def refresh_code(self) -> None:
        self.code = ""
        if self.issuer is None:
            self.qr.setText(self.tr("沙箱没有医保码签发服务，不能演示扫码；请用“插入社保卡”或身份证号（F3）"))
            self.caption.setText("")
            self.scan.setEnabled(False)
            return
        try:
            self.code = str(self.issuer(self.key()))
        except Exception as e:
            self.qr.setText(self.tr("生成医保码失败：") + str(e))
            self.scan.setEnabled(False)
            return
        self.qr.setPixmap(qr_pixmap(self.code, 300))
        self.caption.setText(self.tr("每分钟自动刷新，每个码只能结算一次；点“对准扫码枪”模拟扫码"))
        self.scan.setEnabled(True)

    def _scan(self) -> None:
        if self.code:
            self.scan_requested.emit(self.code)
            QTimer.singleShot(500, self.refresh_code)  # single use: the phone shows the next code

    def insert_card(self) -> None:
        from drivers.virtual import profile_for

        try:
            self.reader.insert(profile_for(self.key()))
        except KeyError as e:
            self.caption.setText(str(e))

    def remove_card(self) -> None:
        self.reader.remove()
