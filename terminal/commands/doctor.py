"""`yibao-terminal doctor [--json] [--config FILE] [--only KEY,...] [--timeout S]`: is this terminal ready?

Prints one line per check (pass / warn / fail / skip, Chinese label with the English key) and what to do
about each warning or failure; `--json` prints one JSON object for fleet tooling. Exit code 0 when nothing
failed (warnings allowed), 1 when a check failed. See terminal/doctor/ for the checks.
"""
from __future__ import annotations

import argparse
import json
from typing import Any


def _setup_logging(config_path: str | None) -> None:
    """Log to the terminal's log file like every command (best effort: an unwritable log dir is a finding)."""
    try:
        from terminal import config as config_mod
        from terminal.logsetup import setup_logging

        try:
            cfg = config_mod.load(config_path)
        except config_mod.ConfigError:
            cfg = config_mod.Config()
        setup_logging(cfg.log_dir, cfg.log.level)
        from terminal.crash import log_start

        log_start("doctor")
    except Exception:  # the disk check reports unwritable directories
        pass


def cmd_doctor(args: argparse.Namespace) -> int:
    from terminal import doctor as d

    if getattr(args, "probe", None):
        from terminal.ui.qtprobe import probe

        return probe(args.probe)
    only = [k.strip() for k in (args.only or "").split(",") if k.strip()] or None
    if only:
        unknown = [k for k in only if k not in d.KEYS]
        if unknown:
            from terminal.commands.output import fail

            return fail(args, f"未知的检查项: {', '.join(unknown)}（可用: {', '.join(d.KEYS)}）", 2, "usage", prefix="")
    config_path = getattr(args, "config", None)
    _setup_logging(config_path)
    if args.json:
        report = d.run_doctor(config_path, only=only, timeout=args.timeout)
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str))
        return report.exit_code
    print(d.format_header(), flush=True)
    print(flush=True)
    report = d.run_doctor(config_path, only=only, timeout=args.timeout,
                          on_result=lambda r: print(d.format_line(r), flush=True))
    print()
    print(d.format_footer(report))
    return report.exit_code


def add_parsers(subparsers: Any) -> None:
    p = subparsers.add_parser("doctor",
                              help="诊断：配置、读卡器、扫码、打印机、平台连接与证书、签到、时钟、磁盘、离线队列",
                              description="检查本机是否可以结算。退出码 0 = 无失败项（可有警告），1 = 有失败项。")
    p.add_argument("--json", action="store_true", help="输出 JSON（供批量运维工具）")
    p.add_argument("--only", metavar="KEY[,KEY]", help="只运行这些检查（config 总会运行）: config, disk, perms, queue, "
                   "pcsc, card, scanner, printer, fonts, display, platform, tls, signin, clock, his")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="每项检查的最长时间（缺省各项自定）")
    p.add_argument("--config", default=argparse.SUPPRESS, help="配置文件 (TOML)")
    p.add_argument("--probe", choices=["qt", "display"], help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_doctor)
