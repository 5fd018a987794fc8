"""One TOML configuration file, validated at start with messages that name the bad key.

Search order when no path is given: $YIBAO_TERMINAL_CONFIG, /etc/yibao-terminal/config.toml, then the
per-user file (platformdirs user_config_dir/config.toml) whose keys override the system file's.
With no file at all the defaults run against the training sandbox.

    cfg = load()                  # or load(path); a ConfigError names the bad key
    save_changes(old, new, path)  # what the settings dialog changed, into the per-user file

The package: ``model`` (the sections, their defaults, where the files live), ``validation`` (every value and
the rules between keys) and ``files`` (reading, merging and writing the files).
"""
from terminal.config.files import changed_keys, load, save, save_changes
from terminal.config.model import (AMOUNT_KEYS, APP, LOOPBACK_NAMES, SANDBOX, SECTION_CLASSES, SYSTEM_CONFIG,
                                   VIRTUAL_PREFIX, BackendConfig, BillConfig, CardConfig, Config, ConfigError,
                                   FacilityConfig, GatewayConfig, LogConfig, OperatorConfig, PrinterConfig,
                                   ReconcileConfig, ScannerConfig, StoreConfig, UiConfig, is_loopback_url,
                                   user_config_path)
from terminal.config.validation import (MAX_LEN, RANGES, SHAPES, from_dict, refuse_virtual_card, security_notices,
                                        validate)

__all__ = ["AMOUNT_KEYS", "APP", "LOOPBACK_NAMES", "MAX_LEN", "RANGES", "SANDBOX", "SECTION_CLASSES", "SHAPES",
           "SYSTEM_CONFIG", "VIRTUAL_PREFIX", "BackendConfig", "BillConfig", "CardConfig", "Config", "ConfigError",
           "FacilityConfig", "GatewayConfig", "LogConfig", "OperatorConfig", "PrinterConfig", "ReconcileConfig",
           "ScannerConfig", "StoreConfig", "UiConfig", "changed_keys", "from_dict", "is_loopback_url", "load",
           "refuse_virtual_card", "save", "save_changes", "security_notices", "user_config_path", "validate"]
