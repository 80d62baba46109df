"""The console against its own copy of the sample directory, driven like a browser over loopback."""
from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.console.accounts import create_account
from bot.db import create_db_engine, init_schema, make_session_factory, session_scope
from bot.db.directory import Unit
from bot.db.feedback import Complaint
from bot.feedback.complaints import Submission, submit_complaint

PASSWORD = "correct-horse-battery"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)  # Tuesday 10:00 in Beijing
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_VERSION = re.compile(r'name="version" value="(\d+)"')


def copy_sample(sample_db: Path, target: Path) -> str:
    """A private copy of the sample database (tests here write to it) with every table; its URL."""
    with sqlite3.connect(sample_db / "syb.db") as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    url = f"sqlite:///{target}"
    engine = create_db_engine(url)
    init_schema(engine)
    engine.dispose()
    return url


@pytest.fixture()
def console_url(sample_db: Path, tmp_path: Path) -> str:
    return copy_sample(sample_db, tmp_path / "console.db")


@pytest.fixture()
def sessions(console_url: str) -> "Iterator[sessionmaker[Session]]":
    engine = create_db_engine(console_url)
    yield make_session_factory(engine)
    engine.dispose()


@dataclass(frozen=True)
class World:
    """Two units, a staff account in each, an administrator, and a ticket for the first unit."""

    unit_a: int
    unit_b: int
    ticket: str


def units(session: Session, n: int = 2) -> list[int]:
    return list(session.scalars(select(Unit.id).order_by(Unit.id).limit(n)))


def add_account(sessions: "sessionmaker[Session]", login: str, role: str, unit_id: Optional[int] = None,
                name: str = "") -> None:
    with session_scope(sessions) as session:
        create_account(session, login, name or login, PASSWORD, role, unit_id)


def add_ticket(sessions: "sessionmaker[Session]", unit_id: int, key: str, description: str = "窗口工作人员让我来回跑了三趟。",
               **fields: Any) -> str:
    with session_scope(sessions) as session:
        ticket, _ = submit_complaint(session, key, Submission(f"o{key}", unit_id, description, **fields), now=NOW)
        return str(ticket.ticket_id)


def ticket_row(sessions: "sessionmaker[Session]", ticket_id: str) -> Complaint:
    with sessions() as session:
        return session.scalars(select(Complaint).where(Complaint.ticket_id == ticket_id)).one()


def build_world(sessions: "sessionmaker[Session]") -> World:
    with sessions() as session:
        a, b = units(session)
    add_account(sessions, "staff_a", "staff", a, "张三")
    add_account(sessions, "staff_a2", "staff", a, "李四")
    add_account(sessions, "staff_b", "staff", b, "王五")
    add_account(sessions, "admin", "admin", None, "赵管理")
    return World(a, b, add_ticket(sessions, a, "world-1"))


@pytest.fixture()
def world(sessions: "sessionmaker[Session]") -> World:
    return build_world(sessions)


class Client:
    """One browser: its own cookie jar (loopback addresses allowed), forms posted with their CSRF token.

    ``source`` is the loopback address it connects from (127.0.0.1 unless given), so that tests can
    sign in from several addresses; ``headers`` go with every request.
    """

    def __init__(self, base: str, source: str = "", headers: Optional[dict[str, str]] = None) -> None:
        self.base = base
        connector = aiohttp.TCPConnector(local_addr=(source, 0)) if source else None
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), connector=connector,
                                          headers=headers)
        self.csrf = ""

    async def __aenter__(self) -> "Client":
        return self

    async def __aexit__(self, *_: Any) -> None:
        await self.http.close()

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(self.base + path, allow_redirects=False) as resp:
            body = await resp.text()
            self.csrf = csrf_in(body) or self.csrf
            return resp.status, body

    async def post(self, path: str, data: dict[str, str], csrf: Optional[str] = None) -> tuple[int, str]:
        form = {"csrf": self.csrf if csrf is None else csrf, **data}
        if csrf == "":
            form.pop("csrf")
        async with self.http.post(self.base + path, data=form, allow_redirects=False) as resp:
            return resp.status, (await resp.text()) if resp.status != 303 else resp.headers["Location"]

    async def login(self, login: str, password: str = PASSWORD) -> tuple[int, str]:
        await self.get("/console/login")
        status, where = await self.post("/console/login", {"login": login, "password": password})
        if status == 303:
            await self.get("/console/tickets")  # picks up the session's CSRF token
        return status, where


def csrf_in(page: str) -> str:
    """The CSRF token of the page's forms ("" when it has none)."""
    found = _CSRF.search(page)
    return found.group(1) if found else ""


def version_in(page: str) -> str:
    found = _VERSION.search(page)
    assert found, "the page has no version field"
    return found.group(1)
