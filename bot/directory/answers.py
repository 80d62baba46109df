"""Decide what answers a "who do I contact" question: a unit, a cadre, or a question back."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy.orm import Session

from bot.directory.search import (
    CadreEntry, DirectoryIndex, MatterEntry, UnitEntry, UnitHit,
    cadres_of_unit, candidate_names, find_cadres,
)
from bot.nlp.text import canonical_district, find_district, normalise

# Words that say what the user asks for, not what about: removed before ranking.
_NOISE = re.compile(
    "请问|麻烦|你好|您好|我想|我要|想问|问一下|咨询|一下|帮我|帮忙|查查|查一下|找谁|找哪个|哪个部门|什么部门|"
    "哪个单位|哪个窗口|联系方式|电话号码|电话|号码|多少|地址|在哪里|在哪儿|在哪|哪里|几点|上班时间|"
    "办公时间|时间|网址|网站|负责人|负责|干什么|什么|怎么办|怎么|咋整|咋办|上哪儿|上哪|去哪|要办|办理|"
    "需要|应该|可以|能不能|是不是|谁|的|了|吗|呢|啊|呀|吧|嗯|那个|就是"
)
_ASK_WHO = re.compile("谁|哪位|找人|工作人员|经办人")
ASPECTS = {"website": re.compile("网址|网站|官网"), "duties": re.compile("负责|职能|管什么|干什么|职责")}
MIN_COVERAGE = 0.5  # a unit that explains less of the question than this is a guess, not an answer


@dataclass
class ContactAnswer:
    """The outcome of a contact question; ``kind`` says which of the fields are set."""

    kind: str  # unit | cadre | ask_district | ask_unit | person_unknown | not_found
    district: Optional[str] = None
    hit: Optional[UnitHit] = None
    alternatives: list[UnitHit] = field(default_factory=list)
    cadres: list[CadreEntry] = field(default_factory=list)
    matter: Optional[MatterEntry] = None
    person: Optional[str] = None
    aspects: set[str] = field(default_factory=set)

    @property
    def found(self) -> bool:
        """True when the directory has something to say: a unit, a cadre, or a question back."""
        return self.kind in ("unit", "cadre", "ask_district", "ask_unit")


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
    full = " ".join(p for p in (text, unit or "", service_item or "") if p)
    district = find_district(text) or canonical_district(district)
    aspects = {name for name, rx in ASPECTS.items() if rx.search(text)}
    named_units = index.units_named(full)

    by_person = _answer_person(session, index, full, person, named_units, district)
    if by_person is not None:
        by_person.aspects = aspects
        return by_person

    matters = index.matters_named(full)
    query = _NOISE.sub(" ", normalise(full)) or normalise(full)
    if named_units:
        chosen = _pick_named(index, query, named_units, district)
        if matters and _ASK_WHO.search(text):
            about = [w for m in matters for w in (m.name, *m.synonyms)]
            cadres = [c for c in cadres_of_unit(session, index, chosen.id, about) if any(w in c.duties for w in about)]
            if cadres:
                return ContactAnswer("cadre", district, cadres=cadres[:1], matter=matters[0], aspects=aspects)
        hit = UnitHit(chosen, 1.0, tuple(m.name for m in matters if m.id in chosen.matter_ids))
        others = [UnitHit(u, 0.0) for u in named_units if u.id != chosen.id][:2]
        return ContactAnswer("unit", district, hit=hit, alternatives=others, matter=matters[0] if matters else None, aspects=aspects)

    if matters:
        matter = matters[0]
        if matter.per_district and not district:
            return ContactAnswer("ask_district", None, matter=matter, aspects=aspects)
        hits = index.search_units(query, district, limit=6, among=matter.unit_ids)
        if district:
            local = [h for h in hits if h.unit.district == district]
            hits = local + [h for h in hits if h not in local]
        if not hits:
            hits = [UnitHit(index.unit(uid), 0.0, (matter.name,)) for uid in matter.unit_ids[:3]]
        return ContactAnswer("unit", district, hit=hits[0], alternatives=hits[1:3], matter=matter, aspects=aspects)

    hits = index.search_units(query, district, limit=3)
    if hits and index.coverage(query, hits[0].unit) >= MIN_COVERAGE:
        close = [h for h in hits[1:] if h.score >= hits[0].score * 0.75]
        return ContactAnswer("unit", district, hit=hits[0], alternatives=close, aspects=aspects)
    return ContactAnswer("not_found", district, aspects=aspects)


def _answer_person(
    session: Session,
    index: DirectoryIndex,
    text: str,
    person: Optional[str],
    named_units: list[UnitEntry],
    district: Optional[str],
) -> Optional[ContactAnswer]:
    """A cadre answer when the text names a cadre; None when it names nobody."""
    unit_words = {normalise(n) for u in named_units for n in u.names}
    names = [person] if person else [w for w in candidate_names(text, index.dict_file) if w not in unit_words]
    cadres = find_cadres(session, index, names)
    if not cadres:
        return ContactAnswer("person_unknown", district, person=person) if person and not named_units else None
    if named_units:
        ids = {u.id for u in named_units}
        cadres = [c for c in cadres if c.unit.id in ids] or cadres
    if district and len(cadres) > 1:
        cadres = [c for c in cadres if c.unit.district == district] or cadres
    kind = "cadre" if len({c.unit.id for c in cadres}) == 1 else "ask_unit"
    return ContactAnswer(kind, district, cadres=cadres if kind == "ask_unit" else cadres[:1], person=cadres[0].name)


def _pick_named(index: DirectoryIndex, query: str, named: list[UnitEntry], district: Optional[str]) -> UnitEntry:
    """Among units the text names, the one meant; a generic name plus a district means that district's."""
    if district and all(u.district != district for u in named):
        local = index.search_units(query, district, limit=3)
        if local and local[0].unit.district == district:
            return local[0].unit
    return named[0]
