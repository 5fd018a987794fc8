"""The customer-facing display: a second top-level window (on the second screen when there is one).

Shows the patient what they pay (huge), what the fund pays, and a payment QR for the cash share.
Nothing private beyond the masked name.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from terminal.core.flow import State
from terminal.core.money import ZERO, fmt_yuan

from .codenames import name as code_name
from .qr import qr_pixmap
from .widgets import set_kind

S = State


def payment_qr_text(facility_code: str, mdtrt_id: str, setl_id: str, amount) -> str:
    """What the payment QR encodes.

    TODO(payment): a deployment plugs in its aggregated-payment provider here (WeChat/Alipay/UnionPay
    order URL for the cash share). Until then the code carries facility, visit and amount so the
    hospital's own cash register can pick the order up.
    """
    return f"YBPAY|{facility_code}|{mdtrt_id}|{setl_id}|{amount:.2f}"


class CustomerDisplay(QWidget):
    def __init__(self, facility_name: str, facility_code: str, training: bool = False):
        super().__init__(None, Qt.WindowType.Window)
        self.setObjectName("customerDisplay")
        self.setWindowTitle(self.tr("请核对您的医保结算"))
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.facility_code = facility_code
        self._qr_for = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(40, 24, 40, 24)
        lay.setSpacing(12)
        head = QHBoxLayout()
        self.facility = QLabel(facility_name)
        self.facility.setObjectName("cdFacility")
        head.addWidget(self.facility)
        head.addStretch(1)
        self.training = QLabel(self.tr("训练模式 · 非真实结算"))
        self.training.setObjectName("cdTraining")
        self.training.setVisible(training)
        head.addWidget(self.training)
        lay.addLayout(head)

        self.greeting = QLabel()
        self.greeting.setObjectName("cdGreeting")
        lay.addWidget(self.greeting)
        self.insurance_label = QLabel()  # the insurance type chosen at the desk (险种), once there is one
        self.insurance_label.setObjectName("cdInsurance")
        lay.addWidget(self.insurance_label)

        body = QHBoxLayout()
        body.setSpacing(40)
        left = QVBoxLayout()
        left.setSpacing(6)
        self.state_label = QLabel()
        self.state_label.setObjectName("cdState")
        self.pay_caption = QLabel(self.tr("您需支付（现金）"))
        self.pay_caption.setObjectName("cdPayCaption")
        self.pay = QLabel()
        self.pay.setObjectName("cdPay")
        self.rows = QFrame()
        self.rows.setObjectName("cdRows")
        rl = QVBoxLayout(self.rows)
        rl.setContentsMargins(0, 0, 0, 0)
        self.total = QLabel()
        self.fund = QLabel()
        self.acct = QLabel()
        for w in (self.total, self.fund, self.acct):
            w.setObjectName("cdRow")
            rl.addWidget(w)
        left.addWidget(self.state_label)
        left.addWidget(self.pay_caption)
        left.addWidget(self.pay)
        left.addWidget(self.rows)
        left.addStretch(1)
        body.addLayout(left, 3)
        right = QVBoxLayout()
        self.qr = QLabel()
        self.qr.setObjectName("cdQr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr_caption = QLabel(self.tr("扫码支付现金部分"))
        self.qr_caption.setObjectName("cdQrCaption")
        self.qr_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        right.addStretch(1)
        right.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        right.addWidget(self.qr_caption)
        right.addStretch(1)
        body.addLayout(right, 2)
        lay.addLayout(body, 1)
        self.footer = QLabel(self.tr("医保基金支付部分由医保直接结算，您无需垫付"))
        self.footer.setObjectName("cdFooter")
        lay.addWidget(self.footer)
        self.render(None)

    def place(self) -> None:
        """Full screen on the second screen when there is one; a normal window otherwise."""
        screens = QGuiApplication.screens()
        if len(screens) >= 2:
            scr = screens[1]
            self.setScreen(scr)
            self.setGeometry(scr.geometry())
            self.showFullScreen()
        else:
            self.resize(1024, 600)
            self.show()

    def render(self, ctl) -> None:
        st = ctl.state if ctl is not None else S.IDLE
        person = ctl.person if ctl is not None else None
        s = None
        if ctl is not None:
            if st in (S.SETTLED, S.CANCELLED):
                s = ctl.settlement
            elif st in (S.PREVIEWED, S.SETTLING):
                s = ctl.preview
        self.greeting.setText((self.tr("您好，") + person.masked_name) if person is not None else self.tr("欢迎就医"))
        ins = _chosen_insurance(ctl)
        self.insurance_label.setText((self.tr("险种：") + code_name(ins.name)) if ins is not None else "")
        self.insurance_label.setVisible(ins is not None)
        idle = person is None and st == S.IDLE
        set_kind(self.greeting, "idle" if idle else "")
        set_kind(self.state_label, "idle" if idle else "")
        if s is None:
            if st == S.UNCERTAIN:
                self.state_label.setText(self.tr("正在与医保平台确认结算结果，请稍候"))
            elif person is not None:
                self.state_label.setText(self.tr("正在为您办理医保结算…"))
            else:
                self.state_label.setText(self.tr("请出示社保卡或医保码"))
            for w in (self.pay_caption, self.pay, self.rows, self.qr, self.qr_caption):
                w.setVisible(False)
            return
        self.state_label.setText({S.PREVIEWED: self.tr("请核对金额"), S.SETTLING: self.tr("正在结算，请稍候"),
                                  S.SETTLED: self.tr("结算完成，谢谢"),
                                  S.CANCELLED: self.tr("本次结算已撤销")}.get(st, ""))
        self.pay_caption.setVisible(True)
        self.pay.setVisible(True)
        self.rows.setVisible(True)
        self.pay.setText(fmt_yuan(s.psn_cash_pay))
        self.total.setText(self.tr("医疗费总额 ") + fmt_yuan(s.medfee_sumamt))
        self.fund.setText(self.tr("医保基金支付 ") + fmt_yuan(s.fund_pay_sumamt))
        self.acct.setText(self.tr("个人账户支付 ") + fmt_yuan(s.acct_pay))
        show_qr = s.psn_cash_pay > ZERO and st in (S.PREVIEWED, S.SETTLED)
        self.qr.setVisible(show_qr)
        self.qr_caption.setVisible(show_qr)
        if show_qr:
            mdtrt = ctl.visit.mdtrt_id if ctl.visit is not None else ""
            text = payment_qr_text(self.facility_code, mdtrt, s.setl_id, s.psn_cash_pay)
            if text != self._qr_for:
                self._qr_for = text
                pm = qr_pixmap(text, 300)
                self.qr.setPixmap(pm)
                self.qr.setFixedSize(pm.width() + 20, pm.height() + 20)


def _chosen_insurance(ctl):
    """The insurance the settlement is for: the cashier's choice, or the person's only one."""
    person = ctl.person if ctl is not None else None
    if person is None:
        return None
    try:
        return person.insurance(ctl.flow.insutype or None)
    except LookupError:
        return None
