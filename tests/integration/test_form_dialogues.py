"""Rating and complaint conversations through the WeChat channel on the real servers, and what the
database holds afterwards (tests/integration/form_dialogues.yml): one ticket or rating with the right
target, description, time, anonymity, phone and stars, or nothing after a cancel; and how many
questions came before the summary."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.config import Settings
from bot.db import session_scope
from bot.db.directory import Unit
from bot.db.feedback import Complaint, Rating
from bot.wechat import simulate
from tests.integration.conftest import WeChatServer, openid, tracker_events

DIALOGUES = yaml.safe_load((Path(__file__).parent / "form_dialogues.yml").read_text(encoding="utf-8"))["dialogues"]
SUMMARIES = ("请确认投诉内容", "请确认您的评价")
LATE = 30.0  # seconds to wait for a reply that missed WeChat's window and went out by the API


def turn(wechat: WeChatServer, servers: Settings, user: str, text: str) -> str:
    """The assistant's reply to one message: the passive reply, or, when it went out later, the tracker's."""
    seen = len(tracker_events(servers, user))
    reply = wechat.send(simulate.text(wechat.account, user, text))
    if reply is not None and reply.get("MsgType") == "text":
        return str(reply["Content"])
    deadline = time.monotonic() + LATE
    while time.monotonic() < deadline:
        events = tracker_events(servers, user)[seen:]
        said = [e.get("text") or "" for e in events if e["event"] == "bot"]
        if said and events[-1]["event"] == "action" and events[-1]["name"] == "action_listen":
            return "\n".join(said)
        time.sleep(0.2)
    pytest.fail(f"no reply to {text!r}")


@pytest.mark.parametrize("dialogue", DIALOGUES, ids=[d["say"][0][:16] for d in DIALOGUES])
def test_dialogue_leaves_the_right_record(dialogue: dict[str, Any], wechat: WeChatServer, servers: Settings,
                                          sample_sessions: Any) -> None:
    user = openid()
    replies = [turn(wechat, servers, user, text) for text in dialogue["say"]]
    summary_at = next((i for i, r in enumerate(replies, 1) if any(s in r for s in SUMMARIES)), None)
    assert summary_at == dialogue.get("summary_at", summary_at), replies
    for words in dialogue.get("last_reply", []):
        assert words in replies[-1], replies
    with session_scope(sample_sessions) as s:
        tickets = s.scalars(select(Complaint).where(Complaint.user_id == user)).all()
        ratings = s.scalars(select(Rating).where(Rating.user_id == user)).all()
        stored = dialogue["stored"]
        assert (len(tickets), len(ratings)) == {"complaint": (1, 0), "rating": (0, 1), "nothing": (0, 0)}[stored], replies
        if stored == "nothing":
            return
        record = tickets[0] if tickets else ratings[0]
        unit = s.get(Unit, record.unit_id)
        assert all(w in unit.name for w in dialogue.get("unit", [])), unit.name
        if stored == "complaint":
            assert all(w in record.description for w in dialogue.get("description", [])), record.description
            assert not any(w in record.description for w in dialogue.get("not_described", [])), record.description
            assert record.happened.startswith(dialogue.get("time", "")), record.happened
            assert record.anonymous == dialogue.get("anonymous", False)
            assert record.contact_phone == dialogue.get("phone", record.contact_phone)
        else:
            assert [record.attitude, record.proficiency] == dialogue["stars"]
            assert dialogue.get("comment", "") in record.comment

