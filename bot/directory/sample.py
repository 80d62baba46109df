"""The bundled directory: SAMPLE DATA (虚构示例数据), not an official register.

``sample_rows()`` returns the rows ``python -m bot init-db`` imports (the format of
docs/directory-format.md): the contract's 829 service units in five categories, about 12,000
service cadres and the matters they handle.

What is real and what is not:
- unit names, short names, aliases, duties, the streets and towns of each district and the
  matters with the words people use for them are hand-curated from Shenyang's public information
  in ``sample_units.yml``;
- switchboard numbers, house numbers, the offsets of coordinates around each district's centre and
  every cadre (names, positions, extensions) are fictional, generated here from ``seed``;
- nationwide public hotlines (12345, 12366, 12333, 12329, 95598 …) appear only on the units they
  genuinely belong to, as listed in the YAML file.

The matters and the "一件事" bundles come from the catalogue, ``catalogue/*.yml`` (read as an
import file, docs/matter-catalogue.md): each matter names the kinds of unit that handle it, and each
unit here has its kind (the template's key), so a matter reaches every unit of its kind.

Everything is deterministic (the same rows on every call and every machine): two private
``random.Random`` streams seeded from ``seed``, no clock, no ``hash()``, no iteration over sets.
"""
from __future__ import annotations

import math
import random
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

DATA_FILE = Path(__file__).with_name("sample_units.yml")
CATALOGUE_DIR = Path(__file__).with_name("catalogue")

# The contract's five categories and how many units each has (docs/domain-contract.md).
EXPECTED_UNITS: dict[str, int] = {
    "city_hall": 11,
    "district_center": 14,
    "city_department": 65,
    "public_enterprise": 67,
    "district_unit": 672,
}
CADRE_RANGE = (11_500, 12_500)

# The columns of each table (docs/directory-format.md), kept here so this module needs no project imports.
UNIT_COLUMNS = (
    "code", "name", "short_name", "aliases", "category", "kind", "level", "district",
    "parent_code", "duties", "phones", "address", "hours", "website",
    "latitude", "longitude", "matters",
)
CADRE_COLUMNS = ("code", "name", "unit_code", "position", "duties", "phone", "photo")

KM_PER_DEGREE = 111.0
SPREAD_KM = {"hall": 3.0, "center": 1.5, "unit": 3.0, "street": 3.0, "town": 12.0}
EXTENSION_STARTS = (101, 201, 301, 501, 601, 801)
CITY_WEBSITE = "https://www.shenyang.gov.cn/zwgk/jgzn/{slug}/"
HALL_WEBSITE = "https://www.shenyang.gov.cn/bsfw/{slug}/"

Row = dict[str, str]
Data = dict[str, Any]


def sample_rows(seed: int = 20261125) -> dict[str, list[dict[str, str]]]:
    """The bundled sample directory as import rows: keys 'units', 'cadres', 'matters', 'bundles'."""
    data = _load()
    catalogue = catalogue_rows()
    matters = catalogue.get("matters", [])
    units = _UnitBuilder(data, random.Random(seed)).build()
    _check_units(units, {m["name"] for m in matters})
    cadres = _CadreBuilder(data, random.Random(seed + 1)).build(units)
    if not CADRE_RANGE[0] <= len(cadres) <= CADRE_RANGE[1]:
        raise RuntimeError(f"示例数据干部人数 {len(cadres)} 不在 {CADRE_RANGE} 范围内")
    return {"units": units, "cadres": cadres, "matters": matters, "bundles": catalogue.get("bundles", [])}


def catalogue_files() -> list[Path]:
    """The catalogue's files: the core matters first, the bundles last."""
    return sorted(CATALOGUE_DIR.glob("*.yml"), key=lambda p: (p.stem != "core", p.stem == "bundles", p.stem))


def catalogue_rows() -> dict[str, list[dict[str, str]]]:
    """The bundled matter catalogue as import rows ('matters', 'bundles')."""
    from bot.directory.fileformat import read_files

    return {table: [row for _, row in rows] for table, rows in read_files(catalogue_files()).items()}


def _load() -> Data:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with DATA_FILE.open(encoding="utf-8") as fh:
        data: Data = yaml.load(fh, Loader=loader)  # a safe loader: plain data only
    return data


def _join(values: list[str], exclude: tuple[str, ...] = ()) -> str:
    """``|``-join distinct non-empty values in order, leaving out ``exclude``."""
    kept = [v for v in dict.fromkeys(values) if v and v not in exclude]
    return "|".join(kept)


def _blank(columns: tuple[str, ...], **values: str) -> Row:
    row = dict.fromkeys(columns, "")
    row.update(values)
    return row


# -- units -------------------------------------------------------------------------------------


class _UnitBuilder:
    """Builds the unit rows in a fixed order, drawing phones and coordinates from one stream."""

    def __init__(self, data: Data, rng: random.Random) -> None:
        self.data = data
        self.rng = rng
        self.districts: dict[str, Data] = {d["name"]: d for d in data["districts"]}
        self.hours: dict[str, str] = data["hours"]
        self._phones: set[str] = set()

    def build(self) -> list[Row]:
        return (
            self._city_halls()
            + self._district_centers()
            + self._city_departments()
            + self._enterprises()
            + self._district_units()
        )

    # phones, places, addresses

    def _switchboard(self) -> str:
        """A fictional, unique Shenyang landline: 024-2xxxxxxx or 024-8xxxxxxx."""
        while True:
            number = f"024-{self.rng.choice('28')}{self.rng.randint(1, 9)}{self.rng.randrange(10**6):06d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def _phones_for(self, lines: int, hotlines: list[str] | None = None) -> str:
        return _join([self._switchboard() for _ in range(lines)] + [str(h) for h in hotlines or []])

    def _place(self, lat: float, lon: float, spread_km: float) -> dict[str, str]:
        dlat = spread_km / KM_PER_DEGREE
        dlon = dlat / math.cos(math.radians(lat))
        return {
            "latitude": f"{lat + self.rng.uniform(-dlat, dlat):.6f}",
            "longitude": f"{lon + self.rng.uniform(-dlon, dlon):.6f}",
        }

    def _district_place(self, district: str, kind: str) -> dict[str, str]:
        info = self.districts[district]
        return self._place(info["lat"], info["lon"], SPREAD_KM[kind])

    def _address(self, district: str, town: str = "") -> str:
        roads = self.data["town_roads"] if town else self.districts[district]["roads"]
        return f"沈阳市{district}{town}{self.rng.choice(roads)}{self.rng.randint(1, 298)}号"

    def _fill(self, template: str, district: str = "", street: str = "") -> str:
        short = self.districts[district]["short"] if district else ""
        return template.format(d=district, s=short, n=street)

    # the five categories

    def _city_halls(self) -> list[Row]:
        rows = []
        for hall in self.data["city_halls"]:
            rows.append(_blank(
                UNIT_COLUMNS,
                code=hall["code"], name=hall["name"], short_name=hall["short_name"], kind=hall["kind"],
                aliases=_join(hall.get("aliases", []), exclude=(hall["name"], hall["short_name"])),
                category="city_hall", level="city", duties=hall["duties"],
                phones=self._phones_for(2, hall.get("hotlines")),
                address=self._address(hall["site"]), hours=self.hours["hall"],
                website=hall.get("website") or HALL_WEBSITE.format(slug=hall["code"].lower()),
                matters=_join(hall["matters"]),
                **self._district_place(hall["site"], "hall"),
            ))
        return rows

    def _district_centers(self) -> list[Row]:
        spec = self.data["district_center"]
        rows = []
        for district, info in self.districts.items():
            name = self._fill(spec["name"], district)
            short = self._fill(spec["short_name"], district)
            rows.append(_blank(
                UNIT_COLUMNS,
                code=f"D-CENTER-{info['abbr']}", name=name, short_name=short, kind="CENTER",
                aliases=_join([self._fill(a, district) for a in spec["aliases"]], exclude=(name, short)),
                category="district_center", level="district", district=district,
                duties=self._fill(spec["duties"], district), phones=self._phones_for(2),
                address=self._address(district), hours=self.hours["hall"],
                matters=_join(spec["matters"]), **self._district_place(district, "center"),
            ))
        for extra in spec.get("extra", []):
            rows.append(_blank(
                UNIT_COLUMNS,
                code=extra["code"], name=extra["name"], short_name=extra["short_name"], kind="CENTER",
                aliases=_join(extra["aliases"], exclude=(extra["name"], extra["short_name"])),
                category="district_center", level="district", district=extra["district"],
                duties=extra["duties"], phones=self._phones_for(2),
                address=self._address(extra["district"]), hours=self.hours["hall"],
                matters=_join(extra["matters"]), **self._place(extra["lat"], extra["lon"], 0.5),
            ))
        return rows

    def _city_departments(self) -> list[Row]:
        rows = []
        for dept in self.data["city_departments"]:
            rows.append(_blank(
                UNIT_COLUMNS,
                code=f"C-DEPT-{dept['key']}", name=dept["name"], short_name=dept["short_name"], kind=dept["key"],
                aliases=_join(dept.get("aliases", []), exclude=(dept["name"], dept["short_name"])),
                category="city_department", level="city", duties=dept["duties"],
                phones=self._phones_for(1, dept.get("hotlines")),
                address=self._address(dept["site"]), hours=self.hours["office"],
                website=dept.get("website") or CITY_WEBSITE.format(slug=dept["key"].lower()),
                matters=_join(dept.get("matters", [])), **self._district_place(dept["site"], "hall"),
            ))
        return rows

    def _enterprises(self) -> list[Row]:
        rows = []
        for ent in self.data["enterprises"]:
            hq_code = f"P-{ent['key']}-01"
            hq = ent["hq"]
            common = {
                "category": "public_enterprise", "kind": ent.get("kind", ent["key"]), "hours": ent["hours"],
                "website": ent.get("website", ""), "matters": _join(ent["matters"]),
            }
            rows.append(_blank(
                UNIT_COLUMNS, code=hq_code, name=hq["name"], short_name=hq["short_name"],
                aliases=_join(hq["aliases"], exclude=(hq["name"], hq["short_name"])),
                level="city", duties=ent["hq_duties"], phones=self._phones_for(1, ent.get("hotlines")),
                address=self._address(hq["site"]), **common, **self._district_place(hq["site"], "hall"),
            ))
            window = ent["window"]
            for number, district in enumerate(ent["districts"], start=2):
                name = self._fill(window["name"], district)
                short = self._fill(window["short_name"], district)
                rows.append(_blank(
                    UNIT_COLUMNS, code=f"P-{ent['key']}-{number:02d}", name=name, short_name=short,
                    aliases=_join([self._fill(a, district) for a in window["aliases"]], exclude=(name, short)),
                    level="district", district=district, parent_code=hq_code,
                    duties=self._fill(ent["window_duties"], district),
                    phones=self._phones_for(1, ent.get("hotlines")), address=self._address(district),
                    **common, **self._district_place(district, "unit"),
                ))
        return rows

    def _district_units(self) -> list[Row]:
        streets = sum(len(d["streets"]) for d in self.districts.values())
        plan = _bureau_plan(self.data, EXPECTED_UNITS["district_unit"] - streets)
        rows = []
        for district, info in self.districts.items():
            rows += [self._bureau(district, info, template) for template in plan[district]]
            rows += [self._street(district, info, name, slug) for name, slug in info["streets"]]
        return rows

    def _bureau(self, district: str, info: Data, template: Data) -> Row:
        county = bool(info.get("county"))
        name = self._fill(_variant(template, "name", county), district)
        short = self._fill(_variant(template, "short_name", county), district)
        return _blank(
            UNIT_COLUMNS,
            code=f"D-{info['abbr']}-{template['key']}", name=name, short_name=short, kind=template["key"],
            aliases=_join([self._fill(a, district) for a in template.get("aliases", [])], exclude=(name, short)),
            category="district_unit", level="district", district=district,
            duties=self._fill(template["duties"], district), phones=self._phones_for(1),
            address=self._address(district), hours=self.hours["office"],
            matters=_join(template.get("matters", [])), **self._district_place(district, "unit"),
        )

    def _street(self, district: str, info: Data, street: str, slug: str) -> Row:
        spec = self.data["street_center"]
        is_town = not street.endswith("街道")
        name = self._fill(spec["name"], district, street)
        short = self._fill(spec["short_name"], district, street)
        optional = [m for m in spec["optional_matters"] if self.rng.random() < 0.7]
        matters = spec["core_matters"] + optional + (spec["town_matters"] if is_town else [])
        return _blank(
            UNIT_COLUMNS,
            code=f"S-{info['abbr']}-{slug}", name=name, short_name=short, kind="STREET",
            aliases=_join([self._fill(a, district, street) for a in spec["aliases"]], exclude=(name, short)),
            category="district_unit", level="street", district=district,
            parent_code=f"D-CENTER-{info['abbr']}",
            duties=self._fill(spec["duties_town" if is_town else "duties_street"], district, street),
            phones=self._phones_for(1),
            address=self._address(district, street if is_town else ""),
            hours=self.hours["town" if is_town else "street"], matters=_join(matters),
            **self._district_place(district, "town" if is_town else "street"),
        )


def _variant(template: Data, key: str, county: bool) -> str:
    """A bureau template's ``key``, or its county form (``county_name``, ``county_short``) for counties."""
    county_key = {"name": "county_name", "short_name": "county_short"}[key]
    return str(template[county_key] if county and county_key in template else template[key])


def _bureau_plan(data: Data, needed: int) -> dict[str, list[Data]]:
    """Each district's bureaus: the templates it has, trimmed from the end until ``needed`` remain.

    Templates are listed by priority; the district with the most bureaus (the later one on a tie)
    loses its last template until the total is exactly ``needed``.
    """
    templates = data["district_bureaus"]
    plan = {
        d["name"]: [t for t in templates if t.get("only") != "rural" or d.get("rural")]
        for d in data["districts"]
    }
    order = list(plan)
    total = sum(len(v) for v in plan.values())
    if total < needed:
        raise RuntimeError(f"示例数据区县直属单位模板不足：需要 {needed} 个，只有 {total} 个")
    while total > needed:
        victim = max(order, key=lambda n: (len(plan[n]), order.index(n)))
        plan[victim].pop()
        total -= 1
    return plan


def _check_units(units: list[Row], matter_names: set[str]) -> None:
    """Fail loudly when the sample breaks the contract's counts or refers to unknown matters."""
    counts = Counter(u["category"] for u in units)
    if dict(counts) != EXPECTED_UNITS:
        raise RuntimeError(f"示例数据单位数量不符合约定：{dict(counts)}，应为 {EXPECTED_UNITS}")
    for field in ("code", "name"):
        seen = Counter(u[field] for u in units)
        duplicates = [v for v, n in seen.items() if n > 1]
        if duplicates:
            raise RuntimeError(f"示例数据单位 {field} 重复：{duplicates[:5]}")
    unknown = sorted({m for u in units for m in u["matters"].split("|") if m and m not in matter_names})
    if unknown:
        raise RuntimeError(f"示例数据引用了不存在的事项：{unknown}")


# -- cadres ------------------------------------------------------------------------------------


def _cadre_kind(unit: Row) -> str:
    """The key of the cadre settings that apply to ``unit``."""
    if unit["category"] == "public_enterprise":
        return "enterprise_hq" if unit["level"] == "city" else "enterprise_window"
    if unit["category"] == "district_unit" and unit["level"] == "street":
        return "street"
    return unit["category"]


class _CadreBuilder:
    """Fictional cadres: a few fixed people the tests rely on, the rest drawn from name pools."""

    def __init__(self, data: Data, rng: random.Random) -> None:
        self.cfg: Data = data["cadres"]
        self.rng = rng
        pairs = [str(item).split(":") for item in self.cfg["surnames"].split()]
        self.surnames: list[str] = [p[0] for p in pairs]
        self.surname_weights: list[int] = [int(p[1]) for p in pairs]
        self.reserved = set(self.cfg["reserved"])
        self.given_single: str = self.cfg["given_single"]
        self.given_first: str = self.cfg["given_first"]
        self.given_second: str = self.cfg["given_second"]
        self.double_share: float = self.cfg["double_given_share"]
        self.place_words = tuple(
            dict.fromkeys(w for d in data["districts"] for w in (d["name"], d["short"]))
        )

    def build(self, units: list[Row]) -> list[Row]:
        codes = {u["code"] for u in units}
        pinned: dict[str, list[Data]] = {}
        for person in self.cfg["pinned"]:
            if person["unit"] not in codes:
                raise RuntimeError(f"示例数据固定人员 {person['name']} 的单位 {person['unit']} 不存在")
            pinned.setdefault(person["unit"], []).append(person)
        counts = self._allocate(units)
        cadres: list[Row] = []
        for unit, count in zip(units, counts, strict=True):
            cadres += self._unit_cadres(unit, count, pinned.get(unit["code"], []), len(cadres))
        return cadres

    def _allocate(self, units: list[Row]) -> list[int]:
        """Cadres per unit: random weights by kind, scaled to the total by largest remainder."""
        weights = [self.rng.uniform(*self.cfg["weights"][_cadre_kind(u)]) for u in units]
        scale = self.cfg["total"] / sum(weights)
        exact = [w * scale for w in weights]
        counts = [int(x) for x in exact]
        short = self.cfg["total"] - sum(counts)
        by_remainder = sorted(range(len(units)), key=lambda i: (counts[i] - exact[i], i))
        for i in by_remainder[:short]:
            counts[i] += 1
        return [max(c, self.cfg["minimum"]) for c in counts]

    def _unit_cadres(self, unit: Row, count: int, fixed: list[Data], numbered: int) -> list[Row]:
        kind = _cadre_kind(unit)
        board = unit["phones"].split("|")[0]
        starts = [s for s in EXTENSION_STARTS if s + count <= 1000]
        extension = self.rng.choice(starts)
        taken = {p["name"] for p in fixed}
        people = [(p["name"], p["position"], p["duties"]) for p in fixed]
        positions = list(self.cfg["leaders"][kind])
        staff = self._staff_positions(kind, unit)
        while len(people) < count:
            position = positions.pop(0) if positions else self.rng.choices(list(staff), list(staff.values()))[0]
            name = self._person_name(taken)
            taken.add(name)
            people.append((name, position, self._duties(unit, position)))
        return [
            _blank(
                CADRE_COLUMNS, code=f"K{numbered + i + 1:06d}", name=name, unit_code=unit["code"],
                position=position, duties=duties, phone=f"{board}-{extension + i}",
            )
            for i, (name, position, duties) in enumerate(people)
        ]

    def _staff_positions(self, kind: str, unit: Row) -> dict[str, int]:
        """The kind's staff positions (with weights) that fit the unit's matters."""
        matters = set(unit["matters"].split("|"))
        needs: dict[str, list[str]] = self.cfg["position_matters"]
        return {
            position: weight
            for position, weight in self.cfg["positions"][kind].items()
            if position not in needs or matters.intersection(needs[position])
        }

    def _person_name(self, taken: set[str]) -> str:
        """A common-looking 2–3 character name, unique in its unit and never a reserved name."""
        while True:
            surname = self.rng.choices(self.surnames, self.surname_weights)[0]
            if self.rng.random() < self.double_share:
                first = self.rng.choice(self.given_first)
                second = self.rng.choice(self.given_second)
                given = first + second if first != second else first
            else:
                given = self.rng.choice(self.given_single)
            name = surname + given
            if (
                name not in taken
                and name not in self.reserved
                and 2 <= len(name) <= 3
                and not any(w in name for w in self.place_words)
            ):
                return name

    def _duties(self, unit: Row, position: str) -> str:
        templates = self.cfg["duties"]
        matters = [m for m in unit["matters"].split("|") if m]
        label = unit["short_name"] or unit["name"]
        if not matters:
            return str(templates["nomatter"]).format(u=label)
        template = str(templates.get(position, templates["default"]))
        own = [m for m in matters if m in self.cfg["position_matters"].get(position, matters)]
        picked = self.rng.sample(own, 2) if len(own) >= 2 else own
        if len(picked) == 1:
            template = template.replace("、{m2}", "")
            return template.format(u=label, m1=picked[0])
        return template.format(u=label, m1=picked[0], m2=picked[1])
