"""Registration answers: the credit code's check character, industries, sizes, years, binding."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from bot.errors import InvalidInput
from bot.policies.enterprises import (
    Profile, bound_enterprises, company_name_in, described, description, credit_code_in, founded_year_of, industry_of, register, size_of, tags_of,
    valid_credit_code, with_check_char,
)

TODAY = date(2026, 11, 25)
CODE = with_check_char("91210112MA0Y8L6Q7")


@pytest.mark.parametrize("code, ok", [
    ("91350100M000100Y43", True),  # the standard's own example
    ("91350100M000100Y44", False),  # wrong check character
    ("91350100M000100Y4", False),  # 17 characters
    ("91350100M000100I43", False),  # I is not in the alphabet
    (CODE, True),
    (CODE.lower(), True),
])
def test_credit_code_check_character(code: str, ok: bool) -> None:
    assert valid_credit_code(code) is ok


def test_a_code_is_found_in_a_sentence() -> None:
    assert credit_code_in(f"代码是{CODE.lower()}，谢谢") == CODE
    assert credit_code_in("电话13912345678") is None


@pytest.mark.parametrize("text, industry", [
    ("我们是开饭店的", "住宿和餐饮业"), ("做软件开发", "信息传输、软件和信息技术服务业"),
    ("机械加工厂", "制造业"), ("搞物流运输", "交通运输、仓储和邮政业"), ("制造业", "制造业"), ("说不好", None),
])
def test_industries(text: str, industry: "str | None") -> None:
    assert industry_of(text) == industry


def test_sizes_years_and_tags() -> None:
    assert size_of("小微企业") == "小型" and size_of("员工30人") == "小型" and size_of("8个人") == "微型"
    assert size_of("500名员工") == "大型" and size_of("不知道") is None
    assert founded_year_of("2019年成立的", TODAY) == 2019 and founded_year_of("成立三年了", TODAY) == 2023
    assert founded_year_of("2030年", TODAY) is None


@pytest.mark.parametrize(("said", "size"), [
    ("五十多人", "小型"), ("十来个员工", "小型"), ("员工一百二", "中型"), ("我们有两百来号人", "中型"),
    ("三千人", "大型"), ("就俩人", "微型"), ("员工大概五个", "微型"), ("电话024-12345678", None)])
def test_head_counts_as_people_say_them(said: str, size: "str | None") -> None:
    assert size_of(said) == size


def test_ages_as_people_say_them() -> None:
    assert founded_year_of("开了十多年了", TODAY) == TODAY.year - 10
    assert founded_year_of("成立两年", TODAY) == TODAY.year - 2
    assert tags_of("我们是国高新，也是专精特新") == ["高新技术企业", "专精特新企业"]


def test_register_binds_once_and_updates_by_code(session: Session) -> None:
    profile = Profile("沈阳示例机械制造有限公司", CODE, "制造业", "小型", "浑南区", 2019, ["高新技术企业"])
    first = register(session, "openid-a", profile, TODAY)
    again = register(session, "openid-a", Profile(**{**profile.__dict__, "size": "中型"}), TODAY)
    register(session, "openid-b", profile, TODAY)
    assert first.id == again.id and again.size == "小型"  # the last registration wins
    assert [e.name for e in bound_enterprises(session, "openid-a")] == ["沈阳示例机械制造有限公司"]
    assert [e.id for e in bound_enterprises(session, "openid-b")] == [first.id]


def test_a_bad_profile_is_refused_with_every_problem(session: Session) -> None:
    with pytest.raises(InvalidInput) as err:
        register(session, "openid-a", Profile("某", CODE[:-1] + "0", "卖东西", "巨型", "朝阳区", 1800), TODAY)
    assert len(err.value.problems) == 6


@pytest.mark.parametrize("text, name", [
    ("我们公司叫沈阳东方餐饮管理有限公司，要实名注册", "沈阳东方餐饮管理有限公司"),
    ("绑定沈阳远航科技有限公司", "沈阳远航科技有限公司"),
    ("我想注册一下我们厂", None), ("帮我把厂子绑上", None), ("企业实名注册", None),
])
def test_company_names_in_a_sentence(text: str, name: "str | None") -> None:
    assert company_name_in(text) == name


def test_a_name_asked_for_may_lack_a_suffix() -> None:
    assert company_name_in("华晨宝马", whole=True) == "华晨宝马"
    assert company_name_in("我不知道", whole=True) is None


def test_an_enterprise_described_in_a_message() -> None:
    profile = described("我们是铁西的机械厂 两百来号人 国高新", TODAY)
    assert profile is not None and description(profile) == "制造业、中型企业、铁西区、高新技术企业"
    assert described("给我推荐点政策", TODAY) is None
