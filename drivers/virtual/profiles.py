"""Virtual card profiles built from the sandbox persons (terminal/sandbox/data/persons.json).

A profile carries exactly what the person's `card` says (card_no, card_sn, version, issue/expiry dates,
card type, issuer) and the holder data of EF06 from the person (certno as ssn, psn_name, gend, naty, brdy),
plus how the card behaves: protocol, locked records, missing application, per-APDU delay, 61xx/6Cxx habits.

    profile_for("hainan-retiree")                 # a 2.00 card as the person has it
    profile_for("hainan-retiree", kind="t0")      # the same data on a T=0 style card
    profile_for("shanghai-employee")              # 3.00: EF05 05/06 and EF06 locked (6982)
    named_profile("damaged")                      # SELECT of the SSSE application answers 6A82
"""
from __future__ import annotations

import dataclasses
import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PERSONS_ENV = "YIBAO_PERSONS_JSON"

# Records a third-generation card keeps behind mutual authentication.
GEN3_LOCKED = frozenset({0x05, 0x06, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D})

#: kind -> (default person, settings). Settings are CardProfile fields.
KINDS: dict[str, tuple[str, dict[str, Any]]] = {
    "gen2": ("hainan-retiree", {}),
    "gen3": ("shanghai-employee", {}),  # the person's card is a 3.00 one
    "expired": ("expired-card", {}),
    "damaged": ("hainan-retiree", {"has_application": False}),
    "slow": ("sichuan-resident", {"apdu_delay": 0.05}),
    # Records stored with 0xFF padding to 32 bytes: the reader's Le guess is wrong (6Cxx, resend), and every
    # answer goes through 61xx + GET RESPONSE.
    "sw-paths": ("guizhou-resident", {"le_policy": "6c", "force_61": True, "record_size": 32}),
    # T=0 only ATR; SELECT answers 61xx (FCI pending), a READ RECORD with a wrong Le answers 6Cxx.
    "t0": ("yunnan-resident", {"protocol": "T=0", "le_policy": "6c"}),
}


@dataclass(frozen=True)
class CardProfile:
    key: str
    kind: str = "gen2"
    # EF05
    card_sn: str = ""
    card_type: str = "3"
    version: str = "2.00"
    issuer: str = ""
    issue_date: str = ""
    expiry_date: str = ""
    card_no: str = ""
    # EF06
    ssn: str = ""
    name: str = ""
    sex: str = ""
    nation: str = "01"
    birthplace: str = ""
    birth_date: str = ""
    # behaviour
    protocol: str = "T=1"  # "T=1" or "T=0"
    has_application: bool = True
    locked: frozenset[int] | None = None  # None: GEN3_LOCKED on 3.x cards, nothing otherwise
    apdu_delay: float = 0.0  # seconds before each answer (slow card)
    le_policy: str = "truncate"  # truncate (T=1 style) | 6c (wrong Le -> 6Cxx)
    force_61: bool = False  # data answers through 61xx + GET RESPONSE
    record_size: int | None = None  # fixed record length, TLV padded with FF
    atr: bytes = b""  # derived from protocol and version when empty

    def __post_init__(self) -> None:
        if self.protocol not in ("T=0", "T=1"):
            raise ValueError(f"protocol must be T=0 or T=1, not {self.protocol!r}")
        if self.le_policy not in ("truncate", "6c"):
            raise ValueError(f"le_policy must be truncate or 6c, not {self.le_policy!r}")
        if self.locked is None:
            object.__setattr__(self, "locked", GEN3_LOCKED if self.version.startswith("3") else frozenset())
        else:
            object.__setattr__(self, "locked", frozenset(self.locked))
        if not self.atr:
            object.__setattr__(self, "atr", make_atr(self.protocol, f"YB-SSC-{self.version[:4]}".encode()))

    @property
    def generation(self) -> int:
        head = self.version.split(".")[0]
        return int(head) if head.isdigit() else 0

    def replace(self, **changes: Any) -> CardProfile:
        if "version" in changes and "locked" not in changes:
            changes["locked"] = None
        if ("protocol" in changes or "version" in changes) and "atr" not in changes:
            changes["atr"] = b""
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        return f"CardProfile({self.key}, {self.kind}, v{self.version}, {self.protocol})"


def make_atr(protocol: str, historical: bytes) -> bytes:
    """A well-formed ATR: T=1 (TD1 announces T=1, TCK) or T=0 only (TB1, TC1, no TCK)."""
    hist = historical[:15]
    if protocol == "T=0":
        return bytes((0x3B, 0x60 | len(hist), 0x00, 0x00)) + hist
    body = bytes((0x80 | len(hist), 0x01)) + hist
    tck = 0
    for b in body:
        tck ^= b
    return bytes((0x3B,)) + body + bytes((tck,))


# persons ------------------------------------------------------------------------------------------
def persons_path() -> Path:
    """persons.json: $YIBAO_PERSONS_JSON, else the sandbox data next to this package (source tree and
    installed alike, drivers/ and terminal/ are siblings)."""
    env = os.environ.get(PERSONS_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "terminal" / "sandbox" / "data" / "persons.json"


@functools.lru_cache(maxsize=4)
def _load(path: str) -> dict[str, dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    persons = doc.get("persons", doc) if isinstance(doc, dict) else doc
    return {p["key"]: p for p in persons if isinstance(p, dict) and "key" in p}


def load_persons(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    return _load(str(path or persons_path()))


def person_keys(path: str | Path | None = None) -> list[str]:
    return [k for k, p in load_persons(path).items() if p.get("card")]


def profile_for(person_key: str, *, persons: str | Path | None = None, **overrides: Any) -> CardProfile:
    """The card of a sandbox person. overrides: kind= (a KINDS preset) and/or any CardProfile field."""
    everyone = load_persons(persons)
    p = everyone.get(person_key)
    if p is None:
        raise KeyError(f"unknown person {person_key!r}; known: {', '.join(sorted(everyone))}")
    card = p.get("card")
    if not card:
        raise KeyError(f"person {person_key!r} has no social security card")
    kind = overrides.pop("kind", None)
    settings: dict[str, Any] = {}
    if kind is not None:
        if kind not in KINDS:
            raise KeyError(f"unknown card kind {kind!r}; known: {', '.join(KINDS)}")
        settings = dict(KINDS[kind][1])
    version = str(card.get("version") or "2.00")
    base = dict(
        key=person_key,
        kind=kind or ("gen3" if version.startswith("3") else "gen2"),
        card_sn=str(card["card_sn"]), card_no=str(card["card_no"]), version=version,
        issue_date=str(card.get("issue_date") or ""), expiry_date=str(card.get("expiry_date") or ""),
        card_type=str(card.get("card_type") or "3"), issuer=str(card.get("issuer") or ""),
        ssn=str(p.get("certno") or ""), name=str(p.get("psn_name") or ""), sex=str(p.get("gend") or ""),
        nation=str(p.get("naty") or "01"), birthplace=str(p.get("certno") or "")[:6],
        birth_date=str(p.get("brdy") or "").replace("-", ""),
    )
    base.update(settings)
    base.update(overrides)
    return CardProfile(**base)


def named_profile(kind: str, person_key: str | None = None, **overrides: Any) -> CardProfile:
    """A profile of one of the KINDS, on its default person unless told otherwise."""
    if kind not in KINDS:
        raise KeyError(f"unknown card kind {kind!r}; known: {', '.join(KINDS)}")
    return profile_for(person_key or KINDS[kind][0], kind=kind, **overrides)


def resolve_profile(spec: str, **overrides: Any) -> CardProfile:
    """'hainan-retiree', 'gen3', or 'hainan-retiree:t0' (person:kind)."""
    person, _, kind = spec.partition(":")
    if kind:
        return profile_for(person, kind=kind, **overrides)
    if spec in KINDS:
        return named_profile(spec, **overrides)
    return profile_for(spec, **overrides)
