"""Validate directory rows and upsert them all or nothing; export them back."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from bot.db.directory import CATEGORIES, DISTRICTS, LEVELS, MATTER_LEVELS, Bundle, Cadre, Matter, Unit, unit_matters
from bot.directory.fileformat import NumberedRows, Rows
from bot.errors import InvalidInput

PHONE = re.compile(r"^(0\d{2,3}-?\d{7,8}(-\d{1,5})?|\d{5,6}|[48]00-?\d{3}-?\d{4})$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
PERSON_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,6}$")
YES_NO = {"是": True, "否": False}
KIND = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")


@dataclass
class ImportReport:
    """What an import changed, per table."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [
            f"{t}：新增 {self.created.get(t, 0)}，更新 {self.updated.get(t, 0)}"
            for t in ("units", "cadres", "matters", "bundles")
        ]
        return "；".join(parts)


def _place(row: "int | str") -> str:
    return f"第 {row} 行" if isinstance(row, int) else row


def split_multi(value: str) -> list[str]:
    """Split a ``|``-separated cell into its non-empty values."""
    return [v.strip() for v in value.split("|") if v.strip()]


class _Checker:
    """Collects every problem of every row before anything is written."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, table: str, row: "int | str", column: str, message: str) -> None:
        self.problems.append(f"表 {table} {_place(row)} 列 {column}：{message}")

    def require(self, table: str, row: "int | str", data: dict[str, str], columns: tuple[str, ...]) -> None:
        for col in columns:
            if not data.get(col, "").strip():
                self.add(table, row, col, "不能为空")

    def unique(self, table: str, rows: NumberedRows, column: str) -> None:
        seen: dict[str, "int | str"] = {}
        for number, data in rows:
            value = data.get(column, "")
            if value and value in seen:
                self.add(table, number, column, f"“{value}”与{_place(seen[value])}重复")
            seen.setdefault(value, number)


def validate(session: Session, tables: dict[str, NumberedRows]) -> None:
    """Raise InvalidInput listing every problem; return quietly when all rows are valid."""
    check = _Checker()
    matters = tables.get("matters", [])
    units = tables.get("units", [])
    cadres = tables.get("cadres", [])
    bundles = tables.get("bundles", [])
    known_matters = {d.get("name", "") for _, d in matters} | set(
        session.scalars(select(Matter.name))
    )
    known_units = {d.get("code", "") for _, d in units} | set(session.scalars(select(Unit.code)))
    imported = {d.get("code", "") for _, d in units}
    known_kinds = {d.get("kind", "") for _, d in units} | {
        k for code, k in session.execute(select(Unit.code, Unit.kind)) if code not in imported
    }

    for column in ("code", "name"):
        check.unique("matters", matters, column)
    for number, data in matters:
        _validate_matter(check, number, data, known_kinds)

    for column in ("code", "name"):
        check.unique("bundles", bundles, column)
    for number, data in bundles:
        check.require("bundles", number, data, ("code", "name", "aliases", "matters"))
        for matter in split_multi(data.get("matters", "")):
            if matter not in known_matters:
                check.add("bundles", number, "matters", f"事项“{matter}”不存在")

    for column in ("code", "name"):
        check.unique("units", units, column)
    for number, data in units:
        _validate_unit(check, number, data, known_units, known_matters)

    check.unique("cadres", cadres, "code")
    for number, data in cadres:
        check.require("cadres", number, data, ("code", "name", "unit_code", "position", "duties", "phone"))
        name = data.get("name", "")
        if name and not PERSON_NAME.match(name):
            check.add("cadres", number, "name", f"“{name}”不是有效的中文姓名")
        if data.get("unit_code") and data["unit_code"] not in known_units:
            check.add("cadres", number, "unit_code", f"单位编码“{data['unit_code']}”不存在")
        phone = data.get("phone", "")
        if phone:
            if MOBILE.match(phone.replace("-", "")):
                check.add("cadres", number, "phone", "干部只公开办公电话，不能填写手机号")
            elif not PHONE.match(phone):
                check.add("cadres", number, "phone", f"“{phone}”不是有效的电话号码")
    if check.problems:
        raise InvalidInput(f"导入文件有 {len(check.problems)} 处问题，未做任何修改", check.problems)


def _validate_matter(check: _Checker, number: "int | str", data: dict[str, str], known_kinds: set[str]) -> None:
    check.require("matters", number, data, ("code", "name"))
    level, per_district = data.get("level", ""), data.get("per_district", "")
    if not level and not per_district:
        check.add("matters", number, "level", f"应填写 {'、'.join(MATTER_LEVELS)} 之一（旧格式可只填 per_district）")
    if level and level not in MATTER_LEVELS:
        check.add("matters", number, "level", f"“{level}”不是 {'、'.join(MATTER_LEVELS)} 之一")
    if per_district and per_district not in YES_NO:
        check.add("matters", number, "per_district", "应为“是”或“否”")
    kinds = split_multi(data.get("kinds", ""))
    if level and not kinds:
        check.add("matters", number, "kinds", "填写了 level 时必须填写办理单位类型")
    for kind in kinds:
        if not KIND.match(kind):
            check.add("matters", number, "kinds", f"“{kind}”不是有效的单位类型代码（大写字母、数字和下划线）")
        elif kind not in known_kinds:
            check.add("matters", number, "kinds", f"没有类型为“{kind}”的单位")


def _validate_unit(
    check: _Checker, number: "int | str", data: dict[str, str], known_units: set[str], known_matters: set[str]
) -> None:
    check.require("units", number, data, ("code", "name", "category", "level", "duties", "phones", "address", "hours"))
    if data.get("kind") and not KIND.match(data["kind"]):
        check.add("units", number, "kind", f"“{data['kind']}”不是有效的单位类型代码（大写字母、数字和下划线）")
    if data.get("category") and data["category"] not in CATEGORIES:
        check.add("units", number, "category", f"“{data['category']}”不是 {'、'.join(CATEGORIES)} 之一")
    level = data.get("level", "")
    if level and level not in LEVELS:
        check.add("units", number, "level", f"“{level}”不是 {'、'.join(LEVELS)} 之一")
    district = data.get("district", "")
    if district and district not in DISTRICTS:
        check.add("units", number, "district", f"“{district}”不是沈阳市的区县（市）")
    if level in ("district", "street") and not district:
        check.add("units", number, "district", "区县级和街道级单位必须填写所属区县")
    parent = data.get("parent_code", "")
    if parent and (parent not in known_units or parent == data.get("code")):
        check.add("units", number, "parent_code", f"上级单位编码“{parent}”不存在")
    for phone in split_multi(data.get("phones", "")):
        if not PHONE.match(phone):
            check.add("units", number, "phones", f"“{phone}”不是有效的电话号码")
    lat, lon = data.get("latitude", ""), data.get("longitude", "")
    if bool(lat) != bool(lon):
        check.add("units", number, "latitude", "经纬度要么都填，要么都不填")
    elif lat:
        try:
            if not (-90 <= float(lat) <= 90 and -180 <= float(lon) <= 180):
                raise ValueError
        except ValueError:
            check.add("units", number, "latitude", f"经纬度“{lat},{lon}”无效")
    for matter in split_multi(data.get("matters", "")):
        if matter not in known_matters:
            check.add("units", number, "matters", f"事项“{matter}”不存在")


def apply(session: Session, tables: dict[str, NumberedRows]) -> ImportReport:
    """Validate, then upsert every row by code in the caller's transaction."""
    validate(session, tables)
    report = ImportReport()
    _upsert(session, Matter, tables.get("matters", []), _matter_fields, report, "matters")
    unit_rows = tables.get("units", [])
    unit_ids = _upsert(session, Unit, unit_rows, _unit_fields, report, "units")
    all_units = dict(session.execute(select(Unit.code, Unit.id)).all())
    all_matters = dict(session.execute(select(Matter.name, Matter.id)).all())
    for _, data in unit_rows:
        uid = unit_ids[data["code"]]
        parent = data.get("parent_code", "")
        session.get(Unit, uid).parent_id = all_units[parent] if parent else None  # type: ignore[union-attr]
        session.execute(delete(unit_matters).where(unit_matters.c.unit_id == uid))
        links = [{"unit_id": uid, "matter_id": all_matters[m]} for m in dict.fromkeys(split_multi(data.get("matters", "")))]
        if links:
            session.execute(insert(unit_matters), links)

    def cadre_fields(data: dict[str, str]) -> dict[str, object]:
        return {
            "name": data["name"], "unit_id": all_units[data["unit_code"]],
            "position": data["position"], "duties": data["duties"],
            "phone": data["phone"], "photo": data.get("photo", ""),
        }

    _upsert(session, Cadre, tables.get("cadres", []), cadre_fields, report, "cadres")
    _upsert(session, Bundle, tables.get("bundles", []), _bundle_fields, report, "bundles")
    session.flush()
    return report


def _matter_fields(data: dict[str, str]) -> dict[str, object]:
    level = data.get("level", "")
    per_district = YES_NO[data["per_district"]] if data.get("per_district") else level in ("district", "street")
    fields: dict[str, object] = {
        "name": data["name"], "synonyms": split_multi(data.get("synonyms", "")),
        "description": data.get("description", ""), "per_district": per_district,
    }
    # Catalogue columns: a file written without them (the old format) leaves them as they are.
    for column in ("kinds", "examples", "materials"):
        if column in data:
            fields[column] = split_multi(data[column])
    if "level" in data:
        fields["level"] = level
    return fields


def _bundle_fields(data: dict[str, str]) -> dict[str, object]:
    return {
        "name": data["name"], "aliases": split_multi(data.get("aliases", "")),
        "examples": split_multi(data.get("examples", "")), "matters": split_multi(data["matters"]),
        "where": data.get("where", ""), "description": data.get("description", ""),
    }


def _unit_fields(data: dict[str, str]) -> dict[str, object]:
    lat, lon = data.get("latitude", ""), data.get("longitude", "")
    return {
        "name": data["name"], "short_name": data.get("short_name") or None,
        "aliases": split_multi(data.get("aliases", "")), "category": data["category"],
        **({"kind": data["kind"]} if "kind" in data else {}),  # a file without the column keeps the kinds
        "level": data["level"], "district": data.get("district") or None,
        "duties": data["duties"], "phones": split_multi(data["phones"]),
        "address": data["address"], "hours": data["hours"], "website": data.get("website", ""),
        "latitude": float(lat) if lat else None, "longitude": float(lon) if lon else None,
    }


def _upsert(
    session: Session,
    model: type,
    rows: NumberedRows,
    fields: Callable[[dict[str, str]], dict[str, object]],
    report: ImportReport,
    table: str,
) -> dict[str, int]:
    """Insert or update ``rows`` by code; return code -> id."""
    codes = [d["code"] for _, d in rows]
    existing = {
        obj.code: obj
        for chunk in _chunks(codes, 900)
        for obj in session.scalars(select(model).where(model.code.in_(chunk)))  # type: ignore[attr-defined]
    }
    created = updated = 0
    for _, data in rows:
        values = fields(data)
        obj = existing.get(data["code"])
        if obj is None:
            obj = model(code=data["code"], **values)
            session.add(obj)
            existing[data["code"]] = obj
            created += 1
        elif any(getattr(obj, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(obj, key, value)
            updated += 1
    session.flush()
    report.created[table] = created
    report.updated[table] = updated
    return {code: obj.id for code, obj in existing.items()}


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def export_rows(session: Session) -> dict[str, Rows]:
    """The whole directory as rows of the import format."""
    codes = dict(session.execute(select(Unit.id, Unit.code)).all())
    matter_names = dict(session.execute(select(Matter.id, Matter.name)).all())
    links: dict[int, list[str]] = {}
    for uid, mid in session.execute(select(unit_matters.c.unit_id, unit_matters.c.matter_id).order_by(unit_matters.c.matter_id)):
        links.setdefault(uid, []).append(matter_names[mid])
    units = [
        {
            "code": u.code, "name": u.name, "short_name": u.short_name or "",
            "aliases": "|".join(u.aliases), "category": u.category, "kind": u.kind, "level": u.level,
            "district": u.district or "", "parent_code": codes.get(u.parent_id, "") if u.parent_id else "",
            "duties": u.duties, "phones": "|".join(u.phones), "address": u.address, "hours": u.hours,
            "website": u.website, "latitude": _num(u.latitude), "longitude": _num(u.longitude),
            "matters": "|".join(links.get(u.id, [])),
        }
        for u in session.scalars(select(Unit).order_by(Unit.id))
    ]
    cadres = [
        {"code": c.code, "name": c.name, "unit_code": codes[c.unit_id], "position": c.position,
         "duties": c.duties, "phone": c.phone, "photo": c.photo}
        for c in session.scalars(select(Cadre).order_by(Cadre.id))
    ]
    matters = [
        {"code": m.code, "name": m.name, "synonyms": "|".join(m.synonyms),
         "description": m.description, "kinds": "|".join(m.kinds), "level": m.level,
         "per_district": "是" if m.per_district else "否",
         "examples": "|".join(m.examples), "materials": "|".join(m.materials)}
        for m in session.scalars(select(Matter).order_by(Matter.id))
    ]
    bundles = [
        {"code": b.code, "name": b.name, "aliases": "|".join(b.aliases), "examples": "|".join(b.examples),
         "matters": "|".join(b.matters), "where": b.where, "description": b.description}
        for b in session.scalars(select(Bundle).order_by(Bundle.id))
    ]
    return {"units": units, "cadres": cadres, "matters": matters, "bundles": bundles}


def _num(value: Optional[float]) -> str:
    return "" if value is None else repr(value)


def numbered(rows: Rows) -> NumberedRows:
    """Give in-memory rows the row numbers they would have in a file (header is row 1)."""
    return list(enumerate(rows, start=2))
