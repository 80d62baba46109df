"""What a message inside a rating or complaint form says, besides what the form asks: whether it tells
what happened or what the user thinks, gives a detail (stars, time, phone, anonymity), confirms the
summary or says goodbye. Pure functions over the text (the NLU's names are passed in)."""
from __future__ import annotations

import re
from typing import Optional

from bot.db.directory import DISTRICTS
from bot.feedback import answers
from bot.feedback.stars import bare_stars, parse_dimension_stars, without_stars

_DISTRICT_PARTS = re.compile(r"(.+?)(新区|区|市|县)$")  # "沈北新区": 沈北, or the whole name
# What an opening or a unit's name says besides what happened: asking words, kinds of units, districts.
OPENING_WORDS = re.compile(
    "我要|我想|想|要|投诉|举报|反映|一下|问题|怎么|在哪|哪里|能帮我|吗|的|了|工作人员|窗口|大厅|中心|局|"
    "沈阳市?|市场监督管理|市场监管|政务服务|税务|社保|社会保险|人社|公积金|派出所|分局|办事处|街道|服务|管理|"
    "所|处|站|队|科|公司|"
    + "".join(f"{re.escape(base)}(?:{suffix})?|" for base, suffix in (_DISTRICT_PARTS.match(d).groups() for d in DISTRICTS))
    + "[，。！？,.!?\\s]")
RATING_WORDS = re.compile("我要|我想|想|帮我|给|评价|评个价|评一下|评分|打分|打个分|评|一下|都|全|的|了|吧|啊|呗|嗯|哦|"
                           "知道|那就|就|也|她|他|打|对|这个|那个|好的|行|"
                           "服务|态度|熟练程度|熟练|业务|[，。！？,.!?\\s]")
CORRECTING = re.compile(r"不对|错了|说错|搞错|写错|记错|记混|弄混|口误|更正|改成|改为|应该是|其实是|等会儿?|等等|哦|哎呀?|还是|是")
FAREWELL = re.compile(r"再见|拜拜|88|bye|回见|下次再说", re.IGNORECASE)
SHORT_YES = 8  # a yes longer than this ("行 那先说这个 这回是…") says more than yes
ADDING = re.compile(r"^(?:补充|另外|还有|再说一下|再补充)[一下点：:，,\s]*")
MIN_REMARK = 4  # what is left of a rating's message that says what the user thinks ("挺热情")
MIN_STORY = 4  # what is left of a message that tells what happened, said at any step ("态度恶劣")
MIN_ANSWER = 2  # what is left of the answer when what happened is asked ("态度太差了")


def without_names(text: str, names: list[str]) -> str:
    """The text with the names said blanked out, longest first."""
    for name in sorted(filter(None, names), key=len, reverse=True):
        text = text.replace(name, " ")
    return text


def told(before: Optional[str], text: str) -> str:
    """The description with this message's words added (nothing the user says about it is dropped)."""
    if not before or text in before:
        return text if not before else before
    return f"{before}；{text}"


def confirms(text: str, intent: Optional[str]) -> bool:
    """The summary is confirmed: the whole message agrees ("没问题 提交吧"), or a short yes."""
    return answers.is_affirmation(text) or (intent == "affirm" or answers.says_yes(text)) and len(text) <= SHORT_YES


def gives_detail(text: str) -> bool:
    """The message gives stars, a phone number, an anonymity choice or a time (said on its own: the 刚才 of
    "我刚才那个投诉现在啥进度" is no answer)."""
    alone = bool(answers.when(text)) and len(re.sub(r"\W", "", answers.without_answers(text))) <= MIN_STORY
    return (bool(parse_dimension_stars(text)) or bare_stars(text) is not None or alone
            or answers.phone_answer(text)[0] is not None or answers.anonymity(text) is not None)


def story_left(text: str, names: list[str]) -> str:
    """What a complaint's message says besides whom (``names``), when, anonymity, a phone, corrections
    and asking words: enough of it tells what happened."""
    rest = answers.without_answers(without_names(answers.without_denied(text), names))
    return OPENING_WORDS.sub("", CORRECTING.sub("", ADDING.sub("", rest)))


def remark_left(text: str, names: list[str]) -> str:
    """What a rating's message says besides its stars, whom and rating words: enough of it is a remark."""
    return RATING_WORDS.sub("", without_names(without_stars(text), names))


def says_farewell(text: str) -> bool:
    return bool(FAREWELL.search(text or ""))
