"""The HIS interface ([his]): token set, TLS when not on loopback, listening, the callback URL reachable, and
callbacks not piling up."""
from __future__ import annotations

import socket
from urllib.parse import urlsplit

from terminal.doctor.context import Context
from terminal.doctor.report import FAIL, PASS, WARN, Finding, finding


def _reachable(url: str, timeout: float = 3.0) -> str:
    """'' when a TCP connection to the URL's host and port opens, else the reason."""
    try:
        u = urlsplit(url)
        host, port = u.hostname or "", u.port or (443 if u.scheme == "https" else 80)
    except ValueError as e:
        return str(e)
    if u.scheme not in ("http", "https") or not host:
        return "不是 http(s) 地址"
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return ""
    except OSError as e:
        return e.strerror or str(e)


def check_his(ctx: Context) -> Finding:
    from terminal.config import ConfigError
    from terminal.his.server import check_settings, is_loopback

    his = ctx.cfg.his
    if not his.enabled and not his.token:
        return finding(PASS, "未启用 HIS 接口（[his] enabled = false）", enabled=False)
    try:
        check_settings(his)
    except ConfigError as e:
        return finding(FAIL, str(e), f"在配置中设置 {e.key}（见 docs/his-integration.md）", key=e.key)
    scheme = "https" if his.tls_cert and his.tls_key else "http"
    host = his.host if ":" not in his.host else f"[{his.host}]"
    url = f"{scheme}://{host}:{his.port}/v1/health"
    data: dict[str, object] = {"url": url, "tls": scheme == "https", "loopback": is_loopback(his.host),
                               "callback_url": his.callback_url}
    problems: list[tuple[str, str, str]] = []  # (status, text, hint)
    import requests

    try:
        r = requests.get(url, timeout=3, verify=his.tls_cert or True)
        listening = r.status_code == 200 and r.json().get("ok") is True
        why = "" if listening else f"HTTP {r.status_code}"
    except (requests.RequestException, ValueError) as e:
        listening, why = False, type(e).__name__
    data["listening"] = listening
    if not listening:
        problems.append((WARN, f"HIS 接口未在 {url} 监听（{why}）",
                         "打开收费窗口（[his] enabled = true）或运行 yibao-terminal his serve"))
    if his.callback_url:
        why = _reachable(his.callback_url)
        data["callback_reachable"] = not why
        if why:
            problems.append((WARN, f"HIS 回调地址 {his.callback_url} 无法连接（{why}）",
                             "检查 his.callback_url 与 HIS 服务；事件会保留并重试"))
    else:
        problems.append((WARN, "未配置 his.callback_url：HIS 只能查询结果，收不到回调", "配置 his.callback_url"))
    backlog = _backlog(ctx)
    data.update(backlog)
    if backlog.get("undelivered"):
        problems.append((WARN, f"{backlog['undelivered']} 个回调事件未送达（最早 {backlog.get('oldest')}）",
                         "检查 HIS 回调服务；事件会一直重试"))
    if problems:
        status = FAIL if any(s == FAIL for s, _, _ in problems) else WARN
        return finding(status, "；".join(t for _, t, _ in problems), "；".join(h for _, _, h in problems), **data)
    return finding(PASS, f"HIS 接口在 {url} 监听，令牌已设置" + ("，TLS" if scheme == "https" else "（本机）")
                   + (f"，回调 {his.callback_url} 可连接" if his.callback_url else ""), **data)


def _backlog(ctx: Context) -> dict[str, object]:
    path = ctx.cfg.data_dir / "journal.sqlite"
    if not path.exists():
        return {}
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)
        try:
            n, oldest = con.execute("SELECT COUNT(*), MIN(created) FROM his_events WHERE state='queued'").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return {}
    return {"undelivered": n, "oldest": oldest}
