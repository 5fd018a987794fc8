"""The files of detail reconciliation (3202), pure: no I/O, bytes in and bytes out.

Both files are a zip holding one UTF-8 text file: one settlement per line, fields separated by TAB, no header
(see /work/notes/recon-contract.md, and the wire part in docs/settlement-protocol.md).

* the DETAIL file the terminal uploads with 9101 (``<fixmedins_code>_<yyyymmdd>_3202.zip`` holding a ``.txt`` of
  the same stem): ``setl_id, mdtrt_id, psn_no, medfee_sumamt, fund_pay_sumamt, acct_pay, refd_setl_flag``;
  refd_setl_flag "0" a settlement (amounts >= 0), "1" a cancellation (its own setl_id, amounts <= 0).
* the RESULT file the platform's 3202 leaves for 9102: the seven columns, then ``stmt_rslt, memo,
  plat_medfee_sumamt, plat_fund_pay_sumamt, plat_acct_pay, plat_status``: one line per settlement that does not
  agree. stmt_rslt "1" only in the terminal (the platform has no such setl_id), "2" only on the platform (the
  terminal's amounts empty), "3" amounts differ, "4" status differs (cancelled or reversed on the platform while
  the terminal has it settled); plat_* empty for "1"; plat_status booked / cancelled / reversed / "".

Amounts are Decimal with 2 decimals, written as ``12.30`` / ``-12.30``; parsing is strict
(:func:`terminal.core.money.parse_amount`: no separators, exponents or more than 2 decimals). A malformed file
is refused with :class:`ReconFileError`, naming the line.
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date
from decimal import Decimal
from typing import Any
from collections.abc import Iterable

from .money import ZERO, FieldError, money, parse_amount

DETAIL_FIELDS = ("setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fund_pay_sumamt", "acct_pay", "refd_setl_flag")
RESULT_FIELDS = DETAIL_FIELDS + ("stmt_rslt", "memo", "plat_medfee_sumamt", "plat_fund_pay_sumamt", "plat_acct_pay",
                                 "plat_status")
AMOUNTS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")
PLAT_AMOUNTS = ("plat_medfee_sumamt", "plat_fund_pay_sumamt", "plat_acct_pay")
LABELS = {"setl_id": "结算ID", "mdtrt_id": "就诊ID", "psn_no": "人员编号", "medfee_sumamt": "医疗费总额",
          "fund_pay_sumamt": "基金支付总额", "acct_pay": "个人账户支付", "refd_setl_flag": "退费结算标志",
          "stmt_rslt": "对账结果", "memo": "备注", "plat_medfee_sumamt": "平台医疗费总额",
          "plat_fund_pay_sumamt": "平台基金支付总额", "plat_acct_pay": "平台个人账户支付", "plat_status": "平台状态"}
#: stmt_rslt of a result line -> the kind of difference (the store's Difference.kind)
STMT_RSLT_KINDS = {"1": "only_terminal", "2": "only_platform", "3": "amount", "4": "status"}
PLAT_STATUSES = ("booked", "cancelled", "reversed", "")
#: the largest text file inside a zip we unpack (a zip bomb is refused, not inflated)
MAX_TEXT_BYTES = 256 * 1024 * 1024
# a fixed timestamp inside the zip: the same rows give the same bytes
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class ReconFileError(ValueError):
    """A detail or result file that cannot be read as the contract says; ``line`` is 1-based (0: the file)."""

    def __init__(self, reason: str, line: int = 0):
        self.reason, self.line = reason, line
        super().__init__(f"对账文件第 {line} 行：{reason}" if line else f"对账文件：{reason}")


# building -----------------------------------------------------------------------------------------
def detail_filename(fixmedins_code: str, day: str | date) -> str:
    """``<fixmedins_code>_<yyyymmdd>_3202.zip`` for the day ``yyyy-mm-dd`` (or a date)."""
    d = day if isinstance(day, date) else date.fromisoformat(str(day)[:10])
    if not fixmedins_code or any(c in fixmedins_code for c in "/\\\t\r\n_"):
        raise ValueError(f"fixmedins_code {fixmedins_code!r} cannot name a file")
    return f"{fixmedins_code}_{d:%Y%m%d}_3202.zip"


def build_detail_file(rows: Iterable[dict[str, Any]], *, fixmedins_code: str = "", day: str | date = ""
                      ) -> tuple[str, bytes]:
    """(filename, zip bytes) of the terminal's detail file. rows: dicts with DETAIL_FIELDS (amounts Decimal or
    strings of at most 2 decimals). Without fixmedins_code / day the name is ``detail_<today>_3202.zip``; pass
    both to get the contract's name."""
    day = day or date.today()
    name = detail_filename(fixmedins_code, day) if fixmedins_code else \
        f"detail_{(day if isinstance(day, date) else date.fromisoformat(str(day)[:10])):%Y%m%d}_3202.zip"
    lines = []
    for n, r in enumerate(rows, 1):
        values = [_text(r, k, n) for k in ("setl_id", "mdtrt_id", "psn_no")]
        flag = _text(r, "refd_setl_flag", n)
        amounts = [_amount_out(r.get(k), k, n) for k in AMOUNTS]
        _check_detail(dict(zip(AMOUNTS, amounts, strict=True)), flag, n, values[0])
        lines.append("\t".join(values + [f"{a:.2f}" for a in amounts] + [flag]))
    return name, _zip(name, lines)


def build_result_file(diffs: Iterable[dict[str, Any]], *, filename: str = "result_3202.zip") -> bytes:
    """The zip bytes of a result file (the sandbox's 3202 writes it). diffs: dicts with RESULT_FIELDS; amounts
    Decimal, or None / "" where the contract leaves them empty."""
    lines = []
    for n, r in enumerate(diffs, 1):
        row = {k: ("" if r.get(k) is None else r.get(k)) for k in RESULT_FIELDS}
        out = []
        for k in RESULT_FIELDS:
            v = row[k]
            if k in AMOUNTS or k in PLAT_AMOUNTS:
                out.append("" if v == "" else f"{_amount_out(v, k, n):.2f}")
            else:
                out.append(_clean_text(str(v), k, n, allow_empty=True))
        parsed = dict(zip(RESULT_FIELDS, out, strict=True))
        _check_result(parsed, n)
        lines.append("\t".join(out))
    return _zip(filename, lines)


def _text(r: dict[str, Any], key: str, n: int) -> str:
    v = r.get(key)
    if v is None or str(v).strip() == "":
        raise ReconFileError(f"{LABELS[key]}({key}) 为空", n)
    return _clean_text(str(v).strip(), key, n)


def _clean_text(v: str, key: str, n: int, allow_empty: bool = False) -> str:
    if any(c in v for c in "\t\r\n"):
        raise ReconFileError(f"{LABELS[key]}({key}) 含有制表符或换行，不能写入对账文件：{v[:40]!r}", n)
    if not v and not allow_empty:
        raise ReconFileError(f"{LABELS[key]}({key}) 为空", n)
    return v


def _amount_out(v: Any, key: str, n: int) -> Decimal:
    if isinstance(v, Decimal):
        if not v.is_finite() or v != money(v):
            raise ReconFileError(f"{LABELS[key]}({key}) 不是两位小数的金额：{v}", n)
        return ZERO if v.is_zero() else money(v)  # never -0.00
    return _amount_in(v, key, n)


def _zip(name: str, lines: list[str]) -> bytes:
    inner = name[:-4] + ".txt" if name.lower().endswith(".zip") else name + ".txt"
    text = "".join(line + "\n" for line in lines).encode("utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo(inner, date_time=_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        z.writestr(info, text)
    return buf.getvalue()


# parsing ------------------------------------------------------------------------------------------
def parse_detail_file(data: bytes) -> list[dict[str, Any]]:
    """The lines of a detail file: dicts with DETAIL_FIELDS, amounts Decimal. ReconFileError names the line."""
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for n, fields in _lines(data, len(DETAIL_FIELDS)):
        row: dict[str, Any] = {}
        for k, v in zip(DETAIL_FIELDS, fields, strict=True):
            if k in AMOUNTS:
                row[k] = _amount_in(v, k, n)
            else:
                row[k] = _clean_text(v.strip(), k, n)
        _check_detail(row, row["refd_setl_flag"], n, row["setl_id"])
        if row["setl_id"] in seen:
            raise ReconFileError(f"结算ID {row['setl_id']} 与第 {seen[row['setl_id']]} 行重复", n)
        seen[row["setl_id"]] = n
        out.append(row)
    return out


def parse_result_file(data: bytes) -> list[dict[str, Any]]:
    """The lines of a result file: dicts with RESULT_FIELDS; amounts Decimal or None where empty, plus
    ``kind`` (STMT_RSLT_KINDS). ReconFileError names the line."""
    out = []
    for n, fields in _lines(data, len(RESULT_FIELDS)):
        row: dict[str, Any] = {}
        for k, v in zip(RESULT_FIELDS, fields, strict=True):
            if k in AMOUNTS or k in PLAT_AMOUNTS:
                row[k] = None if v.strip() == "" else _amount_in(v, k, n)
            else:
                row[k] = v.strip()
        _check_result(row, n)
        row["kind"] = STMT_RSLT_KINDS[row["stmt_rslt"]]
        out.append(row)
    return out


def _lines(data: bytes, width: int) -> Iterable[tuple[int, list[str]]]:
    text = _unzip(data)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline
    for n, line in enumerate(lines, 1):
        if line.endswith("\r"):
            line = line[:-1]
        if line.strip() == "":
            raise ReconFileError("空行", n)
        fields = line.split("\t")
        if len(fields) != width:
            raise ReconFileError(f"应有 {width} 个以制表符分隔的字段，实际为 {len(fields)} 个", n)
        yield n, fields


def _unzip(data: bytes) -> str:
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise ReconFileError("文件为空")
    try:
        z = zipfile.ZipFile(io.BytesIO(bytes(data)))
    except zipfile.BadZipFile:
        raise ReconFileError("不是 zip 文件") from None
    with z:
        members = [i for i in z.infolist() if not i.is_dir()]
        if len(members) != 1 or not members[0].filename.lower().endswith(".txt"):
            names = "、".join(i.filename for i in members) or "无"
            raise ReconFileError(f"zip 中应恰有一个 .txt 文件，实际为：{names}")
        info = members[0]
        if info.file_size > MAX_TEXT_BYTES:
            raise ReconFileError(f"{info.filename} 解压后 {info.file_size} 字节，超过上限 {MAX_TEXT_BYTES}")
        try:
            with z.open(info) as fh:
                raw = fh.read(MAX_TEXT_BYTES + 1)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as e:
            raise ReconFileError(f"zip 无法解压：{e}") from None
    if len(raw) > MAX_TEXT_BYTES:
        raise ReconFileError(f"{info.filename} 解压后超过上限 {MAX_TEXT_BYTES} 字节")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise ReconFileError(f"不是 UTF-8 文本（字节 0x{raw[e.start]:02x}）", line) from None


def _amount_in(v: Any, key: str, n: int) -> Decimal:
    try:
        return parse_amount(v.strip() if isinstance(v, str) else v, field=key, label=LABELS[key],
                            allow_negative=True)
    except FieldError as e:
        raise ReconFileError(str(e), n) from None


def _check_detail(amounts: dict[str, Any], flag: str, n: int, setl_id: str) -> None:
    if flag not in ("0", "1"):
        raise ReconFileError(f"退费结算标志(refd_setl_flag) 应为 0（结算）或 1（撤销），实际为 {flag!r}", n)
    for k in AMOUNTS:
        a = amounts[k]
        if flag == "0" and a < 0:
            raise ReconFileError(f"结算 {setl_id} 的{LABELS[k]}({k}) 为负数 {a}（只有撤销 refd_setl_flag=1 为负）", n)
        if flag == "1" and a > 0:
            raise ReconFileError(f"撤销 {setl_id} 的{LABELS[k]}({k}) 应为负数或零，实际为 {a}", n)


def _check_result(row: dict[str, Any], n: int) -> None:
    r = row["stmt_rslt"]
    if r not in STMT_RSLT_KINDS:
        raise ReconFileError(f"对账结果(stmt_rslt) 应为 1/2/3/4，实际为 {r!r}", n)
    if not row["setl_id"]:
        raise ReconFileError("结算ID(setl_id) 为空", n)
    if row["plat_status"] not in PLAT_STATUSES:
        raise ReconFileError("平台状态(plat_status) 应为 booked/cancelled/reversed 或空，"
                             f"实际为 {row['plat_status']!r}", n)
    if row["refd_setl_flag"] not in ("0", "1"):
        raise ReconFileError(f"退费结算标志(refd_setl_flag) 应为 0 或 1，实际为 {row['refd_setl_flag']!r}", n)
    mine = [row[k] for k in AMOUNTS]
    plat = [row[k] for k in PLAT_AMOUNTS]
    empty = ("", None)
    if r == "1":
        if any(v not in empty for v in plat) or row["plat_status"]:
            raise ReconFileError("结果 1（仅机构有）不应有平台金额与平台状态", n)
        if any(v in empty for v in mine):
            raise ReconFileError("结果 1（仅机构有）缺少机构金额", n)
    elif r == "2":
        if any(v not in empty for v in mine):
            raise ReconFileError("结果 2（仅平台有）不应有机构金额", n)
        if any(v in empty for v in plat) or not row["plat_status"]:
            raise ReconFileError("结果 2（仅平台有）缺少平台金额或平台状态", n)
    else:
        if any(v in empty for v in mine + plat) or not row["plat_status"]:
            raise ReconFileError(f"结果 {r} 须同时有机构金额、平台金额与平台状态", n)


# the journal --------------------------------------------------------------------------------------
def summarise_upload(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope of a 9101 as the journal keeps it: the file's bytes (``fsUploadIn.in``) replaced by their
    length and sha256. Other envelopes are returned as they are."""
    inp = envelope.get("input") if isinstance(envelope, dict) else None
    node = inp.get("fsUploadIn") if isinstance(inp, dict) else None
    if not isinstance(inp, dict) or not isinstance(node, dict) or not isinstance(node.get("in"),
                                                                               (list, bytes, bytearray)):
        return envelope
    raw = node["in"]
    try:
        data = bytes(raw)
    except (TypeError, ValueError):
        data = b""
    summary = {"bytes": len(raw), "sha256": hashlib.sha256(data).hexdigest() if len(data) == len(raw) else ""}
    return {**envelope, "input": {**inp, "fsUploadIn": {**node, "in": summary}}}
