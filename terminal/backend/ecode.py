"""The e-voucher (医保电子凭证) service: exchange a scanned e-code (ecQrCode) for an ecToken and identity.

Request `{orgId, transType: "ec.query", data{orgId, businessType, operatorId, operatorName, officeId,
officeName, ecQrCode}}` -> `{code: 0, data{idNo, idType, userName, ecToken, insuOrg, ecIndexNo, gender,
birthday}}`; errors look like `{"code": 500159, "message": "请使用医保电子凭证二维码"}`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

from terminal.core import wire
from terminal.core.models import CertType, Credential
from terminal.core.privacy import mask_token
from terminal.core.protocol import ECODE_QUERY_PATH

from .errors import BusinessError, MalformedAnswer, TransportError

if TYPE_CHECKING:  # pragma: no cover
    from terminal.config.model import Config

log = logging.getLogger(__name__)

SETTLEMENT = "01301"
REGISTRATION = "01101"
PHARMACY = "02121"


class EcodeRefused(BusinessError):
    """The e-voucher service refused the code (not an e-code, expired, already used...)."""

    def __init__(self, code: Any, message: str):
        super().__init__(message or f"医保电子凭证查询失败（{code}）", infno="ec.query", infcode=code)
        self.code = code

    @property
    def user_message(self) -> str:
        hint = {
            "500159": "这不是医保电子凭证二维码，请让患者打开医保码",
            "500160": "医保码已过期，请让患者刷新医保码后重新扫码",
            "500161": "该医保码已使用，请让患者刷新医保码后重新扫码",
        }.get(str(self.code))
        return hint or self.err_msg


@dataclass(frozen=True)
class EcodeIdentity:
    ec_token: str
    id_no: str
    id_type: str
    user_name: str
    insu_org: str
    ec_index_no: str = ""
    gender: str = ""
    birthday: str = ""

    def credential(self) -> Credential:
        return Credential(CertType.ECODE, self.ec_token, ec_id_no=self.id_no, ec_name=self.user_name)

    def __repr__(self) -> str:
        return f"EcodeIdentity(token={mask_token(self.ec_token)}, insu_org={self.insu_org})"


class EcodeClient:
    def __init__(self, url: str, org_id: str, *, operator_id: str = "", operator_name: str = "",
                 office_id: str = "", office_name: str = "", session: requests.Session | None = None,
                 timeout: tuple[float, float] = (5.0, 15.0), verify: bool | str = True):
        base = url.rstrip("/")
        self.url = base if base.endswith(ECODE_QUERY_PATH) else base + ECODE_QUERY_PATH
        self.org_id = org_id
        self.operator_id, self.operator_name = operator_id, operator_name
        self.office_id, self.office_name = office_id, office_name
        self.session = session or requests.Session()
        self.session.trust_env = False
        self.timeout, self.verify = timeout, verify

    def query(self, ec_qr_code: str, business_type: str = SETTLEMENT) -> EcodeIdentity:
        code = (ec_qr_code or "").strip()
        if not code:
            raise EcodeRefused(500159, "扫码内容为空")
        body = {"orgId": self.org_id, "transType": "ec.query", "data": {
            "orgId": self.org_id, "businessType": business_type, "operatorId": self.operator_id,
            "operatorName": self.operator_name, "officeId": self.office_id, "officeName": self.office_name,
            "ecQrCode": code}}
        log.info("ec.query %s code=%s", business_type, mask_token(code))
        try:
            r = self.session.post(self.url, data=wire.dumps(body).encode("utf-8"), timeout=self.timeout,
                                  verify=self.verify, headers={"Content-Type": "application/json;charset=utf-8"})
        except requests.exceptions.ConnectTimeout as e:
            raise TransportError("e-voucher connect timeout", kind="connect", sent=False, infno="ec.query") from e
        except requests.exceptions.ReadTimeout as e:
            raise TransportError("e-voucher read timeout", kind="timeout", sent=True, infno="ec.query") from e
        except requests.exceptions.RequestException as e:
            from .transport import never_connected

            never = never_connected(e)
            raise TransportError(f"e-voucher: {type(e).__name__}", kind="connect" if never else "reset",
                                 sent=not never, infno="ec.query") from e
        if r.status_code >= 400:
            raise TransportError(f"HTTP {r.status_code}", kind="http", sent=True, infno="ec.query")
        try:
            data = wire.loads(r.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise MalformedAnswer("电子凭证应答不是合法 JSON", infno="ec.query") from e
        if not isinstance(data, dict) or "code" not in data:
            raise MalformedAnswer("电子凭证应答缺少 code", infno="ec.query")
        if str(data.get("code")) not in ("0", "200"):
            raise EcodeRefused(data.get("code"), str(data.get("message") or ""))
        d = data.get("data")
        if not isinstance(d, dict) or not d.get("ecToken"):
            raise MalformedAnswer("电子凭证应答缺少 ecToken", infno="ec.query")
        token = str(d["ecToken"])
        if len(token) > 40:
            raise MalformedAnswer("ecToken 超过 40 字符", infno="ec.query")
        return EcodeIdentity(ec_token=token, id_no=str(d.get("idNo") or ""), id_type=str(d.get("idType") or ""),
                             user_name=str(d.get("userName") or ""), insu_org=str(d.get("insuOrg") or ""),
                             ec_index_no=str(d.get("ecIndexNo") or ""), gender=str(d.get("gender") or ""),
                             birthday=str(d.get("birthday") or ""))

    def close(self) -> None:
        self.session.close()


def ecode_client_from_config(cfg: Config, platform_url: str) -> EcodeClient:
    b = cfg.backend
    url = b.ecode_url or platform_url
    from .transport import tls_verify

    verify = tls_verify(b.verify_tls, b.ca_bundle)
    return EcodeClient(url, b.ecode_org_id or cfg.facility.code, operator_id=cfg.operator.id,
                       operator_name=cfg.operator.name, office_id=cfg.facility.code, office_name=cfg.facility.name,
                       verify=verify)
