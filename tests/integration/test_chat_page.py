"""The local chat page in headless Chromium, against the real web app, Rasa server and action server.

Every message goes the way a real WeChat message goes: the page posts to the web app, which builds,
signs (and in safe mode encrypts) WeChat's XML and posts it to the WeChat channel on the Rasa server.
"""
from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.config import REPO_ROOT, Settings
from bot.db.directory import Cadre
from bot.db.wechat import InboundMessage


PHONE = {"width": 390, "height": 844}
HUNNAN = {"latitude": 41.7183, "longitude": 123.4590}
SCREENSHOT = REPO_ROOT / "results" / "chat-page.png"
WAIT_MS = 30_000  # a first turn can be slow on a cold model; the channel answers later by API then


class ChatPage:
    """The chat page in a fresh phone-sized browser context (a new follower each time)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))

    @property
    def incoming(self) -> Any:
        return self.page.locator(".row.in")

    def openid(self) -> str:
        return str(self.page.evaluate("localStorage.getItem('syb-chat-openid')"))

    def expect_reply(self, action: Any) -> Any:
        """Do ``action`` and return the first message from the assistant that follows it."""
        count = self.incoming.count()
        action()
        reply = self.incoming.nth(count)
        reply.wait_for(timeout=WAIT_MS)
        return reply

    def say(self, text: str) -> str:
        def type_and_send() -> None:
            self.page.fill("#input", text)
            self.page.press("#input", "Enter")
        return str(self.expect_reply(type_and_send).inner_text())


@pytest.fixture()
def chat_page(browser: Any, servers: Settings) -> Iterator[ChatPage]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN", geolocation=HUNNAN, permissions=["geolocation"])
    page = context.new_page()
    chat = ChatPage(page)
    page.goto(f"{servers.public_url}/chat")
    chat.incoming.first.wait_for(timeout=WAIT_MS)  # the welcome, answering the subscribe event
    try:
        yield chat
        assert chat.errors == [], chat.errors  # no script errors, no CSP violations
    finally:
        context.close()


def inbound_types(sample_sessions: Any, openid: str) -> list[str]:
    with sample_sessions() as s:
        return list(s.scalars(select(InboundMessage.msg_type).where(InboundMessage.openid == openid)
                              .order_by(InboundMessage.id)))


def test_the_page_opens_as_a_new_follower_with_the_welcome(chat_page: ChatPage, sample_sessions: Any) -> None:
    page = chat_page.page
    assert page.inner_text(".topbar h1") == "@沈阳营商"
    assert "本地测试页，模拟微信公众号" in page.inner_text(".notice")
    assert "欢迎关注" in chat_page.incoming.first.inner_text()
    menu = [b.strip() for b in page.locator("#menu .menu-button").all_inner_texts()]
    assert menu == ["我要找人", "评价投诉", "政策查询"]
    openid = chat_page.openid()
    assert re.fullmatch(r"o[A-Za-z0-9_-]{27}", openid)
    assert inbound_types(sample_sessions, openid) == ["event"]  # the subscribe event, through the channel


def test_a_typed_question_gets_the_unit_with_a_dial_link(chat_page: ChatPage) -> None:
    reply = chat_page.say("公积金提取找哪个部门")
    assert "住房公积金" in reply and "电话" in reply
    assert chat_page.page.locator(".row.out .bubble").last.inner_text() == "公积金提取找哪个部门"
    tel = chat_page.incoming.last.locator("a.tel").first.get_attribute("href")
    assert tel is not None and re.fullmatch(r"tel:\d+(,\d+)?", tel)


def test_menu_clicks_start_flows(chat_page: ChatPage) -> None:
    page = chat_page.page
    reply = chat_page.expect_reply(lambda: page.click("#menu button[data-key=FIND_CONTACT]"))
    assert "请问您要办什么事" in reply.inner_text()
    page.locator("#menu .has-sub").first.click()
    assert page.locator(".submenu").first.is_visible()
    assert page.locator(".submenu").first.locator(".sub-button").all_inner_texts() == ["我要评价", "我要投诉", "我的投诉"]
    reply = chat_page.expect_reply(lambda: page.click(".submenu .sub-button[data-key=RATE_SERVICE]"))
    assert reply.inner_text().strip() and not page.locator(".submenu").first.is_visible()
    chat_page.say("算了")  # leave the rating before the next flow
    page.locator("#menu .has-sub").nth(1).click()
    reply = chat_page.expect_reply(lambda: page.click(".submenu .sub-button[data-key=REGISTER_ENTERPRISE]"))
    assert "企业全称" in reply.inner_text()


def test_sending_a_location_lists_the_nearest_halls(chat_page: ChatPage, sample_sessions: Any) -> None:
    page = chat_page.page

    def pick() -> None:
        page.click("#plus")
        page.click("#panel button[data-label^=沈阳市人民政府]")
    reply = chat_page.expect_reply(pick).inner_text()
    assert "离您最近" in reply and re.search(r"约[\d.]+(米|公里)", reply)
    assert "沈阳市人民政府" in page.locator(".row.out .location").last.inner_text()

    def here() -> None:  # the browser's geolocation (set to Hunnan)
        page.click("#plus")
        page.click("#geo")
    reply = chat_page.expect_reply(here).inner_text()
    assert "离您最近" in reply and "浑南区" in reply
    assert inbound_types(sample_sessions, chat_page.openid()).count("location") == 2


def test_voice_mode_sends_the_words_as_speech_recognition(chat_page: ChatPage, sample_sessions: Any) -> None:
    page = chat_page.page
    page.click("#voice-toggle")
    assert page.get_attribute("#voice-toggle", "aria-pressed") == "true"

    def speak() -> None:
        page.fill("#input", "公积金提取找哪个部门")
        page.click("#send")
    reply = chat_page.expect_reply(speak).inner_text()
    assert "住房公积金" in reply
    assert "公积金提取找哪个部门" in page.locator(".row.out .transcript").last.inner_text()
    assert inbound_types(sample_sessions, chat_page.openid())[-1] == "voice"


def test_safe_mode_encrypts_and_still_gets_answers(chat_page: ChatPage) -> None:
    page = chat_page.page
    page.click("#more")
    page.check("input[name=mode][value=safe]")
    page.click("#log")
    assert page.inner_text("#status") == "安全模式"
    assert "市场监督管理局" in chat_page.say("市场监管局电话多少")


def test_a_cadre_question_gets_a_service_card_that_opens(chat_page: ChatPage, sample_sessions: Any,
                                                         servers: Settings) -> None:
    with sample_sessions() as s:
        name = s.scalars(select(Cadre.name).group_by(Cadre.name).having(func.count() == 1)
                         .order_by(Cadre.name).limit(1)).one()
    page = chat_page.page
    chat_page.say("公积金提取找哪个部门")
    chat_page.say(f"{name}负责什么")
    card = page.locator(".row.in .news").last
    card.wait_for(timeout=WAIT_MS)
    assert name in card.locator(".n-title").inner_text()
    href = card.get_attribute("href") or ""
    assert href.startswith(f"{servers.public_url}/cards/cadre/")
    assert (card.locator("img").get_attribute("src") or "").endswith("/photo.svg")
    page.wait_for_timeout(300)  # let the avatar load
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    with page.context.expect_page() as opened:
        card.click()
    detail = opened.value
    detail.wait_for_load_state()
    assert name in detail.inner_text("h1") and "示例数据" in detail.inner_text(".badge")
    assert (detail.get_attribute("a.call", "href") or "").startswith("tel:")
    detail.close()


def test_messages_sent_later_through_the_customer_service_api_appear(chat_page: ChatPage, servers: Settings) -> None:
    """What the assistant sends by API (after the 5-second budget, or a second card) shows up by polling."""
    api = f"{servers.wechat_api_base}/cgi-bin"
    query = urllib.parse.urlencode({"grant_type": "client_credential", "appid": servers.wechat_app_id,
                                    "secret": servers.wechat_app_secret})
    with urllib.request.urlopen(f"{api}/token?{query}") as resp:
        token = json.loads(resp.read())["access_token"]
    article = {"title": "稍后送达的图文", "description": "第一行\n第二行", "url": f"{servers.public_url}/cards/unit/1",
               "picurl": f"{servers.public_url}/cards/cadre/1/photo.svg"}
    bodies = [{"touser": chat_page.openid(), "msgtype": "text", "text": {"content": "稍后送达：请拨打 12345"}},
              {"touser": chat_page.openid(), "msgtype": "news", "news": {"articles": [article]}}]

    def push() -> None:
        for body in bodies:
            req = urllib.request.Request(f"{api}/message/custom/send?access_token={token}",
                                         json.dumps(body).encode(), {"Content-Type": "application/json"})
            with urllib.request.urlopen(req) as resp:
                assert json.loads(resp.read())["errcode"] == 0
    reply = chat_page.expect_reply(push)
    assert "稍后送达" in reply.inner_text()
    assert reply.locator("a.tel").get_attribute("href") == "tel:12345"
    news = chat_page.page.locator(".row.in .news").last
    news.wait_for(timeout=WAIT_MS)
    assert news.locator(".n-title").inner_text() == "稍后送达的图文"
