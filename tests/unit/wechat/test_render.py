"""Rendering the assistant's messages as WeChat passive replies and follow-ups."""
from __future__ import annotations

import re

import xmltodict

from bot.wechat.render import TEXT_LIMIT, plan, reply_xml, split_text


def test_consecutive_texts_share_one_bubble() -> None:
    out = plan([{"text": "第一段"}, {"text": "第二段"}])
    assert out.first == {"text": "第一段\n\n第二段"} and out.rest == []


def test_long_text_is_split_at_line_ends_and_never_inside_a_phone_number() -> None:
    lines = [f"{i}. 沈阳市某某服务中心 电话：024-2{i:03d}5678 地址：和平区某某路{i}号" for i in range(120)]
    text = "\n".join(lines)
    parts = split_text(text)
    assert len(parts) > 1
    assert all(len(p.encode()) <= TEXT_LIMIT for p in parts)
    phones = re.findall(r"024-\d{7,8}", text)
    assert sum(len(re.findall(r"024-\d{7,8}", p)) for p in parts) == len(phones)
    assert "".join(p.replace("\n", "") for p in parts) == text.replace("\n", "")


def test_a_number_is_not_cut_even_without_breaks() -> None:
    text = "电话" + "1" * 3000
    parts = split_text(text, 100)
    assert all(len(p.encode()) <= 100 for p in parts) and "".join(parts) == text


def test_overflow_goes_to_follow_up_messages() -> None:
    out = plan([{"text": "甲" * 500}, {"text": "乙" * 500}])
    assert out.first == {"text": "甲" * 500}
    assert out.rest == [{"msgtype": "text", "text": {"content": "乙" * 500}}]


def test_card_replaces_its_text_and_is_a_news_reply() -> None:
    card = {"title": "服务名片｜王丽", "description": "科员", "url": "http://h/cards/cadre/1", "picurl": "http://h/p.svg"}
    out = plan([{"text": "【服务名片】王丽 ...", "custom": {"news": card}}, {"text": "还有别的吗？"}])
    assert out.first == {"news": card}
    assert out.rest == [{"msgtype": "text", "text": {"content": "还有别的吗？"}}]
    xml = xmltodict.parse(reply_xml(out.first, "oUser", "gh_acc"))["xml"]
    assert xml["MsgType"] == "news" and xml["ArticleCount"] == "1"
    assert xml["Articles"]["item"]["Url"] == card["url"] and xml["ToUserName"] == "oUser"
    assert xml["Articles"]["item"]["PicUrl"] == card["picurl"]


def test_transfer_to_agents() -> None:
    out = plan([{"text": "正在为您转接人工客服", "custom": {"transfer_customer_service": True}}])
    assert out.first == {"transfer": True}
    assert out.rest == [{"msgtype": "text", "text": {"content": "正在为您转接人工客服"}}]
    assert xmltodict.parse(reply_xml(out.first, "o", "gh"))["xml"]["MsgType"] == "transfer_customer_service"


def test_passive_only_puts_everything_in_one_text() -> None:
    card = {"title": "服务名片", "description": "科员", "url": "http://h/c/1", "picurl": ""}
    out = plan([{"text": "找到了"}, {"custom": {"news": card}}], passive_only=True)
    assert out.rest == [] and "http://h/c/1" in out.first["text"] and out.first["text"].startswith("找到了")


def test_nothing_to_say_is_success() -> None:
    assert reply_xml(plan([]).first, "o", "gh") == "success"
    text = xmltodict.parse(reply_xml({"text": "a<b>&c"}, "o", "gh"))["xml"]
    assert text["Content"] == "a<b>&c" and text["MsgType"] == "text"
