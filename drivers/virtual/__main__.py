"""python -m drivers.virtual --person hainan-retiree : insert a virtual card into vpcd until Ctrl-C."""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from .profiles import KINDS, person_keys, profile_for
from .vpcd import VPCD_HOST, VPCD_PORT, VirtualCard, VpcdUnavailable


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m drivers.virtual",
                                description="虚拟社保卡：插入 vpcd 虚拟读卡器（需 pcscd + vsmartcard-vpcd）")
    p.add_argument("--person", default="hainan-retiree", help="沙箱参保人 key (persons.json)")
    p.add_argument("--kind", choices=sorted(KINDS), help="卡片行为: " + ", ".join(sorted(KINDS)))
    p.add_argument("--delay", type=float, help="每条 APDU 的延迟（秒），模拟慢卡")
    p.add_argument("--host", default=VPCD_HOST)
    p.add_argument("--port", type=int, default=VPCD_PORT, help="35963 = Virtual PCD 00 00, 35964 = 00 01")
    p.add_argument("--seconds", type=float, help="插卡这么多秒后拔卡退出（缺省：直到 Ctrl-C）")
    p.add_argument("--list", action="store_true", help="列出可用的参保人")
    args = p.parse_args(argv)

    if args.list:
        for k in person_keys():
            print(k)
        return 0
    overrides = {}
    if args.kind:
        overrides["kind"] = args.kind
    if args.delay is not None:
        overrides["apdu_delay"] = args.delay
    try:
        profile = profile_for(args.person, **overrides)
    except KeyError as e:
        print(f"错误: {e.args[0]}", file=sys.stderr)
        return 2
    card = VirtualCard(profile, args.host, args.port)
    try:
        card.insert(timeout=10.0)
    except VpcdUnavailable as e:
        print(f"无法连接虚拟读卡器 vpcd ({e})；请先启动 pcscd（已安装 vsmartcard-vpcd）", file=sys.stderr)
        return 1
    print(f"已插入虚拟社保卡 {profile!r} -> {card.reader_name} ({args.host}:{args.port})；Ctrl-C 拔卡", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait(args.seconds)
    except KeyboardInterrupt:
        pass
    finally:
        card.remove()
        print(f"已拔卡 (APDU {card.apdus}, 控制 {card.controls})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
