"""Conversations through the real Rasa server, action server and sample database over loopback."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from bot.db.users import CallbackRequest
from bot.channels.rest import conversation_id
from tests.integration.conftest import RestClient


def user() -> str:
    return f"it-{uuid.uuid4().hex[:8]}"


def joined(replies: list[str]) -> str:
    return "\n".join(replies)


def test_matter_asks_district_then_answers_and_remembers_it(chat: RestClient) -> None:
    me = user()
    first = joined(chat.send(me, "你好，开饭店要办什么证找谁"))
    assert "哪个区县" in first
    second = joined(chat.send(me, "和平区"))
    assert "和平区" in second and "电话" in second
    third = joined(chat.send(me, "那办营业执照呢"))
    assert "和平区" in third and "电话" in third  # the district is remembered


def test_unit_by_short_name_and_typo(chat: RestClient) -> None:
    assert "住房公积金管理中心" in joined(chat.send(user(), "公积今中心电话多少"))
    assert "市场监督管理局" in joined(chat.send(user(), "市场监管局在哪"))


def test_matter_handled_city_wide_needs_no_district(chat: RestClient) -> None:
    reply = joined(chat.send(user(), "公积金提取找哪个部门"))
    assert "公积金" in reply and "电话" in reply and "哪个区县" not in reply


def test_cadre_card_and_same_name_disambiguation(chat: RestClient) -> None:
    card = joined(chat.send(user(), "马晓东负责什么"))
    assert "服务名片" in card and "马晓东" in card and "沈河区" in card
    me = user()
    ask = joined(chat.send(me, "王丽的电话是多少"))
    assert "有多位" in ask
    picked = joined(chat.send(me, "第1个"))
    assert "服务名片" in picked and "王丽" in picked


def test_nearby_with_location_and_without(chat: RestClient) -> None:
    asked = joined(chat.send(user(), "离我最近的政务服务中心在哪"))
    assert "位置" in asked
    near = joined(chat.send(user(), "离我最近的政务服务中心在哪", {"location": {"latitude": 41.7968, "longitude": 123.4010}}))
    assert "米" in near or "公里" in near


def test_human_handoff_records_one_callback(chat: RestClient, sample_sessions) -> None:
    me = user()
    reply = joined(chat.send(me, "转人工"))
    assert "回电" in reply and "12345" in reply
    with sample_sessions() as s:
        rows = s.scalars(select(CallbackRequest).where(CallbackRequest.user_id == conversation_id(me))).all()
    assert len(rows) == 1


@pytest.mark.parametrize("message", ["", "😀😀😀", "'; DROP TABLE units; --", "啊" * 10_000, "找一下火星市宇宙局的电话"])
def test_bad_input_gets_a_polite_answer(chat: RestClient, message: str) -> None:
    replies = chat.send(user(), message)
    assert replies and all(r.strip() for r in replies)
    assert "Traceback" not in joined(replies)


def test_a_matter_that_exists_nowhere_gets_the_hotline(chat: RestClient) -> None:
    reply = joined(chat.send(user(), "找一下火星市宇宙局的电话"))
    assert "12345" in reply


def test_a_district_after_a_city_answer_keeps_the_topic(chat: RestClient) -> None:
    me = user()
    first = joined(chat.send(me, "施工许可证在哪办"))
    assert "施工许可" in first and "电话" in first
    second = joined(chat.send(me, "沈北"))
    assert "电话" in second and "请问您要办什么事" not in second


def test_unknown_cadre_is_said_plainly(chat: RestClient) -> None:
    reply = joined(chat.send(user(), "欧阳娜娜负责什么"))
    assert "没有找到" in reply or "没太明白" in reply
