"""`yibao-terminal doctor`: is this terminal ready to settle? One check per thing that breaks at a cashier desk.

    report = run_doctor(config_path=None)      # Report: .checks (CheckResult), .exit_code, .as_dict()
    print(format_table(report))

Checks (key / 中文): config 配置, disk 磁盘与目录, perms 文件权限, queue 离线队列, pcsc 读卡服务, card 社保卡, scanner 扫码解码,
printer 打印机, fonts 中文字体, display 图形显示, platform 平台连接, tls TLS证书, signin 签到9001, clock 时钟.
Each returns pass / warn / fail (or skip when it does not apply) with a one-line summary, a hint saying what
to do, and data for fleet tooling. Each runs on its own daemon thread with a timeout, so the doctor always
finishes: a hung PC/SC service or an unreachable platform shows up as "fail: timeout". Qt is only touched in
a child process (`doctor --probe qt|display`), so a missing xcb library or a printer system that hangs cannot
abort or block the doctor itself. In training mode (backend.url = "sandbox") the sandbox platform is started
in-process for the platform, sign-in and clock checks, exactly like every other command does.

Exit code: 0 when nothing failed (warnings allowed), 1 when any check failed.
"""
from __future__ import annotations

import copy
import ctypes.util
import json
import logging
import os
import platform as _platform
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from terminal import __version__

log = logging.getLogger("terminal.doctor")

PASS, WARN, FAIL, SKIP = "pass", "warn", "fail", "skip"
STATUS_ZH = {PASS: "通过", WARN: "警告", FAIL: "失败", SKIP: "跳过"}
STATUS_ORDER = {FAIL: 0, WARN: 1, PASS: 2, SKIP: 3}

#: free space in the data directory below which the check fails / warns (bytes)
DISK_FAIL_BYTES = 200 * 1024 * 1024
DISK_WARN_BYTES = 1024 * 1024 * 1024
#: clock skew against the platform (seconds): above WARN a warning, above FAIL (gateway signatures are
#: refused beyond 5 minutes) a failure
CLOCK_WARN_S = 30.0
CLOCK_FAIL_S = 300.0
#: certificate expiry warning (days)
CERT_WARN_DAYS = 30
DEFAULT_TIMEOUT = 15.0
CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
                "SimHei", "WenQuanYi Zen Hei", "Noto Serif CJK SC", "AR PL UMing CN")


@dataclass
class CheckResult:
    key: str
    label: str
    status: str
    summary: str
    hint: str = ""
    detail: str = ""
    ms: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "status": self.status, "summary": self.summary,
                "hint": self.hint, "detail": self.detail, "ms": round(self.ms, 1), "data": self.data}


@dataclass
class Check:
    key: str
    label: str
    fn: Callable[["Context"], CheckResult | tuple]
    timeout: float = DEFAULT_TIMEOUT
    needs_config: bool = False


@dataclass
class Report:
    checks: list[CheckResult]
    started: datetime
    duration_ms: float
    config_source: str
    training: bool | None
    paths: dict[str, str]

    @property
    def counts(self) -> dict[str, int]:
        out = {PASS: 0, WARN: 0, FAIL: 0, SKIP: 0}
        for c in self.checks:
            out[c.status] = out.get(c.status, 0) + 1
        return out

    @property
    def ok(self) -> bool:
        return not any(c.status == FAIL for c in self.checks)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "exit_code": self.exit_code, "version": __version__, "build": build_info(),
                "frozen": is_frozen(), "host": socket.gethostname(), "platform": _platform.platform(),
                "python": _platform.python_version(), "started": self.started.isoformat(timespec="seconds"),
                "duration_ms": round(self.duration_ms, 1), "training": self.training,
                "config_source": self.config_source, "paths": self.paths, "counts": self.counts,
                "checks": [c.as_dict() for c in self.checks]}


# environment ---------------------------------------------------------------------------------------------
def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def build_info() -> dict[str, Any] | None:
    """What the packaged build recorded (version, commit, build time), or None when run from source."""
    from terminal.crash import build_info as _build_info

    return _build_info()


def self_command() -> list[str]:
    """How to run this program again (the frozen executable, or this interpreter with -m terminal)."""
    if is_frozen():
        return [sys.executable]
    return [sys.executable, "-m", "terminal"]


def _mask_free(text: str) -> str:
    try:
        from terminal.logsetup import scrub

        return scrub(text)
    except Exception:  # noqa: BLE001
        return text


# the context shared by the checks ------------------------------------------------------------------------
class Context:
    def __init__(self, config_path: str | None = None, *, timeout: float | None = None):
        self.config_path = config_path
        self.timeout = timeout
        self.cfg: Any = None
        self.config_error: Exception | None = None
        self.sandbox: Any = None
        self._sandbox_lock = threading.Lock()
        self.signin: dict[str, Any] = {}
        self.qt_probe: dict[str, Any] | None = None
        self._qt_lock = threading.Lock()

    @property
    def training(self) -> bool:
        return bool(self.cfg is not None and self.cfg.training)

    def base_url(self) -> str:
        """The platform URL the checks talk to (starts the training sandbox when configured)."""
        if not self.training:
            return self.cfg.backend.url
        with self._sandbox_lock:
            if self.sandbox is None:
                from terminal.sandbox.server import SandboxServer

                sb = SandboxServer.for_config(self.cfg)
                sb.start()
                self.sandbox = sb
            return self.sandbox.url

    def close(self) -> None:
        if self.sandbox is not None:
            try:
                self.sandbox.stop()
            except Exception:  # noqa: BLE001
                log.exception("stopping the sandbox")
            self.sandbox = None

    def limit(self, seconds: float) -> float:
        return min(seconds, self.timeout) if self.timeout else seconds


def _r(status: str, summary: str, hint: str = "", detail: str = "", **data: Any) -> tuple:
    return status, summary, hint, detail, data


# checks --------------------------------------------------------------------------------------------------
def check_config(ctx: Context) -> tuple:
    if ctx.config_error is not None:
        e = ctx.config_error
        key = getattr(e, "key", "")
        return _r(FAIL, str(e), f"修改配置文件中的 {key}（示例见 {_system_config()}.example）"
                  if key and key != "(file)" else "检查配置文件路径与 TOML 语法",
                  key=key, source=getattr(e, "source", ""))
    cfg = ctx.cfg
    src = cfg.source or "（无配置文件：默认值）"
    mode = "训练模式 training（沙箱平台）" if cfg.training else f"生产 production: {cfg.backend.url}"
    data = {"source": cfg.source, "training": cfg.training, "facility": cfg.facility.code,
            "admdvs": cfg.facility.admdvs, "backend_url": cfg.backend.url, "style": cfg.backend.style}
    if not cfg.source:
        return _r(WARN if not cfg.training else PASS, f"{src}；{mode}",
                  f"生产使用前由 IT 下发 {_system_config()}" if not cfg.training else
                  f"未找到配置文件，按默认值运行训练沙箱；生产使用前由 IT 下发 {_system_config()}", **data)
    return _r(PASS, f"{src}；{mode}；机构 {cfg.facility.code} {cfg.facility.name}", **data)


def _system_config() -> str:
    from terminal import config as config_mod

    return str(config_mod.SYSTEM_CONFIG)


def _free_space_target(path: Path) -> Path:
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def _writable(path: Path) -> str:
    """'' when files can be created in path (created if missing), else the reason."""
    try:
        from terminal import fsperm

        fsperm.private_dir(path, tighten=False)  # a missing one is created 0700, as the terminal would
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-", delete=True) as fh:
            fh.write(b"ok")
            fh.flush()
        return ""
    except OSError as e:
        return f"{e.strerror or e} ({path})"


def check_disk(ctx: Context) -> tuple:
    cfg = ctx.cfg
    data_dir, log_dir = cfg.data_dir, cfg.log_dir
    problems = [f"数据目录 {why}" for why in [_writable(data_dir)] if why]
    problems += [f"日志目录 {why}" for why in [_writable(log_dir)] if why]
    usage = shutil.disk_usage(_free_space_target(data_dir))
    free = usage.free
    journal = data_dir / "journal.sqlite"
    jsize = journal.stat().st_size if journal.exists() else 0
    data = {"data_dir": str(data_dir), "log_dir": str(log_dir), "free_bytes": free, "total_bytes": usage.total,
            "journal_bytes": jsize}
    summary = f"{data_dir}: 可用 {free / 2**30:.1f} GB / {usage.total / 2**30:.1f} GB；日志库 {jsize / 2**20:.1f} MB"
    if problems:
        return _r(FAIL, "；".join(problems), "检查目录权限（收费员账户须可写），或在 [store] dir / [log] dir 指定可写目录",
                  **data)
    if free < DISK_FAIL_BYTES:
        return _r(FAIL, summary + "（空间不足）", "清理磁盘：数据目录剩余空间少于 200 MB，日志库将无法写入、无法结算", **data)
    if free < DISK_WARN_BYTES:
        return _r(WARN, summary + "（空间偏少）", "请尽快清理磁盘（建议保持 1 GB 以上可用空间）", **data)
    return _r(PASS, summary, **data)


def check_perms(ctx: Context) -> tuple:
    """journal (parked bills' certificate numbers), logs, crash reports, operators, sandbox and the per-user
    config (gateway token) must be the cashier account's alone: dirs 0700, files without group/other bits."""
    from terminal import fsperm

    cfg = ctx.cfg
    dirs = [str(p) for p in fsperm.app_dirs(cfg)]
    if not fsperm.ENABLED:
        return _r(SKIP, "Windows：由用户目录的访问控制保护（不检查 Unix 权限位）", dirs=dirs)
    found = fsperm.audit(cfg)
    data = {"dirs": dirs, "loose": [f.as_dict() for f in found]}
    if not found:
        return _r(PASS, f"数据、日志与崩溃报告目录仅本账户可读写（目录 0700，文件 0600）：{', '.join(dirs)}", **data)
    shown = "；".join(f"{f.path} 为 {f.octal}" for f in found[:5]) + (f" 等 {len(found)} 项" if len(found) > 5 else "")
    targets: list[str] = []
    for f in found:
        root = next((r for r in dirs if f.path == r or f.path.startswith(r.rstrip(os.sep) + os.sep)), f.path)
        if root not in targets:
            targets.append(root)
    fix = ("运行 " + "；".join(f"chmod -R go-rwx '{t}'" for t in targets)
           + "（启动收费终端或运行任一命令也会自动修正）")
    return _r(FAIL, f"其他账户可读取收费终端的文件（含证件号、日志或网关 token）：{shown}", fix, **data)


def check_queue(ctx: Context) -> tuple:
    cfg = ctx.cfg
    path = cfg.data_dir / "journal.sqlite"
    if not path.exists():
        return _r(PASS, "尚无日志库（首次结算时创建）", path=str(path), open_items=0)
    try:
        from terminal.store import Store
    except ImportError as e:
        return _r(SKIP, f"本版本没有离线队列模块 ({e.name})")
    store = Store(path, max_queue_items=cfg.store.max_queue_items, max_queue_age_hours=cfg.store.max_queue_age_hours)
    try:
        st = store.queue_status()
    finally:
        store.close()
    data = {"path": str(path), "open_items": st.open_items, "max_items": st.max_items,
            "oldest_age_hours": st.oldest_age_hours, "max_age_hours": st.max_age_hours, "level": st.level,
            "counts": st.counts}
    summary = (f"{st.message}（待发送 {st.open_items}/{st.max_items} 项，最早 {st.oldest_age_hours:.1f}/"
               f"{st.max_age_hours:g} 小时）") if st.open_items else st.message
    if st.level == "full":
        return _r(FAIL, summary, "恢复与医保平台的网络后运行 yibao-terminal queue replay；失败项用 queue list 查看并处理",
                  **data)
    if st.level == "warning":
        return _r(WARN, summary, "尽快恢复网络并运行 yibao-terminal queue replay", **data)
    failed = st.counts.get("failed", 0) if isinstance(st.counts, dict) else 0
    if failed:
        return _r(WARN, summary + f"；{failed} 项失败待人工处理", "yibao-terminal queue list 查看，处理后 queue dismiss ID",
                  **data)
    return _r(PASS, summary, **data)


def check_reconcile(ctx: Context) -> tuple:
    """The last detail reconciliation (3202): when, which day, and what is still open (fixes done since count)."""
    cfg = ctx.cfg
    path = cfg.data_dir / "journal.sqlite"
    if not path.exists():
        return _r(PASS, "尚无日志库，尚未对账", path=str(path))
    from terminal.store import Store

    store = Store(path, max_queue_items=cfg.store.max_queue_items, max_queue_age_hours=cfg.store.max_queue_age_hours)
    try:
        last = store.reconciler.last_detail()
        rep = store.reconciler.detail_report(last["id"]) if last else None
    finally:
        store.close()
    schedule = getattr(getattr(cfg, "reconcile", None), "schedule", "") or ""
    when = f"（定时 {schedule}）" if schedule else "（未设定时对账 reconcile.schedule）"
    if rep is None:
        return _r(PASS, "尚未运行明细对账" + when, "yibao-terminal reconcile --detail", schedule=schedule)
    data = {"run_id": rep.run_id, "day": rep.day, "created": rep.created, "state": rep.state,
            "differences": len(rep.differences), "open": len(rep.open_differences), "schedule": schedule}
    summary = f"最近明细对账 {rep.created}：{rep.summary}"
    if rep.state == "clean":
        return _r(PASS, summary + when, **data)
    return _r(WARN, summary, f"yibao-terminal reconcile --detail --date {rep.day} 查看并由主管处理差异"
              "（reconcile fix）", **data)


def _virtual_card(cfg) -> str:
    reader = cfg.card.reader or ""
    if reader.startswith("virtual:"):
        return reader[len("virtual:"):] or cfg.card.virtual_person
    return cfg.card.virtual_person if cfg.card.virtual else ""


def check_pcsc(ctx: Context) -> tuple:
    cfg = ctx.cfg
    virtual = _virtual_card(cfg)
    if virtual:
        return _r(PASS, f"训练：进程内虚拟社保卡（{virtual}），不使用 PC/SC", virtual=virtual)
    from drivers.pcsc import NoReader, NoService, PcscCardReader
    from drivers.pcsc.scard import match_readers

    reader = PcscCardReader(cfg.card.reader)
    soft = ctx.training  # training can use the virtual card and ID numbers
    try:
        names = reader.list_readers()
    except NoService as e:
        return _r(WARN if soft else FAIL, f"PC/SC 服务不可用：{e.detail}",
                  "启动读卡服务：sudo systemctl enable --now pcscd.socket（Windows：启动“智能卡”服务 SCardSvr）",
                  error="NoService")
    except NoReader:
        names = []
    finally:
        reader.close()
    data = {"readers": names, "pattern": cfg.card.reader}
    if not names:
        status = FAIL if cfg.card.reader and not soft else WARN
        return _r(status, "PC/SC 服务正常，但未连接读卡器", "检查读卡器 USB 连接；仍不行请更换 USB 口或读卡器（驱动: libccid）",
                  **data)
    if cfg.card.reader and not match_readers(names, cfg.card.reader):
        return _r(WARN if soft else FAIL, f"没有名称匹配 [card] reader = “{cfg.card.reader}” 的读卡器（已连接: "
                  f"{', '.join(names)}）", "修改配置 card.reader，或留空使用第一个有卡的读卡器", key="card.reader", **data)
    return _r(PASS, f"{len(names)} 个读卡器: {', '.join(names)}", **data)


def check_card(ctx: Context) -> tuple:
    cfg = ctx.cfg
    from drivers.pcsc import CardError, CardExpired, NoCard, NoReader, NoService, check_expiry

    virtual = _virtual_card(cfg)
    if virtual:
        from drivers.virtual import VirtualCardReader, resolve_profile

        reader: Any = VirtualCardReader(resolve_profile(virtual))
    else:
        from drivers.pcsc import PcscCardReader

        reader = PcscCardReader(cfg.card.reader)
        try:
            if not reader.card_present():
                reader.close()
                return _r(SKIP, "读卡器中没有卡（插入一张社保卡可测试读卡）")
        except (NoService, NoReader, NoCard):
            reader.close()
            return _r(SKIP, "没有可用的读卡器（见 pcsc 项）")
    t0 = time.perf_counter()
    try:
        card = reader.read()
    except CardError as e:
        return _r(WARN, f"读卡失败：{e.user_message}", "换一张卡再试；同一读卡器多张卡都失败时请更换读卡器",
                  detail=f"{type(e).__name__}: {e.detail}", error=type(e).__name__)
    finally:
        reader.close()
    ms = (time.perf_counter() - t0) * 1000
    masked = card.masked()
    data = {"reader": getattr(reader, "reader_name", ""), "card_no": masked.get("card_no", ""),
            "generation": card.generation, "read_ms": round(ms, 1)}
    try:
        check_expiry(card)
    except CardExpired:
        return _r(WARN, f"读卡成功但此卡已过期（卡号 {masked.get('card_no', '')}）", "读卡器正常；请用有效期内的卡测试", **data)
    return _r(PASS, f"读卡成功：卡号 {masked.get('card_no', '')}，第{card.generation}代卡，{ms:.0f} ms", **data)


def _qr_image(text: str):
    try:
        from drivers.scanner.qrimage import make_qr_image

        return make_qr_image(text, 240)
    except ImportError:
        import qrcode

        return qrcode.make(text).get_image().convert("L")


def check_scanner(ctx: Context) -> tuple:
    lib = ctypes.util.find_library("zbar") or ""
    base = getattr(sys, "_MEIPASS", "")
    where = "随程序附带 (bundled)" if base and lib.startswith(base) else ("系统 (system)" if lib else "")
    data: dict[str, Any] = {"zbar": lib}
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as e:
        hint = ("安装 Visual C++ 2013 运行库 (x64)：zbar 需要 msvcr120.dll" if sys.platform == "win32" else
                "安装 libzbar0（打包版本已附带 zbar，出现此错误请重新安装 yibao-terminal）")
        return _r(FAIL, f"二维码解码库 zbar 无法加载：{e}", hint, **data)
    text = f"YIBAO-DOCTOR-{os.getpid()}-{int(time.time())}"
    image = _qr_image(text)
    decoded = [d.data.decode("utf-8", "replace") for d in pyzbar.decode(image)]
    data["decoded"] = decoded == [text]
    import importlib.util

    data["zxing_cpp"] = importlib.util.find_spec("zxingcpp") is not None  # optional fast decoder (fast-qr)
    if decoded != [text]:
        return _r(FAIL, f"zbar 已加载（{lib}），但没有解出测试二维码：{decoded!r}", "重新安装 yibao-terminal", **data)
    # the application's own decoding pipeline (camera frames, e-code images), when this version has it
    pipeline = ""
    try:
        from drivers.scanner import decode as app_decode
    except ImportError as e:
        if e.name and not e.name.startswith("drivers.scanner"):
            return _r(FAIL, f"扫码解码模块无法加载：{e}", "重新安装 yibao-terminal", **data)
        app_decode = None
    if app_decode is not None:
        data["decoders"] = app_decode.available_decoders()
        got = [r.text for r in app_decode.decode(image)]
        data["pipeline"] = got == [text]
        if got != [text]:
            return _r(FAIL, f"应用扫码解码管线没有解出测试二维码（解码器 {', '.join(data['decoders'])}）", "重新安装 yibao-terminal",
                      **data)
        pipeline = f"，解码器 {'/'.join(data['decoders'])}"
    cam = "；摄像头扫码已开启（需 PySide6-Addons）" if ctx.cfg is not None and ctx.cfg.scanner.camera else ""
    return _r(PASS, f"zbar {where} 解码测试二维码成功{pipeline}{cam}；扫码枪（键盘输入）无需驱动", **data)


def _run_probe(kind: str, timeout: float, env_extra: dict[str, str] | None = None) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(env_extra or {})
    cmd = self_command() + ["doctor", "--probe", kind]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                           encoding="utf-8", errors="replace")
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timeout after {timeout:.0f} s", "timeout": True}
    except OSError as e:
        return {"ok": False, "error": f"cannot start {cmd[0]}: {e}"}
    for line in reversed(p.stdout.splitlines()):
        if line.startswith("{"):
            try:
                out = json.loads(line)
            except ValueError:
                break
            out.setdefault("ok", p.returncode == 0)
            out["stderr"] = p.stderr[-1500:]
            return out
    return {"ok": False, "error": f"exit code {p.returncode}", "stderr": p.stderr[-1500:], "returncode": p.returncode}


def _qt(ctx: Context) -> dict[str, Any]:
    with ctx._qt_lock:
        if ctx.qt_probe is None:
            ctx.qt_probe = _run_probe("qt", ctx.limit(40.0), {"QT_QPA_PLATFORM": "offscreen"})
        return ctx.qt_probe


def check_printer(ctx: Context) -> tuple:
    cfg = ctx.cfg
    probe = _qt(ctx)
    if not probe.get("printsupport"):
        return _r(FAIL, f"Qt 打印模块无法使用：{probe.get('error') or probe.get('printsupport_error', '')}",
                  "重新安装 yibao-terminal", detail=probe.get("stderr", ""))
    printers = probe.get("printers", [])
    default = probe.get("default", "")
    data = {"printers": printers, "default": default, "configured": cfg.printer.name, "pdf_dir": cfg.printer.pdf_dir,
            "pdf_ok": probe.get("pdf_ok", False)}
    if cfg.printer.name:
        if cfg.printer.name not in printers:
            return _r(FAIL, f"找不到配置的打印机 “{cfg.printer.name}”（系统打印机: {', '.join(printers) or '无'}）",
                      "检查打印机电源/连接与 CUPS（lpstat -p），或修改配置 printer.name", key="printer.name", **data)
        state = (probe.get("states") or {}).get(cfg.printer.name, "")
        return _r(PASS, f"打印机 {cfg.printer.name} 可用{('（' + state + '）') if state else ''}", **data)
    pdf_dir = Path(cfg.printer.pdf_dir) if cfg.printer.pdf_dir else cfg.data_dir / "receipts"  # as the window does
    why = _writable(pdf_dir)
    data["pdf_target"] = str(pdf_dir)
    if why or not probe.get("pdf_ok"):
        return _r(FAIL, f"未配置打印机，收据存为 PDF，但无法写入：{why or probe.get('pdf_error', '')}",
                  "配置 [printer] name（系统打印机）或可写的 [printer] pdf_dir", key="printer.pdf_dir", **data)
    extra = f"；系统打印机: {', '.join(printers)}（默认 {default or '无'}）" if printers else "；系统中没有打印机"
    return _r(WARN if printers else PASS, f"未配置打印机：收据保存为 PDF 到 {pdf_dir}{extra}",
              "要打印小票，在 [printer] name 填写上面列出的打印机名" if printers else "", **data)


def check_fonts(ctx: Context) -> tuple:
    probe = _qt(ctx)
    if "cjk_font" not in probe:
        return _r(FAIL, f"无法检查字体：{probe.get('error', '')}", "重新安装 yibao-terminal", detail=probe.get("stderr", ""))
    fam = probe.get("cjk_font") or ""
    if not fam:
        return _r(WARN, "没有中文字体：界面与收据中的汉字会显示为方框",
                  "安装中文字体：sudo apt-get install fonts-wqy-microhei（或 fonts-noto-cjk）", families=probe.get("families", 0))
    return _r(PASS, f"中文字体 {fam}", font=fam)


def check_display(ctx: Context) -> tuple:
    if sys.platform.startswith("linux"):
        qpa = os.environ.get("QT_QPA_PLATFORM", "")
        if qpa.startswith(("offscreen", "minimal")):
            return _r(SKIP, f"QT_QPA_PLATFORM={qpa}：无图形显示（命令行/自动化）")
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and not qpa:
            return _r(SKIP, "无图形会话（DISPLAY 未设置）：收费界面需在桌面会话中启动；命令行功能不受影响")
    probe = _run_probe("display", ctx.limit(30.0))
    if not probe.get("ok"):
        err = probe.get("stderr", "") or probe.get("error", "")
        hint = "安装缺少的 Qt 图形依赖（apt-get install -f / 重新安装 yibao-terminal 会带上依赖）"
        if "xcb-cursor" in err:
            hint = "安装 libxcb-cursor0：sudo apt-get install libxcb-cursor0"
        last = [ln for ln in err.splitlines() if ln.strip()][-3:]
        return _r(FAIL, "收费界面无法打开窗口（Qt 平台插件加载失败）", hint, detail="\n".join(last))
    screens = probe.get("screens", [])
    data = {"platform": probe.get("platform"), "screens": screens}
    size = ", ".join(f"{s['w']}x{s['h']}" for s in screens)
    if not screens:
        return _r(WARN, f"Qt 平台 {probe.get('platform')}，但没有屏幕", "检查显示器连接", **data)
    small = [s for s in screens if s["w"] < 1280 or s["h"] < 720]
    if small and len(screens) == 1:
        return _r(WARN, f"屏幕 {size}：小于收费界面建议的 1366x768", "调高分辨率或在 [ui] font_scale 调小字体", **data)
    cust = "（可用顾客显示屏）" if len(screens) > 1 else ""
    return _r(PASS, f"Qt 平台 {probe.get('platform')}，{len(screens)} 个屏幕 {size}{cust}", **data)


def _host_port(url: str) -> tuple[str, int, str]:
    u = urlsplit(url)
    scheme = u.scheme.lower()
    port = u.port or (443 if scheme == "https" else 80)
    return u.hostname or "", port, scheme


def check_platform(ctx: Context) -> tuple:
    url = ctx.base_url()
    host, port, scheme = _host_port(url)
    timeout = ctx.limit(min(float(ctx.cfg.backend.connect_timeout), 10.0))
    t0 = time.perf_counter()
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        return _r(FAIL, f"无法解析平台地址 {host}：{e.strerror}", "检查 DNS 或在 backend.url 中使用 IP 地址", key="backend.url",
                  host=host)
    dns_ms = (time.perf_counter() - t0) * 1000
    addr = infos[0][4][0]
    t1 = time.perf_counter()
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except socket.timeout:
        return _r(FAIL, f"连接 {host}:{port} 超时（{timeout:g} 秒）", "检查网络/专线与防火墙；平台地址见 backend.url",
                  host=host, port=port, address=addr)
    except OSError as e:
        return _r(FAIL, f"无法连接 {host}:{port}（{addr}）：{e.strerror or e}",
                  "检查网络/专线与防火墙，确认 backend.url 的地址和端口", host=host, port=port, address=addr)
    ms = (time.perf_counter() - t1) * 1000
    where = "训练沙箱 " if ctx.training else ""
    return _r(PASS, f"{where}{scheme}://{host}:{port}（{addr}）可连接，连接 {ms:.0f} ms", host=host, port=port,
              address=addr, connect_ms=round(ms, 1), dns_ms=round(dns_ms, 1))


def _cert_summary(cert: dict[str, Any]) -> tuple[str, str, datetime | None]:
    def name(part: Any) -> str:
        for rdn in part or ():
            for k, v in rdn:
                if k == "commonName":
                    return v
        return ""

    not_after = None
    if cert.get("notAfter"):
        not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), timezone.utc)
    return name(cert.get("subject")), name(cert.get("issuer")), not_after


def _tls_off(cfg: Any) -> str:
    """The fix, when certificate verification is off against a production platform; else ''."""
    if not cfg.insecure_tls:
        return ""
    return ("恢复 backend.verify_tls = true 并删除 backend.insecure_tls_i_accept_the_risk；平台 CA 非公共 CA 时在 "
            "backend.ca_bundle 配置其 PEM 证书")


def check_tls(ctx: Context) -> tuple:
    b = ctx.cfg.backend
    url = ctx.base_url()
    host, port, scheme = _host_port(url)
    off = _tls_off(ctx.cfg)
    if scheme != "https":
        if ctx.training:
            return _r(SKIP, "训练沙箱使用本机 http，无 TLS")
        if off:
            return _r(FAIL, f"平台地址为 http（未加密），且证书校验已关闭：{url}", off, key="backend.verify_tls")
        return _r(WARN, f"平台地址为 http（未加密）：{url}", "仅在医保专网内可以接受；平台提供 https 时改用 https 并配置 backend.ca_bundle",
                  key="backend.url")
    cafile = b.ca_bundle or None
    if cafile is None:
        try:
            import certifi

            cafile = certifi.where()
        except ImportError:
            cafile = None
    ctx_ssl = ssl.create_default_context(cafile=cafile)
    if not b.verify_tls:
        ctx_ssl.check_hostname = False
        ctx_ssl.verify_mode = ssl.CERT_NONE
    if b.client_cert:
        try:
            ctx_ssl.load_cert_chain(b.client_cert, b.client_key or None)
        except (ssl.SSLError, OSError) as e:
            return _r(FAIL, f"客户端证书无法加载：{e}", "检查 backend.client_cert / backend.client_key（证书与私钥须匹配，PEM 格式）",
                      key="backend.client_cert")
    timeout = ctx.limit(min(float(b.connect_timeout), 10.0))
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as e:
        if off:  # unreachable now, but the configuration itself is the finding
            return _r(FAIL, f"证书校验已关闭（backend.verify_tls = false）；平台暂不可连接：{e.strerror or e}", off,
                      key="backend.verify_tls")
        return _r(SKIP, f"无法连接平台，未检查证书（见 platform 项）：{e.strerror or e}")
    try:
        with sock, ctx_ssl.wrap_socket(sock, server_hostname=host) as tls:
            cert = tls.getpeercert() or {}
            version = tls.version()
    except ssl.SSLCertVerificationError as e:
        return _r(FAIL, f"平台证书校验失败：{e.verify_message or e}",
                  "在 backend.ca_bundle 配置平台 CA 证书（PEM）；主机名须与证书一致", key="backend.ca_bundle",
                  ca_bundle=b.ca_bundle)
    except (ssl.SSLError, OSError) as e:
        return _r(FAIL, f"TLS 握手失败：{e}", "检查平台是否要求客户端证书（backend.client_cert）以及 TLS 版本",
                  key="backend.client_cert")
    subject, issuer, not_after = _cert_summary(cert)
    data = {"tls_version": version, "subject": subject, "issuer": issuer, "verified": b.verify_tls,
            "not_after": not_after.isoformat() if not_after else "", "ca_bundle": b.ca_bundle,
            "client_cert": bool(b.client_cert)}
    if off:
        return _r(FAIL, f"{version} 已连接，但证书校验已关闭（backend.verify_tls = false，"
                  f"backend.insecure_tls_i_accept_the_risk = true）：连接可被冒充或窃听", off, key="backend.verify_tls",
                  **data)
    if not b.verify_tls:  # a loopback sandbox declared with backend.training
        return _r(WARN, f"{version} 已连接，证书校验已关闭（训练沙箱 backend.training = true）", "仅限训练/测试",
                  key="backend.verify_tls", **data)
    days = (not_after - datetime.now(timezone.utc)).days if not_after else None
    summary = f"{version}，证书 {subject}（签发 {issuer}）校验通过" + (f"，{days} 天后到期" if days is not None else "")
    if days is not None and days < CERT_WARN_DAYS:
        return _r(WARN, summary, "平台证书即将到期：联系医保平台/信息科确认新证书与 CA", **data)
    return _r(PASS, summary, **data)


def check_signin(ctx: Context) -> tuple:
    from terminal.backend.client import client_from_config
    from terminal.backend.errors import BusinessError, PlatformError

    url = ctx.base_url()
    cfg = copy.deepcopy(ctx.cfg)
    cfg.backend.connect_timeout = ctx.limit(min(float(cfg.backend.connect_timeout), 10.0))
    cfg.backend.read_timeout = ctx.limit(min(float(cfg.backend.read_timeout), 20.0))
    client = client_from_config(cfg, url)

    def remember(resp, *args, **kwargs):  # noqa: ANN001 - requests response hook
        ctx.signin["received"] = time.time()
        ctx.signin["date_header"] = resp.headers.get("Date", "")
        try:
            ctx.signin["respond_time"] = str(json.loads(resp.content.decode("utf-8")).get("respond_time") or "")
        except (ValueError, AttributeError, UnicodeDecodeError):
            pass
        return resp

    client.session.hooks["response"].append(remember)
    dev_no = client.identity.dev_no
    ctx.signin["sent"] = time.time()
    try:
        sign_no = client.sign_in()
    except BusinessError as e:
        return _r(FAIL, f"签到被平台拒绝：{e.err_msg}", "核对 [facility] code、[operator] id 是否已在医保平台备案",
                  msgid=e.msgid, dev_no=dev_no)
    except PlatformError as e:
        return _r(FAIL, f"签到失败：{e.user_message}", "见 platform / tls 项", detail=str(e), msgid=e.msgid,
                  dev_no=dev_no)
    finally:
        ctx.signin["received_done"] = time.time()
        client.close()
    answer_time = ctx.signin.get("respond_time", "")
    ctx.signin["ok"] = True
    ctx.signin["sign_no"] = sign_no
    return _r(PASS, f"签到成功 sign_no {sign_no}（设备 {dev_no}，操作员 {cfg.operator.id}）", sign_no=sign_no,
              dev_no=dev_no, operator=cfg.operator.id, respond_time=answer_time)


def _parse_platform_time(text: str) -> datetime | None:
    """respond_time of an answer: yyyyMMddHHmmssSSS (17), yyyyMMddHHmmss (14) or yyyy-MM-dd HH:mm:ss."""
    text = (text or "").strip()
    try:
        if len(text) == 17 and text.isdigit():
            return datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(microsecond=int(text[14:]) * 1000)
        if len(text) == 14 and text.isdigit():
            return datetime.strptime(text, "%Y%m%d%H%M%S")
        return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def check_clock(ctx: Context) -> tuple:
    s = ctx.signin
    if "received" not in s:
        return _r(SKIP, "没有平台应答，无法比较时钟（见 signin 项）")
    local_mid = (s["sent"] + s.get("received_done", s["received"])) / 2
    rtt = s.get("received_done", s["received"]) - s["sent"]
    skews: dict[str, float] = {}
    # the answer's respond_time is the platform's local time (Beijing time), 1 ms resolution
    respond = _parse_platform_time(s.get("respond_time", ""))
    if respond is not None:
        skews["respond_time"] = respond.timestamp() - local_mid
    if s.get("date_header"):
        try:
            skews["http_date"] = parsedate_to_datetime(s["date_header"]).timestamp() - local_mid
        except (TypeError, ValueError):
            pass
    if not skews:
        return _r(SKIP, "平台应答中没有时间（respond_time / Date），无法比较")
    # the Date header has 1 s resolution: only trust it beyond that
    skew = skews.get("respond_time", skews.get("http_date", 0.0))
    if "respond_time" not in skews:
        skew = skew if abs(skew) > 1.5 else 0.0
    data = {"skew_s": round(skew, 3), "sources": {k: round(v, 3) for k, v in skews.items()}, "rtt_s": round(rtt, 3),
            "local_time": datetime.now().isoformat(timespec="seconds"), "timezone": time.strftime("%Z %z")}
    ahead = "慢" if skew > 0 else "快"
    diff = f"本机时钟比平台{ahead} {abs(skew):.1f} 秒" if abs(skew) >= 0.05 else "本机时钟与平台一致"
    summary = f"{diff}（往返 {rtt * 1000:.0f} ms，时区 {time.strftime('%z')}）"
    hours = abs(skew) / 3600
    tz_hint = "；相差整数小时，多半是时区设置错误（应为 Asia/Shanghai）" if hours >= 0.9 and abs(hours - round(hours)) < 0.02 else ""
    fix = "开启时间同步：sudo timedatectl set-ntp true（Windows：设置-时间-立即同步）" + tz_hint
    if ctx.training:
        summary += "（训练沙箱与本机同一时钟）"
    if abs(skew) > CLOCK_FAIL_S:
        return _r(FAIL, summary, fix + "；时差超过 5 分钟，平台网关会拒绝报文", **data)
    if abs(skew) > CLOCK_WARN_S:
        return _r(WARN, summary, fix, **data)
    return _r(PASS, summary, **data)


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
]
KEYS = [c.key for c in CHECKS]


def _run_one(check: Check, ctx: Context) -> CheckResult:
    if check.needs_config and ctx.config_error is not None:
        return CheckResult(check.key, check.label, SKIP, "配置无效，跳过（见 config 项）")
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["r"] = check.fn(ctx)
        except BaseException as e:  # noqa: BLE001 - a check must never take the doctor down
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
        if getattr(e, "user_message", None):
            msg = _mask_free(f"{e.user_message}")
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


# output --------------------------------------------------------------------------------------------------
def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def format_header(report_or_none: Report | None = None) -> str:
    b = build_info()
    built = f"（构建 {b.get('commit') or '?'} {b.get('built', '')}）" if b else "（源码运行）"
    return (f"yibao-terminal {__version__} 诊断 doctor{built}\n"
            f"主机 {socket.gethostname()}  {_platform.platform()}  {datetime.now():%Y-%m-%d %H:%M:%S}")


def format_line(r: CheckResult) -> str:
    status = _pad(f"{STATUS_ZH[r.status]} {r.status.upper()}", 11)
    name = _pad(f"{r.label} {r.key}", 22)
    out = f"{status}{name}{r.summary}"
    if r.hint and r.status in (FAIL, WARN):
        out += f"\n{' ' * 33}→ {r.hint}"
    if r.detail and r.status == FAIL:
        out += "".join(f"\n{' ' * 35}{ln}" for ln in r.detail.splitlines()[-3:])
    return out


def format_footer(report: Report) -> str:
    c = report.counts
    p = report.paths
    mode = {True: "训练模式（沙箱）", False: "生产", None: "配置无效"}[report.training]
    verdict = ("结论：可以结算" if report.ok and not c[WARN] else
               f"结论：可以结算，但有 {c[WARN]} 项警告" if report.ok else f"结论：有 {c[FAIL]} 项失败，请按 → 提示处理")
    return (f"{verdict}（通过 {c[PASS]}，警告 {c[WARN]}，失败 {c[FAIL]}，跳过 {c[SKIP]}；{report.duration_ms / 1000:.1f} 秒）\n"
            f"模式 {mode}；配置 {report.config_source or '（无/默认）'}\n"
            f"数据 {p['data_dir']}  日志 {p['log_dir']}  崩溃报告 {p['crash_dir']}")


def format_table(report: Report) -> str:
    return "\n".join([format_header(report), ""] + [format_line(r) for r in report.checks] + ["", format_footer(report)])


# probes (run in a child process: Qt may abort the process when a platform plugin cannot load) ----------
def probe(kind: str) -> int:
    """`doctor --probe qt|display`: print one JSON line; the parent judges it."""
    out: dict[str, Any] = {"ok": True, "kind": kind}
    try:
        from PySide6.QtGui import QFontDatabase, QGuiApplication
    except ImportError as e:
        print(json.dumps({"ok": False, "error": f"PySide6: {e}"}))
        return 1
    app = QGuiApplication.instance() or QGuiApplication(["yibao-terminal-doctor"])
    out["platform"] = app.platformName()
    if kind == "display":
        out["screens"] = [{"name": s.name(), "w": s.geometry().width(), "h": s.geometry().height(),
                           "dpr": s.devicePixelRatio()} for s in app.screens()]
        print(json.dumps(out, ensure_ascii=False))
        return 0
    families = set(QFontDatabase.families())
    out["families"] = len(families)
    out["cjk_font"] = next((f for f in CJK_FAMILIES if f in families), "")
    if not out["cjk_font"]:
        from PySide6.QtGui import QFontDatabase as _F

        out["cjk_font"] = next((f for f in sorted(families)
                                if _F.WritingSystem.SimplifiedChinese in _F.writingSystems(f)), "")
    try:
        from PySide6.QtGui import QPainter
        from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

        out["printsupport"] = True
        infos = QPrinterInfo.availablePrinters()
        out["printers"] = [p.printerName() for p in infos]
        out["states"] = {p.printerName(): {0: "idle", 1: "active", 2: "aborted", 3: "error"}.get(
            int(getattr(p.state(), "value", p.state())), "") for p in infos}
        out["default"] = QPrinterInfo.defaultPrinter().printerName()
        with tempfile.TemporaryDirectory(prefix="yibao-doctor-") as d:
            pdf = Path(d) / "probe.pdf"
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(pdf))
            painter = QPainter()
            if painter.begin(printer):
                painter.drawText(100, 100, "医保结算 doctor")
                painter.end()
            out["pdf_ok"] = pdf.exists() and pdf.stat().st_size > 0
            if not out["pdf_ok"]:
                out["pdf_error"] = "QPrinter 未能写出 PDF"
    except Exception as e:  # noqa: BLE001
        out["printsupport"] = False
        out["printsupport_error"] = f"{type(e).__name__}: {e}"
    print(json.dumps(out, ensure_ascii=False))
    return 0
