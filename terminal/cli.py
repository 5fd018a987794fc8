"""Command line: `yibao-terminal [command]`. Without a command, the cashier app starts per config."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path
from typing import Any

from terminal import __version__
from terminal.app import platform_session
from terminal.commands.common import forward_reversal, load_config, report_recovery
from terminal.commands.credential import add_credential_args, read_credential
from terminal.commands.output import Refusal, fail, print_warns, wants_json
from terminal.core.errors import UserFacingError, user_message_of

log = logging.getLogger(__name__)


def _print_json(obj: Any) -> None:
    from terminal.commands.output import print_json

    print_json(obj)  # a refusal ({"ok": false, ...}) always carries its "error" object


# settle ---------------------------------------------------------------------------------------
def cmd_settle(args) -> int:
    from terminal.backend.errors import PlatformError
    from terminal.core.models import Bill
    from terminal.core import wire
    from terminal.core.regions import place_name

    cfg = load_config(args)
    try:
        bill = Bill.from_dict(wire.loads(Path(args.bill).read_text(encoding="utf-8")), limits=cfg.bill.limits)
    except (OSError, ValueError) as e:
        return fail(args, f"账单文件错误 {args.bill}: {e}", 2, "bill", prefix="")
    from terminal.app import open_store, settlement_service
    from terminal.store import StoreError

    try:
        store = open_store(cfg)
    except StoreError as e:
        return fail(args, f"{user_message_of(e)}（本地日志库不可用，为防丢失不进行结算）", 2, "journal")
    try:
        supervisor = _duplicate_supervisor(args, cfg)  # --override-duplicate: PIN checked before any platform work
    except _SettleUsage as e:
        store.close()
        return _refuse(args, "UsageError", str(e), e.code)
    with store, platform_session(cfg, observer=store.journal) as (client, sandbox):
        svc = settlement_service(cfg, client, store)
        rep = store.recover(client)
        report_recovery(rep)
        from terminal.store.duplicates import DuplicateOverride
        from terminal.store.errors import DuplicateBill, DuplicateSuspected

        override = (DuplicateOverride(supervisor.id, args.reason, operator=client.identity.opter)
                    if supervisor is not None else None)
        dup = dict(confirm_duplicate=bool(args.confirm_duplicate), override=override)
        try:
            if not args.preview:  # a bill settles once: say so before any platform work
                svc.check_duplicate(bill, **dup)
            cred = read_credential(args, cfg, client)
            person = svc.identify(cred)
            if not args.preview:
                svc.check_duplicate(bill, person.psn_no, **dup)
            visit = svc.open_visit(cred, person, bill, args.insutype)
            s = svc.preview(visit, acct_used=not args.no_account)
            if not args.preview:
                s = svc.settle(visit, **dup)
        except (DuplicateBill, DuplicateSuspected) as e:
            return _duplicate_refused(args, e, rep)
        except PlatformError as e:
            resolution, msg = forward_reversal(store, client, svc, e, cfg.backend.read_timeout)
            return fail(args, msg, 3 if e.outcome_unknown else 1, type(e).__name__,
                        outcome_unknown=e.outcome_unknown, msgid=e.msgid, resolution=resolution)
        except LookupError as e:
            return _lookup_refused(args, e, locals().get("person"))
        except Exception as e:  # card and scanner errors carry a cashier message
            if hasattr(e, "user_message"):
                return fail(args, e.user_message, 1, type(e).__name__)
            raise
        cross = visit.cross_province(cfg.facility.admdvs)
        ins = person.insurance(visit.insutype)
        result = {
            "ok": True, "preview": bool(args.preview),
            "person": {"psn_no": person.psn_no, "name": person.psn_name if args.unmask else person.masked_name,
                       "certno": person.certno if args.unmask else person.masked_certno,
                       "insutype": visit.insutype, "insutype_name": ins.name},
            "insured_place": visit.insuplc_admdvs, "insured_place_name": place_name(visit.insuplc_admdvs),
            "treatment_place": cfg.facility.admdvs, "cross_province": cross,
            "mdtrt_id": visit.mdtrt_id, "msgid": visit.settle_msgid,
            "settlement": {**s.as_dict(unmask=args.unmask), "warn_msg": s.warn_msg},
            "identities_hold": not s.identity_errors(), "warn_msgs": list(visit.warn_msgs),
        }
        if rep.completed:  # settlements of a crashed run nobody saw: also in the JSON
            result["recovery"] = rep.as_dict()
        if args.json:
            _print_json(result)
        else:
            _print_settlement(result, s)
    return 0


class _SettleUsage(UserFacingError):
    """settle's options do not go together (exit code 2), or the supervisor's authorisation failed (1)."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def _refuse(args, error: str, message: str, code: int, **extra: Any) -> int:
    if getattr(args, "json", False):
        _print_json({"ok": False, "error": error, "message": message, **extra})
    else:
        print(f"失败: {message}", file=sys.stderr)
    return code


def _duplicate_supervisor(args, cfg):
    """--override-duplicate: the supervisor (id and PIN verified against the local operators), or None."""
    if not args.override_duplicate:
        if args.supervisor or args.reason:
            raise _SettleUsage("--supervisor / --reason 只用于 --override-duplicate（主管授权重复结算）")
        return None
    if args.preview:
        raise _SettleUsage("--override-duplicate 不能与 --preview 同用")
    if not args.supervisor or not (args.reason or "").strip():
        raise _SettleUsage("重复结算须主管授权：请给出 --supervisor 主管编号 与 --reason 原因")
    if len(args.reason.strip()) < 2:
        raise _SettleUsage("请填写重复结算的原因（--reason，至少 2 个字）")
    import os

    pin = args.supervisor_pin or os.environ.get("YIBAO_SUPERVISOR_PIN", "")
    if not pin and sys.stdin.isatty():
        import getpass

        pin = getpass.getpass("主管 PIN: ")
    if not pin:
        raise _SettleUsage("请给出主管 PIN：--supervisor-pin，或环境变量 YIBAO_SUPERVISOR_PIN")
    from terminal.app import operator_store
    from terminal.app.operators import SUPERVISOR, LoginError

    ops = operator_store(cfg)  # in training mode with the demo accounts, as the cashier app has them
    try:
        return ops.verify(args.supervisor, pin, role=SUPERVISOR)
    except LoginError as e:
        raise _SettleUsage(f"主管授权失败：{e}", 1) from None


def _duplicate_refused(args, e, rep) -> int:
    """The duplicate-bill guard refused: show the earlier settlement and how to go on."""
    from terminal.store.errors import DuplicateBill

    if isinstance(e, DuplicateBill):
        hint = ("确需再次结算：加 --override-duplicate --supervisor 主管编号 --reason 原因"
                "（PIN 用 --supervisor-pin 或环境变量 YIBAO_SUPERVISOR_PIN）"
                if e.overridable and not e.override_refused else "")
    else:
        hint = "核对后确认是另一张账单：加 --confirm-duplicate 重新执行"
    if args.json:
        out = {"ok": False, "error": type(e).__name__, "message": e.user_message, "outcome_unknown": False,
               "msgid": e.msgid, "duplicate": e.as_dict(), "hint": hint}
        if rep.completed:
            out["recovery"] = rep.as_dict()
        _print_json(out)
    else:
        print(f"失败: {e.user_message}", file=sys.stderr)
        if hint:
            print(hint, file=sys.stderr)
    return 1


def _print_settlement(r: dict, s) -> None:
    from terminal.core.money import fmt_yuan
    from terminal.core.regions import place_name

    p = r["person"]
    print(f"{'预结算（未记账）' if r['preview'] else '结算成功'}")
    print(f"参保人: {p['name']}  证件: {p['certno']}  人员编号: {p['psn_no']}")
    print(f"险种: {p['insutype']} {p['insutype_name']}")
    print(f"参保地: {r['insured_place_name']} ({r['insured_place']})  就医地: {place_name(r['treatment_place'])}"
          f"  {'【跨省异地】' if r['cross_province'] else '【省内】'}")
    if s.setl_id:
        print(f"结算ID: {s.setl_id}  就诊ID: {r['mdtrt_id']}  报文: {r['msgid']}")
    rows = [("医疗费总额", s.medfee_sumamt), ("  全自费", s.fulamt_ownpay_amt), ("  超限价自费", s.overlmt_selfpay),
            ("  先行自付", s.preselfpay_amt), ("  符合范围", s.inscp_scp_amt), ("起付线", s.act_pay_dedc),
            ("基金支付合计", s.fund_pay_sumamt), ("  统筹基金", s.hifp_pay), ("  公务员补助", s.cvlserv_pay),
            ("  大病/大额", s.hifmi_pay + s.hifob_pay), ("  医疗救助", s.maf_pay), ("个人负担", s.psn_part_amt),
            ("  个人账户", s.acct_pay), ("医院负担", s.hosp_part_amt), ("个人账户余额", s.balc)]
    for label, v in rows:
        print(f"  {_pad(label, 14)}{fmt_yuan(v):>14}")
    print(f"\n  ★ 个人现金支付 {fmt_yuan(s.psn_cash_pay)}")
    errs = s.identity_errors()
    print("  金额平衡校验: " + ("通过" if not errs else "失败 " + "; ".join(errs)))
    print_warns(r.get("warn_msgs") or [])


def _lookup_refused(args, e: LookupError, person: Any) -> int:
    """A choice the platform's answer leaves open (several insurances) or a thing not found."""
    msg = str(e.args[0]) if e.args else str(e)
    extra: dict[str, Any] = {}
    active = [i for i in getattr(person, "insurances", []) if i.active]
    if person is not None and len(active) > 1 and "多个险种" in msg:
        extra["choices"] = [{"insutype": i.insutype, "name": i.name} for i in active]
        msg += "（用 --insutype 选择）"
        return fail(args, msg, 1, "insurance_choice", **extra)
    return fail(args, msg, 1, "not_found")


def _pad(text: str, width: int) -> str:
    import unicodedata

    w = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - w)


def cmd_cancel(args) -> int:
    from terminal.app import open_store, settlement_service
    from terminal.backend.errors import PlatformError

    cfg = load_config(args)
    store = open_store(cfg)
    with store, platform_session(cfg, observer=store.journal) as (client, _):
        svc = settlement_service(cfg, client, store)
        report_recovery(store.recover(client))
        try:
            s = svc.cancel(args.setl_id, args.mdtrt_id, args.psn_no, args.insuplc)
        except PlatformError as e:
            resolution, msg = forward_reversal(store, client, svc, e, cfg.backend.read_timeout)
            queued = {"queue_id": e.queue_id} if getattr(e, "queue_id", None) is not None else {}
            return fail(args, msg, 3 if e.outcome_unknown else 1, type(e).__name__, prefix="撤销失败: ",
                        outcome_unknown=e.outcome_unknown, msgid=e.msgid, resolution=resolution, **queued)
    from terminal.commands.output import refund_json, refund_text

    text = f"已撤销结算 {args.setl_id}：{refund_text(s)}"
    warns = [s.warn_msg] if s.warn_msg else []
    if args.json:
        _print_json({"ok": True, "message": text, "refund": refund_json(s),
                     "settlement": {**s.as_dict(), "warn_msg": s.warn_msg}, "warn_msgs": warns})
    else:
        print(text)
        print_warns(warns)
    return 0


def cmd_sandbox_serve(args) -> int:
    from terminal.sandbox.server import serve_forever

    from terminal import config as config_mod

    serve_forever(args.port, args.db or config_mod.Config().sandbox_db)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="yibao-terminal", description="医保直接结算收费终端 yibao-terminal")
    p.add_argument("--version", action="version", version=f"yibao-terminal {__version__}")
    p.add_argument("--config", help="配置文件 (TOML)；缺省时使用训练沙箱")
    sub = p.add_subparsers(dest="command")

    s = sub.add_parser("settle", help="命令行结算一张账单 (1101, 2201, 2204, 2206, 2207)")
    add_credential_args(s)
    s.add_argument("--bill", required=True, help="账单 JSON 文件")
    s.add_argument("--insutype", help="险种 (多险种时必选，如 310 / 390)")
    s.add_argument("--no-account", action="store_true", help="不使用个人账户")
    s.add_argument("--preview", action="store_true", help="只做预结算 (2206)，不记账")
    s.add_argument("--confirm-duplicate", action="store_true",
                   help="确认：该参保人 30 分钟内已结算过相同账单（无单据号），仍要结算")
    s.add_argument("--override-duplicate", action="store_true",
                   help="主管授权重复结算已结算的单据号 (bill_no)，须 --supervisor 与 --reason")
    s.add_argument("--supervisor", help="授权主管编号 (--override-duplicate)")
    s.add_argument("--supervisor-pin", help="主管 PIN（或环境变量 YIBAO_SUPERVISOR_PIN；终端上可交互输入）")
    s.add_argument("--reason", help="重复结算原因（记入交易日志）")
    s.add_argument("--unmask", action="store_true", help="显示完整姓名与证件号")
    s.add_argument("--json", action="store_true")
    s.add_argument("--config", default=argparse.SUPPRESS)
    s.set_defaults(func=cmd_settle)

    c = sub.add_parser("cancel", help="撤销结算 (2208)")
    c.add_argument("--setl-id", required=True)
    c.add_argument("--mdtrt-id", required=True)
    c.add_argument("--psn-no", required=True)
    c.add_argument("--insuplc", required=True, help="参保地区划 (insuplc_admdvs)")
    c.add_argument("--json", action="store_true")
    c.add_argument("--config", default=argparse.SUPPRESS)
    c.set_defaults(func=cmd_cancel)

    sb = sub.add_parser("sandbox", help="训练沙箱平台")
    sbs = sb.add_subparsers(dest="sandbox_command", required=True)
    sv = sbs.add_parser("serve", help="在 127.0.0.1 上运行沙箱平台")
    sv.add_argument("--port", type=int, default=8765)
    sv.add_argument("--db", help="沙箱数据库文件")
    sv.set_defaults(func=cmd_sandbox_serve)

    for name in ("card", "ecode", "store", "reconcile", "shift", "parked", "discharge", "ui", "doctor", "his",
                 "pharmacy", "chronic", "risk", "precheck"):
        try:
            mod = importlib.import_module(f"terminal.commands.{name}")
        except ImportError as e:
            if e.name and e.name.startswith("terminal.commands"):
                continue
            raise
        mod.add_parsers(sub)
    return p


def announce_security(args) -> list[str]:
    """Every command, before it runs: one red line on stderr per safety check switched off in the
    configuration (TLS verification off against a production platform). A configuration that does not
    load is left to the command, which reports it."""
    if getattr(getattr(args, "func", None), "__name__", "") in ("cmd_demo", "cmd_sandbox_serve"):
        return []  # the demo forces the sandbox; the sandbox server uses no configuration
    from terminal import config as config_mod

    try:
        lines = config_mod.security_notices(config_mod.load(getattr(args, "config", None)))
    except Exception:  # the command itself reports a bad configuration
        return []
    stream = sys.stderr
    red = bool(getattr(stream, "isatty", lambda: False)())
    for line in lines:
        print(f"\033[1;31m{line}\033[0m" if red else line, file=stream, flush=True)
    if lines:
        log.warning("%s", " / ".join(lines))
    return lines


class _Parser(argparse.ArgumentParser):
    """argparse, whose errors are one JSON object on stdout when the command line asks for --json."""

    json_errors = False

    def error(self, message: str):  # type: ignore[override]
        if _Parser.json_errors:
            from terminal.commands.output import error_payload, print_json

            print_json(error_payload(f"参数错误: {message}", "usage", 2, usage=self.format_usage().strip()))
            self.exit(2)
        super().error(message)


def main(argv: list[str] | None = None) -> int:
    _Parser.json_errors = "--json" in (sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        try:
            from terminal.commands.ui import cmd_app
        except ImportError:
            parser.print_help()
            return 0
        announce_security(args)
        return cmd_app(args)
    from terminal.config import ConfigError
    from terminal.store.errors import JournalOpenError

    announce_security(args)
    try:
        return int(args.func(args) or 0)
    except Refusal as e:
        return fail(args, e.message, e.code, e.kind, **e.extra)
    except ConfigError as e:
        return fail(args, str(e), 2, "config", prefix="")
    except JournalOpenError as e:  # unreadable, or written by a newer program: never a traceback
        return fail(args, e.user_message, 1, "journal", prefix="")
    except KeyboardInterrupt:
        return 130
    except SystemExit as e:  # raise SystemExit("message"): a refusal worded for the person at the terminal
        if isinstance(e.code, str):
            return fail(args, e.code, 1, "usage", prefix="")
        raise
    except Exception as e:
        if isinstance(e, UserFacingError):  # card, scanner, store, platform errors: worded for the cashier
            return fail(args, e.user_message, 1, type(e).__name__)
        if not wants_json(args):
            raise
        sys.excepthook(type(e), e, e.__traceback__)  # the crash report, as for any unexpected error
        return fail(args, f"程序内部错误 {type(e).__name__}: {e}（详见日志与崩溃报告）", 1, "internal")


if __name__ == "__main__":
    sys.exit(main())
