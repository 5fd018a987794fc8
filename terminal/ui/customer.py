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
        self._ctl = None  # the cashier window's controller, last rendered
        self._stay = None  # the discharge desk's stay shown (terminal.core.stay_display.StayDisplay)
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

    def show_stay(self, d) -> None:
        """The discharge desk's stay (terminal.core.stay_display.StayDisplay), shown until the desk clears (Esc) or
        closes; None: back to the cashier window's patient."""
        self._stay = d
        if d is None:
            self.render(self._ctl)
            return
        self._paint_stay(d)

    def _stay_words(self) -> dict[str, str]:
        """terminal.core.stay_display's texts in the display's language (literal tr() calls: lupdate sees them)."""
        return {"正在为您办理出院结算…": self.tr("正在为您办理出院结算…"), "请核对金额": self.tr("请核对金额"),
                "正在结算，请稍候": self.tr("正在结算，请稍候"), "出院结算完成，谢谢": self.tr("出院结算完成，谢谢"),
                "您需支付（现金）": self.tr("您需支付（现金）"), "您需补缴": self.tr("您需补缴"),
                "退还您（预交金余额）": self.tr("退还您（预交金余额）"),
                "预交金正好结清，无需补缴": self.tr("预交金正好结清，无需补缴"),
                "医疗费总额": self.tr("医疗费总额"), "医保基金支付": self.tr("医保基金支付"),
                "个人账户支付": self.tr("个人账户支付"), "个人现金": self.tr("个人现金"),
                "已交预交金": self.tr("已交预交金")}

    def _paint_stay(self, d) -> None:
        words = self._stay_words()
        self.greeting.setText(self.tr("您好，") + d.name)
        set_kind(self.greeting, "")
        set_kind(self.state_label, "")
        self.state_label.setText(words.get(d.state, d.state))
        show = bool(d.caption)
        self.pay_caption.setText(words.get(d.caption, d.caption))
        self.pay.setText(d.amount)
        set_kind(self.pay, {"refund": "refund"}.get(d.kind, ""))
        for w in (self.pay_caption, self.rows):
            w.setVisible(show)
        self.pay.setVisible(show and bool(d.amount))
        sep = self.tr("，")
        rows = [sep.join(f"{words.get(label, label)} {amount}" for label, amount in line) for line in d.rows]
        for w, text in zip((self.total, self.fund, self.acct), (rows + ["", "", ""])[:3], strict=True):
            w.setText(text)
        self.qr.setVisible(False)
        self.qr_caption.setVisible(False)
        self.footer.setText(self.tr("医保基金支付部分由医保直接结算，您无需垫付"))

    def render(self, ctl) -> None:
        self._ctl = ctl
        st = ctl.state if ctl is not None else S.IDLE
        if self._stay is not None:  # the discharge desk serves the patient at the counter (until its Esc / close)
            self._paint_stay(self._stay)
            return
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
        offline = ctl is not None and getattr(getattr(ctl, "status", None), "state", "") == "offline"
        # during an outage the fund's share is not settled on the spot: never tell the patient otherwise
        self.footer.setText(self.tr("医保平台暂不可用：可能需先全额支付，平台恢复后退还医保支付部分") if offline
                            else self.tr("医保基金支付部分由医保直接结算，您无需垫付"))
        parked = getattr(ctl, "parked_shown", None) if ctl is not None and st == S.IDLE else None
        if parked is not None:
            self.greeting.setText(self.tr("医保平台暂不可用"))
            set_kind(self.greeting, "")
            set_kind(self.state_label, "")
            self.state_label.setText(self.tr("本次按全额收费，请保留凭条"))
            self.pay_caption.setText(self.tr("您需支付（全额）"))
            self.pay.setText(fmt_yuan(parked.total))
            set_kind(self.pay, "")
            self.total.setText(self.tr("补结算编号 ") + parked.park_id)
            self.fund.setText(self.tr("平台恢复后自动补办医保结算"))
            self.acct.setText(self.tr("医保应付部分凭此凭条退还给您"))
            self.footer.setText(self.tr("医保平台暂不可用：本次先全额支付，平台恢复后退还医保支付部分"))
            for w in (self.pay_caption, self.pay, self.rows):
                w.setVisible(True)
            self.qr.setVisible(False)
            self.qr_caption.setVisible(False)
            return
        if s is None:
            refused = getattr(ctl, "refused", "") if ctl is not None else ""
            if refused and person is not None:
                self.footer.setText(self.tr("医保暂不能使用：自费结算时费用由您全额支付"))
                self.state_label.setText(self.tr("您的医保暂不能使用（%1）。\n可选择自费结算，或联系参保地医保经办机构。"
                                                 "请咨询收费员").replace("%1", refused.split("：")[-1]))
            elif st == S.IDLE and person is None and ctl is not None and getattr(ctl, "card_left", None) is not None:
                self.state_label.setText(self.tr("请取回您的社保卡"))
            elif st == S.UNCERTAIN:
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
        self.pay_caption.setText(self.tr("您需支付（现金）"))
        set_kind(self.pay, "")
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
