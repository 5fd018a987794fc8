"""The pharmacy counter ([facility] kind = "pharmacy") through the real window offscreen, the sandbox pharmacy over
HTTP and the journal in real SQLite. Scans are key bursts with the platform's time stamps through the application's
wedge filter (ui/wedge.py), as a USB scanner types them.

A sale end to end by scans (boxes, traceability codes, the receipt in the pharmacy layout, 2101/2102 with the codes,
3505 in the F7 queue view); a missing code blocks F5/F9 naming the line; a repeated code and a code this terminal
already sold are refused; a malformed code is refused as such; a prescription drug without rxno is refused naming
the line, and the rxno typed in its field lets it through; F10 cancels with 2103 and gives the codes back.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from terminal.app.wiring import TRAINING_PHARMACY
from terminal.core.flow import State

OTC = "6901234000047"  # 奥美拉唑肠溶胶囊: over the counter, a traceability code per box (prefix 8100104)
RX = "6901234000016"  # 阿莫西林胶囊: prescription only, a code per box (prefix 8100101)


def otc_code(n: int) -> str:
    return f"8100104{n:013d}"


def rx_code(n: int) -> str:
    return f"8100101{n:013d}"


class Scanner:
    """A keyboard-wedge scanner: the characters 3 ms apart and Enter, time-stamped, to the focused widget."""

    t = 500_000.0

    def scan(self, text: str) -> None:
        app = QApplication.instance()
        target = app.focusWidget() or app.activeWindow()
        for ch in text:
            Scanner.t += 3
            key = ord(ch.upper()) if ch.isalnum() else int(Qt.Key.Key_unknown)
            for et, dt in ((QEvent.Type.KeyPress, 0), (QEvent.Type.KeyRelease, 1)):
                ev = QKeyEvent(et, key, Qt.KeyboardModifier.NoModifier, ch)
                ev.setTimestamp(int(Scanner.t + dt))
                QApplication.sendEvent(target, ev)
        Scanner.t += 3
        for et in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            ev = QKeyEvent(et, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r")
            ev.setTimestamp(int(Scanner.t))
            QApplication.sendEvent(target, ev)
        app.processEvents()


@pytest.fixture
def counter(make_desk, ui_cfg):
    f = ui_cfg.facility
    f.code, f.name, f.admdvs = TRAINING_PHARMACY
    f.kind = "pharmacy"
    d = make_desk()
    d.scanner = Scanner()
    return d


def ledger(desk, infno: str) -> list[dict]:
    """The messages of ``infno`` this terminal sent (its journal, in SQLite)."""
    return desk.ctl.session.store.sdb.rows("SELECT msgid FROM messages WHERE infno=?", [infno])


def message(desk) -> str:
    return desk.window.msg.text()


def test_sale_end_to_end_by_scans(counter, tmp_path):
    d, sc = counter, counter.scanner
    assert d.window.pharmacy is not None and d.window.pharmacy.strip.isVisible()
    d.identify_by_id("sichuan-resident")
    for _ in range(2):
        sc.scan(OTC)  # the same drug twice: one line, two boxes
    assert [(it.name, str(it.qty)) for it in d.ctl.items] == [("奥美拉唑肠溶胶囊", "2")]
    sc.scan(otc_code(1))
    sc.scan(otc_code(2))
    assert d.ctl.items[0].trace_codes == [otc_code(1), otc_code(2)]
    assert "2/2" in d.window.pharmacy.strip.codes.text() and not d.window.pharmacy.strip.missing.isVisible()
    d.window.grab().save(str(tmp_path / "counter.png"))
    d.sandbox.arm_fault("http500", infno="3505", count=1000)  # the upload waits in the queue, to be seen in F7
    d.preview()
    d.settle()
    assert d.ctl.state == State.DONE
    sent = ledger(d, "2102")
    assert len(sent) == 1
    r = d.ctl.receipt
    assert r.facility_kind == "pharmacy" and r.lines[0].trace == (otc_code(1), otc_code(2))
    from drivers.printer import compose_settlement, text_lines

    text = "\n".join(text_lines(compose_settlement(r), 32))
    assert "医保购药凭证" in text and otc_code(1) in text and "2盒×9.60" in text
    # the codes are this terminal's now: the next customer cannot be sold the same box
    assert d.ctl.session.store.trace_codes.sold_by(otc_code(1))
    # F7: the 3505 sales upload is in the queue view
    d.qtbot.waitUntil(lambda: bool(d.ctl.session.store.queue.items(kind="sales_upload")), timeout=10000)
    dlg = d.window.open_queue()
    t = dlg.queue
    d.qtbot.waitUntil(lambda: t.rowCount() > 0, timeout=10000)
    rows = [" ".join(t.item(r, c).text() for c in range(t.columnCount()) if t.item(r, c)) for r in range(t.rowCount())]
    assert any("商品销售上传/3505" in x for x in rows), rows
    dlg.grab().save(str(tmp_path / "queue.png"))
    dlg.reject()
    d.wait_window_active()
    # the next customer's first box starts their sale (no Esc): the last customer is gone
    sc.scan("6901234000085")  # 黄芪(饮片): no code needed
    assert d.ctl.state == State.IDLE and d.ctl.person is None
    assert [it.name for it in d.ctl.items] == ["黄芪(饮片)"] and not d.window.pharmacy.sale.problems()


def test_missing_code_blocks_settle_naming_the_line(counter, tmp_path):
    d, sc = counter, counter.scanner
    d.identify_by_id("sichuan-resident")
    sc.scan(OTC)
    sc.scan(OTC)
    sc.scan(otc_code(11))
    sc.scan(RX)
    d.qtbot.keyClick(d.modal(__import__("terminal.ui.pharmacy").ui.pharmacy.RxnoDialog).field, Qt.Key.Key_Escape)
    d.wait_window_active()
    d.window.grab().save(str(tmp_path / "missing.png"))
    d.window.pharmacy.remove(1)  # the prescription drug goes again
    strip = d.window.pharmacy.strip
    assert strip.missing.isVisible() and "第1行 奥美拉唑肠溶胶囊 缺少药品追溯码 1 个" in strip.missing.text()
    assert "缺少药品追溯码" in d.window.bill.table.item(0, 4).toolTip()  # the row is marked too
    d.key("F5")
    d.wait_idle()
    assert d.ctl.state == State.BILLED and "第1行 奥美拉唑肠溶胶囊 缺少药品追溯码" in message(d)
    d.key("F9")
    assert d.ctl.state == State.BILLED and not ledger(d, "2101") and not ledger(d, "2102")
    sc.scan(otc_code(12))
    assert d.window.bill.table.item(0, 4).toolTip() == ""
    d.preview()
    assert len(ledger(d, "2101")) == 1


def test_repeated_malformed_and_already_sold_codes_are_refused(counter):
    d, sc = counter, counter.scanner
    d.identify_by_id("sichuan-resident")
    sc.scan(OTC)
    sc.scan(OTC)
    sc.scan(otc_code(21))
    sc.scan(otc_code(21))  # the same box twice
    assert "重复" in message(d) and "第1行" in message(d)
    assert d.ctl.items[0].trace_codes == [otc_code(21)]
    sc.scan("810010400000000000")  # 18 digits: not a traceability code
    assert "20 位" in message(d) and d.ctl.items[0].trace_codes == [otc_code(21)]
    sc.scan(otc_code(22))
    d.preview()
    d.settle()
    d.key("Escape")
    d.wait_state(State.IDLE)
    # the next customer brings a box this terminal already sold
    d.identify_by_id("sichuan-resident")
    sc.scan(OTC)
    sc.scan(otc_code(22))
    assert "已由本终端售出" in message(d)
    assert d.ctl.items[0].trace_codes == []


def test_prescription_drug_needs_the_rxno(counter):
    from terminal.ui.pharmacy import RxnoDialog

    d, sc = counter, counter.scanner
    d.identify_by_id("sichuan-resident")
    sc.scan(RX)
    dlg = d.modal(RxnoDialog)
    d.qtbot.keyClick(dlg.field, Qt.Key.Key_Escape)  # later
    d.wait_window_active()
    sc.scan(rx_code(1))
    assert "处方号(rxno)" in d.window.pharmacy.strip.missing.text()
    d.key("F9")
    d.key("F5")
    d.wait_idle()
    assert "第1行 阿莫西林胶囊 为处方药，须录入处方号(rxno)" in message(d)
    assert not ledger(d, "2101")
    d.qtbot.keyClick(d.window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    dlg = d.modal(RxnoDialog)
    d.qtbot.keyClicks(dlg.field, "RX20261203001")
    d.qtbot.keyClick(dlg.field, Qt.Key.Key_Return)
    d.wait_window_active()
    assert d.ctl.items[0].rxno == "RX20261203001"
    d.preview()
    d.settle()
    assert d.ctl.state == State.DONE and len(ledger(d, "2102")) == 1


def test_cancel_sends_2103_and_gives_the_codes_back(counter):
    from tests.ui.test_tender import _cancel

    d, sc = counter, counter.scanner
    d.identify_by_id("sichuan-resident")
    sc.scan(OTC)
    sc.scan(otc_code(31))
    d.preview()
    d.settle()
    store = d.ctl.session.store
    assert store.trace_codes.sold_by(otc_code(31))
    _cancel(d)
    d.qtbot.waitUntil(lambda: d.ctl.state == State.CANCELLED and not d.ctl.busy, timeout=15000)
    d.finish_refund()
    assert len(ledger(d, "2103")) == 1
    assert d.ctl.receipt is None or d.ctl.receipt.status == "cancelled"
    assert not store.trace_codes.sold_by(otc_code(31))  # released: the box may be sold again


def test_family_account_on_the_receipt_and_the_shift_report(counter, tmp_path):
    """A Yunnan employee whose spouse's account helps (家庭共济): the slip and F6 name it."""
    from drivers.printer import compose_settlement, text_lines
    from terminal.core.money import fmt_yuan
    from terminal.ui.shift import ShiftDialog

    d, sc = counter, counter.scanner
    d.identify_by_id("yunnan-employee")
    for n in range(4):
        sc.scan("6901234000092")  # 维生素C泡腾片 29.90, over the counter
        sc.scan(f"8100109{40 + n:013d}")
    d.preview()
    d.settle()
    r = d.ctl.receipt
    family = r.amount("acct_mulaid_pay")
    assert family > 0, r.amounts
    lines = text_lines(compose_settlement(r), 48)
    assert any("其中家庭共济" in x and fmt_yuan(family) in x for x in lines)
    from terminal.ui.receipt import roll_image

    roll_image(compose_settlement(r), 58).save(str(tmp_path / "family-58.png"))  # to look at
    d.key("Escape")
    d.wait_state(State.IDLE)
    d.key("F6")
    d.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), ShiftDialog), timeout=5000)
    dlg = QApplication.activeModalWidget()
    text = dlg.view.toPlainText()
    assert "家庭共济" in text and fmt_yuan(family) in text, text
    dlg.reject()


def test_a_changed_code_or_rxno_after_f5_is_what_2102_sends(counter):
    """F5, then the line deleted and its box scanned again with another code (and the rxno retyped): the same
    drugs and quantities, but 2102 must carry the codes and rxno as they are now, not those 2101 saw."""
    from terminal.ui.pharmacy import RxnoDialog

    d, sc = counter, counter.scanner
    d.identify_by_id("sichuan-resident")
    sc.scan(RX)
    dlg = d.modal(RxnoDialog)
    d.qtbot.keyClicks(dlg.field, "RXOLD1")
    d.qtbot.keyClick(dlg.field, Qt.Key.Key_Return)
    d.wait_window_active()
    sc.scan(rx_code(51))
    d.preview()
    d.window.bill.table.setCurrentCell(0, 1)
    d.key("Delete")
    assert not d.ctl.items
    sc.scan(RX)  # the sale keeps its rxno: no question; Ctrl+R changes it
    assert d.ctl.items[0].rxno == "RXOLD1"
    d.qtbot.keyClick(d.window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    dlg = d.modal(RxnoDialog)
    dlg.field.clear()
    d.qtbot.keyClicks(dlg.field, "RXNEW2")
    d.qtbot.keyClick(dlg.field, Qt.Key.Key_Return)
    d.wait_window_active()
    sc.scan(rx_code(52))
    d.preview()
    d.settle()
    store = d.ctl.session.store
    assert store.trace_codes.sold_by(rx_code(52)) and not store.trace_codes.sold_by(rx_code(51))
    assert d.ctl.visit.bill.items[0].rxno == "RXNEW2"


def test_ecode_at_the_counter_asks_for_pharmacy_business_02121(counter):
    """The patient's e-code scanned at the counter is exchanged as 药店购药 (businessType 02121), then the sale."""
    d, sc = counter, counter.scanner
    seen: list[str] = []
    real = d.sandbox.ecodes.query

    def query(body):  # the sandbox's own service, watched
        seen.append(str(body.get("data", {}).get("businessType")))
        return real(body)

    d.sandbox.ecodes.query = query
    code, _ = d.sandbox.issue_ecode("guizhou-employee")
    sc.scan(code)
    d.wait_state(State.IDENTIFIED)
    assert seen == ["02121"] and d.ctl.person.certno.startswith("5201")
    sc.scan("6901234000054")  # 连花清瘟胶囊
    sc.scan(f"8100105{61:013d}")
    d.preview()
    d.settle()
    assert d.ctl.state in (State.SETTLED, State.DONE) and len(ledger(d, "2102")) == 1  # nothing to collect


def test_f4_types_a_barcode_and_a_code_without_a_scanner(counter):
    """Keyboard only: F4 opens the code field; a barcode typed + Enter adds the box, a traceability code typed +
    Enter attaches it, Esc closes."""
    from terminal.ui.pharmacy import CodeEntry

    d = counter
    d.identify_by_id("sichuan-resident")
    d.key("F4")
    dlg = d.modal(CodeEntry)
    d.qtbot.keyClicks(dlg.field, "YF0004")  # the pharmacy's own code works as well as the barcode
    d.qtbot.keyClick(dlg.field, Qt.Key.Key_Return)
    d.qtbot.keyClicks(dlg.field, otc_code(71))
    d.qtbot.keyClick(dlg.field, Qt.Key.Key_Return)
    d.qtbot.keyClicks(dlg.field, "12345")
    d.qtbot.keyClick(dlg.field, Qt.Key.Key_Return)
    assert "无法识别" in message(d)
    d.qtbot.keyClick(dlg.field, Qt.Key.Key_Escape)
    d.wait_window_active()
    assert [(it.hosp_code, str(it.qty), it.trace_codes) for it in d.ctl.items] == [("YF0004", "1", [otc_code(71)])]
    d.preview()


def test_uncertain_2102_is_reversed_and_the_sale_settles_anew(make_desk, ui_cfg):
    """2102's answer lost: the window says so, 2601 reverses it through the queue, the codes are free again and the
    same sale settles once with F5, F9."""
    f = ui_cfg.facility
    f.code, f.name, f.admdvs = TRAINING_PHARMACY
    f.kind = "pharmacy"
    ui_cfg.backend.read_timeout = 1.0
    d = make_desk()
    sc = Scanner()
    d.identify_by_id("tibet-employee")
    sc.scan(OTC)
    sc.scan(otc_code(81))
    d.preview()
    d.sandbox.arm_fault("lost_answer", infno="2102")
    d.key("F9")
    d.qtbot.waitUntil(lambda: d.ctl.state in (State.UNCERTAIN, State.REVERSED), timeout=10000)
    d.wait_state(State.REVERSED, timeout=15000)
    assert "冲正" in d.window.msg.text() and d.ctl.settle_sends == 1
    booked = [r for r in d.sandbox.ledger() if r["infno"] == "2102"]
    assert len(booked) == 1 and booked[0]["status"] == "reversed"
    assert not d.ctl.session.store.trace_codes.sold_by(otc_code(81))
    d.preview()
    d.settle()
    live = [r for r in d.sandbox.ledger() if r["infno"] == "2102" and r["status"] == "booked"]
    assert len(live) == 1 and d.ctl.session.store.trace_codes.sold_by(otc_code(81))
