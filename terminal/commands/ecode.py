"""`ecode decode`: read the medical-insurance e-code (医保码) from an image; and the e-code credential for
`settle --ecode / --ecode-image`.

    yibao-terminal ecode decode IMAGE [--json] [--decoder auto|zbar|zxing] [--all]

Prints every code found in the image with its kind and the cashier's message.  Exit codes: 0 an e-code was
found; 1 no e-code (nothing decoded, or only other kinds of code: payment code, drug barcode...); 2 the image
cannot be read / bad arguments.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any
from collections.abc import Callable

from terminal.core.errors import UserFacingError

from .output import fail

__all__ = ["add_parsers", "cmd_decode", "ecode_text_from_args", "credential_from_args", "EcodeInputError"]


class EcodeInputError(UserFacingError):
    """The given e-code (text or image) is unusable; ``user_message`` says why, for the cashier."""


def _result_dict(r, c) -> dict[str, Any]:
    return {"text": r.text, "symbology": r.symbology, "kind": c.kind.value, "detail": c.detail,
            "region": c.region, "message": c.message, "message_en": c.message_en, "decoder": r.decoder,
            "path": r.path, "polygon": [list(p) for p in r.polygon]}


def cmd_decode(args) -> int:
    from drivers.scanner.backends import DecoderUnavailable
    from drivers.scanner.decode import FrameDecoder, pick_ecode, want_ecode

    try:
        decoder = FrameDecoder(args.decoder)
    except DecoderUnavailable as e:
        return fail(args, str(e), 2, "decoder_unavailable")
    try:
        report = decoder.scan(args.image, until=(lambda _rs: False) if args.all else want_ecode())
    except (OSError, ValueError) as e:   # missing file, not an image (PIL.UnidentifiedImageError is an OSError)
        return fail(args, f"无法读取图片 {args.image}: {e}", 2, "image")
    results = report.results
    ecode = pick_ecode(results)
    classified = [(r, r.classify()) for r in results]
    if args.json:
        out = {"image": str(args.image), "ecode": ecode.text if ecode else None,
               "found": len(results), "decoder": report.decoder, "path": report.path,
               "elapsed_ms": round(report.elapsed_ms, 1), "results": [_result_dict(r, c) for r, c in classified]}
        out["ok"] = ecode is not None
        if not results:
            out["message"] = "图片中没有识别到二维码或条码；请让患者调亮屏幕、对准后重新拍摄"
            out["error"] = {"kind": "nothing_found", "message": out["message"]}
        elif ecode is None:
            out["message"] = "图片中没有医保码（医保电子凭证）；请让患者打开医保电子凭证的二维码"
            out["error"] = {"kind": "no_ecode", "message": out["message"]}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0 if ecode else 1
    if not results:
        print("未识别到二维码或条码；请让患者调亮屏幕、对准后重新拍摄", file=sys.stderr)
        return 1
    for r, c in classified:
        print(f"{c.kind.value}\t{r.symbology}\t{r.text}")
        if not c.is_ecode:
            print(f"\t{c.message}")
        elif c.region:
            print(f"\t参保地区划 {c.region}")
    if ecode is None:
        print("没有医保码（医保电子凭证）", file=sys.stderr)
        return 1
    return 0


def ecode_text_from_args(args) -> str:
    """The e-code text from ``--ecode TEXT`` or ``--ecode-image PATH``; EcodeInputError (cashier message)
    when it is missing or not an e-code."""
    from drivers.scanner.classify import classify

    text = getattr(args, "ecode", None)
    image = getattr(args, "ecode_image", None)
    if text:
        c = classify(text)
        if not c.is_ecode:
            raise EcodeInputError(c.message)
        return c.code
    if not image:
        raise EcodeInputError("请给出 --ecode（扫码得到的医保码）或 --ecode-image（医保码图片）")
    from drivers.scanner.decode import decode, pick_ecode, want_ecode

    try:
        results = decode(image, until=want_ecode())
    except (OSError, ValueError) as e:
        raise EcodeInputError(f"无法读取医保码图片 {image}: {e}") from e
    found = pick_ecode(results)
    if found is not None:
        return found.classify().code
    if results:
        raise EcodeInputError(results[0].classify().message)
    raise EcodeInputError("图片中没有识别到医保码，请让患者调亮屏幕、对准后重新拍摄")


def credential_from_args(args, *, cfg: Any = None, platform_url: str | None = None,
                         exchange: Callable[[str], Any] | None = None):
    """``settle --ecode/--ecode-image``: the e-code text, exchanged at the e-voucher service (ec.query) for
    Credential(01, ecToken).

    *exchange* (text -> Credential) wins; otherwise a client is built from *cfg* (loaded from ``--config``
    when not given) and ``backend.ecode_url`` or *platform_url* (in training mode: the sandbox's URL, which
    only the caller that started the sandbox knows)."""
    text = ecode_text_from_args(args)
    if exchange is None:
        from terminal.backend.ecode import ecode_client_from_config

        if cfg is None:
            from terminal import config as config_mod

            cfg = config_mod.load(getattr(args, "config", None))
        url = cfg.backend.ecode_url or platform_url or ""
        if not url.startswith("http"):
            raise EcodeInputError("未配置医保电子凭证服务地址（backend.ecode_url），无法解析医保码；"
                                  "请刷社保卡或使用身份证号")
        client = ecode_client_from_config(cfg, url)
        try:
            return client.query(text).credential()
        finally:
            client.close()
    return exchange(text)


def add_parsers(subparsers) -> argparse._SubParsersAction:
    """Register ``ecode`` and its ``decode`` subcommand; returns the ``ecode`` subparsers so other modules
    can add theirs (``ecode issue`` for the sandbox)."""
    p = subparsers.add_parser("ecode", help="医保码（医保电子凭证）工具：从图片识别医保码")
    sub = p.add_subparsers(dest="ecode_command", metavar="{decode,issue}")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
    d = sub.add_parser("decode", help="从图片识别医保码（并说明图片中其它条码是什么）")
    d.add_argument("image", help="图片文件 (PNG/JPG/BMP...)，如患者手机屏幕的照片或截图")
    d.add_argument("--json", action="store_true", help="JSON 输出")
    d.add_argument("--decoder", choices=["auto", "zbar", "zxing"], default="auto",
                   help="解码器：auto（已安装 zxing-cpp 时用它，否则 zbar）")
    d.add_argument("--all", action="store_true", help="找到医保码后仍尝试找出全部条码（较慢）")
    d.add_argument("--config", default=argparse.SUPPRESS)
    d.set_defaults(func=cmd_decode)
    i = sub.add_parser("issue", help="（训练沙箱）为沙箱参保人生成一张医保码二维码图片")
    i.add_argument("--person", required=True, help="沙箱参保人 key，如 hainan-retiree（见 README）")
    i.add_argument("--out", required=True, help="输出 PNG 文件")
    i.add_argument("--ttl", type=float, default=None, help="有效期（秒），缺省 60")
    i.add_argument("--size", type=int, default=360, help="图片边长（像素）")
    i.add_argument("--json", action="store_true")
    i.add_argument("--config", default=argparse.SUPPRESS)
    i.set_defaults(func=cmd_issue)
    p._ecode_subparsers = sub  # type: ignore[attr-defined]
    return sub


def cmd_issue(args) -> int:
    """Issue a sandbox e-code for a person and write it as a QR image (training mode only)."""
    import json as _json

    from terminal.commands.common import load_config
    from terminal.sandbox.server import SandboxServer

    cfg = load_config(args)
    if not cfg.training:
        return fail(args, "ecode issue 只用于训练沙箱（backend.url = \"sandbox\"）", 2, "not_sandbox", prefix="")
    try:
        with SandboxServer.for_config(cfg, port=0) as srv:  # beside a running app on the configured port
            code, expires = srv.issue_ecode(args.person, ttl=args.ttl)
    except KeyError as e:
        return fail(args, f"未知的沙箱参保人: {e.args[0]}", 2, "unknown_person", prefix="")
    from drivers.scanner.qrimage import make_qr_image

    make_qr_image(code, args.size).save(args.out)
    if args.json:
        print(_json.dumps({"ecQrCode": code, "expires": expires.isoformat(), "image": args.out}, ensure_ascii=False))
    else:
        print(f"已生成医保码 {args.out}（有效至 {expires:%H:%M:%S}，结算后失效）")
    return 0
