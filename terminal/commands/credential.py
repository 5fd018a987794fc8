"""How a patient identifies on the command line (settle and discharge): a card in the reader, a scanned
e-code (or its image), or a certificate type and number."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from terminal.core.models import Credential

if TYPE_CHECKING:
    from terminal.config import Config


def add_credential_args(p: argparse.ArgumentParser) -> None:
    """How the patient identifies (shared by settle and discharge)."""
    p.add_argument("--cert-type", choices=["01", "02", "03"], help="凭证类型: 01 电子凭证, 02 身份证, 03 社保卡")
    p.add_argument("--cert-no", help="凭证号码 (ecToken / 身份证号 / 社保卡号)")
    p.add_argument("--card-sn", help="社保卡识别码 (cert-type 03)")
    p.add_argument("--card", action="store_true", help="从读卡器读取社保卡")
    p.add_argument("--reader", default="", help="读卡器名称匹配")
    p.add_argument("--ecode", help="扫描得到的医保码字符串")
    p.add_argument("--ecode-image", help="医保码图片 (PNG/JPG)")


def read_credential(args: argparse.Namespace, cfg: Config | None = None, client: Any = None) -> Credential:
    if getattr(args, "card", False):
        from terminal.commands.card import read_card

        card = read_card(args.reader or cfg or "", reject_expired=True, cfg=cfg)  # virtual: sandbox only
        return card.credential()
    if getattr(args, "ecode", None) or getattr(args, "ecode_image", None):
        from terminal.commands import ecode as ecode_cmd

        return ecode_cmd.credential_from_args(args, cfg=cfg,
                                              platform_url=client.endpoint.url if client is not None else None)
    if not args.cert_type or not args.cert_no:
        raise SystemExit("请给出 --cert-type 与 --cert-no，或 --card / --ecode / --ecode-image")
    return Credential(args.cert_type, args.cert_no, card_sn=args.card_sn or "")
