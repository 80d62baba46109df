"""Short answers inside the rating and complaint forms, as users type them."""
from __future__ import annotations

import re
from typing import Optional

from bot.feedback.complaints import valid_phone

# A message that corrects something said before: "不对，是沈河区的", "电话改成……".
_CORRECTION = re.compile(r"^(?:不对|不是|错了|说错了|搞错了|写错了|更正|修改|改一下|改成|改为|应该是|其实是)|改成|改为")
_NONE = re.compile(r"^(?:没有|没了|无|不用|不需要|不要|不必|不留|算了吧|跳过|没啥|没什么|没有了|不用了|就这些|不说了)")
_NO_PHONE = re.compile(r"不留|不用|不需要|不要|没有|不方便|不想|微信联系|就这个微信|跳过")
_NOT_ANONYMOUS = re.compile(r"不匿名|不用匿名|不需要匿名|不要匿名|实名|公开|可以告诉|不介意|无所谓")
_ANONYMOUS = re.compile(r"匿名|保密|别告诉|不要告诉|不想让.*知道|隐去|隐藏")
_YES = re.compile(r"^(?:确认|提交|确定|对|是|是的|对的|没错|没问题|可以|好|好的|行|嗯|ok)", re.IGNORECASE)
_WHEN = re.compile(
    r"(?:(?:今天|昨天|前天|大前天|上周[一二三四五六日天]?|这周[一二三四五六日天]?|本周[一二三四五六日天]?|"
    r"上个?月\d{0,2}[日号]?|这个?月\d{1,2}[日号]|\d{1,2}月\d{1,2}[日号]|\d{1,2}[日号]|周[一二三四五六日天]|星期[一二三四五六日天])"
    r"(?:上午|中午|下午|晚上|早上)?(?:\d{1,2}点(?:半|\d{1,2}分?)?(?:左右)?)?)"
)
_DIGITS = re.compile(r"[0-9０-９][0-9０-９\s\-—－()（）]{5,}[0-9０-９]")
MAX_WHEN = 100


def is_correction(text: str) -> bool:
    return bool(_CORRECTION.search((text or "").strip()))


def declines(text: str) -> bool:
    """The user has nothing (more) to add: "没有", "不用了", "跳过"."""
    return bool(_NONE.match((text or "").strip()))


def says_yes(text: str) -> bool:
    return bool(_YES.match((text or "").strip()))


def anonymity(text: str) -> Optional[bool]:
    """True for "匿名", False for "不匿名"/"实名", None when the text says neither."""
    if _NOT_ANONYMOUS.search(text or ""):
        return False
    if _ANONYMOUS.search(text or ""):
        return True
    return None


def phone_answer(text: str) -> tuple[Optional[str], bool]:
    """(a valid phone number in ``text``, whether the text contains digits that look like one)."""
    match = _DIGITS.search(text or "")
    if match is None:
        return None, False
    digits = match.group(0).translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    return valid_phone(digits), True


def declines_phone(text: str) -> bool:
    return bool(_NO_PHONE.search(text or "")) or declines(text)


def when(text: str) -> Optional[str]:
    """A time phrase such as "昨天下午3点" in ``text``."""
    match = _WHEN.search(text or "")
    return match.group(0) if match else None
