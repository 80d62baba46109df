"""A message is processed once, on SQLite and PostgreSQL, also when deliveries race."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.db import make_session_factory, session_scope
from bot.db.base import utcnow
from bot.db.wechat import InboundMessage
from bot.wechat import dedupe, simulate
from bot.wechat.inbound import parse

ACCOUNT = simulate.Account("t", "wxapp")


def message(msg_id: int = 7):  # type: ignore[no-untyped-def]
    return parse(simulate.text(ACCOUNT, "oA", "你好", msg_id=msg_id))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue("empty_engine" if request.param == "sqlite" else "pg_engine")


def test_lifecycle(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    inbound = message()
    with session_scope(sessions) as s:
        assert dedupe.claim(s, inbound).state == "process"
    with session_scope(sessions) as s:
        assert dedupe.claim(s, inbound).state == "busy"  # a retry while the first still works
        assert dedupe.stored_reply(s, inbound.dedupe_key) is None
    with session_scope(sessions) as s:
        assert dedupe.finish(s, inbound.dedupe_key, [{"text": "您好"}])
    with session_scope(sessions) as s:
        again = dedupe.claim(s, inbound)
    assert again.state == "answered" and again.reply == [{"text": "您好"}]
    with session_scope(sessions) as s:
        assert s.scalars(select(InboundMessage)).all()[0].status == "answered"


def test_budget_spent_then_reply_goes_by_api(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    inbound = message(8)
    with session_scope(sessions) as s:
        dedupe.claim(s, inbound)
    with session_scope(sessions) as s:
        assert dedupe.give_up_passive(s, inbound.dedupe_key)
    with session_scope(sessions) as s:
        assert not dedupe.finish(s, inbound.dedupe_key, [{"text": "晚到的回答"}])
        assert dedupe.claim(s, inbound).state == "later"  # a retry must not answer again
    with session_scope(sessions) as s:
        dedupe.mark_delivered(s, inbound.dedupe_key)
        record = s.scalars(select(InboundMessage)).one()
    assert (record.status, record.reply) == ("delivered", [{"text": "晚到的回答"}])


def test_answer_wins_over_a_late_give_up(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    inbound = message(9)
    with session_scope(sessions) as s:
        dedupe.claim(s, inbound)
        dedupe.finish(s, inbound.dedupe_key, [{"text": "答"}])
    with session_scope(sessions) as s:
        assert not dedupe.give_up_passive(s, inbound.dedupe_key)


def test_a_stale_lease_is_taken_over(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    inbound = message(10)
    with session_scope(sessions) as s:
        dedupe.claim(s, inbound)
        s.execute(update(InboundMessage).values(lease_until=utcnow() - timedelta(seconds=1)))
    with session_scope(sessions) as s:
        assert dedupe.claim(s, inbound).state == "process"
    with session_scope(sessions) as s:
        assert dedupe.claim(s, inbound).state == "busy"


def test_concurrent_deliveries_process_once(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    inbound = message(11)

    def attempt(_: int) -> str:
        with session_scope(sessions) as s:
            return dedupe.claim(s, inbound).state

    with ThreadPoolExecutor(8) as pool:
        states = list(pool.map(attempt, range(16)))
    assert states.count("process") == 1 and set(states) == {"process", "busy"}


def test_two_menu_clicks_in_one_second_are_two_events_and_a_retry_is_one() -> None:
    first = parse(simulate.event(ACCOUNT, "oA", "CLICK", "FIND_CONTACT", create_time=1764000000))
    second = parse(simulate.event(ACCOUNT, "oA", "CLICK", "REGISTER_ENTERPRISE", create_time=1764000000))
    retry = parse(simulate.event(ACCOUNT, "oA", "CLICK", "FIND_CONTACT", create_time=1764000000))
    assert first.dedupe_key != second.dedupe_key and first.dedupe_key == retry.dedupe_key


def test_the_same_msg_id_from_two_senders_is_two_messages() -> None:
    mine = parse(simulate.text(ACCOUNT, "oA", "你好", msg_id=5))
    theirs = parse(simulate.text(ACCOUNT, "oB", "你好", msg_id=5))
    assert mine.dedupe_key != theirs.dedupe_key
    assert mine.dedupe_key == parse(simulate.text(ACCOUNT, "oA", "你好", msg_id=5)).dedupe_key
