"""`python -m bot create-admin`: a new administrator, or a clear refusal with exit code 1."""
from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import runtime
from bot.__main__ import main
from bot.console.accounts import authenticate
from bot.console.lockout import Throttle
from bot.db.console import ConsoleAccount


@pytest.fixture()
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SYB_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runtime.reset()
    yield tmp_path
    runtime.reset()


def admins() -> list[tuple[str, str, str]]:
    with runtime.sessions()() as session:
        return [(a.login, a.display_name, a.role) for a in session.scalars(select(ConsoleAccount))]


def test_create_admin_from_stdin(cli_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-very-long-password\n"))
    assert main(["create-admin", "--login", "wang", "--name", "王主任", "--password-stdin"]) == 0
    assert "已创建管理员 wang" in capsys.readouterr().out
    assert admins() == [("wang", "王主任", "admin")]
    with runtime.sessions()() as session:
        assert authenticate(session, Throttle(), "wang", "a-very-long-password", "127.0.0.1").account is not None

    monkeypatch.setattr("sys.stdin", io.StringIO("another-long-password\n"))
    assert main(["create-admin", "--login", "wang", "--password-stdin"]) == 1
    assert "登录名“wang”已存在" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["create-admin", "--login", "zhao", "--password-stdin"]) == 1
    assert "密码至少需要 10 个字符" in capsys.readouterr().err
    assert admins() == [("wang", "王主任", "admin")]


def test_create_admin_asks_twice(cli_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    answers = iter(["first-long-password", "other-long-password", "same-long-password", "same-long-password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["create-admin", "--login", "li"]) == 1
    assert "两次输入的密码不一致" in capsys.readouterr().err
    assert main(["create-admin", "--login", "li"]) == 0
    assert admins() == [("li", "li", "admin")]
