"""One TOML configuration file, validated at start with messages that name the bad key.

Search order when no path is given: $YIBAO_TERMINAL_CONFIG, /etc/yibao-terminal/config.toml, then the
per-user file (platformdirs user_config_dir/config.toml) whose keys override the system file's.
With no file at all the defaults run against the training sandbox.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, asdict
from pathlib import Path
from typing import Any

import platformdirs

APP = "yibao-terminal"
SANDBOX = "sandbox"
SYSTEM_CONFIG = (Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "yibao-terminal" / "config.toml"
                 if os.name == "nt" else Path("/etc/yibao-terminal/config.toml"))


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
    read_timeout: float = 90.0
    verify_tls: bool = True
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
class LogConfig:
    dir: str = ""
    level: str = "INFO"


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
    log: LogConfig = field(default_factory=LogConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    source: str = ""

    @property
    def training(self) -> bool:
        return self.backend.is_sandbox

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
    "card": CardConfig, "scanner": ScannerConfig, "printer": PrinterConfig, "store": StoreConfig,
    "log": LogConfig, "ui": UiConfig,
}


def _coerce(key: str, default: Any, value: Any, source: str) -> Any:
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


def validate(cfg: Config) -> None:
    src = cfg.source
    f, b = cfg.facility, cfg.backend
    if not re.fullmatch(r"[A-Z]\d{11}", f.code):
        raise ConfigError("facility.code", f"定点机构编码应为 1 个大写字母 + 11 位数字（如 H45010000001），实际为 {f.code!r}", src)
    if not re.fullmatch(r"\d{6}", f.admdvs):
        raise ConfigError("facility.admdvs", f"就医地区划应为 6 位数字，实际为 {f.admdvs!r}", src)
    if not f.name.strip():
        raise ConfigError("facility.name", "机构名称不能为空", src)
    if b.style not in ("single", "per-transaction"):
        raise ConfigError("backend.style", f"应为 \"single\" 或 \"per-transaction\"，实际为 {b.style!r}", src)
    if not b.is_sandbox and not re.match(r"https?://[^/\s]+", b.url):
        raise ConfigError("backend.url", f"应为 http(s)://主机[:端口][/前缀] 或 \"sandbox\"，实际为 {b.url!r}", src)
    for key in ("connect_timeout", "read_timeout"):
        v = getattr(b, key)
        if not 0 < v <= 600:
            raise ConfigError(f"backend.{key}", f"应在 0 到 600 秒之间，实际为 {v}", src)
    for key in ("ca_bundle", "client_cert", "client_key"):
        p = getattr(b, key)
        if p and not Path(p).is_file():
            raise ConfigError(f"backend.{key}", f"文件不存在: {p}", src)
    if b.client_key and not b.client_cert:
        raise ConfigError("backend.client_cert", "配置了 client_key 但缺少 client_cert", src)
    if bool(cfg.gateway.paasid) != bool(cfg.gateway.token):
        raise ConfigError("gateway.token" if cfg.gateway.paasid else "gateway.paasid",
                          "网关 paasid 与 token 须同时配置", src)
    if not re.fullmatch(r"[0-9A-Za-z_-]{1,30}", cfg.operator.id):
        raise ConfigError("operator.id", f"操作员编号应为 1-30 位字母数字，实际为 {cfg.operator.id!r}", src)
    if cfg.operator.type not in ("1", "2", "3"):
        raise ConfigError("operator.type", "应为 1（人工）、2（自助）或 3（移动）", src)
    if cfg.scanner.wedge_interval_ms < 1 or cfg.scanner.wedge_interval_ms > 500:
        raise ConfigError("scanner.wedge_interval_ms", "应在 1 到 500 毫秒之间", src)
    if cfg.log.level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("log.level", "应为 DEBUG/INFO/WARNING/ERROR", src)
    if cfg.ui.language not in ("zh_CN", "en"):
        raise ConfigError("ui.language", "应为 zh_CN 或 en", src)


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError("(file)", f"TOML 语法错误: {e}", str(path)) from None
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

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(".tmp")
    tmp.write_bytes(tomli_w.dumps(cfg.as_dict()).encode("utf-8"))
    os.replace(tmp, p)


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
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(".tmp")
    tmp.write_bytes(tomli_w.dumps(current).encode("utf-8"))
    os.replace(tmp, p)
    return changes
