"""Answer a policy question: the specific answer from the right policy, with its issuer, phone and page.

Follow-ups keep the context: a short question ("那怎么申请？", "啥时候能发下来", "找谁咨询") is about the
policy just answered unless it names another; it is answered by the pair of the kind it asks for, and an
elliptical one ("二级呢？") replaces its part of the previous question.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

from bot.db.policies import POLICY_CATEGORIES
from bot.policies.cards import category_url, policy_url
from bot.policies.eligibility import Profile
from bot.policies.enterprises import description
from bot.policies.facts import answer as facts_answer
from bot.policies.questions import canon, category_asked, grades, question_types, says_nothing_more
from bot.policies.search import PolicyEntry, PolicyHit, PolicyIndex, carry_grade, follow_up_query
from bot.nlp.text import find_district, normalise
from bot.replies import render

CLOSE_SCORE = 0.75  # a policy scoring this share of the best one's is as likely meant
CLOSE_FAQ = 0.7  # share above which a frequent question of the kind asked answers before the fields
FAQ_COVERAGE = 0.4  # idf-weighted share of the question's known bigrams a FAQ pair must contain to be the answer
PASSAGE_COVERAGE = 0.6  # share a sentence of the text must contain to be quoted as the answer
FOUND_COVERAGE = 0.3  # share of the question's bigrams a policy must contain to be about it
SURE_COVERAGE = 0.6  # share of the question a policy must hold to answer a question taken for a contact one
ONE_POLICY_COVERAGE = 0.35  # a "有啥奖励" question whose best policy holds this share is about that policy
APPLY_WORDS = re.compile(r"怎么申请|如何申请|咋申请|怎么办理|如何办理|咋办|去哪|在哪|流程|步骤|手续|材料")
FOLLOW_UP_CHARS = 12  # a question this short after a policy's answer is about that policy unless it names another
FOLLOW_UP = re.compile(r"^(那|那么|那个|还有|另外|再问一下|要是)|呢[？?。！!]*$")
OFFICE_ONLY = re.compile(r"电话|号码|地址|几点|上班|下班|咋走|怎么走")  # an office's, not a policy's
WHICH = re.compile(r"哪[几一二三四五六七八九十两\d]+(个|项|类|种|样)|都(是|有)(啥|什么|哪些)|包括(啥|什么|哪些)")  # which ones
STILL = re.compile(r"还能|还可以|还让|还受理|还有效|还管用|还在|现在还有|还有没有")  # asks whether it still holds
ELLIPTICAL = re.compile(r"呢[？?。！!]*$")  # "那二级呢": asks again what was asked, of another case
OURS = re.compile(r"我们|俺们|咱们|我家|俺家|我的|本公司|我公司|我司")
MANY_WORDS = re.compile(r"都有|哪些|都是啥|都啥|列出|几种|几项|措施|优惠")  # asks for several
FIELD_WORDS = re.compile(r"方面|这块|这一块|领域")  # "融资方面的政策": asks about a field
LIST_WORDS = re.compile(r"有(什么|哪些|啥)|都有|哪些政策|什么政策|啥政策|政策有|列出|介绍")


@dataclass
class PolicyAnswer:
    """What to tell the user, and the context to keep for the next question."""

    text: str
    policy: Optional[PolicyEntry] = None  # the policy answered about (context for follow-ups)
    question: str = ""  # the question as understood (context for elliptical follow-ups)
    listed: list[PolicyEntry] = field(default_factory=list)  # policies of a category listing
    category: Optional[str] = None
    menu: bool = False  # the categories, for "有什么政策"
    weak: bool = False  # no policy about what was asked: the nearest category instead
    sure: bool = True  # named or nearly all its words found: answers before a unit handling the matter does
    named: bool = True  # the question names the policy (or follows up on it), not only words of it

    @property
    def found(self) -> bool:
        """True when the answer comes from a policy, a category or the categories, not the honest "nothing found"."""
        return self.policy is not None or self.category is not None or self.menu


def only_follows(question: str) -> bool:
    """True when ``question`` can only be understood with the policy just answered, whatever else it might
    be read as: it begins with 那/要是 or ends with 呢 ("二套呢", "那重新认定的呢"), or it is short and
    asks what a policy says ("要带啥", "一年能减多少") without an office's phone or hours."""
    asks = bool(question_types(canon(question)) - {"contact", "place"})
    return (bool(FOLLOW_UP.search(question)) or len(question) <= FOLLOW_UP_CHARS and asks) \
        and not OFFICE_ONLY.search(question)


def _footer(policy: PolicyEntry, public_url: str, today: date) -> str:
    status = render("policy_expired", date=_cn_date(policy.expires_on)) if policy.expires_on and policy.expired(today) else ""
    return render("policy_footer", issuer=policy.issuer, phone=policy.answer_phone,
                  url=policy_url(policy.code, public_url), status=status)


def _cn_date(day: Optional[date]) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _reply(policy: PolicyEntry, body: str, question: str, public_url: str, today: date) -> PolicyAnswer:
    text = render("policy_faq", title=policy.short_title, answer=body) + _footer(policy, public_url, today)
    return PolicyAnswer(text, policy, question)


def _specific(index: PolicyIndex, policy: PolicyEntry, question: str, public_url: str, today: date,
              earlier: Optional[str] = None) -> Optional[PolicyAnswer]:
    """The answer to the kind of question asked: a frequent question that says it closely, else the policy's
    field for that kind (an amount, when it is paid, who pays …), else a frequent question sharing enough of
    its words (in a follow-up to ``earlier``, one of the kind asked); None when none of them answers it."""
    kinds = question_types(canon(question))
    if policy.expired(today) and STILL.search(question):  # "现在还能报不": no longer
        return _reply(policy, render("policy_closed"), question, public_url, today)
    if not kinds and earlier and ELLIPTICAL.search(question):  # "那要是过了一个亿呢": what was asked before
        kinds = question_types(canon(earlier))
    faq, share = index.best_faq(question, policy)
    fits = faq is not None and bool(kinds & index.kinds_of(policy, faq))
    if faq is not None and share >= CLOSE_FAQ and (fits or not kinds) and len(grades(question)) <= 1:
        return _reply(policy, faq.answer, question, public_url, today)
    if WHICH.search(question) and not (faq and _lists(faq.answer)):  # "四证同发是哪四个证": the text's list
        passage, said = index.best_passage(question, policy)
        if said >= FAQ_COVERAGE and _lists(passage):
            return _reply(policy, passage, question, public_url, today)
    if kinds == {"contact"}:  # "找谁咨询": the issuer and its phone
        return _reply(policy, render("policy_contact", issuer=policy.issuer, phone=policy.answer_phone),
                      question, public_url, today)
    body = facts_answer(policy.facts, kinds, canon(question), policy.effective_on, policy.expires_on, policy.steps,
                        canon(earlier or ""), policy.short_title)
    if body:
        return _reply(policy, body, question, public_url, today)
    if faq is not None and (share >= FAQ_COVERAGE or earlier is not None and fits):
        return _reply(policy, faq.answer, question, public_url, today)
    passage, share = index.best_passage(question, policy)
    if share >= PASSAGE_COVERAGE:  # "代办收钱不": the sentence of the text that says it
        return _reply(policy, passage, question, public_url, today)
    return None


def _lists(text: str) -> bool:
    """True when ``text`` enumerates (three things or more, "甲、乙和丙")."""
    return text.count("、") >= 2


def _overview(policy: PolicyEntry, question: str, public_url: str, today: date) -> PolicyAnswer:
    """The interpretation's first paragraph, or the steps when the user asks how to apply."""
    if APPLY_WORDS.search(question) and policy.steps:
        body = render("policy_steps", steps="\n".join(f"{i}. {s}" for i, s in enumerate(policy.steps, 1)))
    else:
        body = policy.interpretation.strip().split("\n")[0]
    return _reply(policy, body, question, public_url, today)


def _listing(hits: list[PolicyHit], category: str, public_url: str, today: date, question: str,
             enterprise: Optional[Profile] = None) -> PolicyAnswer:
    """A category's policies in force, one line each with its key figure: the city's first (a district's
    only after them, unless it is asked about); for an enterprise, those that fit it first, saying why."""
    asked = find_district(question) or (enterprise.district if enterprise else None)
    current = [h.policy for h in hits if not h.policy.expired(today)]
    fits = {p.code: p.rules.reasons(enterprise, today) for p in current} if enterprise else {}
    current = sorted(current, key=lambda p: (fits.get(p.code) is None if enterprise else False,
                                             find_district(p.issuer) not in (None, asked)))[:5]
    lines = "\n".join(f"{i}. {_line(p)}{_why(fits.get(p.code))}" for i, p in enumerate(current, 1))
    text = render("policy_list_fit" if any(fits.values()) else "policy_list", category=category, lines=lines,
                  url=category_url(category, public_url))
    return PolicyAnswer(text, current[0] if len(current) == 1 else None, "", current, category)


def _line(policy: PolicyEntry) -> str:
    """A policy in a list: its short title and its first figure (全国统一通行费优惠：95折)."""
    amount = policy.facts.amounts[0] if policy.facts.amounts else None
    return f"{policy.short_title}——{amount.item}：{amount.value}" if amount else policy.short_title


def _why(reasons: Optional[list[str]]) -> str:
    return f"（贵公司{'、'.join(reasons)}）" if reasons else ""


def _fit(policy: PolicyEntry, enterprise: Profile, question: str, public_url: str, today: date) -> PolicyAnswer:
    """Whether the enterprise asking fits the policy, by the policy's rules and what it says of who qualifies."""
    reasons = policy.rules.reasons(enterprise, today)
    conditions = policy.facts.eligible and render("policy_conditions", conditions=policy.facts.eligible)
    if reasons is None:
        body = render("policy_does_not_fit", enterprise=description(enterprise), conditions=conditions)
    elif reasons:
        body = render("policy_fits", reasons="、".join(reasons), conditions=conditions)
    else:
        body = render("policy_fits_anyone", conditions=conditions)
    return _reply(policy, body, question, public_url, today)


def answer_question(index: PolicyIndex, question: str, today: date, public_url: str, hotline: str,
                    context_code: Optional[str] = None, previous: str = "",
                    category: Optional[str] = None, enterprise: Optional[Profile] = None) -> PolicyAnswer:
    """The best answer to ``question`` given the policy talked about before (``context_code``) and the
    enterprise asking (bound to the user, or described in the question), if any."""
    question = index.corrected(question.strip())
    context = index.by_code.get(context_code or "")
    ours = bool(OURS.search(question)) and "eligibility" in question_types(canon(question))  # "我们公司能享受吗"
    stays = context is not None and (FOLLOW_UP.search(question) or len(question) <= FOLLOW_UP_CHARS
                                     or ours and not index.named(question)) \
        and not _names_another(index, question, context)
    asks_more = bool(FOLLOW_UP.search(question) or question_types(canon(question)))  # not "帮我订张机票"
    if stays:
        rewritten = follow_up_query(previous, question)  # "二级呢？": the previous question for grade two
        asked = rewritten or (carry_grade(previous, question) if asks_more else None) or question
        if enterprise is not None and ours:
            return _fit(context, enterprise, question, public_url, today)  # "我们公司能享受吗"
        specific = _specific(index, context, asked, public_url, today, earlier=previous)
        if specific is not None:  # "啥时候能发下来": when it is paid, still the same policy
            return specific
        if rewritten is None and (APPLY_WORDS.search(question) or question_types(canon(question)) & {"steps", "materials", "place"}):
            return _overview(context, question, public_url, today)
    hits = index.search(question, today)
    if category is None and LIST_WORDS.search(question) and not _about_one(hits, question):
        category = category_asked(question)  # "物流企业有啥扶持政策", but not "评上专精特新了有啥奖励"
    if category and (LIST_WORDS.search(question) or len(question) <= len(category) + 6):
        matching = index.search(question, today, category=category, limit=20)  # the words it says first
        listed = matching + [PolicyHit(p, 0.0, None, 0.0) for p in index.policies if p.category == category
                             and p not in {h.policy for h in matching}]
        subject = index.unknown_subject(question) if not context_code else None
        if listed and subject:  # "养宠物狗有什么政策补贴吗": say there is none, then what the category has
            return _weak([h.policy for h in listed], subject, category, public_url, today, hotline)
        if listed:
            return _listing(listed, category, public_url, today, question, enterprise)
    if category is None and LIST_WORDS.search(question) and says_nothing_more(question):
        text = render("policy_categories", categories="、".join(POLICY_CATEGORIES), url=f"{public_url}/policies")
        return PolicyAnswer(text, question=question, menu=True)  # "有什么政策": which kind, then the list
    if stays and asks_more and (not hits or hits[0].policy.code not in index.named(question)) \
            and index.unmentioned_topic(question, context) is None:  # "那上哪装": still that policy
        return _overview(context, question, public_url, today)
    if hits and hits[0].coverage < FOUND_COVERAGE:  # the runner-up, scoring alike, may hold the question
        close = [h for h in hits[1:] if h.score >= CLOSE_SCORE * hits[0].score and h.coverage >= FOUND_COVERAGE]
        hits = sorted(close, key=lambda h: -h.coverage)[:1] + hits if close else hits
    if not hits or hits[0].coverage < FOUND_COVERAGE:
        return not_found(_likely_issuer(hits, question), hotline)
    top = hits[0].policy
    subject = index.unmentioned_topic(question, top) or index.unknown_thing(question, top)  # "宠物看病的补贴"
    if subject is not None:  # "公积金贷款最高能贷多少" is not answered by the start-up loan
        nearest = top.category
        return _weak([h.policy for h in hits if h.policy.category == nearest]
                     + [p for p in index.policies if p.category == nearest], subject, nearest, public_url, today, hotline)
    if enterprise is not None and ours:
        answer = _fit(top, enterprise, question, public_url, today)  # "我们公司能享受稳岗返还吗"
    else:
        answer = _specific(index, top, question, public_url, today) or _overview(top, question, public_url, today)
    answer.sure = hits[0].coverage >= SURE_COVERAGE
    answer.named = top.code in index.named(question)
    return answer


def _weak(nearest: list[PolicyEntry], subject: str, category: str, public_url: str, today: date,
          hotline: str) -> PolicyAnswer:
    """No policy about ``subject``: say so, with the nearest category's policies (``nearest`` first) and
    whom to ask."""
    listed = list(dict.fromkeys(p for p in nearest if not p.expired(today)))[:3]
    lines = "\n".join(f"{i}. {_line(p)}" for i, p in enumerate(listed, 1))
    issuer = listed[0] if listed else None
    text = render("policy_weak", subject=subject, category=category, lines=lines,
                  url=category_url(category, public_url), issuer=issuer.issuer if issuer else "市民服务热线",
                  phone=issuer.answer_phone if issuer else hotline, hotline=hotline)
    return PolicyAnswer(text, listed=listed, category=category, weak=True)


def _about_one(hits: list[PolicyHit], question: str) -> bool:
    """True when a "有啥…" question is about its best policy rather than a category: that policy's short
    title is said ("专精特新企业奖励有哪些政策"), or, when the question does not ask for policies as such,
    it holds enough of the question ("过了CMMI5有啥奖励"); "民营企业有啥扶持政策", "补贴都有哪些" and
    "融资方面有啥" ask for a category's list."""
    if not hits or FIELD_WORDS.search(question):  # "融资方面", "开公司办执照这块": a field, not one policy
        return False
    if "政策" in question or MANY_WORDS.search(question):  # policies as such: only one the question names by name
        return normalise(hits[0].policy.short_title) in normalise(question)
    return hits[0].coverage >= ONE_POLICY_COVERAGE


def _names_another(index: PolicyIndex, question: str, context: PolicyEntry) -> bool:
    """True when a short question names another policy than the one talked about ("那研发费用加计扣除呢")."""
    named = index.named(question)
    return bool(named) and context.code not in named


def _likely_issuer(hits: list[PolicyHit], question: str) -> Optional[PolicyEntry]:
    """The nearest policy whose issuer could know, leaving out a district's unit unless that district is asked about."""
    asked = find_district(question)
    return next((h.policy for h in hits if h.coverage > 0 and find_district(h.policy.issuer) in (None, asked)), None)


def not_found(likely: Optional[PolicyEntry], hotline: str) -> PolicyAnswer:
    """An honest "not found", with the phone of the unit most likely to know, or the hotline."""
    if likely is not None:
        return PolicyAnswer(render("policy_not_found_unit", issuer=likely.issuer, phone=likely.answer_phone,
                                   hotline=hotline))
    return PolicyAnswer(render("policy_not_found", hotline=hotline))
