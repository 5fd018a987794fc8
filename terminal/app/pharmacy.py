"""The pharmacy counter's parts without Qt: its drug catalogue ([facility] kind = "pharmacy") and the store's
"already sold by this terminal" question for a traceability code.

The catalogue is ``pharmacy.json`` in the data directory when the pharmacy put one there, else (training) the
sandbox pharmacy's (terminal/sandbox/data/pharmacy.json); its format and the sale's rules are
terminal.core.pharmacy's.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from terminal.core.pharmacy import PharmacyCatalogue

if TYPE_CHECKING:
    from terminal.config import Config

SANDBOX_PHARMACY = Path(__file__).resolve().parents[1] / "sandbox" / "data" / "pharmacy.json"


def is_pharmacy(cfg: Config) -> bool:
    return getattr(cfg.facility, "kind", "hospital") == "pharmacy"


def catalogue_path(cfg: Config) -> Path | None:
    """Where the counter's catalogue comes from (None: there is none to read)."""
    own = Path(cfg.data_dir) / "pharmacy.json"
    if own.is_file():
        return own
    if cfg.training and SANDBOX_PHARMACY.is_file():
        return SANDBOX_PHARMACY
    return None


def load_catalogue(cfg: Config) -> PharmacyCatalogue:
    """The drugs the counter sells (an empty catalogue when there is no file: every scan is then refused, named)."""
    p = catalogue_path(cfg)
    if p is None:
        return PharmacyCatalogue([])
    return PharmacyCatalogue.from_dict(json.loads(p.read_text(encoding="utf-8")))


def sold_check(store: Any) -> Callable[[str], str] | None:
    """``code -> ''`` (not sold) or a description of this terminal's earlier sale of it, from the store's record
    of the traceability codes it sold (released by a 2103); None without a store."""
    if store is None:
        return None
    book = getattr(store, "trace_codes", None)
    fn = getattr(book, "sold_by", None) if book is not None else getattr(store, "trace_code_sold", None)
    return fn if callable(fn) else None
