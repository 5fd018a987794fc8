"""What needs the desktop: the printer (or the PDF receipts), Chinese fonts and a display for the window."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from terminal.doctor.context import Context
from terminal.doctor.host import writable
from terminal.doctor.qtprobe import qt_probe, run_probe
from terminal.doctor.report import FAIL, PASS, SKIP, WARN, Finding, finding


def check_escpos(ctx: Context) -> Finding:
    """[printer] kind = "escpos": the thermal printer answers on its port (TCP), or its device exists (serial);
    USB is only named (opening it needs the device's permissions, and printing would waste paper)."""
    import socket

    from drivers.printer.escpos import parse_connection

    p = ctx.cfg.printer
    data = {"kind": "escpos", "connection": p.escpos_connection, "paper_mm": p.paper_mm}
    try:
        conn = parse_connection(p.escpos_connection)
    except ValueError as e:
        return finding(FAIL, f"小票打印机连接无效：{e}", "修改配置 printer.escpos_connection",
                       key="printer.escpos_connection", **data)
    if conn.kind == "tcp":
        try:
            socket.create_connection((conn.host, conn.port), timeout=3).close()
        except OSError as e:
            return finding(FAIL, f"小票打印机 {conn} 无法连接：{e}",
                           "检查打印机电源、网线与 IP 地址（打印自检页可看到 IP）", key="printer.escpos_connection",
                           **data)
        return finding(PASS, f"小票打印机 {conn} 可连接（{p.paper_mm} 毫米纸）", **data)
    if conn.kind == "serial" and not Path(conn.device).exists() and not conn.device.upper().startswith("COM"):
        return finding(FAIL, f"串口 {conn.device} 不存在", "检查打印机串口线与设备名", key="printer.escpos_connection",
                       **data)
    return finding(PASS, f"小票打印机配置为 {conn}（{p.paper_mm} 毫米纸）；首次使用请打印测试单", **data)


def check_printer(ctx: Context) -> Finding:
    cfg = ctx.cfg
    if getattr(cfg.printer, "kind", "pdf") == "escpos":
        return check_escpos(ctx)
    probe = qt_probe(ctx)
    if not probe.get("printsupport"):
        return finding(FAIL, f"Qt 打印模块无法使用：{probe.get('error') or probe.get('printsupport_error', '')}",
                       "重新安装 yibao-terminal", detail=probe.get("stderr", ""))
    printers = probe.get("printers", [])
    default = probe.get("default", "")
    data = {"printers": printers, "default": default, "configured": cfg.printer.name, "pdf_dir": cfg.printer.pdf_dir,
            "pdf_ok": probe.get("pdf_ok", False)}
    if cfg.printer.name:
        if cfg.printer.name not in printers:
            shown = ", ".join(printers) or "无"
            return finding(FAIL, f"找不到配置的打印机 “{cfg.printer.name}”（系统打印机: {shown}）",
                           "检查打印机电源/连接与 CUPS（lpstat -p），或修改配置 printer.name", key="printer.name",
                           **data)
        state = (probe.get("states") or {}).get(cfg.printer.name, "")
        return finding(PASS, f"打印机 {cfg.printer.name} 可用{('（' + state + '）') if state else ''}", **data)
    pdf_dir = Path(cfg.printer.pdf_dir) if cfg.printer.pdf_dir else cfg.data_dir / "receipts"  # as the window does
    why = writable(pdf_dir)
    data["pdf_target"] = str(pdf_dir)
    if why or not probe.get("pdf_ok"):
        return finding(FAIL, f"未配置打印机，收据存为 PDF，但无法写入：{why or probe.get('pdf_error', '')}",
                       "配置 [printer] name（系统打印机）或可写的 [printer] pdf_dir", key="printer.pdf_dir", **data)
    extra = f"；系统打印机: {', '.join(printers)}（默认 {default or '无'}）" if printers else "；系统中没有打印机"
    return finding(WARN if printers else PASS, f"未配置打印机：收据保存为 PDF 到 {pdf_dir}{extra}",
                   "要打印小票，在 [printer] name 填写上面列出的打印机名" if printers else "", **data)


def check_fonts(ctx: Context) -> Finding:
    probe = qt_probe(ctx)
    if "cjk_font" not in probe:
        return finding(FAIL, f"无法检查字体：{probe.get('error', '')}", "重新安装 yibao-terminal",
                       detail=probe.get("stderr", ""))
    fam = probe.get("cjk_font") or ""
    if not fam:
        return finding(WARN, "没有中文字体：界面与收据中的汉字会显示为方框",
                       "安装中文字体：sudo apt-get install fonts-wqy-microhei（或 fonts-noto-cjk）",
                       families=probe.get("families", 0))
    return finding(PASS, f"中文字体 {fam}", font=fam)


def check_display(ctx: Context) -> Finding:
    if sys.platform.startswith("linux"):
        qpa = os.environ.get("QT_QPA_PLATFORM", "")
        if qpa.startswith(("offscreen", "minimal")):
            return finding(SKIP, f"QT_QPA_PLATFORM={qpa}：无图形显示（命令行/自动化）")
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and not qpa:
            return finding(SKIP, "无图形会话（DISPLAY 未设置）：收费界面需在桌面会话中启动；命令行功能不受影响")
    probe = run_probe("display", ctx.limit(30.0))
    if not probe.get("ok"):
        err = probe.get("stderr", "") or probe.get("error", "")
        hint = "安装缺少的 Qt 图形依赖（apt-get install -f / 重新安装 yibao-terminal 会带上依赖）"
        if "xcb-cursor" in err:
            hint = "安装 libxcb-cursor0：sudo apt-get install libxcb-cursor0"
        last = [ln for ln in err.splitlines() if ln.strip()][-3:]
        return finding(FAIL, "收费界面无法打开窗口（Qt 平台插件加载失败）", hint, detail="\n".join(last))
    screens = probe.get("screens", [])
    data = {"platform": probe.get("platform"), "screens": screens}
    size = ", ".join(f"{s['w']}x{s['h']}" for s in screens)
    if not screens:
        return finding(WARN, f"Qt 平台 {probe.get('platform')}，但没有屏幕", "检查显示器连接", **data)
    small = [s for s in screens if s["w"] < 1280 or s["h"] < 720]
    if small and len(screens) == 1:
        return finding(WARN, f"屏幕 {size}：小于收费界面建议的 1366x768", "调高分辨率或在 [ui] font_scale 调小字体",
                       **data)
    cust = "（可用顾客显示屏）" if len(screens) > 1 else ""
    return finding(PASS, f"Qt 平台 {probe.get('platform')}，{len(screens)} 个屏幕 {size}{cust}", **data)


