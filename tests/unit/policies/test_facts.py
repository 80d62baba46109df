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


OPENING = Facts(amounts=(
    Amount("企业开办全流程办理时限", "1个工作日内办结"),
    Amount("有限责任公司股东认缴出资缴足期限", "自公司成立之日起5年内缴足"),
    Amount("税务UKey", "免费发放"),
    Amount("企业设立登记费用", "0元，不收取任何费用"),
    Amount("年营业收入首次突破2000万元", "一次性奖励20万元"),
    Amount("年营业收入首次突破1亿元", "一次性奖励100万元"),
    Amount("中小微企业稳岗返还", "上年度实际缴纳失业保险费的60%"),
    Amount("大型企业稳岗返还", "上年度实际缴纳失业保险费的30%"),
    Amount("劳动合同期限要求", "1年以上"),
), payment="审核通过后1—2个工作日内放款。", eligible="在沈阳新登记的企业。")


def ask_opening(question: str, earlier: str = "") -> str:
    text = canon(question)
    return answer(OPENING, question_types(text), text, START, None, (), canon(earlier), "企业开办") or ""


def test_the_unit_of_time_asked() -> None:
    assert "1个工作日" in ask_opening("注册个公司得几天能弄完") and "5年" not in ask_opening("注册个公司得几天能弄完")


def test_a_fee_question_gets_the_fee_of_what_it_names() -> None:
    assert "免费发放" in ask_opening("领税务UKey要花钱不")


def test_the_tier_a_stated_sum_reaches() -> None:
    assert "20万元" in ask_opening("营收第一回过了两千万 奖多少") and "100万元" not in ask_opening("营收过了两千万 奖多少")
    follow_up = answer(OPENING, frozenset({"amount"}), canon("那要是过了一个亿呢"), START, None, (),
                       canon("营收过了两千万 奖多少"), "企业开办")  # the kind asked before (bot.policies.answers)
    assert follow_up is not None and "100万元" in follow_up


def test_a_size_not_asked_gets_each_size() -> None:
    reply = ask_opening("稳岗返还按啥比例返")
    assert "60%" in reply and "30%" in reply
    assert "60%" not in ask_opening("我们是大型企业 稳岗返还按啥比例返")


def test_who_qualifies_comes_with_the_figures_that_are_conditions() -> None:
    assert "1年以上" in ask_opening("啥样的企业能享受")


def test_how_long_until_the_money_arrives() -> None:
    assert "1—2个工作日" in ask_opening("批下来以后几天能放款")
