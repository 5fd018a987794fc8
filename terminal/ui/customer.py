"""The customer-facing display: a second top-level window (on the second screen when there is one).

Shows the patient what they pay (huge) and by which method, what the fund pays, the change, what is paid back
after a cancellation ("退还您 ¥…"), and a self-pay checkout. A payment QR only when a payment provider gives one a
wallet can really pay (none does today: the hospital's POS shows its own). Nothing private beyond the masked name.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from terminal.core.flow import State
from terminal.core.money import ZERO, fmt_yuan

from .codenames import name as code_name
from .qr import qr_pixmap
from .tender import method_name
from .widgets import set_kind

S = State


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
        self.qr_caption = QLabel(self.tr("请用手机扫码支付"))
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
        till = getattr(ctl, "till", None)
        s = None
        if ctl is not None:
            if st in (S.SETTLED, S.TENDER, S.DONE, S.CANCELLED):
                s = ctl.settlement
            elif st in (S.PREVIEWED, S.SETTLING):
                s = ctl.preview
        self.greeting.setText((self.tr("您好，") + person.masked_name) if person is not None else self.tr("欢迎就医"))
        ins = _chosen_insurance(ctl)
        chronic = ctl.chronic.chosen if hasattr(ctl, "chronic") else None  # 门诊慢特病: the disease, both lines
        self.insurance_label.setText(((self.tr("险种：") + code_name(ins.name)) if ins is not None else "") + (
            "\n" + self.tr("门诊慢特病：") + chronic.label if chronic is not None else ""))
        self.insurance_label.setVisible(ins is not None or chronic is not None)
        idle = person is None and st == S.IDLE
        set_kind(self.greeting, "idle" if idle else "")
        set_kind(self.state_label, "idle" if idle else "")
        self.footer.setVisible(True)
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
        self._show_qr(getattr(till, "qr", "") if till is not None else "")
        refund = till.refund if till is not None else None
        if refund is not None:  # a cancellation's refund (this patient's or an earlier one from the journal)
            self.state_label.setText(self.tr("本次结算已撤销") if refund.complete or st == S.CANCELLED
                                     else self.tr("正在为您办理退款"))
            self._pay(self.tr("已退还您") if refund.complete else self.tr("退还您"), refund.amount)
            self._rows(None)
            return
        if till is not None and till.self_pay and till.tender is not None:
            t = till.tender
            self.state_label.setText(self.tr("本次为自费收费，不经医保结算"))
            self._pay(self.tr("请支付（%1）").replace("%1", method_name(till.method)) if not t.lines
                      else self.tr("还需支付"), t.remaining)
            self._rows(None, total=t.due)
            self.footer.setVisible(False)
            return
        if s is None:
            checkout = getattr(ctl, "last_checkout", None) if st == S.IDLE else None
            if checkout is not None:
                total, change = checkout
                self.state_label.setText(self.tr("自费收款完成，谢谢"))
                self._pay(self.tr("找零") if change > ZERO else self.tr("您已支付"), change if change > ZERO else total)
                self._rows(None, total=total)
                self.footer.setVisible(False)
                return
            refused = (getattr(ctl, "refused", "") if ctl is not None else "") or getattr(till, "refused_text", "")
            if person is not None and (refused or (person.insurances and
                                                   not any(i.active for i in person.insurances))):
                why = (refused.split("：")[-1] if refused else "") or person.insurances[0].status_name \
                    or self.tr("参保状态异常")
                self.state_label.setText(self.tr("您的医保暂不能使用（%1），不能结算。\n可选择自费结算，或联系参保地"
                                                 "医保经办机构。请咨询收费员").replace("%1", why))
                self.footer.setText(self.tr("医保暂不能使用：自费结算时费用由您全额支付"))
                self._pay("", None)
                self._rows(None, total=ctl.bill_total if ctl.items else None)
                return
            if st == S.IDLE and person is None and ctl is not None and getattr(ctl, "card_left", None) is not None:
                self.state_label.setText(self.tr("请取回您的社保卡"))
            elif st == S.UNCERTAIN:
                self.state_label.setText(self.tr("正在与医保平台确认结算结果，请稍候"))
            elif person is not None:
                self.state_label.setText(self.tr("正在为您办理医保结算…"))
            else:
                self.state_label.setText(self.tr("请出示社保卡或医保码"))
            self._pay("", None)
            self._rows(None)
            return
        t = till.tender if till is not None else None
        if st == S.CANCELLED:
            self.state_label.setText(self.tr("本次结算已撤销"))
            self._pay(self.tr("无需退还现金"), ZERO)
        elif st in (S.SETTLED, S.TENDER) and t is not None and not t.complete:
            self.state_label.setText(self.tr("医保结算完成，请付款"))
            caption = self.tr("请支付（%1）") if not t.lines else self.tr("还需支付（%1）")
            self._pay(caption.replace("%1", method_name(till.method)), t.remaining)
        elif st in (S.SETTLED, S.DONE) and t is not None:
            self.state_label.setText(self.tr("结算完成，谢谢"))
            if t.nothing_to_collect:
                self._pay(self.tr("您无需支付现金"), ZERO)
            elif t.change > ZERO:
                self._pay(self.tr("找零"), t.change)
            else:
                self._pay(self.tr("您已支付"), t.paid)
        else:
            self.state_label.setText({S.PREVIEWED: self.tr("请核对金额"), S.SETTLING: self.tr("正在结算，请稍候"),
                                      S.SETTLED: self.tr("结算完成，谢谢")}.get(st, ""))
            self._pay(self.tr("您需支付"), s.psn_cash_pay)
        self._rows(s)

    def _pay(self, caption: str, amount) -> None:
        shown = amount is not None
        self.pay_caption.setVisible(shown)
        self.pay.setVisible(shown)
        if shown:
            self.pay_caption.setText(caption)
            self.pay.setText(fmt_yuan(amount))

    def _rows(self, s, total=None) -> None:
        self.rows.setVisible(s is not None or total is not None)
        if s is not None:
            self.total.setText(self.tr("医疗费总额 ") + fmt_yuan(s.medfee_sumamt))
            self.fund.setText(self.tr("医保基金支付 ") + fmt_yuan(s.fund_pay_sumamt))
            self.acct.setText(self.tr("个人账户支付 ") + fmt_yuan(s.acct_pay))
        elif total is not None:
            self.total.setText(self.tr("医疗费总额 ") + fmt_yuan(total))
            self.fund.setText(self.tr("医保基金支付 ") + fmt_yuan(ZERO))
            self.acct.setText("")
        self.fund.setVisible(s is not None or total is not None)
        self.acct.setVisible(s is not None)

    def _show_qr(self, text: str) -> None:
        """A QR only when the payment provider gave one a wallet can pay; none otherwise."""
        self.qr.setVisible(bool(text))
        self.qr_caption.setVisible(bool(text))
        if text and text != self._qr_for:
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
