"""Every console form carries a CSRF token (the session's, or before sign-in one signed for the browser);
without it the request is refused and audited."""
from __future__ import annotations

import asyncio
from typing import Optional

import pytest
from yarl import URL
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.console.auth import LOGIN_COOKIE, login_token
from bot.db.console import AuditEntry, ConsoleAccount
from bot.web.app import create_app
from tests.unit.console.conftest import PASSWORD, Client, World, ticket_row, version_in
from tests.unit.web.conftest import serving, web_settings


def audit_actions(sessions: "sessionmaker[Session]") -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.mark.parametrize("token", ["", "forged-token-0123456789"])
def test_a_post_without_the_right_token_is_refused_and_changes_nothing(
        console_url: str, sessions: "sessionmaker[Session]", world: World, token: str) -> None:
    async def run() -> None:
        async with serving(create_app(web_settings(console_url))) as base, Client(base) as staff:
            await staff.login("staff_a")
            _, page = await staff.get(f"/console/tickets/{world.ticket}")
            form = {"to_status": "已受理", "note": "收到", "version": version_in(page)}
            status, body = await staff.post(f"/console/tickets/{world.ticket}/status", form, csrf=token)
            assert status == 403 and "请求被拒绝" in body
            async with Client(base) as admin:
                await admin.login("admin")
                status, _ = await admin.post("/console/accounts/1/active", {"active": "0"}, csrf=token)
                assert status == 403
    asyncio.run(run())
    ticket = ticket_row(sessions, world.ticket)
    assert (ticket.status, ticket.version) == ("已提交", 1)
    with sessions() as session:
        assert session.scalars(select(ConsoleAccount.active).where(ConsoleAccount.id == 1)).one()
    assert audit_actions(sessions).count("bad_csrf") == 2


def test_the_sign_in_form_needs_its_token_too(console_url: str, sessions: "sessionmaker[Session]",
                                             world: World) -> None:
    async def attempt(csrf: Optional[str]) -> int:
        async with serving(create_app(web_settings(console_url))) as base, Client(base) as client:
            await client.get("/console/login")
            status, _ = await client.post("/console/login", {"login": "admin", "password": "correct-horse-battery"},
                                          csrf=csrf)
            return status

    assert asyncio.run(attempt("")) == 403
    assert asyncio.run(attempt("not-the-cookie-value")) == 403
    assert asyncio.run(attempt(None)) == 303
    assert audit_actions(sessions) == ["bad_csrf", "bad_csrf", "login"]


def test_the_sign_in_token_is_bound_to_its_browser_and_signed(console_url: str, sessions: "sessionmaker[Session]",
                                                              world: World) -> None:
    form = {"login": "admin", "password": PASSWORD}

    async def run() -> None:
        async with serving(create_app(web_settings(console_url))) as base:
            async with Client(base) as victim, Client(base) as attacker:
                await victim.get("/console/login")
                await attacker.get("/console/login")
                assert victim.csrf != attacker.csrf
                assert (await victim.post("/console/login", form, csrf=attacker.csrf))[0] == 403
                presession = victim.http.cookie_jar.filter_cookies(URL(base + "/console"))[LOGIN_COOKIE].value
                assert presession != victim.csrf  # the form's token is not the cookie's value
            async with Client(base) as forger:  # a cookie and a field it chose alike: no longer enough
                forger.http.cookie_jar.update_cookies({LOGIN_COOKIE: "chosen-token-0123456789"})
                assert (await forger.post("/console/login", form, csrf="chosen-token-0123456789"))[0] == 403
            async with Client(base) as owner:
                await owner.get("/console/login")
                assert (await owner.post("/console/login", form))[0] == 303
                assert LOGIN_COOKIE not in owner.http.cookie_jar.filter_cookies(URL(base + "/console"))
    asyncio.run(run())
    assert audit_actions(sessions) == ["bad_csrf", "bad_csrf", "login"]


def test_another_servers_secret_signs_no_valid_token() -> None:
    assert login_token("secret-one", "browser") != login_token("secret-two", "browser")
    assert login_token("secret-one", "browser") != login_token("secret-one", "browser2")
    assert web_settings("sqlite://").console_secret != web_settings("sqlite://").console_secret  # random per start
    assert web_settings("sqlite://", SYB_CONSOLE_SECRET="from-env").console_secret == "from-env"
