"""The pre-flight on screen: one line under the person — 可报销 (green), 不可报销 + the reasons as the platform sent
them (red), 待遇未核实 (amber), or 正在检查… while 2001 and the filing query run in the background.

``PrecheckLine`` is the label; ``StayPrecheck`` asks for the discharge desk's patient (F12) on its own worker, so
the stay's own work never waits for it. The outpatient desk's pre-flight is core's (terminal.core.desk_precheck).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLayout, QSizePolicy, QWidget

from terminal.core.desk_precheck import filing_line
from terminal.core.precheck import Precheck

from .widgets import set_kind

log = logging.getLogger(__name__)

STYLE = ("QLabel#precheckLine { border-radius: 4px; padding: 4px 10px; font-weight: bold; }"
         "QLabel#precheckLine[kind=\"ok\"] { background: #e8f5e9; color: #1b5e20; }"
         "QLabel#precheckLine[kind=\"bad\"] { background: #ffebee; color: #b71c1c; border: 2px solid #c62828; }"
         "QLabel#precheckLine[kind=\"warn\"] { background: #fff8e1; color: #8d5a00; }"
         "QLabel#precheckLine[kind=\"wait\"] { background: #eceff1; color: #455a64; font-weight: normal; }")


def stay_check(session: Any) -> Callable[[str, str, str, str], Precheck] | None:
    """The cashier app's AppSession: the pre-flight per its [checks], on its outpatient conversation (None: off)."""
    from terminal.app import precheck_service

    if not (session.cfg.checks.entitlement or session.cfg.checks.filing):
        return None
    return precheck_service(session.cfg, session.service).run_for


class PrecheckLine(QLabel):
    def __init__(self, parent: QWidget | None = None):
        super().__init__("", parent)
        self.setObjectName("precheckLine")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setStyleSheet(STYLE)
        # a long reason wraps inside the panel; it never widens the window (which stays within 1366 px)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(0)
        self.hide()

    def show_line(self, kind: str, text: str) -> None:
        if text != self.text():
            self.setText(text)
            self.setToolTip(text)
        set_kind(self, kind)
        self.setVisible(bool(text))


class StayPrecheck(PrecheckLine):
    """The discharge desk's line: asks once per stay (psn_no, insutype) with med_type 21 (inpatient)."""

    def __init__(self, parent: QWidget | None = None, into: QLayout | None = None):
        super().__init__(parent)
        if into is not None:
            into.addWidget(self)
        #: (psn_no, insutype, insuplc_admdvs, med_type) -> Precheck; None: no pre-flight configured
        self.check: Callable[[str, str, str, str], Precheck] | None = None
        self.result: Precheck | None = None
        self._for: tuple[str, str] | None = None
        self._runner: Any = None

    def follow(self, stay: Any) -> None:
        """The stay on the desk (terminal.core.inpatient.Stay) or None: ask when it is another person."""
        key = (stay.psn_no, stay.insutype) if stay is not None else None
        if key == self._for:
            return
        self._for, self.result = key, None
        if key is None or self.check is None:
            self.show_line("", "")
            return
        from .ops import Op, OpRunner

        if self._runner is None:
            self._runner = OpRunner(self, max_threads=1)
        check, insuplc = self.check, stay.insuplc_admdvs
        self.show_line("wait", self.tr("正在检查医保待遇与异地备案…"))

        def ok(r: Precheck) -> None:
            if self._for == key:
                self.result = r
                self.show_result(r)

        def fail(e: BaseException) -> None:
            if self._for == key:
                log.info("discharge pre-flight failed: %r", e)
                self.show_line("warn", self.tr("待遇未核实：") + str(e))

        Op(self._runner, self.tr("待遇检查 (2001/5302)"), lambda: check(key[0], key[1], insuplc, "21"),
           kind="poll").success(ok).failure(fail).run()

    def show_result(self, r: Precheck) -> None:
        filing = filing_line(r, {"filed": self.tr("已备案"), "expired": self.tr("备案已过期"),
                                 "not_yet": self.tr("备案尚未生效"), "elsewhere": self.tr("备案地不是本就医地"),
                                 "missing": self.tr("未办理异地就医备案"), "open": self.tr("长期"),
                                 "sep": self.tr("：")})
        if r.reimbursable is True:
            self.show_line("ok", self.tr("可报销") + (f" · {filing}" if filing else ""))
        elif r.reimbursable is False:
            self.show_line("bad", self.tr("不可报销：") + "；".join(r.reasons)
                           + (f" · {filing}" if filing and filing not in r.reasons else ""))
        else:
            self.show_line("warn", self.tr("待遇未核实：") + "；".join(r.problems or [self.tr("未启用待遇检查")]))
