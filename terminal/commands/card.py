"""`card read` and `card watch`, and read_card() for `settle --card`.

    yibao-terminal card read [--reader PATTERN] [--json] [--unmask] [--virtual PERSON_KEY]
    yibao-terminal card watch [--reader PATTERN] [--count N] [--read] [--json]

Exit codes: 0 read / watch ended; 1 card error (message in Chinese, English detail); 2 bad arguments.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import queue
import sys
import time
import unicodedata
from collections.abc import Mapping
from typing import Any

from drivers.pcsc import (CardError, CardEvent, CardReader, EventKind, PcscCardReader, check_expiry,
                          expiry_status)
from terminal.core.models import CardData

VIRTUAL_PREFIX = "virtual:"
DEFAULT_VIRTUAL_PERSON = "hainan-retiree"

LABELS = (
    ("card_no", "卡号"), ("card_sn", "卡识别码"), ("region", "发卡地区"), ("version", "规范版本"),
    ("card_type", "卡类别"), ("issuer", "发卡机构"), ("issue_date", "发卡日期"), ("expiry_date", "有效期至"),
    ("ssn", "社会保障号"), ("name", "姓名"), ("sex", "性别"), ("nation", "民族"), ("birth_date", "出生日期"),
    ("atr", "ATR"),
)
SEX = {"1": "男", "2": "女", "9": "未说明"}


# readers -----------------------------------------------------------------------------------------
def _settings(config_or_pattern: Any) -> tuple[str, str]:
    """(reader pattern, virtual card spec or "") from a pattern string, a Config, a CardConfig or a dict."""
    if config_or_pattern is None:
        return "", ""
    if isinstance(config_or_pattern, str):
        if config_or_pattern.startswith(VIRTUAL_PREFIX):
            return "", config_or_pattern[len(VIRTUAL_PREFIX):] or DEFAULT_VIRTUAL_PERSON
        return config_or_pattern, ""
    obj = config_or_pattern
    if isinstance(obj, Mapping):
        card = obj.get("card", obj)
        get = card.get if isinstance(card, Mapping) else (lambda k, d=None: getattr(card, k, d))
    else:
        card = getattr(obj, "card", obj)
        get = lambda k, d=None: getattr(card, k, d)  # noqa: E731
    reader = str(get("reader", "") or "")
    virtual = get("virtual", False)
    person = str(get("virtual_person", "") or "")
    if reader.startswith(VIRTUAL_PREFIX):
        return "", reader[len(VIRTUAL_PREFIX):] or person or DEFAULT_VIRTUAL_PERSON
    if isinstance(virtual, str) and virtual:
        return reader, virtual
    if virtual:
        return reader, person or DEFAULT_VIRTUAL_PERSON
    return reader, ""


def guard_virtual(cfg: Any, key: str = "--reader") -> None:
    """The virtual card only against the training sandbox: raises terminal.config.ConfigError (naming `key`
    and backend.url) when cfg's platform is anything else. cfg None: no platform involved (a library call)."""
    if cfg is None or getattr(cfg, "backend", None) is None:
        return
    from terminal import config as config_mod

    config_mod.refuse_virtual_card(cfg, key)


def open_reader(config_or_pattern: Any = None, *, cfg: Any = None, key: str = "--reader") -> CardReader:
    """The CardReader the settings ask for: PC/SC by reader pattern, or the in-process virtual reader
    holding the card of a sandbox person ("virtual:<person-key>" or "virtual:<kind>", or [card] virtual).
    A virtual card is refused (ConfigError naming `key`) unless the platform of `cfg` (or of the Config
    passed as config_or_pattern) is the sandbox."""
    pattern, virtual = _settings(config_or_pattern)
    if virtual:
        guard_virtual(cfg if cfg is not None else config_or_pattern, key)
        from drivers.virtual import VirtualCardReader, resolve_profile

        return VirtualCardReader(resolve_profile(virtual))
    return PcscCardReader(pattern)


def read_card(config_or_pattern: Any = None, *, reject_expired: bool = False,
              today: str | _dt.date | None = None, cfg: Any = None) -> CardData:
    """Read the social security card once. Raises drivers.pcsc.CardError subclasses (NoService, NoReader,
    NoCard, CardRemoved, NotSocialSecurityCard, UnreadableRecord...); with reject_expired, CardExpired;
    terminal.config.ConfigError for a virtual card when cfg's platform is not the sandbox."""
    reader = open_reader(config_or_pattern, cfg=cfg)
    try:
        card = reader.read()
    finally:
        reader.close()
    if reject_expired:
        check_expiry(card, today)
    return card


# output ------------------------------------------------------------------------------------------
def _date(s: str) -> str:
    return f"{s[:4]}-{s[4:6]}-{s[6:]}" if len(s) == 8 and s.isdigit() else s


def _pad(text: str, width: int) -> str:
    """Left-justify by display width (CJK characters take two columns)."""
    w = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - w)


def card_lines(card: CardData, *, unmask: bool = False, today: str | None = None) -> list[str]:
    d = card.as_dict() if unmask else card.masked()
    lines = []
    for key, label in LABELS:
        v = str(d.get(key, "") or "")
        if key in ("issue_date", "expiry_date", "birth_date"):
            v = _date(v)
        if key == "sex" and v:
            v = f"{v} {SEX.get(v, '')}".strip()
        if key == "version" and card.generation:
            v = f"{v} (第{'一二三四'[min(card.generation, 4) - 1]}代)"
        if not v:
            v = "—"
        lines.append(f"  {_pad(label, 12)}{v}")
    status = expiry_status(card, today)
    if status == "expired":
        lines.append(f"  ⚠ 此卡已过有效期（{_date(card.expiry_date)}），请改用医保电子凭证或身份证，并提醒参保人换卡")
    if card.generation >= 3 and not card.ssn:
        lines.append("  第三代社保卡：持卡人信息须经 PSAM 认证，未读取；凭卡号与卡识别码即可办理 1101 身份查询")
    return lines


def _error(e: CardError, as_json: bool) -> int:
    if as_json:
        from terminal.commands.output import print_json

        print_json({"ok": False, "error": type(e).__name__, "message": e.user_message,
                    "detail": e.detail, "sw": f"{e.sw:04X}" if e.sw is not None else None})
    else:
        print(f"读卡失败: {e.user_message}\n  ({type(e).__name__}: {e.detail})", file=sys.stderr)
    return 1


# card read ---------------------------------------------------------------------------------------
def cmd_card_read(args: argparse.Namespace) -> int:
    spec: Any = args.reader or ""
    cfg = None
    key = "--reader"
    if args.virtual:
        spec = VIRTUAL_PREFIX + args.virtual
        key = "--virtual"
    elif not args.reader:
        spec = cfg = _load_config(getattr(args, "config", None))
    if spec and isinstance(spec, str) and spec.startswith(VIRTUAL_PREFIX):
        cfg = _load_config(getattr(args, "config", None))  # a virtual card only against the sandbox
    try:
        reader = open_reader(spec or "", cfg=cfg, key=key)
    except KeyError as e:
        from terminal.commands.output import fail

        return fail(args, str(e.args[0]), 2, "unknown_card", prefix="错误: ")
    t0 = time.perf_counter()
    try:
        card = reader.read()
    except CardError as e:
        return _error(e, args.json)
    finally:
        reader.close()
    ms = (time.perf_counter() - t0) * 1000
    today = getattr(args, "today", None)
    seq = getattr(reader, "last_sequence", None)
    if args.json:
        out = {"ok": True, "reader": reader.reader_name,
               "card": card.as_dict() if args.unmask else card.masked(),
               "expiry": expiry_status(card, today), "generation": card.generation,
               "locked_records": [f"{r:02X}" for r in (seq.locked if seq else [])],
               "apdus": reader.last_apdu_count, "ms": round(ms, 1),
               "credential": {"mdtrt_cert_type": "03",
                              "mdtrt_cert_no": card.card_no if args.unmask else card.masked()["card_no"],
                              "card_sn": card.card_sn if args.unmask else card.masked()["card_sn"]}}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(f"社保卡读取成功  读卡器: {reader.reader_name}  ({reader.last_apdu_count} 条 APDU, {ms:.0f} ms)")
        print("\n".join(card_lines(card, unmask=args.unmask, today=today)))
    return 0


def _load_config(path: str | None) -> Any:
    try:
        from terminal import config as config_mod
    except ImportError:  # pragma: no cover
        return None
    return config_mod.load(path)


# card watch --------------------------------------------------------------------------------------
def _event_line(ev: CardEvent) -> str:
    stamp = time.strftime("%H:%M:%S")
    extra = " (启动时已存在)" if ev.initial and ev.kind in (EventKind.CARD_INSERTED, EventKind.READER_ADDED) else ""
    return f"{stamp}  {ev}{extra}"


def cmd_card_watch(args: argparse.Namespace) -> int:
    events: queue.Queue[CardEvent] = queue.Queue()
    virtual = (args.reader or "").startswith(VIRTUAL_PREFIX)
    try:
        reader = open_reader(args.reader or "", cfg=_load_config(getattr(args, "config", None)) if virtual else None)
    except KeyError as e:
        from terminal.commands.output import fail

        return fail(args, str(e.args[0]), 2, "unknown_card", prefix="错误: ")
    watcher = reader.monitor(events.put)
    counted = 0
    deadline = time.monotonic() + args.timeout if args.timeout else None
    if not args.json:
        print("监视读卡器与社保卡插拔（Ctrl-C 退出）", flush=True)
    try:
        while True:
            wait = 0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic()))
            if deadline is not None and time.monotonic() >= deadline:
                break
            try:
                ev = events.get(timeout=wait)
            except queue.Empty:
                continue
            if args.json:
                print(json.dumps({"event": ev.kind.value, "reader": ev.reader, "atr": ev.atr,
                                  "initial": ev.initial, "time": time.time()}, ensure_ascii=False), flush=True)
            else:
                print(_event_line(ev), flush=True)
            if args.read and ev.kind is EventKind.CARD_INSERTED:
                _read_on_insert(ev.reader, args)
            if ev.kind in (EventKind.CARD_INSERTED, EventKind.CARD_REMOVED):
                counted += 1
                if args.count and counted >= args.count:
                    break
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        reader.close()
    return 0


def _read_on_insert(reader_name: str, args: argparse.Namespace) -> None:
    try:
        card = read_card(reader_name)
    except CardError as e:
        if args.json:
            print(json.dumps({"event": "read_failed", "reader": reader_name, "error": type(e).__name__,
                              "message": e.user_message}, ensure_ascii=False), flush=True)
        else:
            print(f"  读卡失败: {e.user_message} ({e.detail})", flush=True)
        return
    if args.json:
        print(json.dumps({"event": "card_read", "reader": reader_name, "card": card.masked(),
                          "expiry": expiry_status(card)}, ensure_ascii=False), flush=True)
    else:
        print("\n".join(card_lines(card)), flush=True)


# parsers -----------------------------------------------------------------------------------------
def add_parsers(subparsers: Any) -> None:
    c = subparsers.add_parser("card", help="社保卡：读卡、监视插拔 (PC/SC)")
    sub = c.add_subparsers(dest="card_command", required=True, metavar="{read,watch}")

    r = sub.add_parser("read", help="读取社保卡并显示（缺省脱敏）")
    r.add_argument("--reader", default="", help="读卡器名称匹配（子串，或含 * ? 的通配符）；缺省为第一个有卡的读卡器")
    r.add_argument("--json", action="store_true", help="输出 JSON")
    r.add_argument("--unmask", action="store_true", help="显示完整卡号、识别码、社会保障号与姓名")
    r.add_argument("--virtual", metavar="PERSON_KEY",
                   help="训练：读进程内虚拟卡（沙箱参保人 key，或卡型 gen2/gen3/expired/damaged/t0/...），无需 pcscd")
    r.add_argument("--today", help=argparse.SUPPRESS)
    r.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    r.set_defaults(func=cmd_card_read)

    w = sub.add_parser("watch", help="显示插卡/拔卡与读卡器连接事件，直到 Ctrl-C")
    w.add_argument("--reader", default="", help="只监视名称匹配的读卡器")
    w.add_argument("--count", type=int, default=0, help="收到 N 个插卡/拔卡事件后退出")
    w.add_argument("--timeout", type=float, default=0, help="最多监视这么多秒")
    w.add_argument("--read", action="store_true", help="插卡后立即读卡并显示（脱敏）")
    w.add_argument("--json", action="store_true", help="每个事件输出一行 JSON")
    w.set_defaults(func=cmd_card_watch)
