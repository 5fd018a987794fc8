"""The resident ID number (居民身份证号, GB 11643): 18 characters, the last a check digit (0-9 or X)."""
from __future__ import annotations

__all__ = ["id_number_problem"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_number_problem(idno: str) -> str:
    """'' when idno is a well-formed 18-digit resident ID (GB 11643 check digit); else what is wrong."""
    s = idno.strip().upper()
    if len(s) != 18:
        return f"身份证号应为 18 位，当前 {len(s)} 位"
    if not (s[:17].isdigit() and (s[17].isdigit() or s[17] == "X")):
        return "身份证号前 17 位应为数字，末位为数字或 X"
    if _CHECK[sum(int(c) * w for c, w in zip(s[:17], _WEIGHTS)) % 11] != s[17]:
        return "身份证号校验位不正确，请核对"
    return ""
