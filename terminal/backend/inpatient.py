"""Inpatient transactions over a PlatformClient: admission, discharge, fee details in batches, settlement.

    ipt = InpatientClient(client)
    a = ipt.admit(mdtrtinfo, diseinfo, insuplc)            # 2401 -> mdtrt_id_of(a)
    client.send(ipt.prepare_batch(lines[:500], insuplc))    # 2301, at most BATCH_MAX lines per message
    ipt.cancel_fees(mdtrt_id, psn_no, insuplc)              # 2302 ("0000": every unsettled line)
    ipt.discharge(dscginfo, diseinfo, insuplc)              # 2402
    ipt.pre_settle(data, insuplc)                           # 2303 -> setlinfo, nothing booked
    msg = ipt.prepare_settle(data, insuplc); client.send(msg)   # 2304 (money-moving: msgid known before sending)
    msg = ipt.prepare_cancel(setl_id, mdtrt_id, psn_no, insuplc)  # 2305

Every call goes through :meth:`PlatformClient.call` / ``send``, so the journal (the client's observer) sees
every message. Answers are checked for the fields the terminal needs; a missing one is a MalformedAnswer
(money-moving for 2304/2305: the outcome is then unknown and the caller reverses it).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any
from collections.abc import Iterable, Iterator

from terminal.core.money import to_wire
from terminal.core.protocol import MONEY_MOVING

from .client import Answer, Message, PlatformClient
from .errors import MalformedAnswer

#: fee lines per 2301 message (the platform refuses more)
BATCH_MAX = 500


def batches(lines: list[dict[str, Any]], size: int = BATCH_MAX) -> Iterator[list[dict[str, Any]]]:
    """Split fee lines into messages of at most ``size`` (1..BATCH_MAX) lines."""
    if not 1 <= size <= BATCH_MAX:
        raise ValueError(f"batch size must be 1..{BATCH_MAX}, got {size}")
    for i in range(0, len(lines), size):
        yield lines[i:i + size]


def amounts_to_wire(data: dict[str, Any]) -> dict[str, Any]:
    """Decimal amounts with exactly two places (quantities and text untouched)."""
    return {k: Decimal(to_wire(v)) if isinstance(v, Decimal) else v for k, v in data.items()}


def mdtrt_id_of(answer: Answer) -> str:
    """2401's mdtrt_id: output.result (as deployed) or output.data (var)."""
    out = answer.output
    for node in ("result", "data"):
        d = out.get(node)
        if isinstance(d, list) and d and isinstance(d[0], dict):
            d = d[0]
        if isinstance(d, dict) and d.get("mdtrt_id"):
            return str(d["mdtrt_id"])
    if out.get("mdtrt_id"):
        return str(out["mdtrt_id"])
    raise MalformedAnswer("2401 应答缺少 mdtrt_id", infno="2401", msgid=answer.msgid)


def fee_results(answer: Answer, sent: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """2301's per-line results (output.result, var: a single object or output.feedetail); when ``sent`` is
    given, every sent feedetl_sn must come back."""
    out = answer.output
    res = out.get("result")
    if res is None:
        res = out.get("feedetail")
    if isinstance(res, dict):
        res = [res]
    if not isinstance(res, list) or not all(isinstance(r, dict) for r in res):
        raise MalformedAnswer("2301 应答缺少 result 列表", infno=answer.infno, msgid=answer.msgid)
    want = [str(x.get("feedetl_sn")) for x in sent]
    if want:
        got = {str(r.get("feedetl_sn")) for r in res}
        lost = [sn for sn in want if sn not in got]
        if lost:
            raise MalformedAnswer(f"2301 应答缺少 {len(lost)} 条明细的结果（如 {lost[0]}）", infno=answer.infno,
                                  msgid=answer.msgid)
    return res


def check_setl(answer: Answer) -> Answer:
    if not isinstance(answer.output.get("setlinfo"), dict):
        raise MalformedAnswer(f"{answer.infno} 应答缺少 setlinfo", infno=answer.infno, msgid=answer.msgid,
                              money_moving=answer.infno[:4] in MONEY_MOVING)
    return answer


class InpatientClient:
    """The inpatient transactions (2401 2402 2301 2302 2303 2304 2305) of one PlatformClient."""

    def __init__(self, client: PlatformClient):
        self.client = client

    # admission and discharge -------------------------------------------------------------------
    def prepare_admit(self, mdtrtinfo: dict[str, Any], diseinfo: list[dict[str, Any]], insuplc: str,
                      msgid: str | None = None) -> Message:
        return self.client.prepare("2401", {"mdtrtinfo": {"med_type": "21", **mdtrtinfo}, "diseinfo": diseinfo},
                                   insuplc_admdvs=insuplc, msgid=msgid)

    def admit(self, mdtrtinfo: dict[str, Any], diseinfo: list[dict[str, Any]], insuplc: str,
              msgid: str | None = None) -> Answer:
        """2401 入院办理 -> output.result{mdtrt_id, psn_no, ipt_otp_no} (see :func:`mdtrt_id_of`)."""
        a = self.client.send(self.prepare_admit(mdtrtinfo, diseinfo, insuplc, msgid))
        mdtrt_id_of(a)
        return a

    def prepare_discharge(self, dscginfo: dict[str, Any], diseinfo: list[dict[str, Any]], insuplc: str,
                          msgid: str | None = None) -> Message:
        return self.client.prepare("2402", {"dscginfo": dscginfo, "diseinfo": diseinfo}, insuplc_admdvs=insuplc,
                                   msgid=msgid)

    def discharge(self, dscginfo: dict[str, Any], diseinfo: list[dict[str, Any]], insuplc: str,
                  msgid: str | None = None) -> Answer:
        """2402 出院办理: dscginfo{mdtrt_id, psn_no, insutype, endtime, dscg_way, dise_codg, ...}."""
        return self.client.send(self.prepare_discharge(dscginfo, diseinfo, insuplc, msgid))

    # fee details -------------------------------------------------------------------------------
    def prepare_batch(self, feedetail: list[dict[str, Any]], insuplc: str, msgid: str | None = None) -> Message:
        if not feedetail:
            raise ValueError("empty fee batch")
        if len(feedetail) > BATCH_MAX:
            raise ValueError(f"a 2301 message carries at most {BATCH_MAX} lines, got {len(feedetail)}")
        return self.client.prepare("2301", {"feedetail": feedetail}, insuplc_admdvs=insuplc, msgid=msgid)

    def cancel_fees(self, mdtrt_id: str, psn_no: str, insuplc: str, feedetl_sn: str = "0000") -> Answer:
        """2302 住院费用明细撤销: one line, or "0000" for every line not yet settled."""
        return self.client.call("2302", {"data": {"feedetl_sn": feedetl_sn, "mdtrt_id": mdtrt_id, "psn_no": psn_no}},
                                insuplc_admdvs=insuplc)

    # settlement --------------------------------------------------------------------------------
    def pre_settle(self, data: dict[str, Any], insuplc: str) -> Answer:
        """2303 住院预结算 -> setlinfo/setldetail as 2304, nothing booked."""
        return check_setl(self.client.call("2303", {"data": amounts_to_wire(data)}, insuplc_admdvs=insuplc))

    def prepare_settle(self, data: dict[str, Any], insuplc: str, msgid: str | None = None) -> Message:
        """2304 住院结算, prepared: the msgid is known (and can be recorded) before anything is sent."""
        return self.client.prepare("2304", {"data": amounts_to_wire(data)}, insuplc_admdvs=insuplc, msgid=msgid)

    def prepare_cancel(self, setl_id: str, mdtrt_id: str, psn_no: str, insuplc: str,
                       msgid: str | None = None) -> Message:
        """2305 住院结算撤销, prepared."""
        return self.client.prepare("2305", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": psn_no}},
                                   insuplc_admdvs=insuplc, msgid=msgid)

    def send_setl(self, msg: Message) -> Answer:
        """Send a prepared 2304/2305 and check that the answer carries setlinfo."""
        return check_setl(self.client.send(msg))

    def settle(self, data: dict[str, Any], insuplc: str, msgid: str | None = None) -> Answer:
        return self.send_setl(self.prepare_settle(data, insuplc, msgid))

    def cancel_settlement(self, setl_id: str, mdtrt_id: str, psn_no: str, insuplc: str,
                          msgid: str | None = None) -> Answer:
        return self.send_setl(self.prepare_cancel(setl_id, mdtrt_id, psn_no, insuplc, msgid))
