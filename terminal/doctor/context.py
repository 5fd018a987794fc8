"""What the checks share during one doctor run: the configuration, the training sandbox (started once, when a
check needs the platform), the sign-in's timings (for the clock check) and the Qt probe's answer."""
from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)


class Context:
    def __init__(self, config_path: str | None = None, *, timeout: float | None = None):
        self.config_path = config_path
        self.timeout = timeout
        self.cfg: Any = None
        self.config_error: Exception | None = None
        self.sandbox: Any = None
        self._sandbox_lock = threading.Lock()
        self.signin: dict[str, Any] = {}
        self.qt_probe: dict[str, Any] | None = None
        self.qt_lock = threading.Lock()

    @property
    def training(self) -> bool:
        return bool(self.cfg is not None and self.cfg.training)

    def base_url(self) -> str:
        """The platform URL the checks talk to (starts the training sandbox when configured)."""
        if not self.training:
            return self.cfg.backend.url
        with self._sandbox_lock:
            if self.sandbox is None:
                from terminal.app import start_sandbox

                self.sandbox = start_sandbox(self.cfg)
            return self.sandbox.url

    def close(self) -> None:
        if self.sandbox is not None:
            try:
                self.sandbox.stop()
            except Exception:
                log.exception("stopping the sandbox")
            self.sandbox = None

    def limit(self, seconds: float) -> float:
        return min(seconds, self.timeout) if self.timeout else seconds

