"""Sessions: only the token's hash is stored, idle and absolute expiry, logout, the cookie's flags."""
from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.console.auth import LOGIN_COOKIE, Lifetime, end_session, resume, start_session
from bot.db import session_scope
from bot.db.console import ConsoleAccount, ConsoleSession
from bot.console.web import CLOCK
from bot.web.app import create_app
from tests.unit.console.conftest import NOW, PASSWORD, Client, World, add_account, csrf_in
from tests.unit.web.conftest import serving, web_settings

LIFETIME = Lifetime(idle=timedelta(minutes=30), absolute=timedelta(hours=8))


def _start(sessions: "sessionmaker[Session]") -> str:
    add_account(sessions, "clocked", "admin")
    with session_scope(sessions) as session:
        account = session.scalars(select(ConsoleAccount).where(ConsoleAccount.login == "clocked")).one()
        return start_session(session, account, NOW, LIFETIME)


def _resume(sessions: "sessionmaker[Session]", token: str, at: datetime) -> bool:
    with session_scope(sessions) as session:
        return resume(session, token, at, LIFETIME) is not None


def test_only_the_hash_of_the_token_is_stored(sessions: "sessionmaker[Session]") -> None:
    token = _start(sessions)
    with sessions() as session:
        stored = session.scalars(select(ConsoleSession.token_hash)).one()
    assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored and len(token) >= 40


def test_idle_expiry(sessions: "sessionmaker[Session]") -> None:
    token = _start(sessions)
    at = NOW
    for _ in range(3):  # each request within 30 minutes keeps it alive
        at += timedelta(minutes=29)
        assert _resume(sessions, token, at)
    assert not _resume(sessions, token, at + timedelta(minutes=31))
    assert not _resume(sessions, token, at + timedelta(minutes=32))  # deleted, not just refused
    with sessions() as session:
        assert session.scalar(select(func.count(ConsoleSession.id))) == 0


def test_absolute_expiry_however_active(sessions: "sessionmaker[Session]") -> None:
    token = _start(sessions)
    at = NOW
    while at < NOW + timedelta(hours=7, minutes=50):
        at += timedelta(minutes=20)
        assert _resume(sessions, token, at)
    assert not _resume(sessions, token, NOW + timedelta(hours=8, minutes=1))


def test_end_session(sessions: "sessionmaker[Session]") -> None:
    token = _start(sessions)
    with session_scope(sessions) as session:
        end_session(session, token)
    assert not _resume(sessions, token, NOW)


def _session_cookie(console_url: str, public_url: str) -> str:
    """The Set-Cookie of a successful sign-in (the pre-session cookie sent by hand: a Secure one needs HTTPS)."""
    async def run() -> str:
        app = create_app(web_settings(console_url, SYB_PUBLIC_URL=public_url))
        async with serving(app) as base:
            async with Client(base) as client:
                async with client.http.get(base + "/console/login") as resp:
                    presession = resp.cookies[LOGIN_COOKIE].value
                    csrf = csrf_in(await resp.text())
                async with client.http.post(base + "/console/login", allow_redirects=False,
                                            headers={"Cookie": f"{LOGIN_COOKIE}={presession}"},
                                            data={"csrf": csrf, "login": "admin", "password": PASSWORD}) as resp:
                    assert resp.status == 303
                    return next(v for v in resp.headers.getall("Set-Cookie") if v.startswith("syb_console="))
    return asyncio.run(run())


def test_cookie_flags(console_url: str, world: World) -> None:
    plain = _session_cookie(console_url, "http://127.0.0.1:18999")
    assert "HttpOnly" in plain and "SameSite=Strict" in plain and "Path=/console" in plain
    assert "Secure" not in plain
    assert "Secure" in _session_cookie(console_url, "https://console.example.gov.cn")


def test_expiry_and_logout_over_http(console_url: str, world: World) -> None:
    clock = [NOW]

    async def run() -> None:
        app = create_app(web_settings(console_url, SYB_CONSOLE_IDLE_MINUTES="10"))
        app[CLOCK] = lambda: clock[0]
        async with serving(app) as base:
            async with Client(base) as client:
                await client.login("staff_a")
                clock[0] += timedelta(minutes=9)
                assert (await client.get("/console/tickets"))[0] == 200
                clock[0] += timedelta(minutes=11)
                status, _ = await client.get("/console/tickets")
                assert status == 303  # idle too long: back to the sign-in page
                await client.login("staff_a")
                old_cookie = client.http.cookie_jar.filter_cookies(base + "/console")["syb_console"].value
                assert await client.post("/console/logout", {}) == (303, "/console/login")
                assert (await client.get("/console/tickets"))[0] == 303
            async with Client(base) as thief:  # a copied cookie is worthless after logout
                thief.http.cookie_jar.update_cookies({"syb_console": old_cookie})
                assert (await thief.get("/console/tickets"))[0] == 303
    asyncio.run(run())
