"""Passwords hashed with scrypt and a per-account salt; failed sign-ins limited per address and per account."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.console import accounts
from bot.console.accounts import (BAD_CREDENTIALS, LOCKED, TOO_MANY, authenticate, create_account, hash_password,
                                  reset_password, set_active, verify_password)
from bot.console.lockout import (ACCOUNT_FAILURES, ADDRESS_FAILURES, LOCK_MINUTES, PAIR_FAILURES, WINDOW_MINUTES,
                                 Throttle, address_key)
from bot.db import session_scope
from bot.db.console import ConsoleAccount
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


Outcome = tuple[bool, str, str]  # signed in, the page's message, the audit log's reason
A, B = "203.0.113.7", "198.51.100.20"


class Door:
    """Sign-ins through one throttle against the test database, at NOW plus some minutes."""

    def __init__(self, sessions: "sessionmaker[Session]") -> None:
        self.sessions, self.throttle = sessions, Throttle()

    def __call__(self, login: str, password: str, address: str = A, minutes: float = 0) -> Outcome:
        with session_scope(self.sessions) as session:  # committed even when refused, as the web app does
            outcome = authenticate(session, self.throttle, login, password, address, NOW + timedelta(minutes=minutes))
            return outcome.account is not None, outcome.refusal, outcome.reason


WRONG: Outcome = (False, BAD_CREDENTIALS, "password")
HELD: Outcome = (False, LOCKED, "locked")
OK: Outcome = (True, "", "")


def test_five_failures_hold_that_address_at_that_account_only(sessions: "sessionmaker[Session]") -> None:
    add_account(sessions, "locky", "admin")
    door = Door(sessions)
    assert door("locky", "wrong-password-1") == WRONG
    assert door("locky", PASSWORD) == OK  # a success forgives the failures
    for _ in range(PAIR_FAILURES):
        assert door("locky", "wrong-password-2") == WRONG
    assert door("locky", PASSWORD) == HELD  # even the right password, from this address
    assert LOCKED == "该账号登录失败次数过多，请 15 分钟后再试"
    assert door("locky", PASSWORD, B) == OK  # the owner elsewhere is not locked out
    assert door("locky", PASSWORD, minutes=WINDOW_MINUTES - 1) == HELD
    assert door("locky", PASSWORD, minutes=WINDOW_MINUTES + 0.1) == OK
    with sessions() as session:
        assert session.scalars(select(ConsoleAccount.locked_until)).one() is None


def test_an_unknown_login_is_held_like_a_known_one(sessions: "sessionmaker[Session]") -> None:
    add_account(sessions, "known", "admin")
    door = Door(sessions)
    answers = {login: [door(login, "wrong-password")[1] for _ in range(PAIR_FAILURES + 1)]
               for login in ("known", "nobody")}
    assert answers["known"] == answers["nobody"] == [BAD_CREDENTIALS] * PAIR_FAILURES + [LOCKED]


def test_the_address_limit_refuses_without_a_password_check(sessions: "sessionmaker[Session]") -> None:
    add_account(sessions, "target", "admin")
    door = Door(sessions)
    for n in range(ADDRESS_FAILURES):  # password spraying: one try at many logins
        assert door(f"user{n}", "Password123!", minutes=n * 0.5)[0] is False
    assert door("target", PASSWORD, minutes=10) == (False, TOO_MANY, "address")
    assert TOO_MANY == "登录尝试过于频繁，请 15 分钟后再试"
    assert door("target", PASSWORD, B, minutes=10) == OK
    assert door("target", PASSWORD, minutes=WINDOW_MINUTES + 0.1) == OK  # the first failures left the window


def test_one_address_cannot_lock_an_account_however_long_it_tries(sessions: "sessionmaker[Session]") -> None:
    add_account(sessions, "victim", "admin")
    door = Door(sessions)
    for minute in range(0, 180, 2):  # three hours, a wrong password every other minute
        door("victim", f"guess-{minute}", minutes=minute)
        if minute % 30 == 28:
            assert door("victim", PASSWORD, B, minutes=minute) == OK
    with sessions() as session:
        assert session.scalars(select(ConsoleAccount.locked_until)).one() is None


def test_failures_from_many_addresses_lock_the_account(sessions: "sessionmaker[Session]") -> None:
    add_account(sessions, "popular", "admin")
    door = Door(sessions)
    addresses = [f"192.0.2.{n}" for n in range(ACCOUNT_FAILURES // PAIR_FAILURES)]
    for address in addresses:
        for _ in range(PAIR_FAILURES):
            assert door("popular", "wrong-password", address)[0] is False
    assert door("popular", PASSWORD, B) == HELD  # the account itself is locked now, for everyone
    assert door("popular", PASSWORD, B, minutes=LOCK_MINUTES - 1) == HELD
    assert door("popular", PASSWORD, B, minutes=LOCK_MINUTES + 0.1) == OK
    for address in addresses:
        for _ in range(PAIR_FAILURES):
            door("popular", "wrong-password", address, minutes=LOCK_MINUTES + WINDOW_MINUTES + 1)
    with session_scope(sessions) as session:
        account = session.scalars(select(ConsoleAccount)).one()
        assert account.locked_until is not None
        reset_password(session, account.id, "a-fresh-long-password")  # an administrator lifts the lock
    assert door("popular", "a-fresh-long-password", B, minutes=LOCK_MINUTES + WINDOW_MINUTES + 2) == OK


def test_every_answer_costs_one_derivation(sessions: "sessionmaker[Session]",
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    add_account(sessions, "known", "admin")
    add_account(sessions, "gone", "admin")
    with session_scope(sessions) as session:
        set_active(session, session.scalars(select(ConsoleAccount.id).where(ConsoleAccount.login == "gone")).one(),
                   False)
    calls: list[str] = []
    derive = accounts._derive

    def counted(password: str, *params: Any) -> bytes:
        calls.append(password)
        return derive(password, *params)

    monkeypatch.setattr(accounts, "_derive", counted)
    door = Door(sessions)

    def cost(login: str, password: str, address: str = A) -> tuple[int, str]:
        calls.clear()
        reason = door(login, password, address)[2]
        return len(calls), reason

    assert cost("nobody", "wrong-password") == (1, "unknown")
    assert cost("known", "wrong-password") == (1, "password")
    assert cost("known", PASSWORD) == (1, "")
    assert cost("gone", PASSWORD) == (1, "disabled")
    for _ in range(PAIR_FAILURES):
        door("known", "wrong-password", B)
    assert cost("known", PASSWORD, B) == (1, "locked")
    for n in range(ADDRESS_FAILURES):
        door(f"spray{n}", "wrong-password", "192.0.2.99")
    assert cost("known", PASSWORD, "192.0.2.99") == (1, "address")
    assert door("nobody", "x")[1] == door("known", "x")[1] == BAD_CREDENTIALS  # the same words


def test_an_ipv6_subscriber_counts_as_one_address() -> None:
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:203.0.113.7") == address_key("203.0.113.7") == "203.0.113.7"
    assert ACCOUNT_FAILURES > ADDRESS_FAILURES  # what keeps one address from locking an account


def test_unknown_disabled_and_reset(sessions: "sessionmaker[Session]") -> None:
    add_account(sessions, "gone", "admin")
    door = Door(sessions)
    assert door("nobody", PASSWORD)[2] == "unknown"
    with session_scope(sessions) as session:
        account_id = session.scalars(select(ConsoleAccount.id).where(ConsoleAccount.login == "gone")).one()
        set_active(session, account_id, False)
    assert door("gone", PASSWORD) == (False, "账号已停用，请联系市级管理员", "disabled")
    assert door("gone", "wrong-password") == WRONG  # only the right password learns that it is disabled
    with session_scope(sessions) as session:
        set_active(session, account_id, True)
        with pytest.raises(InvalidInput):
            reset_password(session, account_id, "short")
        reset_password(session, account_id, "another-long-password")
    assert door("gone", "another-long-password") == OK
    assert door("gone", PASSWORD) == WRONG
