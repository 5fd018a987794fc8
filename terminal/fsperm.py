"""Private files: what the terminal writes (journal, logs, crash reports, operators, sandbox, config) is for
the cashier's account only, whatever the umask.

    from terminal import fsperm
    fsperm.private_dir(path)            # mkdir -p; the directory 0700 (an existing one of ours is tightened)
    fsperm.tighten_file(path)           # an existing file 0600 (owner bits kept, group/other removed)
    fsperm.secure_sqlite(path)          # the database and its -wal/-shm/-journal (directory=True: its dir)
    fd = fsperm.open_private(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)   # created 0600 from the start
    fsperm.write_private(path, data)    # atomically (tmp + rename), 0600
    fixed = fsperm.repair(cfg)          # at start: walk the app's own directories once and tighten them
    problems = fsperm.audit(cfg)        # for `doctor`: what is readable by group or others

Directories become 0700 and files lose every group/other bit (0644 -> 0600; an executable 0755 -> 0700).
SQLite creates -wal/-shm with the main file's mode, so a 0600 database keeps its companions private.
Nothing is changed in a directory that is not ours to tighten: one owned by another user, a sticky one
(/tmp), the root or the home directory. On Windows (ACLs, the per-user profile) this module does nothing.
"""
from __future__ import annotations

import logging
import os
import stat
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Iterable

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600
#: at most this many entries are looked at per directory tree (a misconfigured dir must not stall the start)
MAX_ENTRIES = 20_000
ENABLED = os.name == "posix"
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def _loose(mode: int) -> bool:
    return bool(mode & 0o077)


def _ours(st: os.stat_result) -> bool:
    return st.st_uid == os.geteuid()


def _off_limits(path: Path, st: os.stat_result) -> bool:
    """A directory we must never tighten even when it holds our files."""
    if st.st_mode & stat.S_ISVTX or not _ours(st):
        return True
    try:
        p = path.resolve()
    except OSError:
        return True
    if p == Path(p.anchor):
        return True
    try:
        if p == Path.home().resolve():
            return True
    except (OSError, RuntimeError):
        pass
    return False


def _chmod(path: Path, mode: int) -> bool:
    try:
        os.chmod(path, mode, follow_symlinks=False)
        return True
    except NotImplementedError:  # lchmod missing (Linux): the path is not a symlink here
        try:
            os.chmod(path, mode)
            return True
        except OSError as e:
            log.warning("cannot chmod %o %s: %s", mode, path, e.strerror or e)
    except OSError as e:
        log.warning("cannot chmod %o %s: %s", mode, path, e.strerror or e)
    return False


def tighten_dir(path: str | os.PathLike) -> bool:
    """An existing directory of ours to 0700. True when it was changed."""
    if not ENABLED:
        return False
    p = Path(path)
    try:
        st = os.lstat(p)
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode) or _off_limits(p, st) or stat.S_IMODE(st.st_mode) == DIR_MODE:
        return False
    return _chmod(p, DIR_MODE)


def tighten_file(path: str | os.PathLike) -> bool:
    """An existing regular file of ours loses its group/other bits (0644 -> 0600). True when changed."""
    if not ENABLED:
        return False
    p = Path(path)
    try:
        st = os.lstat(p)
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode) or not _ours(st) or not _loose(st.st_mode):
        return False
    return _chmod(p, (stat.S_IMODE(st.st_mode) & 0o700) | FILE_MODE)


def private_dir(path: str | os.PathLike, *, tighten: bool = True) -> Path:
    """mkdir -p path; the directory itself ends 0700: created so (whatever the umask), or, when it existed
    and `tighten`, tightened if it is ours (never a sticky, foreign, root or home directory)."""
    p = Path(path)
    existed = p.is_dir()
    p.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if tighten or not existed:
        tighten_dir(p)
    return p


def secure_sqlite(path: str | os.PathLike, *, directory: bool = False) -> None:
    """A SQLite database and its -wal/-shm/-journal (with `directory`, the directory holding it too): 0600 /
    0700. Never raises."""
    if not ENABLED:
        return
    p = Path(path)
    try:
        if directory:
            tighten_dir(p.parent)
        for suffix in SQLITE_SUFFIXES:
            tighten_file(p.with_name(p.name + suffix))
    except Exception:  # permissions must never stop the terminal from opening its journal
        log.exception("securing %s", p)


def open_private(path: str | os.PathLike, flags: int = os.O_WRONLY | os.O_CREAT | os.O_TRUNC) -> int:
    """os.open with mode 0600 (the umask cannot widen it; an existing file is tightened too)."""
    fd = os.open(path, flags, FILE_MODE)
    if ENABLED:
        try:
            st = os.fstat(fd)
            if _loose(st.st_mode) and _ours(st):
                os.fchmod(fd, (stat.S_IMODE(st.st_mode) & 0o700) | FILE_MODE)
        except OSError:
            pass
    return fd


def write_private(path: str | os.PathLike, data: bytes) -> Path:
    """Write data to path atomically (a 0600 temporary file renamed over it)."""
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    fd = open_private(tmp)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    os.replace(tmp, p)
    return p


# the app's own directories -------------------------------------------------------------------------------
@dataclass
class Finding:
    path: str
    mode: int
    kind: str  # "dir" or "file"

    @property
    def octal(self) -> str:
        return f"{self.mode:04o}"

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "mode": self.octal, "kind": self.kind}


def app_dirs(cfg: Any) -> list[Path]:
    """The directories that belong to the terminal alone: data (journal, queue, operators, sandbox, crash
    reports) and logs. The per-user config directory holds the file the settings dialog writes."""
    out: list[Path] = []
    for p in (Path(cfg.data_dir), Path(cfg.log_dir), Path(cfg.data_dir) / "crash"):
        if p not in out:
            out.append(p)
    return out


def app_files(cfg: Any) -> list[Path]:
    """Single files of ours outside those directories: the per-user configuration file."""
    try:
        from terminal.config.model import user_config_path

        return [user_config_path()]
    except Exception:
        return []


def _walk(root: Path) -> Iterable[tuple[Path, os.stat_result]]:
    """root and everything under it (symlinks are not followed), at most MAX_ENTRIES entries."""
    n = 0
    try:
        st = os.lstat(root)
    except OSError:
        return
    if not stat.S_ISDIR(st.st_mode):
        return
    yield root, st
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for e in entries:
            n += 1
            if n > MAX_ENTRIES:
                log.warning("more than %d entries under %s: not all were checked", MAX_ENTRIES, root)
                return
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue
            p = Path(e.path)
            yield p, st
            if stat.S_ISDIR(st.st_mode):
                stack.append(p)


def audit(cfg: Any) -> list[Finding]:
    """Everything of ours that group or others may read: directories not 0700, files with group/other bits."""
    if not ENABLED:
        return []
    found: list[Finding] = []
    seen: set[Path] = set()
    for root in app_dirs(cfg):
        try:
            if _off_limits(root, os.lstat(root)):
                continue  # e.g. [store] dir = the home directory: not walked, not tightened
        except OSError:
            continue
        for p, st in _walk(root):
            if p in seen:
                continue
            seen.add(p)
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISDIR(st.st_mode):
                if mode != DIR_MODE and not _off_limits(p, st):
                    found.append(Finding(str(p), mode, "dir"))
            elif stat.S_ISREG(st.st_mode) and _loose(mode) and _ours(st):
                found.append(Finding(str(p), mode, "file"))
    for f in app_files(cfg):
        try:
            st = os.lstat(f)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and _loose(st.st_mode) and _ours(st):
            found.append(Finding(str(f), stat.S_IMODE(st.st_mode), "file"))
        try:
            dst = os.lstat(f.parent)
            if stat.S_IMODE(dst.st_mode) != DIR_MODE and not _off_limits(f.parent, dst):
                found.append(Finding(str(f.parent), stat.S_IMODE(dst.st_mode), "dir"))
        except OSError:
            pass
    return found


_repaired: set[tuple[str, ...]] = set()
_repair_lock = threading.Lock()


def repair(cfg: Any, *, force: bool = False) -> list[Finding]:
    """Tighten the app's own directories and files (once per process and set of directories): what was
    readable by group/others before. Creates nothing. Never raises."""
    if not ENABLED:
        return []
    key = tuple(str(p) for p in app_dirs(cfg) + app_files(cfg))
    with _repair_lock:
        if key in _repaired and not force:
            return []
        _repaired.add(key)
    fixed: list[Finding] = []
    try:
        for f in audit(cfg):
            p = Path(f.path)
            if (tighten_dir(p) if f.kind == "dir" else tighten_file(p)):
                fixed.append(f)
    except Exception:  # never stop a start over permissions
        log.exception("repairing file modes")
    if fixed:
        log.warning("file modes tightened (group/other access removed) on %d path(s): %s", len(fixed),
                    ", ".join(f"{f.path} {f.octal}" for f in fixed[:20]) + (" …" if len(fixed) > 20 else ""))
    return fixed
