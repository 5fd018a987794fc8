"""Gateway signature headers (x-tif-*), one deployment style of the platform's API gateway."""
from __future__ import annotations

import hashlib
import secrets
import time


def tif_signature(timestamp: str, token: str, nonce: str) -> str:
    """Lowercase hex SHA-256 of UTF-8 (timestamp + token + nonce + timestamp)."""
    return hashlib.sha256(f"{timestamp}{token}{nonce}{timestamp}".encode()).hexdigest()


def gateway_headers(paasid: str, token: str, *, now: float | None = None, nonce: str | None = None) -> dict[str, str]:
    ts = str(int(time.time() if now is None else now))
    nonce = nonce or secrets.token_hex(16)
    return {
        "x-tif-paasid": paasid,
        "x-tif-timestamp": ts,
        "x-tif-nonce": nonce,
        "x-tif-signature": tif_signature(ts, token, nonce),
    }
