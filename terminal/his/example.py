"""An example HIS for `yibao-terminal demo`: when a patient is identified at the desk it pushes the bill "the
doctor ordered" for them over the real HTTP interface, as a hospital system would, so a newcomer sees the whole
flow (identify -> the bill appears -> F5 -> F9) with no typing."""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

import requests

log = logging.getLogger(__name__)

#: what the example doctor orders (sandbox catalogue codes)
ORDERS: list[dict[str, Any]] = [
    {"hosp_code": "NNXM0002", "national_code": "001102000010300", "name": "副主任医师门诊诊查费", "price": "25.00",
     "qty": "1"},
    {"hosp_code": "NNYP0004", "national_code": "XC10AAA050A001010100004", "name": "阿托伐他汀钙片", "price": "28.40",
     "qty": "1"},
]


class ExampleHis:
    def __init__(self, url: str, token: str):
        self.url, self.token = url.rstrip("/"), token
        self.pushed: list[str] = []
        self._n = 0

    def bill_for(self, id_no: str, name: str = "") -> dict[str, Any]:
        self._n += 1
        no = time.strftime("MZ%Y%m%d%H%M%S") + f"{self._n % 100:02d}"
        patient = {"id_no": id_no} | ({"name": name} if name else {})
        return {"bill_no": no, "med_type": "11", "dept_code": "A03", "dept_name": "内科", "dr_code": "D0001",
                "dr_name": "王医生", "items": ORDERS, "patient": patient}

    def push_for(self, id_no: str, name: str = "") -> str:
        """Push a bill for this patient; its bill_no ('' when the interface refused)."""
        body = self.bill_for(id_no, name)
        try:
            r = requests.post(self.url + "/v1/bills", json=body, timeout=5,
                              headers={"Authorization": f"Bearer {self.token}"})
        except requests.RequestException as e:
            log.error("example HIS: push failed: %s", e)
            return ""
        if r.status_code not in (200, 201):
            log.error("example HIS: push refused: %s %s", r.status_code, r.text[:300])
            return ""
        self.pushed.append(body["bill_no"])
        return str(body["bill_no"])

    def push_later(self, id_no: str, name: str = "") -> threading.Thread:
        t = threading.Thread(target=self.push_for, args=(id_no, name), name="example-his", daemon=True)
        t.start()
        return t
