"""Typed card-reading errors. Each carries a message for the cashier (zh_CN) and an English detail for logs.

`str(err)` is the cashier's message followed by the English detail in brackets; `err.user_message` is the
Chinese text alone, `err.detail` the English alone, `err.text("en")` the English message. None of them contain
card numbers or names.
"""
from __future__ import annotations

from typing import Any

from terminal.core.errors import UserFacingError


class CardError(UserFacingError):
    """Base of every error the card layer raises."""

    #: what the cashier sees: what happened and what to do next
    zh = "读卡失败，请重新插卡后再试"
    #: the same in English, and the detail for logs and support when none is given
    en = "card read failed"

    def __init__(self, detail: str = "", *, zh: str | None = None, sw: int | None = None,
                 reader: str = "", **extra: Any) -> None:
        super().__init__(zh or self.zh)
        self.detail = detail or self.en
        self.sw = sw
        self.reader = reader
        self.extra = extra

    def __str__(self) -> str:
        sw = f", SW {self.sw:04X}" if self.sw is not None else ""
        return f"{self.user_message} ({self.detail}{sw})"


class NoService(CardError):
    zh = "读卡服务未运行（PC/SC 服务 pcscd），请联系管理员启动服务或重启收费终端"
    en = "the PC/SC service (pcscd) is not running"


class NoReader(CardError):
    zh = "未找到读卡器，请检查读卡器的连接线（USB）后再试"
    en = "no card reader found"


class NoCard(CardError):
    zh = "读卡器中没有卡，请将社保卡芯片朝上插入读卡器"
    en = "no card in the reader"


class CardRemoved(CardError):
    zh = "读卡过程中卡被拔出，请重新插入社保卡，读卡完成前不要拔卡"
    en = "card removed during the read"


class CardBusy(CardError):
    zh = "读卡器正被其他程序使用，请关闭其他读卡程序后再试"
    en = "the card is in use by another application (sharing violation)"


class CardCommunicationError(CardError):
    zh = "与社保卡通信失败，请擦拭芯片后重新插卡；多次失败请更换读卡器"
    en = "communication with the card failed"


class NotSocialSecurityCard(CardError):
    zh = "这不是社保卡或社保应用已损坏，请确认插入的是社会保障卡；也可改用医保电子凭证"
    en = "not a social security card (SSSE application not found)"


class UnreadableRecord(CardError):
    zh = "社保卡信息无法读取（卡片可能损坏），请改用医保电子凭证或身份证，或到发卡机构补换卡"
    en = "a required record of the card could not be read"


class CardExpired(CardError):
    zh = "社保卡已过有效期，请改用医保电子凭证或身份证，并提醒参保人到发卡机构换卡"
    en = "the card has expired"

    def __init__(self, detail: str = "", *, card: Any = None, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.card = card


#: Every error class, e.g. for a UI mapping or documentation.
ALL_ERRORS = (CardError, NoService, NoReader, NoCard, CardRemoved, CardBusy, CardCommunicationError,
              NotSocialSecurityCard, UnreadableRecord, CardExpired)
