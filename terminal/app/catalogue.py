"""The local catalogue the cashier adds bill items from (F4, drug barcodes): searchable by code or name.

Sources, first found wins: the store's catalogue (when terminal.store provides one), a catalogue.json in
cfg.data_dir, and in training mode the sandbox's treatment-place catalogue (terminal/sandbox/data).
Qt-free.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Iterable

from terminal.core.models import FeeItem
from terminal.core.money import MISSING, parse_price

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


class Catalogue:
    def __init__(self, items: Iterable[CatalogueItem] = (), source: str = ""):
        self.items = list(items)
        self.source = source

    def __len__(self) -> int:
        return len(self.items)

    def search(self, text: str, limit: int = 200) -> list[CatalogueItem]:
        q = text.strip().upper()
        if not q:
            return self.items[:limit]
        exact, starts, contains = [], [], []
        for it in self.items:
            codes = (it.hosp_code.upper(), it.national_code.upper(), it.barcode.upper())
            if q in codes:
                exact.append(it)
            elif any(c.startswith(q) for c in codes if c):
                starts.append(it)
            elif q in it.name.upper() or any(q in c for c in codes if c):
                contains.append(it)
        return (exact + starts + contains)[:limit]

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
        if store is not None:
            for name in ("catalogue_items", "catalogue"):
                fn = getattr(store, name, None)
                if callable(fn):
                    try:
                        recs = list(fn(admdvs) if name == "catalogue_items" else fn())
                        if recs:
                            return cls([r if isinstance(r, CatalogueItem) else CatalogueItem.from_record(dict(r))
                                        for r in recs], "store")
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
                    return cat
        return cls([], "")
