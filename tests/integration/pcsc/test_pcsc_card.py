"""Card reading and hot-plug against a real pcscd, through vpcd, with the virtual social security card."""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from drivers.pcsc import (CardExpired, CardRemoved, EventKind, NoCard, NoReader, NoService,
                          NotSocialSecurityCard, PcscCardReader, PcscMonitor, check_expiry)
from drivers.virtual import GEN3_LOCKED, KINDS, named_profile, profile_for
from terminal.commands import card as card_cmd
from tests.support import ROOT

from .pcsc_support import READER, READER2, card_present, wait_for

pytestmark = pytest.mark.pcsc



class Events:
    def __init__(self) -> None:
        self.items: list = []
        self.lock = threading.Lock()

    def __call__(self, ev) -> None:
        with self.lock:
            self.items.append(ev)

    def kinds(self, reader: str | None = None) -> list:
        with self.lock:
            return [e.kind for e in self.items if reader is None or e.reader in (reader, "")]

    def wait(self, kind, reader: str | None = READER, after: int = 0, timeout: float = 3.0):
        def found():
            with self.lock:
                return next((e for e in self.items[after:]
                             if e.kind is kind and (reader is None or e.reader == reader)), None)

        assert wait_for(lambda: found() is not None, timeout), f"no {kind.value} on {reader}; got {self.items}"
        return found()


def read(reader: str = READER):
    r = PcscCardReader(reader)
    try:
        return r.read(), r
    finally:
        r.close()


# reading every profile ----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_read_every_profile_over_pcscd(insert, kind):
    prof = named_profile(kind)
    insert(prof)
    if kind == "damaged":
        with pytest.raises(NotSocialSecurityCard) as e:
            read()
        assert e.value.sw == 0x6A82
        return
    card, r = read()
    assert (card.card_no, card.card_sn, card.version) == (prof.card_no, prof.card_sn, prof.version)
    assert card.atr == prof.atr.hex().upper()
    assert r.reader_name == READER
    if prof.locked == GEN3_LOCKED:
        assert (card.expiry_date, card.ssn, card.name) == ("", "", "")
        assert r.last_apdu_count == 11
    else:
        assert (card.ssn, card.name, card.sex, card.birth_date) == (prof.ssn, prof.name, prof.sex, prof.birth_date)
        assert (card.issue_date, card.expiry_date) == (prof.issue_date, prof.expiry_date)
        assert r.last_apdu_count <= (29 if kind == "sw-paths" else 15)
    if kind == "expired":
        with pytest.raises(CardExpired):
            check_expiry(card)


def test_first_reader_with_a_card_is_chosen(insert):
    insert(profile_for("tibet-resident"), port=35964)
    r = PcscCardReader()
    try:
        assert r.read().name == "次仁卓玛"
        assert r.reader_name == READER2
    finally:
        r.close()


def test_no_card_and_no_matching_reader(service):
    assert not card_present(READER)
    with pytest.raises(NoCard) as e:
        read()
    assert "插入" in e.value.user_message and READER in e.value.detail
    with pytest.raises(NoReader) as e:
        read("Gemalto*")
    assert "Gemalto*" in e.value.user_message
    r = PcscCardReader()  # no pattern, two readers, no card anywhere
    with pytest.raises(NoCard):
        r.read()
    r.close()


def test_removal_mid_read_raises_card_removed(insert):
    card = insert(named_profile("slow", apdu_delay=0.1))
    threading.Timer(0.45, card.remove).start()
    t0 = time.monotonic()
    with pytest.raises(CardRemoved) as e:
        read()
    assert time.monotonic() - t0 < 2.0
    assert "拔" in e.value.user_message
    assert wait_for(lambda: not card_present(), 2.0)


# hot-plug -----------------------------------------------------------------------------------------
def test_monitor_reports_insert_and_remove(service, insert, monitors):
    ev = Events()
    t0 = time.monotonic()
    mon = PcscMonitor(ev, pattern="Virtual PCD")
    monitors.append(mon.start())
    assert time.monotonic() - t0 < 0.1  # start() does not wait on the service
    ev.wait(EventKind.READER_ADDED, READER)
    ev.wait(EventKind.READER_ADDED, READER2)
    card = insert(profile_for("hainan-retiree"))
    ins = ev.wait(EventKind.CARD_INSERTED)
    assert ins.atr == card.profile.atr.hex().upper() and not ins.initial
    n = len(ev.items)
    card.remove()
    ev.wait(EventKind.CARD_REMOVED, after=n)
    assert mon.cards() == {}
    t0 = time.monotonic()
    mon.stop()
    assert time.monotonic() - t0 < 0.5 and not mon.running


def test_monitor_reports_a_card_already_present(insert, monitors):
    insert(profile_for("chongqing-employee"))
    ev = Events()
    monitors.append(PcscMonitor(ev).start())
    e = ev.wait(EventKind.CARD_INSERTED)
    assert e.initial
    time.sleep(0.3)
    assert ev.kinds(READER).count(EventKind.CARD_INSERTED) == 1


def test_reads_do_not_produce_spurious_events(insert, monitors):
    insert(profile_for("local"))
    ev = Events()
    monitors.append(PcscMonitor(ev, pattern=READER).start())
    ev.wait(EventKind.CARD_INSERTED)
    for _ in range(5):
        read()
    time.sleep(0.5)
    assert ev.kinds() == [EventKind.READER_ADDED, EventKind.CARD_INSERTED]


def test_pcscd_restart_while_monitoring(service, insert, monitors):
    service.require_owned()
    insert(profile_for("two-insurances"))  # reconnects to vpcd by itself: the card stays in
    ev = Events()
    mon = PcscMonitor(ev, pattern=READER)
    monitors.append(mon.start())
    ev.wait(EventKind.CARD_INSERTED)
    n = len(ev.items)
    service.stop()
    ev.wait(EventKind.SERVICE_LOST, reader=None, after=n)
    ev.wait(EventKind.CARD_REMOVED, after=n)
    ev.wait(EventKind.READER_REMOVED, after=n)
    with pytest.raises(NoService) as e:
        read()
    assert "pcscd" in e.value.user_message
    assert mon.running
    n = len(ev.items)
    service.start()
    ev.wait(EventKind.SERVICE_RESTORED, reader=None, after=n, timeout=5)
    ev.wait(EventKind.READER_ADDED, after=n)
    ev.wait(EventKind.CARD_INSERTED, after=n, timeout=5)
    assert mon.cards().keys() == {READER}
    assert read()[0].card_no == "H00000008"


def test_no_reader_at_all_and_monitor_sees_readers_come(service, monitors):
    service.require_owned()
    empty = tempfile.mkdtemp(prefix="pcscd-noreaders-")
    service.restart("-c", empty)
    assert service.readers() == []
    with pytest.raises(NoReader) as e:
        PcscCardReader().read()
    assert "读卡器" in e.value.user_message
    ev = Events()
    monitors.append(PcscMonitor(ev).start())
    time.sleep(0.2)
    assert EventKind.READER_ADDED not in ev.kinds()
    service.restart()
    ev.wait(EventKind.READER_ADDED, timeout=5)


def test_monitor_started_while_service_is_down(service, insert, monitors):
    service.require_owned()
    service.stop()
    ev = Events()
    t0 = time.monotonic()
    monitors.append(PcscMonitor(ev, pattern=READER).start())
    assert time.monotonic() - t0 < 0.1
    e = ev.wait(EventKind.SERVICE_LOST, reader=None)
    assert e.initial
    service.start()
    ev.wait(EventKind.SERVICE_RESTORED, reader=None, timeout=5)
    insert(profile_for("suspended"))
    ev.wait(EventKind.CARD_INSERTED)


# command line -------------------------------------------------------------------------------------
def test_card_watch_command_counts_events(insert, capsys):
    p = argparse.ArgumentParser()
    card_cmd.add_parsers(p.add_subparsers())
    args = p.parse_args(["card", "watch", "--reader", READER, "--count", "2", "--timeout", "8"])
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("rc", args.func(args)))
    t.start()
    time.sleep(0.3)
    card = insert(profile_for("yunnan-resident"))
    time.sleep(0.2)
    card.remove()
    t.join(10)
    out = capsys.readouterr().out
    assert result.get("rc") == 0
    assert "card_inserted" in out and "card_removed" in out and "已插卡" in out


def test_card_read_command_over_pcscd(insert, capsys):
    insert(profile_for("hainan-retiree"))
    p = argparse.ArgumentParser()
    card_cmd.add_parsers(p.add_subparsers())
    args = p.parse_args(["card", "read", "--reader", "PCD 00 00"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert READER in out and "符**" in out and "460100194603120132" not in out


def test_python_m_drivers_virtual(service):
    proc = subprocess.Popen([sys.executable, "-m", "drivers.virtual", "--person", "sichuan-resident",
                             "--seconds", "10"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        assert wait_for(card_present, 8.0), "the card of python -m drivers.virtual never appeared"
        assert read()[0].card_no == "C00000003"
    finally:
        proc.terminate()
        out = proc.communicate(5)[0]
    assert proc.returncode == 0, out
    assert "已插入" in out and "已拔卡" in out
    assert wait_for(lambda: not card_present(), 3.0)
