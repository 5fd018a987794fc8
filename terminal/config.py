"""One TOML configuration file, validated at start with messages that name the bad key.

Search order when no path is given: $YIBAO_TERMINAL_CONFIG, /etc/yibao-terminal/config.toml, then the
per-user file (platformdirs user_config_dir/config.toml) whose keys override the system file's.
With no file at all the defaults run against the training sandbox.
"""
from __future__ import annotations

import ipaddress
import math
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field, fields, asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

APP = "yibao-terminal"
SANDBOX = "sandbox"
SYSTEM_CONFIG = (Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "yibao-terminal" / "config.toml"
                 if os.name == "nt" else Path("/etc/yibao-terminal/config.toml"))


VIRTUAL_PREFIX = "virtual:"
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


class ConfigError(ValueError):
    """A configuration value that is missing or wrong; the message names the key."""

    def __init__(self, key: str, problem: str, source: str = ""):
        where = f" ({source})" if source else ""
        super().__init__(f"配置错误 {key}: {problem}{where}")
        self.key, self.problem, self.source = key, problem, source


@dataclass
class FacilityConfig:
    code: str = "H45010000001"
    name: str = "南宁市第一人民医院"
    admdvs: str = "450100"
    level: str = "3"


@dataclass
class BackendConfig:
    url: str = SANDBOX
    style: str = "single"  # "single" endpoint or "per-transaction" paths
    recer_sys_code: str = "YBXT"
    infver: str = "V1.0"
    connect_timeout: float = 10.0
    read_timeout: float = 90.0  # the longest silence while waiting for or reading an answer
    total_timeout: float = 100.0  # one deadline per request: connect, send and the whole answer
    max_answer_bytes: int = 4 * 1024 * 1024  # a longer answer is refused (outcome unknown: reversed)
    max_file_bytes: int = 64 * 1024 * 1024  # largest file downloaded (9102) or uploaded (9101)
    visit_info_infno: str = "2203"  # visit info as 2203 or 2203A (per-transaction: …MdtrtinfoUp or …UpA)
    verify_tls: bool = True
    #: verify_tls = false against anything but the sandbox is refused unless this is also true (then the window,
    #: every command and doctor say so in red): for a short troubleshooting session only
    insecure_tls_i_accept_the_risk: bool = False
    #: the platform at `url` is a training sandbox started separately (tests, demos): only a loopback URL may
    #: carry it. Like url = "sandbox" it allows the virtual card and verify_tls = false.
    training: bool = False
    ca_bundle: str = ""
    client_cert: str = ""
    client_key: str = ""
    dev_no: str = ""
    dev_safe_info: str = ""
    signtype: str = ""
    sandbox_port: int = 0
    ecode_url: str = ""
    ecode_org_id: str = ""

    @property
    def is_sandbox(self) -> bool:
        return self.url == SANDBOX

    @property
    def on_sandbox(self) -> bool:
        """The in-process training sandbox, or a loopback sandbox declared with backend.training = true."""
        return self.is_sandbox or (self.training and is_loopback_url(self.url))


@dataclass
class GatewayConfig:
    paasid: str = ""
    token: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.paasid and self.token)


@dataclass
class OperatorConfig:
    id: str = "0001"
    name: str = "收费员"
    type: str = "1"


@dataclass
class CardConfig:
    reader: str = ""
    virtual: bool = False  # training: read an in-process virtual card instead of a PC/SC reader
    virtual_person: str = "hainan-retiree"


@dataclass
class ScannerConfig:
    wedge_interval_ms: int = 30
    wedge_min_length: int = 8
    camera: bool = False


@dataclass
class PrinterConfig:
    name: str = ""
    pdf_dir: str = ""


@dataclass
class StoreConfig:
    dir: str = ""
    max_queue_items: int = 500
    max_queue_age_hours: int = 72


@dataclass
class BillConfig:
    """Caps on absurd magnitudes that the interface's precisions (16,2) still allow, in yuan with at most two
    decimals (a quoted string such as "1000000.00", or an integer). A bill line whose price x quantity, or a
    bill whose total, is above its cap is refused with the line named (bill files and the keyboard)."""

    max_line_amount: str = "1000000.00"
    max_bill_amount: str = "10000000.00"

    @property
    def limits(self):
        """terminal.core.money.Limits with these caps."""
        from decimal import Decimal

        from terminal.core.money import Limits

        return Limits(max_line_amount=Decimal(self.max_line_amount).quantize(Decimal("0.01")),
                      max_bill_amount=Decimal(self.max_bill_amount).quantize(Decimal("0.01")))


#: keys holding an amount: a string ("1000000.00") or a TOML integer, never a float
AMOUNT_KEYS = frozenset({"bill.max_line_amount", "bill.max_bill_amount"})


@dataclass
class LogConfig:
    dir: str = ""
    level: str = "INFO"


@dataclass
class ReconcileConfig:
    """What 3201 / 3202 groups take when neither the settlement rows nor the 1101 answers say (an independent
    platform may leave clearing fields out of its 2207 answers). Empty: refused, the key named."""

    default_clr_type: str = ""  # 清算类别, e.g. "11" (outpatient)
    #: 清算经办机构 when the answer leaves clr_optins out and the insured place (insuplc_admdvs the settlement was
    #: sent with, or 1101's insuinfo) is unknown too: the clearing agency is the insured place on the platform
    default_setl_optins: str = ""
    #: "HH:MM": the app runs the detail reconciliation (3202) of the day once at this time while it runs; empty: off
    schedule: str = ""


@dataclass
class UiConfig:
    language: str = "zh_CN"
    font_scale: float = 1.0
    customer_display: bool = True


@dataclass
class Config:
    facility: FacilityConfig = field(default_factory=FacilityConfig)
    backend: BackendConfig = field(default_factory=BackendConfig)
    gateway: GatewayConfig = field(default_factory=GatewayConfig)
    operator: OperatorConfig = field(default_factory=OperatorConfig)
    card: CardConfig = field(default_factory=CardConfig)
    scanner: ScannerConfig = field(default_factory=ScannerConfig)
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    bill: BillConfig = field(default_factory=BillConfig)
    log: LogConfig = field(default_factory=LogConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    reconcile: ReconcileConfig = field(default_factory=ReconcileConfig)
    source: str = ""

    @property
    def training(self) -> bool:
        return self.backend.is_sandbox

    @property
    def insecure_tls(self) -> bool:
        """Certificate verification is off against a platform that is not the sandbox (accepted by IT with
        backend.insecure_tls_i_accept_the_risk): shown in red in the window, on every command, and in doctor."""
        return not self.backend.verify_tls and not self.backend.on_sandbox

    @property
    def virtual_card(self) -> str:
        """The virtual card's person/kind when the configuration asks for one ([card] virtual or
        reader = "virtual:..."), else ""."""
        reader = self.card.reader or ""
        if reader.startswith(VIRTUAL_PREFIX):
            return reader[len(VIRTUAL_PREFIX):] or self.card.virtual_person
        return self.card.virtual_person if self.card.virtual else ""

    @property
    def data_dir(self) -> Path:
        return Path(self.store.dir) if self.store.dir else Path(platformdirs.user_data_dir(APP, appauthor=False))

    @property
    def sandbox_db(self) -> Path:
        """The training sandbox's state (in training mode the app, the CLI and doctor share it)."""
        return self.data_dir / "sandbox.sqlite"

    @property
    def log_dir(self) -> Path:
        return Path(self.log.dir) if self.log.dir else Path(platformdirs.user_log_dir(APP, appauthor=False))

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("source", None)
        return d


SECTIONS = {f.name: f.type for f in fields(Config) if f.name != "source"}
_SECTION_CLASSES = {
    "facility": FacilityConfig, "backend": BackendConfig, "gateway": GatewayConfig, "operator": OperatorConfig,
    "card": CardConfig, "scanner": ScannerConfig, "printer": PrinterConfig, "store": StoreConfig, "bill": BillConfig,
    "log": LogConfig, "ui": UiConfig, "reconcile": ReconcileConfig,
}


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
        if section not in _SECTION_CLASSES:
            raise ConfigError(section, f"未知的配置节 [{section}]（可用: {', '.join(_SECTION_CLASSES)}）", source)
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


def is_loopback_url(url: str) -> bool:
    """http(s)://127.x / [::1] / localhost: a platform on this machine (the sandbox in tests and demos)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
    "ui.font_scale": (0.5, 3.0),
}
#: longest accepted text per key (others: 500 characters)
MAX_LEN: dict[str, int] = {"facility.name": 200, "operator.name": 50, "card.reader": 200, "printer.name": 200}
#: (pattern, what it should look like) for keys with a fixed shape; '' is allowed where the default is ''
SHAPES: dict[str, tuple[str, str]] = {
    "facility.code": (r"[A-Z]\d{11}", "定点机构编码应为 1 个大写字母 + 11 位数字（如 H45010000001）"),
    "facility.admdvs": (r"\d{6}", "就医地区划应为 6 位数字"),
    "facility.level": (r"\d{1,2}", "机构等级应为 1-2 位数字（如 3）"),
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
    for section in _SECTION_CLASSES:
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
        raise ConfigError("backend.sandbox_port", f"应为 0（任一空闲端口）或 1024 到 65535，实际为 {b.sandbox_port}", src)
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
        raise ConfigError(key, f"虚拟社保卡只能用于训练沙箱，当前平台是 {b.url}："
                          f"请{'清空 card.reader 的 virtual: 设置' if key == 'card.reader' else '设置 card.virtual = false'}"
                          "并使用真实读卡器，或把 backend.url 改为 \"sandbox\"", src)
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
                   "连接可被冒充或窃听（backend.insecure_tls_i_accept_the_risk = true）。排障后立即恢复 verify_tls = true")
    return out


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError("(file)", f"TOML 语法错误: {e}", str(path)) from None
    except UnicodeDecodeError as e:
        line = open(path, "rb").read()[:e.start].count(b"\n") + 1
        raise ConfigError("(file)", f"不是 UTF-8 编码（第 {line} 行，字节 0x{e.object[e.start]:02x}）：请用 UTF-8 另存配置文件",
                          str(path)) from None
    except OSError as e:
        raise ConfigError("(file)", f"无法读取: {e.strerror}", str(path)) from None


def user_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml"


def load(path: str | os.PathLike | None = None) -> Config:
    """Load the configuration. An explicit path must exist; otherwise system then user file, else defaults."""
    if path:
        p = Path(path)
        if not p.is_file():
            raise ConfigError("(file)", "配置文件不存在", str(p))
        return from_dict(_read(p), str(p))
    env = os.environ.get("YIBAO_TERMINAL_CONFIG")
    if env:
        return load(env)
    cfg = Config()
    sources = []
    merged: dict[str, Any] = {}
    for p in (SYSTEM_CONFIG, user_config_path()):
        if p.is_file():
            for section, values in _read(p).items():
                if isinstance(values, dict) and isinstance(merged.get(section), dict):
                    merged[section].update(values)
                else:
                    merged[section] = values
            sources.append(str(p))
    return from_dict(merged, " + ".join(sources), cfg) if sources else (validate(cfg) or cfg)


def save(cfg: Config, path: str | os.PathLike) -> None:
    """Write the configuration as TOML (used by the settings dialog)."""
    import tomli_w

    from terminal import fsperm

    p = Path(path)
    fsperm.private_dir(p.parent, tighten=False)  # a new directory 0700; /etc/... left as IT made it
    fsperm.write_private(p, tomli_w.dumps(cfg.as_dict()).encode("utf-8"))  # may hold the gateway token: 0600


def changed_keys(original: Config, new: Config) -> dict[str, dict[str, Any]]:
    """{section: {key: new value}} for every key whose value differs."""
    a, b = original.as_dict(), new.as_dict()
    out: dict[str, dict[str, Any]] = {}
    for section, values in b.items():
        for key, value in values.items():
            if a.get(section, {}).get(key) != value:
                out.setdefault(section, {})[key] = value
    return out


def save_changes(original: Config, new: Config, path: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """Write only what changed into the (per-user) file at path, keeping the keys it already had.

    The system file's other keys (gateway secrets, say) are never copied into the user file."""
    import tomli_w

    p = Path(path)
    current: dict[str, Any] = _read(p) if p.is_file() else {}
    changes = changed_keys(original, new)
    for section, values in changes.items():
        current.setdefault(section, {}).update(values)
    from_dict({k: dict(v) for k, v in current.items()}, str(p))  # what is written must load
    from terminal import fsperm

    fsperm.private_dir(p.parent, tighten=False)  # a new directory 0700; /etc/... left as IT made it
    fsperm.write_private(p, tomli_w.dumps(current).encode("utf-8"))  # may hold the gateway token: 0600
    return changes
