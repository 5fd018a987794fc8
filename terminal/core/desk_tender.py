"""The desk's till: the tender (收款) of the settlement on the desk, the refund (退款) of a cancelled one by its
original tender, and the self-pay checkout (自费) of a person the platform refuses. No Qt, no I/O.

After a 2207 the desk rests in ``settled`` with the cash share due; the first line taken moves it to ``tender``,
the last one (the lines cover the amount) to ``done``: the tender is recorded and the receipt printed. At 0.00
there is nothing to collect and the desk may go on at once. Exact cash is one key: Enter with the amount field as
it opens (the amount due, cash). Non-cash methods go through a payment provider (``PaymentPort``: drivers.payment)
in the desk's runner, off the desk's thread.

The view is told through optional methods (``tender_changed``, ``tendered``, ``refund_opened``, ``refunded``,
``self_paid``): a view without them still drives the desk.
"""
from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from .desk_ports import Work
from .errors import user_message_of
from .flow import State
from .money import ZERO, fmt_yuan
from .refunds import refund_amounts
from .tender import (CASH, METHODS, NEEDS_CODE, NEEDS_NOTHING, NEEDS_REFERENCE, REFUND, PaymentTimeout, Tender,
                     TenderError, TenderLine, method_name, parse_tendered, refund_plan)

if TYPE_CHECKING:  # pragma: no cover
    from .desk_base import DeskCore

log = logging.getLogger(__name__)
S = State


class PaymentPort(Protocol):
    """drivers.payment.PaymentProvider as the desk sees it (results carry method, amount, reference)."""

    def needs(self, method: str) -> str: ...

    def charge(self, method: str, amount: Decimal, *, code: str = "", reference: str = "", order: str = "") -> Any: ...

    def refund(self, method: str, amount: Decimal, *, reference: str = "", order: str = "",
               refund_reference: str = "") -> Any: ...


class CashOnly:
    """No provider configured: cash only (non-cash methods are refused with the reason)."""

    def needs(self, method: str) -> str:
        return NEEDS_NOTHING if method == CASH else NEEDS_REFERENCE

    def charge(self, method: str, amount: Decimal, **_kw: str) -> Any:
        raise TenderError(f"未配置收款设备，不能收{method_name(method)}", next_step="请收现金")

    def refund(self, method: str, amount: Decimal, **_kw: str) -> Any:
        raise TenderError(f"未配置收款设备，不能退{method_name(method)}", next_step="请退现金")


@dataclass
class RefundJob:
    """A cancelled settlement's refund: what goes back by which method (``plan``), and what has gone back."""

    msgid: str
    setl_id: str
    amount: Decimal
    reason: str
    supervisor: str
    plan: list[TenderLine]
    tender: Tender = field(init=False)
    receipt: Any = None  # the cancelled settlement's receipt (the refund slip names it)

    def __post_init__(self) -> None:
        self.tender = Tender(self.amount, kind=REFUND)

    @property
    def next_line(self) -> TenderLine | None:
        n = len(self.tender.lines)
        return self.plan[n] if n < len(self.plan) else None

    @property
    def complete(self) -> bool:
        return self.tender.complete


_self_seq = itertools.count(1)


class Till:
    def __init__(self, desk: DeskCore, methods: list[str] | None = None, provider: PaymentPort | None = None):
        self.desk = desk
        self.methods = [m for m in (methods or list(METHODS)) if m in METHODS] or [CASH]
        self.provider: PaymentPort = provider or CashOnly()
        self.tender: Tender | None = None
        self.method = self.methods[0]
        self.recorded = False  # the tender of the settlement on the desk went to the journal
        #: how many of the open tender's lines are in the journal already: an electronic line is recorded as soon
        #: as the money moved (a crash before the tender completes must not lose it); the rest when complete
        self.saved = 0
        self.self_pay = False  # the open tender is a self-pay checkout (no settlement)
        self.self_msgid = ""
        self.refund: RefundJob | None = None
        self.last_result = ""  # the last line's outcome as the cashier read it (tests, the display)
        #: the platform refused this patient's bill (2201..2206: no entitlement ...): self-pay is offered
        self.refused_text = ""

    def tr(self, text: str) -> str:
        return self.desk.translate("Till", text)

    def mname(self, method: str) -> str:
        """A method's name in the cashier's language (static texts: the translation tools extract them)."""
        names = {"cash": self.tr("现金"), "card": self.tr("银行卡"), "wechat": self.tr("微信支付"),
                 "alipay": self.tr("支付宝"), "unionpay": self.tr("云闪付"), "other": self.tr("其他")}
        return names.get(method, method_name(method))

    def _tell(self, name: str, *args: Any) -> None:
        fn: Callable[..., None] | None = getattr(self.desk.view, name, None)
        if fn is not None:
            fn(*args)
        self.desk.view.redraw()

    # state ---------------------------------------------------------------------------------------------
    @property
    def due_open(self) -> bool:
        """Money is still to be collected for what is on the desk."""
        return self.tender is not None and not self.tender.complete

    @property
    def change(self) -> Decimal:
        return self.tender.change if self.tender is not None else ZERO

    def may_leave(self) -> bool:
        """May the desk go on to the next patient? Says why not. A self-pay checkout with nothing taken yet (the
        patient would not pay) is abandoned here (``abandon_self_pay``): nothing was settled, nothing is owed."""
        t = self.tender
        if t is not None and not t.complete and self.self_pay and not t.lines:
            self.abandon_self_pay()
            return True
        if t is not None and not t.complete and self.self_pay:
            self.desk.say("warn", self.tr("自费收款未完成：还需收 %1。请按 F9 收齐；现金可按 Ctrl+Z 撤回后放弃")
                          .replace("%1", fmt_yuan(t.remaining)))
            return False
        if t is not None and not t.complete:
            self.desk.say("warn", self.tr("尚未收款 %1：请按 F9 收款（Enter 现金收齐），或按 F10 撤销结算")
                          .replace("%1", fmt_yuan(t.remaining)))
            return False
        if self.refund is not None and not self.refund.complete:
            left = fmt_yuan(self.refund.tender.remaining)
            self.desk.say("warn", self.tr("退款未完成：请先退还患者 %1").replace("%1", left))
            return False
        return True

    def abandon_self_pay(self) -> None:
        """The patient left a self-pay checkout before paying anything: the checkout goes (logged: the tender
        journal holds money taken, and none was), the patient and the bill stay."""
        t = self.tender
        if t is None or not self.self_pay or t.lines:
            return
        msgid, due = self.self_msgid, t.due
        refused = self.refused_text
        self.reset()
        self.refused_text = refused
        log.info("self-pay checkout %s abandoned (%s due, nothing taken)", msgid, due)
        self.desk.say("info", self.tr("已放弃自费收款 %1（未收款）").replace("%1", fmt_yuan(due)))
        self.desk.view.redraw()

    def reset(self) -> None:
        """The next patient (or a new tender): a finished refund goes too, an open one stays."""
        if self.refund is not None and self.refund.complete:
            self.refund = None
        self.tender, self.recorded, self.self_pay, self.self_msgid = None, False, False, ""
        self.saved = 0
        self.refused_text = ""
        self.method = self.methods[0]
        self.last_result = ""

    def needs(self, method: str | None = None) -> str:
        return self.provider.needs(method or self.method)

    # opening ------------------------------------------------------------------------------------------------
    def open_for_settlement(self, cash: Decimal) -> None:
        """The 2207 answered: the cash share is due (0.00: nothing to collect, the receipt prints at once)."""
        self.reset()
        self.tender = Tender(cash)
        if self.tender.nothing_to_collect:
            self.last_result = self.tr("无需收款")
            self.recorded = True
            self._tell("tendered", self.tender)
        else:
            self._tell("tender_changed")

    def open_self_pay(self, total: Decimal) -> bool:
        """自费: the full bill, no platform call. Only for a person the platform refuses (or no person)."""
        refused = self.refused_text
        self.reset()
        self.refused_text = refused
        self.self_pay = True
        self.self_msgid = f"SELF{time.strftime('%Y%m%d%H%M%S')}{next(_self_seq):04d}"
        self.tender = Tender(total)
        self._tell("tender_changed")
        return True

    def choose(self, method: str) -> None:
        if method in self.methods and self.tender is not None and not self.tender.complete:
            self.method = method
            self.desk.view.redraw()

    def step_method(self, delta: int) -> None:
        i = self.methods.index(self.method) if self.method in self.methods else 0
        self.choose(self.methods[(i + delta) % len(self.methods)])

    # taking a line ---------------------------------------------------------------------------------------------
    def take(self, amount_text: str = "", reference: str = "", code: str = "") -> bool:
        """Enter: take a line of the open tender with the chosen method. Empty amount: what remains. Cash is taken
        at once (over-tendered: change); a non-cash line goes to the provider (a payment code or a reference).
        Returns True when something was taken or started."""
        t = self.tender
        if t is None or t.complete:
            return False
        if self.desk.busy:
            self.desk.say("warn", self.tr("请等待当前操作完成"))
            return False
        try:
            amount = parse_tendered(amount_text)
            method = self.method
            if method == CASH:
                line = t.add(CASH, amount)
                self._line_taken(line)
                return True
            amt = t.remaining if amount is None else amount
            if amt > t.remaining:
                raise TenderError(self.tr("%1 只能收取待收金额 %2").replace("%1", self.mname(method))
                                  .replace("%2", fmt_yuan(t.remaining)))
            needs = self.provider.needs(method)
            if needs == NEEDS_CODE and not code:
                self.desk.say("info", self.tr("请扫描患者的付款码（%1 %2）").replace("%1", self.mname(method))
                              .replace("%2", fmt_yuan(amt)))
                return False
        except TenderError as e:
            self.desk.say("error", user_message_of(e))
            self.desk.view.redraw()
            return False
        self._charge(method, amt, code=code, reference=reference)
        return True

    def scanned_code(self, code: str, amount_text: str = "") -> bool:
        """The patient's payment code came from the scanner while the tender is open: charge it (the wallet is
        the code's)."""
        if self.tender is None or self.tender.complete:
            return False
        if self.provider.needs("wechat") != NEEDS_CODE:
            self.desk.say("warn", self.tr("本机不直接受理付款码：请在医院收款设备上扫码，再录入小票参考号"))
            return False
        if self.method == CASH or self.provider.needs(self.method) != NEEDS_CODE:
            wallet = "alipay" if code[:2] in {"25", "26", "27", "28", "29", "30"} else "wechat"
            if wallet in self.methods:
                self.method = wallet
        return self.take(amount_text, code=code)

    def _charge(self, method: str, amount: Decimal, *, code: str = "", reference: str = "") -> None:
        t = self.tender
        assert t is not None
        order = self.self_msgid or (self.desk.visit.settle_msgid if self.desk.visit is not None else "")
        provider = self.provider

        def ok(res: Any) -> None:
            if self.tender is not t or t.complete:
                return
            try:
                line = t.add(res.method, res.amount, reference=res.reference)
            except TenderError as e:  # the provider took another amount than asked: tell, never drop it
                log.error("payment result does not fit the tender: %s", e)
                self.desk.say("error", user_message_of(e))
                return
            self._line_taken(line)

        def fail(err: BaseException) -> None:
            text = user_message_of(err)
            level = "error"
            if isinstance(err, PaymentTimeout):
                text = self.tr("支付结果未知：") + text
            self.last_result = text
            self.desk.say(level, text)

        def late(res: Any, err: BaseException | None) -> None:
            if err is None and res is not None:
                ok(res)
            elif err is not None:
                fail(err)
            self.desk.view.redraw()

        label = self.tr("%1收款 %2").replace("%1", self.mname(method)).replace("%2", fmt_yuan(amount))
        self.desk._start(Work(label, "pay", lambda: provider.charge(method, amount, code=code, reference=reference,
                                                                     order=order), ok, fail, late))

    def _line_taken(self, line: TenderLine) -> None:
        t = self.tender
        assert t is not None
        ref = f"（{line.reference}）" if line.reference else ""
        if line.method == CASH and line.change > ZERO:
            self.last_result = self.tr("实收 %1，找零 %2").replace("%1", fmt_yuan(line.tendered)) \
                .replace("%2", fmt_yuan(line.change))
        else:
            self.last_result = self.tr("已收 %1 %2").replace("%1", self.mname(line.method)) \
                .replace("%2", fmt_yuan(line.amount)) + ref
        if not self.self_pay and self.desk.state == S.SETTLED:
            self.desk.flow.tender()
        if line.method != CASH and not t.complete:
            save = getattr(self.desk.view, "record_tender_lines", None)
            if save is not None:
                save(t.lines[self.saved:], self.self_msgid)
                self.saved = len(t.lines)
        if t.complete:
            if not self.self_pay:
                self.desk.flow.tendered()
            self.method = self.methods[0]
            self.desk.say("ok", self.tr("收款完成。") + self.last_result + self.tr("。Esc 下一位"))
            self.recorded = True
            self._tell("self_paid" if self.self_pay else "tendered", t)
        else:
            self.method = CASH if CASH in self.methods else self.method
            self.desk.say("ok", self.last_result + self.tr("；还需收 %1").replace("%1", fmt_yuan(t.remaining)))
            self._tell("tender_changed")

    def undo(self) -> bool:
        """Take back the last cash line (an electronic one moved money: it goes back by cancelling)."""
        t = self.tender
        if t is None or t.complete or not t.lines:
            return False
        if t.lines[-1].method != CASH or len(t.lines) <= self.saved:
            self.desk.say("warn", self.tr("电子支付已扣款，不能撤回；请完成收款后按 F10 撤销并原路退款"))
            return False
        t.undo()
        self.desk.say("info", self.tr("已撤回上一笔现金，待收 %1").replace("%1", fmt_yuan(t.remaining)))
        self._tell("tender_changed")
        return True

    # self-pay (自费) --------------------------------------------------------------------------------------------
    def platform_refused(self, fault: Any) -> None:
        """The platform refused the bill (a business refusal: nothing booked): self-pay becomes possible."""
        if getattr(getattr(fault, "kind", None), "value", "") == "refused" and self.desk.items:
            self.refused_text = str(getattr(fault, "text", "") or "")
            self.desk.say("error", self.desk.last_message[1] + self.tr("；患者同意自费时按 Ctrl+F9 自费收款"))

    def can_self_pay(self) -> bool:
        """A person the platform refuses (suspended insurance; no entitlement: 1101 or the bill refused), with a
        bill."""
        d = self.desk
        if d.busy or d.state not in (S.IDLE, S.IDENTIFIED, S.BILLED) or not d.items:
            return False
        p = d.flow.person
        refused = self.refused_text or str(getattr(d, "refused", "") or "")  # the desk's verdict (core/desk_patient)
        return bool(refused) or (p is not None and not any(i.active for i in p.insurances))

    def start_self_pay(self) -> bool:
        """自费 (Ctrl+F9): the whole bill is paid by the patient, no platform call; the tender, then a self-pay
        receipt, then the next patient."""
        d = self.desk
        if self.due_open:
            self._tell("tender_changed")
            return True
        if not self.can_self_pay():
            if d.items and d.flow.person is not None and d.state in (S.IDENTIFIED, S.BILLED, S.PREVIEWED):
                d.say("warn", self.tr("该参保人可以医保结算（F5 / F9）；自费收款只用于平台拒绝的人员"))
            elif not d.items:
                d.say("warn", self.tr("请先录入费用"))
            else:
                d.say("warn", self.tr("当前状态不能自费收款"))
            return False
        total = d.bill_total
        d.say("warn", self.tr("自费收款（不经医保）：请收 %1").replace("%1", fmt_yuan(total)))
        return self.open_self_pay(total)

    # refund ------------------------------------------------------------------------------------------------------
    def after_cancel(self, target: Any, s: Any, current: bool, supervisor: str, reason: str) -> None:
        """A 2208 went through: what the patient paid goes back by the original tender: the till's lines when it
        is the settlement on the desk (recorded first when its tender was still open), else the journal's."""
        msgid = getattr(target, "msgid", "") or ""
        if current and self.tender is not None:
            t = self.tender
            lines, amount = list(t.lines), t.paid
            if lines and not self.recorded:
                partial = getattr(self.desk.view, "record_partial_tender", None)
                if partial is not None:
                    partial(t)
            self.reset()
            if amount <= ZERO and not t.nothing_to_collect:
                self.desk.say("ok", self.desk.last_message[1] + self.tr("。本笔尚未收款，无需退还现金"))
        else:
            lines = list(getattr(self.desk.view, "original_tender", lambda _t: [])(target) or [])
            amount = sum((ln.amount for ln in lines), ZERO) if lines else abs(refund_amounts(s)["psn_cash_pay"])
        self.open_refund(msgid=msgid, setl_id=target.setl_id, amount=amount, original=lines, reason=reason,
                         supervisor=supervisor, receipt=target)

    def open_refund(self, *, msgid: str, setl_id: str, amount: Decimal, original: list[TenderLine], reason: str,
                    supervisor: str, receipt: Any = None) -> RefundJob | None:
        """A cancellation went through: the cash share goes back by the original tender (0.00: nothing to do)."""
        if amount <= ZERO:
            return None
        job = RefundJob(msgid, setl_id, amount, reason, supervisor, refund_plan(original, amount), receipt=receipt)
        self.refund = job
        self._tell("refund_opened", job)
        return job

    def refund_next(self, refund_reference: str = "") -> bool:
        """Enter on the refund: the next line goes back (cash: the cashier hands it over; electronic: by the
        provider, to the original payment; a POS line needs the refund slip's reference)."""
        job = self.refund
        if job is None or job.complete:
            return False
        if self.desk.busy:
            self.desk.say("warn", self.tr("请等待当前操作完成"))
            return False
        line = job.next_line
        assert line is not None
        if line.method == CASH:
            self._refund_taken(job, job.tender.add(CASH, line.amount))
            return True
        provider = self.provider

        def ok(res: Any) -> None:
            try:
                taken = job.tender.add(line.method, res.amount, reference=res.reference)
            except TenderError as e:
                self.desk.say("error", user_message_of(e))
                return
            self._refund_taken(job, taken)

        def fail(err: BaseException) -> None:
            self.desk.say("error", self.tr("退款未成功：") + user_message_of(err))

        self.desk._start(Work(self.tr("%1退款 %2").replace("%1", self.mname(line.method))
                              .replace("%2", fmt_yuan(line.amount)), "refund",
                              lambda: provider.refund(line.method, line.amount, reference=line.reference,
                                                      order=job.msgid, refund_reference=refund_reference),
                              ok, fail))
        return True

    def refund_in_cash(self) -> bool:
        """The original method cannot take the refund (declined, no provider): the rest goes back in cash."""
        job = self.refund
        if job is None or job.complete or self.desk.busy:
            return False
        n = len(job.tender.lines)
        job.plan[n:] = [TenderLine(CASH, job.tender.remaining, job.tender.remaining)]
        self.desk.say("info", self.tr("改为现金退还 %1").replace("%1", fmt_yuan(job.tender.remaining)))
        self._tell("refund_opened", job)
        return True

    def _refund_taken(self, job: RefundJob, line: TenderLine) -> None:
        how = self.tr("已退还现金 %1") if line.method == CASH else self.tr("已原路退回%2 %1")
        self.last_result = how.replace("%1", fmt_yuan(line.amount)).replace("%2", self.mname(line.method))
        if job.complete:
            self.desk.say("ok", self.tr("退款完成：") + self.last_result)
            self._tell("refunded", job)
        else:
            self.desk.say("ok", self.last_result)
            self._tell("refund_opened", job)

    def close_refund(self) -> None:
        """The cashier closed the finished refund (it stays on the customer display until the next patient)."""
        self.desk.view.redraw()
