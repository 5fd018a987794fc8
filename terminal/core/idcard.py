"""The resident ID number (居民身份证号, GB 11643-1999): 17 digits and a check digit (0-9 or X)."""
from __future__ import annotations

#: the weights of the first 17 digits (2^(18-i) mod 11) and the check character for each sum mod 11
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_number_problem(idno: str) -> str:
    """'' when idno is a well-formed 18-digit resident ID (GB 11643 check digit); else what is wrong (zh_CN).

    Surrounding spaces are ignored and a lower-case x is read as X. Only the 18-digit form counts: the old
    15-digit numbers (no check digit) are refused like any other length."""
    s = idno.strip().upper()
    if len(s) != 18:
        return f"身份证号应为 18 位，当前 {len(s)} 位"
    if not (s[:17].isdigit() and (s[17].isdigit() or s[17] == "X")):
        return "身份证号前 17 位应为数字，末位为数字或 X"
    if _CHECK[sum(int(c) * w for c, w in zip(s[:17], _WEIGHTS, strict=True)) % 11] != s[17]:
        return "身份证号校验位不正确，请核对"
    return ""


def id_number_valid(idno: str) -> bool:
    """True when idno is a well-formed 18-digit resident ID (see id_number_problem)."""
    return id_number_problem(idno) == ""


def sex_and_birth(idno: str) -> tuple[str, str]:
    """(gend 1 男 / 2 女, birth date yyyy-MM-dd) read from an 18-digit resident ID; ('', '') for anything else."""
    s = (idno or "").strip().upper()
    if len(s) != 18 or not s[:17].isdigit():
        return "", ""
    return ("1" if int(s[16]) % 2 else "2"), f"{s[6:10]}-{s[10:12]}-{s[12:14]}"
