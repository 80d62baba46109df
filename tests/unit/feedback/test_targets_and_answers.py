"""Resolving whom feedback is about, and the short answers inside the forms."""
from __future__ import annotations

from sqlalchemy.orm import Session

from bot.directory.search import DirectoryIndex
from bot.feedback import answers
from bot.feedback.targets import parse_key, resolve_target, unit_and_cadre


def test_a_named_unit_with_or_without_its_district(session: Session, index: DirectoryIndex) -> None:
    found = resolve_target(session, index, "投诉沈河区税务局")
    assert found.target and found.target.label == "国家税务总局沈阳市沈河区税务局"
    generic = resolve_target(session, index, "市场监管局")
    assert not generic.found and [c.label for c in generic.choices] == ["沈阳市市场监督管理局"]
    local = resolve_target(session, index, "市场监管局", district="沈河区")
    assert local.target and local.target.label == "沈河区市场监督管理局"
    assert resolve_target(session, index, "车管所").target.label == "沈阳市公安局交通警察局车辆管理所"


def test_a_cadre_shared_name_and_unknown_targets(session: Session, index: DirectoryIndex) -> None:
    shared = resolve_target(session, index, "给王丽打分", person="王丽")
    assert not shared.found and len(shared.choices) > 1 and all(c.cadre_id for c in shared.choices)
    one = shared.choices[0]
    assert unit_and_cadre(session, one.key) == (one.unit_id, one.cadre_id)
    assert resolve_target(session, index, "欧阳不存在", person="欧阳不存在").person == "欧阳不存在"
    assert not resolve_target(session, index, "我要投诉").found
    assert not resolve_target(session, index, "火星移民管理局").found
    assert parse_key("unit:12") == (12, None) and parse_key("cadre:7") == (None, 7) and parse_key("x") == (None, None)


def test_short_answers() -> None:
    assert answers.is_correction("不对，是沈河区的") and answers.is_correction("电话改成13912345678")
    assert not answers.is_correction("工作人员态度不好")
    assert answers.declines("没有了") and answers.declines("不用") and not answers.declines("有点慢")
    assert answers.anonymity("匿名吧") is True and answers.anonymity("不匿名") is False
    assert answers.anonymity("实名就行") is False and answers.anonymity("随便") is None
    assert answers.phone_answer("电话 139 1234 5678") == ("13912345678", True)
    assert answers.phone_answer("024-22345678") == ("024-22345678", True)
    assert answers.phone_answer("1391234") == (None, True) and answers.phone_answer("不留") == (None, False)
    assert answers.declines_phone("不留了") and answers.declines_phone("用微信联系就行")
    assert answers.when("窗口的人昨天下午3点就下班了") == "昨天下午3点"
    assert answers.when("11月20日上午去的") == "11月20日上午" and answers.when("一直这样") is None
    assert answers.says_yes("确认提交") and not answers.says_yes("不对")
