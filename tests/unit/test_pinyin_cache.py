"""The catalogue's pinyin spellings kept on disk (terminal.app.pinyin_cache): a second start reads them and asks
nobody, a file that does not fit the catalogue is asked again, the search finds the same either way. The child
process itself is tested in tests/integration/test_pinyin_child.py (no process starts here: the child is replaced
by the same function called in this process)."""
from __future__ import annotations

import json

import pytest

from terminal.app import pinyin_cache
from terminal.app.catalogue import SANDBOX_CATALOGUE, Catalogue
from terminal.core.pinyin import spell_chars


def cat(cache_dir=None) -> Catalogue:
    c = Catalogue.from_json(SANDBOX_CATALOGUE, "450100")
    c.cache_dir = cache_dir
    return c


def names(found) -> list[str]:
    return [i.name for i in found]


@pytest.fixture
def child_calls(monkeypatch):
    """in_child replaced by the same function in this process; the characters each call asked for."""
    calls: list[list[str]] = []

    def fake(chars, timeout=0.0):
        calls.append(list(chars))
        return spell_chars(chars)

    monkeypatch.setattr(pinyin_cache, "in_child", fake)
    return calls


def nobody_may_be_asked(monkeypatch):
    def boom(*_a, **_k):
        raise AssertionError("asked although the cache fits")

    monkeypatch.setattr(pinyin_cache, "in_child", boom)
    monkeypatch.setattr(pinyin_cache, "spell_chars", boom)


def test_the_second_start_reads_the_spellings_and_asks_nobody(tmp_path, child_calls, monkeypatch):
    first = cat(tmp_path)
    assert names(first.search("xbdp"))[0] == "硝苯地平控释片"
    assert len(child_calls) == 1 and "硝" in child_calls[0] and all(not c.isascii() for c in child_calls[0])
    files = list(tmp_path.glob("pinyin-*.json"))
    assert len(files) == 1
    table = json.loads(files[0].read_text("utf-8"))["chars"]
    assert table["硝"] == ["qx", "xiao"]  # every reading's initial (xiāo, qiào), the first reading
    nobody_may_be_asked(monkeypatch)
    again = cat(tmp_path)
    assert names(again.search("xbdp"))[0] == "硝苯地平控释片"
    assert names(again.search("lianhua")) == ["连花清瘟胶囊"]


def test_with_or_without_the_cache_the_search_finds_the_same(tmp_path, child_calls):
    plain, cached = cat(None), cat(tmp_path)
    for q in ("xbdp", "XBDP", "lhqw", "amxl", "xiaoben", "09lhn", "dp", "pian", "zzzzq"):
        assert names(cached.search(q)) == names(plain.search(q)), q
    assert child_calls  # the cached one went through the (replaced) child


def test_a_cache_that_does_not_fit_is_asked_again_and_replaced(tmp_path, child_calls, monkeypatch):
    cat(tmp_path).search("x")
    (path,) = tmp_path.glob("pinyin-*.json")
    d = json.loads(path.read_text("utf-8"))
    del d["chars"]["硝"]  # a character of the catalogue missing
    path.write_text(json.dumps(d, ensure_ascii=False), "utf-8")
    assert names(cat(tmp_path).search("xbdp"))[0] == "硝苯地平控释片"
    assert len(child_calls) == 2
    path.write_text("{not json", "utf-8")
    assert names(cat(tmp_path).search("xbdp"))[0] == "硝苯地平控释片"
    assert len(child_calls) == 3
    assert "硝" in json.loads(path.read_text("utf-8"))["chars"]


def test_a_new_catalogue_replaces_the_old_file(tmp_path, child_calls):
    cat(tmp_path).search("x")
    (old,) = tmp_path.glob("pinyin-*.json")
    c = cat(tmp_path)
    c.items = c.items[:3]  # other characters: another file
    c.search("x")
    (new,) = tmp_path.glob("pinyin-*.json")
    assert new != old


def test_when_no_child_can_start_the_search_still_works_and_the_file_is_written(tmp_path, monkeypatch):
    def no_process(*_a, **_k):
        raise OSError("fork refused")

    monkeypatch.setattr(pinyin_cache, "in_child", no_process)
    assert names(cat(tmp_path).search("lhqw")) == ["连花清瘟胶囊"]
    assert len(list(tmp_path.glob("pinyin-*.json"))) == 1


def test_a_read_only_cache_dir_only_costs_the_file(tmp_path, child_calls):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the directory should be", "utf-8")
    assert names(cat(blocker).search("lhqw")) == ["连花清瘟胶囊"]
