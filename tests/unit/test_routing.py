"""Reading from a question's wording which service it is for."""
from __future__ import annotations

import pytest

from bot.routing import asks_about_policy, asks_for_contact, routed_intent


@pytest.mark.parametrize("text", ["社保转移找谁办", "税务局几点下班", "公积金中心地址", "这事归哪管", "医保报销上哪办去"])
def test_contact_questions(text: str) -> None:
    assert asks_for_contact(text) and not asks_about_policy(text)


@pytest.mark.parametrize("text", ["社保费能缓缴不", "小微企业有啥优惠", "伤残津贴多少钱", "申请条件是什么"])
def test_policy_questions(text: str) -> None:
    assert asks_about_policy(text) and not asks_for_contact(text)


def test_both_and_neither() -> None:
    assert asks_for_contact("这个补贴找哪个部门申请") and asks_about_policy("这个补贴找哪个部门申请")
    assert not asks_for_contact("嗯嗯好的") and not asks_about_policy("嗯嗯好的")


@pytest.mark.parametrize("text", [
    "拖欠工资去哪投诉", "楼下厂子天天冒黑烟 往哪举报", "公司换法人了 变更登记去哪办", "饭店卫生太差了去哪举报",
    "邻居在院里私搭乱建 这事归哪管",
])
def test_where_to_take_a_matter_is_no_form(text: str) -> None:
    assert routed_intent(text, "complain") == "find_contact"
    assert routed_intent(text, "register_enterprise") == "find_contact"


@pytest.mark.parametrize("text, intent", [
    ("社保窗口态度差 怎么投诉他们", "complain"),
    ("税务局办事的让我跑了三趟 怎么投诉他们", "complain"),
    ("在哪投诉", "complain"),
    ("我要投诉沈河区税务局", "complain"),
    ("企业实名注册", "register_enterprise"),
    ("拖欠工资去哪投诉", "ask_policy"),  # only the forms' intents are rerouted
])
def test_complaints_about_a_window_keep_their_intent(text: str, intent: str) -> None:
    assert routed_intent(text, intent) is None
