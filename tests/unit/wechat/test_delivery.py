"""Deliveries over real HTTP against the sandbox: the 48-hour window, the cap, template fallback, idempotency."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, Optional, TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_session_factory, session_scope
from bot.db.base import utcnow
from bot.db.wechat import Delivery, WeChatUser
from bot.errors import InvalidInput
from bot.web.sandbox import SandboxState
from bot.wechat.api import WeChatClient
from bot.wechat.delivery import CAP, PENDING_STALE, deliver, note_inbound, note_subscribe, window_open
from tests.unit.wechat.sandbox import APP_ID, SECRET, running_sandbox

SEND = "/cgi-bin/message/custom/send"
TEMPLATE_SEND = "/cgi-bin/message/template/send"
TEMPLATE = {"template_id": "TPL1", "data": {"thing1": {"value": "投诉已受理"}}, "url": "https://example.org/t/1"}
T = TypeVar("T")


def text(content: str) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": content}}


@asynccontextmanager
async def setup(engine: Engine) -> AsyncIterator[tuple[SandboxState, WeChatClient, "sessionmaker[Session]"]]:
    sessions = make_session_factory(engine)
    async with running_sandbox() as (state, base):
        async with WeChatClient(base, APP_ID, SECRET, sessions, retries=1, backoff=0.01) as client:
            yield state, client, sessions


def run(engine: Engine, scenario: Callable[[SandboxState, WeChatClient, "sessionmaker[Session]"], Awaitable[T]]) -> T:
    async def go() -> T:
        async with setup(engine) as (state, client, sessions):
            return await scenario(state, client, sessions)
    return asyncio.run(go())


def wrote(sessions: "sessionmaker[Session]", openid: str, hours_ago: float = 0) -> None:
    """The user wrote to the account ``hours_ago``."""
    with session_scope(sessions) as s:
        note_inbound(s, openid, at=utcnow() - timedelta(hours=hours_ago))


def rows(sessions: "sessionmaker[Session]", openid: str) -> list[Delivery]:
    with session_scope(sessions) as s:
        return list(s.scalars(select(Delivery).where(Delivery.openid == openid).order_by(Delivery.id)))


def user(sessions: "sessionmaker[Session]", openid: str) -> Optional[WeChatUser]:
    with session_scope(sessions) as s:
        return s.get(WeChatUser, openid)


def sent_in_window(sessions: "sessionmaker[Session]", openid: str) -> int:
    found = user(sessions, openid)
    assert found is not None
    return int(found.sent_in_window)


def contents(state: SandboxState, openid: str) -> list[str]:
    return [m["body"]["text"]["content"] if m["kind"] == "custom" else "template:" + m["body"]["template_id"]
            for m in state.messages(openid)]


# ---- follower state --------------------------------------------------------------------------

def test_note_inbound_opens_the_window_anew(empty_engine: Engine) -> None:
    sessions = make_session_factory(empty_engine)
    wrote(sessions, "oA", hours_ago=10)
    with session_scope(sessions) as s:
        s.get(WeChatUser, "oA").sent_in_window = 4
    wrote(sessions, "oA")
    found = user(sessions, "oA")
    assert found is not None and found.subscribed and found.sent_in_window == 0
    assert utcnow() - found.last_inbound_at < timedelta(seconds=5)
    assert window_open(found) and not window_open(None)


@pytest.mark.parametrize("db", ["empty_engine", "pg_engine"])
def test_note_inbound_belongs_to_the_callers_transaction(db: str, request: pytest.FixtureRequest) -> None:
    sessions = make_session_factory(request.getfixturevalue(db))
    s = sessions()
    note_inbound(s, "oRolledBack")
    s.rollback()
    s.close()
    assert user(sessions, "oRolledBack") is None


def test_note_subscribe_records_both_directions(empty_engine: Engine) -> None:
    sessions = make_session_factory(empty_engine)
    with session_scope(sessions) as s:
        note_subscribe(s, "oS", True)
    with session_scope(sessions) as s:
        note_subscribe(s, "oS", False)
    found = user(sessions, "oS")
    assert found is not None and not found.subscribed
    assert found.subscribed_at is not None and found.unsubscribed_at is not None
    assert not window_open(found)


# ---- deliver ---------------------------------------------------------------------------------

def test_within_the_window_messages_go_by_the_customer_service_api(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        wrote(sessions, "oIn", hours_ago=47.9)
        out = await deliver(client, sessions, "oIn", [text("一"), text("二")], "reply", template=TEMPLATE)
        assert [(o.kind, o.status) for o in out] == [("custom", "sent")] * 2
        assert contents(state, "oIn") == ["一", "二"] and state.calls_to(TEMPLATE_SEND) == 0
        assert state.messages("oIn")[0]["body"]["touser"] == "oIn"

    run(empty_engine, scenario)
    sessions = make_session_factory(empty_engine)
    recorded = rows(sessions, "oIn")
    assert [(d.kind, d.purpose, d.status, d.attempts) for d in recorded] == [("custom", "reply", "sent", 1)] * 2
    assert recorded[0].payload == text("一") and recorded[0].sent_at is not None
    assert sent_in_window(sessions, "oIn") == 2


def test_after_48_hours_one_template_stands_in(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        wrote(sessions, "oOld", hours_ago=48.1)
        out = await deliver(client, sessions, "oOld", [text("一"), text("二")], "complaint", template=TEMPLATE)
        assert [(o.kind, o.status, o.errmsg) for o in out] == [
            ("template", "sent", ""), ("custom", "skipped", "window_closed")]
        assert contents(state, "oOld") == ["template:TPL1"] and state.calls_to(SEND) == 0
        assert state.messages("oOld")[0]["body"]["data"] == TEMPLATE["data"]

    run(empty_engine, scenario)
    recorded = rows(make_session_factory(empty_engine), "oOld")
    assert [(d.kind, d.status, d.errmsg) for d in recorded] == [
        ("custom", "skipped", "window_closed"), ("template", "sent", None), ("custom", "skipped", "window_closed")]


def test_without_a_template_a_closed_window_skips(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        out = await deliver(client, sessions, "oNever", [text("一")], "complaint")
        assert [(o.status, o.errmsg) for o in out] == [("skipped", "window_closed")]
        wrote(sessions, "oStale", hours_ago=49)
        out = await deliver(client, sessions, "oStale", [text("一")], "complaint")
        assert [(o.status, o.errmsg) for o in out] == [("skipped", "window_closed")]
        assert state.calls == []

    run(empty_engine, scenario)
    sessions = make_session_factory(empty_engine)
    assert [(d.status, d.errmsg, d.attempts) for d in rows(sessions, "oNever")] == [("skipped", "window_closed", 0)]


def test_at_most_five_customer_service_messages_per_window(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        wrote(sessions, "oCap")
        first = await deliver(client, sessions, "oCap", [text(str(i)) for i in range(CAP + 1)], "reply")
        assert [o.status for o in first] == ["sent"] * CAP + ["skipped"]
        later = await deliver(client, sessions, "oCap", [text("再一条")], "reply")
        assert later[0].errmsg == "window_closed"
        wrote(sessions, "oCap")  # the user writes again: a new window
        again = await deliver(client, sessions, "oCap", [text("新窗口")], "reply")
        assert again[0].status == "sent"
        assert contents(state, "oCap") == [str(i) for i in range(CAP)] + ["新窗口"]

    run(empty_engine, scenario)
    assert CAP == 5


@pytest.mark.parametrize("db", ["empty_engine", "pg_engine"])
def test_concurrent_deliveries_respect_the_cap(db: str, request: pytest.FixtureRequest) -> None:
    engine: Engine = request.getfixturevalue(db)

    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        wrote(sessions, "oBusy")
        results = await asyncio.gather(*(
            deliver(client, sessions, "oBusy", [text(f"{n}-{i}") for i in range(3)], "push") for n in range(3)))
        assert sum(o.sent for out in results for o in out) == CAP
        assert len(state.messages("oBusy")) == CAP

    run(engine, scenario)
    assert sent_in_window(make_session_factory(engine), "oBusy") == CAP


@pytest.mark.parametrize("code", [45015, 45047])
def test_wechat_saying_the_window_is_closed_falls_back_to_the_template(empty_engine: Engine, code: int) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        wrote(sessions, "oLimit")
        state.fail_next(SEND, errcode=code)
        out = await deliver(client, sessions, "oLimit", [text("一")], "complaint", template=TEMPLATE)
        assert [(o.kind, o.status) for o in out] == [("template", "sent")]
        out = await deliver(client, sessions, "oLimit", [text("二")], "complaint")  # closed until the user writes
        assert (out[0].status, out[0].errmsg) == ("skipped", "window_closed")
        assert state.calls_to(SEND) == 1

    run(empty_engine, scenario)
    recorded = rows(make_session_factory(empty_engine), "oLimit")
    assert [(d.kind, d.status, d.errcode) for d in recorded] == [
        ("custom", "failed", code), ("template", "sent", None), ("custom", "skipped", None)]


def test_errors_are_recorded_not_raised(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        wrote(sessions, "oErr")
        state.fail_next(SEND, errcode=45009)
        state.fail_next(SEND, status=500, count=2)
        out = await deliver(client, sessions, "oErr", [text("一"), text("二"), text("三")], "reply")
        assert [(o.status, o.errcode) for o in out] == [("failed", 45009), ("failed", None), ("sent", None)]
        assert "HTTP 500" in out[1].errmsg

    run(empty_engine, scenario)
    sessions = make_session_factory(empty_engine)
    assert [(d.status, d.errcode) for d in rows(sessions, "oErr")] == [
        ("failed", 45009), ("failed", None), ("sent", None)]
    assert sent_in_window(sessions, "oErr") == 1  # only the success counts


def test_a_rerun_sends_nothing_twice_but_retries_what_failed(empty_engine: Engine) -> None:
    messages = [text("一"), text("二"), text("三")]

    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        wrote(sessions, "oIdem")
        out = await deliver(client, sessions, "oIdem", messages[:1], "reply", idempotency_key="turn-1")
        assert out[0].sent  # a first run got as far as the first message
        state.fail_next(SEND, errcode=-1, count=2)  # the second message fails: one try and one retry
        out = await deliver(client, sessions, "oIdem", messages, "reply", idempotency_key="turn-1")
        assert [(o.status, o.errmsg[:12]) for o in out] == [
            ("skipped", "already_sent"), ("failed", "WeChat API u"), ("sent", "")]
        out = await deliver(client, sessions, "oIdem", messages, "reply", idempotency_key="turn-1")
        assert [(o.status, o.errmsg) for o in out] == [
            ("skipped", "already_sent"), ("sent", ""), ("skipped", "already_sent")]
        out = await deliver(client, sessions, "oIdem", messages, "reply", idempotency_key="turn-1")
        assert all(o.errmsg == "already_sent" for o in out)
        assert contents(state, "oIdem") == ["一", "三", "二"]

    run(empty_engine, scenario)
    recorded = rows(make_session_factory(empty_engine), "oIdem")
    assert [(d.idempotency_key, d.status, d.attempts) for d in recorded] == [
        ("turn-1:0", "sent", 1), ("turn-1:1", "sent", 2), ("turn-1:2", "sent", 1)]


def test_a_pending_row_left_by_a_crash_is_retried(empty_engine: Engine) -> None:
    sessions = make_session_factory(empty_engine)
    wrote(sessions, "oCrash")
    with session_scope(sessions) as s:  # the process died between recording and sending
        s.add(Delivery(idempotency_key="job-7:0", openid="oCrash", kind="custom", purpose="push",
                       payload=text("一"), status="pending", attempts=1,
                       created_at=utcnow() - PENDING_STALE - timedelta(seconds=1)))

    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        out = await deliver(client, sessions, "oCrash", [text("一")], "push", idempotency_key="job-7")
        assert out[0].sent and contents(state, "oCrash") == ["一"]

    run(empty_engine, scenario)
    assert [(d.status, d.attempts) for d in rows(sessions, "oCrash")] == [("sent", 2)]


def test_a_fresh_pending_row_may_be_in_flight_elsewhere_and_is_left_alone(empty_engine: Engine) -> None:
    sessions = make_session_factory(empty_engine)
    wrote(sessions, "oFlight")
    with session_scope(sessions) as s:  # another process recorded it a moment ago and is sending it
        s.add(Delivery(idempotency_key="job-8:0", openid="oFlight", kind="custom", purpose="push",
                       payload=text("一"), status="pending", attempts=1))

    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        out = await deliver(client, sessions, "oFlight", [text("一")], "push", idempotency_key="job-8")
        assert (out[0].status, out[0].errmsg) == ("skipped", "in_progress") and state.calls == []

    run(empty_engine, scenario)
    assert [(d.status, d.attempts) for d in rows(sessions, "oFlight")] == [("pending", 1)]


@pytest.mark.parametrize("db", ["empty_engine", "pg_engine"])
def test_the_same_key_delivered_twice_at_once_is_sent_once(db: str, request: pytest.FixtureRequest) -> None:
    engine: Engine = request.getfixturevalue(db)

    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        wrote(sessions, "oRace")
        batches = await asyncio.gather(*(
            deliver(client, sessions, "oRace", [text("一")], "reply", idempotency_key="same") for _ in range(4)))
        assert sum(out[0].sent for out in batches) == 1
        assert contents(state, "oRace") == ["一"]

    run(engine, scenario)


def test_a_rerun_does_not_repeat_a_template_or_what_it_stood_in_for(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        wrote(sessions, "oTpl", hours_ago=60)
        first = await deliver(client, sessions, "oTpl", [text("一")], "complaint", "c-1", template=TEMPLATE)
        assert (first[0].kind, first[0].status) == ("template", "sent")
        wrote(sessions, "oTpl")  # the window is open again before the rerun
        again = await deliver(client, sessions, "oTpl", [text("一")], "complaint", "c-1", template=TEMPLATE)
        assert (again[0].status, again[0].errmsg) == ("skipped", "template_sent")
        assert contents(state, "oTpl") == ["template:TPL1"]

    run(empty_engine, scenario)


def test_an_unsubscribed_user_gets_nothing(empty_engine: Engine) -> None:
    sessions = make_session_factory(empty_engine)
    with session_scope(sessions) as s:
        note_inbound(s, "oGone")
        note_subscribe(s, "oGone", False)

    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        out = await deliver(client, sessions, "oGone", [text("一"), text("二")], "policy_push", template=TEMPLATE)
        assert [(o.status, o.errmsg) for o in out] == [("skipped", "unsubscribed")] * 2
        assert state.calls == []

    run(empty_engine, scenario)
    assert [(d.status, d.errmsg) for d in rows(sessions, "oGone")] == [("skipped", "unsubscribed")] * 2


def test_a_template_refused_because_the_user_left_marks_them_unsubscribed(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        wrote(sessions, "oLeft", hours_ago=100)
        state.fail_next(TEMPLATE_SEND, errcode=43004)
        out = await deliver(client, sessions, "oLeft", [text("一")], "policy_push", template=TEMPLATE)
        assert (out[0].kind, out[0].status, out[0].errcode) == ("template", "failed", 43004)
        out = await deliver(client, sessions, "oLeft", [text("二")], "policy_push", template=TEMPLATE)
        assert out[0].errmsg == "unsubscribed" and state.calls_to(TEMPLATE_SEND) == 1

    run(empty_engine, scenario)


def test_an_incomplete_template_is_refused_before_anything_is_recorded(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        with pytest.raises(InvalidInput):
            await deliver(client, sessions, "oX", [text("一")], "push", template={"data": {}})
        assert rows(sessions, "oX") == []

    run(empty_engine, scenario)
