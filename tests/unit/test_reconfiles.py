"""The 3202 detail and result files (terminal.core.reconfiles): exact bytes, strict parsing, a round trip."""
from __future__ import annotations

import hashlib
import io
import zipfile
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal.core import reconfiles as rf


def rows():
    return [
        {"setl_id": "S1", "mdtrt_id": "M1", "psn_no": "P1", "medfee_sumamt": Decimal("53.40"),
         "fund_pay_sumamt": Decimal("30.00"), "acct_pay": Decimal("0.00"), "refd_setl_flag": "0"},
        {"setl_id": "C1", "mdtrt_id": "M1", "psn_no": "P1", "medfee_sumamt": Decimal("-53.40"),
         "fund_pay_sumamt": Decimal("-30.00"), "acct_pay": "0", "refd_setl_flag": "1"},
    ]


def zipped(text: bytes, name: str = "x.txt") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, text)
    return buf.getvalue()


def test_detail_file_is_a_zip_of_one_tab_separated_utf8_text_named_as_the_contract_says():
    name, data = rf.build_detail_file(rows(), fixmedins_code="H45010000001", day="2025-06-16")
    assert name == "H45010000001_20250616_3202.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.namelist() == ["H45010000001_20250616_3202.txt"]
        text = z.read(z.namelist()[0]).decode("utf-8")
    assert text == "S1\tM1\tP1\t53.40\t30.00\t0.00\t0\nC1\tM1\tP1\t-53.40\t-30.00\t0.00\t1\n"
    back = rf.parse_detail_file(data)
    assert back[1]["medfee_sumamt"] == Decimal("-53.40") and back[1]["refd_setl_flag"] == "1"
    # the same rows give the same bytes (no clock inside the zip)
    assert rf.build_detail_file(rows(), fixmedins_code="H45010000001", day="2025-06-16")[1] == data


@pytest.mark.parametrize("text, line, words", [
    (b"S1\tM1\tP1\t53.40\t30.00\t0.00\t0\nS2\tM2\tP2\t1.005\t0\t0\t0\n", 2, "小数位"),
    (b"S1\tM1\tP1\t53.40\t30.00\t0.00\n", 1, "7 个"),
    (b"S1\tM1\tP1\t1,053.40\t30.00\t0.00\t0\n", 1, "医疗费总额"),
    (b"S1\tM1\tP1\t53.40\t30.00\t0.00\t0\n\nS2\tM2\tP2\t1.00\t0\t0\t0\n", 2, "空行"),
    (b"S1\tM1\tP1\t53.40\t30.00\t0.00\t2\n", 1, "refd_setl_flag"),
    (b"S1\tM1\tP1\t-53.40\t30.00\t0.00\t0\n", 1, "负数"),
    (b"S1\tM1\tP1\t53.40\t30.00\t0.00\t0\nS1\tM1\tP1\t53.40\t30.00\t0.00\t0\n", 2, "重复"),
    (b"S1\tM1\tP1\t53.40\t30.00\t0.00\t0\nS2\tM2\t\xb2\xe2\t1.00\t0\t0\t0\n", 2, "UTF-8"),
    (b"S1\tM1\tP1\t5e1\t30.00\t0.00\t0\n", 1, "医疗费总额"),
])
def test_a_malformed_detail_line_is_refused_with_its_line_number(text, line, words):
    with pytest.raises(rf.ReconFileError) as e:
        rf.parse_detail_file(zipped(text))
    assert e.value.line == line and words in str(e.value) and f"第 {line} 行" in str(e.value)


@pytest.mark.parametrize("data, words", [
    (b"not a zip", "不是 zip"),
    (b"", "为空"),
])
def test_what_is_not_a_zip_is_refused(data, words):
    with pytest.raises(rf.ReconFileError, match=words):
        rf.parse_detail_file(data)


def test_a_zip_with_two_files_or_no_text_file_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "")
        z.writestr("b.txt", "")
    with pytest.raises(rf.ReconFileError, match="恰有一个"):
        rf.parse_detail_file(buf.getvalue())
    with pytest.raises(rf.ReconFileError, match="恰有一个"):
        rf.parse_detail_file(zipped(b"", "a.csv"))


def test_crlf_lines_and_a_bom_are_read():
    back = rf.parse_detail_file(zipped("\ufeffS1\tM1\tP1\t53.4\t30\t0.00\t0\r\n".encode()))
    assert back == [{"setl_id": "S1", "mdtrt_id": "M1", "psn_no": "P1", "medfee_sumamt": Decimal("53.40"),
                     "fund_pay_sumamt": Decimal("30.00"), "acct_pay": Decimal("0.00"), "refd_setl_flag": "0"}]


def test_building_refuses_what_the_file_cannot_carry():
    bad = rows()
    bad[0]["psn_no"] = "P\t1"
    with pytest.raises(rf.ReconFileError, match="制表符"):
        rf.build_detail_file(bad)
    bad = rows()
    bad[0]["medfee_sumamt"] = Decimal("1.005")
    with pytest.raises(rf.ReconFileError, match="第 1 行"):
        rf.build_detail_file(bad)
    bad = rows()
    bad[1]["setl_id"] = ""
    with pytest.raises(rf.ReconFileError, match="第 2 行.*setl_id"):
        rf.build_detail_file(bad)


def result_rows():
    d = Decimal
    return [
        {"setl_id": "S1", "mdtrt_id": "M1", "psn_no": "P1", "medfee_sumamt": d("10.00"), "fund_pay_sumamt": d("5.00"),
         "acct_pay": d("0.00"), "refd_setl_flag": "0", "stmt_rslt": "1", "memo": "平台无此结算",
         "plat_medfee_sumamt": None, "plat_fund_pay_sumamt": None, "plat_acct_pay": None, "plat_status": ""},
        {"setl_id": "S2", "mdtrt_id": "M2", "psn_no": "P2", "medfee_sumamt": None, "fund_pay_sumamt": None,
         "acct_pay": None, "refd_setl_flag": "0", "stmt_rslt": "2", "memo": "机构无此结算",
         "plat_medfee_sumamt": d("61.00"), "plat_fund_pay_sumamt": d("0.00"), "plat_acct_pay": d("0.00"),
         "plat_status": "booked"},
        {"setl_id": "S3", "mdtrt_id": "M3", "psn_no": "P3", "medfee_sumamt": d("10.00"), "fund_pay_sumamt": d("5.00"),
         "acct_pay": d("0.00"), "refd_setl_flag": "0", "stmt_rslt": "4", "memo": "平台已冲正",
         "plat_medfee_sumamt": d("10.00"), "plat_fund_pay_sumamt": d("5.00"), "plat_acct_pay": d("0.00"),
         "plat_status": "reversed"},
    ]


def test_result_file_round_trip_and_its_rules():
    data = rf.build_result_file(result_rows())
    back = rf.parse_result_file(data)
    assert [r["kind"] for r in back] == ["only_terminal", "only_platform", "status"]
    assert [{k: r[k] for k in rf.RESULT_FIELDS} for r in back] == result_rows()
    bad = result_rows()[:1]
    bad[0]["plat_status"] = "booked"
    with pytest.raises(rf.ReconFileError, match="第 1 行"):
        rf.build_result_file(bad)
    with pytest.raises(rf.ReconFileError, match="第 1 行.*stmt_rslt"):
        rf.parse_result_file(zipped(b"S\tM\tP\t1.00\t0\t0\t0\t9\t\t\t\t\t\n"))


def test_the_journal_keeps_a_summary_of_an_uploaded_file_not_its_bytes():
    payload = bytes(range(256)) * 40
    env = {"infno": "9101", "input": {"fsUploadIn": {"in": list(payload), "filename": "a.zip",
                                                       "fixmedins_code": "H45010000001"}}}
    s = rf.summarise_upload(env)
    assert s["input"]["fsUploadIn"]["in"] == {"bytes": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
    assert s["input"]["fsUploadIn"]["filename"] == "a.zip" and len(env["input"]["fsUploadIn"]["in"]) == len(payload)
    other = {"infno": "3202", "input": {"data": {"file_qury_no": "1"}}}
    assert rf.summarise_upload(other) is other


ids = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\t\r\n"),
              min_size=1, max_size=30).filter(lambda s: s.strip() == s and s != "" and not s.startswith("\ufeff"))
cents = st.integers(min_value=0, max_value=10**14 - 1)


@st.composite
def detail_rows(draw):
    out, seen = [], set()
    for _ in range(draw(st.integers(0, 30))):
        setl_id = draw(ids)
        if setl_id in seen:
            continue
        seen.add(setl_id)
        flag = draw(st.sampled_from(["0", "1"]))
        sign = -1 if flag == "1" else 1
        out.append({"setl_id": setl_id, "mdtrt_id": draw(ids), "psn_no": draw(ids),
                    **{k: (Decimal(sign * draw(cents)) / 100).quantize(Decimal("0.01")) for k in rf.AMOUNTS},
                    "refd_setl_flag": flag})
    return out


@settings(max_examples=150, deadline=None)
@given(detail_rows())
def test_detail_round_trip(rs):
    name, data = rf.build_detail_file(rs, fixmedins_code="H45010000001", day="2025-06-16")
    back = rf.parse_detail_file(data)
    assert back == rs
    assert all(a.as_tuple().exponent == -2 for r in back for a in (r[k] for k in rf.AMOUNTS))
