"""How the commands answer: lines for the person at the terminal, or, with ``--json``, one JSON object on
stdout, refusals included.

A refusal with ``--json`` is ``{"ok": false, "error": {"kind", "message", ...}, "message", ...}``
(the error's fields are also repeated at the top level, as earlier versions printed them) with the same
exit code as without ``--json``. Commands raise :class:`Refusal` or call :func:`fail`; ``terminal.cli.main``
turns whatever else goes wrong (configuration, journal, argument errors) into the same shape.
"""
from __future__ import annotations

import json
import sys
from typing import Any
from collections.abc import Iterable

from terminal.core.errors import UserFacingError
from terminal.core.refunds import refund_amounts, refund_text  # noqa: F401 - re-exported for the commands

#: how an uncertain settlement ended, for people (journal resolutions)
RESOLUTION_NAMES = {
    "reversed": "已冲正（平台已撤回该笔结算，未扣款）",
    "not_booked": "平台未记账（从未扣款，无需冲正）",
    "reversing": "冲正中",
    "reversal_refused": "冲正被平台拒绝，需人工核实",
    "open": "结果未知",
}


def print_json(obj: Any) -> None:
    print(json.dumps(normalized(obj), ensure_ascii=False, indent=2, default=str), flush=True)


def normalized(obj: Any) -> Any:
    """A refusal (``"ok": false``) whose ``error`` is only a name gets the error object, its fields kept at the
    top level too."""
    if isinstance(obj, dict) and obj.get("ok") is False and not isinstance(obj.get("error"), dict):
        rest = {k: v for k, v in obj.items() if k not in ("ok", "error")}
        return {"ok": False, "error": {"kind": obj.get("error") or "refused", "message": obj.get("message", ""),
                                       **rest}, **rest}
    return obj


class Refusal(UserFacingError):
    """A command cannot do what it was asked: ``message`` for the person at the terminal (what happened and
    what to do next), ``code`` the exit code, ``kind`` a stable name for tools, ``extra`` more JSON fields."""

    def __init__(self, message: str, code: int = 1, kind: str = "refused", **extra: Any):
        super().__init__(message)
        self.code, self.kind, self.extra = code, kind, extra


def error_payload(message: str, kind: str, code: int, **extra: Any) -> dict[str, Any]:
    return {"ok": False, "error": {"kind": kind, "message": message, **extra}, "message": message, **extra}


def wants_json(args: Any) -> bool:
    return bool(getattr(args, "json", False))


def fail(args: Any, message: str, code: int = 1, kind: str = "refused", *, prefix: str = "失败: ",
         **extra: Any) -> int:
    """Report a refusal (JSON on stdout with --json, else a line on stderr) and return its exit code."""
    if wants_json(args):
        print_json(error_payload(message, kind, code, **extra))
    else:
        print(f"{prefix}{message}", file=sys.stderr, flush=True)
    return code


def warn_lines(warns: Iterable[str]) -> list[str]:
    """The platform's warn_msg texts as lines for the terminal (nothing when there is none)."""
    return [f"⚠ 医保平台提示: {w}" for w in warns if w]


def print_warns(warns: Iterable[str], stream: Any = None) -> None:
    for line in warn_lines(warns):
        print(line, file=stream or sys.stdout)


def refund_json(s: Any) -> dict[str, str]:
    """What a cancellation (2208 / 2305) gave back, as positive amounts (Decimal strings)."""
    return {k: f"{v:.2f}" for k, v in refund_amounts(s).items()}


def resolution_name(res: str) -> str:
    return RESOLUTION_NAMES.get(res or "", res or "")
