"""`yibao-terminal` (no command): the cashier app per configuration; `yibao-terminal demo`: training.

demo = the sandbox platform, an in-process virtual card reader and a "patient phone" window (choose a
sandbox person; insert their card; show their e-code when the sandbox can issue one). ``demo --pharmacy``: the same
as a designated retail pharmacy's counter (the sandbox's pharmacy facility, [facility] kind = "pharmacy": drug
barcodes and traceability codes scanned, 2101/2102/2103), without the example HIS.
"""
from __future__ import annotations

import argparse
import sys


def add_parsers(subparsers) -> None:
    d = subparsers.add_parser("demo", help="训练演示：沙箱平台 + 虚拟社保卡 + 患者手机（医保码）")
    d.add_argument("--person", default="", help="开始时插入这位沙箱人员的社保卡（如 hainan-retiree）")
    d.add_argument("--no-customer-display", action="store_true", help="不打开顾客显示屏")
    d.add_argument("--language", choices=["zh_CN", "en"], help="界面语言")
    d.add_argument("--pharmacy", action="store_true",
                   help="定点零售药店柜台：扫药盒条码与追溯码，药店结算 2101/2102/2103")
    d.add_argument("--config", default=argparse.SUPPRESS)
    d.set_defaults(func=cmd_demo)

    a = subparsers.add_parser("app", help="启动收费界面（与不带命令相同）")
    a.add_argument("--config", default=argparse.SUPPRESS)
    a.set_defaults(func=cmd_app)


def _config(args):
    from terminal.commands.common import load_config

    return load_config(args)


def _reader(cfg):
    """The configured reader; None when there is none to open (the app then offers e-code / ID only)."""
    if not (cfg.card.reader or cfg.card.virtual):
        try:
            import smartcard  # noqa: F401  pyscard present: watch any reader
        except ImportError:
            return None
    try:
        from terminal.commands.card import open_reader

        return open_reader(cfg)
    except Exception as e:
        print(f"读卡器不可用: {e}", file=sys.stderr)
        return None


def cmd_app(args) -> int:
    from terminal.config import ConfigError

    try:
        cfg = _config(args)
    except ConfigError as e:
        print(str(e), file=sys.stderr)
        return 2
    from terminal.ui.app import run

    return run(cfg, card_reader=_reader(cfg))


def cmd_demo(args) -> int:
    cfg = _config(args)
    cfg.backend.url = "sandbox"  # training, whatever the file says
    if getattr(args, "no_customer_display", False):
        cfg.ui.customer_display = False
    if getattr(args, "language", None):
        cfg.ui.language = args.language
    import secrets

    pharmacy = bool(getattr(args, "pharmacy", False))
    if pharmacy:
        from terminal.app.wiring import pharmacy_config

        cfg = pharmacy_config(cfg)  # the sandbox's retail pharmacy, [facility] kind = "pharmacy"
        cfg.his.enabled = False  # a pharmacy has no HIS pushing bills: the boxes are scanned
    else:
        # an example HIS pushes the patient's bill when they are identified (terminal.his.example)
        cfg.his.enabled, cfg.his.host, cfg.his.port = True, "127.0.0.1", 0
        cfg.his.token = cfg.his.token or secrets.token_urlsafe(24)
    from drivers.virtual import VirtualCardReader, profile_for

    reader = VirtualCardReader()
    if args.person:
        reader.insert(profile_for(args.person))

    def extra(ca) -> None:
        from terminal.ui.phone import PhoneWindow

        phone = PhoneWindow(ca.session.sandbox, reader)

        def to_scanner(code: str) -> None:
            if ca.window is not None:
                ca.window.on_scanned(code)

        phone.scan_requested.connect(to_scanner)
        phone.show()
        ca.phone = phone
        ca.example_his = None

        def example_his() -> None:
            if ca.window is not None and ca.example_his is None:
                from terminal.ui.his_panel import attach_example_his

                ca.example_his = attach_example_his(ca.window) or False

        if not pharmacy:
            ca.ctl.changed.connect(example_his)
            example_his()

    from terminal.ui.app import run

    return run(cfg, card_reader=reader, extra=extra)

