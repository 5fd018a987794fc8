"""Camera scanning: frames in, e-code out, decoded off the UI thread.

* :class:`ScanPipeline` takes frames (numpy arrays, PIL images, QImages, or a callable producing one), decodes
  at most ``max_fps`` of them per second on a worker thread (QThreadPool) with a
  :class:`drivers.scanner.decode.CodeScanner`, drops frames that arrive while a decode is running or too soon,
  and after the first hit stops and emits ``decoded(str)`` (the e-code if the frame holds one, else the first
  code: the cashier is then told what the patient showed instead).
* :class:`CameraSource` feeds it from a real camera (QtMultimedia, from PySide6-Addons: optional, the import is
  guarded; :func:`camera_available`).
* :class:`FrameSource` is a fake camera that plays given frames through the *same* pipeline (tests, demos).
* :class:`CameraScanDialog` is what the cashier sees: preview, status, cancel; emits ``scanned(str)``.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
from PIL import Image
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from drivers.scanner.classify import DEFAULT_RULES, ClassifyRules
from drivers.scanner.decode import (CAMERA_BUDGET_MS, CodeScanner, FrameDecoder, ScanReport, ScanResult,
                                    StreamDecoder, pick_ecode, want_ecode)
from drivers.scanner.preprocess import to_gray

try:  # PySide6-Addons
    from PySide6.QtMultimedia import QCamera, QMediaCaptureSession, QMediaDevices, QVideoFrame, QVideoSink
    HAVE_QTMULTIMEDIA = True
except ImportError:  # PySide6-Essentials only
    HAVE_QTMULTIMEDIA = False

__all__ = ["camera_available", "qimage_to_gray", "ScanPipeline", "FrameSource", "CameraSource",
           "CameraScanDialog", "HAVE_QTMULTIMEDIA"]

log = logging.getLogger(__name__)


def camera_available() -> bool:
    """QtMultimedia is installed and at least one camera is attached."""
    if not HAVE_QTMULTIMEDIA:
        return False
    try:
        return bool(QMediaDevices.videoInputs())
    except Exception:  # no multimedia backend on this machine
        return False


def qimage_to_gray(img: QImage) -> np.ndarray:
    """QImage → ``uint8 (h, w)`` grey array (a copy; safe to use on any thread)."""
    g = img.convertToFormat(QImage.Format.Format_Grayscale8)
    w, h, bpl = g.width(), g.height(), g.bytesPerLine()
    buf = np.frombuffer(g.constBits(), np.uint8, count=bpl * h)
    return buf.reshape(h, bpl)[:, :w].copy()


def _gray_of(frame: Any) -> np.ndarray:
    if isinstance(frame, QImage):
        return qimage_to_gray(frame)
    return to_gray(frame)


def default_camera_scanner(budget_ms: float | None = CAMERA_BUDGET_MS, stages_per_frame: int = 1
                           ) -> StreamDecoder:
    """The camera pipeline's decoder: QR only (e-codes are QR; 1D decoding would only cost time); the fast path
    on every frame and one fallback stage per frame within *budget_ms*, the next frame the next stage."""
    return StreamDecoder("auto", budget_ms=budget_ms, stages_per_frame=stages_per_frame, symbologies=("QRCODE",))


# --- the worker pipeline ------------------------------------------------------------------------------------------
class _Relay(QObject):
    """Lives on the UI thread; workers emit through it, so slots run on the UI thread.

    No None is ever sent through it: PySide6 6.12.0 on Python 3.11 drops a reference to None for every
    queued delivery of a None ``object`` argument (as for every call of a void Qt method), and None's
    reference count running out aborts the interpreter ("none_dealloc")."""

    ok = Signal(int, object, object)        # seq, ScanReport, worker thread ident
    failed = Signal(int, str, object)       # seq, error message, worker thread ident


class _DecodeJob(QRunnable):
    def __init__(self, seq: int, frame: Any, scan: Callable[[Any], ScanReport], relay: _Relay):
        super().__init__()
        self.setAutoDelete(True)
        self.seq, self.frame, self.scan, self.relay = seq, frame, scan, relay

    def run(self) -> None:  # worker thread: never touch a widget here
        thread = threading.get_ident()
        try:
            report = self.scan(_gray_of(self.frame))
        except Exception as e:  # reported on the UI thread
            self.relay.failed.emit(self.seq, f"{type(e).__name__}: {e}", thread)
        else:
            self.relay.ok.emit(self.seq, report, thread)


class ScanPipeline(QObject):
    """Rate-limited, frame-dropping decoder of a stream of frames.

    A frame's *chosen* code is its e-code if it has one, else its first code.  ``accept(result) -> bool``
    decides whether that is a hit (default: any code); a code that is not is reported by ``ignored`` and
    scanning goes on (the dialog accepts only e-codes and shows what else the patient held up).

    Signals: ``decoded(str)`` the chosen code of the first frame with a hit; ``results(object)`` that frame's
    ``list[ScanResult]``; ``ignored(object)`` a chosen ScanResult that ``accept`` refused;
    ``frame_done(object)`` the :class:`ScanReport` of every decoded frame; ``error(str)``;
    ``started()`` / ``stopped()``.
    """

    decoded = Signal(str)
    results = Signal(object)
    ignored = Signal(object)
    frame_done = Signal(object)
    error = Signal(str)
    started = Signal()
    stopped = Signal()

    def __init__(self, scanner: CodeScanner | None = None, parent: QObject | None = None, *,
                 max_fps: float = 10.0, stop_on_hit: bool = True, prefer_ecode: bool = True,
                 accept: Callable[[ScanResult], bool] | None = None, rules: ClassifyRules = DEFAULT_RULES,
                 clock: Callable[[], float] = time.monotonic, budget_ms: float | None = CAMERA_BUDGET_MS,
                 stages_per_frame: int = 1):
        super().__init__(parent)
        self.accept = accept
        # budget_ms / stages_per_frame: the default scanner's per-frame fallback budget (see StreamDecoder)
        self.scanner = scanner if scanner is not None else default_camera_scanner(budget_ms, stages_per_frame)
        self.min_interval = 1.0 / max_fps if max_fps > 0 else 0.0
        self.stop_on_hit = stop_on_hit
        self.rules = rules
        self._until = want_ecode(rules) if prefer_ecode else None
        self._clock = clock
        self._pool = QThreadPool()          # its own pool: camera work never queues behind settlements
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay()              # not parented: outlives us while a job may still emit
        self._relay.ok.connect(self._on_done)
        self._relay.failed.connect(self._on_failed)
        self._running = False
        self._busy = False
        self._seq = 0
        self._last_start = -1e9
        self.offered = 0
        self.dropped = 0
        self.processed = 0
        self.worker_threads: set[int] = set()   # idents of the threads that decoded (tests: not the UI's)

    # --- control ----------------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running

    @property
    def busy(self) -> bool:
        return self._busy

    def start(self) -> None:
        if not self._running:
            self._running = True
            if isinstance(self.scanner, StreamDecoder):
                self.scanner.reset()
            self.started.emit()

    def stop(self) -> None:
        if self._running:
            self._running = False
            self.stopped.emit()

    def shutdown(self, wait_ms: int = 2000) -> bool:
        """Stop and wait for a decode in flight (its result is dropped)."""
        self.stop()
        return self._pool.waitForDone(wait_ms)

    # --- frames -----------------------------------------------------------------------------------------------
    def wants_frame(self) -> bool:
        """Would a frame offered now be decoded?  (Lets a camera skip converting frames that would be dropped.)"""
        return self._running and not self._busy and self._clock() - self._last_start >= self.min_interval

    def offer(self, frame: Any) -> bool:
        """Offer a frame (array, PIL image, QImage, path, or a callable returning one: called only if the frame
        is taken).  Returns False when it was dropped."""
        self.offered += 1
        if not self.wants_frame():
            self.dropped += 1
            return False
        if callable(frame):
            frame = frame()
        if isinstance(frame, QImage):
            frame = frame.copy()            # detach from a buffer the camera may reuse
        self._busy = True
        self._last_start = self._clock()
        self._seq += 1
        scanner = self.scanner
        until = self._until

        def scan(gray: np.ndarray) -> ScanReport:
            if isinstance(scanner, (FrameDecoder, StreamDecoder)):
                return scanner.scan(gray, until=until)
            t = time.perf_counter()
            res = scanner.decode(gray)
            return ScanReport(list(res), res[0].path if res else None, ["decode"],
                              (time.perf_counter() - t) * 1000, type(scanner).__name__)

        self._pool.start(_DecodeJob(self._seq, frame, scan, self._relay))
        return True

    def _on_failed(self, seq: int, message: str, thread: int) -> None:
        self._busy = False
        self.processed += 1
        self.worker_threads.add(thread)
        log.warning("camera frame decode failed: %s", message)
        self.error.emit(message)

    def _on_done(self, seq: int, report: ScanReport, thread: int) -> None:
        self._busy = False
        self.processed += 1
        self.worker_threads.add(thread)
        self.frame_done.emit(report)
        if not self._running or not report.results:
            return
        chosen = pick_ecode(report.results, self.rules) or report.results[0]
        if self.accept is not None and not self.accept(chosen):
            self.ignored.emit(chosen)
            return
        if self.stop_on_hit:
            self.stop()
        self.results.emit(report.results)
        self.decoded.emit(chosen.text)


# --- frame sources --------------------------------------------------------------------------------------------
class FrameSource(QObject):
    """A fake camera: plays *frames* at *fps* into a :class:`ScanPipeline` (the same path camera frames take).
    Stops when the frames run out (unless ``loop``) or when the pipeline stops (after a hit)."""

    preview = Signal(QImage)
    finished = Signal()

    def __init__(self, frames: Iterable[Any], pipeline: ScanPipeline, *, fps: float = 30.0, loop: bool = False,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._frames = list(frames)
        self.pipeline = pipeline
        self.loop = loop
        self._it: Iterator[Any] = iter(())
        self._timer = QTimer(self)
        self._timer.setInterval(max(1, int(round(1000.0 / fps))))
        self._timer.timeout.connect(self._tick)
        pipeline.stopped.connect(self.stop)
        self.sent = 0

    def start(self) -> None:
        self._it = iter(self._frames)
        self.pipeline.start()
        self._timer.start()

    def stop(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.finished.emit()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def _tick(self) -> None:
        try:
            frame = next(self._it)
        except StopIteration:
            if self.loop and self._frames:
                self._it = iter(self._frames)
                frame = next(self._it)
            else:
                self.stop()
                return
        self.sent += 1
        img = _to_qimage(frame)
        if img is not None:
            self.preview.emit(img)
        self.pipeline.offer(frame)


def _to_qimage(frame: Any) -> QImage | None:
    if isinstance(frame, QImage):
        return frame
    try:
        g = to_gray(frame) if not isinstance(frame, Image.Image) else np.asarray(frame.convert("L"))
    except Exception:  # preview only
        return None
    g = np.ascontiguousarray(g)
    h, w = g.shape
    return QImage(g.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


class CameraSource(QObject):
    """Frames from a real camera (QtMultimedia) into a :class:`ScanPipeline`; ``preview(QImage)`` at
    ``preview_fps`` for the dialog.  Raises RuntimeError when QtMultimedia or a camera is missing."""

    preview = Signal(QImage)
    error = Signal(str)

    def __init__(self, pipeline: ScanPipeline, device: Any = None, *, preview_fps: float = 15.0,
                 parent: QObject | None = None):
        super().__init__(parent)
        if not HAVE_QTMULTIMEDIA:
            raise RuntimeError("摄像头扫码需要 PySide6-Addons（QtMultimedia）")
        device = device if device is not None else QMediaDevices.defaultVideoInput()
        if device is None or device.isNull():
            raise RuntimeError("未检测到摄像头")
        self.pipeline = pipeline
        self.camera = QCamera(device, self)
        self.session = QMediaCaptureSession(self)
        self.sink = QVideoSink(self)
        self.session.setCamera(self.camera)
        self.session.setVideoSink(self.sink)
        self.sink.videoFrameChanged.connect(self._on_frame)
        self.camera.errorOccurred.connect(lambda _e, msg: self.error.emit(msg or "摄像头错误"))
        self._preview_interval = 1.0 / preview_fps if preview_fps > 0 else 1e9
        self._last_preview = 0.0
        pipeline.stopped.connect(self.stop)

    def start(self) -> None:
        self.pipeline.start()
        self.camera.start()

    def stop(self) -> None:
        self.camera.stop()

    def _on_frame(self, frame: QVideoFrame) -> None:
        now = time.monotonic()
        want_preview = now - self._last_preview >= self._preview_interval
        if not (want_preview or self.pipeline.wants_frame()):
            self.pipeline.offered += 1
            self.pipeline.dropped += 1
            return
        img = frame.toImage()           # UI thread: QVideoFrame mapping is not for worker threads
        if img.isNull():
            return
        if want_preview:
            self._last_preview = now
            self.preview.emit(img)
        self.pipeline.offer(img)


# --- the dialog -----------------------------------------------------------------------------------------------
class CameraScanDialog(QDialog):
    """Scan the patient's e-code with the camera.  Emits ``scanned(str)`` (alias ``decoded``) and closes on
    the first hit.  *source_factory(pipeline) -> source* replaces the camera (tests, demos)."""

    scanned = Signal(str)
    decoded = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, pipeline: ScanPipeline | None = None,
                 source_factory: Callable[[ScanPipeline], Any] | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("摄像头扫码"))
        self.setObjectName("cameraScanDialog")
        self.pipeline = pipeline or ScanPipeline(parent=self, accept=lambda r: r.classify().is_ecode)
        self.pipeline.decoded.connect(self._hit)
        self.pipeline.ignored.connect(self._not_ecode)
        self.preview = QLabel(self)
        self.preview.setMinimumSize(480, 360)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status = QLabel(self.tr("请患者将医保码（医保电子凭证）对准摄像头"), self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.preview, 1)
        lay.addWidget(self.status)
        lay.addWidget(buttons)
        self.source: Any = None
        try:
            if source_factory is not None:
                self.source = source_factory(self.pipeline)
            else:
                self.source = CameraSource(self.pipeline, parent=self)
        except RuntimeError as e:
            self.status.setText(str(e))
            self.preview.setText(self.tr("摄像头不可用"))
        if self.source is not None:
            if hasattr(self.source, "preview"):
                self.source.preview.connect(self._show)
            if hasattr(self.source, "error"):
                self.source.error.connect(self.status.setText)
        self.finished.connect(self._stop)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.source is not None and not self.pipeline.running:
            self.source.start()

    def _show(self, img: QImage) -> None:
        self.preview.setPixmap(QPixmap.fromImage(img).scaled(
            self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation))

    def _not_ecode(self, result: ScanResult) -> None:
        self.status.setText(result.classify().message)

    def _hit(self, text: str) -> None:
        self.scanned.emit(text)
        self.decoded.emit(text)
        self.accept()

    def _stop(self, *_a) -> None:
        if self.source is not None:
            self.source.stop()
        self.pipeline.stop()
