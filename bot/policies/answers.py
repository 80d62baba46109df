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
from bot.policies.questions import category_asked, question_types, says_nothing_more
from bot.policies.search import FaqEntry, PolicyEntry, PolicyHit, PolicyIndex, canon, follow_up_query
from bot.nlp.text import find_district
from bot.replies import render

FAQ_COVERAGE = 0.4  # idf-weighted share of the question's known bigrams a FAQ pair must contain to be the answer
FOUND_COVERAGE = 0.3  # share of the question's bigrams a policy must contain to be about it
APPLY_WORDS = re.compile(r"怎么申请|如何申请|咋申请|怎么办理|如何办理|咋办|去哪|在哪|流程|步骤|手续|材料")
FOLLOW_UP_CHARS = 12  # a question this short after a policy's answer is about that policy unless it names another
FOLLOW_UP = re.compile(r"^(那|那么|那个|还有|另外|再问一下)|呢[？?。！!]*$")
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

    @property
    def found(self) -> bool:
        """True when the answer comes from a policy, a category or the categories, not the honest "nothing found"."""
        return self.policy is not None or self.category is not None or self.menu


def _footer(policy: PolicyEntry, public_url: str, today: date) -> str:
    status = render("policy_expired", date=_cn_date(policy.expires_on)) if policy.expires_on and policy.expired(today) else ""
    return render("policy_footer", issuer=policy.issuer, phone=policy.answer_phone,
                  url=policy_url(policy.code, public_url), status=status)


def _cn_date(day: Optional[date]) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _faq_answer(policy: PolicyEntry, faq: FaqEntry, question: str, public_url: str, today: date) -> PolicyAnswer:
    text = render("policy_faq", title=policy.short_title, answer=faq.answer) + _footer(policy, public_url, today)
    return PolicyAnswer(text, policy, question)


def _overview(policy: PolicyEntry, question: str, public_url: str, today: date) -> PolicyAnswer:
    """The interpretation's first paragraph, or the steps when the user asks how to apply."""
    if APPLY_WORDS.search(question) and policy.steps:
        body = render("policy_steps", steps="\n".join(f"{i}. {s}" for i, s in enumerate(policy.steps, 1)))
    else:
        body = policy.interpretation.strip().split("\n")[0]
    text = render("policy_faq", title=policy.short_title, answer=body) + _footer(policy, public_url, today)
    return PolicyAnswer(text, policy, question)


def _listing(hits: list[PolicyHit], category: str, public_url: str, today: date, question: str) -> PolicyAnswer:
    """A category's policies in force, the city's first (a district's only after them, unless it is asked about)."""
    asked = find_district(question)
    current = [h.policy for h in hits if not h.policy.expired(today)]
    current = sorted(current, key=lambda p: find_district(p.issuer) not in (None, asked))[:5]
    lines = "\n".join(f"{i}. {p.short_title}（{p.issuer}）" for i, p in enumerate(current, 1))
    text = render("policy_list", category=category, lines=lines, url=category_url(category, public_url))
    return PolicyAnswer(text, current[0] if len(current) == 1 else None, "", current, category)


def answer_question(index: PolicyIndex, question: str, today: date, public_url: str, hotline: str,
                    context_code: Optional[str] = None, previous: str = "",
                    category: Optional[str] = None) -> PolicyAnswer:
    """The best answer to ``question`` given the policy talked about before (``context_code``)."""
    question = question.strip()
    context = index.by_code.get(context_code or "")
    if context is not None and (FOLLOW_UP.search(question) or len(question) <= FOLLOW_UP_CHARS) \
            and not _names_another(index, question, context):
        rewritten = follow_up_query(previous, question)
        asked = rewritten or question
        kinds = question_types(canon(asked))
        faq, share = index.best_faq(asked, context)
        if faq is not None and (share >= FAQ_COVERAGE or kinds & index.kinds_of(context, faq)):
            return _faq_answer(context, faq, asked, public_url, today)  # "啥时候能发下来": the pair about when
        if rewritten is None and (APPLY_WORDS.search(question) or kinds & {"steps", "materials", "place"}):
            return _overview(context, question, public_url, today)
        if rewritten is None and "contact" in kinds:  # "找谁咨询": the issuer and its phone
            text = render("policy_faq", title=context.short_title, answer=render(
                "policy_contact", issuer=context.issuer, phone=context.answer_phone)) + _footer(context, public_url, today)
            return PolicyAnswer(text, context, question)
    if category is None and LIST_WORDS.search(question):  # "物流企业有啥扶持政策": the category it means
        category = category_asked(question)
    if category and (LIST_WORDS.search(question) or len(question) <= len(category) + 6):
        hits = index.search(question, today, category=category, limit=20) or [
            PolicyHit(p, 0.0, None, 0.0) for p in index.policies if p.category == category]
        if hits:
            return _listing(hits, category, public_url, today, question)
    if category is None and LIST_WORDS.search(question) and says_nothing_more(question):
        text = render("policy_categories", categories="、".join(POLICY_CATEGORIES), url=f"{public_url}/policies")
        return PolicyAnswer(text, question=question, menu=True)  # "有什么政策": which kind, then the list
    hits = index.search(question, today)
    if not hits or hits[0].coverage < FOUND_COVERAGE:
        return not_found(_likely_issuer(hits, question), hotline)
    top = hits[0].policy
    faq, share = index.best_faq(question, top)
    if faq is not None and share >= FAQ_COVERAGE:
        return _faq_answer(top, faq, question, public_url, today)
    return _overview(top, question, public_url, today)


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
