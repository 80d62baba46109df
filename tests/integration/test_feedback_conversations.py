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
    assert "请确认您的评价" in first and "留言：无" in first
    summary = say(chat, me, "工作人员很耐心")
    assert "★★★★★" in summary and "★★★★☆" in summary and "留言：工作人员很耐心" in summary
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
    summary = say(chat, me, "窗口说材料不全让我回去补，补齐了又说系统不行，来回跑了三趟")
    assert "请确认投诉内容" in summary and "铁西区" in summary and "发生时间：未说明" in summary
    assert "发生时间：昨天上午" in say(chat, me, "昨天上午的事")
    assert "联系电话：13912345678" in say(chat, me, "电话13912345678")
    corrected = say(chat, me, "不对，是沈河区的")
    assert "沈河区" in corrected and "请确认投诉内容" in corrected
    assert "已取消" in say(chat, me, "算了不投诉了")
    with session_scope(sample_sessions) as s:
        assert s.scalars(select(Complaint).where(Complaint.user_id == conversation_id(me))).all() == []


def test_a_question_inside_a_complaint_is_answered_and_the_complaint_goes_on(
        chat: RestClient, sample_sessions: "sessionmaker[Session]") -> None:
    me = user()
    assert "具体情况" in say(chat, me, "我要投诉铁西区社保中心")
    progress = say(chat, me, "我之前那个投诉现在啥进度")
    assert "还没有提交过投诉" in progress and "接着刚才的投诉" in progress and "具体情况" in progress
    summary = say(chat, me, "窗口说材料不全让我回去补，补齐了又说系统不行，来回跑了三趟")
    assert "请确认投诉内容" in summary
    aside = say(chat, me, "沈阳明天下雨不")
    assert "接着刚才的投诉" in aside and "请确认投诉内容" in aside
    assert "工单号 TS" in say(chat, me, "确认")
    with session_scope(sample_sessions) as s:
        (ticket,) = s.scalars(select(Complaint).where(Complaint.user_id == conversation_id(me))).all()
        assert "来回跑了三趟" in ticket.description and "下雨" not in ticket.description


def test_one_ticket_when_the_action_server_restarts_before_the_confirmation(
        servers: Settings, chat: RestClient, sample_sessions: "sessionmaker[Session]", tmp_path: Path) -> None:
    me = user()
    assert "请确认投诉内容" in say(chat, me, "投诉浑南区市场监督管理局，营业执照变更交了材料两周没动静，电话也打不通")
    assert "是否匿名：是" in say(chat, me, "匿名")
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
