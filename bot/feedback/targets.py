"""Who a rating or a complaint is about: one unit or one cadre, resolved against the directory."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy.orm import Session

from bot.db.directory import Cadre, Unit
from bot.directory.search import DirectoryIndex, UnitEntry, candidate_names, find_cadres
from bot.nlp.text import canonical_district, find_district, normalise
from bot.routing import STORY_LENGTH

MIN_COVERAGE = 0.5  # a searched unit must explain at least this much of what the user said
CLOSE = 0.75  # a runner-up scoring this close to the best makes the answer ambiguous
MAX_CHOICES = 5
# What people add around a target's name when rating or complaining; removed before searching.
_CITY = re.compile(r"市(?:级|里|本级)|沈阳市(?!场)|(?:^|\s|评价|投诉|举报|给|是|的)市(?!场)")  # "评价市医保局": the city's
_CLAUSE = re.compile(r"[\s，,。！!？?；;]+")
_NOISE = re.compile(
    "一个人|某个人|这个人|那个人|有个人|某人|个人|确认|提交|确定|没问题|我要|我想|想要|要|投诉|举报|反映|评价|评个?分|打分|打[一二三四五12345]?星|好评|差评|表扬|点赞|一下|给|对|"
    "的|了|是|个|那个|这个|工作人员|办事员|窗口的?人|服务|态度|太差|很差|差|不好|很好|挺好|不错|满意|不满意|"
    "刚才|今天|昨天|办事|吧|啊|呢"
)


@dataclass(frozen=True)
class Target:
    """A unit, or a cadre of a unit; ``key`` is what slots and ratings store."""

    unit_id: int
    label: str
    cadre_id: Optional[int] = None
    district: Optional[str] = None

    @property
    def key(self) -> str:
        return f"cadre:{self.cadre_id}" if self.cadre_id is not None else f"unit:{self.unit_id}"


@dataclass
class Resolution:
    """``target`` when it is clear; else ``choices`` to ask among, or neither when nothing matched."""

    target: Optional[Target] = None
    choices: list[Target] = field(default_factory=list)
    person: Optional[str] = None  # a name that matched nobody

    @property
    def found(self) -> bool:
        return self.target is not None


def unit_target(unit: UnitEntry) -> Target:
    return Target(unit.id, unit.name, None, unit.district)


def _cadre_target(cadre_id: int, name: str, position: str, unit: UnitEntry) -> Target:
    return Target(unit.id, f"{unit.name}{position} {name}".strip(), cadre_id, unit.district)


def resolve_target(session: Session, index: DirectoryIndex, text: str, *, person: Optional[str] = None,
                   unit: Optional[str] = None, district: Optional[str] = None) -> Resolution:
    """Resolve what the user said (plus the NLU's entities) to one target, or choices, or nothing. A long
    story that resolves to nothing is read from its start, where people name whom they mean
    ("于洪区派出所户籍窗口 前天下午三点多去的 …")."""
    found = _resolve(session, index, text, person, unit, district)
    if found.found or len(text) < STORY_LENGTH:
        return found
    for head in _heads(text):
        found = _resolve(session, index, head, person, unit, district)
        if found.found:
            return found
    return found


def _heads(text: str) -> list[str]:
    """The first one and two clauses of a story."""
    parts = [p for p in _CLAUSE.split(text) if p]
    return [" ".join(parts[:n]) for n in (1, 2) if len(parts) > n]


def _resolve(session: Session, index: DirectoryIndex, text: str, person: Optional[str],
             unit: Optional[str], district: Optional[str]) -> Resolution:
    full = " ".join(p for p in (text, unit or "") if p)
    district = find_district(full) or canonical_district(district)
    named = index.units_named(full)
    by_person = _by_person(session, index, full, person, named, district)
    if by_person is not None:
        return by_person
    query = _NOISE.sub(" ", normalise(full)).strip()
    if not query:
        return Resolution()
    found = _by_name(index, query, named, district) if named else _by_search(index, query, district)
    found.person = person if found.target is not None else None  # a cadre the directory does not list there
    return found


def _by_search(index: DirectoryIndex, query: str, district: Optional[str]) -> Resolution:
    hits = index.search_units(query, district, limit=MAX_CHOICES)
    hits = [h for h in hits if index.coverage(query, h.unit) >= MIN_COVERAGE]
    if not hits:
        return Resolution()
    if district:
        hits = [h for h in hits if h.unit.district == district] or hits
    close = [h for h in hits if h.score >= hits[0].score * CLOSE]
    if len(close) == 1:
        return Resolution(unit_target(close[0].unit))
    return Resolution(choices=[unit_target(h.unit) for h in close])


def _by_name(index: DirectoryIndex, query: str, named: list[UnitEntry], district: Optional[str]) -> Resolution:
    """A unit the user named; a city unit's name without a district may mean a district's namesake."""
    best = named[0]
    said = max((n for n in map(normalise, best.names) if n in query), key=len, default=query)
    local = index.search_units(said, district, limit=MAX_CHOICES)  # its namesakes, not the story's words
    if district:
        same = [u for u in named if u.district == district] or [h.unit for h in local if h.unit.district == district]
        return Resolution(unit_target(same[0] if same else best))
    namesakes = [h for h in local if h.unit.id != best.id and h.unit.district and h.score >= local[0].score / 2]
    if best.level == "city" and namesakes and not _CITY.search(query):
        return Resolution(choices=[unit_target(best)])  # ask: the city's, or which district's?
    return Resolution(unit_target(best))


def _by_person(session: Session, index: DirectoryIndex, text: str, person: Optional[str],
               named: list[UnitEntry], district: Optional[str]) -> Optional[Resolution]:
    """A cadre when the text names one; choices when the name is shared; None when it names nobody."""
    unit_words = {normalise(n) for u in named for n in u.names}
    names = [person] if person else [w for w in candidate_names(text, index.dict_file) if w not in unit_words]
    cadres = find_cadres(session, index, names)
    if not cadres:
        return Resolution(person=person) if person and not named else None
    if named:  # the cadre of the unit named; someone of that name elsewhere is not who was meant
        ids = {u.id for u in named}
        cadres = [c for c in cadres if c.unit.id in ids]
        if not cadres:
            return None  # the unit, then: the directory does not list that cadre there
    if district:  # likewise for the district said ("铁西税务局的王丽")
        cadres = [c for c in cadres if c.unit.district == district]
        if not cadres:
            return None
    targets = [_cadre_target(c.id, c.name, c.position, c.unit) for c in cadres[:MAX_CHOICES]]
    return Resolution(targets[0]) if len(targets) == 1 else Resolution(choices=targets)


def parse_key(key: Optional[str]) -> tuple[Optional[int], Optional[int]]:
    """(unit_id, cadre_id) from a target key such as ``unit:12`` or ``cadre:345``."""
    kind, _, number = (key or "").partition(":")
    if not number.isdigit():
        return None, None
    return (int(number), None) if kind == "unit" else (None, int(number))


def unit_and_cadre(session: Session, key: Optional[str]) -> tuple[Optional[int], Optional[int]]:
    """(unit_id, cadre_id) for a target key; a cadre's unit is looked up."""
    unit_id, cadre_id = parse_key(key)
    if cadre_id is not None:
        cadre = session.get(Cadre, cadre_id)
        unit_id = int(cadre.unit_id) if cadre is not None else None
    return unit_id, cadre_id


def unit_name(session: Session, unit_id: int) -> str:
    unit = session.get(Unit, unit_id)
    return unit.name if unit is not None else "（单位已撤销）"
