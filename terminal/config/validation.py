"""Every value checked at start: types, ranges, lengths, shapes, and the rules between keys (a virtual card or
TLS verification off only against the sandbox). A ConfigError names the bad key."""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from terminal.config.model import (AMOUNT_KEYS, SECTION_CLASSES, VIRTUAL_PREFIX, BillConfig, Config, ConfigError,
                                   is_loopback_url)


def _coerce(key: str, default: Any, value: Any, source: str) -> Any:
    if key in AMOUNT_KEYS:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise ConfigError(key, f"应为金额字符串（如 \"1000000.00\"）或整数，实际为 {value!r}", source)
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(key, f"应为 true/false，实际为 {value!r}", source)
        return value
    if isinstance(default, int) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(key, f"应为整数，实际为 {value!r}", source)
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(key, f"应为数字，实际为 {value!r}", source)
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(key, f"应为字符串，实际为 {value!r}", source)
        return value
    return value


def from_dict(data: dict[str, Any], source: str = "", base: Config | None = None) -> Config:
    cfg = base or Config()
    for section, values in data.items():
        if section not in SECTION_CLASSES:
            raise ConfigError(section, f"未知的配置节 [{section}]（可用: {', '.join(SECTION_CLASSES)}）", source)
        if not isinstance(values, dict):
            raise ConfigError(section, "应为一个表 [section]", source)
        obj = getattr(cfg, section)
        known = {f.name for f in fields(obj)}
        for key, value in values.items():
            full = f"{section}.{key}"
            if key not in known:
                raise ConfigError(full, f"未知的配置项（{section} 可用: {', '.join(sorted(known))}）", source)
            setattr(obj, key, _coerce(full, getattr(obj, key), value, source))
    cfg.source = source or cfg.source
    validate(cfg)
    return cfg


_URL_RE = re.compile(r"https?://[^\s/?#@]+(?:/[^\s?#]*)?", re.IGNORECASE)


def _url_problem(url: str) -> str:
    """'' for a usable platform URL, else what is wrong with it (in Chinese)."""
    if not _URL_RE.fullmatch(url):
        return "应为 http(s)://主机[:端口][/前缀]（不含空格、换行、查询串与用户名密码）"
    try:
        u = urlsplit(url)
        u.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as e:
        return f"地址无效（{e}）"
    if not u.hostname:
        return "缺少主机名"
    return ""


def _control_chars(text: str) -> str:
    """The first control character in text, shown escaped, or ''."""
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            return repr(ch)
    return ""


#: (min, max) for every number: an out-of-range value is refused with the key named
RANGES: dict[str, tuple[float, float]] = {
    "backend.connect_timeout": (0.001, 600), "backend.read_timeout": (0.001, 600),
    "backend.total_timeout": (0.1, 600),
    "scanner.wedge_interval_ms": (1, 500), "scanner.wedge_min_length": (1, 200),
    "store.max_queue_items": (1, 100_000), "store.max_queue_age_hours": (1, 24 * 365),
    "ui.font_scale": (0.5, 3.0), "tender.sandbox_timeout_s": (0.0, 120.0),
}


#: longest accepted text per key (others: 500 characters)
MAX_LEN: dict[str, int] = {"facility.name": 200, "operator.name": 50, "card.reader": 200, "printer.name": 200}


#: (pattern, what it should look like) for keys with a fixed shape; '' is allowed where the default is ''
SHAPES: dict[str, tuple[str, str]] = {
    "facility.code": (r"[A-Z]\d{11}", "定点机构编码应为 1 个大写字母 + 11 位数字（如 H45010000001）"),
    "facility.admdvs": (r"\d{6}", "就医地区划应为 6 位数字"),
    "facility.level": (r"\d{1,2}", "机构等级应为 1-2 位数字（如 3）"),
    "facility.kind": (r"hospital|pharmacy", "机构类型应为 hospital（定点医疗机构）或 pharmacy（定点零售药店）"),
    "backend.recer_sys_code": (r"[0-9A-Za-z_]{1,20}", "接收方系统代码应为 1-20 位字母数字（如 YBXT）"),
    "backend.infver": (r"[0-9A-Za-z._-]{1,10}", "接口版本号应为 1-10 位（如 V1.0）"),
    "backend.signtype": (r"[0-9A-Za-z_-]{0,20}", "签名类型应为空或不超过 20 位字母数字（如 SM3）"),
    "backend.ecode_org_id": (r"[0-9A-Za-z_-]{0,30}", "电子凭证机构编号应为空或不超过 30 位字母数字"),
    "gateway.paasid": (r"[!-~]{0,200}", "网关 paasid 应为不含空格的可打印 ASCII（不超过 200 字符）"),
    "gateway.token": (r"[!-~]{0,512}", "网关 token 应为不含空格的可打印 ASCII（不超过 512 字符）"),
    "operator.id": (r"[0-9A-Za-z_-]{1,30}", "操作员编号应为 1-30 位字母数字"),
    "reconcile.schedule": (r"(([01]\d|2[0-3]):[0-5]\d)?", "定时对账时间应为空（不定时）或 HH:MM（如 18:30）"),
    "reconcile.default_clr_type": (r"(\d{2,6})?", "默认清算类别应为空或 2-6 位数字（如 11 普通门诊）"),
    "reconcile.default_setl_optins": (r"(\d{6})?", "默认清算经办机构应为空（取参保地区划）或 6 位区划代码"),
    "card.virtual_person": (r"[0-9A-Za-z_-]{1,40}", "虚拟卡人员应为沙箱人员 key 或卡型（如 hainan-retiree、gen3）"),
}


def validate(cfg: Config) -> None:
    src = cfg.source
    f, b = cfg.facility, cfg.backend
    # every text: no control characters (a newline in a URL, a header or a path), a sane length
    for section in SECTION_CLASSES:
        obj = getattr(cfg, section)
        for fl in fields(obj):
            v = getattr(obj, fl.name)
            key = f"{section}.{fl.name}"
            if isinstance(v, str):
                bad = _control_chars(v)
                if bad:
                    raise ConfigError(key, f"含有控制字符 {bad}（如换行），请删除：{v!r}", src)
                if len(v) > MAX_LEN.get(key, 500):
                    raise ConfigError(key, f"过长（{len(v)} 字符，最多 {MAX_LEN.get(key, 500)}）", src)
            elif isinstance(v, (int, float)) and not isinstance(v, bool) and key in RANGES:
                lo, hi = RANGES[key]
                if isinstance(v, float) and not math.isfinite(v) or not lo <= v <= hi:
                    raise ConfigError(key, f"应在 {lo:g} 到 {hi:g} 之间，实际为 {v}", src)
    for key, (pattern, what) in SHAPES.items():
        section, name = key.split(".")
        v = getattr(getattr(cfg, section), name)
        if not re.fullmatch(pattern, v):
            raise ConfigError(key, f"{what}，实际为 {v!r}", src)
    if not f.name.strip():
        raise ConfigError("facility.name", "机构名称不能为空", src)
    if not cfg.operator.name.strip():
        raise ConfigError("operator.name", "操作员姓名不能为空", src)
    if b.style not in ("single", "per-transaction"):
        raise ConfigError("backend.style", f"应为 \"single\" 或 \"per-transaction\"，实际为 {b.style!r}", src)
    if not 64 * 1024 <= b.max_answer_bytes <= 512 * 1024 * 1024:
        raise ConfigError("backend.max_answer_bytes", "应在 65536（64 KiB）到 536870912（512 MiB）字节之间，"
                          f"实际为 {b.max_answer_bytes}", src)
    if not 64 * 1024 <= b.max_file_bytes <= 1024 * 1024 * 1024:
        raise ConfigError("backend.max_file_bytes", "应在 65536（64 KiB）到 1073741824（1 GiB）字节之间，"
                          f"实际为 {b.max_file_bytes}", src)
    if b.visit_info_infno not in ("2203", "2203A"):
        raise ConfigError("backend.visit_info_infno", f"应为 \"2203\" 或 \"2203A\"，实际为 {b.visit_info_infno!r}", src)
    if not b.is_sandbox:
        problem = _url_problem(b.url)
        if problem:
            raise ConfigError("backend.url", f"{problem}，或 \"sandbox\"；实际为 {b.url!r}", src)
    if b.ecode_url:
        problem = _url_problem(b.ecode_url)
        if problem:
            raise ConfigError("backend.ecode_url", f"{problem}，或留空；实际为 {b.ecode_url!r}", src)
    if not (b.sandbox_port == 0 or 1024 <= b.sandbox_port <= 65535):
        raise ConfigError("backend.sandbox_port", f"应为 0（任一空闲端口）或 1024 到 65535，实际为 {b.sandbox_port}",
                          src)
    for key in ("ca_bundle", "client_cert", "client_key"):
        p = getattr(b, key)
        if p and not Path(p).is_file():
            raise ConfigError(f"backend.{key}", f"文件不存在: {p}", src)
    if b.client_key and not b.client_cert:
        raise ConfigError("backend.client_cert", "配置了 client_key 但缺少 client_cert", src)
    if b.training and not b.is_sandbox and not is_loopback_url(b.url):
        raise ConfigError("backend.training", f"只有本机沙箱地址（127.0.0.1 / localhost）可以标为训练平台，"
                          f"实际为 {b.url!r}；连接生产平台时请删除 backend.training", src)
    if not b.verify_tls and not b.on_sandbox and not b.insecure_tls_i_accept_the_risk:
        raise ConfigError("backend.verify_tls", f"连接生产平台 {b.url} 不允许关闭证书校验：请保持 verify_tls = true，"
                          "平台 CA 非公共 CA 时在 backend.ca_bundle 配置其 PEM 证书。仅在排障时临时关闭，须同时设置 "
                          "backend.insecure_tls_i_accept_the_risk = true（界面、每条命令与 doctor 将以红色提示）", src)
    if cfg.virtual_card and not b.on_sandbox:
        key = "card.reader" if (cfg.card.reader or "").startswith(VIRTUAL_PREFIX) else "card.virtual"
        fix = "清空 card.reader 的 virtual: 设置" if key == "card.reader" else "设置 card.virtual = false"
        raise ConfigError(key, f"虚拟社保卡只能用于训练沙箱，当前平台是 {b.url}："
                          f"请{fix}并使用真实读卡器，或把 backend.url 改为 \"sandbox\"", src)
    if bool(cfg.gateway.paasid) != bool(cfg.gateway.token):
        raise ConfigError("gateway.token" if cfg.gateway.paasid else "gateway.paasid",
                          "网关 paasid 与 token 须同时配置", src)
    _validate_bill(cfg.bill, src)
    if cfg.operator.type not in ("1", "2", "3"):
        raise ConfigError("operator.type", "应为 1（人工）、2（自助）或 3（移动）", src)
    if cfg.log.level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("log.level", "应为 DEBUG/INFO/WARNING/ERROR", src)
    if cfg.ui.language not in ("zh_CN", "en"):
        raise ConfigError("ui.language", "应为 zh_CN 或 en", src)
    _validate_printer(cfg, src)
    _validate_tender(cfg, src)


#: [printer] escpos_connection: tcp://host[:port], usb:VID:PID (hex), serial:DEVICE[@BAUD]
ESCPOS_CONNECTION = re.compile(r"tcp://(\[[0-9A-Fa-f:.]+\]|[0-9A-Za-z.-]+)(:\d{1,5})?/?|usb:[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}"
                               r"|serial:[^@\s]+(@\d{3,7})?")


def _validate_printer(cfg: Config, src: str) -> None:
    p = cfg.printer
    if p.kind not in ("pdf", "escpos"):
        raise ConfigError("printer.kind", f"应为 \"pdf\" 或 \"escpos\"，实际为 {p.kind!r}", src)
    if p.paper_mm not in (58, 80):
        raise ConfigError("printer.paper_mm", f"纸宽应为 58 或 80（毫米），实际为 {p.paper_mm}", src)
    if p.pdf_layout not in ("roll", "a5"):
        raise ConfigError("printer.pdf_layout", f"应为 \"roll\"（卷纸）或 \"a5\"（A5 结算单），实际为 {p.pdf_layout!r}",
                          src)
    conn = p.escpos_connection.strip()
    if p.kind == "escpos" and not conn:
        raise ConfigError("printer.escpos_connection", "printer.kind = \"escpos\" 需要打印机连接，如 "
                          "tcp://192.168.1.50:9100、usb:0416:5011 或 serial:/dev/ttyS0", src)
    if conn:
        m = ESCPOS_CONNECTION.fullmatch(conn)
        port = conn.rsplit(":", 1)[-1].rstrip("/") if conn.startswith("tcp://") and m and m.group(2) else ""
        if not m or (port and not 1 <= int(port) <= 65535):
            raise ConfigError("printer.escpos_connection", "应为 tcp://主机[:端口]（默认 9100）、usb:VID:PID"
                              f"（十六进制，如 usb:0416:5011）或 serial:设备[@波特率]，实际为 {conn!r}", src)


def _validate_tender(cfg: Config, src: str) -> None:
    from terminal.core.tender import METHODS

    t = cfg.tender
    if not isinstance(t.methods, list) or not t.methods or not all(isinstance(m, str) for m in t.methods):
        raise ConfigError("tender.methods", f"应为收款方式的列表（如 [\"cash\", \"card\"]），实际为 {t.methods!r}", src)
    bad = [m for m in t.methods if m not in METHODS]
    if bad:
        raise ConfigError("tender.methods", f"未知的收款方式 {bad[0]!r}（可用: {', '.join(METHODS)}）", src)
    if len(set(t.methods)) != len(t.methods):
        raise ConfigError("tender.methods", f"收款方式重复：{t.methods!r}", src)
    if t.provider not in ("", "pos", "sandbox"):
        raise ConfigError("tender.provider", f"应为 \"pos\"、\"sandbox\" 或留空，实际为 {t.provider!r}", src)
    if t.provider == "sandbox" and not cfg.backend.on_sandbox:
        raise ConfigError("tender.provider", "训练收款（sandbox）只能用于训练沙箱；生产环境请用 \"pos\"", src)


def _validate_bill(bill: BillConfig, src: str) -> None:
    from terminal.core.money import FieldError, parse_amount

    caps = {}
    for name in ("max_line_amount", "max_bill_amount"):
        key = f"bill.{name}"
        try:
            caps[name] = parse_amount(getattr(bill, name), field=key, label="上限", allow_zero=False)
        except FieldError as e:
            raise ConfigError(key, f"应为大于零、最多两位小数的金额（如 \"1000000.00\"）：{e.reason}，"
                              f"实际为 {getattr(bill, name)!r}", src) from None
    if caps["max_line_amount"] > caps["max_bill_amount"]:
        raise ConfigError("bill.max_line_amount", f"单行上限 {caps['max_line_amount']} 不应大于单张账单上限 "
                          f"bill.max_bill_amount {caps['max_bill_amount']}", src)


def refuse_virtual_card(cfg: Config, key: str = "--reader") -> None:
    """Raise ConfigError unless a virtual card may be used with cfg's platform (the sandbox only). For a
    virtual card asked for on the command line (--reader virtual:..., card read --virtual)."""
    if not cfg.backend.on_sandbox:
        raise ConfigError(key, f"虚拟社保卡只能用于训练沙箱，当前平台是 {cfg.backend.url}（backend.url）："
                          "请使用真实读卡器，或在训练配置（backend.url = \"sandbox\"）下使用虚拟卡", cfg.source)


def security_notices(cfg: Config) -> list[str]:
    """What IT and the cashier must see on every start while a safety check is switched off."""
    out = []
    if cfg.insecure_tls:
        out.append(f"警告 backend.verify_tls = false：与医保平台 {cfg.backend.url} 的 TLS 证书校验已关闭，"
                   "连接可被冒充或窃听（backend.insecure_tls_i_accept_the_risk = true）。"
                   "排障后立即恢复 verify_tls = true")
    return out
