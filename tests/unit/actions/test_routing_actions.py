"""Questions routed between the directory and the policy library: when the NLU is unsure, when a policy
question asks who handles a non-policy matter, when a contact question is about a policy."""
from __future__ import annotations

import pytest

from actions.fallback import ActionAnswerUncertain
from actions.directory import ActionFindContact
from actions.policies import ActionAnswerPolicy
from tests.unit.actions.test_directory_actions import run, slot, tracker


def test_an_uncertain_contact_question_gets_the_directory_answer(app_env) -> None:
    text, _, events = run(ActionAnswerUncertain(), tracker("我爸退休手续在哪儿办 大东区的", intent="nlu_fallback"))
    assert "大东区" in text and "电话" in text
    assert slot(events, "district") == "大东区"


def test_an_uncertain_policy_question_gets_the_policy_answer(app_env) -> None:
    text, messages, events = run(ActionAnswerUncertain(), tracker("一级伤残津贴一个月给多少钱", intent="nlu_fallback"))
    assert "2481" in text and any("news" in (m.get("custom") or {}) for m in messages)
    assert slot(events, "policy_code") == "RS-2019-GSDY"


def test_nothing_found_asks_to_rephrase(app_env) -> None:
    _, messages, events = run(ActionAnswerUncertain(), tracker("嗯嗯啊啊这个那个", intent="nlu_fallback"))
    assert [m.get("response") for m in messages] == ["utter_default"] and events == []


@pytest.mark.parametrize("question", ["燃气开户去哪办", "办护照在哪办", "我想问下医保报销找谁"])
def test_a_contact_question_taken_for_a_policy_one_gets_the_directory(app_env, question: str) -> None:
    text, _, events = run(ActionAnswerPolicy(), tracker(question, intent="ask_policy"))
    assert "政策详情" not in text and ("区县" in text or "电话" in text)
    assert slot(events, "policy_code") is None


def test_a_policy_question_that_finds_a_policy_keeps_the_policy_answer(app_env) -> None:
    text, _, _ = run(ActionAnswerPolicy(), tracker("工伤待遇调整的政策解答电话多少", intent="ask_policy"))
    assert "12333" in text and "工伤保险待遇调整" in text


def test_a_contact_question_about_a_policy_gets_the_policy_and_its_issuer(app_env) -> None:
    text, _, events = run(ActionFindContact(), tracker("工伤保险待遇调整这个政策是哪个部门发的", intent="find_contact"))
    assert "沈阳市人力资源和社会保障局" in text and "12333" in text
    assert slot(events, "policy_code") == "RS-2019-GSDY"


def test_a_policy_the_library_lacks_is_said_so_even_when_taken_for_a_contact_question(app_env) -> None:
    text, _, _ = run(ActionFindContact(), tracker("养宠物狗有什么政策补贴吗", intent="find_contact"))
    assert "没有找到" in text and "12345" in text


@pytest.mark.parametrize("question, code", [
    ("出口退税咋申请 网上能办不", "WM-2024-CKTS"),  # how to apply for a policy it names: the policy's channel
    ("稳岗返还的钱是谁出", "JY-2026-WGFH"),  # what the rule says: who pays
])
def test_a_contact_question_asking_a_named_policy_how_or_who_pays_gets_the_policy(app_env, question: str, code: str) -> None:
    _, _, events = run(ActionFindContact(), tracker(question, intent="find_contact"))
    assert slot(events, "policy_code") == code


def test_a_contact_question_for_an_office_still_gets_the_office(app_env) -> None:
    text, _, events = run(ActionFindContact(), tracker("出口退税在哪个部门办 电话多少", intent="find_contact"))
    assert slot(events, "policy_code") is None and "电话" in text


@pytest.mark.parametrize("action, intent, follow_up, wanted", [
    (ActionFindContact(), "find_contact", "二套呢", "3.075%"),  # taken for a contact question
    (ActionAnswerUncertain(), "nlu_fallback", "那要是二套房呢", "3.075%"),  # the NLU unsure
])
def test_a_follow_up_taken_for_something_else_stays_on_the_policy(app_env, action, intent: str, follow_up: str,
                                                                  wanted: str) -> None:
    slots = {"policy_code": "BZ-2025-GJJDK", "policy_question": "公积金贷款利率现在多少"}
    text, _, events = run(action, tracker(follow_up, intent=intent, slots=slots))
    assert "住房公积金贷款" in text and wanted in text and slot(events, "policy_code") == "BZ-2025-GJJDK"


def test_an_office_question_after_a_policy_gets_the_office(app_env) -> None:
    slots = {"policy_code": "RS-2019-GSDY", "policy_question": "一级伤残津贴多少"}
    text, _, _ = run(ActionFindContact(), tracker("社保局电话多少", slots=slots))
    assert "政策详情" not in text


def test_a_matter_the_directory_knows_gets_the_directory_when_no_policy_is_sure(app_env) -> None:
    text, _, events = run(ActionAnswerPolicy(), tracker(
        "法律援助咋申请", intent="ask_policy", entities=[{"entity": "service_item", "value": "法律援助"}]))
    assert "政策详情" not in text and "电话" in text and slot(events, "policy_code") is None
