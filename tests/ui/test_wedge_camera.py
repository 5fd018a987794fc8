"""Camera scanning without a camera: FrameSource feeds frames through the same worker pipeline
(terminal/ui/camera.py) that camera frames take.  (File named test_wedge_* by the test-layout rules:
it is the other scanner input path.)"""
from __future__ import annotations

import os
import random
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QImage

from drivers.scanner.decode import FrameDecoder
from drivers.scanner.qrimage import make_qr_image
from drivers.scanner.synth import make_frame
from terminal.ui import camera
from terminal.ui.camera import CameraScanDialog, FrameSource, ScanPipeline, qimage_to_gray

PAY = "134567890123456789"


def blank(level: int = 120) -> np.ndarray:
    return np.full((480, 640), level, np.uint8)


@pytest.fixture
def ecode_frame():
    return make_frame(random.Random(42), hard=False)


def qr_only() -> FrameDecoder:
    return FrameDecoder("zbar", symbologies=("QRCODE",))


def test_frames_are_decoded_off_the_ui_thread_rate_limited_and_it_stops_after_a_hit(qtbot, ecode_frame):
    pipe = ScanPipeline(qr_only(), max_fps=10)
    # 100 fps offered, at most 10 decoded; 3 s of code frames, so a worker slowed by a loaded machine on the blank
    # frames still meets one (a CI run offered 0.3 s of them while the first blank was being decoded)
    frames = [blank()] * 6 + [ecode_frame.gray] * 300
    src = FrameSource(frames, pipe, fps=100)
    reports = []
    pipe.frame_done.connect(reports.append)
    with qtbot.waitSignal(pipe.decoded, timeout=10000) as sig:
        src.start()
    assert sig.args == [ecode_frame.ecode]
    assert not pipe.running
    qtbot.waitUntil(lambda: not src.active, timeout=1000)        # the source stops with the pipeline
    assert pipe.dropped > 0 and pipe.processed >= 1
    assert pipe.offered == pipe.dropped + pipe.processed + (1 if pipe.busy else 0)
    assert threading.get_ident() not in pipe.worker_threads       # decoding ran on a worker thread
    sent = src.sent
    qtbot.wait(100)
    assert src.sent == sent                                       # nothing is fed after the hit
    assert reports and reports[-1].results and reports[-1].path == "plain"
    pipe.shutdown()


def test_rate_limit_with_a_fake_clock(qtbot, ecode_frame):
    now = [0.0]
    pipe = ScanPipeline(qr_only(), max_fps=10, clock=lambda: now[0])
    pipe.start()
    assert pipe.offer(blank())
    assert not pipe.offer(blank())                               # busy
    qtbot.waitUntil(lambda: not pipe.busy, timeout=5000)
    assert not pipe.offer(blank())                               # too soon (< 100 ms)
    now[0] = 0.2
    assert pipe.offer(lambda: blank())                           # callables are only called when taken
    qtbot.waitUntil(lambda: not pipe.busy, timeout=5000)
    assert pipe.processed == 2 and pipe.dropped == 2
    pipe.shutdown()


def test_only_ecodes_are_hits_when_asked_and_other_codes_are_reported(qtbot, ecode_frame):
    pay = Image.new("L", (640, 480), 200)
    pay.paste(make_qr_image(PAY, 160), (100, 100))
    pipe = ScanPipeline(qr_only(), max_fps=50, accept=lambda r: r.classify().is_ecode)
    ignored = []
    pipe.ignored.connect(ignored.append)
    src = FrameSource([np.asarray(pay)] * 5 + [ecode_frame.gray] * 5, pipe, fps=25)
    with qtbot.waitSignal(pipe.decoded, timeout=10000) as sig:
        src.start()
    assert sig.args == [ecode_frame.ecode]
    assert ignored and ignored[0].text == PAY
    assert "支付码" in ignored[0].classify().message
    pipe.shutdown()


def test_frame_types_and_qimage_conversion(qtbot, ecode_frame):
    g = ecode_frame.gray
    qimg = QImage(g.data, g.shape[1], g.shape[0], g.shape[1], QImage.Format.Format_Grayscale8).copy()
    assert (qimage_to_gray(qimg) == g).all()
    rgb32 = qimg.convertToFormat(QImage.Format.Format_RGB32)      # what cameras deliver (padded rows, BGRA)
    assert np.abs(qimage_to_gray(rgb32).astype(int) - g).max() <= 1
    odd = QImage(101, 7, QImage.Format.Format_Grayscale8)         # row padding to 4 bytes
    odd.fill(77)
    assert qimage_to_gray(odd).shape == (7, 101) and (qimage_to_gray(odd) == 77).all()
    pipe = ScanPipeline(qr_only(), max_fps=0)
    got = []
    pipe.decoded.connect(got.append)
    pipe.stop_on_hit = False
    pipe.start()
    for frame in (rgb32, Image.fromarray(g), np.dstack([g, g, g])):
        assert pipe.offer(frame)
        qtbot.waitUntil(lambda: not pipe.busy, timeout=5000)
    assert got == [ecode_frame.ecode] * 3
    pipe.shutdown()


def test_decoder_errors_are_reported_not_raised(qtbot):
    class Broken:
        def decode(self, frame):
            raise RuntimeError("decoder exploded")

    pipe = ScanPipeline(Broken(), max_fps=0)
    pipe.start()
    with qtbot.waitSignal(pipe.error, timeout=5000) as sig:
        pipe.offer(blank())
    assert "exploded" in sig.args[0] and pipe.running and not pipe.busy
    pipe.shutdown()


def test_camera_dialog_with_a_fake_source(qtbot, ecode_frame):
    pay = Image.new("L", (640, 480), 200)
    pay.paste(make_qr_image(PAY, 160), (100, 100))
    frames = [blank()] * 3 + [np.asarray(pay)] * 3 + [ecode_frame.gray] * 20
    dlg = CameraScanDialog(source_factory=lambda pipe: FrameSource(frames, pipe, fps=30))
    qtbot.addWidget(dlg)
    statuses = []
    dlg.pipeline.ignored.connect(lambda r: statuses.append(dlg.status.text()))
    with qtbot.waitSignal(dlg.scanned, timeout=10000) as sig:
        dlg.open()
    assert sig.args == [ecode_frame.ecode]
    assert dlg.result() == CameraScanDialog.DialogCode.Accepted and not dlg.isVisible()
    assert not dlg.preview.pixmap().isNull()
    assert statuses and "支付码" in statuses[0]
    dlg.pipeline.shutdown()


def test_without_qtmultimedia_there_is_no_camera_but_the_dialog_explains(qtbot, monkeypatch):
    monkeypatch.setattr(camera, "HAVE_QTMULTIMEDIA", False)
    assert camera.camera_available() is False
    with pytest.raises(RuntimeError, match="PySide6-Addons"):
        camera.CameraSource(ScanPipeline(qr_only()))
    dlg = CameraScanDialog()
    qtbot.addWidget(dlg)
    assert dlg.source is None and "PySide6-Addons" in dlg.status.text()
    dlg.open()
    dlg.reject()


@pytest.mark.skipif(not camera.HAVE_QTMULTIMEDIA, reason="QtMultimedia (PySide6-Addons) not installed")
def test_camera_available_is_a_bool_with_qtmultimedia():
    assert isinstance(camera.camera_available(), bool)
