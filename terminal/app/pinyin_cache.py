"""The pinyin spellings of the catalogue's characters without pypinyin resident in the cashier's process.

pypinyin's character dictionary costs ~58 MB resident as long as the process lives (deleting the modules and
trimming malloc gives back all but ~8 MB; measured for issue 16). So the spellings of the characters the
catalogue's names use are asked once, in a short-lived child process (multiprocessing "spawn": a fresh
interpreter that imports terminal.core.pinyin and pypinyin only; the frozen app starts itself the same way,
freeze_support in its entry script), and kept as a small JSON file in ``<data_dir>/cache``, named after a hash of
those characters (and the pypinyin version): the next start, and every start until the catalogue brings new
characters, reads the file and starts nothing. Without a cache directory (a catalogue built ad hoc, the unit
tests) the spellings are asked in this process, as before.

    table = spellings(chars, cache_dir)   # {"硝": ("qx", "xiao"), ...}
"""
from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import time
from collections.abc import Iterable
from pathlib import Path

from terminal import fsperm
from terminal.core.pinyin import Spelling, spell_chars

log = logging.getLogger(__name__)

FORMAT = 1
PREFIX = "pinyin-"
#: how long the child may take (a cold disk, a loaded machine); after that the spellings are asked in-process
CHILD_TIMEOUT = 60.0


def _pypinyin_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pypinyin")
    except PackageNotFoundError:  # a frozen build without the package's metadata
        return ""


def cache_path(cache_dir: Path, chars: list[str]) -> Path:
    key = hashlib.sha256(f"{FORMAT}\n{_pypinyin_version()}\n{''.join(chars)}".encode()).hexdigest()[:20]
    return cache_dir / f"{PREFIX}{key}.json"


def _read(path: Path, chars: list[str]) -> dict[str, Spelling] | None:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        table = {str(k): (str(v[0]), str(v[1])) for k, v in d["chars"].items()}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
        log.warning("pinyin cache %s unreadable, asked again: %s", path, e)
        return None
    if d.get("format") != FORMAT or any(c not in table for c in chars):
        log.warning("pinyin cache %s does not fit the catalogue, asked again", path)
        return None
    return table


def _write(path: Path, table: dict[str, Spelling]) -> None:
    try:
        fsperm.private_dir(path.parent)
        data = json.dumps({"format": FORMAT, "chars": table}, ensure_ascii=False, separators=(",", ":"))
        fsperm.write_private(path, data.encode("utf-8"))
        for old in path.parent.glob(f"{PREFIX}*.json"):  # the spellings of an earlier catalogue
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as e:  # a read-only data dir: asked again next start, the search works all the same
        log.warning("pinyin cache %s not written: %s", path, e)


def in_child(chars: list[str], timeout: float = CHILD_TIMEOUT) -> dict[str, Spelling]:
    """spell_chars(chars) in a fresh interpreter that exits afterwards (its memory goes with it)."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(spell_chars, chars).result(timeout=timeout)


def spellings(chars: Iterable[str], cache_dir: Path | None) -> dict[str, Spelling]:
    """The spelling of every non-ASCII character of chars: from the cache file, else asked in a child process
    (and the file written), else (no cache dir, or the child failed) asked in this process."""
    want = sorted({c for c in chars if not c.isascii()})
    if not want:
        return {}
    if cache_dir is None:
        return spell_chars(want)
    path = cache_path(Path(cache_dir), want)
    table = _read(path, want)
    if table is not None:
        return table
    t0 = time.perf_counter()
    try:
        table = in_child(want)
    except Exception as e:  # no process could be started (a locked-down desk): the search must still work
        log.warning("pinyin child process failed (%s); spelled in-process, pypinyin stays loaded", e)
        table = spell_chars(want)
    else:
        log.info("pinyin spellings of %d characters asked in a child process in %.2f s", len(want),
                 time.perf_counter() - t0)
    _write(path, table)  # the next start reads them, whoever asked
    return table
