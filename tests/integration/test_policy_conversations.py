"""Policies and enterprises through the real Rasa server, action server and database over loopback."""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.db.policies import Enterprise, EnterpriseBinding, PushSubscription
from bot.policies.enterprises import with_check_char
from bot.channels.rest import conversation_id
from tests.integration.conftest import RestClient


def user() -> str:
    return f"pol-{uuid.uuid4().hex[:8]}"


def say(chat: RestClient, me: str, text: str) -> str:
    return "\n".join(chat.send(me, text))


def test_a_policy_question_and_its_follow_ups(chat: RestClient) -> None:
    me = user()
    first = say(chat, me, "一级伤残津贴现在多少钱")
    assert "2481" in first and "12333" in first and "/policies/RS-2019-GSDY" in first
    assert "2337" in say(chat, me, "二级呢？")
    assert "个人申请" in say(chat, me, "那怎么申请？")  # 不需要个人申请 (the FAQ pair) or 无需个人申请 (the steps)


def test_follow_ups_whatever_the_nlu_reads_them_as_stay_on_the_policy(chat: RestClient) -> None:
    me = user()
    assert "2.6%" in say(chat, me, "用公积金贷款买房 利率现在多少")
    second = say(chat, me, "二套呢")  # read as a contact question or a greeting: still the housing-fund loan
    assert "3.075%" in second and "住房公积金贷款" in second
    assert "住房公积金贷款" in say(chat, me, "要带啥材料")
    assert "住房公积金贷款" not in say(chat, me, "你好")  # a greeting is still a greeting


def test_an_unanswerable_policy_question_gets_a_phone(chat: RestClient) -> None:
    reply = say(chat, user(), "养宠物狗有什么政策补贴吗")
    assert "没有找到" in reply and ("12345" in reply or "解答电话" in reply)


def test_register_recommend_subscribe_and_stop(chat: RestClient, sample_sessions: "sessionmaker[Session]") -> None:
    me = user()
    code = with_check_char("91210112MA" + uuid.uuid4().hex[:7].upper())
    assert "需要先完成企业实名注册" in say(chat, me, "有哪些适合我们企业的政策")
    assert "企业全称" in say(chat, me, "企业实名注册")
    assert "信用代码" in say(chat, me, "沈阳示例智能装备制造有限公司")
    assert "没有通过校验" in say(chat, me, code[:-1] + ("0" if code[-1] != "0" else "1"))
    assert "规模" in say(chat, me, code)  # the industry is in the name: 制造
    assert "区县" in say(chat, me, "员工大概50人")
    assert "哪一年成立" in say(chat, me, "浑南区")
    assert "资质" in say(chat, me, "2019年")
    assert "联系电话" in say(chat, me, "我们是高新技术企业")
    summary = say(chat, me, "不留")
    assert "沈阳示例智能装备制造有限公司" in summary and "小型" in summary and "高新技术企业" in summary
    assert "中型" in say(chat, me, "规模改成中型")
    assert "实名绑定" in say(chat, me, "确认")
    with session_scope(sample_sessions) as s:
        enterprise = s.scalars(select(Enterprise).where(Enterprise.credit_code == code)).one()
        assert (enterprise.industry, enterprise.size, enterprise.district, enterprise.founded_year) == (
            "制造业", "中型", "浑南区", 2019)
        assert s.scalars(select(EnterpriseBinding).where(EnterpriseBinding.user_id == conversation_id(me))).one()
    recommended = say(chat, me, "推荐适合我们企业的政策")
    assert "为您推荐" in recommended and "/policies/" in recommended
    assert "已为您订阅" in say(chat, me, "订阅政策推送")
    assert "已为您取消政策推送" in say(chat, me, "别再给我推送了")
    with session_scope(sample_sessions) as s:
        assert s.scalars(select(PushSubscription).where(PushSubscription.user_id == conversation_id(me))).one().active is False


def test_registration_can_be_abandoned(chat: RestClient, sample_sessions: "sessionmaker[Session]") -> None:
    me = user()
    say(chat, me, "绑定我的公司")
    assert "已取消企业注册" in say(chat, me, "算了不弄了")
    with session_scope(sample_sessions) as s:
        assert not s.scalars(select(EnterpriseBinding).where(EnterpriseBinding.user_id == conversation_id(me))).all()
