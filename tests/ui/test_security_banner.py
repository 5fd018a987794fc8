"""Issue 11 item 6 in the window: TLS verification switched off against a production platform (accepted by IT
with backend.insecure_tls_i_accept_the_risk) is a red banner that never goes away; the settings dialog refuses
the virtual card for a production platform, naming card.virtual. Real window, real sandbox over HTTP."""
from __future__ import annotations

from pathlib import Path

from terminal import config as config_mod

SHOTS = Path("/tmp/shots")


def red_share(widget) -> float:
    """The share of the widget's pixels that are strongly red (the banner's background)."""
    img = widget.grab().toImage()
    w, h = img.width(), img.height()
    red = total = 0
    for y in range(0, h, 2):
        for x in range(0, w, 4):
            c = img.pixelColor(x, y)
            total += 1
            red += c.red() > 170 and c.green() < 80 and c.blue() < 80
    return red / max(total, 1)


def test_tls_off_banner_in_red_on_the_cashier_window(make_desk, ui_cfg, sandbox, qtbot):
    from terminal.app.operators import CASHIER, OperatorStore

    # "production": the platform at a URL of its own (not the in-process sandbox, not declared training)
    ui_cfg.backend.url = sandbox.url
    ui_cfg.backend.verify_tls = False
    ui_cfg.backend.insecure_tls_i_accept_the_risk = True
    config_mod.validate(ui_cfg)  # accepted only because of the loud key
    assert ui_cfg.insecure_tls and not ui_cfg.training
    OperatorStore.for_config(ui_cfg).add("0001", "收费员甲", CASHIER, "1234")
    desk = make_desk(customer=False)
    banner = desk.window.tls_banner
    assert banner.isVisible() and "证书校验已关闭" in banner.text() and "verify_tls" in banner.text()
    assert not desk.window.banner.isVisible()  # not training
    assert red_share(banner) > 0.5
    desk.identify_by_id("local")  # it stays through the work
    assert banner.isVisible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert desk.window.grab().save(str(SHOTS / "tls_off.png"))


def test_no_tls_banner_in_training(desk):
    assert not desk.window.tls_banner.isVisible() and desk.window.banner.isVisible()


def test_settings_refuse_the_virtual_card_for_a_production_platform(qtbot, ui_cfg, tmp_path):
    from terminal.ui.settings import SettingsDialog

    path = tmp_path / "user.toml"
    dlg = SettingsDialog(ui_cfg, path)
    qtbot.addWidget(dlg)
    dlg.widgets["backend.url"].setText("https://fsi.example.org:8443/prefix")
    virtual = dlg.widgets["card.virtual"]
    virtual.setChecked(True)
    dlg.save()
    assert not path.exists()
    assert "card.virtual" in dlg.error.text() and "训练沙箱" in dlg.error.text()
    assert virtual.property("kind") == "invalid"
    virtual.setChecked(False)
    dlg.save()
    assert path.exists() and config_mod.load(path).backend.url == "https://fsi.example.org:8443/prefix"
