"""The checks in the order they run, and the runner: each check on its own daemon thread with a timeout, so the
doctor always finishes (a hung PC/SC service or an unreachable platform shows up as "fail: timeout")."""
from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from collections.abc import Callable

from terminal.core.errors import UserFacingError
from terminal.doctor.context import Context
from terminal.doctor.desktop import check_display, check_fonts, check_printer
from terminal.doctor.devices import check_card, check_pcsc, check_scanner
from terminal.doctor.his import check_his
from terminal.doctor.host import check_config, check_disk, check_perms
from terminal.doctor.journal import check_queue, check_reconcile
from terminal.doctor.network import check_platform, check_tls
from terminal.doctor.report import FAIL, SKIP, WARN, CheckResult, Finding, Report
from terminal.doctor.signin import check_clock, check_signin

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 15.0


@dataclass
class Check:
    key: str
    label: str
    fn: Callable[[Context], CheckResult | Finding]
    timeout: float = DEFAULT_TIMEOUT
    needs_config: bool = False


def _mask_free(text: str) -> str:
    try:
        from terminal.logsetup import scrub

        return scrub(text)
    except Exception:
        return text


CHECKS: list[Check] = [
    Check("config", "配置", check_config, 10),
    Check("disk", "磁盘与目录", check_disk, 10, needs_config=False),
    Check("perms", "文件权限", check_perms, 10, needs_config=True),
    Check("queue", "离线队列", check_queue, 20, needs_config=True),
    Check("reconcile", "明细对账", check_reconcile, 10, needs_config=True),
    Check("pcsc", "读卡服务", check_pcsc, 15),
    Check("card", "社保卡", check_card, 25),
    Check("scanner", "扫码解码", check_scanner, 15),
    Check("printer", "打印机", check_printer, 45),
    Check("fonts", "中文字体", check_fonts, 45),
    Check("display", "图形显示", check_display, 35),
    Check("platform", "平台连接", check_platform, 20, needs_config=True),
    Check("tls", "TLS证书", check_tls, 20, needs_config=True),
    Check("signin", "签到9001", check_signin, 35, needs_config=True),
    Check("clock", "时钟", check_clock, 5, needs_config=True),
    Check("his", "HIS接口", check_his, 15, needs_config=True),
]
KEYS = [c.key for c in CHECKS]


def _run_one(check: Check, ctx: Context) -> CheckResult:
    if check.needs_config and ctx.config_error is not None:
        return CheckResult(check.key, check.label, SKIP, "配置无效，跳过（见 config 项）")
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["r"] = check.fn(ctx)
        except BaseException as e:  # a check must never take the doctor down
            box["e"] = e

    timeout = ctx.limit(check.timeout)
    t0 = time.perf_counter()
    th = threading.Thread(target=target, name=f"doctor-{check.key}", daemon=True)
    th.start()
    th.join(timeout)
    ms = (time.perf_counter() - t0) * 1000
    if th.is_alive():
        return CheckResult(check.key, check.label, FAIL, f"超过 {timeout:g} 秒未完成（timeout）",
                           "该项检查卡住：见上面其他项，或单独运行 yibao-terminal doctor --only " + check.key, ms=ms)
    if "e" in box:
        e = box["e"]
        log.warning("doctor check %s raised", check.key, exc_info=e)
        msg = _mask_free(f"{type(e).__name__}: {e}")
        hint = ""
        if isinstance(e, UserFacingError):
            msg = _mask_free(e.user_message)
        if getattr(e, "key", None):
            hint = f"检查配置项 {e.key}"
        return CheckResult(check.key, check.label, FAIL, f"检查出错：{msg}", hint, ms=ms,
                           data={"error": type(e).__name__})
    status, summary, hint, detail, data = box["r"]
    return CheckResult(check.key, check.label, status, _mask_free(summary), hint, _mask_free(detail), ms, data)


def run_doctor(config_path: str | None = None, *, only: list[str] | None = None, timeout: float | None = None,
               on_result: Callable[[CheckResult], None] | None = None) -> Report:
    """Run the checks (all, or the keys in `only`) and return the report. Never raises for a failing check."""
    from terminal import config as config_mod

    started = datetime.now()
    t0 = time.perf_counter()
    ctx = Context(config_path, timeout=timeout)
    try:
        ctx.cfg = config_mod.load(config_path)
    except config_mod.ConfigError as e:
        ctx.config_error = e
        ctx.cfg = config_mod.Config()  # paths and device checks still run on the defaults
    results: list[CheckResult] = []
    try:
        for check in CHECKS:
            if only and check.key not in only and check.key != "config":
                continue
            r = _run_one(check, ctx)
            results.append(r)
            level = {FAIL: logging.WARNING, WARN: logging.WARNING}.get(r.status, logging.INFO)
            log.log(level, "doctor %s %s: %s", r.key, r.status, r.summary)
            if on_result:
                on_result(r)
    finally:
        ctx.close()
    cfg = ctx.cfg
    paths = {"data_dir": str(cfg.data_dir), "log_dir": str(cfg.log_dir), "crash_dir": str(cfg.data_dir / "crash"),
             "journal": str(cfg.data_dir / "journal.sqlite"), "system_config": str(config_mod.SYSTEM_CONFIG),
             "user_config": str(config_mod.user_config_path()), "program": sys.executable}
    return Report(results, started, (time.perf_counter() - t0) * 1000,
                  "" if ctx.config_error else (cfg.source or ""),
                  None if ctx.config_error else cfg.training, paths)
