"""Console accounts: scrypt password hashes, sign-in (limited by bot.console.lockout), what administrators manage."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Optional

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.console.lockout import LOCK_MINUTES, WINDOW_MINUTES, Throttle
from bot.db.base import utcnow
from bot.db.console import ROLES, ConsoleAccount, ConsoleSession
from bot.db.directory import Unit
from bot.errors import Duplicate, InvalidInput, NotFound

MIN_PASSWORD = 10
MAX_PASSWORD = 128
SCRYPT_N, SCRYPT_R, SCRYPT_P, SALT_BYTES, KEY_BYTES = 2**14, 8, 1, 16, 32
_LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,31}$")

BAD_CREDENTIALS = "用户名或密码错误"
LOCKED = f"该账号登录失败次数过多，请 {LOCK_MINUTES} 分钟后再试"
TOO_MANY = f"登录尝试过于频繁，请 {WINDOW_MINUTES} 分钟后再试"
DISABLED = "账号已停用，请联系市级管理员"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES,
                          maxmem=256 * n * r)


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$key`` with a random salt (base64), so the parameters can change later."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` derives the stored key (compared in constant time)."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        derived = _derive(password, base64.b64decode(salt), int(n), int(r), int(p))
        return hmac.compare_digest(derived, base64.b64decode(key))
    except ValueError:
        return False


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    """Checked against when there is no password to check, so that every answer costs one derivation."""
    salt, key = secrets.token_bytes(SALT_BYTES), secrets.token_bytes(KEY_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"密码至少需要 {MIN_PASSWORD} 个字符")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"密码不能超过 {MAX_PASSWORD} 个字符")


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the account, or why it was refused (a message for the page)."""

    account: Optional[ConsoleAccount]
    refusal: str = ""
    reason: str = ""  # for the audit log: address, locked, unknown, password, disabled


def _locked(account: Optional[ConsoleAccount], now: datetime) -> bool:
    return account is not None and account.locked_until is not None and account.locked_until > now


def authenticate(session: Session, throttle: Throttle, login: str, password: str, address: str,
                 now: Optional[datetime] = None) -> SignIn:
    """Check a sign-in from ``address`` within the limits; the caller commits even when it is refused.

    Every answer costs one scrypt derivation, and an unknown login reads as a wrong password, so
    neither the time taken nor the message tells whether an account exists.
    """
    now, login = now or utcnow(), login.strip()
    account = session.scalars(select(ConsoleAccount).where(ConsoleAccount.login == login)).first()
    held = throttle.held(address, login, now) or ("locked" if _locked(account, now) else "")
    checked = account if account is not None and not held else None  # None: the decoy is checked
    matches = verify_password(password, checked.password_hash if checked else _decoy_hash())
    if held == "address":
        return SignIn(None, TOO_MANY, "address")
    if checked is None or not matches:
        if throttle.failed(address, login, now) and account is not None:
            account.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            session.flush()
        reason = held or ("unknown" if account is None else "password")
        return SignIn(None, LOCKED if held else BAD_CREDENTIALS, reason)
    if not checked.active:
        return SignIn(None, DISABLED, "disabled")
    throttle.succeeded(address, login)
    checked.failed_logins, checked.locked_until = 0, None
    session.flush()
    return SignIn(checked)


def create_account(session: Session, login: str, display_name: str, password: str, role: str,
                   unit_id: Optional[int] = None) -> ConsoleAccount:
    """A new active account; staff need a unit, administrators have none. The caller commits."""
    login, display_name = login.strip(), display_name.strip() or login.strip()
    problems = []
    if not _LOGIN.match(login):
        problems.append("登录名须为 2 到 32 个英文字母、数字或 _ . @ -，以字母或数字开头")
    if len(display_name) > 32:
        problems.append("姓名不能超过 32 个字")
    if role not in ROLES:
        problems.append("角色无效")
    if role == "staff" and (unit_id is None or session.get(Unit, unit_id) is None):
        problems.append("请选择工作人员所属的单位")
    try:
        check_password(password)
    except InvalidInput as exc:
        problems.append(str(exc))
    if problems:
        raise InvalidInput("；".join(problems), problems)
    if session.scalars(select(ConsoleAccount.id).where(ConsoleAccount.login == login)).first() is not None:
        raise Duplicate(f"登录名“{login}”已存在")
    account = ConsoleAccount(login=login, display_name=display_name, role=role,
                             unit_id=unit_id if role == "staff" else None, active=True,
                             password_hash=hash_password(password), failed_logins=0)
    try:
        with session.begin_nested():
            session.add(account)
    except IntegrityError as exc:  # created by someone else at the same moment
        raise Duplicate(f"登录名“{login}”已存在") from exc
    return account


def get_account(session: Session, account_id: int) -> ConsoleAccount:
    account = session.get(ConsoleAccount, account_id)
    if account is None:
        raise NotFound(f"account {account_id}")
    return account


def list_accounts(session: Session) -> list[tuple[ConsoleAccount, Optional[str]]]:
    """Every account with its unit's name, administrators first."""
    rows = session.execute(select(ConsoleAccount, Unit.name).outerjoin(Unit, Unit.id == ConsoleAccount.unit_id)
                           .order_by(ConsoleAccount.role, ConsoleAccount.login))
    return [(account, unit) for account, unit in rows]


def _end_sessions(session: Session, account_id: int) -> None:
    session.execute(delete(ConsoleSession).where(ConsoleSession.account_id == account_id))


def set_active(session: Session, account_id: int, active: bool) -> ConsoleAccount:
    """Enable or disable an account; disabling signs it out everywhere."""
    account = get_account(session, account_id)
    account.active = active
    if not active:
        _end_sessions(session, account_id)
    session.flush()
    return account


def reset_password(session: Session, account_id: int, password: str) -> ConsoleAccount:
    """A new password, the lock lifted, and every session of the account ended."""
    check_password(password)
    account = get_account(session, account_id)
    account.password_hash = hash_password(password)
    account.failed_logins, account.locked_until = 0, None
    _end_sessions(session, account_id)
    session.flush()
    return account
