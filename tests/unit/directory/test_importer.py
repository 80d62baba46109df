"""Import and export of directory files: validation, all-or-nothing, upserts, round trips."""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.db import make_session_factory, session_scope
from bot.db.directory import CATEGORIES, DISTRICTS, Cadre, Matter, Unit
from bot.directory.fileformat import COLUMNS, read_files, write_csv, write_xlsx
from bot.directory.importer import MOBILE, apply, export_rows
from bot.errors import InvalidInput


def _counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (Unit, Cadre, Matter))  # type: ignore[return-value]


def test_sample_has_the_contract_categories(session) -> None:
    counts = Counter(session.scalars(select(Unit.category)))
    assert counts == {"city_hall": 11, "district_center": 14, "city_department": 65, "public_enterprise": 67, "district_unit": 672}
    assert set(CATEGORIES) == set(counts)
    assert sum(counts.values()) == 829
    assert 11_500 <= session.scalar(select(func.count()).select_from(Cadre)) <= 12_500
    assert set(session.scalars(select(Unit.district).where(Unit.district.is_not(None)))) == set(DISTRICTS)


def test_sample_phones_are_never_mobile_numbers(session) -> None:
    phones = list(session.scalars(select(Cadre.phone))) + [p for ps in session.scalars(select(Unit.phones)) for p in ps]
    assert phones and not [p for p in phones if MOBILE.match(p.replace("-", ""))]


def test_import_is_idempotent(empty_engine: Engine, sample_tables) -> None:
    factory = make_session_factory(empty_engine)
    with session_scope(factory) as s:
        first = apply(s, sample_tables)
    with session_scope(factory) as s:
        second = apply(s, sample_tables)
    assert first.created["units"] == 829
    assert sum(second.created.values()) == 0 and sum(second.updated.values()) == 0
    assert _counts(empty_engine)[0] == 829


def test_csv_and_xlsx_round_trip(session, empty_engine: Engine, tmp_path: Path) -> None:
    exported = export_rows(session)
    write_csv(tmp_path / "csv", exported)
    write_xlsx(tmp_path / "dir.xlsx", exported)
    for files in ([tmp_path / "csv" / f"{t}.csv" for t in COLUMNS], [tmp_path / "dir.xlsx"]):
        factory = make_session_factory(empty_engine)
        with session_scope(factory) as s:
            apply(s, read_files(files))
        with session_scope(factory) as s:
            assert export_rows(s) == exported


def _write(path: Path, table: str, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS[table])
        writer.writeheader()
        writer.writerows({c: r.get(c, "") for c in COLUMNS[table]} for r in rows)
    return path


GOOD_UNIT = {
    "code": "T-1", "name": "测试区市场监督管理局", "category": "district_unit", "level": "district",
    "district": "和平区", "duties": "负责营业执照办理", "phones": "024-23456789", "address": "和平区某路1号",
    "hours": "周一至周五 8:30-17:00", "matters": "",
}


def test_bad_rows_are_all_reported_and_nothing_is_written(empty_engine: Engine, tmp_path: Path) -> None:
    units = _write(tmp_path / "units.csv", "units", [
        GOOD_UNIT,
        {**GOOD_UNIT, "code": "T-2", "name": "坏单位", "category": "bank", "district": "朝阳区", "phones": "abc"},
        {**GOOD_UNIT, "code": "T-1", "name": "重复编码单位", "latitude": "41.8"},
        {**GOOD_UNIT, "code": "T-3", "name": "缺字段单位", "hours": "", "matters": "不存在的事项", "parent_code": "NOPE"},
    ])
    cadres = _write(tmp_path / "cadres.csv", "cadres", [
        {"code": "K1", "name": "王小丽", "unit_code": "T-1", "position": "科员", "duties": "受理", "phone": "13912345678"},
        {"code": "K2", "name": "X", "unit_code": "T-9", "position": "科员", "duties": "受理", "phone": "024-23456789-1"},
    ])
    with pytest.raises(InvalidInput) as err:
        with session_scope(make_session_factory(empty_engine)) as s:
            apply(s, read_files([units, cadres]))
    problems = "\n".join(err.value.problems)
    for expected in (
        "表 units 第 3 行 列 category", "表 units 第 3 行 列 district", "表 units 第 3 行 列 phones",
        "表 units 第 4 行 列 code", "表 units 第 4 行 列 latitude", "表 units 第 5 行 列 hours",
        "表 units 第 5 行 列 matters", "表 units 第 5 行 列 parent_code",
        "表 cadres 第 2 行 列 phone", "表 cadres 第 3 行 列 name", "表 cadres 第 3 行 列 unit_code",
    ):
        assert expected in problems
    assert _counts(empty_engine) == (0, 0, 0)


def test_unrecognised_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="表头无法识别"):
        read_files([path])
    (tmp_path / "x.txt").write_text("units", encoding="utf-8")
    with pytest.raises(InvalidInput, match="不支持"):
        read_files([tmp_path / "x.txt"])


def test_import_runs_on_postgresql(pg_engine: Engine, sample_tables) -> None:
    factory = make_session_factory(pg_engine)
    with session_scope(factory) as s:
        apply(s, sample_tables)
    with session_scope(factory) as s:
        report = apply(s, sample_tables)
    assert sum(report.updated.values()) == 0
    assert _counts(pg_engine)[0] == 829


def test_the_documented_template_imports(empty_engine: Engine) -> None:
    from bot.config import REPO_ROOT

    with session_scope(make_session_factory(empty_engine)) as s:
        report = apply(s, read_files([REPO_ROOT / "docs" / "directory-template.xlsx"]))
    assert report.created["units"] == 1 and report.created["cadres"] == 1 and report.created["matters"] >= 1
