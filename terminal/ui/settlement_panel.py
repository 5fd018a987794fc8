"""The main window's right-hand side: what to do next, the pre-settlement breakdown, the result, or the
uncertain settlement and its reversal. It renders the controller's state; intents go back to the controller."""
from __future__ import annotations

import html
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from terminal.core.flow import State
from terminal.core.money import ZERO, fmt_yuan

from .widgets import AmountGrid, set_kind

S = State


class SettlementPanel(QStackedWidget):
    """Right side: what to do next (idle), the pre-settlement breakdown, the result, or the uncertain state."""

    reprint_requested = Signal()
    retry_reversal_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("settlementPanel")
        # idle ---------------------------------------------------------------------------------------
        self.idle = QFrame()
        self.idle.setObjectName("idlePage")
        il = QVBoxLayout(self.idle)
        il.setContentsMargins(20, 20, 20, 20)
        self.idle_title = QLabel(self.tr("下一位"))
        self.idle_title.setObjectName("pageTitle")
        self.steps = QLabel()
        self.steps.setObjectName("steps")
        self.steps.setWordWrap(True)
        self.steps.setTextFormat(Qt.TextFormat.RichText)
        il.addWidget(self.idle_title)
        il.addWidget(self.steps)
        il.addStretch(1)
        self.addWidget(self.idle)
        # preview / result ------------------------------------------------------------------------------
        self.result = QFrame()
        self.result.setObjectName("resultPage")
        rl = QVBoxLayout(self.result)
        rl.setContentsMargins(16, 12, 16, 12)
        rl.setSpacing(6)
        self.result_title = QLabel()
        self.result_title.setObjectName("pageTitle")
        self.setl_id = QLabel()
        self.setl_id.setObjectName("setlId")
        self.setl_id.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        rl.addWidget(self.result_title)
        rl.addWidget(self.setl_id)
        self.grid = AmountGrid(self.result, columns=2)
        self.grid.set_rows([("", "", s) for s in ("strong", "sub", "sub", "sub", "sub", "", "strong", "sub", "sub",
                                                  "strong", "", "")])  # build the rows once, up front
        rl.addWidget(self.grid)
        self.funds = QLabel()
        self.funds.setObjectName("funds")
        self.funds.setWordWrap(True)
        rl.addWidget(self.funds)
        rl.addStretch(1)
        self.cash_caption = QLabel(self.tr("个人现金支付"))
        self.cash_caption.setObjectName("cashCaption")
        self.cash = QLabel()
        self.cash.setObjectName("cashAmount")
        self.cash.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        rl.addWidget(self.cash_caption)
        rl.addWidget(self.cash)
        self.next_hint = QLabel()
        self.next_hint.setObjectName("nextHint")
        self.next_hint.setWordWrap(True)
        rl.addWidget(self.next_hint)
        brow = QHBoxLayout()
        self.reprint = QPushButton(self.tr("重打结算单 (Ctrl+P)"))
        self.reprint.setObjectName("reprintButton")
        self.reprint.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.reprint.clicked.connect(self.reprint_requested)
        brow.addStretch(1)
        brow.addWidget(self.reprint)
        rl.addLayout(brow)
        self.addWidget(self.result)
        # uncertain --------------------------------------------------------------------------------------
        self.unc = QFrame()
        self.unc.setObjectName("uncertainPage")
        ul = QVBoxLayout(self.unc)
        ul.setContentsMargins(20, 20, 20, 20)
        ul.setSpacing(10)
        self.unc_title = QLabel(self.tr("结算结果未知"))
        self.unc_title.setObjectName("uncertainTitle")
        self.unc_text = QLabel()
        self.unc_text.setObjectName("uncertainText")
        self.unc_text.setWordWrap(True)
        self.unc_state = QLabel()
        self.unc_state.setObjectName("uncertainState")
        self.unc_state.setWordWrap(True)
        self.retry = QPushButton(self.tr("立即重试冲正"))
        self.retry.setObjectName("retryReversalButton")
        self.retry.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.retry.clicked.connect(self.retry_reversal_requested)
        ul.addWidget(self.unc_title)
        ul.addWidget(self.unc_text)
        ul.addWidget(self.unc_state)
        ul.addWidget(self.retry, 0, Qt.AlignmentFlag.AlignLeft)
        ul.addStretch(1)
        self.addWidget(self.unc)

    #: the bill step's words when the window is not the hospital's cashier (ui/pharmacy.py: the counter's scans)
    bill_step = ""

    def _steps_html(self, ctl) -> str:
        st = ctl.state
        have_person = ctl.person is not None
        steps = [
            (have_person, self.tr("识别参保人：F1 读社保卡 · F2 医保码 · F3 身份证号")),
            (bool(ctl.items), self.bill_step or self.tr("录入费用：F4 加项目 · Ctrl+O 载入账单 · 扫药品条码")),
            (st in (S.PREVIEWED,), self.tr("F5 预结算，核对个人现金支付")),
            (False, self.tr("F9 结算，F9 收款（Enter 现金收齐），打印结算单")),
        ]
        out = []
        for n, (done, text) in enumerate(steps, 1):
            mark = "✔" if done else str(n)
            color = "#2e7d32" if done else "#37474f"
            out.append(f'<p style="margin:10px 0"><span style="color:{color};font-weight:bold">{mark}</span>'
                       f'&nbsp;&nbsp;{text}</p>')
        return "".join(out)

    def render(self, ctl) -> None:
        st = ctl.state
        if st == S.UNCERTAIN:
            self.setCurrentWidget(self.unc)
            self._render_uncertain(ctl)
            return
        s = None
        if st in (S.SETTLED, S.TENDER, S.DONE, S.CANCELLED):
            s = ctl.settlement
        elif st in (S.PREVIEWED, S.SETTLING):
            s = ctl.preview
        if s is None:
            self.setCurrentWidget(self.idle)
            if st == S.REVERSED and getattr(ctl, "reversal_outcome", "") == "not_booked":
                self.idle_title.setText(self.tr("平台未记账，未产生费用"))
                self.steps.setText(self.tr(
                    "<p>上一笔结算结果未知；医保平台答复从未记账此笔结算（2601：原交易不存在），"
                    "未扣款，无需冲正。</p>"
                    "<p>按 <b>F5</b> 重新预结算后再按 <b>F9</b> 结算，或按 <b>Esc</b> 接待下一位。</p>"))
            elif st == S.REVERSED:
                self.idle_title.setText(self.tr("已冲正，未产生费用"))
                self.steps.setText(self.tr(
                    "<p>上一笔结算结果未知，已通过 2601 冲正：平台已撤回此笔结算，未扣款。</p>"
                    "<p>按 <b>F5</b> 重新预结算后再按 <b>F9</b> 结算，或按 <b>Esc</b> 接待下一位。</p>"))
            elif st == S.IDLE and getattr(ctl, "parked_shown", None) is not None:
                slip = ctl.parked_shown
                self.idle_title.setText(self.tr("离线挂账：请全额收费"))
                self.steps.setText(
                    f'<p style="font-size:40pt;font-weight:bold;color:#c62828;margin:8px 0">{fmt_yuan(slip.total)}</p>'
                    + self.tr("<p>医保平台不可用，本次不经医保，按全额收费。补结算编号 <b>%1</b>，凭条已打印。</p>"
                              "<p>平台恢复后自动补结算，医保支付部分凭补结算凭条退还患者（F7 待退款）。</p>"
                              "<p>按 <b>Esc</b> 接待下一位。</p>").replace("%1", slip.park_id))
            elif getattr(ctl, "refused", ""):
                self.idle_title.setText(self.tr("不能医保结算"))
                set_kind(self.idle_title, "bad")
                self.steps.setText(
                    f"<p><b>{html.escape(ctl.refused)}</b></p>"
                    + self.tr("<p>下一步：</p><p>1. 告知患者医保暂不能使用（顾客屏已提示）。</p>"
                              "<p>2. 患者同意自费：录入费用后按 <b>Ctrl+F9</b> 自费收款（全额，不经医保）。</p>"
                              "<p>3. 否则请患者联系参保地医保经办机构核实后再来；按 <b>Esc</b> 接待下一位。</p>"))
                return
            else:
                self.idle_title.setText(self.tr("下一位") if st == S.IDLE else self.tr("办理中"))
                self.steps.setText(self._steps_html(ctl))
            set_kind(self.idle_title, "")
            return
        self.setCurrentWidget(self.result)
        titles = {S.PREVIEWED: self.tr("预结算（未记账）"), S.SETTLING: self.tr("正在结算…"),
                  S.SETTLED: self.tr("结算成功"), S.TENDER: self.tr("结算成功 · 收款中"), S.DONE: self.tr("结算成功"),
                  S.CANCELLED: self.tr("已撤销")}
        self.result_title.setText(titles.get(st, ""))
        set_kind(self.result_title, {S.SETTLED: "ok", S.TENDER: "ok", S.DONE: "ok", S.CANCELLED: "bad"}.get(st, ""))
        self.setl_id.setText(self.tr("结算ID ") + s.setl_id if s.setl_id else "")
        self.setl_id.setVisible(bool(s.setl_id))
        rows: list[tuple[str, Decimal, str]] = [
            (self.tr("医疗费总额"), s.medfee_sumamt, "strong"),
            (self.tr("全自费"), s.fulamt_ownpay_amt, "sub"),
            (self.tr("超限价自费"), s.overlmt_selfpay, "sub"),
            (self.tr("先行自付"), s.preselfpay_amt, "sub"),
            (self.tr("符合范围"), s.inscp_scp_amt, "sub"),
            (self.tr("起付线"), s.act_pay_dedc, ""),
            (self.tr("医保基金支付"), s.fund_pay_sumamt, "strong"),
            (self.tr("统筹基金"), s.hifp_pay, "sub"),
            (self.tr("大病/大额"), s.hifmi_pay + s.hifob_pay, "sub"),
            (self.tr("个人账户支付"), s.acct_pay, "strong"),
            (self.tr("医院负担"), s.hosp_part_amt, ""),
            (self.tr("账户余额"), s.balc, ""),
        ]
        self.grid.set_rows(rows)
        funds = [f"{d.fund_pay_type_name} {fmt_yuan(d.fund_payamt)}" for d in s.details if d.fund_payamt != ZERO]
        self.funds.setText(self.tr("基金明细：") + "；".join(funds) if funds else "")
        self.funds.setVisible(bool(funds))
        self.cash.setText(fmt_yuan(s.psn_cash_pay))
        set_kind(self.cash, "settled" if st in (S.SETTLED, S.TENDER, S.DONE) else
                 ("cancelled" if st == S.CANCELLED else ""))
        hints = {S.PREVIEWED: self.tr("核对无误后按 F9 结算；Esc 返回修改账单"),
                 S.SETTLING: self.tr("正在等待医保平台应答，请勿离开"),
                 S.SETTLED: self.tr("请收取现金。Esc 下一位 · F10 撤销（需主管）"),
                 S.CANCELLED: self.tr("本笔结算已撤销，基金与账户支付已退回。Esc 下一位")}
        hint = hints.get(st, "")
        if st in (S.SETTLED, S.TENDER, S.DONE) and getattr(ctl, "till", None) is not None:
            from .tender import remaining_text

            hint = remaining_text(ctl) or hint
        c = getattr(ctl, "cancel_result", None)
        if st == S.CANCELLED and c is not None:
            hint = self.tr("本笔结算已撤销：") + ctl.refund_text(c) + self.tr("。Esc 下一位")
        self.next_hint.setText(hint)
        self.reprint.setVisible(st in (S.SETTLED, S.DONE, S.CANCELLED))

    def _render_uncertain(self, ctl) -> None:
        rs = ctl.reversal_state
        pr = ctl.uncertain
        if rs == "waiting":
            self.unc_title.setText(self.tr("结算结果待确认"))
            op = ctl.settle_op
            secs = f"{op.elapsed:.0f}" if op is not None else "?"
            self.unc_text.setText(self.tr("已停止等待，但结算请求已发出，绝不会重复发送。平台应答后自动处理："
                                          "成功则出票；超时或失败则自动冲正。"))
            self.unc_state.setText(self.tr("已等待 %1 秒").replace("%1", secs))
        else:
            self.unc_title.setText(self.tr("结算结果未知"))
            self.unc_text.setText((ctl.uncertain_error or "") + "\n" + self.tr(
                "不要重复结算，也不要收取现金。系统用 2601 冲正该笔结算请求，完成后重新结算。"))
            state_text = {
                "running": self.tr("正在冲正…"),
                "queued": self.tr("已转入冲正队列，等待平台恢复后自动冲正"),
                "failed": self.tr("冲正暂未成功，将自动重试"),
                "done": self.tr("冲正完成"),
            }.get(rs, "")
            if pr is not None:
                state_text += "\n" + self.tr("原报文 ") + pr.omsgid
                if pr.attempts:
                    state_text += self.tr("，已尝试 %1 次").replace("%1", str(pr.attempts))
                if pr.last_error:
                    state_text += "\n" + pr.last_error
            self.unc_state.setText(state_text)
        self.retry.setVisible(rs == "failed")
        self.retry.setEnabled(not ctl.busy)
