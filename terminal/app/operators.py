"""Local operators (cashiers and supervisors) with hashed PINs, in a small SQLite file in cfg.data_dir.

PINs are hashed with scrypt and a per-operator random salt; the PIN itself is never stored or logged.
Repeated failures lock the operator for a while. Qt-free (the login dialog calls it).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from collections.abc import Iterator

from terminal.core.errors import UserFacingError

if TYPE_CHECKING:
    from terminal.config import Config

CASHIER = "cashier"
SUPERVISOR = "supervisor"
ROLES = (CASHIER, SUPERVISOR)
ROLE_NAMES = {CASHIER: "收费员", SUPERVISOR: "主管"}

MAX_FAILURES = 5
LOCK_SECONDS = 300

#: Seeded in training mode only (shown as a hint on the login dialog in training mode).
DEMO_OPERATORS = (("0001", "训练收费员", CASHIER, "1234"), ("9001", "训练主管", SUPERVISOR, "9999"))

_SCRYPT = dict(n=2 ** 14, r=8, p=1, dklen=32)


@dataclass(frozen=True)
class Operator:
    id: str
    name: str
    role: str

    @property
    def is_supervisor(self) -> bool:
        return self.role == SUPERVISOR

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)


class LoginError(UserFacingError):
    """Why a login was refused, in the cashier's words."""


def hash_pin(pin: str, salt: bytes) -> bytes:
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, **_SCRYPT)


class OperatorStore:
    def __init__(self, path: str | os.PathLike[str]):
        from terminal import fsperm

        self.path = Path(path)
        fsperm.private_dir(self.path.parent)
        with self._db() as db:
            fsperm.secure_sqlite(self.path)  # PIN hashes: 0600 (its -journal takes the main file's mode)
            db.execute("""CREATE TABLE IF NOT EXISTS operators (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
                salt BLOB NOT NULL, pin_hash BLOB NOT NULL, algo TEXT NOT NULL DEFAULT 'scrypt',
                active INTEGER NOT NULL DEFAULT 1, failures INTEGER NOT NULL DEFAULT 0,
                locked_until REAL NOT NULL DEFAULT 0, created REAL NOT NULL)""")

    @classmethod
    def for_config(cls, cfg: Config) -> OperatorStore:
        return cls(Path(cfg.data_dir) / "operators.sqlite")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A connection that commits when the block ends normally, rolls back otherwise, and closes."""
        db = sqlite3.connect(self.path, timeout=5)
        db.row_factory = sqlite3.Row
        try:
            with db:
                yield db
        finally:
            db.close()

    # administration --------------------------------------------------------------------------
    def add(self, op_id: str, name: str, role: str, pin: str, *, replace: bool = False) -> Operator:
        if not re.fullmatch(r"[0-9A-Za-z_-]{1,30}", op_id):
            raise ValueError("操作员编号应为 1-30 位字母或数字")
        if role not in ROLES:
            raise ValueError(f"角色应为 {' / '.join(ROLES)}")
        if not re.fullmatch(r"\d{4,12}", pin):
            raise ValueError("密码（PIN）应为 4-12 位数字")
        if not name.strip():
            raise ValueError("姓名不能为空")
        salt = os.urandom(16)
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        try:
            with self._db() as db:
                db.execute(f"{verb} INTO operators (id, name, role, salt, pin_hash, created) VALUES (?,?,?,?,?,?)",
                           (op_id, name.strip(), role, salt, hash_pin(pin, salt), time.time()))
        except sqlite3.IntegrityError:
            raise ValueError(f"操作员 {op_id} 已存在") from None
        return Operator(op_id, name.strip(), role)

    def all(self) -> list[Operator]:
        with self._db() as db:
            rows = db.execute("SELECT id, name, role FROM operators WHERE active=1 ORDER BY id").fetchall()
        return [Operator(r["id"], r["name"], r["role"]) for r in rows]

    def count(self) -> int:
        with self._db() as db:
            return int(db.execute("SELECT count(*) FROM operators").fetchone()[0])

    def seed_demo(self) -> None:
        """Training mode: the demo operators, when not there yet."""
        with self._db() as db:
            have = {r[0] for r in db.execute("SELECT id FROM operators")}
        for op_id, name, role, pin in DEMO_OPERATORS:
            if op_id not in have:
                self.add(op_id, name, role, pin)

    # login -----------------------------------------------------------------------------------------
    def verify(self, op_id: str, pin: str, *, role: str | None = None, now: float | None = None) -> Operator:
        """The operator when the PIN is right; LoginError otherwise (unknown id and wrong PIN look alike)."""
        now = time.time() if now is None else now
        problem = ""
        with self._db() as db:  # commits on leaving normally: raise only after it
            row = db.execute("SELECT * FROM operators WHERE id=?", (op_id.strip(),)).fetchone()
            if row is None or not row["active"]:
                hash_pin(pin, b"0" * 16)  # same cost as a real check: no timing oracle for ids
                problem = "操作员编号或密码错误"
            elif row["locked_until"] > now:
                mins = int((row["locked_until"] - now) // 60) + 1
                problem = f"连续输错次数过多，操作员已锁定，请 {mins} 分钟后再试或联系主管"
            elif not hmac.compare_digest(hash_pin(pin, row["salt"]), row["pin_hash"]):
                failures = row["failures"] + 1
                locked = now + LOCK_SECONDS if failures >= MAX_FAILURES else 0
                db.execute("UPDATE operators SET failures=?, locked_until=? WHERE id=?",
                           (0 if locked else failures, locked, row["id"]))
                problem = ("连续输错次数过多，操作员已锁定 5 分钟" if locked
                           else f"操作员编号或密码错误（还可尝试 {MAX_FAILURES - failures} 次）")
            else:
                db.execute("UPDATE operators SET failures=0, locked_until=0 WHERE id=?", (row["id"],))
        if problem:
            raise LoginError(problem)
        op = Operator(row["id"], row["name"], row["role"])
        if role and op.role != role:
            raise LoginError(f"需要{ROLE_NAMES.get(role, role)}授权，{op.name} 是{op.role_name}")
        return op
