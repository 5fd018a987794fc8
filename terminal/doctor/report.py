"""The doctor's report: the outcome of each check, the whole run, and how both are shown (lines for IT, or one
JSON object for fleet tooling)."""
from __future__ import annotations

import platform as _platform
import socket
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from terminal import __version__

PASS, WARN, FAIL, SKIP = "pass", "warn", "fail", "skip"
STATUS_ZH = {PASS: "通过", WARN: "警告", FAIL: "失败", SKIP: "跳过"}
STATUS_ORDER = {FAIL: 0, WARN: 1, PASS: 2, SKIP: 3}

#: what a check returns: (status, summary, hint, detail, data)
Finding = tuple[str, str, str, str, dict[str, Any]]


def finding(status: str, summary: str, hint: str = "", detail: str = "", **data: Any) -> Finding:
    return status, summary, hint, detail, data


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


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def build_info() -> dict[str, Any] | None:
    """What the packaged build recorded (version, commit, build time), or None when run from source."""
    from terminal.crash import build_info as _build_info

    return _build_info()


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
    return (f"{verdict}（通过 {c[PASS]}，警告 {c[WARN]}，失败 {c[FAIL]}，跳过 {c[SKIP]}；"
            f"{report.duration_ms / 1000:.1f} 秒）\n"
            f"模式 {mode}；配置 {report.config_source or '（无/默认）'}\n"
            f"数据 {p['data_dir']}  日志 {p['log_dir']}  崩溃报告 {p['crash_dir']}")


