"""Settlement answers (setlinfo/setldetail of 2206/2207/2208, 2303/2304/2305) taken only as they are.

An amount with more than two decimals, a fund share with the wrong sign (negative in a settlement, positive in
a cancellation) or a breakdown whose identities do not hold is never rounded or repaired: it is an
:class:`UnusableAmounts` answer. For the money-moving transactions (2207/2208/2304/2305) the outcome is then
unknown and the caller takes the uncertain/reversal path; for a pre-settlement (2206/2303) nothing was booked
and the cashier gets a message, not a crash.
"""
from __future__ import annotations

from typing import Any

from terminal.core.models import Settlement
from terminal.core.protocol import MONEY_MOVING

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
