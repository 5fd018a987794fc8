"""What the commands share: the configuration a command runs with, the platform it talks to (or the training
sandbox), the journal, how a patient identifies on the command line, and how recovery and reversals are
reported. The commands import this module, and ``terminal.cli`` imports the commands: never the other way."""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from terminal.commands.output import fail, print_json, resolution_name
from terminal.core.errors import user_message_of

if TYPE_CHECKING:
    from terminal.config import Config
    from terminal.store import Store


def load_config(args: argparse.Namespace) -> Config:
    from terminal import config as config_mod
    from terminal import fsperm

    cfg = config_mod.load(getattr(args, "config", None))
    if getattr(args, "card", False) and str(getattr(args, "reader", "") or "").startswith(config_mod.VIRTUAL_PREFIX):
        config_mod.refuse_virtual_card(cfg, "--reader")  # before anything is sent to a production platform
    fsperm.repair(cfg)  # once per process: data, log and crash dirs 0700, their files 0600 (older installs)
    from terminal.logsetup import setup_logging

    setup_logging(cfg.log_dir, cfg.log.level)
    from terminal.crash import install_crash_handler

    install_crash_handler(cfg)  # masked crash reports; logs the start line with the version
    return cfg


def add_common_options(p: argparse.ArgumentParser, json_flag: bool = True) -> None:
    """--json (unless the command prints no table) and a --config that may also follow the subcommand."""
    if json_flag:
        p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def open_store(args: argparse.Namespace) -> tuple[Config, Store]:
    """The configuration and the journal of a command."""
    from terminal.app import open_store as open_journal

    cfg = load_config(args)
    return cfg, open_journal(cfg)


def refuse_error(e: Exception, args: argparse.Namespace | None = None) -> int:
    """Report an error of the store (not found, refused) as the command's refusal."""
    return fail(args, user_message_of(e), 1, type(e).__name__)


def bad_date(args: argparse.Namespace) -> int:
    """Check --date (yyyy-MM-dd, a real day) and normalise it; 0 when fine, else the message is printed
    (JSON with --json) and 2 is returned."""
    value = getattr(args, "date", None)
    if value is None:
        return 0
    import datetime as _dt

    try:
        args.date = _dt.datetime.strptime(value.strip(), "%Y-%m-%d").date().isoformat()
        return 0
    except ValueError:
        msg = f"参数错误 --date: 应为有效日期 yyyy-MM-dd（如 2026-01-31），实际为 {value!r}"
    if getattr(args, "json", False):
        print_json({"ok": False, "error": "UsageError", "message": msg})
    else:
        print(msg, file=sys.stderr)
    return 2


def today() -> str:
    """Today's date as the journal writes it (yyyy-MM-dd)."""
    from terminal.store import db

    return db.today()


def report_recovery(rep: Any, stream: Any = None) -> None:
    """What a restart found, on stderr. Settlements that completed while nobody saw the result are framed:
    the cashier must check whether the patient paid (上次结算已完成：…，请核对是否已收费)."""
    stream = stream or sys.stderr
    if rep is None:
        return
    if rep.completed:
        bar = "!" * 60
        print(f"{bar}\n{rep.message}\n{bar}", file=stream, flush=True)
    elif rep.uncertain or rep.failed:
        print(f"恢复: {rep.message}", file=stream, flush=True)


def forward_reversal(store: Store, client: Any, service: Any, err: Any, read_timeout: float) -> tuple[str, str]:
    """After a failed platform call: when a settlement's outcome is unknown its 2601 is already queued
    durably; forward it now so the cashier knows where things stand. Returns (resolution, cashier message)."""
    from terminal.store.worker import reversal_text

    resolution = ""
    omsgid = getattr(err, "omsgid", "")
    if err.outcome_unknown and omsgid:
        store.worker(client, service).drain(timeout=min(30.0, read_timeout * 2))
        resolution = store.resolution(omsgid)
    msg = err.user_message
    oinfno = getattr(err, "oinfno", "") or getattr(err, "infno", "") or ""
    if resolution in ("reversed", "not_booked"):
        what = "撤销" if oinfno[:4] in ("2208", "2305") else "结算"
        msg = f"{what}结果未知；" + reversal_text(resolution, oinfno)
    elif resolution:
        msg += f"（冲正状态: {resolution_name(resolution)}，可用 yibao-terminal queue list 查看）"
    return resolution, msg
