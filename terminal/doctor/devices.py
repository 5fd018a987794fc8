"""The card reader (PC/SC service, readers, a card in it) and the QR decoding the scanner and camera rely on."""
from __future__ import annotations

import ctypes.util
import os
import sys
import time
from typing import Any

from terminal.doctor.context import Context
from terminal.doctor.report import FAIL, PASS, SKIP, WARN, Finding, finding


def _virtual_card(cfg) -> str:
    reader = cfg.card.reader or ""
    if reader.startswith("virtual:"):
        return reader[len("virtual:"):] or cfg.card.virtual_person
    return cfg.card.virtual_person if cfg.card.virtual else ""


def check_pcsc(ctx: Context) -> Finding:
    cfg = ctx.cfg
    virtual = _virtual_card(cfg)
    if virtual:
        return finding(PASS, f"训练：进程内虚拟社保卡（{virtual}），不使用 PC/SC", virtual=virtual)
    from drivers.pcsc import NoReader, NoService, PcscCardReader
    from drivers.pcsc.scard import match_readers

    reader = PcscCardReader(cfg.card.reader)
    soft = ctx.training  # training can use the virtual card and ID numbers
    try:
        names = reader.list_readers()
    except NoService as e:
        return finding(WARN if soft else FAIL, f"PC/SC 服务不可用：{e.detail}",
                       "启动读卡服务：sudo systemctl enable --now pcscd.socket（Windows：启动“智能卡”服务 SCardSvr）",
                       error="NoService")
    except NoReader:
        names = []
    finally:
        reader.close()
    data = {"readers": names, "pattern": cfg.card.reader}
    if not names:
        status = FAIL if cfg.card.reader and not soft else WARN
        return finding(status, "PC/SC 服务正常，但未连接读卡器",
                       "检查读卡器 USB 连接；仍不行请更换 USB 口或读卡器（驱动: libccid）", **data)
    if cfg.card.reader and not match_readers(names, cfg.card.reader):
        return finding(WARN if soft else FAIL, f"没有名称匹配 [card] reader = “{cfg.card.reader}” 的读卡器（已连接: "
                       f"{', '.join(names)}）", "修改配置 card.reader，或留空使用第一个有卡的读卡器", key="card.reader",
                       **data)
    return finding(PASS, f"{len(names)} 个读卡器: {', '.join(names)}", **data)


def check_card(ctx: Context) -> Finding:
    cfg = ctx.cfg
    from drivers.pcsc import CardError, CardExpired, NoCard, NoReader, NoService, check_expiry

    virtual = _virtual_card(cfg)
    if virtual:
        from drivers.virtual import VirtualCardReader, resolve_profile

        reader: Any = VirtualCardReader(resolve_profile(virtual))
    else:
        from drivers.pcsc import PcscCardReader

        reader = PcscCardReader(cfg.card.reader)
        try:
            if not reader.card_present():
                reader.close()
                return finding(SKIP, "读卡器中没有卡（插入一张社保卡可测试读卡）")
        except (NoService, NoReader, NoCard):
            reader.close()
            return finding(SKIP, "没有可用的读卡器（见 pcsc 项）")
    t0 = time.perf_counter()
    try:
        card = reader.read()
    except CardError as e:
        return finding(WARN, f"读卡失败：{e.user_message}", "换一张卡再试；同一读卡器多张卡都失败时请更换读卡器",
                       detail=f"{type(e).__name__}: {e.detail}", error=type(e).__name__)
    finally:
        reader.close()
    ms = (time.perf_counter() - t0) * 1000
    masked = card.masked()
    data = {"reader": getattr(reader, "reader_name", ""), "card_no": masked.get("card_no", ""),
            "generation": card.generation, "read_ms": round(ms, 1)}
    try:
        check_expiry(card)
    except CardExpired:
        return finding(WARN, f"读卡成功但此卡已过期（卡号 {masked.get('card_no', '')}）",
                       "读卡器正常；请用有效期内的卡测试", **data)
    return finding(PASS, f"读卡成功：卡号 {masked.get('card_no', '')}，第{card.generation}代卡，{ms:.0f} ms", **data)


def _qr_image(text: str):
    try:
        from drivers.scanner.qrimage import make_qr_image

        return make_qr_image(text, 240)
    except ImportError:
        import qrcode

        return qrcode.make(text).get_image().convert("L")


def check_scanner(ctx: Context) -> Finding:
    lib = ctypes.util.find_library("zbar") or ""
    base = getattr(sys, "_MEIPASS", "")
    where = "随程序附带 (bundled)" if base and lib.startswith(base) else ("系统 (system)" if lib else "")
    data: dict[str, Any] = {"zbar": lib}
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as e:
        hint = ("安装 Visual C++ 2013 运行库 (x64)：zbar 需要 msvcr120.dll" if sys.platform == "win32" else
                "安装 libzbar0（打包版本已附带 zbar，出现此错误请重新安装 yibao-terminal）")
        return finding(FAIL, f"二维码解码库 zbar 无法加载：{e}", hint, **data)
    text = f"YIBAO-DOCTOR-{os.getpid()}-{int(time.time())}"
    image = _qr_image(text)
    decoded = [d.data.decode("utf-8", "replace") for d in pyzbar.decode(image)]
    data["decoded"] = decoded == [text]
    import importlib.util

    data["zxing_cpp"] = importlib.util.find_spec("zxingcpp") is not None  # optional fast decoder (fast-qr)
    if decoded != [text]:
        return finding(FAIL, f"zbar 已加载（{lib}），但没有解出测试二维码：{decoded!r}", "重新安装 yibao-terminal",
                       **data)
    # the application's own decoding pipeline (camera frames, e-code images), when this version has it
    pipeline = ""
    try:
        from drivers.scanner import decode as app_decode
    except ImportError as e:
        if e.name and not e.name.startswith("drivers.scanner"):
            return finding(FAIL, f"扫码解码模块无法加载：{e}", "重新安装 yibao-terminal", **data)
        app_decode = None
    if app_decode is not None:
        data["decoders"] = app_decode.available_decoders()
        got = [r.text for r in app_decode.decode(image)]
        data["pipeline"] = got == [text]
        if got != [text]:
            return finding(FAIL, f"应用扫码解码管线没有解出测试二维码（解码器 {', '.join(data['decoders'])}）",
                           "重新安装 yibao-terminal", **data)
        pipeline = f"，解码器 {'/'.join(data['decoders'])}"
    cam = "；摄像头扫码已开启（需 PySide6-Addons）" if ctx.cfg is not None and ctx.cfg.scanner.camera else ""
    return finding(PASS, f"zbar {where} 解码测试二维码成功{pipeline}{cam}；扫码枪（键盘输入）无需驱动", **data)


