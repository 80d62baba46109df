"""Decide what answers a "who do I contact" question: a unit, a cadre, or a question back."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Optional, Sequence

from sqlalchemy.orm import Session

from bot.directory.search import (
    BundleEntry, CadreEntry, DirectoryIndex, MatterEntry, UnitEntry, UnitHit,
    cadres_of_unit, candidate_names, find_cadres,
)
from bot.nlp.text import DISTRICT_FORMS, bigrams, canonical_district, find_district, normalise

# Words that say what the user asks for, not what about: removed before ranking.
_NOISE = re.compile(
    "请问|麻烦|你好|您好|我想|我要|想问|问一下|咨询|一下|帮我|帮忙|查查|查一下|找谁|找哪个|哪个部门|什么部门|"
    "哪个单位|哪个窗口|联系方式|电话号码|电话|号码|多少|地址|在哪里|在哪儿|在哪|哪里|几点|上班时间|"
    "办公时间|时间|网址|网站|负责人|负责|干什么|什么|怎么办|怎么|咋整|咋办|上哪儿|上哪|去哪|要办|办理|"
    "需要|应该|可以|能不能|是不是|谁|的|了|吗|呢|啊|呀|吧|嗯|哦|呃|额|诶|哎|这个|那个|这些|那些|就是|"
    # what a Northeast or hurried speaker asks with: 找哪, 归谁管, 得办啥证, 全套手续, 咋弄, 都有啥
    "找哪|哪些部门|哪些地方|哪个地方|什么地方|啥地方|归哪管|归哪|哪管|归谁管|谁管|该找|"
    "办啥证|办什么证|啥证|什么证|哪些证|啥手续|什么手续|哪些手续|全套手续|手续|全套|流程|"
    "咋弄|咋整|怎么弄|怎么整|咋申请|怎么申请|都有啥|都有哪些|有啥|要啥|需要啥|都得|都要|得办|办啥|啥|咋|"
    "上哪|去哪儿|到哪|往哪|哪儿|哪|有没有"
)
_ASK_WHO = re.compile("哪位|找人|工作人员|经办人|具体谁|谁负责")
ASPECTS = {"website": re.compile("网址|网站|官网"), "duties": re.compile("负责|职能|管什么|干什么|职责")}
# What a follow-up about the unit just given asks ("几点下班", "电话多少来着", "要带啥材料").
FOLLOW_UPS = {name: re.compile(rx) for name, rx in {
    "hours": "几点|下班|上班|时间|周六|周日|周末|礼拜|中午|午休|休息|开门|关门",
    "phone": "电话|号码|来着|多少号",
    "address": "地址|在哪|哪儿|怎么走|怎么去|咋走|位置",
    "materials": "材料|带啥|带什么|要带|准备啥|准备什么|证件",
    "website": "网址|网站|官网|网上办|网上能办",
    "duties": "负责|职能|管什么|干什么|职责|管啥|管些啥|干啥的",
    "card": "再发|再说|再来一遍|没看着|没看到|没看清",
}.items()}
MAX_FOLLOW_UP = 20  # characters: a longer message is a question of its own
# What people add to a district when they answer "which district" ("房子在和平区", "单位在皇姑那块儿").
_DISTRICT_FILLER = re.compile("营业厅|大厅|窗口|分局|要找|找一下|找|我们|我|咱们|咱|房子|项目|单位|公司|孩子|户口|老家|家|住|在|是|的|呢|那边|这边|那块儿|那块|"
                              "这块儿|这块|那儿|这儿|附近|县城|城区|市区|那个|这个|呀|啊|吧|了|嗯|哦|就|区里")
_DISTRICT_FORMS_RE = re.compile("|".join(sorted(map(re.escape, DISTRICT_FORMS), key=len, reverse=True)))
MIN_COVERAGE = 0.5  # a unit that explains less of the question than this is a guess, not an answer
SURE_WORDING = 0.6  # a catalogue matter whose wording explains this much of the question is the answer
CLOSE_WORDING = 0.34  # ... this much: one of a few likely matters, offered as a short list
GUESS_WORDING = 0.2  # ... this much: named as the most likely one, with the hotline; less is no answer
# A report about someone else (noise, smoke, fake goods, unpaid wages): never a bundle for opening a shop.
_REPORT = re.compile("举报|投诉|扰民|油烟|噪音|噪声|污染|冒烟|黑烟|异味|维权|乱收费|欠薪|拖欠|不给钱|太吵|太大|"
                     "跑路|不退|退钱|退费|倒闭|涉黄|坑人|弄坏|骗")


def without_noise(index: DirectoryIndex, norm: str) -> str:
    """``norm`` without the words that say what is asked for; a known word keeps its characters (网吧, 酒吧)."""
    keep = [(m.start(), m.end()) for form in index.known_words(norm) for m in re.finditer(re.escape(form), norm)]

    def drop(match: re.Match[str]) -> str:
        return match.group() if any(s < match.end() and match.start() < e for s, e in keep) else " "

    return _NOISE.sub(drop, norm)


@dataclass
class ContactAnswer:
    """The outcome of a contact question; ``kind`` says which of the fields are set."""

    # unit | bundle | choose | unsure | cadre | ask_district | ask_unit | person_unknown | not_found
    kind: str
    district: Optional[str] = None
    hit: Optional[UnitHit] = None
    alternatives: list[UnitHit] = field(default_factory=list)
    cadres: list[CadreEntry] = field(default_factory=list)
    matter: Optional[MatterEntry] = None
    person: Optional[str] = None
    aspects: set[str] = field(default_factory=set)
    bundle: Optional[BundleEntry] = None
    steps: list[tuple[MatterEntry, UnitEntry]] = field(default_factory=list)  # a bundle's matters and units
    # A matter each district handles, answered with the city's unit before the district is known.
    district_wanted: bool = False
    kind_name: Optional[str] = None  # a kind of unit named without its district ("社保中心")
    sure: bool = False  # the question names what was answered (a unit, a matter, a bundle, a kind)

    @property
    def found(self) -> bool:
        """True when the directory has something to say: a unit, a bundle, a cadre, or a question back."""
        return self.kind in ("unit", "bundle", "choose", "cadre", "ask_district", "ask_unit")

    @property
    def topic(self) -> Optional[str]:
        """What the answer was about (a matter, a bundle or a kind of unit), for follow-ups and a district
        said later."""
        if self.bundle is not None:
            return self.bundle.name
        return self.matter.name if self.matter is not None else self.kind_name


def answer_contact(
    session: Session,
    index: DirectoryIndex,
    text: str,
    *,
    district: Optional[str] = None,
    person: Optional[str] = None,
    unit: Optional[str] = None,
    service_item: Optional[str] = None,
) -> ContactAnswer:
    """Answer ``text`` using the NLU's entities when given; ``district`` may be remembered."""
    text = index.corrected(text)
    full = " ".join((text, *(index.corrected(v) for v in (unit, service_item) if v)))
    district = find_district(text) or canonical_district(district)
    aspects = {name for name, rx in ASPECTS.items() if rx.search(text)}
    named_units = index.units_named(full)

    by_person = _answer_person(session, index, full, person, named_units, district)
    if by_person is not None:
        by_person.aspects = aspects
        return by_person

    matters = [m for m, _ in index.matters_with_form(full)]
    query = without_noise(index, normalise(full)) or normalise(full)
    if named_units:
        chosen = _pick_named(index, query, named_units, district)
        if matters and _ASK_WHO.search(text):
            about = [w for m in matters for w in m.forms]
            cadres = [c for c in cadres_of_unit(session, index, chosen.id, about) if any(w in c.duties for w in about)]
            if cadres:
                return ContactAnswer("cadre", district, cadres=cadres[:1], matter=matters[0], aspects=aspects)
        handled = set(index.matter_ids_of(chosen))
        hit = UnitHit(chosen, 1.0, tuple(m.name for m in matters if m.id in handled))
        others = [UnitHit(u, 0.0) for u in named_units if u.id != chosen.id and _near(u, district)][:2]
        return ContactAnswer("unit", district, hit=hit, alternatives=others, matter=matters[0] if matters else None,
                             aspects=aspects, sure=True)

    kind = index.kind_named(full)
    if kind and len(kind[0]) >= index.longest_matter_form(full):
        return replace(answer_kind(index, *kind, district, aspects), sure=True)
    bundles = [] if _REPORT.search(full) else index.bundles_named(full)
    ranked = index.rank_matters(full, query)
    if bundles and bundles[0][1] >= index.longest_matter_form(full):  # a shared word: the bundle says more
        asked = [m.id for m, cover, named in ranked if named or cover >= CLOSE_WORDING]
        return replace(answer_bundle(index, bundles[0][0], district, aspects, asked), sure=True)
    if ranked and (ranked[0][2] or ranked[0][1] >= SURE_WORDING):
        return replace(answer_matter(index, ranked[0][0], query, district, aspects), sure=ranked[0][2])
    hits = index.search_units(query, district, limit=3)
    if hits and index.coverage(query, hits[0].unit) >= MIN_COVERAGE:
        close = [h for h in hits[1:] if h.score >= hits[0].score * 0.75 and _near(h.unit, district)]
        return ContactAnswer("unit", district, hit=hits[0], alternatives=close, aspects=aspects)
    likely = [m for m, cover, _ in ranked if cover >= CLOSE_WORDING][:3]
    if len(likely) > 1:
        options = [_first_hit(index, m, district) for m in likely]
        return ContactAnswer("choose", district, alternatives=[o for o in options if o], aspects=aspects)
    if likely:
        return answer_matter(index, likely[0], query, district, aspects)
    guess = _first_hit(index, ranked[0][0], district) if ranked and ranked[0][1] >= GUESS_WORDING else None
    if guess is not None:
        return ContactAnswer("unsure", district, hit=guess, aspects=aspects)
    return ContactAnswer("not_found", district, aspects=aspects)


def answer_matter(
    index: DirectoryIndex, matter: MatterEntry, query: str, district: Optional[str], aspects: set[str]
) -> ContactAnswer:
    """The unit that handles ``matter`` for ``district``; before the district is known, the city's unit
    of its kind (the district is asked for in the same reply), or a question back when there is none."""
    units = index.units_for(matter, district)
    if matter.per_district and not district:
        city = [u for u in units if u.level == "city"]
        if not city:
            return ContactAnswer("ask_district", None, matter=matter, aspects=aspects)
        hit = UnitHit(city[0], 1.0, (matter.name,))
        return ContactAnswer("unit", None, hit=hit, matter=matter, aspects=aspects, district_wanted=True)
    if not matter.kinds:  # linked one by one: rank them for the question
        hits = index.search_units(query, district, limit=6, among=matter.unit_ids)
        ranked = [h.unit for h in hits] + [u for u in units if u not in {h.unit for h in hits}]
        if district:
            ranked.sort(key=lambda u: u.district != district)
        units = ranked
    if not units:
        return ContactAnswer("ask_district" if matter.per_district else "not_found", district, matter=matter, aspects=aspects)
    hits = [UnitHit(u, 1.0, (matter.name,)) for u in units if _near(u, district)]
    return ContactAnswer("unit", district, hit=hits[0], alternatives=hits[1:3], matter=matter, aspects=aspects)


def answer_kind(index: DirectoryIndex, name: str, kind: str, district: Optional[str], aspects: set[str]) -> ContactAnswer:
    """A kind of unit named without a district: that district's unit, else the city's (and the district
    is asked for), else a question back."""
    units = [u for u in index.units_of_kind(kind) if u.level != "street"]
    if district:
        local = [u for u in units if u.district == district]
        if local:
            return ContactAnswer("unit", district, hit=UnitHit(local[0], 1.0), aspects=aspects, kind_name=name)
    city = [u for u in units if u.level == "city"]
    wanted = any(u.district for u in units) and not district
    if not city:
        return ContactAnswer("ask_district", None, aspects=aspects, kind_name=name)
    return ContactAnswer("unit", district, hit=UnitHit(city[0], 1.0), aspects=aspects, kind_name=name, district_wanted=wanted)


def answer_bundle(index: DirectoryIndex, bundle: BundleEntry, district: Optional[str], aspects: set[str],
                  asked: Sequence[int] = ()) -> ContactAnswer:
    """What a bundle needs, each matter with its unit for ``district``; before the district is known, the
    city's units, and the district is asked for in the same reply when any matter is the district's.
    The matters the question names (``asked``) come first: "孩子出生了上户口去哪" is about the 户口."""
    order = {mid: n for n, mid in enumerate(asked)}
    matters = [index.matter(mid) for mid in sorted(bundle.matter_ids, key=lambda mid: order.get(mid, len(order)))]
    wanted = not district and any(m.per_district for m in matters)
    steps = [(m, units[0]) for m in matters for units in [index.units_for(m, district)] if units]
    if not steps:
        return ContactAnswer("ask_district" if wanted else "not_found", district, bundle=bundle, aspects=aspects)
    hit = UnitHit(steps[0][1], 1.0, (steps[0][0].name,))
    return ContactAnswer("bundle", district, hit=hit, bundle=bundle, steps=steps, matter=steps[0][0], aspects=aspects,
                         district_wanted=wanted)


def _first_hit(index: DirectoryIndex, matter: MatterEntry, district: Optional[str]) -> Optional[UnitHit]:
    units = [u for u in index.units_for(matter, district) if _near(u, district)]
    if matter.per_district and not district:
        units = [u for u in units if u.level == "city"] or units
    return UnitHit(units[0], 0.5, (matter.name,)) if units else None


def _near(unit: UnitEntry, district: Optional[str]) -> bool:
    """True when ``unit`` serves ``district`` (city-wide units serve every district)."""
    return not district or unit.district in (None, district) or unit.level == "city"


def follow_up(
    session: Session, index: DirectoryIndex, text: str, unit_id: Optional[int], topic: Optional[str]
) -> Optional[tuple[UnitEntry, Optional[MatterEntry], set[str]]]:
    """(unit, matter, aspects) when ``text`` asks about the unit just given and names nothing new
    (no district, unit, cadre, matter or bundle)."""
    if unit_id is None or not index.has_unit(unit_id) or len(normalise(text)) > MAX_FOLLOW_UP:
        return None
    aspects = {name for name, rx in FOLLOW_UPS.items() if rx.search(text)}
    corrected = index.corrected(text)
    if not aspects or find_district(corrected) or index.units_named(corrected):
        return None
    if find_cadres(session, index, candidate_names(index.without_known_words(corrected), index.dict_file)):
        return None  # "丁东负责什么" asks about a cadre
    brings = "materials" in aspects and "带" in text  # "要带户口本不": a document named is no new matter
    if not brings and (index.longest_matter_form(corrected) or index.bundles_named(corrected)):
        return None
    return index.unit(unit_id), index.matter_by_name(topic), aspects


def says_only_district(index: DirectoryIndex, text: str) -> Optional[str]:
    """The district ``text`` gives when it says nothing else ("浑南", "房子在和平区", "新城子那边")."""
    corrected = index.corrected(text)
    district = find_district(corrected)
    if district is None or index.units_named(corrected):
        return None
    rest = _DISTRICT_FILLER.sub("", normalise(_DISTRICT_FORMS_RE.sub("", corrected)))
    return district if len(rest) <= 1 else None


def same_kind_in(index: DirectoryIndex, unit_id: Optional[int], district: str) -> Optional[UnitEntry]:
    """The unit of the same kind as ``unit_id`` in ``district`` ("市场监管局电话" → "浑南区的")."""
    if unit_id is None or not index.has_unit(unit_id):
        return None
    unit = index.unit(unit_id)
    return next((u for u in index.units_of_kind(unit.kind) if u.district == district and u.level != "street"), None) \
        if unit.kind else None


def _answer_person(
    session: Session,
    index: DirectoryIndex,
    text: str,
    person: Optional[str],
    named_units: list[UnitEntry],
    district: Optional[str],
) -> Optional[ContactAnswer]:
    """A cadre answer when the text names a cadre; None when it names nobody, or a name the directory
    lacks beside a unit or a matter it knows ("刘大爷想问低保咋办": the matter is answered)."""
    names = [person] if person else candidate_names(index.without_known_words(text), index.dict_file)
    cadres = find_cadres(session, index, names)
    if not cadres:
        says_more = named_units or index.longest_matter_form(text) or index.bundles_named(text)
        return ContactAnswer("person_unknown", district, person=person) if person and not says_more else None
    if named_units:
        ids = {u.id for u in named_units}
        cadres = [c for c in cadres if c.unit.id in ids] or cadres
    if district and len(cadres) > 1:
        cadres = [c for c in cadres if c.unit.district == district] or cadres
    if len(cadres) > 1:  # "王立飞副主任", "谷佳莹 残联那个": the position or the unit the text names
        grams = set(bigrams(normalise(text)))
        fit = [len(grams & set(bigrams(normalise(f"{c.position} {' '.join(c.unit.names)}")))) for c in cadres]
        if max(fit) > 0 and fit.count(max(fit)) == 1:
            cadres = [cadres[fit.index(max(fit))]]
    kind = "cadre" if len({c.unit.id for c in cadres}) == 1 else "ask_unit"
    return ContactAnswer(kind, district, cadres=cadres if kind == "ask_unit" else cadres[:1], person=cadres[0].name)


def _pick_named(index: DirectoryIndex, query: str, named: list[UnitEntry], district: Optional[str]) -> UnitEntry:
    """Among units the text names, the one meant; a generic name plus a district means that district's."""
    if district and all(u.district != district for u in named):
        local = index.search_units(query, district, limit=3)
        if local and local[0].unit.district == district:
            return local[0].unit
    return named[0]
