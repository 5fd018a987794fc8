"""Back-office views: today's settlements (search, reprint, supervisor cancel), the offline queue, and the
daily reconciliation. They read terminal.store when it is there and the in-session journal otherwise."""
from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from drivers.printer import ReceiptData
from terminal.core.money import fmt_yuan, msum
from terminal.core.regions import place_name

from .codenames import name as code_name
from .widgets import report_table


def _fill(t: QTableWidget, rows: list[list[str]], right_from: int = 99) -> None:
    t.setRowCount(len(rows))
    for r, vals in enumerate(rows):
        for c, v in enumerate(vals):
            cell = QTableWidgetItem(v)
            if c >= right_from:
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            t.setItem(r, c, cell)


def receipt_from_store(row: dict, cfg, store) -> ReceiptData:
    """A journal row of terminal.store (a settlement this or an earlier run booked) as receipt data."""
    from terminal.core.models import SETL_AMOUNT_FIELDS
    from terminal.core.money import money
    from terminal.core.regions import is_cross_province

    msg = store.message(row.get("msgid") or "") or {}
    insuplc = msg.get("insuplc_admdvs") or ""
    amounts = {k: money(row.get(k)) for k in SETL_AMOUNT_FIELDS if row.get(k) not in (None, "")}
    return ReceiptData(
        facility_code=cfg.facility.code, facility_name=cfg.facility.name, operator_id=msg.get("operator") or "",
        operator_name="", time=row.get("setl_time") or row.get("created") or "", name_masked=row.get("psn_name") or "",
        certno_masked="", psn_no=row.get("psn_no") or "", insutype=row.get("insutype") or "", insuplc=insuplc,
        cross_province=is_cross_province(insuplc, cfg.facility.admdvs), setl_id=row.get("setl_id") or "",
        mdtrt_id=row.get("mdtrt_id") or "", msgid=row.get("msgid") or "", amounts=amounts,
        training=cfg.training, status="cancelled" if row.get("status") == "cancelled" else "settled",
        clr_type=row.get("clr_type") or "", clr_optins=row.get("clr_optins") or "")


def journal_records(session, text: str = "") -> list[ReceiptData]:
    """Today's settlements: this session's (with bill lines) plus what the store journaled (earlier runs)."""
    recs = session.journal.today()
    store = session.store
    if store is not None:
        try:
            day = datetime.now().strftime("%Y-%m-%d")
            have = {r.setl_id: r for r in recs}
            for row in store.settlements(day):
                if row.get("kind") != "settle" or not row.get("setl_id"):
                    continue
                st = row.get("status")
                if st == "reversed":
                    continue
                mine = have.get(row["setl_id"])
                if mine is not None:
                    if st == "cancelled" and mine.status != "cancelled":
                        session.journal.mark_cancelled(mine.setl_id)
                    continue
                recs.append(receipt_from_store(row, session.cfg, store))
        except Exception:  # the session's own record still shows
            pass
    recs.sort(key=lambda r: r.time, reverse=True)
    q = text.strip()
    if q:
        recs = [r for r in recs if q in r.setl_id or q in r.name_masked or q in r.mdtrt_id or q in r.psn_no]
    return recs


class JournalDialog(QDialog):
    """Today's settlements. Reprint; cancel (2208) only with a supervisor's PIN."""

    reprint_requested = Signal(object)
    cancel_requested = Signal(object)

    def __init__(self, ctl, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("journalDialog")
        self.setWindowTitle(self.tr("今日结算日志"))
        self.ctl = ctl
        self.records: list[ReceiptData] = []
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("journalSearch")
        self.search.setPlaceholderText(self.tr("按结算ID、就诊ID、人员编号或姓名（脱敏）搜索"))
        self.search.textChanged.connect(self.refresh)
        self.search.installEventFilter(self)  # ↓ / PgDn: from the search box to the rows
        row.addWidget(self.search, 1)
        lay.addLayout(row)
        self.table = report_table([self.tr("时间"), self.tr("结算ID"), self.tr("参保人"), self.tr("险种"),
                                   self.tr("参保地"), self.tr("总额"), self.tr("基金"), self.tr("现金"),
                                   self.tr("状态")], "journalTable")
        lay.addWidget(self.table, 1)
        self.table.installEventFilter(self)  # ↑ on the first row: back to the search box
        self.summary = QLabel()
        self.summary.setObjectName("dialogHint")
        lay.addWidget(self.summary)
        # what the last reprint did (which settlement; that it was cancelled)
        self.note = QLabel()
        self.note.setObjectName("journalNote")
        self.note.setWordWrap(True)
        lay.addWidget(self.note)
        brow = QHBoxLayout()
        self.reprint = QPushButton(self.tr("重打所选 (Ctrl+P)"))
        self.reprint.setObjectName("journalReprint")
        self.reprint.setShortcut("Ctrl+P")
        self.reprint.clicked.connect(self._reprint)
        self.cancel = QPushButton(self.tr("撤销结算（主管）"))
        self.cancel.setObjectName("journalCancel")
        self.cancel.clicked.connect(self._cancel)
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.accept)
        brow.addWidget(self.reprint)
        brow.addWidget(self.cancel)
        brow.addStretch(1)
        brow.addWidget(close)
        lay.addLayout(brow)
        self.resize(1100, 560)
        ctl.changed.connect(self.refresh)
        self.refresh()

    def refresh(self, *_a) -> None:
        sel = self.selected()
        self.records = journal_records(self.ctl.session, self.search.text())
        rows = []
        for r in self.records:
            status = self.tr("已撤销") if r.status == "cancelled" else self.tr("已结算")
            rows.append([r.time[11:19] if len(r.time) >= 19 else r.time, r.setl_id, r.name_masked,
                         f"{r.insutype} {code_name(r.insutype_name)}", place_name(r.insuplc),
                         fmt_yuan(r.amount("medfee_sumamt")), fmt_yuan(r.amount("fund_pay_sumamt")), fmt_yuan(r.cash),
                         status])
        _fill(self.table, rows, right_from=5)
        if sel is not None:
            for n, r in enumerate(self.records):
                if r.setl_id == sel.setl_id:
                    self.table.selectRow(n)
        elif self.records:
            self.table.selectRow(0)
        ok = [r for r in self.records if r.status != "cancelled"]
        self.summary.setText(self.tr("共 %1 笔有效结算，现金合计 %2").replace("%1", str(len(ok)))
                             .replace("%2", fmt_yuan(msum(r.cash for r in ok))))
        cur = self.selected()
        self.cancel.setEnabled(cur is not None and cur.status != "cancelled")
        self.reprint.setEnabled(cur is not None)

    def selected(self) -> ReceiptData | None:
        r = self.table.currentRow() if hasattr(self, "table") else -1
        return self.records[r] if 0 <= r < len(self.records) else None

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
        if ev.type() == QEvent.Type.KeyPress:
            key = ev.key()
            if obj is self.search and key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) and self.records:
                if self.table.currentRow() < 0:
                    self.table.selectRow(0)
                self.table.setFocus(Qt.FocusReason.TabFocusReason)
                return True
            if obj is self.table and key == Qt.Key.Key_Up and self.table.currentRow() <= 0:
                self.search.setFocus(Qt.FocusReason.BacktabFocusReason)
                return True
        return super().eventFilter(obj, ev)

    def _reprint(self) -> None:
        """Ctrl+P: the row selected (never another); a cancelled settlement reprints marked 【已撤销】 and says so."""
        r = self.selected()
        if r is None:
            self.note.setText(self.tr("请先用 ↓ 选择要重打的结算"))
            return
        if r.status == "cancelled":
            text = self.tr("注意：结算 %1（%2）已撤销；重打的结算单注明【已撤销】，不能作为收费凭证") \
                .replace("%1", r.setl_id).replace("%2", r.name_masked)
            level = "warn"
        else:
            text = self.tr("重打结算 %1（%2）").replace("%1", r.setl_id).replace("%2", r.name_masked)
            level = "info"
        self.note.setText(text)
        self.note.setProperty("kind", level)
        self.ctl.say(level, text)
        self.reprint_requested.emit(r)

    def _cancel(self) -> None:
        r = self.selected()
        if r is not None and r.status != "cancelled":
            self.cancel_requested.emit(r)


def _summary(it) -> str:
    """The queue item's line: its kind in the UI language, then the rest as the store wrote it (infno, msgid)."""
    text = it.summary or it.omsgid or it.msgid or ""
    kind = it.kind_name
    if kind and text.startswith(kind):
        return code_name(kind) + text[len(kind):]
    return text


class QueueDialog(QDialog):
    """What is waiting: reversals of uncertain settlements and other offline work, parked bills,
    refunds due. Retry now; mark a refused item as dealt with (supervisor); mark a refund as paid."""

    def __init__(self, ctl, parent: QWidget | None = None, ask_supervisor=None):
        super().__init__(parent)
        self.setObjectName("queueDialog")
        self.setWindowTitle(self.tr("待处理队列"))
        self.ctl = ctl
        self.ask_supervisor = ask_supervisor
        self.items: list = []
        self.refunds: list = []
        lay = QVBoxLayout(self)
        self.status = QLabel()
        self.status.setObjectName("dialogTitle")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        lay.addWidget(QLabel(self.tr("离线队列（冲正、撤销、补结算…）")))
        self.queue = report_table([self.tr("编号"), self.tr("类别"), self.tr("内容"), self.tr("状态"), self.tr("尝试"),
                             self.tr("发生时间"), self.tr("说明")], "queueTable")
        lay.addWidget(self.queue, 2)
        lay.addWidget(QLabel(self.tr("挂起账单 / 待退款")))
        self.other = report_table([self.tr("类别"), self.tr("编号"), self.tr("患者"), self.tr("金额"),
                                   self.tr("状态/说明")], "parkedTable")
        lay.addWidget(self.other, 1)
        brow = QHBoxLayout()
        self.forward = QPushButton(self.tr("立即重试"))
        self.forward.setObjectName("queueForward")
        self.forward.clicked.connect(self._forward)
        self.dismiss = QPushButton(self.tr("标记已人工处理（主管）"))
        self.dismiss.setObjectName("queueDismiss")
        self.dismiss.clicked.connect(self._dismiss)
        self.refund_paid = QPushButton(self.tr("退款已付"))
        self.refund_paid.setObjectName("refundPaid")
        self.refund_paid.clicked.connect(self._refund_paid)
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.accept)
        for b in (self.forward, self.dismiss, self.refund_paid):
            brow.addWidget(b)
        brow.addStretch(1)
        brow.addWidget(close)
        lay.addLayout(brow)
        self.resize(1100, 560)
        ctl.changed.connect(self.refresh)
        self.refresh()

    def refresh(self, *_a) -> None:
        s = self.ctl.session
        store = s.store
        rows, other = [], []
        self.items, self.refunds = [], []
        if store is not None:
            try:
                self.status.setText(self._status_text(store.queue_status()))
                self.items = store.queue.items(("queued", "working", "failed", "uncertain"))
                for it in self.items:
                    rows.append([str(it.id), code_name(it.kind_name), _summary(it), code_name(it.state_name),
                                 str(it.attempts), it.created, it.last_error])
                for pb in store.parked(("parked", "settling", "failed")):
                    other.append([self.tr("挂起账单"), pb.park_id, pb.name_masked, fmt_yuan(pb.total),
                                  code_name(pb.state_name) + (" " + pb.error if pb.error else "")])
                self.refunds = list(store.refunds_due())
                for rf in self.refunds:
                    other.append([self.tr("待退款"), rf.park_id, rf.name_masked, fmt_yuan(rf.refund_due),
                                  self.tr("结算ID ") + rf.setl_id])
            except Exception as e:
                self.status.setText(self.tr("读取本地日志失败：") + str(e))
        else:
            self.status.setText(self.tr("本地日志模块未启用，仅显示本次运行的冲正"))
        for pr in s.reversals:
            if pr.queued:
                continue
            state = (self.tr("平台未记账（未扣款）") if pr.outcome == "not_booked" else self.tr("已冲正")) if pr.done \
                else self.tr("等待冲正")
            rows.append(["—", self.tr("冲正"), pr.omsgid, state,
                         str(pr.attempts), datetime.fromtimestamp(pr.since).strftime("%Y-%m-%d %H:%M:%S"),
                         pr.last_error])
        _fill(self.queue, rows)
        _fill(self.other, other, right_from=3)

    def _status_text(self, st) -> str:
        """The queue's state in the UI language (the store words it in Chinese; a full queue keeps its reason)."""
        if st.level == "ok":
            return self.tr("离线队列待处理 %1 项").replace("%1", str(st.open_items)) if st.open_items \
                else self.tr("离线队列为空")
        if st.level == "warning":
            return self.tr("离线队列接近上限：待处理 %1/%2 项，请尽快恢复与医保平台的连接") \
                .replace("%1", str(st.open_items)).replace("%2", str(st.max_items))
        return st.message

    def _selected_item(self):
        r = self.queue.currentRow()
        return self.items[r] if 0 <= r < len(self.items) else None

    def _forward(self) -> None:
        s = self.ctl.session
        if s.store is not None:
            it = self._selected_item()
            if it is not None and it.state == "failed":
                try:
                    s.store.queue.replay(it.id)
                except Exception as e:
                    self.status.setText(str(e))
            s.wake_queue()
        self.ctl.retry_reversal()
        self.refresh()

    def _dismiss(self) -> None:
        it = self._selected_item()
        if it is None or it.state != "failed" or self.ask_supervisor is None:
            self.status.setText(self.tr("请选择一项“平台拒绝”的项目"))
            return

        def done(sup) -> None:
            try:
                self.ctl.session.store.queue.dismiss(it.id, self.tr("主管 ") + sup.id)
            except Exception as e:
                self.status.setText(str(e))
            self.refresh()

        self.ask_supervisor(self.tr("标记队列项目 %1 已人工处理").replace("%1", str(it.id)), done)

    def _refund_paid(self) -> None:
        r = self.other.currentRow()
        n_parked = self.other.rowCount() - len(self.refunds)
        idx = r - n_parked
        if not 0 <= idx < len(self.refunds):
            self.status.setText(self.tr("请选择一项待退款"))
            return
        rf = self.refunds[idx]
        op = self.ctl.operator
        try:
            self.ctl.session.store.mark_refund_paid(rf.park_id, op.id if op else "")
        except Exception as e:
            self.status.setText(str(e))
        self.refresh()

