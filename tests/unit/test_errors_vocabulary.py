from terminal.core.errors import UserFacingError, next_step_of, user_message_of


class CardPulled(UserFacingError):
    zh, en = "读卡中断", "Card read interrupted"
    step_zh, step_en = "请重新插卡", "insert the card again"


def test_message_and_next_step_in_both_languages():
    e = CardPulled()
    assert e.user_message == "读卡中断：请重新插卡"
    assert e.text("en") == "Card read interrupted: insert the card again"
    assert next_step_of(e) == "请重新插卡" and next_step_of(e, "en") == "insert the card again"


def test_explicit_texts_override_class_defaults_and_chinese_is_the_fallback():
    e = UserFacingError("平台拒绝：人员参保状态异常", next_step="请患者联系参保地经办机构")
    assert e.user_message == "平台拒绝：人员参保状态异常：请患者联系参保地经办机构"
    # no English given: the platform's own words are shown rather than nothing
    assert e.text("en").startswith("平台拒绝")


def test_any_exception_has_something_to_show():
    class Old(Exception):
        user_message = "旧式错误"

    assert user_message_of(Old("x")) == "旧式错误"
    assert user_message_of(ValueError("bad")) == "bad"
    assert user_message_of(ValueError()) == "ValueError"
    assert user_message_of(CardPulled(), "en").startswith("Card read")
