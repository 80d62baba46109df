"""The rating and complaint forms' logic, driven turn by turn the way Rasa's form loop drives it."""
from __future__ import annotations

import asyncio
import uuid

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.feedback import ActionCheckComplaint
from bot import runtime
from bot.db import session_scope
from bot.db.feedback import Complaint, Rating
from tests.unit.actions.forms import Form


def tickets(sender: str) -> list[Complaint]:
    with session_scope(runtime.sessions()) as s:
        return list(s.scalars(select(Complaint).where(Complaint.user_id == sender)))


def test_rating_with_both_stars_at_once_goes_to_the_summary_where_a_comment_is_added(app_env) -> None:
    f = Form("rating_form")
    f.say("给沈河区税务局评价", intent="rate_service", unit="沈河区税务局")
    assert f.slots["feedback_target_label"] == "国家税务总局沈阳市沈河区税务局"
    assert f.requested == "attitude_stars"
    reply, _ = f.say("态度五星业务三星")
    assert (f.slots["attitude_stars"], f.slots["proficiency_stars"]) == (5.0, 3.0)
    assert f.requested == "feedback_confirmed" and "服务态度：★★★★★" in reply and "留言：无" in reply
    reply, _ = f.say("工作人员讲得很清楚，一次就办好了")
    assert f.slots["rating_comment"] == "工作人员讲得很清楚，一次就办好了" and "留言：工作人员讲得很清楚" in reply
    reply, _ = f.say("业务改成四星", intent="inform")
    assert f.slots["proficiency_stars"] == 4.0 and "熟练程度：★★★★☆" in reply and f.requested == "feedback_confirmed"
    reply, _ = f.say("确认", intent="affirm")
    assert "感谢您的评价" in reply and "平均服务态度" in reply and f.requested is None
    with session_scope(runtime.sessions()) as s:
        (rating,) = s.scalars(select(Rating).where(Rating.user_id == f.sender)).all()
        assert (rating.attitude, rating.proficiency, rating.comment) == (5, 4, "工作人员讲得很清楚，一次就办好了")


def test_a_rating_said_in_one_message_asks_nothing_before_the_summary(app_env) -> None:
    for text in ("给沈河区税务局评价，态度五星业务四星，小姑娘挺热情", "沈河区税务局 服务5分 业务4分 办得挺快的",
                 "给沈河区税务局打个满分 工作人员特别耐心"):
        f = Form("rating_form")
        reply, _ = f.say(text, intent="rate_service", unit="沈河区税务局")
        assert f.requested == "feedback_confirmed" and "请确认您的评价" in reply, text
        assert f.slots["rating_comment"] and "星" not in f.slots["rating_comment"] and "分" not in f.slots["rating_comment"]


def test_out_of_range_or_wordy_stars_are_asked_again(app_env) -> None:
    f = Form("rating_form")
    f.say("评价一下公积金中心", intent="rate_service", unit="公积金中心")
    for answer in ("十星", "很好"):
        reply, _ = f.say(answer)
        assert "1 到 5 星" in reply and f.slots.get("attitude_stars") is None and f.requested == "attitude_stars"
    f.say("四星")
    assert f.slots["attitude_stars"] == 4.0 and f.slots.get("proficiency_stars") is None  # only the one asked


def test_second_rating_on_the_same_day_replaces_the_first(app_env) -> None:
    sender = f"o{uuid.uuid4().hex[:12]}"
    for stars in ("都五星", "都两星"):
        f = Form("rating_form", sender)
        f.say("评价车管所", intent="rate_service", unit="车管所")
        f.say(stars)
        f.say("确认", intent="affirm")
    with session_scope(runtime.sessions()) as s:
        rows = s.scalars(select(Rating).where(Rating.user_id == sender)).all()
        assert [(r.attitude, r.proficiency) for r in rows] == [(2, 2)]


def test_a_generic_unit_name_asks_city_or_district(app_env) -> None:
    f = Form("rating_form")
    reply, _ = f.say("给市场监管局打个分", intent="rate_service", unit="市场监管局")
    assert "市级" in reply and f.requested == "feedback_target"
    f.say("沈河区的", district="沈河区")
    assert f.slots["feedback_target_label"] == "沈河区市场监督管理局"


def test_complaint_asks_only_whom_and_what_then_changes_any_detail_at_the_summary(app_env) -> None:
    f = Form("complaint_form")
    f.say("我要投诉", intent="complain")
    assert f.requested == "feedback_target"
    f.say("铁西区社保中心", unit="铁西区社保中心")
    assert "铁西区" in f.slots["feedback_target_label"] and f.requested == "complaint_description"
    reply, _ = f.say("窗口工作人员让我来回跑了三趟，材料都齐了还说不行，昨天下午又去了一次", intent="complain")
    assert f.requested == "feedback_confirmed" and "请确认投诉内容" in reply
    assert f.slots["complaint_time"].startswith("昨天下午（") and "发生时间：昨天下午" in reply
    assert "是否匿名：否" in reply and "联系电话：未留" in reply
    reply, _ = f.say("匿名")
    assert f.slots["complaint_anonymous"] is True and "是否匿名：是" in reply
    reply, _ = f.say("电话1391234")
    assert "格式好像不对" in reply and f.slots.get("complaint_phone") is None
    reply, _ = f.say("电话 13912345678")
    assert "联系电话：13912345678" in reply and f.requested == "feedback_confirmed"
    reply, _ = f.say("时间是前天上午")
    assert f.slots["complaint_time"].startswith("前天上午（") and "发生时间：前天上午" in reply
    reply, _ = f.say("另外他还把我的身份证复印件弄丢了", intent="complain")
    assert "来回跑了三趟" in f.slots["complaint_description"] and "身份证复印件弄丢了" in f.slots["complaint_description"]
    reply, _ = f.say("不对，是沈河区的", intent="deny", district="沈河区")
    assert "已改为" in reply and "沈河区社会保险" in f.slots["feedback_target_label"] and "请确认投诉内容" in reply
    before = dict(f.slots), f.requested
    reply, _ = f.say("确认提交", intent="affirm")
    assert "工单号 TS" in reply and "工作日" in reply
    f.slots, f.requested = before  # the answer was lost (the action server restarted): the user confirms again
    again, _ = f.say("确认提交", intent="affirm")
    (ticket,) = tickets(f.sender)
    assert ticket.ticket_id in reply and ticket.ticket_id in again and ticket.anonymous
    assert ticket.contact_phone == "13912345678" and ticket.happened.startswith("前天上午（")
    assert "弄丢了" in ticket.description


def test_a_complaint_told_in_one_message_goes_straight_to_the_summary(app_env) -> None:
    told = [("投诉沈河区税务局，办个税务登记来回跑了五趟都没办成", "沈河区税务局"),
            ("我要投诉公积金中心 上周三去提取 窗口说系统坏了让我下周再来 匿名", "公积金中心"),
            ("浑南区市场监督管理局办个体户执照的时候工作人员说话特别冲，电话13912345678", "浑南区市场监督管理局")]
    for text, unit in told:
        f = Form("complaint_form")
        reply, _ = f.say(text, intent="complain", unit=unit)
        assert f.requested == "feedback_confirmed" and "请确认投诉内容" in reply, text
    assert f.slots["complaint_phone"] == "13912345678"
    f = Form("complaint_form")
    f.say("投诉铁西区社保窗口", intent="complain", unit="铁西区社保窗口")
    assert f.requested == "complaint_description"


def test_what_happened_told_before_whom_is_kept_while_whom_is_asked_again(app_env) -> None:
    f = Form("complaint_form")
    reply, _ = f.say("我要投诉市场监管局", intent="complain", unit="市场监管局")
    assert "市级" in reply and f.requested == "feedback_target"
    reply, _ = f.say("他们窗口让我来回跑了三趟还不给办", intent="complain")
    assert "记下了" in reply and "市级" in reply and f.requested == "feedback_target"
    reply, _ = f.say("沈河区的", district="沈河区")
    assert f.slots["feedback_target_label"] == "沈河区市场监督管理局" and f.requested == "feedback_confirmed"
    assert "来回跑了三趟" in f.slots["complaint_description"] and "请确认投诉内容" in reply


def test_long_description_is_kept_whole_with_the_voice_message(app_env) -> None:
    f = Form("complaint_form")
    f.say("我要投诉公积金中心", intent="complain", unit="公积金中心")
    reply, _ = f.say("/voice_unrecognised", intent="voice_unrecognised", metadata={"voice_media_id": "MEDIA-V1"})
    assert "投诉材料" in reply and f.requested == "complaint_description"
    long = "办理公积金提取时工作人员态度敷衍，" * 300  # about 5,000 characters
    reply, _ = f.say(long, intent="complain")
    assert "已完整记录" in reply and "附件材料：1 件" in reply
    reply, _ = f.say("电话不留了")
    assert f.slots["complaint_phone"] == "-" and "联系电话：未留" in reply
    f.say("对", intent="affirm")
    (ticket,) = tickets(f.sender)
    assert ticket.description == long and ticket.contact_phone == "" and not ticket.anonymous
    assert ticket.evidence == ["MEDIA-V1"]


def test_other_requests_inside_a_form_are_left_to_the_rules(app_env) -> None:
    f = Form("complaint_form")
    f.say("我要投诉", intent="complain")
    for text, intent in (("算了不投诉了", "stop"), ("你能干什么", "help"), ("转人工", "human_handoff"),
                         ("我刚才那个投诉现在啥进度", "check_complaint"), ("沈阳明天下雨不", "out_of_scope")):
        _, events = f.say(text, intent=intent)
        assert events == [], text
    f.say("铁西区社保中心", unit="铁西区社保中心")
    assert f.requested == "complaint_description"
    for text, intent in (("我刚才那个投诉现在啥进度", "check_complaint"), ("沈阳明天下雨不", "out_of_scope"),
                         ("公积金贷款最多能贷多少", "ask_policy")):
        _, events = f.say(text, intent=intent)
        assert events == [], text
    f.say("窗口的人让我去哪补材料都不说", intent="find_contact")  # a question in a story is what happened
    assert "补材料" in f.slots["complaint_description"] and f.requested == "feedback_confirmed"
    _, events = f.say("营业执照去哪办", intent="find_contact")
    assert events == [] and f.requested == "feedback_confirmed"
    rating = Form("rating_form")
    rating.say("评价一下公积金中心", intent="rate_service", unit="公积金中心")
    _, events = rating.say("我的投诉处理得怎么样了", intent="check_complaint")
    assert events == [] and rating.requested == "attitude_stars"


def test_check_complaint_shows_only_the_users_own_tickets(app_env) -> None:
    f = Form("complaint_form")
    f.say("投诉沈河区税务局，办个税务登记来回跑了五趟都没办成", intent="complain", unit="沈河区税务局")
    f.say("确认", intent="affirm")
    (ticket,) = tickets(f.sender)

    def check(sender: str, text: str, **entities: str) -> str:
        latest = {"text": text, "intent": {"name": "check_complaint"},
                  "entities": [{"entity": k, "value": v} for k, v in entities.items()]}
        dispatcher = CollectingDispatcher()
        asyncio.run(ActionCheckComplaint().run(dispatcher, Tracker(sender, {}, latest, [], False, None, {}, "action_listen"), {}))
        return dispatcher.messages[0]["text"]

    assert ticket.ticket_id in check(f.sender, "我的投诉处理得怎么样了") and "已提交" in check(f.sender, "查投诉")
    detail = check(f.sender, f"查一下{ticket.ticket_id.lower()}")
    assert "办理时限" in detail and "国家税务总局沈阳市沈河区税务局" in detail
    other = check("someone-else", "查一下", ticket_id=ticket.ticket_id)
    assert "没有找到您名下的工单" in other and "税务局" not in other
    assert "还没有提交过投诉" in check("someone-else", "我的投诉")


def test_a_yes_is_never_a_time_a_comment_or_a_description(app_env) -> None:
    f = Form("complaint_form")
    f.say("我要投诉铁西区社保中心", intent="complain", unit="铁西区社保中心")
    assert f.requested == "complaint_description"
    for yes in ("对", "是的", "确认", "好的好的"):
        reply, _ = f.say(yes, intent="affirm")
        assert "说明发生了什么" in reply and f.requested == "complaint_description"
    assert f.slots.get("complaint_time") is None and f.slots.get("complaint_description") is None

    rating = Form("rating_form")
    rating.say("给铁西区社保中心评价", intent="rate", unit="铁西区社保中心")
    rating.say("都五星")
    rating.say("确认", intent="affirm")
    assert rating.slots.get("rating_comment") is None and rating.requested is None


def test_what_happened_told_in_two_messages_is_kept_whole(app_env) -> None:
    f = Form("complaint_form")
    f.say("皇姑区政务服务中心窗口态度差", intent="complain", unit="皇姑区政务服务中心")
    assert f.requested == "complaint_description"  # the one question before the summary
    reply, _ = f.say("昨天下午 社保窗口 让我来回跑了三趟 材料一次都不说全")
    assert f.requested == "feedback_confirmed" and f.slots["complaint_time"].startswith("昨天下午（")
    assert "来回跑了三趟" in f.slots["complaint_description"] and "态度差" in f.slots["complaint_description"]
    f.say("确认", intent="affirm")
    (ticket,) = tickets(f.sender)
    assert "态度差" in ticket.description and "材料一次都不说全" in ticket.description


def test_stars_come_only_from_star_words_and_a_bare_digit_when_asked(app_env) -> None:
    f = Form("rating_form")
    f.say("给铁西区社保中心评个价", intent="rate", unit="铁西区社保中心")
    assert f.requested == "attitude_stars" and f.slots.get("attitude_stars") is None  # 个 is no star
    reply, _ = f.say("小姑娘挺热情 一会就办完了")
    assert f.requested == "attitude_stars" and "记下了" in reply  # 一会 is no star; the words are the comment
    assert f.slots["rating_comment"] == "小姑娘挺热情 一会就办完了"
    f.say("5")
    assert f.slots["attitude_stars"] == 5.0 and f.requested == "proficiency_stars"
    reply, _ = f.say("10")
    assert f.requested == "proficiency_stars" and "1 到 5 星" in reply
    f.say("满分")
    assert f.slots["proficiency_stars"] == 5.0 and f.requested == "feedback_confirmed"


def test_a_correction_said_at_another_question_changes_the_target_and_asks_again(app_env) -> None:
    f = Form("rating_form")
    f.say("给铁西区税务局评价", intent="rate_service", unit="铁西区税务局")
    assert f.requested == "attitude_stars"
    reply, _ = f.say("等会儿 我说错了 不是铁西 是于洪区税务局", intent="inform", unit="于洪区税务局", district="于洪区")
    assert "于洪区" in f.slots["feedback_target_label"] and f.slots.get("attitude_stars") is None
    assert f.requested == "attitude_stars" and "已改为" in reply
    f = Form("complaint_form")
    f.say("我要投诉铁西区税务局", intent="complain", unit="铁西区税务局")
    f.say("等会儿 我说错了 不是铁西 是于洪区税务局", intent="inform", unit="于洪区税务局", district="于洪区")
    assert "于洪区" in f.slots["feedback_target_label"] and f.slots.get("complaint_description") is None
    assert f.requested == "complaint_description"
