"""Short answers inside the rating and complaint forms, as users type them."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Optional

from bot.feedback.complaints import valid_phone

# A message that corrects something said before: "不对，是沈河区的", "电话改成……".
_CORRECTION = re.compile(r"^(?:等会儿?|等等|哎呀?|那个)?[，,\s]*(?:我)?(?:不对|不是|错了|说错了|搞错了|写错了|更正|修改|改一下|改成|改为|应该是|其实是)"
                         r"|改成|改为|说错了|搞错了|写错了|不是.{1,12}[，,\s]*是")
_NONE = re.compile(r"^(?:没有|没了|无|不用|不需要|不要|不必|不留|算了吧|跳过|没啥|没什么|没有了|不用了|就这些|不说了)")
_NO_PHONE = re.compile(r"不留|不用|不需要|不要|没有|不方便|不想|微信联系|就这个微信|跳过")
_NOT_ANONYMOUS = re.compile(r"不匿名|不用匿名|不需要匿名|不要匿名|实名|公开|可以告诉|不介意|无所谓")
_ANONYMOUS = re.compile(r"匿名|保密|别告诉|不要告诉|不想让.*知道|别让.*知道|隐去|隐藏|不留名|不留姓名|别留名|不透露|不暴露")
_YES = re.compile(r"^(?:确认|提交|确定|对|是|是的|对的|没错|没问题|可以|好|好的|行|嗯|ok)", re.IGNORECASE)
_AFFIRMATION = re.compile(r"(?:(?:确认|提交|确定|无误|对|对的|对对|是|是的|是滴|没错|没问题|没毛病|可以|可以了|好|好的|行|行了|中|嗯+|"
                          r"ok|okay|收到|知道了|就这样|就这些|就这么着|这样就行|就行)"
                          r"[啊呀吧了的哈呢！!。.，,~～\s]*)+", re.IGNORECASE)
_DAY = r"(?:今天|今早|今儿|昨天|昨儿|前天|大前天|刚才|刚刚|上周[一二三四五六日天]|上个?礼拜[一二三四五六日天]?|上星期[一二三四五六日天]|" \
       r"这周[一二三四五六日天]|本周[一二三四五六日天]|这礼拜[一二三四五六日天]|上个?月\d{1,2}[日号]|这个?月\d{1,2}[日号]|" \
       r"\d{1,2}月\d{1,2}[日号]?|\d{1,2}[日号]|周[一二三四五六日天]|星期[一二三四五六日天]|礼拜[一二三四五六日天]|上周|上个?礼拜|上星期)"
_PART = r"(?:上午|中午|下午|晚上|早上|早晨|傍晚|夜里|晌午)"
_HOUR = r"(?:\d{1,2}|[一二两三四五六七八九十]{1,3})点(?:半|多|\d{1,2}分?|[一二三四五]十[一二三四五六七八九]?分?)?(?:左右|多)?"
_WHEN = re.compile(_DAY + _PART + "?(?:" + _HOUR + ")?|" + _PART + _HOUR)
_FORGOT = re.compile(r"记不清|不记得|忘了|记不住|不清楚|说不准")
_WEEKDAYS = "一二三四五六日"
_TICKET_ID = re.compile(r"TS\s?\d{12,13}", re.IGNORECASE)  # a ticket's number is no phone
_DIGITS = re.compile(r"[0-9０-９][0-9０-９\s\-—－()（）]{5,}[0-9０-９]")
MAX_WHEN = 100


_DENIED = re.compile(r"不是[^，,。\s是]{1,12}")


def without_denied(text: str) -> str:
    """A correction without what it takes back: "不是铁西 是于洪区税务局" → "是于洪区税务局"."""
    return _DENIED.sub(" ", text or "")


def is_correction(text: str) -> bool:
    return bool(_CORRECTION.search((text or "").strip()))


def declines(text: str) -> bool:
    """The user has nothing (more) to add: "没有", "不用了", "跳过"."""
    return bool(_NONE.match((text or "").strip()))


def says_yes(text: str) -> bool:
    return bool(_YES.match((text or "").strip()))


_ANONYMITY_SAID = re.compile(r"匿名|实名|保密|不留名|不留姓名|别留名|不透露|不暴露|不想让.*知道|别让.*知道|别告诉|不要告诉")


def says_anonymity(text: str) -> Optional[bool]:
    """An anonymity choice said in words that only mean that ("不留名", "实名就行"), whatever was asked."""
    return anonymity(text) if _ANONYMITY_SAID.search(text or "") else None


def anonymity(text: str) -> Optional[bool]:
    """True for "匿名", False for "不匿名"/"实名", None when the text says neither."""
    if _NOT_ANONYMOUS.search(text or ""):
        return False
    if _ANONYMOUS.search(text or ""):
        return True
    return None


def phone_answer(text: str) -> tuple[Optional[str], bool]:
    """(a valid phone number in ``text``, whether the text contains digits that look like one); the last
    valid one counts ("最后两位是43 13900003443": the number after the words about it)."""
    text = _TICKET_ID.sub(" ", (text or "").translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    runs = [m.group(0) for m in _DIGITS.finditer(text)]
    if not runs:
        return None, False
    candidates = [p for run in runs for p in (run, *run.split())]
    valid = [v for v in map(valid_phone, candidates) if v]
    return (valid[-1] if valid else None), True


def declines_phone(text: str) -> bool:
    return bool(_NO_PHONE.search(text or "")) or declines(text)


def when(text: str) -> Optional[str]:
    """A time phrase such as "昨天下午3点" in ``text``."""
    match = _WHEN.search(text or "")
    return match.group(0) if match else None


def is_affirmation(text: str) -> bool:
    """The whole message only agrees ("对", "是的", "确认", "好的"): never an answer to a question of content."""
    return bool(_AFFIRMATION.fullmatch((text or "").strip()))


def forgot(text: str) -> bool:
    """The user does not remember ("记不清了")."""
    return bool(_FORGOT.search(text or ""))


def day_of(phrase: str, today: date) -> Optional[date]:
    """The day a time phrase means, as of ``today``: 昨天 → the day before, 上周三 → last week's Wednesday,
    11月20日 → the last 20 November not after today; None when the phrase gives no day ("上周")."""
    relative = {"今天": 0, "今早": 0, "今儿": 0, "刚才": 0, "刚刚": 0, "昨天": 1, "昨儿": 1, "前天": 2, "大前天": 3}
    for word, back in sorted(relative.items(), key=lambda kv: -len(kv[0])):
        if phrase.startswith(word):
            return today - timedelta(days=back)
    week = re.match(r"(上|这|本)?(?:个)?(?:周|礼拜|星期)([一二三四五六日天])", phrase)
    if week:
        weekday = _WEEKDAYS.index(week.group(2).replace("天", "日"))
        monday = today - timedelta(days=today.weekday())
        day = monday + timedelta(days=weekday) - timedelta(weeks=1 if week.group(1) == "上" else 0)
        return day if day <= today else day - timedelta(weeks=1)
    month_day = re.match(r"(上个?月|这个?月)?(?:(\d{1,2})月)?(\d{1,2})[日号]?", phrase)
    if month_day and (month_day.group(1) or month_day.group(2) or re.match(r"\d{1,2}[日号]", phrase)):
        year, month = today.year, int(month_day.group(2)) if month_day.group(2) else today.month
        if (month_day.group(1) or "").startswith("上"):
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        try:
            day = date(year, month, int(month_day.group(3)))
        except ValueError:
            return None
        return day if day <= today else (day.replace(year=year - 1) if month_day.group(2) else None)
    return None


def time_answer(text: str, today: date) -> Optional[str]:
    """When it happened, as stored with a complaint: the user's phrase with the day it means
    ("昨天下午（12月6日）"), "记不清" when they do not remember, None when the text says no time."""
    phrase = when(text)
    if phrase:
        day = day_of(phrase, today)
        return f"{phrase}（{day.month}月{day.day}日）" if day and not re.match(r"\d{1,2}月\d", phrase) else phrase
    return "记不清" if forgot(text) else None


def without_answers(text: str) -> str:
    """What a message says besides a time, an anonymity choice and a phone number (what happened, if anything)."""
    rest = _WHEN.sub(" ", text or "")
    rest = _DIGITS.sub(" ", rest)
    rest = re.sub(r"不匿名|不用匿名|实名|匿名|保密|不留电话|不用留电话|电话", " ", rest)
    return re.sub(r"\s+", " ", rest).strip(" ，。,.！!")
