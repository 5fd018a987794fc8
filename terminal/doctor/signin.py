"""Sign-in (9001) against the platform, and the clock compared with the platform's answer to it."""
from __future__ import annotations

import copy
import json
import time
from datetime import datetime
from email.utils import parsedate_to_datetime

from terminal.doctor.context import Context
from terminal.doctor.report import FAIL, PASS, SKIP, WARN, Finding, finding

#: clock skew against the platform (seconds): above WARN a warning, above FAIL (gateway signatures are
#: refused beyond 5 minutes) a failure
CLOCK_WARN_S = 30.0
CLOCK_FAIL_S = 300.0


def check_signin(ctx: Context) -> Finding:
    from terminal.app import platform_client
    from terminal.backend.errors import BusinessError, PlatformError

    url = ctx.base_url()
    cfg = copy.deepcopy(ctx.cfg)
    cfg.backend.connect_timeout = ctx.limit(min(float(cfg.backend.connect_timeout), 10.0))
    cfg.backend.read_timeout = ctx.limit(min(float(cfg.backend.read_timeout), 20.0))
    client = platform_client(cfg, url)

    def remember(resp, *args, **kwargs):  # requests response hook
        ctx.signin["received"] = time.time()
        ctx.signin["date_header"] = resp.headers.get("Date", "")
        try:
            ctx.signin["respond_time"] = str(json.loads(resp.content.decode("utf-8")).get("respond_time") or "")
        except (ValueError, AttributeError, UnicodeDecodeError):
            pass
        return resp

    client.session.hooks["response"].append(remember)
    dev_no = client.identity.dev_no
    ctx.signin["sent"] = time.time()
    try:
        sign_no = client.sign_in()
    except BusinessError as e:
        return finding(FAIL, f"签到被平台拒绝：{e.err_msg}", "核对 [facility] code、[operator] id 是否已在医保平台备案",
                       msgid=e.msgid, dev_no=dev_no)
    except PlatformError as e:
        return finding(FAIL, f"签到失败：{e.user_message}", "见 platform / tls 项", detail=str(e), msgid=e.msgid,
                       dev_no=dev_no)
    finally:
        ctx.signin["received_done"] = time.time()
        client.close()
    answer_time = ctx.signin.get("respond_time", "")
    ctx.signin["ok"] = True
    ctx.signin["sign_no"] = sign_no
    return finding(PASS, f"签到成功 sign_no {sign_no}（设备 {dev_no}，操作员 {cfg.operator.id}）", sign_no=sign_no,
                   dev_no=dev_no, operator=cfg.operator.id, respond_time=answer_time)


def _parse_platform_time(text: str) -> datetime | None:
    """respond_time of an answer: yyyyMMddHHmmssSSS (17), yyyyMMddHHmmss (14) or yyyy-MM-dd HH:mm:ss."""
    text = (text or "").strip()
    try:
        if len(text) == 17 and text.isdigit():
            return datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(microsecond=int(text[14:]) * 1000)
        if len(text) == 14 and text.isdigit():
            return datetime.strptime(text, "%Y%m%d%H%M%S")
        return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def check_clock(ctx: Context) -> Finding:
    s = ctx.signin
    if "received" not in s:
        return finding(SKIP, "没有平台应答，无法比较时钟（见 signin 项）")
    local_mid = (s["sent"] + s.get("received_done", s["received"])) / 2
    rtt = s.get("received_done", s["received"]) - s["sent"]
    skews: dict[str, float] = {}
    # the answer's respond_time is the platform's local time (Beijing time), 1 ms resolution
    respond = _parse_platform_time(s.get("respond_time", ""))
    if respond is not None:
        skews["respond_time"] = respond.timestamp() - local_mid
    if s.get("date_header"):
        try:
            skews["http_date"] = parsedate_to_datetime(s["date_header"]).timestamp() - local_mid
        except (TypeError, ValueError):
            pass
    if not skews:
        return finding(SKIP, "平台应答中没有时间（respond_time / Date），无法比较")
    # the Date header has 1 s resolution: only trust it beyond that
    skew = skews.get("respond_time", skews.get("http_date", 0.0))
    if "respond_time" not in skews:
        skew = skew if abs(skew) > 1.5 else 0.0
    data = {"skew_s": round(skew, 3), "sources": {k: round(v, 3) for k, v in skews.items()}, "rtt_s": round(rtt, 3),
            "local_time": datetime.now().isoformat(timespec="seconds"), "timezone": time.strftime("%Z %z")}
    ahead = "慢" if skew > 0 else "快"
    diff = f"本机时钟比平台{ahead} {abs(skew):.1f} 秒" if abs(skew) >= 0.05 else "本机时钟与平台一致"
    summary = f"{diff}（往返 {rtt * 1000:.0f} ms，时区 {time.strftime('%z')}）"
    hours = abs(skew) / 3600
    whole_hours = hours >= 0.9 and abs(hours - round(hours)) < 0.02
    tz_hint = "；相差整数小时，多半是时区设置错误（应为 Asia/Shanghai）" if whole_hours else ""
    fix = "开启时间同步：sudo timedatectl set-ntp true（Windows：设置-时间-立即同步）" + tz_hint
    if ctx.training:
        summary += "（训练沙箱与本机同一时钟）"
    if abs(skew) > CLOCK_FAIL_S:
        return finding(FAIL, summary, fix + "；时差超过 5 分钟，平台网关会拒绝报文", **data)
    if abs(skew) > CLOCK_WARN_S:
        return finding(WARN, summary, fix, **data)
    return finding(PASS, summary, **data)


