"""Console sessions: a random cookie token (only its SHA-256 is stored), idle and absolute expiry, CSRF.

Before sign-in there is no session: the browser gets a random pre-session id (cookie), and the
sign-in form carries an HMAC of it under ``console_secret``, which no other browser can produce.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from bot.db.console import ConsoleAccount, ConsoleSession
from bot.db.directory import Unit

COOKIE = "syb_console"
LOGIN_COOKIE = "syb_console_login"  # a random id of the browser before sign-in; its form's token is signed
COOKIE_PATH = "/console"


def actor_name(role: str, login: str) -> str:
    """How tickets' history and the audit log name a console user: "staff:li", "admin:wang"."""
    return f"{role}:{login}"


@dataclass(frozen=True)
class Lifetime:
    """How long a session lasts: since its last request (idle) and since sign-in (absolute)."""

    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class Principal:
    """Who is signed in, as the handlers need it (detached from the database session)."""

    session_id: int
    account_id: int
    login: str
    name: str
    role: str
    unit_id: Optional[int]
    unit_name: str
    csrf: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> str:
        return actor_name(self.role, self.login)

    @property
    def scope(self) -> Optional[int]:
        """The unit whose tickets this person may see; None for every unit."""
        return None if self.is_admin else self.unit_id


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(expected: str, given: Optional[str]) -> bool:
    """Constant-time comparison of a CSRF token with what a form sent."""
    return bool(expected) and given is not None and hmac.compare_digest(expected.encode(), given.encode())


def login_token(secret: str, presession: str) -> str:
    """The sign-in form's CSRF token: an HMAC of the browser's pre-session id under the server's secret."""
    return hmac.new(secret.encode(), f"console-login:{presession}".encode(), hashlib.sha256).hexdigest()


def start_session(session: Session, account: ConsoleAccount, now: datetime, lifetime: Lifetime) -> str:
    """A new session for ``account``; returns the cookie token. Expired sessions are swept on the way."""
    session.execute(delete(ConsoleSession).where(or_(ConsoleSession.last_seen_at < now - lifetime.idle,
                                                     ConsoleSession.created_at < now - lifetime.absolute)))
    token = new_token()
    session.add(ConsoleSession(token_hash=token_hash(token), account_id=account.id, csrf_token=new_token(),
                               created_at=now, last_seen_at=now))
    session.flush()
    return token


def resume(session: Session, token: str, now: datetime, lifetime: Lifetime) -> Optional[Principal]:
    """The person behind a cookie token, or None when it is unknown, expired or the account is disabled."""
    row = session.execute(
        select(ConsoleSession, ConsoleAccount, Unit.name)
        .join(ConsoleAccount, ConsoleAccount.id == ConsoleSession.account_id)
        .outerjoin(Unit, Unit.id == ConsoleAccount.unit_id)
        .where(ConsoleSession.token_hash == token_hash(token))).first()
    if row is None:
        return None
    record, account, unit_name = row
    if (now - record.last_seen_at > lifetime.idle or now - record.created_at > lifetime.absolute
            or not account.active):
        session.delete(record)
        return None
    record.last_seen_at = now
    return Principal(record.id, account.id, account.login, account.display_name, account.role, account.unit_id,
                     unit_name or "", record.csrf_token)


def end_session(session: Session, token: str) -> None:
    """Sign out: the session is deleted, so the token is worthless even if it was copied."""
    session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash(token)))
