"""A policy's facts: checked on import, and the answer each kind of question gets from them."""
from __future__ import annotations

from datetime import date

from bot.policies.facts import Amount, Facts, amounts_asked, answer, check_facts
from bot.policies.questions import question_types
from bot.policies.questions import canon

INJURY = Facts(
    amounts=tuple(Amount(f"{grade}级伤残津贴", f"每月{value}元", f"每月增加{more}元", date(2019, 1, 1))
                  for grade, value, more in (("一", 2481, 118), ("二", 2337, 111), ("三", 2205, 105), ("四", 2073, 99)))
    + (Amount("生活完全不能自理的生活护理费", "每月1940元", "每月增加92元"),
       Amount("生活大部分不能自理的生活护理费", "每月1610元", "每月增加77元"),
       Amount("生活部分不能自理的生活护理费", "每月1340元", "每月增加64元"),
       Amount("补发期限", "2019年10月底前")),
    payer="已参加工伤保险的由工伤保险基金支付；未参加的由用人单位支付。",
    payment="2019年10月底前发放到位。",
    materials=("身份证",),
)
START = date(2019, 1, 1)


def ask(question: str, earlier: str = "") -> str:
    text = canon(question)
    return answer(INJURY, question_types(text), text, START, None, ("无需申请",), canon(earlier)) or ""


def test_the_grade_asked_and_only_it() -> None:
    reply = ask("俺是三级工伤 伤残津贴现在一个月多少")
    assert "2205" in reply and "105元" in reply and "2019年1月1日" in reply
    assert "2481" not in reply and "1940" not in reply


def test_a_range_of_grades_gets_each_of_them() -> None:
    reply = ask("一到四级伤残津贴现在都是多少")
    assert all(figure in reply for figure in ("2481", "2337", "2205", "2073"))


def test_the_item_said_wins_over_a_grade_of_another_item() -> None:
    reply = ask("俺爸工伤二级 护理费一个月给多少")
    assert "1940" in reply and "1340" in reply  # the care allowance, whichever level


def test_the_closest_item_not_a_longer_one() -> None:
    reply = ask("部分不能自理的护理费多少钱")
    assert "1340" in reply and "1610" not in reply


def test_a_follow_up_keeps_the_grade_of_the_question_before() -> None:
    assert "105元" in ask("比原来多了多少", earlier="三级伤残津贴现在多少")


def test_each_kind_from_its_field() -> None:
    assert "工伤保险基金" in ask("涨的钱谁给")
    assert "10月底" in ask("啥时候能发下来")
    assert "身份证" in ask("要带啥")
    assert "无需申请" in ask("怎么申请")


def test_a_period_is_not_a_sum_of_money() -> None:
    assert amounts_asked(INJURY, canon("补发最长多长时间"), durations=True) == [INJURY.amounts[-1]]
    assert INJURY.amounts[-1] not in amounts_asked(INJURY, canon("护理费最多多少"))


def test_nothing_for_a_kind_without_a_field() -> None:
    assert answer(Facts(), frozenset({"amount", "payer"}), "多少", START) is None


def test_import_keeps_what_is_right_and_names_what_is_wrong() -> None:
    problems: list[str] = []
    clean = check_facts({"amounts": [{"item": "一级", "value": "2481元", "from": date(2019, 1, 1)},
                                     {"item": "二级"}, {"item": "三级", "value": "x", "unit": "元"}],
                         "materials": "身份证", "payer": "", "unknown": 1},
                        lambda column, message: problems.append(f"{column}：{message}"))
    assert clean["amounts"][0] == {"item": "一级", "value": "2481元", "from": "2019-01-01"}
    assert clean["materials"] == ["身份证"] and "payer" not in clean
    assert problems == ["facts.amounts 第 2 项：要有 item 和 value", "facts.amounts 第 3 项：不认识的字段 unit",
                        "facts：不认识的字段 unknown"]
