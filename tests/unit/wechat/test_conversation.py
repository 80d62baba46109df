"""Exactly-once processing within the passive budget, and later delivery by API when it runs out.

The assistant is a plain coroutine here; tests/integration runs the same code with the real Rasa.
"""
from __future__ import annotations

import asyncio
from typing import Any

import xmltodict
from sqlalchemy.engine import Engine

from bot.db import make_session_factory, session_scope
from bot.db.wechat import InboundMessage, WeChatUser
from bot.ratelimit import RateLimiter
from bot.replies import render
from bot.wechat import simulate
from bot.wechat.api import WeChatClient
from bot.wechat.conversation import Conversation
from bot.wechat.inbound import Inbound, parse
from tests.unit.wechat.sandbox import APP_ID, SECRET, running_sandbox

ACCOUNT = simulate.Account("tok", APP_ID)


class Assistant:
    """Answers after ``delay`` seconds and counts how often it was asked."""

    def __init__(self, delay: float = 0.0, reply: Any = None, fail: bool = False, silent: bool = False) -> None:
        self.delay, self.reply, self.fail, self.silent = delay, reply, fail, silent
        self.calls: list[str] = []

    async def __call__(self, inbound: Inbound) -> list[dict[str, Any]]:
        self.calls.append(inbound.text or "")
        await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("boom")
        if self.silent:
            return []
        return self.reply or [{"text": f"答：{inbound.text}"}]


def content(xml: str) -> str:
    return xmltodict.parse(xml)["xml"]["Content"]


async def _with(engine: Engine, assistant: Assistant, budget: float, scenario: Any, **kw: Any) -> Any:
    sessions = make_session_factory(engine)
    async with running_sandbox() as (state, base):
        async with WeChatClient(base, APP_ID, SECRET, sessions, retries=1, backoff=0.01) as client:
            conv = Conversation(sessions, assistant, client, budget=budget, **kw)
            result = await scenario(conv, state)
            await conv.drain()
            return result, state


def test_answer_in_budget_and_a_retry_gets_the_same_answer(empty_engine: Engine) -> None:
    assistant = Assistant()
    xml = simulate.text(ACCOUNT, "oA", "开饭店找谁")

    async def scenario(conv: Conversation, state: Any) -> Any:
        first = await conv.handle(parse(xml))
        again = await conv.handle(parse(xml))
        return first, again

    (first, again), _ = asyncio.run(_with(empty_engine, assistant, 2.0, scenario))
    assert content(first) == content(again) == "答：开饭店找谁"
    assert assistant.calls == ["开饭店找谁"]


def test_simultaneous_duplicates_run_once(empty_engine: Engine) -> None:
    assistant = Assistant(delay=0.3)
    xml = simulate.text(ACCOUNT, "oB", "公积金")

    async def scenario(conv: Conversation, state: Any) -> Any:
        return await asyncio.gather(*(conv.handle(parse(xml)) for _ in range(3)))

    replies, _ = asyncio.run(_with(empty_engine, assistant, 2.0, scenario))
    assert {content(r) for r in replies} == {"答：公积金"} and len(assistant.calls) == 1


def test_slow_answer_goes_out_by_customer_service_api_once(empty_engine: Engine) -> None:
    assistant = Assistant(delay=0.6)
    xml = simulate.text(ACCOUNT, "oC", "慢问题")

    async def scenario(conv: Conversation, state: Any) -> Any:
        first = await conv.handle(parse(xml))
        retry = await conv.handle(parse(xml))  # WeChat's retry, while the answer is still coming
        await conv.drain()
        late_retry = await conv.handle(parse(xml))
        return first, retry, late_retry

    (first, retry, late_retry), state = asyncio.run(_with(empty_engine, assistant, 0.2, scenario))
    assert first == retry == late_retry == "success"
    assert assistant.calls == ["慢问题"]
    sent = state.messages("oC")
    assert [m["body"]["text"]["content"] for m in sent] == ["答：慢问题"]
    with session_scope(make_session_factory(empty_engine)) as s:
        assert s.query(InboundMessage).one().status == "delivered"


def test_overflow_follows_by_api_and_not_twice_on_retry(empty_engine: Engine) -> None:
    long_reply = [{"text": "甲" * 600}, {"text": "乙" * 600}]
    assistant = Assistant(reply=long_reply)
    xml = simulate.text(ACCOUNT, "oD", "长回答")

    async def scenario(conv: Conversation, state: Any) -> Any:
        first = await conv.handle(parse(xml))
        await conv.drain()
        again = await conv.handle(parse(xml))
        return first, again

    (first, again), state = asyncio.run(_with(empty_engine, assistant, 2.0, scenario))
    assert content(first) == content(again) == "甲" * 600
    assert [m["body"]["text"]["content"] for m in state.messages("oD")] == ["乙" * 600]


def test_a_crash_in_the_assistant_gets_an_apology(empty_engine: Engine) -> None:
    async def scenario(conv: Conversation, state: Any) -> Any:
        return await conv.handle(parse(simulate.text(ACCOUNT, "oE", "你好")))

    reply, _ = asyncio.run(_with(empty_engine, Assistant(fail=True), 2.0, scenario))
    assert "系统暂时繁忙" in content(reply)


def test_no_answer_at_all_gets_an_apology(empty_engine: Engine) -> None:
    """Rasa answers nothing when one of its actions failed: the user is not left waiting."""
    async def scenario(conv: Conversation, state: Any) -> Any:
        return await conv.handle(parse(simulate.text(ACCOUNT, "oS", "确认")))

    reply, _ = asyncio.run(_with(empty_engine, Assistant(silent=True), 2.0, scenario))
    assert "系统暂时繁忙" in content(reply)


def test_events_without_words_are_recorded_not_answered(empty_engine: Engine) -> None:
    assistant = Assistant()

    async def scenario(conv: Conversation, state: Any) -> Any:
        sub = await conv.handle(parse(simulate.event(ACCOUNT, "oF", "subscribe")))
        loc = await conv.handle(parse(simulate.message_xml(ACCOUNT, "oF", "event", Event="LOCATION",
                                                           Latitude=41.79, Longitude=123.43, Precision=30)))
        asked = await conv.handle(parse(simulate.text(ACCOUNT, "oF", "离我最近的政务大厅")))
        unsub = await conv.handle(parse(simulate.event(ACCOUNT, "oF", "unsubscribe")))
        return sub, loc, asked, unsub

    (sub, loc, asked, unsub), _ = asyncio.run(_with(empty_engine, assistant, 2.0, scenario))
    assert content(sub) == "答：/subscribe_account" and loc == unsub == "success"
    assert assistant.calls == ["/subscribe_account", "离我最近的政务大厅"]
    with session_scope(make_session_factory(empty_engine)) as s:
        user = s.get(WeChatUser, "oF")
        assert user.subscribed is False and user.latitude == 41.79
        asked_record = s.query(InboundMessage).filter_by(content="离我最近的政务大厅").one()
        assert asked_record.status == "answered"


def test_two_users_whose_messages_share_a_msg_id_each_get_their_own_answer(empty_engine: Engine) -> None:
    assistant = Assistant()
    mine = simulate.text(ACCOUNT, "oMine", "公积金提取找谁", msg_id=4242)
    theirs = simulate.text(ACCOUNT, "oTheirs", "开饭店找谁", msg_id=4242)

    async def scenario(conv: Conversation, state: Any) -> Any:
        return await conv.handle(parse(mine)), await conv.handle(parse(theirs))

    (first, second), _ = asyncio.run(_with(empty_engine, assistant, 2.0, scenario))
    assert (content(first), content(second)) == ("答：公积金提取找谁", "答：开饭店找谁")
    assert assistant.calls == ["公积金提取找谁", "开饭店找谁"]


def test_past_the_rate_limit_a_polite_answer_and_retries_count_once(empty_engine: Engine) -> None:
    assistant = Assistant()
    asked = [simulate.text(ACCOUNT, "oFast", f"问题{i}") for i in range(3)]

    async def scenario(conv: Conversation, state: Any) -> Any:
        replies = [await conv.handle(parse(xml)) for xml in (asked[0], asked[0], asked[1], asked[2], asked[2])]
        return replies + [await conv.handle(parse(simulate.text(ACCOUNT, "oSlow", "你好")))]

    replies, _ = asyncio.run(_with(empty_engine, assistant, 2.0, scenario, limiter=RateLimiter(2, 60)))
    assert [content(r) for r in replies] == ["答：问题0", "答：问题0", "答：问题1", render("too_fast"),
                                             render("too_fast"), "答：你好"]
    assert assistant.calls == ["问题0", "问题1", "你好"]
