"""The local catalogue the cashier adds bill items from (F4, drug barcodes): searchable by code, name, pinyin
initials (拼音首字母, "xbdp" finds 硝苯地平控释片) or the start of the full pinyin ("xiaoben"), via pypinyin: asked
once per catalogue in a child process and kept on disk (terminal.app.pinyin_cache), so its ~58 MB dictionary is
never resident in the cashier's process.

Sources, first found wins: the store's catalogue (when terminal.store provides one), a catalogue.json in
cfg.data_dir, and in training mode the sandbox's treatment-place catalogue (terminal/sandbox/data).
Qt-free.
"""
from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Iterable

from terminal.app.pinyin_cache import spellings
from terminal.core.models import FeeItem
from terminal.core.money import MISSING, parse_price
from terminal.core.pinyin import Spelling, spell_ascii

if TYPE_CHECKING:
    from terminal.config import Config
    from terminal.store import Store

log = logging.getLogger(__name__)

SANDBOX_CATALOGUE = Path(__file__).resolve().parents[1] / "sandbox" / "data" / "catalogue.json"
LEVELS = {"01": "甲类", "02": "乙类", "03": "丙类"}


@dataclass(frozen=True)
class CatalogueItem:
    hosp_code: str
    national_code: str
    name: str
    price: Decimal
    spec: str = ""
    unit: str = ""
    level: str = ""
    barcode: str = ""

    @property
    def level_name(self) -> str:
        return LEVELS.get(self.level, self.level)

    def fee_item(self, qty: Any = 1, line: int | None = None) -> FeeItem:
        """A bill line of this item; qty as typed (parsed strictly: ValueError naming the item and field)."""
        return FeeItem.from_input(line=line, limits=None, hosp_code=self.hosp_code, national_code=self.national_code,
                                  name=self.name, price=self.price, qty=qty, spec=self.spec, unit=self.unit)

    @classmethod
    def from_record(cls, d: dict[str, Any]) -> CatalogueItem:
        return cls(
            hosp_code=str(d.get("medins_list_codg") or d.get("hosp_code") or ""),
            national_code=str(d.get("med_list_codg") or d.get("national_code") or ""),
            name=str(d.get("name") or d.get("med_list_name") or ""),
            price=parse_price(d["pric"] if d.get("pric") is not None else d.get("price", MISSING),
                              field="pric", item=str(d.get("name") or d.get("med_list_name") or "")),
            spec=str(d.get("spec") or ""), unit=str(d.get("unit") or ""),
            level=str(d.get("chrgitm_lv") or ""), barcode=str(d.get("barcode") or d.get("ean13") or ""),
        )


_LATIN = re.compile(r"[A-Z0-9 '.%]+")
_PLAIN = re.compile(r"[^a-z0-9]")


def _spell_char(ch: str, table: dict[str, Spelling]) -> Spelling:
    """(the initials of every reading, the first reading) of one character, lower case without tones; a letter or
    digit is itself; anything else ("", ""): skipped."""
    return spell_ascii(ch) if ch.isascii() else table.get(ch, ("", ""))


def pinyin_keys(name: str, table: dict[str, Spelling] | None = None) -> tuple[tuple[str, ...], str]:
    """Per character the initials it may stand for (单 → "cds": every reading counts), and the full pinyin of the
    first readings ("xiaobendipingkongshipian" for 硝苯地平控释片). ``table``: the characters' spellings
    (terminal.app.pinyin_cache.spellings); without it they are asked in this process."""
    t = table if table is not None else spellings(name, None)
    spelled = [_spell_char(ch, t) for ch in name]
    return tuple(i for i, _f in spelled if i), "".join(f for _i, f in spelled)


def _initials_at(alts: tuple[str, ...], q: str, start: int) -> bool:
    if start + len(q) > len(alts):
        return False
    return all(c in alts[start + n] for n, c in enumerate(q))


class Catalogue:
    def __init__(self, items: Iterable[CatalogueItem] = (), source: str = "", cache_dir: Path | None = None):
        self.items = list(items)
        self.source = source
        self.cache_dir = cache_dir  # where the pinyin spellings are kept between starts (None: asked in-process)

        self._pinyin: list[tuple[tuple[str, ...], str, str]] | None = None  # per item, built on first use
        self._pinyin_lock = threading.Lock()
        self._preparing: threading.Thread | None = None

    def __len__(self) -> int:
        return len(self.items)

    def _spelled(self) -> list[tuple[tuple[str, ...], str, str]]:
        """Per item: the initials each character may stand for, the full pinyin, the first readings' initials."""
        with self._pinyin_lock:  # built once, whether by prepare_search's thread or by the first search
            if self._pinyin is None:
                table = spellings((ch for it in self.items for ch in it.name), self.cache_dir)
                keys = [pinyin_keys(it.name, table) for it in self.items]
                self._pinyin = [(alts, full, "".join(_spell_char(ch, table)[1][:1] for ch in it.name))
                                for (alts, full), it in zip(keys, self.items, strict=True)]
            return self._pinyin

    def prepare_search(self) -> None:
        """Build the pinyin keys in a background thread (the F4 picker opens): when the catalogue's spellings are
        not on disk yet, the child process that asks them runs while the cashier starts typing."""
        if self._pinyin is None and self._preparing is None and self.items:
            self._preparing = threading.Thread(target=self._spelled, name="catalogue-pinyin", daemon=True)
            self._preparing.start()

    def search(self, text: str, limit: int = 200) -> list[CatalogueItem]:
        """Codes first (exact, then prefix), then names, then pinyin: initials or full pinyin, prefix before infix."""
        q = text.strip().upper()
        if not q:
            return self.items[:limit]
        spell = _PLAIN.sub("", q.lower()) if _LATIN.fullmatch(q) else ""
        keys = self._spelled() if spell else None
        exact, starts, named, spelled, contains = [], [], [], [], []
        for n, it in enumerate(self.items):
            codes = (it.hosp_code.upper(), it.national_code.upper(), it.barcode.upper())
            if q in codes:
                exact.append(it)
            elif any(c.startswith(q) for c in codes if c):
                starts.append(it)
            elif q in it.name.upper():
                named.append(it)
            elif keys is not None and (_initials_at(keys[n][0], spell, 0) or keys[n][1].startswith(spell)):
                spelled.append(it)
            elif any(q in c for c in codes if c) or (keys is not None and (spell in keys[n][2] or spell in keys[n][1])):
                contains.append(it)  # inside the name: the initials of the first readings, or the full pinyin
        return (exact + starts + named + spelled + contains)[:limit]

    def by_code(self, code: str) -> CatalogueItem | None:
        c = code.strip().upper()
        for it in self.items:
            if c and c in (it.hosp_code.upper(), it.national_code.upper(), it.barcode.upper()):
                return it
        return None

    @classmethod
    def from_json(cls, path: Path, admdvs: str) -> Catalogue:
        d = json.loads(path.read_text(encoding="utf-8"))
        records: list[dict[str, Any]] = []
        if isinstance(d, dict) and isinstance(d.get("catalogues"), dict):
            cat = d["catalogues"].get(admdvs) or {}
            records = cat.get("items") or []
        elif isinstance(d, dict) and isinstance(d.get("items"), list):
            records = d["items"]
        elif isinstance(d, list):
            records = d
        items = []
        for r in records:
            try:
                items.append(CatalogueItem.from_record(r))
            except (ValueError, TypeError) as e:  # a bad line must not hide the others
                log.warning("catalogue line skipped: %s", e)
        return cls(items, str(path))

    @classmethod
    def for_config(cls, cfg: Config, store: Store | None = None) -> Catalogue:
        admdvs = cfg.facility.admdvs
        cache = Path(cfg.data_dir) / "cache"
        if store is not None:
            for name in ("catalogue_items", "catalogue"):
                fn = getattr(store, name, None)
                if callable(fn):
                    try:
                        recs = list(fn(admdvs) if name == "catalogue_items" else fn())
                        if recs:
                            return cls([r if isinstance(r, CatalogueItem) else CatalogueItem.from_record(dict(r))
                                        for r in recs], "store", cache_dir=cache)
                    except Exception as e:
                        log.warning("store catalogue unavailable: %s", e)
        local = Path(cfg.data_dir) / "catalogue.json"
        for p in ([local] + ([SANDBOX_CATALOGUE] if cfg.training else [])):
            if p.is_file():
                try:
                    cat = cls.from_json(p, admdvs)
                except (OSError, ValueError) as e:
                    log.warning("catalogue %s unreadable: %s", p, e)
                    continue
                if len(cat):
                    cat.cache_dir = cache
                    return cat
        return cls([], "")
