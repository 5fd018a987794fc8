"""Detail reconciliation (3202): what a difference between the journal and the platform's result file means,
which fixes it allows, and the reports a detail run stores."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from terminal.core.money import money

from .db import StoreDB
from .errors import StoreError

if TYPE_CHECKING:  # pragma: no cover
    from .outbox import Outbox

# What a difference means and what to do about it
#
# The platform's ledger is what the fund pays the hospital by; the journal is what the cashier collected
# by. Every action that moves money goes through the platform (2601 / 2208 through the offline queue, so
# it is journaled, retried and never sent twice); every other action only records what happened outside
# the terminal, with the supervisor and the reason. A 2207 is never re-sent to close a difference: a new
# settlement of a visit is a new transaction at the desk, after checking.
#
# kind           situation (terminal / platform)             suggested          other allowed  effect of the fix
# -------------  ------------------------------------------  -----------------  -------------  -------------------------
# only_terminal  settled here, platform never booked it or   none (check with   record_cancel  record_cancel: our row
#  (rslt 1)      reversed it: the fund will not pay; the     the agency first;                 marked reversed with the
#                patient paid only the cash share            never resend)                     note; the visit is to be
#                                                                                              settled anew
# only_terminal  our cancellation (2208) unknown to the      cancel             none           2208 of the original
#  cancel line   platform: the settlement is still booked                                      queued; the stale cancel
#                                                                                              row voided
# only_platform  booked there; the journal has the 2207      reverse            none           2601 of that msgid queued
#  (rslt 2)      message (answer lost / judged failed): the                                    (the patient was not
#                patient was not charged for it                                                charged)
# only_platform  a cancellation made outside the terminal    record_cancel      none           our settlement marked
#  cancel line   of a settlement we have                                                       cancelled, the platform's
#                                                                                              2208 recorded
# only_platform  booked by another system (HIS, another      settled_elsewhere  none           recorded; in the detail
#                desk): no message in the journal                                              file from now on
# amount         both booked, amounts differ                 none               -              acknowledged with the
#  (rslt 3)                                                  (insurance office)                detail for the insurance
#                                                                                              office
# status         platform cancelled / reversed, settled      record_cancel      none           our row cancelled /
#  (rslt 4)      here (cancelled outside, a reversal the                                       reversed with a note; the
#                terminal never saw): check the patient's                                      linked platform 2208
#                cash refund                                                                   recorded
# status         platform settled, cancelled here (our 2208  cancel             none           2208 again through the
#                never booked or reversed)                                                     queue; stale cancel row
#                                                                                              voided
#
# 'none' always records an acknowledgement (supervisor, reason); an acknowledged difference is shown as
# done on later runs while it stays the same. A re-run after the queued messages went through is clean.
# ---------------------------------------------------------------------------------------------------

DETAIL_FIELDS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")
STMT_KINDS = {"1": "only_terminal", "2": "only_platform", "3": "amount", "4": "status"}
KIND_NAMES = {"only_terminal": "仅终端有", "only_platform": "仅平台有", "amount": "金额不符", "status": "状态不符"}
ACTIONS = ("reverse", "cancel", "settled_elsewhere", "record_cancel", "resend", "none")
ACTION_NAMES = {
    "reverse": "冲正 (2601)", "cancel": "撤销结算 (2208)", "settled_elsewhere": "登记为其他系统结算",
    "record_cancel": "登记为平台已撤销/冲正", "resend": "重新发送", "none": "登记知悉（交医保经办机构核实）",
}
QUEUED_ACTIONS = ("reverse", "cancel")


class FixRefused(StoreError):
    """A fix that cannot be done (unknown difference, action not allowed for it)."""


@dataclass
class Difference:
    id: int
    kind: str
    setl_id: str
    msgid: str = ""
    mdtrt_id: str = ""
    psn_no: str = ""
    refd_setl_flag: str = "0"
    terminal: dict[str, str] | None = None  # medfee_sumamt / fund_pay_sumamt / acct_pay (2 decimals)
    platform: dict[str, str] | None = None
    plat_status: str = ""
    terminal_status: str = ""
    memo: str = ""
    clr_type: str = ""
    setl_optins: str = ""
    suggested: str = "none"
    allowed: list[str] = field(default_factory=list)
    advice: str = ""
    key: str = ""
    done_by: str = ""
    done_at: str = ""
    done_action: str = ""
    done_result: str = ""

    @property
    def open(self) -> bool:
        return not self.done_by

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d.update(kind_name=self.kind_name, suggested_name=ACTION_NAMES.get(self.suggested, self.suggested),
                 open=self.open)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Difference:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


@dataclass
class DetailGroup:
    """A 3202 group (clr_type x setl_optins): the terminal's totals, and the platform's as the result file
    implies them (the terminal's totals less what only the terminal has, plus what only the platform has)."""

    clr_type: str
    setl_optins: str
    insutypes: list[str] = field(default_factory=list)
    count: int = 0
    terminal: dict[str, str] = field(default_factory=dict)  # medfee_sumamt, fund_pay_sumamt, acct_pay, cash_payamt
    platform: dict[str, str] = field(default_factory=dict)
    platform_count: int = 0
    state: str = ""  # agreed | differences | refused
    message: str = ""
    file_qury_no: str = ""
    result_filename: str = ""
    result_bytes: int = 0
    verdict_3201: list[dict[str, str]] = field(default_factory=list)  # per insutype: state, stmt_rslt_dscr

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class DetailReport:
    day: str
    run_id: int = 0
    groups: list[DetailGroup] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)  # uncertain messages, refused groups
    filename: str = ""
    file_bytes: int = 0
    file_qury_no: str = ""
    lines: int = 0
    result_bytes: int = 0
    elapsed_ms: int = 0
    created: str = ""
    operator: str = ""

    @property
    def open_differences(self) -> list[Difference]:
        return [d for d in self.differences if d.open]

    @property
    def clean(self) -> bool:
        return not self.open_differences and not self.problems and all(g.state != "refused" for g in self.groups)

    @property
    def state(self) -> str:
        if any(g.state == "refused" for g in self.groups):
            return "refused"
        if self.open_differences:
            return "differences"
        return "problems" if self.problems else "clean"

    @property
    def summary(self) -> str:
        if not self.lines and not self.differences and not self.groups:
            return f"{self.day} 没有结算记录，无需对明细账"
        parts = []
        if self.open_differences:
            parts.append(f"{len(self.open_differences)} 笔差异待处理")
        done = len(self.differences) - len(self.open_differences)
        if done:
            parts.append(f"{done} 笔差异已处理")
        refused = [g for g in self.groups if g.state == "refused"]
        if refused:
            parts.append(f"{len(refused)} 组被平台拒绝")
        if self.problems:
            parts.append(f"{len(self.problems)} 笔结算结果未知（冲正中），未计入明细")
        if not parts:
            return f"{self.day} 明细对账一致（{self.lines} 笔，{len(self.groups)} 组）"
        return f"{self.day} 明细对账：" + "，".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {"day": self.day, "run_id": self.run_id, "clean": self.clean, "state": self.state,
                "summary": self.summary, "created": self.created, "operator": self.operator,
                "filename": self.filename, "file_bytes": self.file_bytes, "file_qury_no": self.file_qury_no,
                "lines": self.lines, "result_bytes": self.result_bytes, "elapsed_ms": self.elapsed_ms,
                "groups": [g.as_dict() for g in self.groups],
                "differences": [d.as_dict() for d in self.differences], "problems": self.problems}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DetailReport:
        rep = cls(**{k: d[k] for k in ("day", "run_id", "problems", "filename", "file_bytes", "file_qury_no",
                                         "lines", "result_bytes", "elapsed_ms", "created", "operator") if k in d})
        rep.groups = [DetailGroup(**g) for g in d.get("groups", [])]
        rep.differences = [Difference.from_dict(x) for x in d.get("differences", [])]
        return rep


@dataclass
class FixResult:
    fix_id: int
    diff_id: int
    action: str
    message: str
    queue_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def amounts(row: dict[str, Any] | None, prefix: str = "") -> dict[str, str] | None:
    if row is None:
        return None
    vals = [row.get(prefix + k) for k in DETAIL_FIELDS]
    if all(v in (None, "") for v in vals):
        return None
    return {k: f"{money(v or 0):.2f}" for k, v in zip(DETAIL_FIELDS, vals, strict=True)}


def diff_key(d: Difference) -> str:
    k = f"{d.kind}|{d.setl_id}|{d.refd_setl_flag}"
    if d.kind == "amount":  # an acknowledgement holds for these figures only
        k += "|" + ",".join((d.terminal or {}).get(f, "") for f in DETAIL_FIELDS)
        k += "|" + ",".join((d.platform or {}).get(f, "") for f in DETAIL_FIELDS)
    return k



def _journal_message(sdb: StoreDB, d: Difference) -> dict[str, Any] | None:
    """The journal's settlement message behind a platform-only line: a 2207 (2208 for a cancellation) of the
    same visit that left no booked row here (answer lost, judged failed, uncertain)."""
    infno = "2208" if d.refd_setl_flag == "1" else "2207"
    for m in sdb.rows("SELECT m.msgid, m.infno, m.state, m.resolution, m.psn_no, m.insuplc_admdvs, s.status "
                          "FROM messages m LEFT JOIN settlements s ON s.msgid = m.msgid WHERE m.mdtrt_id=? AND "
                          "substr(m.infno,1,4)=? ORDER BY m.created DESC", [d.mdtrt_id, infno]):
        if m["status"] in (None, "reversed"):
            return m
    return None


def judge(sdb: StoreDB, d: Difference) -> None:
    """The suggested action, the other allowed ones, and what to tell the supervisor (see the table above)."""
    plat = d.platform or {}
    term = d.terminal or {}
    if d.kind == "only_terminal":
        if d.refd_setl_flag == "1":
            d.suggested, d.allowed = "cancel", ["cancel", "none"]
            d.advice = (f"本终端已撤销结算 {d.setl_id}，但平台没有该撤销记录，原结算在平台仍有效（基金照付）："
                        "建议主管授权重新撤销（2208，经离线队列发送）；若已退款给患者，撤销后账目一致")
        else:
            d.suggested, d.allowed = "none", ["none", "record_cancel"]
            d.advice = (f"本终端记为已结算（总额 {term.get('medfee_sumamt', '')}，"
                        f"基金 {term.get('fund_pay_sumamt', '')}），"
                        "平台没有这笔结算（未记账或已被冲正），基金不会支付：请先向医保经办机构核实，切勿重复发送结算；"
                        "核实后选择“登记为平台已撤销/冲正”，并按新就诊重新结算或向患者补收")
    elif d.kind == "only_platform":
        m = _journal_message(sdb, d)
        if m is not None:
            d.msgid = m["msgid"]
            d.suggested, d.allowed = "reverse", ["reverse", "none"]
            d.advice = (f"平台已记账 {d.setl_id}（总额 {plat.get('medfee_sumamt', '')}），本终端报文 {m['msgid']} "
                        "未得到结果、患者未按此结算付费：建议主管授权冲正（2601，经离线队列发送）")
        elif d.refd_setl_flag == "1" and settle_row(sdb, d.mdtrt_id) is not None:
            d.suggested, d.allowed = "record_cancel", ["record_cancel", "none"]
            d.advice = (f"平台有一笔在本终端之外办理的撤销结算 {d.setl_id}（退回 {plat.get('medfee_sumamt', '')}）："
                        "请核实患者现金部分是否已在别处退还，然后登记为平台已撤销")
        else:
            d.suggested, d.allowed = "settled_elsewhere", ["settled_elsewhere", "none"]
            d.advice = (f"平台有一笔本终端没有的{'撤销' if d.refd_setl_flag == '1' else '结算'} {d.setl_id}"
                        f"（总额 {plat.get('medfee_sumamt', '')}），应为其他系统（HIS、其他收费台）办理："
                        "请核实该系统已收费后登记为其他系统结算")
    elif d.kind == "amount":
        d.suggested, d.allowed = "none", ["none"]
        diffs = [f"{n} 终端 {term.get(k, '')} / 平台 {plat.get(k, '')}"
                 for k, n in (("medfee_sumamt", "总额"), ("fund_pay_sumamt", "基金"), ("acct_pay", "个账"))
                 if term.get(k) != plat.get(k)]
        d.advice = f"结算 {d.setl_id} 金额不符（{'；'.join(diffs)}）：请将明细提交医保经办机构核实，核实后登记知悉"
    else:  # status
        if d.refd_setl_flag == "1":  # our cancellation undone on the platform: the settlement is booked again
            d.suggested, d.allowed = "cancel", ["cancel", "none"]
            d.advice = (f"本终端的撤销结算 {d.setl_id} 在平台已被{'冲正' if d.plat_status == 'reversed' else '撤回'}，"
                        "原结算在平台重新有效（基金照付）：建议主管授权重新撤销（2208，经离线队列发送）")
        elif d.plat_status in ("cancelled", "reversed"):
            d.suggested, d.allowed = "record_cancel", ["record_cancel", "settled_elsewhere", "none"]
            how = "冲正" if d.plat_status == "reversed" else "撤销"
            d.advice = (f"平台已{how}结算 {d.setl_id}，本终端仍记为已结算：可能在本终端之外办理了撤销，"
                        "或本终端未收到冲正结果。"
                        "请核实患者现金部分是否已退还，然后登记为平台已撤销/冲正")
        else:
            d.suggested, d.allowed = "cancel", ["cancel", "none"]
            d.advice = (f"本终端已撤销结算 {d.setl_id}，平台仍记为已结算（撤销未到达或被冲正）："
                        "建议主管授权重新撤销（2208，经离线队列发送）")


def settle_row(sdb: StoreDB, mdtrt_id: str, setl_id: str = "") -> dict[str, Any] | None:
    if setl_id:
        return sdb.one("SELECT * FROM settlements WHERE setl_id=? AND kind='settle' ORDER BY created DESC",
                           [setl_id])
    return sdb.one("SELECT * FROM settlements WHERE mdtrt_id=? AND kind='settle' AND status != 'reversed' "
                       "ORDER BY created DESC", [mdtrt_id]) if mdtrt_id else None


def mark_done(sdb: StoreDB, queue: Outbox, day: str, diffs: list[Difference]) -> None:
    """Fill done_by/done_at from earlier fixes of the same difference: an acknowledgement ('none') holds while
    the difference stays the same; a queued 2601/2208 while its queue item is still open. A recorded fix whose
    difference comes back is shown open again."""
    if not diffs:
        return
    fixes: dict[str, dict[str, Any]] = {}
    for row in sdb.rows("SELECT * FROM recon_fixes WHERE day=? ORDER BY id", [day]):
        fixes[row["key"]] = row
    open_q = {i.id: i for i in queue.items(("queued", "working"))}
    for d in diffs:
        f = fixes.get(d.key)
        if f is None:
            continue
        if f["diff_id"] == d.id or f["action"] == "none" or (f["queue_id"] and f["queue_id"] in open_q):
            d.done_by, d.done_at, d.done_action, d.done_result = f["supervisor"], f["created"], f["action"], f["result"]
