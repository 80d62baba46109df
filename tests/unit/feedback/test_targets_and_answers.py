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
    assert resolve_target(session, index, "评价市医保局").target.label == "沈阳市医疗保障局"  # 市 says the city's
    assert resolve_target(session, index, "沈阳市市场监督管理局").target.label == "沈阳市市场监督管理局"


def test_a_story_is_read_from_its_start_and_a_yes_names_nobody(session: Session, index: DirectoryIndex) -> None:
    story = "于洪区派出所户籍窗口 前天下午三点多去的 牌子上写着五点下班 四点就不接了 说今天号满了 我这是第三次来了"
    assert resolve_target(session, index, story).target.label == "沈阳市公安局于洪分局"
    assert not resolve_target(session, index, "确认").found and not resolve_target(session, index, "我要投诉一个人").found


def test_a_cadre_not_listed_where_the_user_says_means_that_unit(session: Session, index: DirectoryIndex) -> None:
    for text, unit in (("我要给铁西税务局的王丽打满分", "国家税务总局沈阳市铁西区税务局"),
                       ("评价一下皇姑区政务服务中心的刘敏", "皇姑区政务服务中心")):
        person = text.split("的")[-1][:2]
        found = resolve_target(session, index, text, person=person)
        assert found.target and found.target.label == unit and found.target.cadre_id is None and found.person == person


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
    assert answers.when("上午十点左右") == "上午十点左右" and answers.when("前天下午三点多去的") == "前天下午三点多"
    assert answers.when("上午说要户口本") is None  # a part of the day alone is no time
    assert answers.says_yes("确认提交") and not answers.says_yes("不对")
    assert answers.says_anonymity("不留名 电话13900001111") is True and answers.says_anonymity("实名就行") is False
    assert answers.says_anonymity("他说无所谓") is None and answers.anonymity("他说无所谓") is False  # only when asked
    assert answers.phone_answer("哦不对 最后两位是43 13900003443") == ("13900003443", True)
    assert answers.phone_answer("单号TS202406150012") == (None, False)


def test_time_expressions_are_read_as_days() -> None:
    from datetime import date

    monday = date(2026, 12, 7)
    assert answers.time_answer("昨天下午去的", monday) == "昨天下午（12月6日）"
    assert answers.time_answer("上周三", monday) == "上周三（12月2日）"
    assert answers.time_answer("前天", monday) == "前天（12月5日）"
    assert answers.time_answer("刚才", monday) == "刚才（12月7日）"
    assert answers.time_answer("上个月3号", monday) == "上个月3号（11月3日）"
    assert answers.time_answer("11月20日上午", monday) == "11月20日上午"
    assert answers.time_answer("记不清了", monday) == "记不清"
    assert answers.time_answer("对", monday) is None and answers.time_answer("一直这样", monday) is None
    assert answers.day_of("1月5日", monday) == date(2026, 1, 5) and answers.day_of("12月25日", monday) == date(2025, 12, 25)


def test_an_affirmation_is_only_an_affirmation() -> None:
    assert all(answers.is_affirmation(t) for t in ("对", "是的", "确认", "好的！", "嗯嗯", "OK", "好的好的", "对对对 没问题"))
    assert all(answers.is_affirmation(t) for t in ("没问题 提交吧", "嗯呢 提交", "对 就这样", "确认无误", "就这些"))
    assert not any(answers.is_affirmation(t) for t in ("对，就是他", "不对", "确认一下电话改成139", "",
                                                       "行 那先说这个 这回是办个体工商户登记的时候"))


def test_what_a_message_says_besides_its_answers() -> None:
    assert answers.without_answers("昨天下午 社保窗口 让我来回跑了三趟") == "社保窗口 让我来回跑了三趟"
    assert answers.without_answers("匿名 电话13912345678") == ""


def test_a_correction_anywhere_and_what_it_takes_back() -> None:
    assert answers.is_correction("等会儿 我说错了 不是铁西 是于洪区税务局")
    assert answers.without_denied("不是铁西 是于洪区税务局").strip() == "是于洪区税务局"
    assert not answers.is_correction("昨天下午") and not answers.is_correction("是的")
