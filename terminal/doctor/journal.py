"""The journal: the offline queue against its limits, and the last detail reconciliation."""
from __future__ import annotations

from terminal.doctor.context import Context
from terminal.doctor.report import FAIL, PASS, SKIP, WARN, Finding, finding


def check_queue(ctx: Context) -> Finding:
    cfg = ctx.cfg
    path = cfg.data_dir / "journal.sqlite"
    if not path.exists():
        return finding(PASS, "尚无日志库（首次结算时创建）", path=str(path), open_items=0)
    try:
        from terminal.app import open_store
    except ImportError as e:
        return finding(SKIP, f"本版本没有离线队列模块 ({e.name})")
    store = open_store(cfg)
    try:
        st = store.queue_status()
    finally:
        store.close()
    data = {"path": str(path), "open_items": st.open_items, "max_items": st.max_items,
            "oldest_age_hours": st.oldest_age_hours, "max_age_hours": st.max_age_hours, "level": st.level,
            "counts": st.counts}
    summary = (f"{st.message}（待发送 {st.open_items}/{st.max_items} 项，最早 {st.oldest_age_hours:.1f}/"
               f"{st.max_age_hours:g} 小时）") if st.open_items else st.message
    if st.level == "full":
        return finding(FAIL, summary,
                       "恢复与医保平台的网络后运行 yibao-terminal queue replay；失败项用 queue list 查看并处理", **data)
    if st.level == "warning":
        return finding(WARN, summary, "尽快恢复网络并运行 yibao-terminal queue replay", **data)
    failed = st.counts.get("failed", 0) if isinstance(st.counts, dict) else 0
    if failed:
        return finding(WARN, summary + f"；{failed} 项失败待人工处理",
                       "yibao-terminal queue list 查看，处理后 queue dismiss ID", **data)
    return finding(PASS, summary, **data)


def check_reconcile(ctx: Context) -> Finding:
    """The last detail reconciliation (3202): when, which day, and what is still open (fixes done since count)."""
    cfg = ctx.cfg
    path = cfg.data_dir / "journal.sqlite"
    if not path.exists():
        return finding(PASS, "尚无日志库，尚未对账", path=str(path))
    from terminal.app import open_store

    store = open_store(cfg)
    try:
        last = store.reconciler.last_detail()
        rep = store.reconciler.detail_report(last["id"]) if last else None
    finally:
        store.close()
    schedule = getattr(getattr(cfg, "reconcile", None), "schedule", "") or ""
    when = f"（定时 {schedule}）" if schedule else "（未设定时对账 reconcile.schedule）"
    if rep is None:
        return finding(PASS, "尚未运行明细对账" + when, "yibao-terminal reconcile --detail", schedule=schedule)
    data = {"run_id": rep.run_id, "day": rep.day, "created": rep.created, "state": rep.state,
            "differences": len(rep.differences), "open": len(rep.open_differences), "schedule": schedule}
    summary = f"最近明细对账 {rep.created}：{rep.summary}"
    if rep.state == "clean":
        return finding(PASS, summary + when, **data)
    return finding(WARN, summary, f"yibao-terminal reconcile --detail --date {rep.day} 查看并由主管处理差异"
                   "（reconcile fix）", **data)


