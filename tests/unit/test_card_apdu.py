"""APDU layer of the social security card: commands, 61xx/6Cxx session, TLV records, decoding, the read
sequence, fuzzed with hypothesis (arbitrary answers end in CardData or a typed CardError, nothing else)."""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.pcsc import apdu as A
from drivers.pcsc.errors import (CardCommunicationError, CardError, CardExpired, CardRemoved,
                                 NotSocialSecurityCard, UnreadableRecord)
from drivers.pcsc.records import (ALL_RECORDS, EF05_RECORDS, RecordFormatError, TruncatedRecord, build_tlv_record,
                                  decode_bcd_date, decode_code, decode_gbk, decode_value, parse_tlv_record)
from drivers.pcsc.sequence import CardReadSequence, check_expiry, expiry_status, read_ssc
from drivers.virtual import ApduProcessor, named_profile, profile_for
from terminal.core.models import CardData


def transmit_for(profile_or_card):
    card = profile_or_card if isinstance(profile_or_card, ApduProcessor) else ApduProcessor(profile_or_card)
    card.power_on()

    def transmit(apdu: bytes):
        r = card.process(apdu)
        return r[:-2], r[-2], r[-1]

    return transmit


# commands ----------------------------------------------------------------------------------------
def test_commands_match_the_protocol_document():
    assert A.select_aid().hex(" ").upper() == "00 A4 04 00 0F 73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF"
    assert A.select_ef(A.EF05).hex(" ").upper() == "00 A4 02 00 02 EF 05"
    assert A.select_ef(A.EF06).hex(" ").upper() == "00 A4 02 00 02 EF 06"
    assert A.read_record(0x09, 0x20).hex(" ").upper() == "00 B2 09 04 20"
    assert A.get_response(0x12).hex(" ").upper() == "00 C0 00 00 12"


def test_with_le_per_case():
    assert A.with_le(bytes.fromhex("00B2010400"), 0x12) == bytes.fromhex("00B2010412")  # case 2
    assert A.with_le(bytes.fromhex("00A4020002EF05"), 0x10) == bytes.fromhex("00A4020002EF0510")  # case 3
    assert A.with_le(bytes.fromhex("00A4020002EF0500"), 0x10) == bytes.fromhex("00A4020002EF0510")  # case 4
    assert A.with_le(bytes.fromhex("00B20104"), 0x05) == bytes.fromhex("00B2010405")  # case 1


# session -----------------------------------------------------------------------------------------
class Script:
    """A transport answering from a list and recording what it was sent."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.sent: list[bytes] = []

    def __call__(self, apdu):
        self.sent.append(apdu)
        data, sw = self.answers.pop(0)
        return bytes.fromhex(data), sw >> 8, sw & 0xFF


def test_6c_resends_with_the_right_le_then_61_fetches():
    t = Script(("", 0x6C20), ("", 0x6120), ("AB" * 32, 0x9000))
    s = A.ApduSession(t)
    r = s.exchange(A.read_record(1, 0x12))
    assert r.data == bytes.fromhex("AB" * 32) and r.sw == 0x9000
    assert t.sent == [A.read_record(1, 0x12), A.read_record(1, 0x20), A.get_response(0x20)]
    assert s.count == 3 and s.corrected_le == 0x20


def test_61_chain_is_concatenated():
    t = Script(("", 0x6104), ("01020304", 0x6102), ("0506", 0x9000))
    r = A.ApduSession(t).exchange(A.read_record(1, 0))
    assert r.data == bytes.fromhex("010203040506") and r.ok


def test_61_after_select_is_not_fetched():
    t = Script(("", 0x6115))
    s = A.ApduSession(t)
    assert s.exchange(A.select_aid(), want_data=False).sw == 0x9000
    assert s.count == 1


def test_endless_61_is_a_communication_error():
    t = Script(*[("00", 0x6101)] * 20)
    with pytest.raises(CardCommunicationError):
        A.ApduSession(t).exchange(A.read_record(1, 0))


@pytest.mark.parametrize("bad", [None, (b"",), (b"", 0x90), (b"", 0x190, 0), (b"", -1, 0), (1, 2, 3),
                                 ("x", 0x90, 0), (b"", 144.0, 0)])
def test_malformed_transport_answers_are_typed(bad):
    with pytest.raises(CardCommunicationError):
        A.ApduSession(lambda apdu: bad).exchange(A.select_aid())


def test_transport_errors_pass_through():
    def removed(apdu):
        raise CardRemoved("pulled")

    with pytest.raises(CardRemoved):
        read_ssc(removed)


# records -----------------------------------------------------------------------------------------
def test_tlv_with_padding_and_long_length():
    assert parse_tlv_record(7, bytes.fromhex("0709") + b"A00000001" + b"\xff" * 10) == b"A00000001"
    assert parse_tlv_record(9, bytes((9, 0x81, 3)) + b"abc") == b"abc"
    assert parse_tlv_record(9, bytes((9, 0x82, 0, 3)) + b"abc\x00") == b"abc"
    assert parse_tlv_record(3, b"\xff" * 6) == b""  # unwritten record
    assert parse_tlv_record(3, b"2.00", expected_size=4) == b"2.00"  # bare value


def test_tlv_truncated_and_malformed():
    with pytest.raises(TruncatedRecord) as e:
        parse_tlv_record(9, bytes((9, 30)) + b"x" * 10)
    assert e.value.needed == 32
    with pytest.raises(RecordFormatError):
        parse_tlv_record(9, bytes((8, 2)) + b"ab")
    with pytest.raises(RecordFormatError):
        parse_tlv_record(9, bytes((9, 0x85, 1, 1)))


def test_decoders():
    assert decode_gbk("符大海".encode("gbk") + b"\x00" * 24) == "符大海"
    assert decode_gbk("欧阳振华".encode("gbk") + b"\xff" * 22) == "欧阳振华"
    assert decode_gbk("王秀英".encode("gbk") + b" " * 24) == "王秀英"
    assert decode_bcd_date(bytes.fromhex("20351231")) == "20351231"
    assert decode_bcd_date(bytes.fromhex("FFFFFFFF")) == ""
    assert decode_bcd_date(bytes.fromhex("20351399")) == ""
    assert decode_bcd_date(bytes.fromhex("2035")) == ""
    assert decode_code(b"1") == "1" and decode_code(b"\x02") == "2" and decode_code(b"\xff") == ""
    assert decode_value(ALL_RECORDS[0x0B], b"\x01") == "01"
    assert decode_value(ALL_RECORDS[0x01], bytes.fromhex("460100D1560000051A2B3C4D00000001")) == \
        "460100D1560000051A2B3C4D00000001"
    # an issuer that wrote card_sn as 32 ASCII characters
    assert decode_value(ALL_RECORDS[0x01], b"460100d1560000051a2b3c4d00000001") == \
        "460100D1560000051A2B3C4D00000001"


# sequence ----------------------------------------------------------------------------------------
def test_full_read_of_a_second_generation_card_in_15_apdus():
    seq = CardReadSequence(transmit_for(profile_for("hainan-retiree")), b"\x3b")
    card = seq.run()
    assert isinstance(card, CardData)
    assert (card.card_no, card.card_sn, card.version) == ("A00000001", "460100D1560000051A2B3C4D00000001", "2.00")
    assert (card.ssn, card.name, card.sex, card.birth_date) == ("460100194603120132", "符大海", "1", "19460312")
    assert card.atr == "3B"
    assert seq.apdu_count == 15 and seq.locked == []


def test_third_generation_reads_what_is_readable():
    seq = CardReadSequence(transmit_for(profile_for("shanghai-employee")))
    card = seq.run()
    assert card.card_no == "B00000002" and card.card_sn.startswith("310000")
    assert card.issue_date == card.expiry_date == card.ssn == card.name == ""
    assert {5, 6, 8}.issubset(seq.locked)
    assert seq.apdu_count == 11
    assert expiry_status(card) == "unknown"


def test_missing_application():
    with pytest.raises(NotSocialSecurityCard) as e:
        read_ssc(transmit_for(named_profile("damaged")))
    assert e.value.sw == 0x6A82 and "社保卡" in e.value.user_message


def test_locked_card_number_is_unreadable():
    prof = profile_for("hainan-retiree", locked=frozenset({0x07}))
    with pytest.raises(UnreadableRecord) as e:
        read_ssc(transmit_for(prof))
    assert e.value.sw == 0x6982


def test_second_generation_with_one_locked_holder_record_keeps_the_rest():
    card = read_ssc(transmit_for(profile_for("hainan-retiree", locked=frozenset({0x08}))))
    assert card.ssn == "" and card.name == "符大海"


@pytest.mark.parametrize("kind", ["t0", "sw-paths"])
def test_t0_and_forced_status_word_paths(kind):
    seq = CardReadSequence(transmit_for(named_profile(kind)))
    card = seq.run()
    p = named_profile(kind)
    assert (card.card_no, card.name, card.expiry_date) == (p.card_no, p.name, p.expiry_date)
    assert seq.apdu_count <= (15 if kind == "t0" else 30)


def test_fixed_size_records_cost_one_extra_apdu_per_file():
    seq = CardReadSequence(transmit_for(profile_for("hainan-retiree", record_size=40, le_policy="6c")))
    assert seq.run().name == "符大海"
    assert seq.apdu_count == 17


def test_t1_card_with_longer_records_is_read_again():
    # A T=1 card that silently truncates to Le: the TLV length tells the reader to ask again.
    prof = profile_for("hainan-retiree")
    card = ApduProcessor(prof)
    card.files[0xEF06][0x09] = build_tlv_record(0x09, "符大海".encode("gbk") + b"\x00" * 40)
    seq = CardReadSequence(transmit_for(card))
    assert seq.run().name == "符大海"
    assert seq.apdu_count == 16


def test_expiry():
    card = read_ssc(transmit_for(profile_for("expired-card")))
    assert expiry_status(card, "20250101") == "expired"
    assert expiry_status(card, "20241231") == "valid"
    with pytest.raises(CardExpired) as e:
        check_expiry(card, "2025-01-01")
    assert e.value.card is card and "有效期" in e.value.user_message
    assert check_expiry(read_ssc(transmit_for(profile_for("local"))), "20250101").card_no == "J00000010"


def test_error_messages_are_chinese_with_english_detail_and_no_personal_data():
    e = UnreadableRecord("EF05 record 07 (card_no) is locked", sw=0x6982)
    assert "社保卡" in e.user_message and "card_no" in e.detail and "6982" in str(e)


# fuzzing -----------------------------------------------------------------------------------------
answers = st.tuples(st.binary(max_size=300), st.integers(0, 255), st.integers(0, 255))
likely_sws = st.sampled_from([0x9000, 0x6282, 0x6982, 0x6A82, 0x6A83, 0x6700, 0x6D00, 0x6120, 0x6112,
                              0x6C20, 0x6C00, 0x6100, 0x6985, 0x6F00])
likely_answers = st.tuples(st.binary(max_size=64), likely_sws).map(lambda t: (t[0], t[1] >> 8, t[1] & 0xFF))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_read_sequence_only_raises_card_errors(data):
    strategy = st.one_of(answers, likely_answers)

    def transmit(apdu):
        return data.draw(strategy)

    try:
        card = read_ssc(transmit)
    except CardError:
        return
    assert isinstance(card, CardData) and card.card_sn and card.card_no


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 255), st.binary(max_size=300), st.one_of(st.none(), st.integers(0, 64)))
def test_fuzz_tlv_parser(rec, data, expected):
    try:
        v = parse_tlv_record(rec, data, expected)
    except RecordFormatError:
        return
    assert isinstance(v, bytes) and len(v) <= len(data)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(ALL_RECORDS)), st.binary(max_size=64))
def test_fuzz_value_decoders(rec, value):
    assert isinstance(decode_value(ALL_RECORDS[rec], value), str)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["gen2", "gen3", "t0", "sw-paths", "expired"]), st.randoms(use_true_random=False),
       st.floats(0.0, 0.5))
def test_fuzz_mutated_real_answers(kind, rnd: random.Random, rate):
    """Answers of a well-behaved card, randomly corrupted (bit flips, truncation, wrong SW, extra bytes)."""
    card = ApduProcessor(named_profile(kind))
    card.power_on()

    def transmit(apdu):
        r = bytearray(card.process(apdu))
        if rnd.random() < rate:
            what = rnd.randrange(4)
            if what == 0 and r:
                i = rnd.randrange(len(r))
                r[i] ^= 1 << rnd.randrange(8)
            elif what == 1:
                r = r[:rnd.randrange(len(r) + 1)]
            elif what == 2:
                r[-2:] = bytes((rnd.randrange(256), rnd.randrange(256)))
            else:
                r[:0] = bytes(rnd.randrange(256) for _ in range(rnd.randrange(8)))
        if len(r) < 2:
            return bytes(r), 0x6F, 0x00
        return bytes(r[:-2]), r[-2], r[-1]

    try:
        read = read_ssc(transmit)
    except CardError:
        return
    assert isinstance(read, CardData)


def test_required_records_are_the_credential():
    assert [s.name for s in EF05_RECORDS if s.required] == ["card_sn", "card_no"]
