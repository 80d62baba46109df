"""Directory search: which unit handles a matter, which unit a name means, which cadre a name means.

Units and matters (a few thousand rows) are held in memory and ranked with BM25 over jieba words
and character bigrams (bigrams make typos such as 公积今中心 still match); cadres stay in the
database and are looked up by their indexed name, so the index does not grow with the cadres.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.directory import Bundle, Cadre, Matter, Unit, unit_matters
from bot.nlp.bm25 import BM25
from bot.nlp.phrases import PhraseIndex, PhraseTable
from bot.nlp.sound import SoundIndex
from bot.nlp.text import DISTRICT_FORMS, DISTRICT_SHORT, bigrams, find_district, normalise
from bot.nlp.tokenize import words

HALL_CATEGORIES = ("city_hall", "district_center")
FIELD_WEIGHTS = {"name": 3.0, "matters": 2.0, "duties": 0.6}
DISTINCTIVE_DF = 3  # a bigram found in at most this many matters says which matter is meant
NAME_LIKENESS = 0.75  # a typed name sharing this share of a unit name's bigrams means that unit
COMMON_NAME_GRAM = 40  # a bigram in more unit names than this (沈阳, 区政) says nothing of which


@dataclass(frozen=True)
class UnitEntry:
    """What search and answers need of a unit."""

    id: int
    code: str
    name: str
    short_name: str
    aliases: tuple[str, ...]
    category: str
    kind: str
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
    unit_ids: tuple[int, ...]  # linked one by one (the units' matters column)
    kinds: tuple[str, ...] = ()  # the catalogue: kinds of unit that handle it, most specific first
    level: str = ""
    examples: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    description: str = ""

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.synonyms)


@dataclass(frozen=True)
class BundleEntry:
    """A "一件事" bundle: the matters one business or life event needs, and where to apply for all."""

    id: int
    name: str
    aliases: tuple[str, ...]
    examples: tuple[str, ...]
    matter_ids: tuple[int, ...]
    where: str
    description: str

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


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
    """In-memory index of units, matters and bundles; build it once per process with ``load``."""

    units: list[UnitEntry]
    matters: list[MatterEntry]
    dict_file: Optional[str] = None
    bundles: list[BundleEntry] = field(default_factory=list)
    _by_id: dict[int, UnitEntry] = field(init=False, repr=False)
    _matter_by_id: dict[int, MatterEntry] = field(init=False, repr=False)
    _matter_position: dict[int, int] = field(init=False, repr=False)
    _by_kind: dict[str, list[UnitEntry]] = field(init=False, repr=False)
    _unit_matters: dict[int, tuple[int, ...]] = field(init=False, repr=False)
    _bm25: dict[str, BM25] = field(init=False, repr=False)
    _matter_bm25: BM25 = field(init=False, repr=False)
    _matter_words: list[set[str]] = field(init=False, repr=False)
    _gram_weight: dict[str, float] = field(init=False, repr=False)  # idf of a bigram among the matters' words
    _unseen_weight: float = field(init=False, repr=False)
    _names: list[tuple[str, UnitEntry]] = field(init=False, repr=False)
    _name_postings: dict[str, list[int]] = field(init=False, repr=False)  # bigram -> indexes into _names
    _kind_names: list[tuple[str, str]] = field(init=False, repr=False)  # (社保中心, SI): a kind by its generic name
    _matter_forms: list[tuple[str, MatterEntry]] = field(init=False, repr=False)
    _matter_form_grams: list[frozenset[str]] = field(init=False, repr=False)
    _bundle_forms: list[tuple[str, BundleEntry]] = field(init=False, repr=False)
    _known: PhraseIndex = field(init=False, repr=False)  # districts, unit names, matters and bundles
    _matter_table: PhraseTable = field(init=False, repr=False)
    _bundle_table: PhraseTable = field(init=False, repr=False)
    _gram_df: Counter = field(init=False, repr=False)  # in how many matters each bigram occurs
    sound: SoundIndex = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {u.id: u for u in self.units}
        self._matter_by_id = {m.id: m for m in self.matters}
        self._matter_position = {m.id: i for i, m in enumerate(self.matters)}
        self._by_kind = {}
        for unit in self.units:
            if unit.kind:
                self._by_kind.setdefault(unit.kind, []).append(unit)
        handled: dict[int, list[int]] = {}
        for matter in self.matters:
            for uid in (*matter.unit_ids, *(u.id for k in matter.kinds for u in self._by_kind.get(k, ()))):
                handled.setdefault(uid, []).append(matter.id)
        self._unit_matters = {uid: tuple(dict.fromkeys(mids)) for uid, mids in handled.items()}
        matter_tokens = {m.id: self._tokens(" ".join(m.forms)) for m in self.matters}  # once each, not per unit
        fields = {
            "name": [self._tokens(" ".join(u.names)) for u in self.units],
            "matters": [[t for mid in self.matter_ids_of(u) for t in matter_tokens[mid]] for u in self.units],
            "duties": [self._tokens(u.duties) for u in self.units],
        }
        self._bm25 = {k: BM25(v) for k, v in fields.items()}
        matter_docs = [
            self._tokens(" ".join((*m.forms, *m.forms, *m.examples, m.description))) for m in self.matters
        ]
        self._matter_bm25 = BM25(matter_docs)
        self._matter_words = [set(bigrams(normalise(" ".join((*m.forms, *m.examples))))) for m in self.matters]
        word_df = Counter(g for grams in self._matter_words for g in grams)
        self._gram_weight = {g: math.log((len(self.matters) + 1) / (df + 1)) + 1 for g, df in word_df.items()}
        self._unseen_weight = math.log(len(self.matters) + 1) + 1
        self._names = sorted(
            ((normalise(n), u) for u in self.units for n in u.names if len(normalise(n)) >= 2),
            key=lambda p: -len(p[0]),
        )
        self._kind_names = _generic_names(self.units, {n for n, _ in self._names})
        self._name_postings = {}
        for number, (form, _unit) in enumerate(self._names):
            for gram in set(bigrams(form)):
                self._name_postings.setdefault(gram, []).append(number)
        self._matter_forms = sorted(
            ((normalise(f), m) for m in self.matters for f in m.forms if len(normalise(f)) >= 2),
            key=lambda p: -len(p[0]),
        )
        self._matter_form_grams = [frozenset(bigrams(form)) for form, _ in self._matter_forms]
        self._bundle_forms = sorted(
            ((form, b) for b in self.bundles for f in b.forms for form in _business_forms(normalise(f))),
            key=lambda p: -len(p[0]),
        )
        self._known = PhraseIndex([*DISTRICT_FORMS, *(f for f, _ in self._names), *(f for f, _ in self._matter_forms),
                                   *(f for f, _ in self._bundle_forms)])
        self._matter_table = PhraseTable(self._matter_forms)
        self._bundle_table = PhraseTable(self._bundle_forms)
        self._gram_df = Counter(
            g for m in self.matters for g in {g for f in m.forms for g in bigrams(normalise(f))}
        )
        self.sound = SoundIndex([
            *DISTRICT_FORMS, *(n for u in self.units for n in u.names),
            *(f for m in self.matters for f in m.forms), *(f for b in self.bundles for f in b.forms),
        ])

    @classmethod
    def load(cls, session: Session, dict_file: Optional[str] = None) -> "DirectoryIndex":
        """Read units, matters and bundles from the database."""
        links: dict[int, list[int]] = {}
        by_matter: dict[int, list[int]] = {}
        for uid, mid in session.execute(select(unit_matters.c.unit_id, unit_matters.c.matter_id)):
            links.setdefault(uid, []).append(mid)
            by_matter.setdefault(mid, []).append(uid)
        units = [
            UnitEntry(
                id=u.id, code=u.code, name=u.name, short_name=u.short_name or "",
                aliases=tuple(u.aliases or ()), category=u.category, kind=u.kind or "", level=u.level,
                district=u.district, duties=u.duties, phones=tuple(u.phones or ()),
                address=u.address, hours=u.hours, website=u.website,
                latitude=u.latitude, longitude=u.longitude,
                matter_ids=tuple(sorted(links.get(u.id, ()))),
            )
            for u in session.scalars(select(Unit).order_by(Unit.id))
        ]
        matters = [
            MatterEntry(
                m.id, m.name, tuple(m.synonyms or ()), bool(m.per_district), tuple(sorted(by_matter.get(m.id, ()))),
                kinds=tuple(m.kinds or ()), level=m.level or "", examples=tuple(m.examples or ()),
                materials=tuple(m.materials or ()), description=m.description or "",
            )
            for m in session.scalars(select(Matter).order_by(Matter.id))
        ]
        ids = {m.name: m.id for m in matters}
        bundles = [
            BundleEntry(b.id, b.name, tuple(b.aliases or ()), tuple(b.examples or ()),
                        tuple(ids[n] for n in (b.matters or ()) if n in ids), b.where or "", b.description or "")
            for b in session.scalars(select(Bundle).order_by(Bundle.id))
        ]
        return cls(units, matters, dict_file, bundles)

    def _tokens(self, text: str) -> list[str]:
        norm = normalise(text)
        return words(norm, self.dict_file) + bigrams(norm)

    def unit(self, unit_id: int) -> UnitEntry:
        return self._by_id[unit_id]

    def matter(self, matter_id: int) -> MatterEntry:
        return self._matter_by_id[matter_id]

    def matter_by_name(self, name: Optional[str]) -> Optional[MatterEntry]:
        """The matter of that name, or the first matter of the bundle of that name."""
        found = next((m for m in self.matters if m.name == name), None)
        bundle = next((b for b in self.bundles if b.name == name), None) if found is None else None
        return self._matter_by_id[bundle.matter_ids[0]] if bundle and bundle.matter_ids else found

    def units_of_kind(self, kind: str) -> list[UnitEntry]:
        return list(self._by_kind.get(kind, ()))

    def has_unit(self, unit_id: int) -> bool:
        return unit_id in self._by_id

    def matter_ids_of(self, unit: UnitEntry) -> tuple[int, ...]:
        """The matters a unit handles: linked to it, or of its kind."""
        return self._unit_matters.get(unit.id, ())

    def corrected(self, text: str) -> str:
        """``text`` with typed sound-alikes of known names replaced (沈和区 → 沈河区)."""
        return self.sound.correct(text)

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
        return found or self._units_like(norm)

    def kind_named(self, text: str) -> Optional[tuple[str, str]]:
        """(generic name, kind) when ``text`` names a kind of unit without saying whose ("社保中心在哪",
        "市场监管局电话"): the district units' names without their district."""
        norm = normalise(text)
        return next(((name, kind) for name, kind in self._kind_names if name in norm), None)

    def _units_like(self, norm: str) -> list[UnitEntry]:
        """A unit whose name the text gives with a character wrong ("沈阳市医了保障局"): most of a
        long name's bigrams, one of them rare among unit names, are in the text."""
        grams = set(bigrams(norm))
        shared: Counter = Counter()
        for gram in grams:
            postings = self._name_postings.get(gram, ())
            if len(postings) <= COMMON_NAME_GRAM:
                shared.update(postings)
        best: list[tuple[float, UnitEntry]] = []
        for number in shared:
            form, unit = self._names[number]
            form_grams = set(bigrams(form))
            own = set(bigrams(_PLACE.sub(" ", form)))  # what the name says besides where: 医疗保障局
            if len(form) >= 5 and len(grams & form_grams) / len(form_grams) >= NAME_LIKENESS \
                    and own and len(grams & own) / len(own) >= 0.5:
                best.append((len(grams & form_grams) / len(form_grams) + len(form) / 1000, unit))
        best.sort(key=lambda p: (-p[0], p[1].id))
        return list(dict.fromkeys(u for _, u in best))[:1]

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
        for (form, matter), fgrams in zip(self._matter_forms, self._matter_form_grams):
            shared = grams & fgrams
            if len(form) >= 3 and fgrams and any(self._gram_df[g] <= DISTINCTIVE_DF for g in shared):
                ratio = len(shared) / len(fgrams)
                if ratio >= 0.5:
                    best.append((ratio + len(form) / 100, matter))
        best.sort(key=lambda p: -p[0])
        return list(dict.fromkeys(m for _, m in best))[:2]

    def without_known_words(self, text: str) -> str:
        """``text`` (normalised) with districts, unit names, matters and bundles blanked out: what is
        left may be a person's name ("于洪区…" or "王家…" inside a known word never is)."""
        norm = normalise(text)
        for form in self.known_words(norm):
            norm = norm.replace(form, " ")
        return norm

    def known_words(self, norm: str) -> list[str]:
        """Districts, unit names, matters and bundles said whole in ``norm`` (normalised), longest first."""
        return self._known.found(norm)

    def longest_matter_form(self, text: str) -> int:
        """Length of the longest matter name or synonym found in ``text`` (0: none)."""
        found = self._matter_table.found(normalise(text))
        return len(found[0][0]) if found else 0

    def bundles_named(self, text: str) -> list[tuple[BundleEntry, int]]:
        """Bundles whose name or everyday word appears in ``text`` (a word may be put inside), with the length of the match."""
        found: dict[int, tuple[BundleEntry, int]] = {}
        for form, bundle in self._bundle_table.found(normalise(text)):
            found.setdefault(bundle.id, (bundle, len(form)))
        return sorted(found.values(), key=lambda p: -p[1])

    def rank_matters(self, text: str, query: str, limit: int = 5) -> list[tuple[MatterEntry, float, bool]]:
        """The matters ``text`` may be about, best first: (matter, wording, named).

        ``wording`` is the share of the bigrams of ``query`` (the question without its asking words)
        that the matter's names and examples explain, each bigram weighted by how rare it is among the
        matters (管理, 办理 say little; a bigram no matter has, such as 火星, weighs most); ``named`` says a name or synonym of the matter
        is in ``text``. A named matter is preferred unless another explains the question clearly
        better: "社保转到外地开转移单" names 社保 (paying contributions), but speaks of a transfer.
        """
        grams = set(bigrams(normalise(query)))
        weight = {g: self._gram_weight.get(g, self._unseen_weight) for g in grams}
        total = sum(weight.values())
        named = {m.id: len(form) for m, form in self.matters_with_form(text)}
        candidates = {self.matters[doc].id for doc, _ in sorted(
            self._matter_bm25.scores(self._tokens(query)).items(), key=lambda p: -p[1])[: limit * 2]}
        candidates |= set(list(named)[: limit * 2])
        ranked = []
        for mid in candidates:
            matter = self._matter_by_id[mid]
            cover = sum(weight[g] for g in grams & self._matter_words[self._matter_position[mid]]) / total if total else 0.0
            score = cover + (0.1 + min(named[mid], 6) / 30 if mid in named else 0.0)  # a longer name says more
            ranked.append((score, mid in named, cover, matter))
        ranked.sort(key=lambda r: (-r[0], r[3].id))
        return [(matter, cover, is_named) for _, is_named, cover, matter in ranked[:limit]]

    def matters_with_form(self, text: str) -> list[tuple[MatterEntry, str]]:
        """Matters with the longest of their names or synonyms found in ``text`` (a word may be put inside), longest first."""
        found: dict[int, tuple[MatterEntry, str]] = {}
        for form, matter in self._matter_table.found(normalise(text)):
            found.setdefault(matter.id, (matter, form))
        return list(found.values())

    def units_for(self, matter: MatterEntry, district: Optional[str]) -> list[UnitEntry]:
        """The units that handle ``matter`` for someone in ``district``, the one to go to first.

        A city-level matter goes to the city's unit of its first kind that has one; any other, in a
        known district, to that district's unit of its first kind that has one (the district's
        government service centre when none has), then the city's; units linked one by one follow.
        """
        local: list[UnitEntry] = []
        city: list[UnitEntry] = []
        for kind in matter.kinds:
            for unit in self._by_kind.get(kind, ()):
                if unit.level == "city":
                    city.append(unit)
                elif district and unit.district == district and matter.level != "city":
                    local.append(unit)
        if district and matter.level != "city" and not local:
            local = [u for u in self._by_kind.get("CENTER", ()) if u.district == district][:1]
        linked = [self._by_id[uid] for uid in matter.unit_ids]
        if district:  # a unit linked one by one in the district comes next (first for a city-level matter)
            linked.sort(key=lambda u: u.district != district)
            here = [u for u in linked if u.district == district]
            local = here + local if matter.level == "city" else local + here
        return list(dict.fromkeys([*local, *city, *linked]))

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
            hits.append(UnitHit(unit, score * _district_factor(unit, district), self.matter_names(unit, matter_ids)))
        hits.sort(key=lambda h: (-h.score, h.unit.id))
        return hits[:limit]

    def coverage(self, text: str, unit: UnitEntry) -> float:
        """Share of the query's bigrams found in the unit's names and matters (0 to 1)."""
        grams = set(bigrams(normalise(text)))
        if not grams:
            return 0.0
        matter_words = [w for i in self.matter_ids_of(unit) for w in self._matter_by_id[i].forms]
        known = set(bigrams(normalise(" ".join((*unit.names, *matter_words)))))
        return len(grams & known) / len(grams)

    def matter_names(self, unit: UnitEntry, matter_ids: set[int]) -> tuple[str, ...]:
        return tuple(self._matter_by_id[i].name for i in self.matter_ids_of(unit) if i in matter_ids)

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


_PLACE = re.compile("|".join(sorted(map(re.escape, [*DISTRICT_FORMS, "沈阳市", "沈阳"]), key=len, reverse=True)))


def _generic_names(units: list[UnitEntry], taken: set[str]) -> list[tuple[str, str]]:
    """Each kind's names without a district (和平区社保中心 → 社保中心), longest first; a name some unit
    has, or that two kinds share, is left out."""
    kinds: dict[str, set[str]] = {}
    for unit in units:
        if not unit.kind or not unit.district or unit.level == "street":
            continue
        short = DISTRICT_SHORT.get(unit.district, "")
        for name in unit.names:
            form = normalise(name)
            for prefix in (f"沈阳市{unit.district}", unit.district, f"沈阳市{short}", short, "沈阳市"):
                if prefix and form.startswith(prefix) and len(form) - len(prefix) >= 2:
                    kinds.setdefault(form[len(prefix):], set()).add(unit.kind)
                    break
    found = [(name, next(iter(k))) for name, k in kinds.items() if len(k) == 1 and name not in taken]
    return sorted(found, key=lambda p: -len(p[0]))


def _business_forms(form: str) -> list[str]:
    """A bundle's word and, for "开奶茶店", the business itself ("奶茶店"), which "开个奶茶店" contains."""
    forms = [form] if len(form) >= 2 else []
    if form.startswith("开") and len(form) >= 3:
        forms.append(form[1:])
    return forms


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
    found = [w for part in text.split() for w in words(normalise(part), dict_file)]
    return [w for w in found if 2 <= len(w) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in w)]
