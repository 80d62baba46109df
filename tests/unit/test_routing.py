"""Reading from a question's wording which service it is for."""
from __future__ import annotations

import pytest

from bot.routing import asks_about_policy, asks_for_contact


@pytest.mark.parametrize("text", ["社保转移找谁办", "税务局几点下班", "公积金中心地址", "这事归哪管", "医保报销上哪办去"])
def test_contact_questions(text: str) -> None:
    assert asks_for_contact(text) and not asks_about_policy(text)


@pytest.mark.parametrize("text", ["社保费能缓缴不", "小微企业有啥优惠", "伤残津贴多少钱", "申请条件是什么"])
def test_policy_questions(text: str) -> None:
    assert asks_about_policy(text) and not asks_for_contact(text)


def test_both_and_neither() -> None:
    assert asks_for_contact("这个补贴找哪个部门申请") and asks_about_policy("这个补贴找哪个部门申请")
    assert not asks_for_contact("嗯嗯好的") and not asks_about_policy("嗯嗯好的")
