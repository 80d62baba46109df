"""The directory actions against the sample database, with hand-built trackers."""
from __future__ import annotations

import asyncio
from typing import Any, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.directory import ActionFindContact, ActionFindNearby, chosen
from actions.handoff import ActionHumanHandoff


def tracker(text: str, intent: str = "find_contact", entities: Optional[list[dict[str, Any]]] = None,
            slots: Optional[dict[str, Any]] = None, metadata: Optional[dict[str, Any]] = None, sender: str = "u1") -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or [],
              "metadata": metadata or {}, "message_id": f"m-{hash(text) & 0xffff}"}
    events = [{"event": "user", "text": text, "parse_data": latest}]
    return Tracker(sender, slots or {}, latest, events, False, None, {}, "action_listen")


def run(action: Any, t: Tracker) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    text = "\n".join(m.get("text") or "" for m in dispatcher.messages)
    return text, dispatcher.messages, events


def slot(events: list[dict[str, Any]], name: str) -> Any:
    return next((e["value"] for e in events if e.get("event") == "slot" and e["name"] == name), "unset")


def test_per_district_matter_answers_the_city_and_asks_the_district(app_env) -> None:
    text, _, events = run(ActionFindContact(), tracker("营业执照在哪办"))
    assert "【沈阳市市场监督管理局】" in text and "哪个区县" in text
    assert slot(events, "pending_query") == "营业执照办理"
    text, _, events = run(ActionFindContact(), tracker(
        "浑南的", intent="inform", entities=[{"entity": "district", "value": "浑南区"}],
        slots={"pending_query": "营业执照办理"}))
    assert "【浑南区市场监督管理局】" in text and "电话" in text
    assert slot(events, "district") == "浑南区" and slot(events, "pending_query") is None


def test_a_bundle_lists_what_to_get_and_where_then_the_district_s_units(app_env) -> None:
    text, _, events = run(ActionFindContact(), tracker("开饭店要办什么证找谁"))
    assert "开办餐饮店一件事" in text and "食品经营许可" in text and "哪个区县" in text
    text, _, _ = run(ActionFindContact(), tracker(
        "铁西", intent="inform", slots={"pending_query": slot(events, "pending_query")}))
    assert "铁西区市场监督管理局" in text and "哪个区县" not in text


def test_a_district_after_a_city_answer_keeps_the_topic(app_env) -> None:
    text, _, events = run(ActionFindContact(), tracker("公积金提取去哪办"))
    assert "住房公积金" in text and slot(events, "contact_topic") == "公积金提取"
    text, _, _ = run(ActionFindContact(), tracker("沈北", intent="inform", slots={"contact_topic": "公积金提取"}))
    assert "住房公积金" in text and "请问您要办什么事" not in text


def test_follow_ups_are_about_the_unit_just_given(app_env) -> None:
    _, _, events = run(ActionFindContact(), tracker("浑南区办营业执照"))
    slots = {"contact_unit": slot(events, "contact_unit"), "contact_topic": slot(events, "contact_topic")}
    text, _, _ = run(ActionFindContact(), tracker("几点下班", slots=slots))
    assert "浑南区市场监督管理局" in text and "办公时间" in text
    text, _, _ = run(ActionFindContact(), tracker("需要带啥材料", slots=slots))
    assert "营业执照办理" in text and "浑南区市场监督管理局" in text


def test_a_known_district_keeps_other_districts_out_of_the_alternatives(app_env) -> None:
    text, _, _ = run(ActionFindContact(), tracker("铁西区办身份证", slots={"district": "铁西区"}))
    others = [d for d in ("和平区", "沈河区", "浑南区", "大东区") if d in text]
    assert "铁西" in text and not others


def test_a_typed_district_is_no_person(app_env) -> None:
    text, _, _ = run(ActionFindContact(), tracker("于红区市场监管局电话"))
    assert "【于洪区市场监督管理局】" in text and "服务名片" not in text


def test_remembered_district_is_used(app_env) -> None:
    text, _, _ = run(ActionFindContact(), tracker("营业执照在哪办", slots={"district": "铁西区"}))
    assert "铁西区" in text


def test_same_name_cadres_ask_for_the_unit_then_pick_by_number(app_env) -> None:
    text, _, events = run(ActionFindContact(), tracker("王丽电话多少", entities=[{"entity": "person", "value": "王丽"}]))
    assert "有多位" in text
    choices = slot(events, "pending_choices")
    assert len(choices) >= 3
    text, _, _ = run(ActionFindContact(), tracker("第二个", intent="inform",
                                                  slots={"pending_query": "王丽", "pending_choices": choices}))
    assert "王丽" in text and choices[1] in text


def test_unknown_person_and_unknown_unit(app_env) -> None:
    text, _, _ = run(ActionFindContact(), tracker("欧阳娜娜负责啥", entities=[{"entity": "person", "value": "欧阳娜娜"}]))
    assert "没有找到名叫“欧阳娜娜”" in text
    text, _, _ = run(ActionFindContact(), tracker("火星宇宙管理局电话"))
    assert "没有找到与您的问题对应的单位" in text and "12345" in text


def test_colloquial_business_with_inserted_words(app_env) -> None:
    text, _, _ = run(ActionFindContact(), tracker("你好，想开个小饭店要去哪办证"))
    assert "开办餐饮店一件事" in text


def test_bare_district_is_remembered_not_searched(app_env) -> None:
    text, _, events = run(ActionFindContact(), tracker("大东区的", intent="inform", entities=[{"entity": "district", "value": "大东区"}]))
    assert "已记下您在大东区" in text and slot(events, "district") == "大东区"


def test_inform_without_context_asks_to_rephrase(app_env) -> None:
    text, _, _ = run(ActionFindContact(), tracker("嗯嗯", intent="inform"))
    assert "没有理解您的回答" in text


def test_nearby_with_location_district_or_nothing(app_env) -> None:
    text, _, _ = run(ActionFindNearby(), tracker("附近的大厅", "find_nearby", metadata={"location": {"latitude": 41.80, "longitude": 123.43}}))
    assert "米" in text or "公里" in text
    text, _, events = run(ActionFindNearby(), tracker("法库县的政务服务中心", "find_nearby"))
    assert "法库县" in text and slot(events, "district") == "法库县"
    text, _, _ = run(ActionFindNearby(), tracker("最近的大厅", "find_nearby", metadata={"location": {"latitude": "x"}}))
    assert "发送您的位置" in text


def test_handoff_is_recorded_once_per_message(app_env) -> None:
    t = tracker("我要转人工", "human_handoff", sender="handoff-user")
    first, _, _ = run(ActionHumanHandoff(), t)
    second, _, _ = run(ActionHumanHandoff(), t)
    assert "编号" in first and first == second


@pytest.mark.parametrize("reply,expected", [("2", "B"), ("第三个", "C"), ("第1个", "A"), ("公积金B", "B"), ("9", None)])
def test_choice_parsing(reply: str, expected: Optional[str]) -> None:
    assert chosen(reply, ["A", "B", "C"]) == expected


def wechat_tracker(text: str, intent: str, sender: str = "oWeChat", metadata: Optional[dict[str, Any]] = None) -> Tracker:
    t = tracker(text, intent, sender=sender, metadata=metadata)
    t.events[0]["input_channel"] = "wechat"
    t.latest_message["metadata"] = metadata or {}
    return t


def test_handoff_in_office_hours_transfers_to_agents_on_wechat(app_env, monkeypatch: pytest.MonkeyPatch) -> None:
    import actions.handoff as handoff

    monkeypatch.setattr(handoff, "office_open", lambda spec, now=None: True)
    text, messages, _ = run(ActionHumanHandoff(), wechat_tracker("转人工", "human_handoff"))
    assert "转接人工客服" in text and messages[0]["custom"] == {"transfer_customer_service": True}
    text, messages, _ = run(ActionHumanHandoff(), tracker("转人工", "human_handoff", sender="rest-user"))
    assert "编号" in text and not messages[0].get("custom")  # no agents behind the REST channel


def test_handoff_after_hours_records_a_callback(app_env, monkeypatch: pytest.MonkeyPatch) -> None:
    import actions.handoff as handoff

    monkeypatch.setattr(handoff, "office_open", lambda spec, now=None: False)
    text, messages, _ = run(ActionHumanHandoff(), wechat_tracker("人工客服", "human_handoff", sender="oLate"))
    assert "非工作时间" in text and "编号" in text and not messages[0].get("custom")


def test_cadre_answer_carries_a_news_card(app_env, sample_sessions) -> None:
    from sqlalchemy import func, select

    from bot.db.directory import Cadre

    with sample_sessions() as s:  # a name only one cadre has
        name = s.scalars(select(Cadre.name).group_by(Cadre.name).having(func.count() == 1).limit(1)).one()
    text, messages, _ = run(ActionFindContact(), tracker(f"{name}负责什么", entities=[{"entity": "person", "value": name}]))
    news = messages[0]["custom"]["news"]
    assert name in news["title"] and news["url"].endswith(f"/cards/cadre/{news['url'].rsplit('/', 1)[1]}")
    assert "电话" in text


def test_menu_click_asks_what_to_find(app_env) -> None:
    text, _, _ = run(ActionFindContact(), tracker("/find_contact"))
    assert "请问您要办什么事" in text


def test_reported_location_is_used_unless_a_district_is_named(app_env) -> None:
    place = {"latitude": 41.7968, "longitude": 123.4290, "label": ""}
    text, _, _ = run(ActionFindNearby(), tracker("最近的政务大厅", "find_nearby", metadata={"reported_location": place}))
    assert "离您最近" in text
    text, _, _ = run(ActionFindNearby(), tracker("法库县的政务大厅", "find_nearby", metadata={"reported_location": place}))
    assert "法库县" in text and "离您最近" not in text
