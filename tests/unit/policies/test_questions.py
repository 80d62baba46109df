"""The kind of answer a policy question asks for, and the grade it is about."""
from __future__ import annotations

import pytest

from bot.policies.questions import grades, question_types
from bot.policies.questions import canon


@pytest.mark.parametrize("text, kind", [
    ("伤残津贴这回涨了多少", "amount"), ("调整后的待遇啥时候能发到手", "time"), ("涨的钱谁给", "payer"),
    ("我们公司能享受吗", "eligibility"), ("装ETC要带啥", "materials"), ("怎么申请", "steps"),
    ("在哪儿办", "place"), ("咨询电话多少", "contact"),
])
def test_the_kind_asked(text: str, kind: str) -> None:
    assert kind in question_types(canon(text))


def test_nothing_asked_is_no_kind() -> None:
    assert question_types(canon("工伤保险")) == frozenset()


def test_grades_in_any_numerals() -> None:
    assert grades("我是三级工伤") == {"3级"}
    assert grades("五级、六级伤残津贴怎么调整？") == {"5级", "6级"}
    assert grades("第二档") == {"2档"} and grades("十二级") == {"12级"} and grades("3级") == {"3级"}
    assert grades("伤残津贴") == frozenset()


@pytest.mark.parametrize("text, category", [
    ("物流企业有啥扶持政策", "交通物流"), ("民营企业有啥扶持政策", "企业扶持"), ("政府给企业发的补贴都有哪些", "补助补贴"),
    ("减税降费方面有哪些政策", "减税降费"), ("干物流这行现在有啥好政策 给说说", "交通物流"),
    ("火星移民有啥政策", None),
])
def test_the_category_a_what_exists_question_means(text: str, category: "str | None") -> None:
    from bot.policies.questions import category_asked

    assert category_asked(text) == category
