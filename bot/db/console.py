"""The console aggregate: accounts of city administrators and unit staff, their sessions, the audit log."""
from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Text

from bot.db.base import Base, UTCDateTime, utcnow

ROLES: dict[str, str] = {"admin": "市级管理员", "staff": "单位工作人员"}


class ConsoleAccount(Base):
    """Someone who signs in to the console: an administrator (every unit) or staff of one unit."""

    __tablename__ = "console_accounts"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'staff')", name="role_known"),
        CheckConstraint("(role = 'admin' AND unit_id IS NULL) OR (role = 'staff' AND unit_id IS NOT NULL)",
                        name="staff_have_a_unit"),
    )

    id = Column(Integer, primary_key=True)
    login = Column(String(32), nullable=False, unique=True)
    display_name = Column(String(32), nullable=False)
    role = Column(String(8), nullable=False)  # a key of ROLES
    unit_id = Column(ForeignKey("units.id", ondelete="RESTRICT"), nullable=True, index=True)
    active = Column(Boolean, nullable=False, default=True)
    password_hash = Column(String(160), nullable=False)  # scrypt$n$r$p$salt$hash (bot.console.accounts)
    failed_logins = Column(Integer, nullable=False, default=0)  # since the last success or lock
    locked_until = Column(UTCDateTime, nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class ConsoleSession(Base):
    """A signed-in browser; only the SHA-256 of its cookie token is stored."""

    __tablename__ = "console_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    account_id = Column(ForeignKey("console_accounts.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)  # the hidden field of every form of this session
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at = Column(UTCDateTime, nullable=False, default=utcnow)


class AuditEntry(Base):
    """One thing done (or refused) in the console: who, what, to what, from where, when."""

    __tablename__ = "console_audit"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    actor = Column(String(64), nullable=False)  # "admin:<login>", "staff:<login>", "anonymous"
    action = Column(String(32), nullable=False, index=True)  # a key of bot.console.audit.ACTIONS
    target = Column(String(80), nullable=False, default="")  # "ticket:TS…", "account:<login>", "unit:<id>"
    detail = Column(Text, nullable=False, default="")
    client_ip = Column(String(64), nullable=False, default="")
