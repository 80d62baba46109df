"""A user who never goes quiet: the session is bounded and the conversation carries on across its restart."""
from __future__ import annotations

import uuid

from sqlalchemy import create_engine, text

from bot.config import Settings
from bot.channels.rest import conversation_id
from tests.integration.conftest import RestClient

QUESTION = "一级伤残津贴现在多少钱"


def sessions_started(settings: Settings, sender: str) -> list[int]:
    """For each session of ``sender`` in Rasa's tracker store, how many events it holds."""
    engine = create_engine(settings.tracker_url)
    try:
        with engine.connect() as db:
            types = db.execute(text("SELECT type_name FROM events WHERE sender_id = :s ORDER BY id"),
                               {"s": conversation_id(sender)}).scalars().all()
    finally:
        engine.dispose()
    sizes: list[int] = []
    for type_name in types:
        if type_name == "session_started":
            sizes.append(0)
        if sizes:
            sizes[-1] += 1
    return sizes


def test_a_long_session_restarts_and_a_follow_up_still_works(chat: RestClient, servers: Settings) -> None:
    me = f"long-{uuid.uuid4().hex[:8]}"
    assert "浑南区" in "\n".join(chat.send(me, "我在浑南区"))
    for _ in range(80):
        assert "2481" in "\n".join(chat.send(me, QUESTION))
        if len(sessions_started(servers, me)) > 1:
            break
    sizes = sessions_started(servers, me)
    assert len(sizes) == 2, "no new session after many turns"
    assert sizes[0] <= servers.session_max_events + 20
    assert "2337" in "\n".join(chat.send(me, "二级呢？"))  # the policy in context survived the restart
    assert "个人申请" in "\n".join(chat.send(me, "那怎么申请？"))  # the FAQ pair or the steps
    found = "\n".join(chat.send(me, "办营业执照找谁"))
    assert "浑南区" in found  # the remembered district too
