"""Crash reports: an unhandled exception becomes a masked report file and a message telling the cashier what to do.

    from terminal.crash import install_crash_handler
    install_crash_handler(cfg)                                   # CLI: the message goes to stderr
    install_crash_handler(cfg, show_dialog=window.show_crash)    # UI: a callback shows it (on the UI thread)

Installs sys.excepthook and threading.excepthook (idempotent: a second call only updates cfg and the
callback). A report is written to ``cfg.data_dir / "crash" / "crash-YYYYmmdd-HHMMSS.txt"`` with the version
and build, the platform, the command line, the traceback and the last 200 lines of the log, all masked
(terminal.logsetup.scrub for ID numbers, card_sn and tokens in free text; the field names of
terminal.core.privacy for ``name='...'``, ``"certno": "..."`` and the like; user:password in URLs). Native
crashes (segfaults in Qt or a driver) are caught by faulthandler into ``crash/native-*.txt``. Also logs the
start line (version, build, platform) of the process.
"""
from __future__ import annotations

import atexit
import faulthandler
import json
import logging
import os
import platform
import re
import socket
import sys
import threading
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any
from collections.abc import Callable

from terminal import __version__
from terminal.core import privacy
from terminal.logsetup import scrub

log = logging.getLogger(__name__)

LOG_LINES = 200
KEEP_REPORTS = 50

_FIELDS = sorted(privacy.ID_FIELDS | privacy.CARD_FIELDS | privacy.NAME_FIELDS | privacy.TOKEN_FIELDS
                 | privacy.PHONE_FIELDS, key=len, reverse=True)
# name='张三'  "certno": "4601..."  card_no=A00000001  'token': 'abcd...'
_FIELD_RE = re.compile(
    r"""(?P<pre>(?<![A-Za-z0-9_])(?P<key>""" + "|".join(re.escape(f) for f in _FIELDS) + r""")['"]?\s*[:=]\s*)"""
    r"""(?P<q>['"]?)(?P<val>[^'",\s)}\]]+)""")
# command lines: --cert-no A00000001, --card-sn ..., --ecode EC...
_ARG_RE = re.compile(r"(?P<pre>--(?P<key>cert-no|card-sn|ecode|token)[= ])(?P<val>\S+)")
_ARG_KEYS = {"cert-no": "mdtrt_cert_no", "card-sn": "card_sn", "ecode": "ecQrCode", "token": "token"}
_URL_AUTH_RE = re.compile(r"(?P<s>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<auth>[^/@\s:]+(?::[^/@\s]*)?)@")


def mask_text(text: str) -> str:
    """Mask personal data and secrets in free text (tracebacks, log lines, command lines)."""
    def field(m: re.Match) -> str:
        key, val = m.group("key"), m.group("val")
        masked = privacy.mask_value(key, val)
        if masked == val and val not in ("None", "''", '""'):
            masked = privacy.mask_token(val)
        return f"{m.group('pre')}{m.group('q')}{masked}"

    def arg(m: re.Match) -> str:
        key = _ARG_KEYS[m.group("key")]
        val = m.group("val")
        masked = privacy.mask_value(key, val)
        return m.group("pre") + (masked if masked != val else privacy.mask_token(val))

    text = _FIELD_RE.sub(field, text)
    text = _ARG_RE.sub(arg, text)
    text = _URL_AUTH_RE.sub(lambda m: f"{m.group('s')}***@", text)
    return scrub(text)


# the start line ----------------------------------------------------------------------------------------
_started = False


def build_info() -> dict[str, Any] | None:
    base = getattr(sys, "_MEIPASS", None)
    if not base:
        return None
    try:
        data = json.loads((Path(base) / "yibao_build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    data.pop("dropped", None)
    return data


def version_label() -> str:
    """"0.1.0" from source, "0.1.0 (d2d6a844cc1b, 2026-11-23)" in a packaged build: for the window's title
    bar / about box and support calls."""
    b = build_info()
    if not b:
        return __version__
    return f"{__version__} ({b.get('commit') or 'build'}, {str(b.get('built', ''))[:10]})"


def log_start(what: str = "") -> None:
    """Log once per process: which version (and build) runs where. The first line support looks for."""
    global _started
    if _started:
        return
    _started = True
    b = build_info() or {}
    log.info("yibao-terminal %s start%s: pid %d, %s, python %s, %s%s", __version__, f" ({what})" if what else "",
             os.getpid(), "packaged" if getattr(sys, "frozen", False) else "source", platform.python_version(),
             platform.platform(), f", build {b.get('commit', '')} {b.get('built', '')}" if b else "")


# the report --------------------------------------------------------------------------------------------
def crash_dir(cfg: Any) -> Path:
    return Path(cfg.data_dir) / "crash"


def _tail_log(log_dir: Path, n: int = LOG_LINES) -> list[str]:
    lines: list[str] = []
    for name in ("terminal.log", "terminal.log.1"):  # newest first; the rotated file for the lines before
        p = log_dir / name
        try:
            with open(p, "rb") as fh:
                fh.seek(0, os.SEEK_END)
                size = fh.tell()
                fh.seek(max(0, size - 512 * 1024))
                chunk = fh.read().decode("utf-8", "replace").splitlines()
                if size > 512 * 1024:
                    chunk = chunk[1:]  # the first line is cut
        except OSError:
            continue
        lines = chunk[-(n - len(lines)):] + lines if len(lines) < n else lines
        if len(lines) >= n:
            break
    return lines[-n:]


def cashier_message(path: Path | str | None) -> str:
    where = f"错误报告已保存：{path}" if path else "错误报告未能保存"
    return ("收费终端发生了意外错误。\n"
            f"{where}\n"
            "请这样处理：\n"
            "1. 如果正在结算：不要重复收费。重新启动收费终端后查看“日志/队列”，"
            "确认这笔结算是否已成功（未确定的结算会自动冲正）。\n"
            "2. 关闭并重新启动收费终端。\n"
            "3. 如果再次出现，请联系信息科（IT），并提供上面的错误报告文件。\n"
            "An unexpected error occurred. Restart the terminal; if it happens again, give the report file to IT.")


def write_report(cfg: Any, exc_type: type[BaseException], exc: BaseException | None, tb: Any, *,
                 thread: str = "", now: datetime | None = None) -> Path:
    """Write the masked crash report and return its path (raises OSError when it cannot be written)."""
    from terminal import fsperm

    now = now or datetime.now()
    d = fsperm.private_dir(crash_dir(cfg))  # 0700: a report carries the log's last lines
    path = d / f"crash-{now:%Y%m%d-%H%M%S}.txt"
    n = 1
    while path.exists():
        n += 1
        path = d / f"crash-{now:%Y%m%d-%H%M%S}-{n}.txt"
    b = build_info()
    tb_text = "".join(traceback.format_exception(exc_type, exc, tb))
    try:
        logs = _tail_log(Path(cfg.log_dir))
    except Exception:
        logs = []
    try:
        backend = getattr(cfg.backend, "url", "")
        cfg_lines = [f"config: {getattr(cfg, 'source', '') or '(defaults)'}",
                     f"training: {getattr(cfg, 'training', '')}",
                     f"facility: {cfg.facility.code} {cfg.facility.admdvs}",
                     f"backend: {backend} ({cfg.backend.style})",
                     f"operator: {cfg.operator.id}", f"data_dir: {cfg.data_dir}", f"log_dir: {cfg.log_dir}"]
    except Exception:
        cfg_lines = ["config: (unavailable)"]
    head = [
        "yibao-terminal crash report 崩溃报告",
        f"time: {now:%Y-%m-%d %H:%M:%S}",
        f"version: {__version__}" + (f"  build: {b.get('commit', '')} {b.get('built', '')}" if b else "  (source)"),
        f"platform: {platform.platform()}  python {platform.python_version()}  host {socket.gethostname()}",
        f"process: pid {os.getpid()}  thread {thread or threading.current_thread().name}  "
        f"frozen {bool(getattr(sys, 'frozen', False))}",
        "command: " + " ".join(sys.argv),
        *cfg_lines,
        f"exception: {exc_type.__name__}: {exc}",
        "",
        "--- traceback ---",
        tb_text.rstrip(),
        "",
        f"--- last {len(logs)} log lines ({Path(cfg.log_dir) / 'terminal.log'}) ---",
        *logs,
        "",
    ]
    text = mask_text("\n".join(head))
    fsperm.write_private(path, text.encode("utf-8"))  # 0600
    _prune(d)
    return path


def _prune(d: Path, keep: int = KEEP_REPORTS) -> None:
    try:
        reports = sorted(d.glob("crash-*.txt"), key=lambda p: p.stat().st_mtime)
        for p in reports[:-keep]:
            p.unlink(missing_ok=True)
    except OSError:
        pass


# the handler -------------------------------------------------------------------------------------------
class CrashHandler:
    def __init__(self, cfg: Any, show_dialog: Callable[[str], None] | None = None):
        self.cfg = cfg
        self.show_dialog = show_dialog
        self.previous_excepthook = sys.excepthook
        self.previous_threading_hook = threading.excepthook
        self.last_report: Path | None = None
        self._busy = threading.local()
        self._native_file: Any = None
        self._native_path: Path | None = None

    # hooks
    def excepthook(self, exc_type, exc, tb) -> None:  # sys.excepthook signature
        if issubclass(exc_type, KeyboardInterrupt):
            self.previous_excepthook(exc_type, exc, tb)
            return
        self.handle(exc_type, exc, tb, threading.current_thread().name)

    def threading_hook(self, args) -> None:  # threading.ExceptHookArgs
        if args.exc_type is SystemExit:
            return
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, getattr(args.thread, "name", ""))

    def handle(self, exc_type, exc, tb, thread: str = "") -> Path | None:
        if getattr(self._busy, "on", False):  # a crash while reporting a crash: do not loop
            sys.__stderr__ and sys.__stderr__.write(f"yibao-terminal: {exc_type.__name__} while reporting a crash\n")
            return None
        self._busy.on = True
        path = None
        try:
            try:
                path = write_report(self.cfg, exc_type, exc, tb, thread=thread)
            except Exception as e:  # the disk may be the problem
                sys.__stderr__ and sys.__stderr__.write(f"yibao-terminal: cannot write the crash report: {e}\n")
            self.last_report = path
            try:
                log.critical("unhandled %s in thread %s; report %s", exc_type.__name__, thread, path,
                             exc_info=(exc_type, exc, tb))
            except Exception:
                pass
            self.notify(cashier_message(path))
        finally:
            self._busy.on = False
        return path

    def notify(self, message: str) -> None:
        if self.show_dialog is not None:
            try:
                self.show_dialog(message)
                return
            except Exception as e:  # fall back to the console
                log.error("crash dialog failed: %s", e)
        stream = sys.stderr or sys.__stderr__
        if stream is not None:
            try:
                print(message, file=stream, flush=True)
            except Exception:
                pass

    # native crashes
    def enable_native(self) -> None:
        if self._native_file is not None:
            return
        from terminal import fsperm

        d = crash_dir(self.cfg)
        try:
            fsperm.private_dir(d)
            for old in d.glob("native-*.txt"):
                try:
                    if old.stat().st_size == 0 and not _pid_alive(old.stem.rsplit("-", 1)[-1]):
                        old.unlink()  # an empty file of a process that ended: nothing crashed
                except OSError:
                    pass
            path = d / f"native-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.txt"
            self._native_file = os.fdopen(fsperm.open_private(path), "w", encoding="utf-8")  # kept open (faulthandler)
            self._native_path = path
            faulthandler.enable(self._native_file, all_threads=True)
            atexit.register(self._close_native, path)
        except (OSError, ValueError, RuntimeError):
            self._native_file = None

    def _close_native(self, path: Path) -> None:
        f = self._native_file
        if f is None:
            return
        try:
            if faulthandler.is_enabled():
                faulthandler.disable()
            f.close()
            if path.stat().st_size == 0:
                path.unlink()
        except (OSError, ValueError):
            pass
        self._native_file = None


_handler: CrashHandler | None = None
_lock = threading.Lock()


def _pid_alive(pid_text: str) -> bool:
    """Whether the process that owns a native-crash file still runs (its empty file is then kept)."""
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def install_crash_handler(cfg: Any, show_dialog: Callable[[str], None] | None = None, *,
                          native: bool = True) -> CrashHandler:
    """Install (or update) the process-wide crash handler. `show_dialog(message)` is called with the text
    for the cashier; it may be called from any thread, so a UI callback should hand over to the UI thread
    (e.g. emit a signal). Without it the message is printed to stderr."""
    global _handler
    with _lock:
        if _handler is None:
            _handler = CrashHandler(cfg, show_dialog)
            sys.excepthook = _handler.excepthook
            threading.excepthook = _handler.threading_hook
        else:
            _handler.cfg = cfg
            if show_dialog is not None:
                _handler.show_dialog = show_dialog
        if native:
            _handler.enable_native()
    log_start()
    return _handler


def uninstall_crash_handler() -> None:
    """Restore the hooks that were there before (tests)."""
    global _handler
    with _lock:
        h = _handler
        if h is None:
            return
        if sys.excepthook == h.excepthook:
            sys.excepthook = h.previous_excepthook
        if threading.excepthook == h.threading_hook:
            threading.excepthook = h.previous_threading_hook
        if h._native_file is not None and h._native_path is not None:
            h._close_native(h._native_path)
        _handler = None


