"""The UI language for the Chinese names the Qt-free layers hand the window (gender, insurance status and type,
credential, role, queue kinds and states, parked-bill states): looked up in the translator under the context
"CodeNames", so zh_CN shows them as they are and en shows the English of resources/translations/yibao_en.json.

`name(text)` translates one; `_sources` lists every text literally so pyside6-lupdate extracts them: keep it in step
with terminal.core.models (gender, INSU_STATUS, INSUTYPE_NAMES, CERT_TYPES), terminal.app.operators (ROLE_NAMES),
terminal.store.outbox (KIND_NAMES, STATE_NAMES), terminal.store.parked (PARK_STATES) and terminal.app.catalogue
(LEVELS).
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication

CONTEXT = "CodeNames"


def name(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text) if text else text


def _sources() -> list[str]:  # pragma: no cover - read by lupdate, never called
    return [  # one literal QCoreApplication.translate call each: pyside6-lupdate extracts these
        QCoreApplication.translate("CodeNames", "男"),
        QCoreApplication.translate("CodeNames", "女"),
        QCoreApplication.translate("CodeNames", "正常参保"),
        QCoreApplication.translate("CodeNames", "暂停参保"),
        QCoreApplication.translate("CodeNames", "终止参保"),
        QCoreApplication.translate("CodeNames", "未参保"),
        QCoreApplication.translate("CodeNames", "职工基本医疗保险"),
        QCoreApplication.translate("CodeNames", "公务员医疗补助"),
        QCoreApplication.translate("CodeNames", "大额医疗费用补助"),
        QCoreApplication.translate("CodeNames", "离休人员医疗保障"),
        QCoreApplication.translate("CodeNames", "城乡居民基本医疗保险"),
        QCoreApplication.translate("CodeNames", "城乡居民大病医疗保险"),
        QCoreApplication.translate("CodeNames", "生育保险"),
        QCoreApplication.translate("CodeNames", "医保电子凭证"),
        QCoreApplication.translate("CodeNames", "居民身份证"),
        QCoreApplication.translate("CodeNames", "社会保障卡"),
        QCoreApplication.translate("CodeNames", "收费员"),
        QCoreApplication.translate("CodeNames", "主管"),
        QCoreApplication.translate("CodeNames", "冲正"),
        QCoreApplication.translate("CodeNames", "撤销结算"),
        QCoreApplication.translate("CodeNames", "撤销费用明细"),
        QCoreApplication.translate("CodeNames", "签退"),
        QCoreApplication.translate("CodeNames", "对总账"),
        QCoreApplication.translate("CodeNames", "补结算"),
        QCoreApplication.translate("CodeNames", "商品销售上传/3505"),
        QCoreApplication.translate("CodeNames", "排队中"),
        QCoreApplication.translate("CodeNames", "处理中"),
        QCoreApplication.translate("CodeNames", "已完成"),
        QCoreApplication.translate("CodeNames", "平台拒绝"),
        QCoreApplication.translate("CodeNames", "结果未知"),
        QCoreApplication.translate("CodeNames", "已取消"),
        QCoreApplication.translate("CodeNames", "已处理"),
        QCoreApplication.translate("CodeNames", "待补结算"),
        QCoreApplication.translate("CodeNames", "补结算中"),
        QCoreApplication.translate("CodeNames", "已补结算"),
        QCoreApplication.translate("CodeNames", "补结算失败"),
        QCoreApplication.translate("CodeNames", "甲类"),
        QCoreApplication.translate("CodeNames", "乙类"),
        QCoreApplication.translate("CodeNames", "丙类"),
    ]
