"""A detail-reconciliation report for the finance office: CSV (UTF-8 with BOM, opens in Excel) or XLSX."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from .reconcile_differences import ACTION_NAMES, DETAIL_FIELDS, DetailGroup, DetailReport, Difference

_EXPORT_COLUMNS = (
    ("id", "差异编号"), ("kind_name", "差异类型"), ("setl_id", "结算ID"), ("msgid", "报文ID"), ("mdtrt_id", "就诊ID"),
    ("psn_no", "人员编号"), ("refd_setl_flag", "退费标志"), ("clr_type", "清算类别"), ("setl_optins", "清算经办机构"),
    ("t_medfee_sumamt", "终端医疗费总额"), ("t_fund_pay_sumamt", "终端基金支付"), ("t_acct_pay", "终端个人账户"),
    ("p_medfee_sumamt", "平台医疗费总额"), ("p_fund_pay_sumamt", "平台基金支付"), ("p_acct_pay", "平台个人账户"),
    ("plat_status", "平台状态"), ("terminal_status", "终端状态"), ("memo", "平台说明"), ("suggested_name", "建议处理"),
    ("advice", "说明"), ("done_by", "处理主管"), ("done_at", "处理时间"), ("done_action", "处理方式"),
)
_GROUP_COLUMNS = (
    ("clr_type", "清算类别"), ("setl_optins", "清算经办机构"), ("insutypes", "险种"), ("count", "终端笔数"),
    ("t_medfee_sumamt", "终端医疗费总额"), ("t_fund_pay_sumamt", "终端基金支付"), ("t_acct_pay", "终端个人账户"),
    ("t_cash_payamt", "终端现金支付"), ("platform_count", "平台笔数"), ("p_medfee_sumamt", "平台医疗费总额"),
    ("p_fund_pay_sumamt", "平台基金支付"), ("p_acct_pay", "平台个人账户"), ("state", "结果"), ("message", "说明"),
)
_MONEY_COLS = {k for k, _ in _EXPORT_COLUMNS + _GROUP_COLUMNS if k[:2] in ("t_", "p_")}


def _diff_row(d: Difference) -> dict[str, Any]:
    r = d.as_dict()
    for k in DETAIL_FIELDS:
        r["t_" + k] = (d.terminal or {}).get(k, "")
        r["p_" + k] = (d.platform or {}).get(k, "")
    r["done_action"] = ACTION_NAMES.get(d.done_action, d.done_action)
    return r


def _group_row(g: DetailGroup) -> dict[str, Any]:
    r = g.as_dict()
    r["insutypes"] = "/".join(g.insutypes)
    for k in (*DETAIL_FIELDS, "cash_payamt"):
        r["t_" + k] = g.terminal.get(k, "")
        r["p_" + k] = g.platform.get(k, "")
    return r


def export_report(report: DetailReport, path: Path, fmt: str | None) -> Path:
    fmt = (fmt or path.suffix.lstrip(".") or "csv").lower()
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"导出格式应为 csv 或 xlsx，实际为 {fmt!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    head = [("对账日期", report.day), ("对账时间", report.created), ("结果", report.summary),
            ("明细文件", f"{report.filename}（{report.file_bytes} 字节，{report.lines} 笔）")]
    if fmt == "csv":
        import csv

        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            for row in head:
                w.writerow(row)
            w.writerow([])
            w.writerow([n for _, n in _GROUP_COLUMNS])
            for g in report.groups:
                r = _group_row(g)
                w.writerow([r.get(k, "") for k, _ in _GROUP_COLUMNS])
            w.writerow([])
            w.writerow([n for _, n in _EXPORT_COLUMNS])
            for d in report.differences:
                r = _diff_row(d)
                w.writerow([r.get(k, "") for k, _ in _EXPORT_COLUMNS])
        return path
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    for row in head:
        ws.append(list(row))
    ws.append([])
    ws.append([n for _, n in _GROUP_COLUMNS])
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
    for g in report.groups:
        _xl_row(ws, _group_row(g), _GROUP_COLUMNS)
    wd = wb.create_sheet("差异明细")
    wd.append([n for _, n in _EXPORT_COLUMNS])
    for c in wd[1]:
        c.font = Font(bold=True)
    for d in report.differences:
        _xl_row(wd, _diff_row(d), _EXPORT_COLUMNS)
    wd.freeze_panes = "A2"
    wb.save(path)
    return path


def _xl_row(ws: Any, r: dict[str, Any], cols: tuple[tuple[str, str], ...]) -> None:
    vals = []
    for k, _ in cols:
        v = r.get(k, "")
        vals.append(Decimal(v) if k in _MONEY_COLS and v not in ("", None) else v)
    ws.append(vals)
    for c, (k, _) in zip(ws[ws.max_row], cols, strict=False):  # the sheet may be wider than this row
        if k in _MONEY_COLS:
            c.number_format = "#,##0.00"
