"""The matter catalogue: YAML import (all or nothing, every problem placed), kinds instead of links,
bundles, and the bundled sample's shape."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.db import make_session_factory, session_scope
from bot.db.directory import Bundle, Matter
from bot.directory.fileformat import read_files
from bot.directory.importer import apply, export_rows, numbered
from bot.directory.sample import catalogue_rows
from bot.directory.search import DirectoryIndex
from bot.errors import InvalidInput

UNIT = {
    "code": "T-HP-HRSS", "name": "测试区人力资源和社会保障局", "category": "district_unit", "kind": "HRSS",
    "level": "district", "district": "和平区", "duties": "负责就业和社保", "phones": "024-23456789",
    "address": "和平区某路1号", "hours": "周一至周五 8:30-17:00", "matters": "",
}
MATTERS = """
- name: 劳务派遣经营许可
  kinds: [HRSS]
  level: district
  aliases: [劳务派遣证, 开劳务派遣公司]
  examples: [劳务派遣证在哪办]
  materials: [营业执照, 法定代表人身份证]
  description: 经营劳务派遣业务的许可
- name: 员工录用登记
  kinds: [HRSS]
  level: district
  aliases: [招工登记, 用工备案]
"""
BUNDLES = """
- name: 员工录用一件事
  aliases: [招第一个员工, 招人要办啥]
  matters: [员工录用登记]
  where: 区政务服务中心综合窗口
"""


def _files(tmp_path: Path, matters: str = MATTERS, bundles: str = BUNDLES) -> list[Path]:
    (tmp_path / "m.yml").write_text(matters, encoding="utf-8")
    (tmp_path / "bundles.yml").write_text(bundles, encoding="utf-8")
    return [tmp_path / "m.yml", tmp_path / "bundles.yml"]


def _import(engine: Engine, tables: dict) -> None:
    with session_scope(make_session_factory(engine)) as s:
        apply(s, {"units": numbered([UNIT]), **tables})


def test_yaml_catalogue_imports_and_exports(empty_engine: Engine, tmp_path: Path) -> None:
    _import(empty_engine, read_files(_files(tmp_path)))
    with session_scope(make_session_factory(empty_engine)) as s:
        rows = export_rows(s)
        matter = s.scalars(select(Matter).where(Matter.name == "劳务派遣经营许可")).one()
        assert (matter.kinds, matter.level, matter.per_district) == (["HRSS"], "district", True)
        assert matter.materials == ["营业执照", "法定代表人身份证"] and matter.code == "M-M-001"
        assert s.scalars(select(Bundle.matters)).one() == ["员工录用登记"]
    assert rows["matters"][0]["synonyms"] == "劳务派遣证|开劳务派遣公司"
    assert rows["bundles"][0]["where"] == "区政务服务中心综合窗口"


def test_every_problem_is_placed_and_nothing_is_written(empty_engine: Engine, tmp_path: Path) -> None:
    bad = MATTERS.replace("kinds: [HRSS]\n  level: district\n  aliases: [招工", "kinds: [NOPE]\n  level: county\n  aliases: [招工")
    files = _files(tmp_path, bad, BUNDLES.replace("员工录用登记]", "员工录用登记, 不存在的事项]"))
    with pytest.raises(InvalidInput) as err:
        _import(empty_engine, read_files(files))
    problems = "\n".join(err.value.problems)
    assert "表 matters m.yml 第 2 条 列 kinds：没有类型为“NOPE”的单位" in problems
    assert "表 matters m.yml 第 2 条 列 level" in problems
    assert "表 bundles bundles.yml 第 1 条 列 matters：事项“不存在的事项”不存在" in problems
    with empty_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Matter)).scalar_one() == 0


def test_unknown_field_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as err:
        read_files(_files(tmp_path, MATTERS + "  phone: 12345\n"))
    assert "m.yml 第 2 条：不认识的字段“phone”" in err.value.problems


def test_a_new_unit_handles_its_kind_without_links(empty_engine: Engine, tmp_path: Path) -> None:
    _import(empty_engine, read_files(_files(tmp_path)))
    with session_scope(make_session_factory(empty_engine)) as s:
        index = DirectoryIndex.load(s)
        matter = index.matters_named("劳务派遣证在哪办")[0]
        assert [u.name for u in index.units_for(matter, "和平区")] == ["测试区人力资源和社会保障局"]
        assert index.units_for(matter, "浑南区") == [] or all(u.district != "浑南区" for u in index.units_for(matter, "浑南区"))


def test_sample_catalogue_is_large_and_consistent() -> None:
    rows = catalogue_rows()
    matters, bundles = rows["matters"], rows.get("bundles", [])
    assert len(matters) >= 800 and len(bundles) >= 30
    names = {m["name"] for m in matters}
    assert len(names) == len(matters)
    assert all(m.get("kinds") and m.get("level") for m in matters)
    assert all(set(b["matters"].split("|")) <= names for b in bundles)
