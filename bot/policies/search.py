"""Policy retrieval: which policy and which of its frequent questions a user's question is about.

Policies (hundreds, with their FAQ) are held in memory. Two BM25 indexes over jieba words and
character bigrams: one over each FAQ pair (question weighted over answer, with the policy's names),
one over each policy (names and keywords weighted over interpretation and text). A policy ranks by
both; the answer is its best FAQ when that FAQ covers the question well enough.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Optional, Sequence

import yaml
from jieba import posseg
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.db.directory import Matter
from bot.db.policies import Policy
from bot.nlp.bm25 import BM25
from bot.nlp.sound import SoundIndex
from bot.nlp.text import DISTRICT_FORMS, bigrams, find_district, normalise
from bot.nlp.tokenize import words
from bot.policies.eligibility import Rules
from bot.policies.facts import Facts
from bot.policies.questions import canon, grades, question_types

# Words of every question that say nothing about which policy is meant.
STOP = frozenset("""
我 我们 咱 咱们 你 你们 他 的 了 吗 呢 吧 啊 呀 嘛 么 哈 是 有 在 和 与 及 或 就 都 也 还 要 想 能 会 可以 能不能 可不可以
什么 啥 怎么 咋 怎样 怎么样 如何 哪些 哪个 哪里 哪儿 多少 几 是否 有没有 是不是 请问 问 问一下 一下 咨询 了解 知道 告诉
现在 目前 这个 那个 那 这 个 政策 规定 文件 有关 相关 关于 一个 给 让 被 对 从 到 跟 为 吧 呗 嘎哈 干啥 怎么办 办法
""".split())
MIN_TOPIC = 3  # characters: two-character words are too often abbreviations ("社保", "高企") to judge by
EXPIRED_FACTOR = 0.6  # an expired policy still answers, but after the ones in force
EARLIER = re.compile(r"(去年|前年|原来|以前|之前|上回|上次)(那个|那项|的那个)|上一轮")  # a round gone by
# Words any policy question may say that name no subject ("有没有补贴", "政府给钱不").
GENERIC_WORDS = frozenset("补贴 补助 奖励 政策 政府 企业 公司 单位 个人 沈阳 辽宁 国家 没有 需要 可以 时候".split())
OTHERS_FACTOR = 0.7  # a policy for a group (退役军人, 残疾人…) the question does not speak of
ELSEWHERE_FACTOR = 0.7  # a district's policy when the question says the city's ("市里") or another district;
# its inverse for the policy of the district the question names
CITY_WORDS = re.compile(r"市里|市级|全市|市政府|咱市")
# Who a question is about rather than what ("开个小作坊要不要做环评"): a kind of business or premises.
ACTOR_HEAD = re.compile(r"(坊|店|户|厂|馆|铺|摊|公司|企业)$")
NAMED_PER_CHAR = 0.1  # a policy the question names (short title or keyword) before those sharing its words
COVERAGE_BASE = 1.0  # a policy's score counts (this + the share of the question it holds) times
TYPE_MATCH, TYPE_MISMATCH = 1.3, 0.7  # a frequent question of the kind asked, or of another kind
COMMON_ASKED = 10  # frequent questions a word must be in to be corrected to by sound ("申请", "补贴")
UNKNOWN_WEIGHT = 0.5  # a bigram no policy holds ("俺们", "挣一") counts this much against a policy's coverage


@dataclass(frozen=True)
class FaqEntry:
    position: int
    question: str
    answer: str


@dataclass(frozen=True)
class PolicyEntry:
    """What retrieval and answers need of a policy."""

    id: int
    code: str
    title: str
    short_title: str
    category: str
    issuer_id: int
    issuer: str
    answer_phone: str
    keywords: tuple[str, ...]
    interpretation: str
    text: str
    steps: tuple[str, ...]
    effective_on: date
    expires_on: Optional[date]
    faqs: tuple[FaqEntry, ...]
    facts: Facts = Facts()
    rules: Rules = Rules.parse({})  # which enterprises it is for (bot.policies.eligibility)

    def expired(self, today: date) -> bool:
        return self.expires_on is not None and self.expires_on < today


@dataclass(frozen=True)
class PolicyHit:
    policy: PolicyEntry
    score: float
    faq: Optional[FaqEntry]  # the frequent question answering the query, when one does
    coverage: float  # share of the query's informative bigrams the policy's text contains (1 when it is named)


class PolicyIndex:
    """All policies and their FAQ, ranked against questions."""

    def __init__(self, policies: Sequence[PolicyEntry], dict_file: Optional[str] = None,
                 topics: Iterable[str] = ()) -> None:
        self.dict_file = dict_file
        # Words that name a subject (the directory's matters, the policies' names): a question saying one
        # that a policy never mentions is not about that policy ("公积金贷款" is not 创业担保贷款).
        self.topics = {normalise(t) for t in (*topics, *(n for p in policies for n in (p.short_title, *p.keywords)))}
        self.topics = {t for t in self.topics if len(t) >= MIN_TOPIC and t not in DISTRICT_FORMS}
        self.policies = list(policies)
        self.by_code = {p.code: p for p in self.policies}
        self.by_code_index = {p.code: i for i, p in enumerate(self.policies)}
        self.faq_owner: list[tuple[int, FaqEntry]] = []
        faq_docs: list[list[str]] = []
        policy_docs: list[list[str]] = []
        self.vocab: list[set[str]] = []
        self.mentions: list[set[str]] = []  # every bigram a policy's text, interpretation and FAQ hold
        self.names: list[tuple[str, ...]] = []  # short title and keywords, normalised
        for i, p in enumerate(self.policies):
            names = " ".join((p.short_title, *p.keywords))
            for faq in p.faqs:
                self.faq_owner.append((i, faq))
                faq_docs.append(self.terms(faq.question) * 2 + self.terms(faq.answer) + self.terms(names))
            body = self.terms(f"{p.title} {names}") * 2 + self.terms(p.interpretation)
            policy_docs.append(body)
            self.vocab.append(set(bigrams(canon(" ".join(
                (p.title, names, p.interpretation, *(f"{f.question}{f.answer}" for f in p.faqs)))))))
            self.mentions.append(self.vocab[-1] | set(bigrams(canon(p.text))))
            self.names.append(tuple(n for n in {normalise(x) for x in (p.short_title, *p.keywords)}
                                    if len(n) > 1 and n not in DISTRICT_FORMS))  # "新民" names no policy
        self.known_bigrams: set[str] = set().union(*self.mentions) if self.mentions else set()
        self.name_owners: dict[str, list[int]] = {}
        for i, names in enumerate(self.names):
            for name in names:
                self.name_owners.setdefault(name, []).append(i)
        self.longest_name = max((len(n) for n in self.name_owners), default=0)
        self.faq_bm25 = BM25(faq_docs)
        self.faq_bigrams: dict[str, list[tuple[FaqEntry, set[str], set[str]]]] = {
            p.code: [(f, set(bigrams(canon(f.question))), set(bigrams(canon(f.answer)))) for f in p.faqs]
            for p in self.policies}
        self.faq_kinds = {(p.code, f.position): (question_types(canon(f.question)), grades(f.question))
                          for p in self.policies for f in p.faqs}  # what each pair answers, and for which grade
        df: Counter[str] = Counter(b for pairs in self.faq_bigrams.values() for _, q, a in pairs for b in q | a)
        self.idf = {b: math.log(1 + len(self.faq_owner) / n) for b, n in df.items()}
        self.policy_bm25 = BM25(policy_docs)
        # The library's names by sound: "稳岗反还" is typed by people who said 稳岗返还, "申情" by those who
        # said 申请. Of the frequent questions' words, only those many of them ask ("钱打到哪" is no 达到); no
        # word of three characters: a span of three may cut the text's words ("辽宁生孩子" holds no 辽宁省),
        # and only a span of two is checked for that (bot.nlp.sound).
        asked = Counter(w for p in self.policies for f in p.faqs for w in set(words(f.question, dict_file)))
        self.sound = SoundIndex(w for w in {*self.topics, *(n for names in self.names for n in names),
                                            *(w for w, n in asked.items() if n >= COMMON_ASKED and w not in STOP)}
                                if len(w) not in (1, 3))

    @classmethod
    def load(cls, session: Session, dict_file: Optional[str] = None) -> "PolicyIndex":
        rows = session.scalars(select(Policy).options(selectinload(Policy.faqs), selectinload(Policy.issuer))
                               .order_by(Policy.id))
        topics = [form for name, synonyms in session.execute(select(Matter.name, Matter.synonyms))
                  for form in (name, *(synonyms or []))]
        return cls([PolicyEntry(
            id=p.id, code=p.code, title=p.title, short_title=p.short_title or p.title, category=p.category,
            issuer_id=p.issuer_id, issuer=p.issuer.name, answer_phone=p.answer_phone,
            keywords=tuple(p.keywords or ()), interpretation=p.interpretation, text=p.full_text,
            steps=tuple(p.steps or ()),
            effective_on=p.effective_on, expires_on=p.expires_on,
            faqs=tuple(FaqEntry(f.position, f.question, f.answer) for f in p.faqs),
            facts=Facts.from_json(p.facts), rules=Rules.parse(p.eligibility),
        ) for p in rows], dict_file, topics)

    def corrected(self, text: str) -> str:
        """``text`` with typed sound-alikes of the library's words replaced (稳岗反还 → 稳岗返还)."""
        return self.sound.correct(text)

    def terms(self, text: str) -> list[str]:
        """Informative jieba words and character bigrams of ``text``."""
        clean = canon(text)
        tokens = [w for w in words(clean, self.dict_file) if w not in STOP]
        return tokens + [b for b in bigrams(clean) if b not in STOP]

    def informative(self, text: str) -> set[str]:
        """The query's bigrams that are not made only of stop words or stop characters."""
        return {b for b in bigrams(canon(text)) if b not in STOP and not (b[0] in STOP and b[1:] in STOP)}

    def search(self, query: str, today: date, within: Optional[str] = None, category: Optional[str] = None,
               limit: int = 5) -> list[PolicyHit]:
        """Policies best matching ``query`` (only ``within`` / one ``category`` when given), best first."""
        terms = self.terms(query)
        text = normalise(query)
        if not terms:
            return []
        allowed = {i for i, p in enumerate(self.policies)
                   if (within is None or p.code == within) and (category is None or p.category == category)}
        best_faq: dict[int, tuple[float, FaqEntry]] = {}
        for doc, score in self.faq_bm25.scores(terms).items():
            owner, faq = self.faq_owner[doc]
            if owner in allowed and score > best_faq.get(owner, (0.0, faq))[0]:
                best_faq[owner] = (score, faq)
        policy_scores = {i: s for i, s in self.policy_bm25.scores(terms).items() if i in allowed}
        place = find_district(query) or ("市" if CITY_WORDS.search(query) else None)
        present = self.names_said(text)
        wanted = self.informative(query)
        unknown = len(wanted - self.known_bigrams)
        said = len(wanted) - unknown + UNKNOWN_WEIGHT * unknown
        hits = []
        for i in set(best_faq) | set(policy_scores):
            policy = self.policies[i]
            faq_score, faq = best_faq.get(i, (0.0, None))
            score = faq_score + 0.5 * policy_scores.get(i, 0.0)
            if policy.expired(today) and not EARLIER.search(text):  # unless "去年那个" is asked about
                score *= EXPIRED_FACTOR
            issued_in = find_district(policy.issuer)
            if place and issued_in and issued_in != place:  # "市里那个数字化改造补助": not 铁西区's
                score *= ELSEWHERE_FACTOR
            elif place and issued_in == place:  # "沈河区总部奖励": 沈河区's before the city's
                score /= ELSEWHERE_FACTOR
            coverage = len(wanted & self.vocab[i]) / said if said else 0.0
            said_name = self.said_names(present[i], i) if i in present else 0
            named = said_name > 0
            if named:  # "毕业生生活补贴" is the policy of that name, not one that mentions it; more of it says more
                score *= 1 + NAMED_PER_CHAR * said_name
            elif not self.for_asker(i, text):  # "俺是开饭馆的个体户…个人所得税": not the veterans' relief
                score *= OTHERS_FACTOR
            score *= COVERAGE_BASE + min(coverage, 1.0)
            hits.append(PolicyHit(policy, score, faq, 1.0 if named else coverage))
        hits.sort(key=lambda h: (-h.score, h.policy.code))
        return hits[:limit]

    def for_asker(self, i: int, text: str) -> bool:
        """False when policy ``i`` is for a group (its short title names one, beneficiaries.yml) that the
        question (normalised) says nothing of."""
        return all(any(w in text for w in words_) for group, words_ in _beneficiaries()
                   if group in self.policies[i].short_title)

    def said_names(self, said: list[str], i: int) -> int:
        """How much of policy ``i``'s names a text says (``said``: those of them it holds): the characters of
        the names, a name inside another counted once, its short title twice ("科小研发后补助" says more of
        科技型中小企业研发补助 than of 研发投入增量后补助; "创业担保贷款" is that policy's own name)."""
        said = list(dict.fromkeys(said))
        whole = [n for n in said if not any(n != m and n in m for m in said)]
        title = normalise(self.policies[i].short_title)
        return sum(len(n) for n in whole) + (len(title) if title in said else 0)

    def kinds_of(self, policy: PolicyEntry, faq: FaqEntry) -> frozenset[str]:
        """The kinds of question a policy's FAQ pair answers (bot.policies.questions)."""
        return self.faq_kinds[(policy.code, faq.position)][0]

    def named(self, query: str) -> set[str]:
        """Codes of the policies whose short title or a keyword ``query`` says."""
        return {self.policies[i].code for i in self.names_said(normalise(query))}

    def names_said(self, text: str) -> dict[int, list[str]]:
        """The names (short title, keywords) ``text`` (normalised) says, by policy: every span of the text
        looked up among the names, not every name searched for in the text."""
        said: dict[int, list[str]] = {}
        for i in range(len(text)):
            for j in range(i + 2, min(len(text), i + self.longest_name) + 1):
                for owner in self.name_owners.get(text[i:j], ()):
                    said.setdefault(owner, []).append(text[i:j])
        return said

    def best_faq(self, query: str, policy: PolicyEntry) -> tuple[Optional[FaqEntry], float]:
        """The policy's FAQ pair sharing the most of the query's known words (idf-weighted), and that share.

        Only bigrams found somewhere in the policies count: filler ("俺家老爷子") neither helps nor hurts.
        Pairs are ranked by that share, raised when the pair answers the kind of question asked (an
        amount, a date, who pays … bot.policies.questions) and lowered when it answers another kind; a
        pair about another grade than the one asked is never the answer.
        """
        wanted = [b for b in self.informative(query) if b in self.idf]
        total = sum(self.idf[b] for b in wanted)
        best: tuple[Optional[FaqEntry], float] = (None, 0.0)
        if not total:
            return best
        asked, grade = question_types(canon(query)), grades(query)
        ranked: tuple[float, Optional[FaqEntry], float] = (0.0, None, 0.0)
        for faq, question, answer in self.faq_bigrams[policy.code]:
            kinds, about = self.faq_kinds[(policy.code, faq.position)]
            if grade and about and not grade & about:
                continue  # "三级…" is never answered with the pair about grades five and six
            share = sum(self.idf[b] * (1.0 if b in question else 0.8) for b in wanted if b in question or b in answer) / total
            fit = share * (TYPE_MATCH if asked & kinds else TYPE_MISMATCH if asked and kinds else 1.0)
            if fit > ranked[0]:
                ranked = (fit, faq, share)
        return (ranked[1], ranked[2]) if ranked[1] is not None else best


    def unmentioned_topic(self, query: str, policy: PolicyEntry) -> Optional[str]:
        """A subject the query names that the policy does not mention: neither its head (its last two
        characters, "公章" of "刻公章") nor most of it. "失业金" asked of the one-off start-up subsidy, or
        "出租车" of a rule that only says "出租", is not there. Who asks ("小作坊", "个体户") is no subject
        when the query names the policy ("开个小作坊要不要做环评"). None when every subject is there."""
        mentions = self.mentions[self.by_code_index[policy.code]]
        named = policy.code in self.named(query)
        return next((w for w in words(canon(query), self.dict_file) if w in self.topics
                     and not (named and ACTOR_HEAD.search(w)) and w[-2:] not in mentions
                     and 2 * sum(b in mentions for b in bigrams(w)) <= len(bigrams(w))), None)

    def unknown_thing(self, query: str, policy: PolicyEntry) -> Optional[str]:
        """A noun of the query that no policy mentions, not even most of it ("宠物", "鸽子"), when ``policy``
        (not named by the query) mentions none of the query's words either, asking words and generic ones
        (补贴, 政府) aside: the query is about something the library has nothing on. None otherwise."""
        known, mentions = self.known_bigrams, self.mentions[self.by_code_index[policy.code]]
        said = [w for w in words(canon(query), self.dict_file) if len(w) > 1 and w not in STOP | GENERIC_WORDS]
        if policy.code in self.named(query) or any(all(b in mentions for b in bigrams(w)) for w in said):
            return None
        return next((w for w, tag in posseg.cut(canon(query)) if tag.startswith("n") and len(w) > 1
                     and w not in STOP | GENERIC_WORDS and w[-2:] not in known
                     and 2 * sum(b in known for b in bigrams(w)) <= len(bigrams(w))), None)

    def unknown_subject(self, query: str) -> Optional[str]:
        """The longest word of the query no policy mentions even in part ("宠物狗", "托育园"), or None."""
        known = self.known_bigrams
        unknown = [w for w in words(canon(query), self.dict_file)
                   if len(w) > 1 and w not in STOP and not any(b in known for b in bigrams(w))]
        return max(unknown, key=len, default=None)

    def best_passage(self, query: str, policy: PolicyEntry) -> tuple[str, float]:
        """The sentence of the policy's interpretation or text sharing the most of the query's known words
        (idf-weighted, as best_faq) besides the policy's short title, which every sentence is about, and that
        share: "代办收钱不" is answered by the sentence about fees."""
        title = set(bigrams(canon(policy.short_title)))
        wanted = [b for b in self.informative(query) if b in self.idf and b not in title]
        total = sum(self.idf[b] for b in wanted)
        best: tuple[str, float] = ("", 0.0)
        if not total:
            return best
        for sentence in sentences(f"{policy.interpretation}\n{policy.text}"):
            have = set(bigrams(canon(sentence)))
            share = sum(self.idf[b] for b in wanted if b in have) / total
            if share > best[1]:
                best = (sentence.rstrip("。；") + "。", share)
        return best


BENEFICIARIES = Path(__file__).with_name("beneficiaries.yml")


@lru_cache(maxsize=1)
def _beneficiaries() -> tuple[tuple[str, tuple[str, ...]], ...]:
    table = yaml.safe_load(BENEFICIARIES.read_text(encoding="utf-8")) or {}
    return tuple((group, tuple(normalise(w) for w in says)) for group, says in table.items())


SENTENCE = re.compile(r"(?<=[。；！？])|\n")


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, a heading ("三、四证同发。", shorter than MIN_PASSAGE) joined to the
    sentence after it, which it names."""
    out: list[str] = []
    heading = ""
    for sentence in (s.strip() for s in SENTENCE.split(text)):
        if len(sentence) < MIN_PASSAGE:
            heading += sentence
        elif sentence:
            out.append(heading + sentence)
            heading = ""
    return out
MIN_PASSAGE = 8  # characters: shorter pieces are headings ("一、伤残津贴。")
ORDINAL_SLOT = re.compile(r"[一二三四五六七八九十\d]+(?:级|档|类|星)")


def follow_up_query(previous: str, text: str) -> Optional[str]:
    """The previous question with the part a short follow-up replaces ("二级呢" after "一级伤残津贴多少")."""
    new = ORDINAL_SLOT.search(text)
    old = ORDINAL_SLOT.search(previous or "")
    if new and old:
        return previous[: old.start()] + new.group(0) + previous[old.end():]
    return None


def carry_grade(previous: str, text: str) -> Optional[str]:
    """A follow-up that names no grade, with the grade the previous question named ("三级 比原来多了多少")."""
    old = ORDINAL_SLOT.search(previous or "")
    return f"{old.group(0)} {text}" if old and not ORDINAL_SLOT.search(text) else None
