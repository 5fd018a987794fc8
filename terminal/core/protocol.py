"""Protocol constants shared by the client and the sandbox platform (pure data)."""
from __future__ import annotations

SINGLE_ENDPOINT = "/fsi/api/rsfComIfsService/callService"

# One path per transaction, spellings as deployed.
TRANSACTION_PATHS: dict[str, str] = {
    "9001": "/fsi/api/signInSignOutService/signIn",
    "9002": "/fsi/api/signInSignOutService/signOut",
    "1101": "/fsi/api/fsiPsnInfoService/queryPsnInfo",
    "2001": "/fsi/api/fsiPsnInfoService/queryPsnTrtChk",
    "5302": "/fsi/api/fsiPsnInfoService/queryPsnFixMedIns",
    "2201": "/fsi/api/outpatientDocInfoService/outpatientRregistration",
    "2202": "/fsi/api/outpatientDocInfoService/outpatientRegistrationCancel",
    "2203": "/fsi/api/outpatientDocInfoService/outpatientMdtrtinfoUp",
    "2203A": "/fsi/api/outpatientDocInfoService/outpatientMdtrtinfoUpA",
    "2204": "/fsi/api/outpatientDocInfoService/outpatientFeeListUp",
    "2205": "/fsi/api/outpatientDocInfoService/outpatientFeeListUpCancel",
    "2206": "/fsi/api/outpatientSettleService/preSettletment",
    "2207": "/fsi/api/outpatientSettleService/saveSettletmentV2",
    "2208": "/fsi/api/outpatientSettleService/cancleSettletment",
    "2101": "/fsi/api/pharmacySettleService/preSettlement",
    "2102": "/fsi/api/pharmacySettleService/saveSettlement",
    "2103": "/fsi/api/pharmacySettleService/cancelSettlement",
    "3505": "/fsi/api/inventoryService/goodsSaleUpload",
    "2401": "/fsi/api/hospitalRegisterService/hospitalRegisterSave",
    "2402": "/fsi/api/dscgService/dischargeProcess",
    "2301": "/fsi/api/hospFeeDtlService/feeDtlUp",
    "2302": "/fsi/api/hospFeeDtlService/feeDtlCl",
    "2303": "/fsi/api/hospSettService/preSetl",
    "2304": "/fsi/api/hospSettService/setl",
    "2305": "/fsi/api/hospSettService/setlCl",
    "2601": "/fsi/api/reverseService/revsMethod",
    "2503": "/fsi/api/opspRegService/saveOpspReg",
    "5301": "/fsi/api/fsiPsnPriorityInfoService/queryOpspReg",
    "3201": "/fsi/api/ybSettlementStmtService/stmtTotal",
    "3202": "/fsi/api/ybSettlementStmtService/stmtDetail",
    # fund supervision (明细审核): 3101 事前分析, 3102 事中分析, 3103 事前事中服务反馈 (docs/protocol-risk.md)
    "3101": "/fsi/api/riskConService/beforeAnalyze", "3102": "/fsi/api/riskConService/courseAnalyze",
    "3103": "/fsi/api/riskConService/feedback",
    "9101": "/fsi/api/fileupload/upload",
    "9102": "/fsi/api/fileupload/download",
}
PATH_TO_INFNO = {v: k for k, v in TRANSACTION_PATHS.items()}

# Input wrapper node per transaction.
INPUT_NODE: dict[str, str] = {
    "9001": "signIn", "9002": "signOut", "1101": "data", "2201": "data", "2202": "data", "2203": "mdtrtinfo",
    "2204": "feedetail", "2205": "data", "2206": "data", "2207": "data", "2208": "data", "2601": "data",
    "3201": "data", "2001": "data", "5302": "data",
    "2401": "mdtrtinfo", "2402": "dscginfo", "2301": "feedetail", "2302": "data", "2303": "data",
    "2304": "data", "2305": "data", "3202": "data", "9101": "fsUploadIn", "9102": "fsDownloadIn",
    "2101": "data", "2102": "data", "2103": "data", "3505": "selinfo",
    "5301": "data", "2503": "data",
    "3101": "data", "3102": "data", "3103": "data",
}
# Transactions whose answer body is a file (raw bytes, application/octet-stream), not the JSON envelope;
# a refusal is still the JSON envelope with infcode -1.
FILE_ANSWER = frozenset({"9102"})

# Transactions that move money: a lost answer leaves the outcome unknown, to be resolved by 2601.
MONEY_MOVING = frozenset({"2207", "2208", "2304", "2305", "2102", "2103"})
# The cancellations among them (negative amounts come back).
CANCELLING = frozenset({"2208", "2305", "2103"})
# Transactions whose input carries psn_no, so the envelope needs insuplc_admdvs.
NEEDS_INSUPLC = frozenset({"2001", "5302", "5301", "2503", "2201", "2202", "2203", "2204", "2205", "2206", "2207",
                           "2208", "2601", "2401", "2402", "2301", "2302", "2303", "2304", "2305", "2101", "2102",
                           "2103", "3505"})

ECODE_QUERY_PATH = "/hsecfc/localQrCodeQuery"
ECODE_BUSINESS_TYPES = {"01301": "结算", "01101": "挂号", "02121": "药店购药"}
