"""One vocabulary for errors a person sees: what happened and what to do next, in both languages.

Every error a cashier (or hospital IT) can meet derives from :class:`UserFacingError`, so a front-end never
guesses: ``err.user_message`` is the Chinese text with the next step, ``err.text("en")`` the English one.
Platform texts (``err_msg`` of a refusal) are shown as the platform wrote them in both languages.

``user_message_of`` is the single place that turns *any* exception into something to show; it replaces the
``getattr(e, "user_message", str(e))`` that front-ends used to copy.
"""
from __future__ import annotations

from typing import ClassVar

__all__ = ["UserFacingError", "user_message_of", "next_step_of"]


class UserFacingError(Exception):
    """Base of errors shown to people.

    Subclasses either pass ``message``/``next_step`` (Chinese first; ``message_en``/``next_step_en`` optional)
    or set the class defaults ``zh``/``en`` and ``step_zh``/``step_en``. ``user_message`` joins the message and
    the next step the way the cashier reads them: "读卡失败：请重新插卡".
    """

    zh: ClassVar[str] = ""
    en: ClassVar[str] = ""
    step_zh: ClassVar[str] = ""
    step_en: ClassVar[str] = ""

    def __init__(self, message: str = "", *, next_step: str = "", message_en: str = "", next_step_en: str = ""):
        self.message = message or self.zh
        self.next_step = next_step or self.step_zh
        self.message_en = message_en or self.en or self.message
        self.next_step_en = next_step_en or self.step_en or (self.next_step if not self.en else "")
        super().__init__(self.message)

    def text(self, lang: str = "zh") -> str:
        """The message and the next step in ``lang`` ("zh" or "en")."""
        if lang.startswith("en"):
            msg, step, sep = self.message_en, self.next_step_en, ": "
        else:
            msg, step, sep = self.message, self.next_step, "："
        if not step or step in msg:
            return msg
        return f"{msg.rstrip('。.:：')}{sep}{step}"

    @property
    def user_message(self) -> str:
        return self.text("zh")


def user_message_of(err: BaseException, lang: str = "zh") -> str:
    """What to show for ``err``: a UserFacingError's text, else an older ``user_message``, else str(err)."""
    if isinstance(err, UserFacingError):
        # zh: the error's user_message, which a subclass may compute (a transport error names its cause)
        return err.text(lang) if lang.startswith("en") else err.user_message
    msg = getattr(err, "user_message", None)
    if isinstance(msg, str) and msg:
        return msg
    return str(err) or type(err).__name__


def next_step_of(err: BaseException, lang: str = "zh") -> str:
    """The next step alone ("" when the error does not name one)."""
    if isinstance(err, UserFacingError):
        return err.next_step_en if lang.startswith("en") else err.next_step
    return ""
