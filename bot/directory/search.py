"""Directory search: which unit handles a matter, which unit a name means, which cadre a name means.

Units and matters (a few thousand rows) are held in memory and ranked with BM25 over jieba words
and character bigrams (bigrams make typos such as 公积今中心 still match); cadres stay in the
database and are looked up by their indexed name, so the index does not grow with the cadres.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.directory import Cadre, Matter, Unit, unit_matters
from bot.nlp.bm25 import BM25
from bot.nlp.text import bigrams, find_district, normalise
from bot.nlp.tokenize import words

HALL_CATEGORIES = ("city_hall", "district_center")
FIELD_WEIGHTS = {"name": 3.0, "matters": 2.0, "duties": 0.6}
DISTINCTIVE_DF = 3  # a bigram found in at most this many matters says which matter is meant


@dataclass(frozen=True)
class UnitEntry:
    """What search and answers need of a unit."""

    id: int
    code: str
    name: str
    short_name: str
    aliases: tuple[str, ...]
    category: str
    level: str
    district: Optional[str]
    duties: str
    phones: tuple[str, ...]
    address: str
    hours: str
    website: str
    latitude: Optional[float]
    longitude: Optional[float]
    matter_ids: tuple[int, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.name, self.short_name, *self.aliases) if n)


@dataclass(frozen=True)
class MatterEntry:
    id: int
    name: str
    synonyms: tuple[str, ...]
    per_district: bool
    unit_ids: tuple[int, ...]


@dataclass(frozen=True)
class UnitHit:
    unit: UnitEntry
    score: float
    matters: tuple[str, ...] = ()  # names of the unit's matters the query is about


@dataclass(frozen=True)
class CadreEntry:
    id: int
    name: str
    position: str
    duties: str
    phone: str
    photo: str
    unit: UnitEntry


@dataclass
class DirectoryIndex:
    """In-memory index of units and matters; build it once per process with ``load``."""

    units: list[UnitEntry]
    matters: list[MatterEntry]
    dict_file: Optional[str] = None
    _by_id: dict[int, UnitEntry] = field(init=False, repr=False)
    _matter_by_id: dict[int, MatterEntry] = field(init=False, repr=False)
    _bm25: dict[str, BM25] = field(init=False, repr=False)
    _names: list[tuple[str, UnitEntry]] = field(init=False, repr=False)
    _matter_forms: list[tuple[str, MatterEntry]] = field(init=False, repr=False)
    _gram_df: Counter = field(init=False, repr=False)  # in how many matters each bigram occurs

    def __post_init__(self) -> None:
        self._by_id = {u.id: u for u in self.units}
        self._matter_by_id = matters_by_id = {m.id: m for m in self.matters}
        fields = {
            "name": [self._tokens(" ".join(u.names)) for u in self.units],
            "matters": [
                self._tokens(" ".join(w for mid in u.matter_ids for w in (matters_by_id[mid].name, *matters_by_id[mid].synonyms)))
                for u in self.units
            ],
            "duties": [self._tokens(u.duties) for u in self.units],
        }
        self._bm25 = {k: BM25(v) for k, v in fields.items()}
        self._names = sorted(
            ((normalise(n), u) for u in self.units for n in u.names if len(normalise(n)) >= 2),
            key=lambda p: -len(p[0]),
        )
        self._matter_forms = sorted(
            ((normalise(f), m) for m in self.matters for f in (m.name, *m.synonyms) if len(normalise(f)) >= 2),
            key=lambda p: -len(p[0]),
        )
        self._gram_df = Counter(
            g for m in self.matters for g in {g for f in (m.name, *m.synonyms) for g in bigrams(normalise(f))}
        )

    @classmethod
    def load(cls, session: Session, dict_file: Optional[str] = None) -> "DirectoryIndex":
        """Read units and matters from the database."""
        links: dict[int, list[int]] = {}
        by_matter: dict[int, list[int]] = {}
        for uid, mid in session.execute(select(unit_matters.c.unit_id, unit_matters.c.matter_id)):
            links.setdefault(uid, []).append(mid)
            by_matter.setdefault(mid, []).append(uid)
        units = [
            UnitEntry(
                id=u.id, code=u.code, name=u.name, short_name=u.short_name or "",
                aliases=tuple(u.aliases or ()), category=u.category, level=u.level,
                district=u.district, duties=u.duties, phones=tuple(u.phones or ()),
                address=u.address, hours=u.hours, website=u.website,
                latitude=u.latitude, longitude=u.longitude,
                matter_ids=tuple(sorted(links.get(u.id, ()))),
            )
            for u in session.scalars(select(Unit).order_by(Unit.id))
        ]
        matters = [
            MatterEntry(m.id, m.name, tuple(m.synonyms or ()), bool(m.per_district), tuple(sorted(by_matter.get(m.id, ()))))
            for m in session.scalars(select(Matter).order_by(Matter.id))
        ]
        return cls(units, matters, dict_file)

    def _tokens(self, text: str) -> list[str]:
        norm = normalise(text)
        return words(norm, self.dict_file) + bigrams(norm)

    def unit(self, unit_id: int) -> UnitEntry:
        return self._by_id[unit_id]

    # -- what the text names -------------------------------------------------------------

    def units_named(self, text: str) -> list[UnitEntry]:
        """Units whose full name, short name or alias appears in ``text``, longest match first."""
        norm = normalise(text)
        found: list[UnitEntry] = []
        taken: list[tuple[int, int]] = []
        for form, unit in self._names:
            start = norm.find(form)
            if start < 0 or unit in found:
                continue
            span = (start, start + len(form))
            if any(s <= span[0] and span[1] <= e and span != (s, e) for s, e in taken):
                continue  # part of a longer name already matched
            taken.append(span)
            found.append(unit)
        return found

    def matters_named(self, text: str) -> list[MatterEntry]:
        """Matters whose name or a synonym appears in ``text``; typo-tolerant when none does."""
        norm = normalise(text)
        found: list[MatterEntry] = []
        for form, matter in self._matter_forms:
            if form in norm and matter not in found:
                found.append(matter)
        if found:
            return found
        # Typos and inserted words (开个小饭店, 公积今提取): half of a form's bigrams, one of them
        # distinctive (found in few matters), is enough.
        grams = set(bigrams(norm))
        best: list[tuple[float, MatterEntry]] = []
        for form, matter in self._matter_forms:
            fgrams = set(bigrams(form))
            shared = grams & fgrams
            if len(form) >= 3 and fgrams and any(self._gram_df[g] <= DISTINCTIVE_DF for g in shared):
                ratio = len(shared) / len(fgrams)
                if ratio >= 0.5:
                    best.append((ratio + len(form) / 100, matter))
        best.sort(key=lambda p: -p[0])
        return list(dict.fromkeys(m for _, m in best))[:2]

    # -- ranking ---------------------------------------------------------------------------

    def search_units(
        self,
        text: str,
        district: Optional[str] = None,
        limit: int = 5,
        among: Optional[Iterable[int]] = None,
    ) -> list[UnitHit]:
        """Units ranked for ``text``: names, then matters, then duties; ``district`` boosts its units."""
        query = self._tokens(text)
        district = district or find_district(text)
        allowed = set(among) if among is not None else None
        total: dict[int, float] = {}
        for name, index in self._bm25.items():
            for doc, score in index.scores(query).items():
                total[doc] = total.get(doc, 0.0) + FIELD_WEIGHTS[name] * score
        hits: list[UnitHit] = []
        matter_ids = {m.id for m in self.matters_named(text)}
        for doc, score in total.items():
            unit = self.units[doc]
            if allowed is not None and unit.id not in allowed:
                continue
            hits.append(UnitHit(unit, score * _district_factor(unit, district), self._matter_names(unit, matter_ids)))
        hits.sort(key=lambda h: (-h.score, h.unit.id))
        return hits[:limit]

    def coverage(self, text: str, unit: UnitEntry) -> float:
        """Share of the query's bigrams found in the unit's names and matters (0 to 1)."""
        grams = set(bigrams(normalise(text)))
        if not grams:
            return 0.0
        matter_words = [w for i in unit.matter_ids for w in (self._matter_by_id[i].name, *self._matter_by_id[i].synonyms)]
        known = set(bigrams(normalise(" ".join((*unit.names, *matter_words)))))
        return len(grams & known) / len(grams)

    def _matter_names(self, unit: UnitEntry, matter_ids: set[int]) -> tuple[str, ...]:
        return tuple(self._matter_by_id[i].name for i in unit.matter_ids if i in matter_ids)

    def nearest(self, latitude: float, longitude: float, limit: int = 3) -> list[tuple[UnitEntry, float]]:
        """Service halls and centres (city, district and street) nearest a point, in metres."""
        halls = [
            u for u in self.units
            if u.latitude is not None and (u.category in HALL_CATEGORIES or u.level == "street")
        ]
        ranked = sorted(((u, haversine_m(latitude, longitude, u.latitude, u.longitude)) for u in halls), key=lambda p: p[1])  # type: ignore[arg-type]
        return ranked[:limit]

    def halls_in(self, district: str) -> list[UnitEntry]:
        """A district's government service centre first, then its street service centres."""
        inside = [u for u in self.units if u.district == district and (u.category == "district_center" or u.level == "street")]
        return sorted(inside, key=lambda u: (u.category != "district_center", u.id))


def _district_factor(unit: UnitEntry, district: Optional[str]) -> float:
    if not district:
        return 1.0 if unit.level == "city" else 0.8
    if unit.district == district:
        return 1.6
    return 0.9 if unit.level == "city" else 0.3


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def find_cadres(session: Session, index: DirectoryIndex, names: Sequence[str]) -> list[CadreEntry]:
    """Cadres whose name is one of ``names`` (exact), with their units."""
    wanted = [n for n in dict.fromkeys(names) if 2 <= len(n) <= 6]
    if not wanted:
        return []
    rows = session.execute(
        select(Cadre.id, Cadre.name, Cadre.position, Cadre.duties, Cadre.phone, Cadre.photo, Cadre.unit_id)
        .where(Cadre.name.in_(wanted)).order_by(Cadre.id).limit(50)
    )
    return [CadreEntry(r.id, r.name, r.position, r.duties, r.phone, r.photo, index.unit(r.unit_id)) for r in rows]


def cadres_of_unit(session: Session, index: DirectoryIndex, unit_id: int, about: Sequence[str] = ()) -> list[CadreEntry]:
    """A unit's cadres; with ``about`` (matter words), those whose duties mention one first."""
    rows = session.execute(
        select(Cadre.id, Cadre.name, Cadre.position, Cadre.duties, Cadre.phone, Cadre.photo)
        .where(Cadre.unit_id == unit_id).order_by(Cadre.id)
    ).all()
    unit = index.unit(unit_id)
    cadres = [CadreEntry(r.id, r.name, r.position, r.duties, r.phone, r.photo, unit) for r in rows]
    if about:
        cadres.sort(key=lambda c: -sum(1 for w in about if w and w in c.duties))
    return cadres


def candidate_names(text: str, dict_file: Optional[str] = None) -> list[str]:
    """Tokens of ``text`` that could be a person's name (2–4 CJK characters)."""
    norm = normalise(text)
    return [w for w in words(norm, dict_file) if 2 <= len(w) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in w)]
