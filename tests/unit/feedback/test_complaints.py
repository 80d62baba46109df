"""Complaint tickets: exactly one per confirmation, the workflow, no lost update, privacy."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.db import make_session_factory, session_scope
from bot.db.directory import Cadre, Unit
from bot.db.feedback import Complaint
from bot.directory.importer import apply
from bot.errors import Conflict, InvalidInput, NotFound
from bot.feedback.complaints import (Submission, history, is_overdue, submit_complaint, transition,
                                     user_ticket, user_tickets, valid_phone)

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)  # Tuesday 10:00 in Beijing


def a_unit(session: Session) -> Unit:
    return session.scalars(select(Unit).order_by(Unit.id)).first()


def test_one_ticket_per_confirmation_with_id_and_deadline(session: Session) -> None:
    unit = a_unit(session)
    sub = Submission("oC1", unit.id, "窗口工作人员态度很差，让我来回跑了三趟。", happened="昨天上午",
                     contact_phone="138 0000 1234", evidence=["VOICE-1"])
    first, created = submit_complaint(session, "oC1:form-1", sub, now=NOW)
    again, created_again = submit_complaint(session, "oC1:form-1", sub, now=NOW)
    assert created and not created_again and first.id == again.id
    assert first.ticket_id.startswith("TS20261124") and len(first.ticket_id) == 14
    assert first.deadline == date(2026, 12, 1)  # five working days
    assert first.contact_phone == "13800001234" and first.evidence == ["VOICE-1"]
    assert [e.to_status for e in history(session, first)] == ["已提交"]


def test_long_abusive_and_invalid_input(session: Session) -> None:
    unit = a_unit(session)
    long_text = "办事难，" * 1250 + "这个混蛋"
    ticket, _ = submit_complaint(session, "oC2:1", Submission("oC2", unit.id, long_text), now=NOW)
    assert ticket.description == long_text and len(long_text) == 5004 and ticket.abusive
    with pytest.raises(InvalidInput) as exc:
        submit_complaint(session, "oC2:2", Submission("oC2", 10**9, " ", contact_phone="12345"), now=NOW)
    assert len(exc.value.problems) == 3
    other_unit_cadre = session.scalars(select(Cadre).where(Cadre.unit_id != unit.id)).first()
    with pytest.raises(InvalidInput):
        submit_complaint(session, "oC2:3", Submission("oC2", unit.id, "说明", cadre_id=other_unit_cadre.id))


@pytest.mark.parametrize("text,phone", [("024-22223333", "024-22223333"), ("02422223333", "02422223333"),
                                        ("13912345678", "13912345678"), ("1391234567", None), ("abc", None)])
def test_phone_validation(text: str, phone: "str | None") -> None:
    assert valid_phone(text) == phone


def test_workflow_and_no_lost_update(session: Session) -> None:
    ticket, _ = submit_complaint(session, "oC3:1", Submission("oC3", a_unit(session).id, "材料被弄丢了"), now=NOW)
    ticket = transition(session, ticket.ticket_id, "已受理", "staff:li", "已受理，正在核实", expected_version=1)
    assert (ticket.status, ticket.version) == ("已受理", 2)
    with pytest.raises(Conflict):  # a second clerk acting on the page they loaded before
        transition(session, ticket.ticket_id, "已退回", "staff:wang", "不属于本单位", expected_version=1)
    with pytest.raises(InvalidInput):
        transition(session, ticket.ticket_id, "已办结", "staff:li", "跳过办理", expected_version=2)
    for status in ("办理中", "已办结", "重新办理"):
        ticket = transition(session, ticket.ticket_id, status, "staff:li", status, expected_version=ticket.version)
    assert [e.to_status for e in history(session, ticket)] == ["已提交", "已受理", "办理中", "已办结", "重新办理"]
    assert is_overdue(ticket, date(2026, 12, 2)) and not is_overdue(ticket, date(2026, 12, 1))


def test_users_see_only_their_own_tickets(session: Session) -> None:
    unit = a_unit(session)
    mine, _ = submit_complaint(session, "oMe:1", Submission("oMe", unit.id, "排队太久"), now=NOW)
    submit_complaint(session, "oOther:1", Submission("oOther", unit.id, "电话打不通"), now=NOW)
    assert [t.ticket_id for t in user_tickets(session, "oMe")] == [mine.ticket_id]
    assert user_ticket(session, "oMe", mine.ticket_id).id == mine.id
    with pytest.raises(NotFound):
        user_ticket(session, "oOther", mine.ticket_id)


def test_concurrent_confirmations_make_one_ticket_on_postgresql(pg_engine: Engine, sample_tables) -> None:
    sessions = make_session_factory(pg_engine)
    with session_scope(sessions) as s:
        apply(s, {k: v for k, v in sample_tables.items()})
        unit_id = s.scalars(select(Unit.id).order_by(Unit.id)).first()

    def confirm(_: int) -> str:
        with session_scope(sessions) as s:
            ticket, _ = submit_complaint(s, "oRace:form-9", Submission("oRace", unit_id, "重复提交测试"), now=NOW)
            return ticket.ticket_id

    with ThreadPoolExecutor(4) as pool:
        ids = set(pool.map(confirm, range(8)))
    with session_scope(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Complaint)) == 1
    assert len(ids) == 1
