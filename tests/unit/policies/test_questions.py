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


def test_levels_are_qualifiers_like_grades() -> None:
    assert grades("评上省级专精特新了有啥奖励") == {"省级"}
    assert grades("新认定国家级专精特新“小巨人”") == {"国家级"}


@pytest.mark.parametrize("text, kind", [
    ("个转企给不给钱啊", "amount"), ("拿专利押给银行贷的款 利息政府给出一半不", "amount"),
    ("员工考证那个技能补贴 钱是单位掏还是谁掏", "payer"), ("扩岗补助的钱是从哪出的", "payer"),
    ("代办收钱不", "fee"), ("场地费得交不", "fee"), ("钱打到哪", "time"), ("合同得签多长", "time"),
    ("在手机上哪个app能办", "steps"), ("啥样的企业能办", "eligibility"),
])
def test_everyday_ways_of_asking(text: str, kind: str) -> None:
    assert kind in question_types(canon(text))


def test_a_place_is_no_question_of_where() -> None:
    assert "place" not in question_types(canon("贷款到期不还本接着贷能办到哪年"))
    assert "fee" not in question_types(canon("etc卡里没钱了过收费站会咋样"))
