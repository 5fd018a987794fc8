"""The catalogue search: codes first, then names, then pinyin initials (拼音首字母) and full pinyin prefixes."""
from __future__ import annotations

from dataclasses import replace

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


def test_pinyin_keys_keep_only_letters_and_digits_and_every_reading_counts():
    alts, full = pinyin_keys("硝苯地平控释片")
    assert full == "xiaobendipingkongshipian" and alts[0] == "qx" and alts[1] == "b"
    alts = pinyin_keys("0.9%氯化钠注射液")[0]
    assert len(alts) == 8 and all(c in a for c, a in zip("09lhnzsy", alts, strict=True))
    assert names(cat().search("09lhn")) == ["0.9%氯化钠注射液"]
    c = Catalogue([it for it in cat().items] + [replace(cat().items[0], hosp_code="T1", name="长效单片")])
    assert [i.hosp_code for i in c.search("cxdp")] == ["T1"]  # 长 cháng (not only zhǎng), 单 dān
    assert [i.hosp_code for i in c.search("zxsp")] == ["T1"]  # every reading of a heteronym may be typed


def test_a_large_catalogue_is_indexed_quickly():
    import time

    base = cat().items
    big = Catalogue([replace(it, hosp_code=f"{it.hosp_code}-{n}", name=it.name + str(n))
                     for n in range(250) for it in base])  # ~10,000 lines
    t = time.perf_counter()
    assert big.search("xbdp")[0].name.startswith("硝苯地平控释片")
    assert time.perf_counter() - t < 5.0  # index and first search (generous: shared CI machines)
