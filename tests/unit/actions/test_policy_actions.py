"""The enterprise registration form and the policy answer action, driven without a Rasa server."""
from __future__ import annotations

import asyncio
import uuid

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.policies import ActionAnswerPolicy, ActionRecommendPolicy, ActionStartEnterprise
from bot import runtime
from bot.db import session_scope
from bot.db.policies import Enterprise, EnterpriseBinding
from bot.policies.enterprises import with_check_char
from tests.unit.actions.forms import Form


def new_code() -> str:
    return with_check_char("91210102MA" + uuid.uuid4().hex[:7].upper())


def bound(sender: str) -> list[Enterprise]:
    with session_scope(runtime.sessions()) as s:
        return list(s.scalars(select(Enterprise).join(EnterpriseBinding).where(EnterpriseBinding.user_id == sender)))


def test_several_answers_in_one_message_then_the_rest(app_env) -> None:
    f, code = Form("enterprise_form"), new_code()
    f.say(f"我们是沈阳示例餐饮管理有限公司，信用代码{code}，在和平区，2020年成立的，员工12人", intent="register_enterprise")
    assert (f.slots["company_name"], f.slots["credit_code"], f.slots["enterprise_industry"], f.slots["enterprise_size"],
            f.slots["enterprise_district"], f.slots["enterprise_founded"]) == (
        "沈阳示例餐饮管理有限公司", code, "住宿和餐饮业", "小型", "和平区", 2020)
    assert f.requested == "enterprise_tags"
    f.say("没有", intent="deny")
    summary, _ = f.say("13912345678")
    assert f.requested == "enterprise_confirmed" and "沈阳示例餐饮管理有限公司" in summary and "无" in summary
    reply, _ = f.say("规模改成中型")
    assert f.slots["enterprise_size"] == "中型" and "企业规模：中型" in reply and f.requested == "enterprise_confirmed"
    reply, _ = f.say("确认", intent="affirm")
    assert "实名绑定" in reply and f.requested is None
    [enterprise] = bound(f.sender)
    assert (enterprise.size, enterprise.contact_phone, enterprise.tags) == ("中型", "13912345678", [])


def test_a_wrong_check_character_is_asked_again_clearly(app_env) -> None:
    f, code = Form("enterprise_form"), new_code()
    f.say("沈阳示例科技有限公司", intent="register_enterprise")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    reply, _ = f.say(wrong)
    assert "没有通过校验" in reply and f.slots.get("credit_code") is None and f.requested == "credit_code"
    reply, _ = f.say("不知道")
    assert "18位" in reply and f.requested == "credit_code"
    f.say(code)
    assert f.slots["credit_code"] == code


def test_unclear_answers_are_asked_again_and_leaving_is_left_to_the_rules(app_env) -> None:
    f = Form("enterprise_form")
    f.say("沈阳示例机械有限公司", intent="register_enterprise")
    f.say(new_code())
    assert f.slots["enterprise_industry"] == "制造业"  # 机械 in the name
    reply, _ = f.say("说不好")
    assert "微型、小型、中型或大型" in reply and f.requested == "enterprise_size"
    _, events = f.say("算了", intent="stop")
    assert events == []


def test_changing_a_bound_enterprise_starts_from_its_profile(app_env) -> None:
    f, code = Form("enterprise_form"), new_code()
    f.say(f"沈阳示例物流有限公司 {code} 浑南区 2018年 微型 没有资质", intent="register_enterprise")
    f.say("没有")
    f.say("不留")
    f.say("确认", intent="affirm")
    latest = {"text": "修改企业信息，规模改成小型", "intent": {"name": "register_enterprise"}, "entities": []}
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionStartEnterprise().run(
        dispatcher, Tracker(f.sender, {}, latest, [], False, None, {}, "action_listen"), {}))
    slots = {e["name"]: e["value"] for e in events}
    assert "修改“沈阳示例物流有限公司”" in dispatcher.messages[0]["text"]
    assert (slots["credit_code"], slots["enterprise_size"], slots["enterprise_industry"]) == (code, "小型", "交通运输、仓储和邮政业")
    assert slots["enterprise_confirmed"] is None


def test_the_policy_answer_keeps_its_context_in_slots_and_sends_the_card(app_env) -> None:
    def ask(text: str, slots: dict) -> tuple[list[dict], dict]:
        latest = {"text": text, "intent": {"name": "ask_policy"}, "entities": []}
        dispatcher = CollectingDispatcher()
        events = asyncio.run(ActionAnswerPolicy().run(
            dispatcher, Tracker("o-policy", slots, latest, [], False, None, {}, "action_listen"), {}))
        return dispatcher.messages, {e["name"]: e["value"] for e in events}

    messages, slots = ask("一级伤残津贴现在多少钱", {})
    assert "2481" in messages[0]["text"] and messages[1]["custom"]["news"]["url"].endswith("/policies/RS-2019-GSDY")
    assert slots["policy_code"] == "RS-2019-GSDY"
    messages, slots = ask("二级呢", slots)
    assert "2337" in messages[0]["text"]
    messages, slots = ask("帮我订张机票", slots)
    assert "没有找到" in messages[0]["text"] and slots["policy_code"] is None


def test_before_registration_recommendations_follow_what_the_message_says(app_env) -> None:
    def recommend(text: str) -> str:
        latest = {"text": text, "intent": {"name": "recommend_policy"}, "entities": []}
        dispatcher = CollectingDispatcher()
        asyncio.run(ActionRecommendPolicy().run(
            dispatcher, Tracker(f"o-{uuid.uuid4().hex[:8]}", {}, latest, [], False, None, {}, "action_listen"), {}))
        return "\n".join(m["text"] for m in dispatcher.messages)

    described = recommend("我们浑南一个小饭店 十来个员工 有啥政策能用上")
    assert "按您说的情况（住宿和餐饮业、小型企业、浑南区）" in described and "/policies/" in described
    assert "企业注册" in described
    assert "需要先完成企业实名注册" in recommend("给我推荐点政策")


def test_a_code_or_a_yes_is_never_taken_for_the_company_name(app_env) -> None:
    f, code = Form("enterprise_form"), new_code()
    f.say("企业注册", intent="register_enterprise")
    assert f.requested == "company_name"
    reply, _ = f.say(code)
    assert "统一社会信用代码" in reply and f.slots["credit_code"] == code and f.requested == "company_name"
    reply, _ = f.say("91210102ABCDEFGH")  # too short to be a code, and no name either
    assert "不是企业名称" in reply and f.requested == "company_name"
    f.say("对", intent="affirm")
    assert f.requested == "company_name"
    f.say("沈阳示例机械有限公司")
    assert f.slots["company_name"] == "沈阳示例机械有限公司"
