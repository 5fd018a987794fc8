import json
import logging

from terminal.core.privacy import mask_card, mask_data, mask_id, mask_name, mask_token
from terminal.logsetup import scrub, setup_logging

ID = "460100194603120132"
CARD_SN = "460100D1560000051A2B3C4D00000001"


def test_masks():
    assert mask_id(ID) == "460100********0132"
    assert mask_name("符大海") == "符**"
    assert mask_card("A00000001") == "A0*****01"
    assert mask_card(CARD_SN).startswith("460100") and CARD_SN[10:20] not in mask_card(CARD_SN)
    assert "secret-token-value" not in mask_token("secret-token-value")


def test_mask_data_deep():
    d = {"input": {"data": {"mdtrt_cert_no": ID, "card_sn": CARD_SN, "psn_name": "符大海", "amount": 1}},
         "list": [{"certno": ID}], "ecToken": "abcdefghijklmnop"}
    m = json.dumps(mask_data(d), ensure_ascii=False)
    assert ID not in m and CARD_SN not in m and "符大海" not in m and "abcdefghijklmnop" not in m
    assert '"amount": 1' in m


def test_scrub_free_text():
    text = f"person {ID} card {CARD_SN} " + '{"ecToken": "tok123456789"}'
    s = scrub(text)
    assert ID not in s and CARD_SN not in s and "tok123456789" not in s


def test_log_file_is_masked(tmp_path):
    path = setup_logging(tmp_path, "INFO")
    logging.getLogger("terminal.test").info("identified %s with card %s", ID, CARD_SN)
    for h in logging.getLogger().handlers:
        h.flush()
    content = path.read_text(encoding="utf-8")
    assert "identified" in content
    assert ID not in content and CARD_SN not in content


def test_birth_date_keeps_the_year_only():
    """3101's patient_dtos and 1101's baseinfo carry brdy: beside a masked ID number the full date would give back
    most of what the mask hides."""
    m = mask_data({"input": {"data": {"patient_dtos": [{"patn_id": "46010000000000000001", "brdy": "1946-03-12",
                                                         "gend": "1"}]}}, "output": {"baseinfo": {"brdy": "19460312"}}})
    assert m["input"]["data"]["patient_dtos"][0]["brdy"] == "1946-**-**"
    assert m["output"]["baseinfo"]["brdy"] == "1946****"
