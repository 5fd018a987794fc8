"""The sandbox e-voucher (医保电子凭证) issuer and its ec.query service.

Per sandbox person, e-codes that expire (default 60 s, as the phone app refreshes them about every minute) and
are single-use for settlement (businessType 01301). The code is what the phone shows as a QR: "EC" + the
6-digit insured region + 48 base62 characters. ec.query exchanges a code for an ecToken (the mdtrt_cert_no of
type 01) and the person's identity, or answers the documented error shape {"code": 500159, "message": ...}.
"""
from __future__ import annotations

import secrets
import string
from datetime import datetime, timedelta
from typing import Any
from collections.abc import Callable

from terminal.core.protocol import ECODE_BUSINESS_TYPES

from .store import Store

ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
DEFAULT_TTL = timedelta(seconds=60)

NOT_ECODE = 500159
EXPIRED = 500160
USED = 500161
BAD_REQUEST = 500100

SCHEMA = """
CREATE TABLE IF NOT EXISTS ecodes (
    code TEXT PRIMARY KEY, person_key TEXT NOT NULL, issued TEXT NOT NULL, expires TEXT NOT NULL,
    used TEXT NOT NULL DEFAULT '', token TEXT NOT NULL DEFAULT '');
"""


#: business types that use a code up: a settlement (01301) and a pharmacy purchase (02121 药店购药); a
#: registration look-up (01101) does not
SINGLE_USE = frozenset({"01301", "02121"})


def _ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")


class EcodeIssuer:
    def __init__(self, store: Store, persons: dict[str, dict[str, Any]], issue_token: Callable[[str], str],
                 clock: Callable[[], datetime] = datetime.now, ttl: timedelta = DEFAULT_TTL):
        self.store, self.persons, self.issue_token = store, persons, issue_token
        self.clock, self.ttl = clock, ttl
        with store.lock:
            store.conn.executescript(SCHEMA)

    def issue(self, person_key: str, ttl: timedelta | None = None) -> tuple[str, datetime]:
        person = self.persons.get(person_key)
        if person is None:
            raise KeyError(f"unknown sandbox person {person_key!r}")
        region = person["insuinfo"][0]["insuplc_admdvs"]
        code = "EC" + region + "".join(secrets.choice(ALPHABET) for _ in range(48))
        now = self.clock()
        expires = now + (ttl if ttl is not None else self.ttl)
        with self.store.tx() as conn:
            conn.execute("INSERT INTO ecodes (code, person_key, issued, expires) VALUES (?, ?, ?, ?)",
                         (code, person_key, _ts(now), _ts(expires)))
        return code, expires

    def query(self, body: Any) -> dict[str, Any]:
        """The ec.query service: request per the protocol doc -> {code, message, data}."""
        if not isinstance(body, dict) or body.get("transType") != "ec.query" or not isinstance(body.get("data"), dict):
            return {"code": BAD_REQUEST, "message": "请求格式错误：需要 transType=ec.query 与 data"}
        d = body["data"]
        btype = str(d.get("businessType") or "")
        if btype not in ECODE_BUSINESS_TYPES:
            return {"code": BAD_REQUEST, "message": f"未知的业务类型 businessType={btype!r}"}
        code = str(d.get("ecQrCode") or "").strip()
        with self.store.lock:  # an RLock: the check, the token and the "used" mark are one step
            rows = self.store.read("SELECT * FROM ecodes WHERE code = ?", (code,))
            if not rows:
                return {"code": NOT_ECODE, "message": "请使用医保电子凭证二维码"}
            row = rows[0]
            now = self.clock()
            if _ts(now) > row["expires"]:
                return {"code": EXPIRED, "message": "医保电子凭证二维码已过期，请刷新后重新出示"}
            if row["used"] and btype in SINGLE_USE:
                return {"code": USED, "message": "医保电子凭证二维码已使用，请刷新后重新出示"}
            token = row["token"] or self.issue_token(row["person_key"])
            with self.store.tx() as conn:
                conn.execute("UPDATE ecodes SET used = ?, token = ? WHERE code = ?",
                             (_ts(now) if btype in SINGLE_USE else row["used"], token, code))
        p = self.persons[row["person_key"]]
        return {"code": 0, "message": "成功", "data": {
            "idNo": p["certno"], "idType": "01", "userName": p["psn_name"], "ecToken": token,
            "insuOrg": p["insuinfo"][0]["insuplc_admdvs"], "ecIndexNo": secrets.token_hex(16),
            "gender": p.get("gend", ""), "birthday": p.get("brdy", ""), "nationality": "CHN", "email": "",
            "phone": ""}}
