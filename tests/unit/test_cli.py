"""The command line: import reports every problem and changes nothing; export writes the format."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import runtime
from bot.__main__ import main
from bot.db.directory import Unit
from bot.directory.fileformat import COLUMNS


@pytest.fixture()
def empty_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SYB_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SYB_DICT_DIR", str(tmp_path / "jieba"))
    runtime.reset()
    yield tmp_path
    runtime.reset()


def units_count() -> int:
    with runtime.sessions()() as s:
        return s.scalar(select(func.count()).select_from(Unit))


def test_import_bad_file_reports_rows_and_changes_nothing(empty_app: Path, capsys) -> None:
    bad = empty_app / "units.csv"
    bad.write_text(",".join(COLUMNS["units"]) + "\nU1,某单位,,,bank,city,,职能,024-23456789,地址,时间,,,,\n", encoding="utf-8")
    assert main(["import-directory", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "第 2 行 列 category" in err
    assert units_count() == 0


def test_init_export_and_reimport(empty_app: Path, capsys) -> None:
    assert main(["init-db"]) == 0
    assert main(["export-directory", str(empty_app / "out")]) == 0
    assert main(["export-directory", str(empty_app / "dir.xlsx")]) == 0
    assert main(["import-directory", str(empty_app / "dir.xlsx")]) == 0
    assert "units：新增 0，更新 0" in capsys.readouterr().out
    assert units_count() == 829
    assert main(["build-dict", "--lookups", str(empty_app / "lookups.yml")]) == 0
    assert (empty_app / "jieba" / "userdict.txt").stat().st_size > 0
    assert "- 沈阳市市场监督管理局" in (empty_app / "lookups.yml").read_text(encoding="utf-8")
    assert main(["export-policies", str(empty_app / "policies.yml")]) == 0
    assert main(["import-policies", str(empty_app / "policies.yml")]) == 0
    assert "政策新增 0 条" in capsys.readouterr().out
    assert main(["eval-policies"]) == 0 and "回答正确" in capsys.readouterr().out


def test_menu_fits_wechat_limits() -> None:
    from bot.web.sandbox import menu_problems
    from bot.wechat.menu import FLOWS, MENU

    assert menu_problems(MENU) == []
    keys = {b.get("key") for top in MENU["button"] for b in top.get("sub_button", [top])}
    assert keys == set(FLOWS)
    too_many = {"button": [{"name": "a", "sub_button": [{"type": "click", "name": str(i), "key": "K"} for i in range(6)]}]}
    assert menu_problems(too_many) and menu_problems({"button": []})
