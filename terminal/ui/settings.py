"""Settings for IT: backend, facility, reader, printer, scanner. Validated by terminal.config.from_dict
(the message names the bad key, and that field is highlighted) and saved with terminal.config.save_changes
(only the changed keys are written to the per-user file)."""
from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget)

from terminal import config as config_mod

from .widgets import set_kind

# (section.key, label, kind)
FIELDS = [
    ("backend.url", QT_TRANSLATE_NOOP("SettingsDialog", "平台地址（sandbox 为训练沙箱）"), "text"),
    ("backend.style", QT_TRANSLATE_NOOP("SettingsDialog", "接口风格"), "style"),
    ("backend.read_timeout", QT_TRANSLATE_NOOP("SettingsDialog", "读超时（秒）"), "int"),
    ("facility.code", QT_TRANSLATE_NOOP("SettingsDialog", "定点机构编码"), "text"),
    ("facility.name", QT_TRANSLATE_NOOP("SettingsDialog", "机构名称"), "text"),
    ("facility.admdvs", QT_TRANSLATE_NOOP("SettingsDialog", "就医地区划"), "text"),
    ("card.reader", QT_TRANSLATE_NOOP("SettingsDialog", "读卡器名称匹配"), "text"),
    ("card.virtual", QT_TRANSLATE_NOOP("SettingsDialog", "使用虚拟卡（训练）"), "bool"),
    ("printer.name", QT_TRANSLATE_NOOP("SettingsDialog", "打印机（留空则保存 PDF）"), "text"),
    ("printer.pdf_dir", QT_TRANSLATE_NOOP("SettingsDialog", "PDF 保存目录"), "text"),
    ("printer.kind", QT_TRANSLATE_NOOP("SettingsDialog", "打印方式（pdf / escpos 热敏小票机）"), "text"),
    ("printer.escpos_connection", QT_TRANSLATE_NOOP("SettingsDialog", "小票机连接（tcp://IP:9100、usb:VID:PID、serial:设备）"),
     "text"),
    ("printer.paper_mm", QT_TRANSLATE_NOOP("SettingsDialog", "纸宽（58 / 80 毫米）"), "int"),
    ("printer.pdf_layout", QT_TRANSLATE_NOOP("SettingsDialog", "PDF 版式（roll 卷纸 / a5 结算单）"), "text"),
    ("printer.mask_name", QT_TRANSLATE_NOOP("SettingsDialog", "票据上隐去姓名"), "bool"),
    ("scanner.wedge_interval_ms", QT_TRANSLATE_NOOP("SettingsDialog", "扫码枪字符间隔阈值（毫秒）"), "int"),
    ("scanner.wedge_min_length", QT_TRANSLATE_NOOP("SettingsDialog", "扫码最短长度"), "int"),
    ("scanner.camera", QT_TRANSLATE_NOOP("SettingsDialog", "启用摄像头扫码"), "bool"),
    ("ui.language", QT_TRANSLATE_NOOP("SettingsDialog", "界面语言"), "lang"),
]


class SettingsDialog(QDialog):
    saved = Signal(object, str)  # Config, path

    def __init__(self, cfg, path: str | Path | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("设置（信息科）"))
        self.cfg = cfg
        self.path = Path(path) if path else config_mod.user_config_path()
        self.widgets: dict[str, QWidget] = {}
        lay = QVBoxLayout(self)
        groups: dict[str, QFormLayout] = {}
        titles = {"backend": self.tr("医保平台"), "facility": self.tr("定点机构"), "card": self.tr("读卡器"),
                  "printer": self.tr("打印"), "scanner": self.tr("扫码"), "ui": self.tr("界面")}
        cols = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        cols.addLayout(left, 1)
        cols.addLayout(right, 1)
        for key, label, kind in FIELDS:
            section, name = key.split(".")
            if section not in groups:
                box = QGroupBox(titles[section])
                form = QFormLayout(box)
                groups[section] = form
                (left if section in ("backend", "facility") else right).addWidget(box)
            value = getattr(getattr(cfg, section), name)
            if kind == "bool":
                w = QCheckBox()
                w.setChecked(bool(value))
            elif kind == "int":
                w = QSpinBox()
                w.setRange(0, 100000)
                w.setValue(int(value))
            elif kind == "style":
                w = QComboBox()
                w.addItem(self.tr("单一入口 (single)"), "single")
                w.addItem(self.tr("按交易路径 (per-transaction)"), "per-transaction")
                w.setCurrentIndex(max(0, w.findData(value)))
            elif kind == "lang":
                w = QComboBox()
                w.addItem("简体中文", "zh_CN")
                w.addItem("English", "en")
                w.setCurrentIndex(max(0, w.findData(value)))
            else:
                w = QLineEdit(str(value))
            w.setObjectName("setting_" + key.replace(".", "_"))
            groups[section].addRow(self.tr(label), w)
            self.widgets[key] = w
        left.addStretch(1)
        right.addStretch(1)
        lay.addLayout(cols)
        self.error = QLabel()
        self.error.setObjectName("dialogError")
        self.error.setWordWrap(True)
        self.error.hide()
        lay.addWidget(self.error)
        note = QLabel(self.tr("保存到 ") + str(self.path) + self.tr("；平台与读卡器设置在重新启动后生效。"))
        note.setObjectName("dialogHint")
        note.setWordWrap(True)
        lay.addWidget(note)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        bb.accepted.connect(self.save)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)
        self.resize(980, 560)

    def values(self) -> dict[str, dict]:
        d = self.cfg.as_dict()
        for key, w in self.widgets.items():
            section, name = key.split(".")
            if isinstance(w, QCheckBox):
                v = w.isChecked()
            elif isinstance(w, QSpinBox):
                v = w.value()
                if isinstance(d[section][name], float):
                    v = float(v)
            elif isinstance(w, QComboBox):
                v = w.currentData()
            else:
                v = w.text().strip()
            d[section][name] = v
        return d

    def validate(self):
        for w in self.widgets.values():
            set_kind(w, "")
        try:
            cfg = config_mod.from_dict(copy.deepcopy(self.values()), source=str(self.path),
                                       base=config_mod.Config())
        except config_mod.ConfigError as e:
            self.error.setText(str(e))
            self.error.show()
            w = self.widgets.get(e.key)
            if w is not None:
                set_kind(w, "invalid")
                w.setFocus()
            return None
        self.error.hide()
        return cfg

    def save(self) -> None:
        cfg = self.validate()
        if cfg is None:
            return
        try:
            # only the keys changed here go to the file: nothing else of the system file is copied into it
            config_mod.save_changes(self.cfg, cfg, self.path)
        except config_mod.ConfigError as e:
            self.error.setText(str(e))
            self.error.show()
            return
        except OSError as e:
            self.error.setText(self.tr("无法保存：") + str(e))
            self.error.show()
            return
        self.saved.emit(cfg, str(self.path))
        self.accept()
