"""The virtual social security card: profiles from persons.json, the APDU processor, the in-process reader."""
from __future__ import annotations

import queue
import threading
import time

import pytest

from drivers.pcsc import CardReader, EventKind, check_expiry
from drivers.pcsc.apdu import EF05, EF06, SSSE_AID, read_record, select_aid, select_ef
from drivers.pcsc.errors import CardExpired, CardRemoved, NoCard, NotSocialSecurityCard
from drivers.virtual import (GEN3_LOCKED, KINDS, ApduProcessor, VirtualCardReader, load_persons, make_atr,
                             named_profile, person_keys, profile_for, resolve_profile)


def sw(resp: bytes) -> int:
    return (resp[-2] << 8) | resp[-1]


# profiles ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", person_keys())
def test_profile_carries_the_persons_card_and_holder_data(key):
    p = load_persons()[key]
    c = p["card"]
    prof = profile_for(key)
    assert (prof.card_no, prof.card_sn, prof.version) == (c["card_no"], c["card_sn"], c["version"])
    assert (prof.issue_date, prof.expiry_date) == (c["issue_date"], c["expiry_date"])
    assert (prof.ssn, prof.name, prof.sex) == (p["certno"], p["psn_name"], p["gend"])
    assert prof.birth_date == p["brdy"].replace("-", "")


@pytest.mark.parametrize("key", person_keys())
def test_every_person_reads_back_through_the_in_process_reader(key):
    p = load_persons()[key]
    reader = VirtualCardReader(profile_for(key))
    card = reader.read()
    assert card.card_no == p["card"]["card_no"] and card.card_sn == p["card"]["card_sn"]
    assert card.credential().card_sn == p["card"]["card_sn"]
    if p["card"]["version"].startswith("3"):
        assert card.name == "" and card.expiry_date == ""
        assert reader.last_apdu_count == 11
    else:
        assert (card.name, card.ssn, card.sex) == (p["psn_name"], p["certno"], p["gend"])
        assert card.birth_date == p["brdy"].replace("-", "")
        assert card.expiry_date == p["card"]["expiry_date"]
        assert reader.last_apdu_count == 15


def test_kinds_and_overrides():
    assert set(KINDS) >= {"gen2", "gen3", "expired", "damaged", "slow", "sw-paths", "t0"}
    assert named_profile("gen3").locked == GEN3_LOCKED
    assert named_profile("gen2").locked == frozenset()
    assert named_profile("t0").atr[1] >> 4 == 0x6  # TB1, TC1, no TD1: T=0 only
    assert profile_for("hainan-retiree", apdu_delay=0.2).apdu_delay == 0.2
    assert resolve_profile("hainan-retiree:t0").protocol == "T=0"
    assert resolve_profile("damaged").has_application is False
    assert profile_for("local").replace(version="3.00").locked == GEN3_LOCKED
    with pytest.raises(KeyError):
        profile_for("nobody")
    with pytest.raises(KeyError):
        profile_for("local", kind="nope")


def test_t1_atr_has_a_valid_tck():
    atr = make_atr("T=1", b"YB-SSC-2.00")
    x = 0
    for b in atr[1:]:
        x ^= b
    assert x == 0 and atr[2] == 0x01  # TD1: T=1


# processor ---------------------------------------------------------------------------------------
def test_processor_answers_like_a_card():
    card = ApduProcessor(profile_for("hainan-retiree"))
    card.power_on()
    assert sw(card.process(read_record(1, 0))) == 0x6986  # no current EF
    assert sw(card.process(select_ef(EF05))) == 0x6A82  # not before the application
    assert sw(card.process(bytes.fromhex("00A404000F") + b"x" * 15)) == 0x6A82
    assert sw(card.process(select_aid())) == 0x9000
    fci = card.process(select_aid() + b"\x00")
    assert SSSE_AID in fci and sw(fci) == 0x9000
    assert sw(card.process(select_ef(0xEF07))) == 0x6A82
    assert sw(card.process(select_ef(EF05))) == 0x9000
    r = card.process(read_record(7, 0))
    assert r[:2] == b"\x07\x09" and r[2:11] == b"A00000001" and sw(r) == 0x9000
    assert card.process(read_record(7, 5)) == r[:5] + b"\x90\x00"  # T=1 style truncation
    assert sw(card.process(read_record(0x20, 0))) == 0x6A83
    assert sw(card.process(bytes.fromhex("00C0000010"))) == 0x6985  # nothing pending
    assert sw(card.process(bytes.fromhex("80B2010400"))) == 0x6E00
    assert sw(card.process(bytes.fromhex("00FF000000"))) == 0x6D00
    assert sw(card.process(b"\x00\xb2")) == 0x6700
    assert sw(card.process(bytes.fromhex("00A404000F73"))) == 0x6700  # Lc longer than the data
    assert card.apdu_count == 15


def test_t0_card_uses_61_and_6c():
    card = ApduProcessor(named_profile("t0"))
    card.power_on()
    assert card.process(select_aid())[-2] == 0x61
    assert sw(card.process(select_ef(EF05))) == 0x9000
    assert card.process(read_record(1, 0)) == b"\x6c\x12"
    r = card.process(read_record(1, 0x12))
    assert len(r) == 0x14 and sw(r) == 0x9000


def test_third_generation_locks():
    card = ApduProcessor(named_profile("gen3"))
    card.power_on()
    card.process(select_aid())
    card.process(select_ef(EF05))
    assert sw(card.process(read_record(5, 6))) == 0x6982
    assert sw(card.process(read_record(7, 11))) == 0x9000
    card.process(select_ef(EF06))
    assert sw(card.process(read_record(9, 32))) == 0x6982


# in-process reader -------------------------------------------------------------------------------
def test_in_process_reader_implements_the_interface():
    r = VirtualCardReader()
    assert isinstance(r, CardReader)
    assert r.list_readers() == [r.name]
    with pytest.raises(NoCard) as e:
        r.read()
    assert "插入" in e.value.user_message
    r.insert(named_profile("damaged"))
    with pytest.raises(NotSocialSecurityCard):
        r.read()
    r.insert(named_profile("expired"))
    with pytest.raises(CardExpired):
        check_expiry(r.read(), "20250601")
    r.remove()
    with pytest.raises(NoCard):
        r.read()


def test_in_process_removal_mid_read():
    r = VirtualCardReader(named_profile("slow", apdu_delay=0.05))
    threading.Timer(0.2, r.remove).start()
    t0 = time.monotonic()
    with pytest.raises(CardRemoved) as e:
        r.read()
    assert time.monotonic() - t0 < 0.5
    assert "拔" in e.value.user_message
    assert 2 <= r.last_apdu_count < 15


def test_in_process_monitor_events():
    r = VirtualCardReader(named_profile("gen2"))
    q: queue.Queue = queue.Queue()
    caller = threading.current_thread()
    threads = []

    def on_event(ev):
        threads.append(threading.current_thread())
        q.put(ev)

    w = r.monitor(on_event)
    assert [q.get(timeout=1).kind for _ in range(2)] == [EventKind.READER_ADDED, EventKind.CARD_INSERTED]
    r.remove()
    assert q.get(timeout=1).kind is EventKind.CARD_REMOVED
    r.insert(named_profile("gen3"))
    ev = q.get(timeout=1)
    assert ev.kind is EventKind.CARD_INSERTED and not ev.initial and ev.atr.startswith("3B")
    w.stop()
    assert not w.running
    r.remove()
    time.sleep(0.05)
    assert q.empty()
    assert caller not in threads  # callbacks never run on the caller's thread
