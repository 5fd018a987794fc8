"""The platform over the network: reachable (DNS, TCP), and its TLS certificate (verified, not expiring)."""
from __future__ import annotations

import socket
import ssl
import time
from datetime import datetime, UTC
from typing import Any
from urllib.parse import urlsplit

from terminal.doctor.context import Context
from terminal.doctor.report import FAIL, PASS, SKIP, WARN, Finding, finding

#: certificate expiry warning (days)
CERT_WARN_DAYS = 30


def _host_port(url: str) -> tuple[str, int, str]:
    u = urlsplit(url)
    scheme = u.scheme.lower()
    port = u.port or (443 if scheme == "https" else 80)
    return u.hostname or "", port, scheme


def check_platform(ctx: Context) -> Finding:
    url = ctx.base_url()
    host, port, scheme = _host_port(url)
    timeout = ctx.limit(min(float(ctx.cfg.backend.connect_timeout), 10.0))
    t0 = time.perf_counter()
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        return finding(FAIL, f"无法解析平台地址 {host}：{e.strerror}", "检查 DNS 或在 backend.url 中使用 IP 地址",
                       key="backend.url", host=host)
    dns_ms = (time.perf_counter() - t0) * 1000
    addr = infos[0][4][0]
    t1 = time.perf_counter()
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except TimeoutError:
        return finding(FAIL, f"连接 {host}:{port} 超时（{timeout:g} 秒）",
                       "检查网络/专线与防火墙；平台地址见 backend.url", host=host, port=port, address=addr)
    except OSError as e:
        return finding(FAIL, f"无法连接 {host}:{port}（{addr}）：{e.strerror or e}",
                       "检查网络/专线与防火墙，确认 backend.url 的地址和端口", host=host, port=port, address=addr)
    ms = (time.perf_counter() - t1) * 1000
    where = "训练沙箱 " if ctx.training else ""
    return finding(PASS, f"{where}{scheme}://{host}:{port}（{addr}）可连接，连接 {ms:.0f} ms", host=host, port=port,
                   address=addr, connect_ms=round(ms, 1), dns_ms=round(dns_ms, 1))


def _cert_summary(cert: dict[str, Any]) -> tuple[str, str, datetime | None]:
    def name(part: Any) -> str:
        for rdn in part or ():
            for k, v in rdn:
                if k == "commonName":
                    return v
        return ""

    not_after = None
    if cert.get("notAfter"):
        not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), UTC)
    return name(cert.get("subject")), name(cert.get("issuer")), not_after


def _tls_off(cfg: Any) -> str:
    """The fix, when certificate verification is off against a production platform; else ''."""
    if not cfg.insecure_tls:
        return ""
    return ("恢复 backend.verify_tls = true 并删除 backend.insecure_tls_i_accept_the_risk；平台 CA 非公共 CA 时在 "
            "backend.ca_bundle 配置其 PEM 证书")


def check_tls(ctx: Context) -> Finding:
    b = ctx.cfg.backend
    url = ctx.base_url()
    host, port, scheme = _host_port(url)
    off = _tls_off(ctx.cfg)
    if scheme != "https":
        if ctx.training:
            return finding(SKIP, "训练沙箱使用本机 http，无 TLS")
        if off:
            return finding(FAIL, f"平台地址为 http（未加密），且证书校验已关闭：{url}", off, key="backend.verify_tls")
        return finding(WARN, f"平台地址为 http（未加密）：{url}",
                       "仅在医保专网内可以接受；平台提供 https 时改用 https 并配置 backend.ca_bundle",
                       key="backend.url")
    cafile = b.ca_bundle or None
    if cafile is None:
        try:
            import certifi

            cafile = certifi.where()
        except ImportError:
            cafile = None
    ctx_ssl = ssl.create_default_context(cafile=cafile)
    if not b.verify_tls:
        ctx_ssl.check_hostname = False
        ctx_ssl.verify_mode = ssl.CERT_NONE
    if b.client_cert:
        try:
            ctx_ssl.load_cert_chain(b.client_cert, b.client_key or None)
        except (ssl.SSLError, OSError) as e:
            return finding(FAIL, f"客户端证书无法加载：{e}",
                           "检查 backend.client_cert / backend.client_key（证书与私钥须匹配，PEM 格式）",
                           key="backend.client_cert")
    timeout = ctx.limit(min(float(b.connect_timeout), 10.0))
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as e:
        if off:  # unreachable now, but the configuration itself is the finding
            return finding(FAIL, f"证书校验已关闭（backend.verify_tls = false）；平台暂不可连接：{e.strerror or e}",
                           off, key="backend.verify_tls")
        return finding(SKIP, f"无法连接平台，未检查证书（见 platform 项）：{e.strerror or e}")
    try:
        with sock, ctx_ssl.wrap_socket(sock, server_hostname=host) as tls:
            cert = tls.getpeercert() or {}
            version = tls.version()
    except ssl.SSLCertVerificationError as e:
        return finding(FAIL, f"平台证书校验失败：{e.verify_message or e}",
                       "在 backend.ca_bundle 配置平台 CA 证书（PEM）；主机名须与证书一致", key="backend.ca_bundle",
                       ca_bundle=b.ca_bundle)
    except (ssl.SSLError, OSError) as e:
        return finding(FAIL, f"TLS 握手失败：{e}", "检查平台是否要求客户端证书（backend.client_cert）以及 TLS 版本",
                       key="backend.client_cert")
    subject, issuer, not_after = _cert_summary(cert)
    data = {"tls_version": version, "subject": subject, "issuer": issuer, "verified": b.verify_tls,
            "not_after": not_after.isoformat() if not_after else "", "ca_bundle": b.ca_bundle,
            "client_cert": bool(b.client_cert)}
    if off:
        return finding(FAIL, f"{version} 已连接，但证书校验已关闭（backend.verify_tls = false，"
                       f"backend.insecure_tls_i_accept_the_risk = true）：连接可被冒充或窃听", off,
                       key="backend.verify_tls", **data)
    if not b.verify_tls:  # a loopback sandbox declared with backend.training
        return finding(WARN, f"{version} 已连接，证书校验已关闭（训练沙箱 backend.training = true）", "仅限训练/测试",
                       key="backend.verify_tls", **data)
    days = (not_after - datetime.now(UTC)).days if not_after else None
    summary = f"{version}，证书 {subject}（签发 {issuer}）校验通过" + (f"，{days} 天后到期" if days is not None else "")
    if days is not None and days < CERT_WARN_DAYS:
        return finding(WARN, summary, "平台证书即将到期：联系医保平台/信息科确认新证书与 CA", **data)
    return finding(PASS, summary, **data)


