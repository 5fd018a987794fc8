"""Masking of personal data for logs, journals and anything not needing it in full."""
from __future__ import annotations

from typing import Any

# Field names (platform's own and ours) whose values identify a person or grant access.
ID_FIELDS = {"certno", "idNo", "idno", "mdtrt_cert_no", "ssn", "psn_cert_no", "certNo"}
CARD_FIELDS = {"card_no", "cardno", "card_sn", "cardSn"}
NAME_FIELDS = {"psn_name", "userName", "name", "patient_name", "opter_name_full", "psnName", "patn_name"}
TOKEN_FIELDS = {"ecToken", "ec_token", "ecQrCode", "ecqrcode", "token", "sign_no_secret", "password", "pin",
                "x-tif-signature", "cainfo", "paas_token", "secret"}
PHONE_FIELDS = {"tel", "phone", "mob"}
#: a full birth date next to a masked ID number gives back most of what the mask hides: keep the year only
BIRTH_FIELDS = {"brdy", "birthday", "birth_date"}


def mask_id(value: str | None) -> str:
    """ID / social security number: keep the first 6 (region) and last 4. 110101********1234."""
    if not value:
        return value or ""
    s = str(value)
    if len(s) <= 6:
        return "*" * len(s)
    if len(s) <= 10:
        return s[:2] + "*" * (len(s) - 4) + s[-2:]
    return s[:6] + "*" * (len(s) - 10) + s[-4:]


def mask_card(value: str | None) -> str:
    """Card number or card_sn: keep the first 2 and last 2 (card_sn: region prefix and last 4)."""
    if not value:
        return value or ""
    s = str(value)
    if len(s) >= 20:  # card_sn: 6-digit region is not personal; keep it, and the last 4
        return s[:6] + "*" * (len(s) - 10) + s[-4:]
    if len(s) <= 4:
        return "*" * len(s)
    return s[:2] + "*" * (len(s) - 4) + s[-2:]


def mask_name(value: str | None) -> str:
    """Chinese name: keep the first character (the surname) → 张*, 欧阳** ; Latin: J*** ."""
    if not value:
        return value or ""
    s = str(value).strip()
    if len(s) <= 1:
        return "*"
    return s[0] + "*" * (len(s) - 1)


def mask_birth(value: str | None) -> str:
    """Birth date: the year only → 1968-**-** (the age band a report may need, not the day)."""
    if not value:
        return value or ""
    s = str(value).strip()
    return s[:4] + "".join("*" if ch.isdigit() else ch for ch in s[4:])


def mask_token(value: str | None) -> str:
    """Tokens and secrets: only the first 4 characters and the length."""
    if not value:
        return value or ""
    s = str(value)
    return (s[:4] if len(s) > 8 else "") + f"…({len(s)})"


def mask_value(key: str, value: Any) -> Any:
    if not isinstance(value, str) or not value:
        return value
    if key in ID_FIELDS:
        return mask_id(value)
    if key in CARD_FIELDS:
        return mask_card(value)
    if key in NAME_FIELDS:
        return mask_name(value)
    if key in TOKEN_FIELDS:
        return mask_token(value)
    if key in PHONE_FIELDS:
        return mask_id(value)
    if key in BIRTH_FIELDS:
        return mask_birth(value)
    return value


def mask_data(obj: Any) -> Any:
    """Deep copy of a JSON-like structure with personal fields masked."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if isinstance(v, (dict, list)):
                out[k] = mask_data(v)
            else:
                out[k] = mask_value(str(k), v)
        return out
    if isinstance(obj, list):
        return [mask_data(v) for v in obj]
    return obj
