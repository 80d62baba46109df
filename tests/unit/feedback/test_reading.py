"""What a message inside a form says besides what was asked."""
from __future__ import annotations

from bot.feedback import reading


def test_a_summary_is_confirmed_only_by_a_whole_yes_or_a_short_one() -> None:
    assert reading.confirms("没问题 提交吧", None) and reading.confirms("确认", None) and reading.confirms("好滴", "affirm")
    assert not reading.confirms("行 那先说这个 这回是办个体工商户登记的时候", "affirm")
    assert not reading.confirms("不对", "deny")


def test_details_said_on_their_own() -> None:
    assert all(reading.gives_detail(t) for t in ("今天", "8月3号上午", "态度一星", "13900007878", "不留名"))
    assert not reading.gives_detail("我刚才那个投诉现在啥进度") and not reading.gives_detail("办了3次")


def test_what_a_story_says_besides_whom_and_its_answers() -> None:
    names = ["沈河区税务局"]
    assert reading.story_left("投诉沈河区税务局 工作人员态度恶劣 11月20日上午的事 不用匿名", names) == "态度恶劣事"
    assert reading.story_left("我要投诉沈河区税务局", names) == ""
    assert reading.remark_left("给沈河区税务局评价，态度五星业务四星", names) == ""
    assert len(reading.remark_left("小姑娘挺热情 一会就办完了", [])) >= reading.MIN_REMARK
    assert reading.told("窗口态度差", "让我来回跑了三趟") == "窗口态度差；让我来回跑了三趟"
    assert reading.told("窗口态度差", "态度差") == "窗口态度差" and reading.says_farewell("好的 再见")
