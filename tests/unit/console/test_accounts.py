"""Passwords hashed with scrypt and a per-account salt; five failures lock an account for 15 minutes."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.console.accounts import (authenticate, create_account, hash_password, reset_password, set_active,
                                  verify_password)
from bot.db import session_scope
from bot.errors import Duplicate, InvalidInput
from tests.unit.console.conftest import NOW, PASSWORD, add_account, units


def test_hash_is_salted_scrypt_with_its_parameters() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second  # a random salt each time
    scheme, n, r, p, salt, key = first.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1") and salt and key
    assert PASSWORD not in first
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)
    assert not verify_password(PASSWORD + "x", first)
    assert not verify_password(PASSWORD, "md5$abc") and not verify_password(PASSWORD, "scrypt$1$2$3$!!$??")


def test_new_accounts_are_checked(sessions: "sessionmaker[Session]") -> None:
    with session_scope(sessions) as session:
        unit = units(session, 1)[0]
        with pytest.raises(InvalidInput, match="至少需要 10 个字符"):
            create_account(session, "short", "", "123456789", "staff", unit)
        with pytest.raises(InvalidInput, match="所属的单位"):
            create_account(session, "nounit", "", PASSWORD, "staff", None)
        with pytest.raises(InvalidInput, match="登录名"):
            create_account(session, "有 空格", "", PASSWORD, "admin")
        account = create_account(session, "li.si", "李四", PASSWORD, "staff", unit)
        assert account.unit_id == unit and account.active and account.password_hash.startswith("scrypt$")
        with pytest.raises(Duplicate, match="已存在"):
            create_account(session, "li.si", "李四", PASSWORD, "admin")
        admin = create_account(session, "boss", "", PASSWORD, "admin", unit)
        assert admin.unit_id is None and admin.display_name == "boss"


def test_five_failures_lock_the_account_for_fifteen_minutes(sessions: "sessionmaker[Session]") -> None:
    add_account(sessions, "locky", "admin")

    def attempt(password: str, minutes: float = 0) -> tuple[bool, str]:
        with session_scope(sessions) as session:  # committed even when refused: the counter is kept
            outcome = authenticate(session, "locky", password, NOW + timedelta(minutes=minutes))
            return outcome.account is not None, outcome.refusal

    assert attempt("wrong-password-1") == (False, "用户名或密码错误")
    assert attempt(PASSWORD)[0]  # a success resets the count
    for _ in range(4):
        assert attempt("wrong-password-2") == (False, "用户名或密码错误")
    ok, refusal = attempt("wrong-password-3")
    assert not ok and "锁定 15 分钟" in refusal
    assert attempt(PASSWORD, minutes=14)[1] == refusal  # even the right password, while locked
    assert attempt(PASSWORD, minutes=15.1) == (True, "")
    assert attempt("wrong-password-4", minutes=16) == (False, "用户名或密码错误")  # counting starts afresh


def test_unknown_disabled_and_reset(sessions: "sessionmaker[Session]") -> None:
    add_account(sessions, "gone", "admin")
    with session_scope(sessions) as session:
        assert authenticate(session, "nobody", PASSWORD, NOW).reason == "unknown"
        account = set_active(session, authenticate(session, "gone", PASSWORD, NOW).account.id, False)
        assert authenticate(session, "gone", PASSWORD, NOW).refusal == "账号已停用，请联系市级管理员"
        set_active(session, account.id, True)
        with pytest.raises(InvalidInput):
            reset_password(session, account.id, "short")
        reset_password(session, account.id, "another-long-password")
        assert authenticate(session, "gone", "another-long-password", NOW).account is not None
        assert authenticate(session, "gone", PASSWORD, NOW).account is None
