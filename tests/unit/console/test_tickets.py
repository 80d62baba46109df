"""Tickets in the console: each unit sees only its own, anonymity holds, every change is recorded and audited,
and two people acting on the same version cannot both win."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.console.auth import Principal
from bot.console.tickets import Reassignment, apply_reassign
from bot.db import create_db_engine, make_session_factory, session_scope
from bot.db.console import AuditEntry
from bot.db.directory import Unit
from bot.db.feedback import ComplaintEvent
from bot.directory.importer import apply
from bot.errors import NotFound
from bot.web.app import create_app
from tests.unit.console.conftest import Client, World, add_ticket, build_world, ticket_row, version_in
from tests.unit.web.conftest import serving, web_settings


def audit_rows(sessions: "sessionmaker[Session]", action: str) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def events(sessions: "sessionmaker[Session]", ticket_id: str) -> list[ComplaintEvent]:
    complaint_id = ticket_row(sessions, ticket_id).id
    with sessions() as session:
        return list(session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint_id)
                                    .order_by(ComplaintEvent.id)))


def serve(url: str, scenario: Any) -> Any:
    async def run() -> Any:
        async with serving(create_app(web_settings(url))) as base:
            return await scenario(base)
    return asyncio.run(run())


def test_staff_cannot_see_or_change_another_units_ticket(console_url: str, sessions: "sessionmaker[Session]",
                                                        world: World) -> None:
    async def scenario(base: str) -> None:
        async with Client(base) as other:
            await other.login("staff_b")
            status, page = await other.get("/console/tickets")
            assert status == 200 and world.ticket not in page
            status, page = await other.get(f"/console/tickets/{world.ticket}")
            assert status == 404 and "没有找到" in page and "来回跑" not in page
            status, _ = await other.post(f"/console/tickets/{world.ticket}/status",
                                         {"to_status": "已退回", "note": "不是我们的", "version": "1"})
            assert status == 404
            assert (await other.get(f"/console/units/{world.unit_a}"))[0] == 404
            assert (await other.get("/console/tickets/TS209901019999"))[0] == 404  # none such: no different answer

    serve(console_url, scenario)
    ticket = ticket_row(sessions, world.ticket)
    assert (ticket.status, ticket.version) == ("已提交", 1)
    refused = audit_rows(sessions, "refused")
    assert [(r.actor, r.target) for r in refused] == [("staff:staff_b", f"ticket:{world.ticket}")] * 2 + [
        ("staff:staff_b", f"unit:{world.unit_a}")]
    assert all(r.client_ip == "127.0.0.1" for r in refused)


def test_an_anonymous_ticket_hides_the_complainant_from_staff(console_url: str, sessions: "sessionmaker[Session]",
                                                             world: World) -> None:
    hidden = add_ticket(sessions, world.unit_a, "anon-1", anonymous=True, contact_phone="13800001234")
    shown = add_ticket(sessions, world.unit_a, "named-1", contact_phone="13900005678")

    async def scenario(base: str) -> tuple[str, str, str]:
        async with Client(base) as staff, Client(base) as admin:
            await staff.login("staff_a")
            await admin.login("admin")
            return ((await staff.get(f"/console/tickets/{hidden}"))[1],
                    (await staff.get(f"/console/tickets/{shown}"))[1],
                    (await admin.get(f"/console/tickets/{hidden}"))[1])

    staff_hidden, staff_shown, admin_hidden = serve(console_url, scenario)
    assert "匿名投诉" in staff_hidden and "13800001234" not in staff_hidden and "oanon-1" not in staff_hidden
    assert "投诉人" in staff_hidden  # the history names the complainant only by role
    assert "13900005678" in staff_shown and "onamed-1" not in staff_shown
    assert "13800001234" in admin_hidden and "oanon-1" in admin_hidden


def test_a_status_change_records_the_event_and_the_audit_row(console_url: str, sessions: "sessionmaker[Session]",
                                                            world: World) -> None:
    path = f"/console/tickets/{world.ticket}"

    async def scenario(base: str) -> None:
        async with Client(base) as staff:
            await staff.login("staff_a")
            _, page = await staff.get(path)
            assert 'value="已受理"' in page and 'value="已退回"' in page and 'value="办理中"' not in page
            assert await staff.post(f"{path}/status", {"to_status": "已受理", "note": "已受理，正在核实",
                                                       "version": version_in(page)}) == (303, f"{path}?saved=1")
            status, page = await staff.get(f"{path}?saved=1")
            assert status == 200 and "已保存" in page and "已受理，正在核实" in page and "单位工作人员 张三" in page
            status, body = await staff.post(f"{path}/status", {"to_status": "已退回", "note": "重复提交",
                                                               "version": "1"})  # the page loaded before
            assert status == 409 and "工单已被他人更新，请刷新后重试" in body
            for to_status in ("办理中",):
                await staff.post(f"{path}/status", {"to_status": to_status, "note": "", "version": version_in(page)})
                _, page = await staff.get(path)
            status, body = await staff.post(f"{path}/status", {"to_status": "已办结", "note": " ", "version": "3",
                                                               "substantiated": "yes"})
            assert status == 400 and "请填写办理结果或退回理由" in body and 'value="已办结"' in body
            status, body = await staff.post(f"{path}/status", {"to_status": "已办结", "note": "已当面致歉", "version": "3"})
            assert status == 400 and "是否属实" in body and "已当面致歉" in body  # what was typed is kept
            status, body = await staff.post(f"{path}/status", {"to_status": "已转办", "note": "x", "version": "abc"})
            assert status == 400 and "表单已失效" in body
            assert (await staff.post(f"{path}/status", {"to_status": "已办结", "note": "已当面致歉", "version": "3",
                                                        "substantiated": "yes"}))[0] == 303

    serve(console_url, scenario)
    ticket = ticket_row(sessions, world.ticket)
    assert (ticket.status, ticket.version, ticket.substantiated) == ("已办结", 4, True)
    steps = [(e.from_status, e.to_status, e.actor, e.note) for e in events(sessions, world.ticket)]
    assert steps[1:] == [("已提交", "已受理", "staff:staff_a", "已受理，正在核实"),
                         ("已受理", "办理中", "staff:staff_a", ""),
                         ("办理中", "已办结", "staff:staff_a", "已当面致歉")]
    changes = audit_rows(sessions, "status_change")
    assert [(r.actor, r.target, r.detail) for r in changes] == [
        ("staff:staff_a", f"ticket:{world.ticket}", "已提交 → 已受理：已受理，正在核实"),
        ("staff:staff_a", f"ticket:{world.ticket}", "已受理 → 办理中"),
        ("staff:staff_a", f"ticket:{world.ticket}", "办理中 → 已办结：已当面致歉")]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, sample_tables: Any) -> str:
    """The URL of a database with the sample directory: a SQLite copy, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("console_url"))
    engine = request.getfixturevalue("pg_engine")
    with session_scope(make_session_factory(engine)) as session:
        apply(session, sample_tables)
    return str(engine.url.render_as_string(hide_password=False))


def test_two_staff_with_the_same_version_exactly_one_wins(database: str) -> None:
    engine = create_db_engine(database)
    sessions = make_session_factory(engine)
    world = build_world(sessions)
    path = f"/console/tickets/{world.ticket}"

    async def scenario(base: str) -> list[tuple[int, str]]:
        async with Client(base) as first, Client(base) as second:
            await first.login("staff_a")
            await second.login("staff_a2")
            pages = [(await first.get(path))[1], (await second.get(path))[1]]
            assert version_in(pages[0]) == version_in(pages[1]) == "1"
            return list(await asyncio.gather(
                first.post(f"{path}/status", {"to_status": "已受理", "note": "我来办", "version": "1"}),
                second.post(f"{path}/status", {"to_status": "已退回", "note": "不属于本单位", "version": "1"})))

    try:
        results = serve(database, scenario)
        statuses = sorted(status for status, _ in results)
        assert statuses == [303, 409]
        loser = next(body for status, body in results if status == 409)
        assert "工单已被他人更新，请刷新后重试" in loser
        ticket = ticket_row(sessions, world.ticket)
        assert ticket.version == 2 and ticket.status in ("已受理", "已退回")
        assert [e.to_status for e in events(sessions, world.ticket)] == ["已提交", ticket.status]
        assert len(audit_rows(sessions, "status_change")) == 1
    finally:
        engine.dispose()


def test_an_administrator_reassigns_a_ticket(console_url: str, sessions: "sessionmaker[Session]", world: World) -> None:
    with sessions() as session:
        target = session.get(Unit, world.unit_b).name
    path = f"/console/tickets/{world.ticket}"

    async def scenario(base: str) -> None:
        async with Client(base) as admin, Client(base) as staff_a, Client(base) as staff_b:
            await admin.login("admin")
            await staff_a.login("staff_a")
            await staff_b.login("staff_b")
            assert (await staff_a.post(f"{path}/reassign", {"unit": target, "note": "", "version": "1"}))[0] == 404
            _, page = await admin.get(path)
            assert f'<option value="{target}">' in page  # the searchable list of units
            status, body = await admin.post(f"{path}/reassign", {"unit": "不存在的单位", "note": "", "version": "1"})
            assert status == 400 and "没有名为“不存在的单位”的单位" in body
            assert (await admin.post(f"{path}/reassign", {"unit": target, "note": "属于该单位职责",
                                                          "version": "1"}))[0] == 303
            assert (await staff_a.get(path))[0] == 404
            status, page = await staff_b.get(path)
            assert status == 200 and f"转办至{target}。属于该单位职责" in page and "市级管理员 赵管理" in page

    serve(console_url, scenario)
    ticket = ticket_row(sessions, world.ticket)
    assert (ticket.unit_id, ticket.status, ticket.version) == (world.unit_b, "已转办", 2)
    assert events(sessions, world.ticket)[-1].actor == "admin:admin"
    moved = audit_rows(sessions, "reassign")
    assert len(moved) == 1 and moved[0].actor == "admin:admin" and moved[0].detail.endswith(f"→ {target}")
    assert [r.actor for r in audit_rows(sessions, "refused")] == ["staff:staff_a", "staff:staff_a"]


def test_only_administrators_can_reassign_even_without_the_page(sessions: "sessionmaker[Session]",
                                                                world: World) -> None:
    staff = Principal(1, 1, "staff_a", "张三", "staff", world.unit_a, "", "csrf")
    with sessions() as session:
        target = session.get(Unit, world.unit_b).name
    with pytest.raises(NotFound):
        asyncio.run(apply_reassign(sessions, staff, Reassignment(world.ticket, target, "", 1), "127.0.0.1"))
    assert ticket_row(sessions, world.ticket).unit_id == world.unit_a
