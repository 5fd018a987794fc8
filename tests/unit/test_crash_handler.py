"""terminal.crash: masked crash reports, the message for the cashier, hooks for the main and other threads (in a
real process: tests/integration/test_crash_handler.py)."""
from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from terminal import __version__, crash
from terminal.config import Config

ID = "460100194603120132"
CARD_NO = "A00000001"
CARD_SN = "460100D1560000051A2B3C4D00000001"
TOKEN = "ecTOKENabcdefghijklmnopqrstuvwxyz0123456789"
NAME = "符大海"


@pytest.fixture(autouse=True)
def _restore_hooks():
    crash.uninstall_crash_handler()  # an earlier in-process CLI test may have installed it
    before = (sys.excepthook, threading.excepthook)
    yield
    crash.uninstall_crash_handler()
    assert (sys.excepthook, threading.excepthook) == before


def personal_error() -> ValueError:
    return ValueError(f"no insurance for certno={ID} card_no='{CARD_NO}' card_sn {CARD_SN} psn_name: '{NAME}' "
                      f'{{"ecToken": "{TOKEN}"}}')


def raise_and_catch():
    try:
        patient = {"psn_name": NAME, "certno": ID}  # noqa: F841 - shows up nowhere: no locals in reports
        raise personal_error()
    except ValueError:
        return sys.exc_info()


def write_log(cfg, lines: list[str]) -> None:
    Path(cfg.log_dir).mkdir(parents=True, exist_ok=True)
    Path(cfg.log_dir, "terminal.log").write_text("\n".join(lines) + "\n", encoding="utf-8")


def assert_masked(text: str) -> None:
    for secret in (ID, CARD_NO, CARD_SN, TOKEN, NAME):
        assert secret not in text, secret


# the report -----------------------------------------------------------------------------------------------
def test_report_is_masked_and_complete(cfg, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["yibao-terminal", "settle", "--cert-type", "03", "--cert-no", CARD_NO,
                                      "--card-sn", CARD_SN])
    # log lines as a broken (or older) build might have left them: unmasked
    write_log(cfg, [f'{{"msg": "1101 for {ID} card {CARD_SN} ok", "psn_name": "{NAME}"}}',
                    f'{{"msg": "scan", "ecToken": "{TOKEN}"}}'])
    path = crash.write_report(cfg, *raise_and_catch(), thread="MainThread")
    text = path.read_text(encoding="utf-8")
    assert path.parent == Path(cfg.data_dir) / "crash"
    assert path.name.startswith("crash-") and path.suffix == ".txt"
    assert_masked(text)
    assert f"version: {__version__}" in text
    assert "platform: " in text and "python " in text
    assert "raise_and_catch" in text and "ValueError" in text  # the traceback
    assert "460100********0132" in text and "符*" in text       # masked, still recognisable
    assert "--- last 2 log lines" in text and "1101 for" in text
    assert "command: yibao-terminal settle" in text


def test_report_keeps_the_last_200_log_lines(cfg):
    write_log(cfg, [f"line {i} certno {ID}" for i in range(500)])
    text = crash.write_report(cfg, *raise_and_catch()).read_text(encoding="utf-8")
    assert "--- last 200 log lines" in text
    assert "line 300 " in text and "line 299 " not in text and "line 499 " in text
    assert_masked(text)


def test_report_reaches_into_the_rotated_log(cfg):
    Path(cfg.log_dir).mkdir(parents=True)
    Path(cfg.log_dir, "terminal.log.1").write_text("".join(f"old {i}\n" for i in range(150)), encoding="utf-8")
    Path(cfg.log_dir, "terminal.log").write_text("".join(f"new {i}\n" for i in range(100)), encoding="utf-8")
    text = crash.write_report(cfg, *raise_and_catch()).read_text(encoding="utf-8")
    assert "old 49\n" not in text and "old 50\n" in text and "new 99\n" in text


def test_reports_in_the_same_second_do_not_overwrite(cfg):
    from datetime import datetime

    now = datetime(2025, 3, 4, 5, 6, 7)
    a = crash.write_report(cfg, *raise_and_catch(), now=now)
    b = crash.write_report(cfg, *raise_and_catch(), now=now)
    assert a.name == "crash-20250304-050607.txt" and b.name == "crash-20250304-050607-2.txt"


def test_old_reports_are_pruned(cfg):
    d = Path(cfg.data_dir) / "crash"
    d.mkdir(parents=True)
    for i in range(60):
        p = d / f"crash-20240101-0000{i:02d}.txt"
        p.write_text("x")
        os.utime(p, (1_700_000_000 + i, 1_700_000_000 + i))
    crash.write_report(cfg, *raise_and_catch())
    assert len(list(d.glob("crash-*.txt"))) == crash.KEEP_REPORTS
    assert not (d / "crash-20240101-000000.txt").exists()


def test_mask_text_fields_and_urls():
    text = crash.mask_text(f"url=https://user:secret@10.1.2.3/api 'name': '{NAME}' token={TOKEN} "
                           f"--ecode EC460100abcdefghijklmnop NameError: name 'foo' is not defined")
    assert "secret" not in text and "user:" not in text and NAME not in text and TOKEN not in text
    assert "abcdefghijklmnop" not in text
    assert "name 'foo' is not defined" in text  # prose is left alone


# the hooks ------------------------------------------------------------------------------------------------
def test_main_thread_exception_goes_to_the_dialog(cfg):
    shown: list[str] = []
    h = crash.install_crash_handler(cfg, show_dialog=shown.append, native=False)
    sys.excepthook(*raise_and_catch())
    assert len(shown) == 1
    report = h.last_report
    assert report is not None and report.exists() and str(report) in shown[0]
    assert "重新启动" in shown[0] and "信息科" in shown[0]
    assert_masked(shown[0] + report.read_text(encoding="utf-8"))


def test_cli_prints_the_message(cfg, capsys):
    crash.install_crash_handler(cfg, native=False)
    sys.excepthook(*raise_and_catch())
    err = capsys.readouterr().err
    assert "错误报告已保存" in err and "crash-" in err
    assert_masked(err)


def test_thread_exception_is_reported(cfg):
    shown: list[str] = []
    h = crash.install_crash_handler(cfg, show_dialog=shown.append, native=False)

    def work():
        raise personal_error()

    t = threading.Thread(target=work, name="settle-worker")
    t.start()
    t.join()
    assert shown and h.last_report is not None
    text = h.last_report.read_text(encoding="utf-8")
    assert "thread settle-worker" in text
    assert_masked(text)


def test_keyboard_interrupt_is_not_a_crash(cfg, monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "excepthook", lambda *a: seen.append(a[0]))
    h = crash.install_crash_handler(cfg, show_dialog=lambda m: pytest.fail("no dialog for Ctrl-C"), native=False)
    sys.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert seen == [KeyboardInterrupt] and h.last_report is None
    crash.uninstall_crash_handler()


def test_install_twice_updates_and_uninstall_restores(cfg, tmp_path):
    original = sys.excepthook
    first: list[str] = []
    second: list[str] = []
    h1 = crash.install_crash_handler(cfg, show_dialog=first.append, native=False)
    other = Config()
    other.store.dir = str(tmp_path / "other")
    other.log.dir = str(tmp_path / "log")
    h2 = crash.install_crash_handler(other, show_dialog=second.append, native=False)
    assert h1 is h2 and h2.previous_excepthook is original
    sys.excepthook(*raise_and_catch())
    assert not first and second and (tmp_path / "other" / "crash").is_dir()
    crash.uninstall_crash_handler()
    assert sys.excepthook is original


def test_broken_dialog_falls_back_to_stderr(cfg, capsys):
    def broken(msg):
        raise RuntimeError("no window")

    crash.install_crash_handler(cfg, show_dialog=broken, native=False)
    sys.excepthook(*raise_and_catch())
    assert "错误报告已保存" in capsys.readouterr().err


def test_unwritable_crash_dir_still_tells_the_cashier(tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    c = Config()
    c.store.dir = str(blocker)  # data_dir is a file: crash/ cannot be created
    c.log.dir = str(tmp_path / "log")
    shown: list[str] = []
    crash.install_crash_handler(c, show_dialog=shown.append, native=False)
    sys.excepthook(*raise_and_catch())
    assert shown and "错误报告未能保存" in shown[0]


def test_version_label_and_build_info(tmp_path, monkeypatch):
    assert crash.version_label() == __version__ and crash.build_info() is None  # from source
    (tmp_path / "yibao_build.json").write_text(f'{{"version": "{__version__}", "commit": "abc123def456", '
                                               '"built": "2026-01-02T03:04:05+0800", "dropped": {}}')
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert crash.version_label() == f"{__version__} (abc123def456, 2026-01-02)"
    assert "dropped" not in crash.build_info()
