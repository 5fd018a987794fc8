"""Settlement answers (setlinfo/setldetail of 2206/2207/2208, 2303/2304/2305) taken only as they are.

An amount with more than two decimals, a fund share with the wrong sign (negative in a settlement, positive in
a cancellation) or a breakdown whose identities do not hold is never rounded or repaired: it is an
:class:`UnusableAmounts` answer. For the money-moving transactions (2207/2208/2304/2305) the outcome is then
unknown and the caller takes the uncertain/reversal path; for a pre-settlement (2206/2303) nothing was booked
and the cashier gets a message, not a crash.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from terminal.core.models import Settlement
from terminal.core.protocol import CANCELLING, MONEY_MOVING

from .errors import MalformedAnswer


class UnusableAmounts(MalformedAnswer):
    """A settlement answer whose amounts cannot be taken as they are (see the module docstring)."""

    @property
    def user_message(self) -> str:
        if self.outcome_unknown:
            return (f"医保平台的结算应答金额有误（{self}）：结算结果未知，系统将自动冲正，完成后请重新结算；"
                    "如反复出现请联系信息科")
        return (f"医保平台的预结算应答金额有误（{self}），未记账、未扣费：请重新预结算；"
                "如仍出现请联系信息科核对医保接口")


def settlement_of(output: dict[str, Any], *, infno: str, msgid: str = "", preview: bool = False,
                  cancel: bool = False) -> Settlement:
    """Parse and check a settlement answer's output; UnusableAmounts (outcome unknown for money-moving
    transactions) when its amounts are not usable."""
    try:
        return Settlement.from_wire(output, preview=preview).check(cancel=cancel)
    except ValueError as e:
        what = "预结算" if preview else "撤销结算" if cancel else "结算"
        raise UnusableAmounts(f"{infno} {what}应答: {e}", infno=infno, msgid=msgid,
                              money_moving=infno[:4] in MONEY_MOVING) from e


#: what a money-moving answer must carry: a settlement without its id or its total is no settlement (the other
#: amounts may be left out when zero, as platforms do; the identities then still have to hold)
REQUIRED_SETL_FIELDS = ("setl_id", "medfee_sumamt")


def check_booking(infno: str, msgid: str, request_input: Any, output: Any) -> Settlement | None:
    """The answer to a money-moving message (2207/2208/2304/2305), checked before the journal records it, so
    that an unusable one is journaled as uncertain with its reversal in the same transaction (never 'answered'
    first and reversed later: a crash in between would leave it booked and unseen). Besides
    :func:`settlement_of`: setl_id and medfee_sumamt must be present, and a settlement's total must be the total
    it was asked for (a partial answer must not read as a 0.00 settlement). None for other transactions."""
    code = infno[:4]
    if code not in MONEY_MOVING:
        return None
    cancel = code in CANCELLING
    setl = output.get("setlinfo") if isinstance(output, dict) else None
    if not isinstance(setl, dict):
        raise UnusableAmounts(f"{infno} 应答缺少 setlinfo", infno=infno, msgid=msgid, money_moving=True)
    missing = [k for k in REQUIRED_SETL_FIELDS if setl.get(k) in (None, "")]
    if missing:
        raise UnusableAmounts(f"{infno} 应答缺少 {', '.join(missing)}", infno=infno, msgid=msgid, money_moving=True)
    s = settlement_of(output, infno=infno, msgid=msgid, cancel=cancel)
    data = request_input.get("data") if isinstance(request_input, dict) else None
    asked = data.get("medfee_sumamt") if isinstance(data, dict) and not cancel else None
    if asked not in (None, ""):
        try:
            want = Decimal(str(asked))
        except InvalidOperation:
            want = None
        if want is not None and s.medfee_sumamt != want:
            raise UnusableAmounts(f"{infno} 应答医疗费总额 {s.medfee_sumamt} 与请求的 {want} 不一致", infno=infno,
                                  msgid=msgid, money_moving=True)
    return s
