"""The HIS link without the window (for HIS developers and tests).

    yibao-terminal his serve [--port N]     serve the HIS interface, the callbacks and the watched folder
"""
from __future__ import annotations

import signal
import sys
import threading
from typing import Any

from terminal.commands.common import add_common_options, open_store
from terminal.commands.output import fail
from terminal.config import ConfigError


def cmd_his_serve(args) -> int:
    from terminal.his.service import HisLink

    cfg, store = open_store(args)
    with store:
        try:
            link = HisLink(store.sdb, cfg, port=args.port)
            link.start()
        except ConfigError as e:
            return fail(args, str(e), 2, "config", prefix="")
        except OSError as e:
            return fail(args, f"HIS 接口无法监听 {cfg.his.host}:{cfg.his.port}: {e}", 2, "listen", prefix="")
        done = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: done.set())
        print(f"HIS 接口 listening on {link.url}" + (f"，回调 {cfg.his.callback_url}" if cfg.his.callback_url else "")
              + (f"，监视目录 {cfg.his.watch_dir}" if cfg.his.watch_dir else ""), flush=True)
        try:
            done.wait()
        finally:
            link.stop()
    sys.stdout.flush()
    return 0


def add_parsers(subparsers: Any) -> None:
    h = subparsers.add_parser("his", help="医院 HIS 接口：推送账单、回调、监视目录")
    hs = h.add_subparsers(dest="his_command", required=True, metavar="{serve}")
    p = hs.add_parser("serve", help="无界面运行 HIS 接口（[his] 配置）")
    p.add_argument("--port", type=int, default=None, help="端口（默认 his.port；0 为任一空闲端口）")
    add_common_options(p, json_flag=False)
    p.set_defaults(func=cmd_his_serve)
