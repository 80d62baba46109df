"""What kind of thing a policy question asks (an amount, a date, who pays, who qualifies, what to bring,
how to apply, where, whom to call) and which grade or class it is about: read alike from the user's
question and from each frequent question of a policy, so that the answer comes from the pair that
answers *this kind* of question ("三级伤残津贴涨了多少" is about the amount for grade three, "涨的钱谁给"
about who pays), not from the one that merely shares the most words."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional, Union

import yaml

from bot.nlp.numbers import to_int
from bot.nlp.text import normalise

# Colloquial ways of asking, mapped to the wording frequent questions use (both sides are mapped).
PARAPHRASES: tuple[tuple[re.Pattern[str], Union[str, Callable[[re.Match[str]], str]]], ...] = tuple((re.compile(a), b) for a, b in (
    (r"啥时候|什么时间|何时|几时|多会儿|哪天", "什么时候"),
    (r"发下来|发到手|到手|到账|能拿到", "发放"),
    (r"打到(哪|什么|啥)|打(给|进)(哪|谁)|发到(哪|什么|啥)", "发放到哪"),  # "钱打到哪": where the payment goes
    (r"(去|到|上)?(哪里|哪儿|哪)(去)?(办理|办)", "在哪里办理"),
    (r"给不给钱|给钱不|多给(点|些|钱)", "给多少"),
    (r"有没有(补贴|补助|奖励)|有(补贴|补助|奖励)(吗|没|不)", lambda m: f"{m.group(1) or m.group(2)}多少"),
    (r"出钱|掏钱|给钱|买单|拿钱|掏|(钱)?(是)?(从|打)哪(儿|里)?(出|来)", "支付"),
    (r"补几个钱|补多少钱?|能补几", "补贴多少"),
    (r"奖多少钱?|奖励多少钱", "奖励多少"),
    (r"多少钱|几块钱|多钱|给多少|发多少", "多少"),
    (r"百分之几|几个点|啥比例|什么比例|多少比例|几成", "比例"),
    (r"顶格|最多|封顶|上限", "最高"),
    (r"咋样|怎样|如何|咋", "怎么"),
    (r"需要啥|要啥|带啥|得带", "需要什么"),
    (r"啥", "什么"),
    (r"申领|领取|申报", "申请"),
    (r"收费(?!站)|收钱|要钱|花钱|多少费", "费用"),
    (r"多长时间|多久|期限", "多长时间"),
    (r"多少天", "几天"),  # the unit asked stays: "几天能办完" is answered in days
    (r"门槛|够格|资格|要求", "条件"),
    (r"能不能|可不可以|能否|可否", "能"),
    (r"小微企业|小微", "小型微型企业"),
))


def canon(text: str) -> str:
    """``text`` normalised, with everyday words read as the library's (synonyms.yml) and colloquial
    question wording mapped to the FAQ's."""
    text = normalise(text)
    for said, word in _synonyms():
        text = text.replace(said, word)
    for pattern, replacement in PARAPHRASES:
        text = pattern.sub(replacement, text)
    return text


SYNONYMS = Path(__file__).with_name("synonyms.yml")


@lru_cache(maxsize=1)
def _synonyms() -> tuple[tuple[str, str], ...]:
    """(everyday word, the library's word), longest first."""
    table = yaml.safe_load(SYNONYMS.read_text(encoding="utf-8")) or {}
    pairs = [(normalise(said), word) for word, says in table.items() for said in says]
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


# Read on text already put into the frequent questions' wording (canon).
TYPES: dict[str, re.Pattern[str]] = {name: re.compile(rx) for name, rx in {
    "amount": r"多少|一半|最低|几块|金额|标准|额度|最高|比例|几折|折扣|费率|涨(了|没|不|吗|多少)|增加|能(拿|领|贷|扣|报|补|奖)(多少|几)|补贴多少|奖励多少|扣除多少",
    "time": r"什么时候|几月|几号|哪年|到账|发到手|发下来|发放|多长|几天|几年|几个月|多少年|多少个?工作日|截止|期限|开始|起算|有效期|到期",
    "payer": r"由谁支付|谁支付|(?<!找)谁给|谁出|(自己|个人|政府|财政|单位|企业|公司|老板)(出|支付|承担|给?还)|谁负担|谁承担|支付|出资|资金渠道|原渠道",
    "eligibility": r"条件|符合|资格|什么样的|哪类|享受|哪些人|谁能|范围|适用|对象|能不能|能申请吗|算不算|有份|够格|还能(拿|领|申请|办)",
    "materials": r"材料|需要什么|证件|带什么|提供什么|要带",
    "steps": r"申请|怎么办理|如何办理|流程|步骤|手续|线上|网上|手机上|[Aa][Pp][Pp]|小程序|备案",
    "place": r"在哪里办理|在哪|哪里|哪儿|上哪|去哪|到哪(?![年月天])|网点|窗口|营业厅|服务厅",
    "fee": r"费用|免费|交钱|费.?交|交.?费",
    "contact": r"电话|咨询|找谁|联系",
}.items()}
# A grade or class the question is about: 三级, 一档, 第二类 (digits and Chinese numerals alike), or the
# level of an award or title: 国家级, 省级, 市级, 区级.
_GRADE = re.compile(r"第?([一二三四五六七八九十两\d]+)(级|档|类)")
_LEVEL = re.compile(r"(国家|省|市|区)级")
_GRADE_RANGE = re.compile(r"([一二三四五六七八九十\d]+)[到至\-—~～]([一二三四五六七八九十\d]+)(级|档|类)")


def question_types(text: str) -> frozenset[str]:
    """The kinds of answer ``text`` asks for (empty when it says none)."""
    return frozenset(name for name, rx in TYPES.items() if rx.search(text))


def grades(text: str) -> frozenset[str]:
    """The grades or classes ``text`` names, as "3级" (五级、六级 → {5级, 6级}; 一到四级 → 1级 … 4级), and
    the levels it names as they are written ("省级")."""
    named = {f"{to_int(m.group(1))}{m.group(2)}" for m in _GRADE.finditer(text)} | {m.group(0) for m in _LEVEL.finditer(text)}
    for m in _GRADE_RANGE.finditer(text):
        low, high = to_int(m.group(1)), to_int(m.group(2))
        if low is not None and high is not None and 0 < high - low < 10:
            named.update(f"{n}{m.group(3)}" for n in range(low, high + 1))
    return frozenset(named)


CATEGORY_WORDS = Path(__file__).with_name("categories.yml")


@lru_cache(maxsize=1)
def _category_words() -> tuple[tuple[str, tuple[str, ...]], ...]:
    table = yaml.safe_load(CATEGORY_WORDS.read_text(encoding="utf-8"))
    return tuple((category, tuple(words)) for category, words in table.items())


# What a question about what exists says besides its subject: asking words, whose, for whom.
_GENERIC = re.compile(r"[^\u4e00-\u9fffA-Za-z]|有(什么|哪些|啥)|都有|哪些|什么|啥|政策|现在|目前|最近|今年|政府|国家|咱们|我们|"
                      r"你们|企业|公司|单位|个人|针对|对于|给|发的|发|有|的|了|吗|呢|啊|呀|吧|都|能|可以|享受|请问|一下|方面")


def category_asked(text: str) -> Optional[str]:
    """The category a question about what policies exist means: "物流企业有啥扶持政策" → 交通物流 (the
    first category in categories.yml with one of its words in the text, its name first); None when it
    says none."""
    table = _category_words()
    lowered = text.lower()
    return next((c for c, _ in table if c in text), None) or next(
        (c for c, words in table if any(w.lower() in lowered for w in words)), None)


def says_nothing_more(text: str) -> bool:
    """True when ``text`` holds nothing but the asking words of a question about what exists
    ("现在都有啥政策啊")."""
    return len(_GENERIC.sub("", text)) <= 1
