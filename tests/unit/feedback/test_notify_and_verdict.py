"""Complainants hear of every change once, over real HTTP to the sandbox; 满意 / 不满意 is recorded."""
from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from actions.feedback import ActionHandlingVerdict
from bot import runtime
from bot.db import session_scope
from bot.db.base import utcnow
from bot.db.directory import Unit
from bot.db.feedback import Complaint, ComplaintEvent
from bot.feedback.complaints import Submission, submit_complaint
from bot.feedback.handling import change_status
from bot.feedback.notify import MAX_ATTEMPTS, notify_pending
from bot.wechat.api import WeChatClient
from bot.wechat.delivery import note_inbound
from tests.unit.wechat.sandbox import APP_ID, SECRET, running_sandbox

SEND = "/cgi-bin/message/custom/send"


def new_ticket(sessions: "sessionmaker[Session]", openid: str, wrote_hours_ago: float = 1) -> str:
    with session_scope(sessions) as s:
        note_inbound(s, openid, at=utcnow() - timedelta(hours=wrote_hours_ago))
        unit = s.scalars(select(Unit).order_by(Unit.id)).first()
        ticket, _ = submit_complaint(s, f"{openid}:1", Submission(openid, unit.id, "窗口人员态度差"))
        return ticket.ticket_id


def move(sessions: "sessionmaker[Session]", ticket_id: str, *statuses: str) -> None:
    for status in statuses:
        with session_scope(sessions) as s:
            version = s.scalars(select(Complaint.version).where(Complaint.ticket_id == ticket_id)).one()
            change_status(s, ticket_id, status, "staff:zhang", f"{status}说明", version, substantiated=True)


def texts(state: Any, openid: str) -> list[str]:
    return [m["body"]["text"]["content"] if m["kind"] == "custom" else "template:" + m["body"]["template_id"]
            for m in state.messages(openid)]


def test_each_change_is_sent_once_retried_after_a_failure_and_templated_outside_the_window(
        sample_sessions: "sessionmaker[Session]") -> None:
    me, away = f"oN{uuid.uuid4().hex[:10]}", f"oA{uuid.uuid4().hex[:10]}"
    ticket = new_ticket(sample_sessions, me)
    far = new_ticket(sample_sessions, away, wrote_hours_ago=72)
    move(sample_sessions, ticket, "已受理")
    move(sample_sessions, far, "已受理")

    async def scenario() -> None:
        async with running_sandbox() as (state, base):
            async with WeChatClient(base, APP_ID, SECRET, sample_sessions, retries=1, backoff=0.01) as client:
                state.fail_next(SEND, status=500, count=2)  # the first run cannot reach WeChat
                await notify_pending(client, sample_sessions, template_id="TPL-C")
                assert texts(state, me) == []
                await notify_pending(client, sample_sessions, template_id="TPL-C")
                await notify_pending(client, sample_sessions, template_id="TPL-C")  # nothing twice
                (first,) = texts(state, me)
                assert ticket in first and "已受理" in first and "已受理说明" in first
                assert texts(state, away) == ["template:TPL-C"]
                move(sample_sessions, ticket, "办理中", "已办结")
                await notify_pending(client, sample_sessions)
                assert len(texts(state, me)) == 3 and "满意" in texts(state, me)[-1]

    asyncio.run(scenario())
    with session_scope(sample_sessions) as s:
        events = s.scalars(select(ComplaintEvent).join(Complaint, Complaint.id == ComplaintEvent.complaint_id)
                           .where(Complaint.user_id == me, ComplaintEvent.actor == "staff:zhang")).all()
        assert all(e.notified_at is not None for e in events) and events[0].notify_attempts == 2
        assert MAX_ATTEMPTS > 2


def verdict(sender: str, text: str) -> str:
    latest = {"text": text, "intent": {"name": "judge_handling"}, "entities": []}
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionHandlingVerdict().run(dispatcher, Tracker(sender, {}, latest, [], False, None, {}, "action_listen"), {}))
    return dispatcher.messages[0]["text"]


def test_dissatisfied_reopens_satisfied_is_recorded(app_env) -> None:
    sessions = runtime.sessions()
    me = f"oV{uuid.uuid4().hex[:10]}"
    assert "如需评价服务" in verdict(me, "满意")  # nothing to judge yet
    ticket = new_ticket(sessions, me)
    move(sessions, ticket, "已受理", "办理中", "已办结")
    reply = verdict(me, "不满意，问题根本没解决")
    assert ticket in reply and "重新办理" in reply
    with session_scope(sessions) as s:
        complaint = s.scalars(select(Complaint).where(Complaint.ticket_id == ticket)).one()
        assert complaint.status == "重新办理" and complaint.satisfied is None
    move(sessions, ticket, "办理中", "已办结")
    assert "满意" in verdict(me, "满意，谢谢")
    with session_scope(sessions) as s:
        complaint = s.scalars(select(Complaint).where(Complaint.ticket_id == ticket)).one()
        assert complaint.status == "已办结" and complaint.satisfied is True
    assert "如需评价服务" in verdict(me, "满意")  # judged once
