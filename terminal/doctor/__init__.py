"""`yibao-terminal doctor`: is this terminal ready to settle? One check per thing that breaks at a cashier desk.

    report = run_doctor(config_path=None)      # Report: .checks (CheckResult), .exit_code, .as_dict()
    print(format_header(report)); [print(format_line(r)) for r in report.checks]; print(format_footer(report))

Checks (key / 中文): config 配置, disk 磁盘与目录, perms 文件权限, queue 离线队列, pcsc 读卡服务, card 社保卡,
scanner 扫码解码, printer 打印机, fonts 中文字体, display 图形显示, platform 平台连接, tls TLS证书, signin 签到9001,
clock 时钟.
Each returns pass / warn / fail (or skip when it does not apply) with a one-line summary, a hint saying what
to do, and data for fleet tooling. Each runs on its own daemon thread with a timeout, so the doctor always
finishes: a hung PC/SC service or an unreachable platform shows up as "fail: timeout". Qt is only touched in
a child process (`doctor --probe qt|display`), so a missing xcb library or a printer system that hangs cannot
abort or block the doctor itself. In training mode (backend.url = "sandbox") the sandbox platform is started
in-process for the platform, sign-in and clock checks, exactly like every other command does.

Exit code: 0 when nothing failed (warnings allowed), 1 when any check failed.

The package: ``report`` (results, the report and its output), ``context`` (what the checks share), one module
per family of checks (``host``, ``journal``, ``devices``, ``desktop``, ``network``, ``signin``), ``qtprobe``
(starts the child process that touches Qt: terminal.ui.qtprobe) and ``runner`` (the checks in order, and the run).
"""
from terminal.doctor.report import (FAIL, PASS, SKIP, WARN, CheckResult, Report, format_footer, format_header,
                                    format_line)
from terminal.doctor.runner import KEYS, Check, run_doctor

__all__ = ["FAIL", "PASS", "SKIP", "WARN", "Check", "CheckResult", "KEYS", "Report", "format_footer", "format_header",
           "format_line", "run_doctor"]
