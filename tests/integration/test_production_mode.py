"""Production mode: PostgreSQL for the application and the tracker store, Redis for Rasa's lock
store, two Rasa workers. A flow that spans turns and a retried WeChat message must still be right
whichever worker takes each request."""
from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
import redis
from sqlalchemy import create_engine, select, text

from bot.config import Settings
from bot.db import create_db_engine, init_schema, make_session_factory, session_scope
from bot.db.feedback import Complaint
from bot.db.wechat import InboundMessage
from bot.directory.importer import apply
from bot.wechat import simulate
from tests.conftest import PG_ADMIN_URL
from bot.channels.rest import conversation_id
from tests.integration.conftest import RestClient, running_servers

REDIS_URL = "redis://127.0.0.1:6379/3"


@pytest.fixture(scope="module")
def production(sample_db: Path, sample_tables: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    redis.Redis.from_url(REDIS_URL).ping()  # Redis must be running (127.0.0.1:6379)
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    name = f"syb_prod_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = create_db_engine(url)
    init_schema(engine)
    with session_scope(make_session_factory(engine)) as session:
        apply(session, sample_tables)
    try:
        yield from running_servers(sample_db, tmp_path_factory.mktemp("prod"), SYB_DATABASE_URL=url,
                                   SYB_TRACKER_URL=url, SYB_REDIS_URL=REDIS_URL, SYB_RASA_WORKERS="2")
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_multi_turn_flow_across_workers(production: Settings) -> None:
    chat = RestClient(production.rasa_port)
    for _ in range(3):  # several users, so both workers take turns
        me = f"prod-{uuid.uuid4().hex[:8]}"
        assert "哪个区县" in "\n".join(chat.send(me, "开饭店要办什么证找谁"))
        second = "\n".join(chat.send(me, "浑南区"))
        assert "浑南区" in second and "电话" in second
    engine = create_db_engine(production.tracker_url)
    with engine.connect() as conn:  # conversations are in PostgreSQL, not a local file
        count = conn.execute(text("SELECT count(*) FROM events WHERE type_name = 'user'")).scalar_one()
    engine.dispose()
    assert count >= 6


def test_a_retried_wechat_message_is_processed_once(production: Settings) -> None:
    account = simulate.Account(production.wechat_token, production.wechat_app_id)
    user = "o" + uuid.uuid4().hex[:27]
    xml = simulate.text(account, user, "公积金提取找哪个部门", msg_id=555000111)
    url = f"http://127.0.0.1:{production.rasa_port}/webhooks/wechat/webhook"
    replies = []
    for _ in range(4):
        query, body = simulate.request(account, user, xml)
        req = urllib.request.Request(url + "?" + urllib.parse.urlencode(query), body.encode(), method="POST")
        with urllib.request.urlopen(req, timeout=30) as resp:
            reply = simulate.read_reply(account, resp.read().decode(), query)
            replies.append((reply["MsgType"], reply["Content"]))  # CreateTime is the time of each answer
    assert len(set(replies)) == 1 and "住房公积金" in replies[0][1], replies
    tracker = (f"http://127.0.0.1:{production.rasa_port}/conversations/{user}/tracker"
               f"?token={production.rasa_api_token}")
    with urllib.request.urlopen(tracker) as resp:
        events = json.loads(resp.read())["events"]
    assert sum(1 for e in events if e["event"] == "user") == 1
    engine = create_db_engine(production.database_url)
    with session_scope(make_session_factory(engine)) as s:
        assert len(s.scalars(select(InboundMessage).where(InboundMessage.openid == user)).all()) == 1
    engine.dispose()


def test_a_complaint_across_workers_makes_one_ticket_in_postgresql(production: Settings) -> None:
    chat = RestClient(production.rasa_port)
    me = f"prod-c-{uuid.uuid4().hex[:8]}"
    for line in ("我要投诉", "沈河区税务局", "办税务登记来回跑了五趟，每次都说缺材料", "时间是上周三上午", "不匿名"):
        chat.send(me, line)
    done = "\n".join(chat.send(me, "确认"))
    assert "工单号 TS" in done
    assert "已提交" in "\n".join(chat.send(me, "我的投诉处理得怎么样了"))
    engine = create_db_engine(production.database_url)
    with session_scope(make_session_factory(engine)) as s:
        (ticket,) = s.scalars(select(Complaint).where(Complaint.user_id == conversation_id(me))).all()
        assert ticket.ticket_id in done and "五趟" in ticket.description and ticket.happened.startswith("上周三上午（")
    engine.dispose()
