"""Administrators' pages: the leaderboard and its downloads, a unit's chart, accounts, the audit log."""
from __future__ import annotations

import asyncio
import csv
import io
from datetime import date
from typing import Any

import aiohttp
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.console.admin import period_of
from bot.console.chart import line_chart
from bot.db import session_scope
from bot.db.console import AuditEntry, ConsoleAccount, ConsoleSession
from bot.db.directory import Unit
from bot.feedback.leaderboard import HEADER
from bot.feedback.ratings import submit_rating
from bot.web.app import create_app
from tests.unit.console.conftest import NOW, PASSWORD, Client, World
from tests.unit.web.conftest import serving, web_settings


def serve(url: str, scenario: Any) -> Any:
    async def run() -> Any:
        async with serving(create_app(web_settings(url))) as base:
            return await scenario(base)
    return asyncio.run(run())


async def download(client: Client, path: str) -> tuple[int, str, str, bytes]:
    async with client.http.get(client.base + path, allow_redirects=False) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), resp.headers.get("Content-Disposition", ""), \
            await resp.read()


def test_leaderboard_page_and_downloads(console_url: str, sessions: "sessionmaker[Session]", world: World) -> None:
    with session_scope(sessions) as session:
        for i in range(3):
            submit_rating(session, f"lb-{i}", 5, 5, unit_id=world.unit_b, comment="办事快" if i == 0 else "", now=NOW)
        units = session.scalar(select(func.count(Unit.id)))
        best = session.get(Unit, world.unit_b).name
    query = "period=month&year=2026&month=11"

    async def scenario(base: str) -> None:
        async with Client(base) as admin:
            await admin.login("admin")
            status, page = await admin.get(f"/console/leaderboard?{query}")
            assert status == 200 and "2026年11月" in page and best in page
            status, kind, disposition, body = await download(admin, f"/console/leaderboard.csv?{query}")
            assert status == 200 and kind.startswith("text/csv") and "attachment" in disposition
            assert "leaderboard-2026-11.csv" in disposition and "filename*=UTF-8''" in disposition
            rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
            assert rows[0] == HEADER and len(rows) == units + 1 and rows[1][1] == best and rows[1][4] == "3"
            status, kind, disposition, body = await download(admin, "/console/leaderboard.xlsx?period=year&year=2026")
            assert status == 200 and kind.startswith("application/vnd.openxmlformats") and "2026.xlsx" in disposition
            sheet = load_workbook(io.BytesIO(body)).active
            table = list(sheet.iter_rows(values_only=True))
            assert list(table[0]) == HEADER and len(table) == units + 1 and table[1][1] == best
            status, page = await admin.get(f"/console/units/{world.unit_b}")
            assert status == 200 and "<svg" in page and page.count('class="dot"') == 12 and "办事快" in page

    serve(console_url, scenario)


def test_staff_get_none_of_the_administrators_pages(console_url: str, sessions: "sessionmaker[Session]",
                                                    world: World) -> None:
    async def scenario(base: str) -> None:
        async with Client(base) as staff:
            await staff.login("staff_a")
            for path in ("/console/leaderboard", "/console/leaderboard.csv", "/console/accounts", "/console/audit"):
                assert (await staff.get(path))[0] == 404, path
            assert (await staff.post("/console/accounts", {"role": "admin", "login": "sneaky",
                                                          "password": PASSWORD}))[0] == 404
            status, page = await staff.get(f"/console/units/{world.unit_a}")  # their own unit's ratings
            assert status == 200 and "<svg" in page

    serve(console_url, scenario)
    with sessions() as session:
        assert session.scalar(select(func.count(ConsoleAccount.id)).where(ConsoleAccount.login == "sneaky")) == 0
        assert session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "refused")) == 5


def test_accounts_are_created_disabled_enabled_and_reset(console_url: str, sessions: "sessionmaker[Session]",
                                                         world: World) -> None:
    with sessions() as session:
        unit_name = session.get(Unit, world.unit_a).name

    async def scenario(base: str) -> None:
        async with Client(base) as admin, Client(base) as newcomer:
            await admin.login("admin")
            form = {"role": "staff", "login": "chen", "name": "陈六", "unit": unit_name, "password": "short"}
            status, body = await admin.post("/console/accounts", form)
            assert status == 400 and "密码至少需要 10 个字符" in body and 'value="chen"' in body
            form["password"] = "a-long-enough-password"
            assert await admin.post("/console/accounts", form) == (303, "/console/accounts?done=created")
            status, body = await admin.post("/console/accounts", form)
            assert status == 400 and "登录名“chen”已存在" in body
            assert (await newcomer.login("chen", "a-long-enough-password"))[0] == 303
            with sessions() as session:
                chen = session.scalars(select(ConsoleAccount).where(ConsoleAccount.login == "chen")).one()
            assert chen.unit_id == world.unit_a
            await admin.get("/console/accounts")
            assert (await admin.post(f"/console/accounts/{chen.id}/active", {"active": "0"}))[0] == 303
            assert (await newcomer.get("/console/tickets"))[0] == 303  # signed out at once
            assert (await newcomer.login("chen", "a-long-enough-password"))[0] == 401
            await admin.post(f"/console/accounts/{chen.id}/active", {"active": "1"})
            await admin.post(f"/console/accounts/{chen.id}/password", {"password": "brand-new-password"})
            assert (await newcomer.login("chen", "brand-new-password"))[0] == 303
            with sessions() as session:
                me = session.scalars(select(ConsoleAccount.id).where(ConsoleAccount.login == "admin")).one()
            status, body = await admin.post(f"/console/accounts/{me}/active", {"active": "0"})
            assert status == 400 and "不能停用自己的账号" in body
            status, page = await admin.get("/console/audit")
            for label in ("创建账号", "停用账号", "启用账号", "重置密码", "登录失败", "登录"):
                assert label in page

    serve(console_url, scenario)
    with sessions() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.target == "account:chen")
                                       .order_by(AuditEntry.id)))
        assert actions == ["account_create", "login", "account_disable", "login_failed", "account_enable",
                           "password_reset", "login"]
        assert session.scalar(select(func.count(ConsoleSession.id)).join(ConsoleAccount)
                              .where(ConsoleAccount.login == "chen")) == 1


def test_a_failed_sign_in_is_audited_and_the_page_says_why(console_url: str, sessions: "sessionmaker[Session]",
                                                           world: World) -> None:
    async def scenario(base: str) -> str:
        async with Client(base) as client:
            status, _ = await client.login("staff_a", "not-the-password")
            assert status == 401
            async with client.http.get(base + "/console/tickets/" + world.ticket, allow_redirects=False) as resp:
                assert resp.status == 303 and resp.headers["Location"].startswith("/console/login?next=")
            status, page = await client.get("/console/login")
            return page

    assert "登录工作台" in serve(console_url, scenario)
    with sessions() as session:
        row = session.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed")).one()
    assert (row.actor, row.target, row.detail, row.client_ip) == ("anonymous", "account:staff_a", "password",
                                                                   "127.0.0.1")


def test_periods_and_chart_geometry() -> None:
    today = date(2026, 11, 25)
    assert period_of({}, today).label == "2026年11月"
    assert period_of({"period": "year", "year": "2025"}, today).bounds == (date(2025, 1, 1), date(2025, 12, 31))
    assert period_of({"year": "1999", "month": "13"}, today).slug == "2026-11"  # out of range: this month
    chart = line_chart([(f"2026-{m:02d}", 70 + m) for m in range(1, 13)])
    xs = [p.x for p in chart.points]
    assert xs == sorted(xs) and xs[0] == chart.left and xs[-1] == chart.right
    assert all(chart.grid[-1].y <= p.y <= chart.baseline for p in chart.points)
    assert chart.points[-1].y < chart.points[0].y  # higher scores are drawn higher
    assert chart.points[0].label == "1月" and chart.points[-1].title == "2026年12月 82 分"
    flat = line_chart([("2026-01", 100.0), ("2026-02", 100.0)])
    assert (flat.grid[0].value, flat.grid[-1].value) == (80, 100)


def test_signed_out_visitors_are_sent_to_the_sign_in_page(console_url: str) -> None:
    async def scenario(base: str) -> int:
        async with aiohttp.ClientSession() as http:
            async with http.get(base + "/console/accounts", allow_redirects=False) as resp:
                return resp.status
    assert serve(console_url, scenario) == 303
