"""This machine: the configuration, the data and log directories (writable, free space) and the files' modes."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from terminal.doctor.context import Context
from terminal.doctor.report import FAIL, PASS, SKIP, WARN, Finding, finding

#: free space in the data directory below which the check fails / warns (bytes)
DISK_FAIL_BYTES = 200 * 1024 * 1024
DISK_WARN_BYTES = 1024 * 1024 * 1024


def check_config(ctx: Context) -> Finding:
    if ctx.config_error is not None:
        e = ctx.config_error
        key = getattr(e, "key", "")
        return finding(FAIL, str(e), f"修改配置文件中的 {key}（示例见 {_system_config()}.example）"
                       if key and key != "(file)" else "检查配置文件路径与 TOML 语法",
                       key=key, source=getattr(e, "source", ""))
    cfg = ctx.cfg
    src = cfg.source or "（无配置文件：默认值）"
    mode = "训练模式 training（沙箱平台）" if cfg.training else f"生产 production: {cfg.backend.url}"
    data = {"source": cfg.source, "training": cfg.training, "facility": cfg.facility.code,
            "admdvs": cfg.facility.admdvs, "backend_url": cfg.backend.url, "style": cfg.backend.style}
    if not cfg.source:
        return finding(WARN if not cfg.training else PASS, f"{src}；{mode}",
                       f"生产使用前由 IT 下发 {_system_config()}" if not cfg.training else
                       f"未找到配置文件，按默认值运行训练沙箱；生产使用前由 IT 下发 {_system_config()}", **data)
    return finding(PASS, f"{src}；{mode}；机构 {cfg.facility.code} {cfg.facility.name}", **data)


def _system_config() -> str:
    from terminal import config as config_mod

    return str(config_mod.SYSTEM_CONFIG)


def _free_space_target(path: Path) -> Path:
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def writable(path: Path) -> str:
    """'' when files can be created in path (created if missing), else the reason."""
    try:
        from terminal import fsperm

        fsperm.private_dir(path, tighten=False)  # a missing one is created 0700, as the terminal would
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-", delete=True) as fh:
            fh.write(b"ok")
            fh.flush()
        return ""
    except OSError as e:
        return f"{e.strerror or e} ({path})"


def check_disk(ctx: Context) -> Finding:
    cfg = ctx.cfg
    data_dir, log_dir = cfg.data_dir, cfg.log_dir
    problems = [f"数据目录 {why}" for why in [writable(data_dir)] if why]
    problems += [f"日志目录 {why}" for why in [writable(log_dir)] if why]
    usage = shutil.disk_usage(_free_space_target(data_dir))
    free = usage.free
    journal = data_dir / "journal.sqlite"
    jsize = journal.stat().st_size if journal.exists() else 0
    data = {"data_dir": str(data_dir), "log_dir": str(log_dir), "free_bytes": free, "total_bytes": usage.total,
            "journal_bytes": jsize}
    summary = f"{data_dir}: 可用 {free / 2**30:.1f} GB / {usage.total / 2**30:.1f} GB；日志库 {jsize / 2**20:.1f} MB"
    if problems:
        return finding(FAIL, "；".join(problems),
                       "检查目录权限（收费员账户须可写），或在 [store] dir / [log] dir 指定可写目录", **data)
    if free < DISK_FAIL_BYTES:
        return finding(FAIL, summary + "（空间不足）",
                       "清理磁盘：数据目录剩余空间少于 200 MB，日志库将无法写入、无法结算", **data)
    if free < DISK_WARN_BYTES:
        return finding(WARN, summary + "（空间偏少）", "请尽快清理磁盘（建议保持 1 GB 以上可用空间）", **data)
    return finding(PASS, summary, **data)


def check_perms(ctx: Context) -> Finding:
    """journal (parked bills' certificate numbers), logs, crash reports, operators, sandbox and the per-user
    config (gateway token) must be the cashier account's alone: dirs 0700, files without group/other bits."""
    from terminal import fsperm

    cfg = ctx.cfg
    dirs = [str(p) for p in fsperm.app_dirs(cfg)]
    if not fsperm.ENABLED:
        return finding(SKIP, "Windows：由用户目录的访问控制保护（不检查 Unix 权限位）", dirs=dirs)
    found = fsperm.audit(cfg)
    data = {"dirs": dirs, "loose": [f.as_dict() for f in found]}
    if not found:
        return finding(PASS, f"数据、日志与崩溃报告目录仅本账户可读写（目录 0700，文件 0600）：{', '.join(dirs)}",
                       **data)
    shown = "；".join(f"{f.path} 为 {f.octal}" for f in found[:5]) + (f" 等 {len(found)} 项" if len(found) > 5 else "")
    targets: list[str] = []
    for f in found:
        root = next((r for r in dirs if f.path == r or f.path.startswith(r.rstrip(os.sep) + os.sep)), f.path)
        if root not in targets:
            targets.append(root)
    fix = ("运行 " + "；".join(f"chmod -R go-rwx '{t}'" for t in targets)
           + "（启动收费终端或运行任一命令也会自动修正）")
    return finding(FAIL, f"其他账户可读取收费终端的文件（含证件号、日志或网关 token）：{shown}", fix, **data)


