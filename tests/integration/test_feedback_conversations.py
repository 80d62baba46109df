"""Ratings and complaints through the real Rasa server, action server and database over loopback."""
from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import session_scope
from bot.db.feedback import Complaint, Rating
from bot.channels.rest import conversation_id
from tests.integration.conftest import RestClient, restart_actions, stop_actions


def user() -> str:
    return f"fb-{uuid.uuid4().hex[:8]}"


def say(chat: RestClient, me: str, text: str) -> str:
    return "\n".join(chat.send(me, text))


def test_rating_in_one_message_then_comment_and_confirm(chat: RestClient, sample_sessions: "sessionmaker[Session]") -> None:
    me = user()
    first = say(chat, me, "给沈河区税务局评价，态度五星业务四星")
    assert "还有什么想说的" in first
    summary = say(chat, me, "工作人员很耐心")
    assert "★★★★★" in summary and "★★★★☆" in summary and "工作人员很耐心" in summary
    thanks = say(chat, me, "确认")
    assert "感谢您的评价" in thanks and "平均服务态度" in thanks
    with session_scope(sample_sessions) as s:
        (rating,) = s.scalars(select(Rating).where(Rating.user_id == conversation_id(me))).all()
        assert (rating.attitude, rating.proficiency, rating.comment) == (5, 4, "工作人员很耐心")


def test_invalid_stars_are_asked_again(chat: RestClient) -> None:
    me = user()
    assert "服务态度打分" in say(chat, me, "我要评价公积金中心")
    assert "1 到 5 星" in say(chat, me, "十星")
    assert "熟练程度" in say(chat, me, "五星")


def test_complaint_with_a_correction_stop_and_restart(chat: RestClient, sample_sessions: "sessionmaker[Session]") -> None:
    me = user()
    assert "投诉哪个单位" in say(chat, me, "我要投诉")
    assert "具体情况" in say(chat, me, "铁西区社保中心")
    assert "发生在什么时候" in say(chat, me, "窗口说材料不全让我回去补，补齐了又说系统不行，来回跑了三趟")
    say(chat, me, "昨天上午")
    assert "联系电话" in say(chat, me, "不匿名")
    summary = say(chat, me, "13912345678")
    assert "请确认投诉内容" in summary and "铁西区" in summary
    corrected = say(chat, me, "不对，是沈河区的")
    assert "沈河区" in corrected and "请确认投诉内容" in corrected
    assert "已取消" in say(chat, me, "算了不投诉了")
    with session_scope(sample_sessions) as s:
        assert s.scalars(select(Complaint).where(Complaint.user_id == conversation_id(me))).all() == []


def test_one_ticket_when_the_action_server_restarts_before_the_confirmation(
        servers: Settings, chat: RestClient, sample_sessions: "sessionmaker[Session]", tmp_path: Path) -> None:
    me = user()
    say(chat, me, "投诉浑南区市场监督管理局，营业执照变更交了材料两周没动静，电话也打不通")
    say(chat, me, "上周三")
    say(chat, me, "匿名")
    assert "请确认投诉内容" in say(chat, me, "不留")
    stop_actions(servers)
    try:
        assert "工单号" not in say(chat, me, "确认")  # Rasa cannot run the form without its action server
    finally:
        restart_actions(servers, tmp_path)
    done = say(chat, me, "确认")
    assert "工单号 TS" in done
    with session_scope(sample_sessions) as s:
        (ticket,) = s.scalars(select(Complaint).where(Complaint.user_id == conversation_id(me))).all()
        assert ticket.ticket_id in done and ticket.anonymous and "两周没动静" in ticket.description
    progress = say(chat, me, "我的投诉处理得怎么样了")
    assert ticket.ticket_id in progress and "已提交" in progress
