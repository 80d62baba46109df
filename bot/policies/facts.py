"""A policy's facts, field by field (docs/policy-format.md, `facts`), and the answer a question of a
given kind gets from them: "三级伤残津贴涨了多少" → the amount for grade three with its increase and the
date it applies from, "涨的钱谁给" → who pays, "啥时候能发下来" → when it is paid, "要带啥" → what to bring.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Optional

from bot.nlp.numbers import NUMERAL, to_int
from bot.nlp.text import bigrams
from bot.policies.questions import canon, grades

TEXT_KEYS = ("payer", "payment", "deadline", "eligible", "channel", "place")
AMOUNT_KEYS = ("item", "value", "change", "from")
MAX_AMOUNTS = 6  # amounts shown at once when the question does not say which
VALUE_WEIGHT = 0.5  # a bigram the question shares with the figure itself ("最高", "每年")
EXTRA_PENALTY = 0.05  # per bigram of an amount's item the question does not say ("大部分" when "部分" is asked): a tie-breaker
MARGIN = 0.01  # amounts scoring this close to the best (a tie) are shown with it
SUBJECT_DISCOUNT = 0.5  # of a bigram of the policy's name: it says which policy more than which item
DESCRIBED = 3  # bigrams of an item the question must say before the item's other words count against it
_GRADE_WORDS = re.compile(r"第?[一二三四五六七八九十两\d]+(?:[到至、\-—~～][一二三四五六七八九十\d]+)?[级档类]")
_PAID = re.compile(r"发放|到账|补发|拨付|兑现|放款|打款|打到")
_APPLY = re.compile(r"申请|申报|报名|提交|报")
_DURATION = re.compile(r"多长|几天|几个月|几年|多少天|多少个?工作日|多少年|多少个月")
# A figure that is a condition of the policy ("裁员率上限：不高于5.5%", "缴纳社保要求：满3个月").
_CONDITION = re.compile(r"要求|上限|下限|门槛|条件|年限|^(不高于|不低于|不少于|不超过|满|达到)")
_DURATION_ITEM = re.compile(r"时限|期限|时间|用时|多久|几年|年限")
_DURATION_VALUE = re.compile(r"[\d一二三四五六七八九十两半]+个?(工作日|日|天|周|月|年)(内|以内)?")
_EXPIRY = re.compile(r"到期|管到|执行到|有效期|到哪年|到什么时候|还有效|还能用")
_UNTIL = re.compile(r"截至|截止|执行至|有效期至|\d{4}年\d{1,2}月\d{1,2}日(前|止)")  # an amount's own end date
_OBTAIN = re.compile(r"哪.{0,2}(领|抢|报名)|(领|抢|报名).{0,2}哪")  # where to get it is how to apply for it
_BEFORE = re.compile(r"提前")  # "提前多长时间找银行": how long before, the deadline's matter
_FEE = re.compile(r"费|免费|收费|(?<![\d.])0元")
# The unit of time a duration question asks in, and the units of the figures that answer it.
_UNITS = tuple((re.compile(asked), re.compile(rf"[\d一二三四五六七八九十两半]+个?({unit})")) for asked, unit in (
    (r"几天|多少天|几个?工作日|多少个?工作日", "工作日|日|天"), (r"几个月|多少个月", "月"), (r"几年|多少年", "年")))
# The question's asking words in the frequent questions' wording: shared with an item, they say nothing
# about which item is meant ("期限" reads as "多长时间").
_ASKING = frozenset(bigrams("多长时间 什么时候 多少 费用"))
# A sum the question states ("营收过了两千万", "卖了200万美金", "过一个亿") and the threshold an item
# names ("年营业收入首次突破2000万元"): of tiered rewards, the tier the sum reaches is the one asked.
_SUM = re.compile(rf"({NUMERAL})个?(亿|万)")
_THRESHOLD = re.compile(rf"(?:超过|突破|达到|过)({NUMERAL})(亿|万)")
# An enterprise size ("中小微企业", "大型企业"; 小微 reads 小型微型 in the frequent questions' wording): a
# qualifier like a grade, so that a question naming no size gets the amount of each.
_SIZE = re.compile(r"(大型|中型|小型|微型|中小微|中小|小微)(企业)?")
# What a verb of the question asks of an item: "能贷多少" is the loan's limit, "能补几年" the subsidy's.
_VERB_NOUNS = (("贷", "额度"), ("借", "额度"), ("补", "补贴"), ("奖", "奖励"), ("扣", "扣除"), ("退", "退还"),
               ("招", "吸纳"))
_START = re.compile(r"开始|起算|生效|执行|实施|施行|从什么时候")


@dataclass(frozen=True)
class Amount:
    item: str
    value: str
    change: str = ""
    applies_from: Optional[date] = None

    def line(self) -> str:
        change = f"（{self.change}）" if self.change else ""
        return f"{self.item}：{self.value}{change}"


@dataclass(frozen=True)
class Facts:
    """What a policy says about the questions people ask; empty strings and tuples where it says nothing."""

    amounts: tuple[Amount, ...] = ()
    payer: str = ""
    payment: str = ""
    deadline: str = ""
    eligible: str = ""
    materials: tuple[str, ...] = ()
    channel: str = ""
    place: str = ""

    @classmethod
    def from_json(cls, data: Optional[dict[str, Any]]) -> "Facts":
        data = data or {}
        return cls(
            amounts=tuple(Amount(a["item"], a["value"], a.get("change", ""),
                                 date.fromisoformat(a["from"]) if a.get("from") else None)
                          for a in data.get("amounts", ())),
            materials=tuple(data.get("materials", ())),
            **{key: data.get(key, "") for key in TEXT_KEYS})


def check_facts(data: Any, bad: Callable[[str, str], None]) -> dict[str, Any]:
    """The clean ``facts`` of an imported policy (as stored), reporting what is wrong through ``bad``."""
    if not data:
        return {}
    if not isinstance(data, dict):
        bad("facts", "应是键值对")
        return {}
    clean: dict[str, Any] = {}
    for key, value in data.items():
        if key == "amounts":
            if not isinstance(value, list):
                bad("facts.amounts", "应是列表")
                continue
            clean[key] = [a for a in (_check_amount(i, a, bad) for i, a in enumerate(value, 1)) if a]
        elif key == "materials":
            items = value if isinstance(value, list) else [value]
            if not all(isinstance(v, str) and v.strip() for v in items):
                bad("facts.materials", "应是文字列表")
            clean[key] = [str(v).strip() for v in items if str(v or "").strip()]
        elif key in TEXT_KEYS:
            if value in (None, ""):
                continue
            if not isinstance(value, str):
                bad(f"facts.{key}", "应是一段文字")
            clean[key] = str(value).strip()
        else:
            bad("facts", f"不认识的字段 {key}")
    return {k: v for k, v in clean.items() if v}


def _check_amount(number: int, amount: Any, bad: Callable[[str, str], None]) -> Optional[dict[str, str]]:
    where = f"facts.amounts 第 {number} 项"
    if not isinstance(amount, dict) or not str(amount.get("item") or "").strip() or not str(amount.get("value") or "").strip():
        bad(where, "要有 item 和 value")
        return None
    unknown = set(amount) - set(AMOUNT_KEYS)
    if unknown:
        bad(where, f"不认识的字段 {'、'.join(sorted(map(str, unknown)))}")
    clean = {k: str(amount[k]).strip() for k in ("item", "value", "change") if str(amount.get(k) or "").strip()}
    if amount.get("from") not in (None, ""):
        start = amount["from"]
        start = start.date() if isinstance(start, datetime) else start
        try:
            clean["from"] = (start if isinstance(start, date) else date.fromisoformat(str(start).strip())).isoformat()
        except ValueError:
            bad(where, f"from “{start}”不是 YYYY-MM-DD 格式的日期")
    return clean


def _is_duration(amount: Amount) -> bool:
    """A period or time limit ("补贴期限：最长3年", "办结时限：3个工作日"), not a sum of money."""
    return bool(_DURATION_ITEM.search(amount.item)) or (
        bool(_DURATION_VALUE.search(amount.value)) and "元" not in amount.value)


def cn_date(day: Optional[date]) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def amounts_asked(facts: Facts, question: str, durations: Optional[bool] = False, subject: str = "") -> list[Amount]:
    """The amounts ``question`` asks about, best first: those whose item says most of what it says
    (grades aside), with those nearly as good, and of these the ones of the grade it names; all of them
    (up to MAX_AMOUNTS) when it says nothing an item says. ``durations``: True for periods and time limits
    only, False for sums rather than periods when there are any, None for either; "一到四级…" gets the
    amount of each grade. The words of ``subject`` (the policy's name) say which policy, not which item."""
    asked, size = grades(question), sizes(question)
    said = set(bigrams(_GRADE_WORDS.sub(" ", question))) - _ASKING

    def allowed(other_grades: bool) -> list[Amount]:
        return [a for a in facts.amounts if (not durations or _is_duration(a) or _DURATION_VALUE.search(a.value))
                and (other_grades or not (asked and grades(a.item) and not grades(a.item) & asked))
                and not (size and sizes(a.item) and not sizes(a.item) & size)]

    def best(amounts: list[Amount]) -> int:
        return max((len(said & set(bigrams(canon(a.item)))) for a in amounts), default=0)
    candidates = allowed(False)
    if best(candidates) < DESCRIBED and best(allowed(True)) > best(candidates):
        candidates = allowed(True)  # "二级能效的洗衣机" where only 1级能效 is subsidised: that item says so
    if durations is False:  # "一年房租最多补多少" is not about how long it is paid
        candidates = [a for a in candidates if not _is_duration(a)] or candidates
    if not candidates:
        return []
    reached = _tier_reached(candidates, question)
    if reached:  # "营收过了两千万 奖多少": the tier that sum reaches
        return reached
    said |= {noun for verb, noun in _VERB_NOUNS if verb in question}
    named = set(bigrams(canon(subject)))
    scores, overlaps = [], []
    for amount in candidates:
        item = set(bigrams(canon(_GRADE_WORDS.sub(" ", amount.item))))
        core = set(bigrams(canon(_SIZE.sub(" ", _GRADE_WORDS.sub(" ", amount.item)))))  # sizes are no extra words
        value = set(bigrams(canon(amount.value)))
        shared = item & said
        overlaps.append(len(shared) - SUBJECT_DISCOUNT * len(shared & named) + VALUE_WEIGHT * len(value & said))
        described = len(item & said) >= DESCRIBED  # "部分不能自理的护理费", not merely "护理费"
        scores.append(overlaps[-1] - EXTRA_PENALTY * len(core - said) * described)
    best = max(scores)
    chosen = [a for score, a in sorted(zip(scores, candidates), key=lambda pair: -pair[0])
              if score >= best - MARGIN] if max(overlaps) > 0 else candidates  # "工伤待遇涨了多少": all
    graded = [a for a in chosen if grades(a.item) & asked]
    return (graded or chosen)[:MAX_AMOUNTS]


def sizes(text: str) -> frozenset[str]:
    """The enterprise sizes ``text`` (in the frequent questions' wording) names: 大, 中, 小, 微."""
    return frozenset(ch for m in _SIZE.finditer(text) for ch in m.group(1) if ch in "大中小微")


def _names_item(facts: Facts, question: str) -> bool:
    """True when the question says enough of an amount's item to choose it alone ("那部分不能自理的呢")."""
    return any(_describes(question, a) for a in facts.amounts)


def _describes(question: str, amount: Amount) -> bool:
    """True when the question says enough of the amount's item to mean it ("首版次软件" of "软件首版次奖励")."""
    return len((set(bigrams(question)) - _ASKING) & set(bigrams(canon(amount.item)))) >= DESCRIBED


def _sum(number: str, unit: str) -> Optional[int]:
    value = to_int(number)
    return None if value is None else value * (100_000_000 if unit == "亿" else 10_000)


def _tier_reached(amounts: list[Amount], question: str) -> list[Amount]:
    """Of tiered amounts, the highest tier the sum the question states reaches (the lowest when it reaches
    none, with its condition); empty when the question states no sum or there are no tiers."""
    said = [_sum(*m.groups()) for m in _SUM.finditer(question)]
    tiers = [(_sum(*m.groups()), a) for a in amounts for m in [_THRESHOLD.search(a.item)] if m]
    if not said or said[-1] is None or len(tiers) < 2 or any(t is None for t, _ in tiers):
        return []
    reached = [(t, a) for t, a in tiers if t <= said[-1]]  # type: ignore[operator]
    return [max(reached or [min(tiers, key=lambda pair: pair[0])], key=lambda pair: pair[0])[1]]


def answer(facts: Facts, kinds: frozenset[str], question: str, effective_on: date,
           expires_on: Optional[date] = None, steps: tuple[str, ...] = (), earlier: str = "",
           subject: str = "") -> Optional[str]:
    """The answer the facts give to a question of ``kinds`` (bot.policies.questions), or None when they
    hold none; ``question`` is in the frequent questions' wording (canon). A follow-up's amounts are
    chosen with the ``earlier`` question too ("比原来多了多少" after "三级伤残津贴现在多少"); the words of
    ``subject`` (the policy's short title) do not choose among them."""
    if earlier and not grades(question) and not _names_item(facts, question):
        question = f"{earlier} {question}"
    parts = [part for part in (_answer(facts, kind, question, effective_on, expires_on, steps, subject)
                               for kind in ORDER if kind in kinds)
             if part]
    return "\n".join(dict.fromkeys(parts[:2])) or None  # at most two things asked in one message


ORDER = ("payer", "time", "fee", "materials", "place", "steps", "eligibility", "amount")


def _answer(facts: Facts, kind: str, question: str, effective_on: date, expires_on: Optional[date],
            steps: tuple[str, ...], subject: str) -> str:
    if kind == "amount":
        return _amounts(amounts_asked(facts, question, subject=subject))
    if kind == "time":
        return _time(facts, question, effective_on, expires_on, subject)
    if kind == "fee":  # "代办收钱不", "领UKey要花钱不": the figures about fees
        fees = [a for a in facts.amounts if _FEE.search(a.item + a.value)]
        return _amounts(amounts_asked(Facts(amounts=tuple(fees)), question, None, subject)) if fees else ""
    if kind == "payer":
        return facts.payer and f"谁来支付：{facts.payer}"
    if kind == "eligibility":  # who qualifies, the figures that are conditions and those the question names
        figures = [a.line() for a in facts.amounts if _CONDITION.search(a.item) or _CONDITION.search(a.value)
                   or _describes(question, a)]
        return facts.eligible and f"适用对象和条件：{facts.eligible}" + (
            "\n具体标准：" + "；".join(figures) + "。" if figures else "")
    if kind == "materials":
        return facts.materials and "需要准备：" + "、".join(facts.materials)
    if kind == "place":
        where = facts.place and f"办理地点：{facts.place}"
        how = facts.channel and f"办理方式：{facts.channel}"
        return (how or where) if _OBTAIN.search(question) else (where or how)  # "消费券在哪领": how to get it
    if kind == "steps":
        flow = "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1))
        how = facts.channel and f"办理方式：{facts.channel}"
        return "\n".join(p for p in (how, flow and f"办理流程：\n{flow}") if p)
    return ""


def _in_unit_asked(amounts: list[Amount], question: str) -> list[Amount]:
    """Of ``amounts``, those in the unit of time the question asks in ("几天能办完": days, not the five
    years to pay in capital), when there are any."""
    for asked, unit in _UNITS:
        if asked.search(question):
            return [a for a in amounts if unit.search(a.value)] or amounts
    return amounts


def _amounts(amounts: list[Amount]) -> str:
    if not amounts:
        return ""
    starts = {a.applies_from for a in amounts}
    since = f"，自{cn_date(starts.pop())}起执行" if len(starts) == 1 and None not in starts else ""
    if len(amounts) == 1:
        return amounts[0].line() + since + "。"
    return "\n".join(a.line() for a in amounts) + (f"\n以上标准{since[1:]}。" if since else "")


def _time(facts: Facts, question: str, effective_on: date, expires_on: Optional[date], subject: str) -> str:
    if _PAID.search(question) and facts.payment:  # "几天能放款", "啥时候能发下来"
        return f"发放时间：{facts.payment}"
    if _DURATION.search(question) and not _BEFORE.search(question):  # "补多长时间": a figure, not a date
        in_unit = Facts(amounts=tuple(_in_unit_asked(list(facts.amounts), question)))  # "几个月": months
        periods = _amounts(amounts_asked(in_unit, question, True, subject))
        if periods or not _DURATION_VALUE.search(facts.payment):
            return periods
        return f"发放时间：{facts.payment}"  # "多长时间能审完", "分几年给": how long the payment field says
    deadline = facts.deadline and f"申请期限：{facts.deadline}"
    if (_APPLY.search(question) or _BEFORE.search(question) or "截止" in question) and deadline:
        return deadline
    if _EXPIRY.search(question) or "截止" in question:  # "这个政策管到啥时候"
        if expires_on:
            return f"本政策执行至{cn_date(expires_on)}。"
        until = [a for a in amounts_asked(facts, question, subject=subject) if _UNTIL.search(a.value)]
        return _amounts(until) if until else deadline  # "中型企业…能办到哪年": the part that ends
    if _names_item(facts, question):  # "一般纳税人汇算完确定是小微了 从几月开始减半": that case's period
        period = amounts_asked(facts, question, True, subject)
        if period and len(period) < len(facts.amounts):
            return _amounts(period)
    start = f"自{cn_date(effective_on)}起执行。"
    if _START.search(question):
        return start
    return "\n".join(p for p in (start, facts.payment and f"发放时间：{facts.payment}", deadline) if p)
