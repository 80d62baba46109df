"""The web console against the real web app on loopback (no Rasa needed).

In headless Chromium, a unit's staff member signs in on a phone, finds the unit's ticket and accepts
it with a note; an administrator signs in on a desktop, opens the leaderboard and a unit's page with
its score chart. Over plain HTTP, from several loopback addresses, the sign-in's defences: limits
per address and per account, the signed form token, the way back after sign-in, one log line per request.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yarl
from aiohttp import web
from sqlalchemy import select

from bot.console.accounts import LOCKED, TOO_MANY
from bot.console.lockout import ADDRESS_FAILURES, PAIR_FAILURES
from bot.db import create_db_engine, make_session_factory
from bot.db.console import AuditEntry
from bot.web.app import QuietAccessLogger, create_app
from tests.unit.console.conftest import PASSWORD, Client, World, build_world, copy_sample
from tests.unit.web.conftest import serving, serving_in_thread, web_settings

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
WAIT_MS = 10_000


@pytest.fixture(scope="module")
def console(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, World]]:
    """The web app on its own copy of the sample directory, served by an event loop on a background thread."""
    url = copy_sample(sample_db, tmp_path_factory.mktemp("console-page") / "console.db")
    engine = create_db_engine(url)
    world = build_world(make_session_factory(engine))
    engine.dispose()
    with serving_in_thread(create_app(web_settings(url))) as base:
        yield base, world


@pytest.fixture()
def open_page(browser: Any) -> Iterator[Any]:
    """New browser contexts on demand; each page must finish without script errors or CSP violations."""
    contexts: list[Any] = []
    errors: list[str] = []

    def new(viewport: dict[str, int]) -> Any:
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
        return page

    try:
        yield new
        assert errors == [], errors
    finally:
        for context in contexts:
            context.close()


def sign_in(page: Any, base: str, login: str) -> None:
    page.goto(f"{base}/console")
    assert page.url.startswith(f"{base}/console/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('登录')")
    page.wait_for_url(f"{base}/console/tickets")


def test_staff_accept_their_units_ticket_on_a_phone(console: tuple[str, World], open_page: Any) -> None:
    base, world = console
    page = open_page(PHONE)
    sign_in(page, base, "staff_a")
    assert "的工单" in page.inner_text("h1")
    row = page.locator(".ticket-row", has_text=world.ticket)
    assert "已提交" in row.inner_text()
    row.locator("a").click()
    page.wait_for_url(f"{base}/console/tickets/{world.ticket}")
    assert "来回跑了三趟" in page.inner_text(".description")
    assert page.locator(".history li").count() == 1
    page.click("label.choice:has-text('已受理')")
    page.fill("textarea[name=note]", "已受理，三个工作日内回复")
    page.click("button:has-text('提交')")
    page.wait_for_url(f"{base}/console/tickets/{world.ticket}?saved=1")
    assert "已保存" in page.inner_text(".alert.ok")
    assert page.inner_text(".page-head .status") == "已受理"
    latest = page.locator(".history li").last.inner_text()
    assert "已提交 → 已受理" in latest and "已受理，三个工作日内回复" in latest and "张三" in latest
    assert page.locator("input[name=to_status][value='办理中']").count() == 1  # the next steps are offered


def test_an_administrator_sees_the_leaderboard_and_a_units_chart(console: tuple[str, World], open_page: Any) -> None:
    base, world = console
    page = open_page(DESKTOP)
    sign_in(page, base, "admin")
    page.click("nav.nav >> text=排行榜")
    page.wait_for_url(f"{base}/console/leaderboard")
    assert page.locator("table.board tbody tr").count() == 50
    assert page.locator("a:has-text('Excel（XLSX）')").get_attribute("href").startswith("/console/leaderboard.xlsx?")
    first = page.locator("table.board tbody tr").first.locator("a")
    name = first.inner_text()
    first.click()
    page.wait_for_url(f"{base}/console/units/*")
    assert page.inner_text("h1") == name
    chart = page.locator("figure.chart svg")
    assert chart.count() == 1 and chart.locator("circle.dot").count() == 12
    assert chart.bounding_box()["width"] > 500


def in_thread(job: Coroutine[Any, Any, None]) -> None:
    """``asyncio.run`` on a thread of its own: the browser tests' Playwright keeps a loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, job).result()


@pytest.fixture()
def fresh(sample_db: Path, tmp_path: Path) -> str:
    """A database of its own (the sign-in limits start empty with each app) with the test world."""
    url = copy_sample(sample_db, tmp_path / "console.db")
    engine = create_db_engine(url)
    build_world(make_session_factory(engine))
    engine.dispose()
    return url


def audit_log(url: str) -> list[tuple[str, str, str, str]]:
    """(action, target, detail, address) of every audit row, oldest first."""
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        rows = [(r.action, r.target, r.detail, r.client_ip)
                for r in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    engine.dispose()
    return rows


def test_wrong_passwords_from_one_address_do_not_lock_out_another(fresh: str) -> None:
    async def run() -> None:
        async with serving(create_app(web_settings(fresh))) as base, Client(base, "127.0.0.2") as attacker, \
                Client(base, "127.0.0.3") as owner:
            for n in range(PAIR_FAILURES):
                status, page = await attacker.login("staff_a", f"guess-number-{n}")
                assert status == 401 and "用户名或密码错误" in page
            status, page = await attacker.login("staff_a")  # the right password, from there
            assert status == 401 and LOCKED in page
            assert await owner.login("staff_a") == (303, "/console/tickets")
    in_thread(run())
    assert audit_log(fresh)[-2:] == [("login_failed", "account:staff_a", "locked", "127.0.0.2"),
                                     ("login", "account:staff_a", "", "127.0.0.3")]


def test_an_address_failing_too_often_is_refused_politely(fresh: str) -> None:
    async def run() -> None:
        async with serving(create_app(web_settings(fresh))) as base, Client(base, "127.0.0.2") as sprayer, \
                Client(base, "127.0.0.3") as owner:
            for n in range(ADDRESS_FAILURES):
                assert (await sprayer.login(f"user{n}", "Spring2026!"))[0] == 401
            status, page = await sprayer.login("admin")
            assert status == 429 and TOO_MANY in page and TOO_MANY == "登录尝试过于频繁，请 15 分钟后再试"
            assert (await owner.login("admin"))[0] == 303
    in_thread(run())
    assert audit_log(fresh)[-2][2:] == ("address", "127.0.0.2")


def test_behind_the_proxy_the_forwarded_address_counts(fresh: str) -> None:
    async def run() -> None:
        async with serving(create_app(web_settings(fresh))) as base:
            guessing = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}  # the proxy appended the last one
            async with Client(base, headers=guessing) as attacker, \
                    Client(base, headers={"X-Forwarded-For": "203.0.113.8"}) as owner:
                for n in range(PAIR_FAILURES):
                    await attacker.login("admin", f"guess-number-{n}")
                assert (await attacker.login("admin"))[0] == 401
                assert (await owner.login("admin"))[0] == 303
    in_thread(run())
    assert [row[3] for row in audit_log(fresh)[-2:]] == ["203.0.113.7", "203.0.113.8"]


def test_a_sign_in_token_from_another_browser_is_refused(fresh: str) -> None:
    async def run() -> None:
        async with serving(create_app(web_settings(fresh))) as base, Client(base) as attacker, \
                Client(base) as victim:
            await attacker.get("/console/login")
            await victim.get("/console/login")
            form = {"login": "admin", "password": PASSWORD}
            assert (await victim.post("/console/login", form, csrf=attacker.csrf))[0] == 403
            assert (await victim.post("/console/login", form))[0] == 303
    in_thread(run())
    assert [row[0] for row in audit_log(fresh)] == ["bad_csrf", "login"]


def test_the_way_back_after_sign_in_stays_in_the_console(fresh: str) -> None:
    async def run() -> None:
        async with serving(create_app(web_settings(fresh))) as base, Client(base) as client:
            _, page = await client.get("/console/login?next=%2Fconsole%2F..%2Fsandbox%2Fcgi-bin%2Ftoken")
            assert 'name="next" value="/console/tickets"' in page
            form = {"login": "admin", "password": PASSWORD, "next": "/console/%2e%2e/chat"}
            assert await client.post("/console/login", form) == (303, "/console/tickets")
    in_thread(run())


def test_a_newline_in_a_url_makes_one_escaped_log_line(fresh: str, caplog: pytest.LogCaptureFixture) -> None:
    forged = "%0a127.0.0.1%20GET%20/console/accounts%20200%200.001s"

    async def run() -> None:
        runner = web.AppRunner(create_app(web_settings(fresh)), access_log_class=QuietAccessLogger)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            async with Client(base) as client:
                async with client.http.get(yarl.URL(f"{base}/policies{forged}?next=x%0d{forged}",
                                                    encoded=True), allow_redirects=False) as resp:
                    assert resp.status == 404
                await client.login(" ghost\nadmin:admin login account:admin ", "wrong-password")
        finally:
            await runner.cleanup()

    with caplog.at_level(logging.INFO, "aiohttp.access"):
        in_thread(run())
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access" and " 404 " in r.getMessage()]
    assert len(lines) == 1 and "\n" not in lines[0] and "\r" not in lines[0]
    assert "/policies\\n127.0.0.1 GET /console/accounts 200 0.001s?next=x\\r\\n127.0.0.1" in lines[0]
    assert audit_log(fresh)[-1][:2] == ("login_failed", "account:ghost\\nadmin:admin login account:admin")
