"""The configuration files: found (search order), read and merged, validated, and written back by the settings
dialog (only what changed, private to the cashier account).

Search order when no path is given: $YIBAO_TERMINAL_CONFIG, /etc/yibao-terminal/config.toml, then the
per-user file (platformdirs user_config_dir/config.toml) whose keys override the system file's.
With no file at all the defaults run against the training sandbox.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from terminal.config.model import SYSTEM_CONFIG, Config, ConfigError, user_config_path
from terminal.config.validation import from_dict, validate


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError("(file)", f"TOML 语法错误: {e}", str(path)) from None
    except UnicodeDecodeError as e:
        line = open(path, "rb").read()[:e.start].count(b"\n") + 1
        raise ConfigError("(file)", f"不是 UTF-8 编码（第 {line} 行，字节 0x{e.object[e.start]:02x}）："
                                    "请用 UTF-8 另存配置文件", str(path)) from None
    except OSError as e:
        raise ConfigError("(file)", f"无法读取: {e.strerror}", str(path)) from None


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
    if sources:
        return from_dict(merged, " + ".join(sources), cfg)
    validate(cfg)
    return cfg


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
