"""Fixes of detail-reconciliation differences, authorised by a supervisor: a 2601 or 2208 queued (money moves only
through the platform), or a record of what happened outside the terminal; each journaled with its reason."""
from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import TYPE_CHECKING

from .db import StoreDB, insert_row, now_text
from .reconcile_differences import ACTION_NAMES, ACTIONS, DETAIL_FIELDS, Difference, FixRefused, FixResult, settle_row

if TYPE_CHECKING:  # pragma: no cover
    import sqlite_utils

    from .outbox import Outbox


def apply_fix(sdb: StoreDB, queue: Outbox, diff_id: int, action: str, *, supervisor: str, reason: str,
              operator: str) -> FixResult:
    """Carry out (or record) ``action`` for the difference ``diff_id``; the caller wakes the queue's workers."""
    row = sdb.one("SELECT * FROM recon_diffs WHERE id=?", [diff_id])
    if row is None:
        raise FixRefused(f"没有编号为 {diff_id} 的对账差异：请先运行明细对账（reconcile --detail）并使用其中的差异编号")
    d = Difference.from_dict(json.loads(row["data"]))
    d.id = diff_id
    if action not in ACTIONS:
        raise FixRefused(f"未知的处理方式 {action!r}：可选 {' / '.join(d.allowed)}")
    if action == "resend":
        raise FixRefused("结算不能直接重新发送（可能重复扣款）：请核实后在收费台按新就诊重新结算")
    if action not in d.allowed:
        raise FixRefused(f"差异 {diff_id}（{d.kind_name}）不能用“{ACTION_NAMES[action]}”处理：可选 "
                         + " / ".join(f"{a}（{ACTION_NAMES[a]}）" for a in d.allowed))
    if not supervisor:
        raise FixRefused("对账差异的处理须主管授权")
    if len((reason or "").strip()) < 2:
        raise FixRefused("请填写处理原因（至少 2 个字）")
    later = sdb.one("SELECT id FROM recon_runs WHERE day=? AND id > ? ORDER BY id DESC LIMIT 1",
                    [row["day"], row["run_id"]])
    if later is not None:
        raise FixRefused(f"差异 {diff_id} 来自较早的对账（之后已重新对账）：请使用最新一次对账的差异编号")
    done = sdb.one("SELECT id, action FROM recon_fixes WHERE diff_id=?", [diff_id])
    if done is not None:
        name = ACTION_NAMES.get(done["action"], done["action"])
        raise FixRefused(f"差异 {diff_id} 已处理（{name}），请重新对账查看结果")
    now = now_text()
    note = f"{now} 对账处理（主管 {supervisor}）：{ACTION_NAMES[action]}，{reason.strip()}"
    qid: int | None = None
    with sdb.tx() as db:
        if action == "reverse":
            m = db.execute("SELECT infno, psn_no, insuplc_admdvs FROM messages WHERE msgid=?", [d.msgid]).fetchone()
            if m is None:
                raise FixRefused(f"交易日志中没有报文 {d.msgid}，不能冲正：请登记为其他系统结算")
            qid = queue._ensure_reversal(db, d.msgid, m[0], m[1] or "", m[2] or "", again=True)
            msg = f"已排队冲正报文 {d.msgid}（队列 {qid}）"
        elif action == "cancel":
            qid, msg = _queue_cancel(sdb, queue, db, d, now, note)
        elif action == "record_cancel":
            msg = _record_cancel(sdb, db, d, now, note, diff_id)
        elif action == "settled_elsewhere":
            msg = "已登记为其他系统办理的结算，以后的明细对账包含该笔"
        else:
            msg = "已登记知悉"
        fid = insert_row(db, "recon_fixes", {
            "diff_id": diff_id, "day": row["day"], "key": row["key"], "created": now, "action": action,
            "supervisor": supervisor, "operator": operator, "reason": reason.strip(), "setl_id": d.setl_id,
            "msgid": d.msgid, "queue_id": qid, "result": msg})
        if action == "settled_elsewhere":
            _record_line(db, row["day"], d, fid, note)
        if action == "record_cancel":
            db.execute("UPDATE recon_records SET fix_id=? WHERE fix_id=-1", [fid])
    return FixResult(fid, diff_id, action, msg, qid)


def _record_line(db: sqlite_utils.Database, day: str, d: Difference, fid: int, note: str) -> None:
    p = d.platform or {}
    db.table("recon_records").insert({"day": day, "fix_id": fid, "setl_id": d.setl_id, "mdtrt_id": d.mdtrt_id,
                                "psn_no": d.psn_no, **{k: p.get(k, "0.00") for k in DETAIL_FIELDS},
                                "refd_setl_flag": d.refd_setl_flag, "clr_type": d.clr_type,
                                "setl_optins": d.setl_optins, "note": note, "created": now_text()})


def _queue_cancel(sdb: StoreDB, queue: Outbox, db: sqlite_utils.Database, d: Difference, now: str,
                  note: str) -> tuple[int, str]:
    """2208 again: the original settlement of the difference (through the queue); the cancellation the
    platform never booked is voided here, and the original is settled again until the new 2208 lands."""
    if d.refd_setl_flag == "1":
        stale = db.execute("SELECT orig_setl_id FROM settlements WHERE setl_id=? AND kind='cancel'",
                           [d.setl_id]).fetchone()
        orig_setl = stale[0] if stale else ""
    else:
        orig_setl = d.setl_id
    orig = settle_row(sdb, d.mdtrt_id, orig_setl) if orig_setl else None
    if orig is None:
        raise FixRefused(f"交易日志中找不到原结算（{orig_setl or d.setl_id}），不能重新撤销")
    m = db.execute("SELECT insuplc_admdvs FROM messages WHERE msgid=?", [orig["msgid"]]).fetchone()
    insuplc = (m[0] if m else "") or ""
    db.execute("UPDATE settlements SET status='reversed', recon_note=?, updated=? WHERE kind='cancel' AND "
               "orig_setl_id=? AND status != 'reversed'", [note + "（平台未记账此撤销）", now, orig["setl_id"]])
    db.execute("UPDATE settlements SET status='settled', recon_note=?, updated=? WHERE msgid=?",
               [note, now, orig["msgid"]])
    qid = queue.enqueue_call(
        "cancel", {"data": {"setl_id": orig["setl_id"], "mdtrt_id": orig["mdtrt_id"], "psn_no": orig["psn_no"]}},
        insuplc=insuplc, summary=f"对账：重新撤销结算 {orig['setl_id']}", required=True)
    return qid, f"已排队重新撤销结算 {orig['setl_id']}（队列 {qid}）"


_CANCEL_ID = re.compile(r"撤销结算\s*ID\s*[:：]?\s*([0-9A-Za-z_-]+)")


def _record_cancel(sdb: StoreDB, db: sqlite_utils.Database, d: Difference, now: str, note: str, diff_id: int) -> str:
    """The platform undid the settlement outside the terminal: our row follows it (with the note), and the
    platform's cancellation lines of the same visit found by this run are recorded for later detail files."""
    if d.kind == "only_platform":  # the platform's 2208 of a settlement we have
        orig = settle_row(sdb, d.mdtrt_id)
    else:
        orig = settle_row(sdb, d.mdtrt_id, d.setl_id)
    if orig is None:
        raise FixRefused(f"交易日志中找不到结算 {d.setl_id}")
    status = "reversed" if (d.kind == "only_terminal" or d.plat_status == "reversed") else "cancelled"
    db.execute("UPDATE settlements SET status=?, recon_note=?, updated=? WHERE msgid=?",
               [status, note, now, orig["msgid"]])
    recorded = 0
    if status == "cancelled":
        run_id = db.execute("SELECT run_id, day FROM recon_diffs WHERE id=?", [diff_id]).fetchone()
        lines = [Difference.from_dict(json.loads(data)) for (data,) in db.execute(
            "SELECT data FROM recon_diffs WHERE run_id=? AND kind='only_platform' AND refd_setl_flag='1' AND "
            "mdtrt_id=?", [run_id[0], orig["mdtrt_id"]]).fetchall()]
        if d.kind == "only_platform":
            lines.append(d)
        m = _CANCEL_ID.search(d.memo or "")
        if not lines and m and d.platform:  # the platform names its 2208 in the memo of the status line
            lines.append(Difference(0, "only_platform", m.group(1), mdtrt_id=d.mdtrt_id, psn_no=d.psn_no,
                                    refd_setl_flag="1", clr_type=d.clr_type, setl_optins=d.setl_optins,
                                    platform={k: f"{-Decimal(v):.2f}" for k, v in d.platform.items()}))
        for line in lines:
            if not db.execute("SELECT 1 FROM recon_records WHERE day=? AND setl_id=? AND refd_setl_flag='1'",
                              [run_id[1], line.setl_id]).fetchone():
                _record_line(db, run_id[1], line, -1, note)
                recorded += 1
    what = "冲正" if status == "reversed" else "撤销"
    return f"结算 {orig['setl_id']} 已登记为平台已{what}" + (f"，并登记平台撤销记录 {recorded} 笔" if recorded else "")
