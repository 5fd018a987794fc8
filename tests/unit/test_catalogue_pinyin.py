"""The catalogue search: codes first, then names, then pinyin initials (拼音首字母) and full pinyin prefixes."""
from __future__ import annotations

from terminal.app.catalogue import SANDBOX_CATALOGUE, Catalogue, pinyin_keys


def cat() -> Catalogue:
    return Catalogue.from_json(SANDBOX_CATALOGUE, "450100")


def names(found) -> list[str]:
    return [i.name for i in found]


def test_pinyin_initials_find_the_item():
    assert names(cat().search("xbdp"))[0] == "硝苯地平控释片"
    assert names(cat().search("XBDP"))[0] == "硝苯地平控释片"  # caps lock on
    assert names(cat().search("lhqw")) == ["连花清瘟胶囊"]
    assert names(cat().search("amxl"))[0] == "阿莫西林胶囊"


def test_full_pinyin_prefix_finds_the_item():
    assert names(cat().search("xiaoben"))[0] == "硝苯地平控释片"
    assert names(cat().search("lianhua")) == ["连花清瘟胶囊"]


def test_codes_rank_before_pinyin_and_names_still_match():
    c = cat()
    assert c.search("NNYP0002")[0].hosp_code == "NNYP0002"
    assert names(c.search("地平")) == ["硝苯地平控释片", "苯磺酸氨氯地平片"]
    assert c.search("zzzzq") == []


def test_pinyin_keys_keep_only_letters_and_digits():
    assert pinyin_keys("硝苯地平控释片") == ("xbdpksp", "xiaobendipingkongshipian")
    assert pinyin_keys("0.9%氯化钠注射液")[0] == "09lhnzsy"
