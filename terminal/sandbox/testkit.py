"""A deliberately small client for the sandbox platform, for its tests, demos and benchmarks.

Not the terminal's client (terminal.backend is): it sends exactly what it is told, so tests can also send
what a correct client never would (bad envelopes, repeated msgids, wrong sums).
"""
from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import requests

from terminal.core import wire
from terminal.core.money import money
from terminal.core.protocol import SINGLE_ENDPOINT, TRANSACTION_PATHS

from .policy import Policies

_seq = itertools.count(1)
_seq_lock = threading.Lock()


class Refused(Exception):
    """infcode -1."""

    def __init__(self, answer: dict[str, Any]):
        super().__init__(answer.get("err_msg"))
        self.answer = answer
        self.err_msg = str(answer.get("err_msg") or "")


@dataclass
class OpenVisit:
    person_key: str
    psn_no: str
    insutype: str
    insuplc: str
    mdtrt_id: str
    med_type: str
    chrg_bchno: str
    total: Decimal
    results: list[dict[str, Any]] = field(default_factory=list)
    feedetail: list[dict[str, Any]] = field(default_factory=list)


class SandboxClient:
    def __init__(self, url: str, fixmedins_code: str = "H45010000001", *, style: str = "single",
                 session: requests.Session | None = None, timeout: float = 10.0, policies: Policies | None = None,
                 verify: Any = True):
        self.url = url.rstrip("/")
        self.policies = policies or Policies()
        self.code = fixmedins_code
        fac = self.policies.facilities.get(fixmedins_code, {})
        self.area = fac.get("admdvs", "450100")
        self.name = fac.get("fixmedins_name", "")
        self.style = style
        self.session = session or requests.Session()
        self.session.trust_env = False
        self.session.verify = verify
        self.timeout = timeout
        self.sign_no = ""

    def close(self) -> None:
        self.session.close()

    # messages ------------------------------------------------------------------------------------
    def msgid(self) -> str:
        with _seq_lock:
            n = next(_seq)
        return f"{self.code}{datetime.now():%Y%m%d%H%M%S}{n % 10000:04d}"

    def envelope(self, infno: str, input_: dict[str, Any], insuplc: str = "", msgid: str | None = None,
                 **overrides: Any) -> dict[str, Any]:
        env = {"infno": infno, "msgid": msgid or self.msgid(), "mdtrtarea_admvs": self.area,
               "insuplc_admdvs": insuplc, "recer_sys_code": "YBXT", "dev_no": "", "dev_safe_info": "", "cainfo": "",
               "signtype": "", "infver": "V1.0", "opter_type": "1", "opter": "0001", "opter_name": "收费员",
               "inf_time": f"{datetime.now():%Y-%m-%d %H:%M:%S}", "fixmedins_code": self.code,
               "fixmedins_name": self.name, "sign_no": self.sign_no, "input": input_}
        env.update(overrides)
        return env

    def url_for(self, infno: str, style: str | None = None) -> str:
        if (style or self.style) == "single":
            return self.url + SINGLE_ENDPOINT
        return self.url + (TRANSACTION_PATHS.get(infno) or TRANSACTION_PATHS[infno[:4]])

    def post_env(self, env: dict[str, Any], *, style: str | None = None, headers: dict[str, str] | None = None,
                 timeout: Any = None, infno: str | None = None) -> requests.Response:
        return self.session.post(self.url_for(infno or env["infno"], style), data=wire.dumps(env).encode("utf-8"),
                                 headers={"Content-Type": "application/json;charset=utf-8", **(headers or {})},
                                 timeout=timeout or self.timeout)

    def post(self, infno: str, input_: dict[str, Any], insuplc: str = "", msgid: str | None = None, *,
             style: str | None = None, headers: dict[str, str] | None = None, timeout: Any = None,
             **overrides: Any) -> requests.Response:
        return self.post_env(self.envelope(infno, input_, insuplc, msgid, **overrides), style=style,
                             headers=headers, timeout=timeout)

    def call(self, infno: str, input_: dict[str, Any], insuplc: str = "", msgid: str | None = None,
             **kw: Any) -> dict[str, Any]:
        r = self.post(infno, input_, insuplc, msgid, **kw)
        r.raise_for_status()
        return wire.loads(r.content)

    def ok(self, infno: str, input_: dict[str, Any], insuplc: str = "", msgid: str | None = None,
           **kw: Any) -> dict[str, Any]:
        a = self.call(infno, input_, insuplc, msgid, **kw)
        if a.get("infcode") != 0:
            raise Refused(a)
        return a["output"]

    # transactions --------------------------------------------------------------------------------
    def sign_in(self, opter: str = "0001") -> str:
        self.sign_no = ""
        out = self.ok("9001", {"signIn": {"opter_no": opter, "mac": "00:11:22:33:44:55", "ip": "127.0.0.1"}})
        self.sign_no = out["signinoutb"]["sign_no"]
        return self.sign_no

    def person_info(self, cert_type: str, cert_no: str, card_sn: str = "") -> dict[str, Any]:
        return self.ok("1101", {"data": {"mdtrt_cert_type": cert_type, "mdtrt_cert_no": cert_no, "card_sn": card_sn,
                                         "begntime": f"{datetime.now():%Y-%m-%d %H:%M:%S}", "psn_cert_type": "",
                                         "certno": "", "psn_name": ""}})

    def fee_lines(self, visit_psn: str, mdtrt_id: str, items: list[tuple[str, Any, Any]], bch: str,
                  start: int = 1) -> list[dict[str, Any]]:
        lines = []
        for n, (code, pric, cnt) in enumerate(items, start):
            pric, cnt = Decimal(str(pric)), Decimal(str(cnt))
            item = self.policies.catalogue_item(self.area, code)
            lines.append({"feedetl_sn": f"{bch}{n:04d}", "mdtrt_id": mdtrt_id, "psn_no": visit_psn,
                          "chrg_bchno": bch, "rxno": "", "fee_ocur_time": f"{datetime.now():%Y-%m-%d %H:%M:%S}",
                          "med_list_codg": code, "medins_list_codg": item.medins_list_codg if item else "",
                          "det_item_fee_sumamt": money(pric * cnt), "cnt": cnt, "pric": pric,
                          "bilg_dept_codg": "A03", "bilg_dr_codg": "D0001", "hosp_appr_flag": "1",
                          "med_list_name": item.name if item else f"目录外项目{code}"})
        return lines

    def open_visit(self, person_key: str, items: list[tuple[str, Any, Any]], *, insutype: str | None = None,
                   med_type: str | None = None, bch: str = "B001",
                   dise: tuple[str, str] = ("H25.9", "老年性白内障")) -> OpenVisit:
        """2201 + 2203 + 2204 for a sandbox person; items are (national code, price, quantity)."""
        p = self.policies.persons[person_key]
        ins = next(i for i in p["insuinfo"] if insutype in (None, i["insutype"]))
        insuplc = ins["insuplc_admdvs"]
        med_type = med_type or ("41" if self.code.startswith("P") else "11")
        reg = self.ok("2201", {"data": {"psn_no": p["psn_no"], "insutype": ins["insutype"],
                                        "begntime": f"{datetime.now():%Y-%m-%d %H:%M:%S}", "mdtrt_cert_type": "02",
                                        "mdtrt_cert_no": p["certno"], "ipt_otp_no": f"MZ{self.msgid()[-8:]}",
                                        "atddr_no": "D0001", "dr_name": "王医生", "dept_code": "A03",
                                        "dept_name": "内科", "caty": "A03"}}, insuplc)
        mdtrt_id = reg["data"]["mdtrt_id"]
        self.ok("2203", {"mdtrtinfo": {"mdtrt_id": mdtrt_id, "psn_no": p["psn_no"], "med_type": med_type,
                                       "begntime": f"{datetime.now():%Y-%m-%d %H:%M:%S}", "dise_codg": dise[0],
                                       "dise_name": dise[1]}, "diseinfo": []}, insuplc)
        lines = self.fee_lines(p["psn_no"], mdtrt_id, items, bch)
        out = self.ok("2204", {"feedetail": lines}, insuplc)
        total = money(sum((ln["det_item_fee_sumamt"] for ln in lines), Decimal(0)))
        return OpenVisit(person_key, p["psn_no"], ins["insutype"], insuplc, mdtrt_id, med_type, bch, total,
                         out["result"], lines)

    def setl_input(self, v: OpenVisit, acct: bool = True, **extra: Any) -> dict[str, Any]:
        p = self.policies.persons[v.person_key]
        return {"psn_no": v.psn_no, "mdtrt_cert_type": "02", "mdtrt_cert_no": p["certno"], "med_type": v.med_type,
                "medfee_sumamt": v.total, "psn_setlway": "01", "mdtrt_id": v.mdtrt_id, "chrg_bchno": v.chrg_bchno,
                "acct_used_flag": "1" if acct else "0", "insutype": v.insutype, **extra}

    def pre_settle(self, v: OpenVisit, acct: bool = True, **extra: Any) -> dict[str, Any]:
        return self.ok("2206", {"data": self.setl_input(v, acct, **extra)}, v.insuplc)

    def settle(self, v: OpenVisit, acct: bool = True, msgid: str | None = None, **extra: Any) -> dict[str, Any]:
        return self.ok("2207", {"data": self.setl_input(v, acct, invono="", **extra)}, v.insuplc, msgid)

    def cancel(self, v: OpenVisit, setl_id: str, msgid: str | None = None) -> dict[str, Any]:
        return self.ok("2208", {"data": {"setl_id": setl_id, "mdtrt_id": v.mdtrt_id, "psn_no": v.psn_no}},
                       v.insuplc, msgid)

    def reverse(self, psn_no: str, insuplc: str, omsgid: str, oinfno: str, msgid: str | None = None) -> dict[str, Any]:
        return self.ok("2601", {"data": {"psn_no": psn_no, "omsgid": omsgid, "oinfno": oinfno}}, insuplc, msgid)


def ticking_clock(start: datetime = datetime(2025, 6, 16, 10, 0, 0)) -> Callable[[], datetime]:
    """A clock that starts at a fixed moment and runs with real time: business dates (sign-in day, year,
    3201 dates) do not depend on when the tests run, and never cross midnight during a run."""
    t0 = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - t0)
