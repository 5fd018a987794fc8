"""A virtual card in a vpcd reader (vsmartcard): connected = card inserted, disconnected = card removed.

vpcd (the pcscd driver of vsmartcard-vpcd) listens on TCP 35963 for reader "Virtual PCD 00 00" and 35964
for "Virtual PCD 00 01". Every message in either direction is a 2-byte big-endian length and a payload.
A 1-byte payload from vpcd is a control: 00 power off, 01 power on, 02 reset (no answer), 04 get ATR
(answer: the ATR). Anything longer is a command APDU, answered with the response APDU. pcscd asks for the
ATR on every presence poll (about every 400 ms), which is how it notices a card coming and going.

    card = VirtualCard(profile_for("hainan-retiree")).insert()
    ...
    card.remove()
"""
from __future__ import annotations

import logging
import socket
import struct
import threading
import time

from .card import ApduProcessor
from .profiles import CardProfile

log = logging.getLogger(__name__)

VPCD_HOST = "127.0.0.1"
VPCD_PORT = 35963
VPCD_READERS = {35963: "Virtual PCD 00 00", 35964: "Virtual PCD 00 01"}

CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0x00, 0x01, 0x02, 0x04

_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


class VpcdUnavailable(ConnectionError):
    """vpcd does not accept connections (pcscd with vsmartcard-vpcd not running)."""


def reader_name_for_port(port: int) -> str:
    return VPCD_READERS.get(port, f"Virtual PCD 00 {port - VPCD_PORT:02d}")


class VirtualCard:
    """A virtual social security card served to vpcd from a background thread.

    insert() connects (the reader then reports a card), remove() disconnects. With reconnect=True a lost
    connection (pcscd restarted) is re-established until remove(): the card stays "in the reader".
    """

    def __init__(self, profile: CardProfile, host: str = VPCD_HOST, port: int = VPCD_PORT, *,
                 reconnect: bool = True, quickack: bool = True) -> None:
        self.profile = profile
        self.card = ApduProcessor(profile)
        self.host, self.port = host, port
        self.reconnect = reconnect
        self.quickack = quickack and _QUICKACK is not None  # off only to measure what it saves
        self._sock: socket.socket | None = None
        self._sock_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.seen = threading.Event()  # set when vpcd has asked for the ATR (pcscd knows the card)
        self.seen_at = 0.0  # time.monotonic() of that first ATR request after connecting
        self.connections = 0
        self.apdus = 0
        self.controls = 0

    @property
    def reader_name(self) -> str:
        return reader_name_for_port(self.port)

    @property
    def inserted(self) -> bool:
        return bool(self._thread and self._thread.is_alive() and not self._stop.is_set())

    # insert / remove -------------------------------------------------------------------------------
    def _connect(self) -> socket.socket:
        s = socket.create_connection((self.host, self.port), timeout=2.0)
        s.settimeout(None)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.quickack:
            s.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
        return s

    def insert(self, timeout: float = 5.0, wait_seen: bool = False) -> VirtualCard:
        """Connect to vpcd (retrying up to `timeout` s); optionally wait until pcscd has polled the card."""
        if self.inserted:
            return self
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = self._connect()
                break
            except OSError as e:
                if time.monotonic() >= deadline:
                    raise VpcdUnavailable(f"cannot connect to vpcd at {self.host}:{self.port}: {e}") from e
                time.sleep(0.05)
        self._stop.clear()
        self.seen.clear()
        self.card.power_off()
        with self._sock_lock:
            self._sock = sock
        self.connections += 1
        self._thread = threading.Thread(target=self._run, name=f"vicc-{self.profile.key}", daemon=True)
        self._thread.start()
        if wait_seen and not self.seen.wait(max(0.0, deadline - time.monotonic()) or 0.01):
            log.warning("vpcd did not poll the virtual card within %.1f s", timeout)
        return self

    def remove(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._close()
        t = self._thread
        if t and t is not threading.current_thread():
            t.join(timeout)
        self.card.power_off()

    def _close(self) -> None:
        with self._sock_lock:
            s, self._sock = self._sock, None
        if s is not None:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def __enter__(self) -> VirtualCard:
        return self.insert()

    def __exit__(self, *exc: object) -> None:
        self.remove()

    # serving ---------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            with self._sock_lock:
                sock = self._sock
            if sock is not None:
                try:
                    self._serve(sock)
                except OSError as e:
                    if not self._stop.is_set():
                        log.info("vpcd connection lost: %s", e)
            if self._stop.is_set() or not self.reconnect:
                break
            # vpcd went away (pcscd stopped or restarted): the card stays in, so reconnect.
            self._close()
            self.card.power_off()
            self.seen.clear()
            while not self._stop.is_set():
                try:
                    sock = self._connect()
                except OSError:
                    self._stop.wait(0.1)
                    continue
                with self._sock_lock:
                    if self._stop.is_set():
                        sock.close()
                        return
                    self._sock = sock
                self.connections += 1
                log.info("reconnected to vpcd at %s:%d", self.host, self.port)
                break

    def _recv_exact(self, sock: socket.socket, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            if self.quickack:  # Linux clears it after each ACK: set it before every recv
                sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
            chunk = sock.recv(n - len(buf))
            if not chunk:
                return b""
            buf += chunk
        return buf

    def _serve(self, sock: socket.socket) -> None:
        delay = self.profile.apdu_delay
        while not self._stop.is_set():
            head = self._recv_exact(sock, 2)
            if not head:
                return
            (size,) = struct.unpack(">H", head)
            msg = self._recv_exact(sock, size) if size else b""
            if size and not msg:
                return
            if size == 1:
                self.controls += 1
                ctrl = msg[0]
                if ctrl == CTRL_ATR:
                    if not self.seen.is_set():
                        self.seen_at = time.monotonic()
                        self.seen.set()
                    self._send(sock, self.card.atr)
                elif ctrl == CTRL_ON:
                    self.card.power_on()
                elif ctrl == CTRL_RESET:
                    self.card.reset()
                elif ctrl == CTRL_OFF:
                    self.card.power_off()
                else:
                    log.debug("unknown vpcd control %02X", ctrl)
                continue
            self.apdus += 1
            if delay and self._stop.wait(delay):
                return  # removed while "thinking"
            self._send(sock, self.card.process(msg))

    @staticmethod
    def _send(sock: socket.socket, payload: bytes) -> None:
        sock.sendall(struct.pack(">H", len(payload)) + payload)
