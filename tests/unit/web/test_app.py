"""The web app: the chat page, the send endpoint (validation, WeChat's side of the protocol), the inbox."""
from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from typing import Any, Optional

import aiohttp
import pytest
from aiohttp import web

from bot.web import chat
from bot.web.app import QuietAccessLogger, create_app
from bot.web.routes import STATIC
from bot.wechat import simulate
from bot.wechat.inbound import Guard, Inbound, Rejected, parse
from bot.wechat.render import reply_xml
from tests.unit.web.conftest import serving, web_settings

AES_KEY = "webtestkeywebtestkeywebtestkeywebtestkey012"
OPENID = "oWebTest0000000000000000000a"

Answer = Callable[[Inbound], Optional[dict[str, Any]]]


class FakeChannel:
    """Plays the assistant's WeChat channel: checks and opens each request, answers with ``answer``."""

    def __init__(self, token: str, app_id: str, aes_key: str = "", answer: Optional[Answer] = None,
                 delays: Optional[list[float]] = None) -> None:
        self.guard = Guard(token, app_id, [aes_key] if aes_key else [])
        self.answer = answer or (lambda m: {"text": f"收到：{m.text}"})
        self.delays = list(delays or [])
        self.received: list[tuple[dict[str, str], str]] = []

    async def handle(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        try:
            envelope = self.guard.open(query, await request.read())
        except Rejected as exc:
            return web.Response(status=exc.status, text="rejected")
        self.received.append((query, envelope.xml))
        if self.delays:
            await asyncio.sleep(self.delays.pop(0))
        inbound = parse(envelope.xml)
        xml = reply_xml(self.answer(inbound), inbound.openid, inbound.account)
        if xml == "success":
            return web.Response(text="success")
        return web.Response(text=Guard.seal(envelope, xml, query["nonce"]), content_type="application/xml")

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/wechat/webhook", self.handle)
        return app


async def _send(base: str, payload: Any) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http:
        data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        async with http.post(f"{base}/chat/api/send", data=data, headers={"Content-Type": "application/json"}) as resp:
            return resp.status, await resp.json()


def _with_channel(sample_url: str, channel: FakeChannel, scenario: Callable[[str], Any], **env: Optional[str]) -> Any:
    """Run ``scenario(web_base_url)`` with the fake channel standing in for the Rasa server."""
    async def run() -> Any:
        async with serving(channel.app()) as channel_base:
            port = channel_base.rsplit(":", 1)[1]
            settings = web_settings(sample_url, SYB_RASA_PORT=port, WECHAT_TOKEN="web-test-token",
                                    WECHAT_APP_ID="wxwebtest0000001", **env)
            async with serving(create_app(settings)) as base:
                return await scenario(base)
    return asyncio.run(run())


def _get(sample_url: str, path: str, **env: Optional[str]) -> tuple[int, dict[str, str], str]:
    async def run() -> tuple[int, dict[str, str], str]:
        async with serving(create_app(web_settings(sample_url, **env))) as base, aiohttp.ClientSession() as http:
            async with http.get(base + path, allow_redirects=False) as resp:
                return resp.status, dict(resp.headers), await resp.text()
    return asyncio.run(run())


def _channel(aes_key: str = "", **kw: Any) -> FakeChannel:
    return FakeChannel("web-test-token", "wxwebtest0000001", aes_key, **kw)


# ---- the page ------------------------------------------------------------------------------------

def test_chat_page_looks_like_the_official_account(sample_url: str) -> None:
    status, headers, page = _get(sample_url, "/chat")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "@沈阳营商" in page and "本地测试页，模拟微信公众号" in page
    for name in ("我要找人", "评价投诉", "我要评价", "我要投诉", "政策查询"):
        assert name in page
    assert 'data-key="FIND_CONTACT"' in page and 'data-key="RATE_SERVICE"' in page
    assert "沈阳市人民政府" in page and 'data-lat="41.7968"' in page  # the location picker
    assert 'name="mode"' not in page  # no AES key: plaintext only
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing from a CDN
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    config = json.loads(re.search(r'<script type="application/json" id="chat-config">(.*?)</script>', page).group(1))
    assert config == {"sendUrl": "/chat/api/send", "inboxUrl": "/chat/api/inbox", "encryption": False,
                      "maxContent": chat.MAX_CONTENT}


def test_encryption_modes_are_offered_only_with_an_aes_key(sample_url: str) -> None:
    _, _, page = _get(sample_url, "/chat", WECHAT_ENCODING_AES_KEY=AES_KEY)
    assert all(f'value="{mode}"' in page for mode in simulate.MODES) and "安全模式" in page


def test_root_opens_the_chat_and_health_answers(sample_url: str) -> None:
    status, headers, _ = _get(sample_url, "/")
    assert status == 302 and headers["Location"] == "/chat"
    assert _get(sample_url, "/health")[0] == 200


def test_static_files_build_the_page_without_html_injection(sample_url: str) -> None:
    status, headers, script = _get(sample_url, "/static/chat.js")
    assert status == 200 and "javascript" in headers["Content-Type"]
    assert not re.search(r"\.(inner|outer)HTML\s*[+]?=|insertAdjacentHTML\(|document\.write", script)
    assert {p.name for p in STATIC.iterdir()} >= {"chat.js", "chat.css", "card.css"}


def test_unknown_pages_get_a_chinese_404_and_the_api_answers_json(sample_url: str) -> None:
    status, _, page = _get(sample_url, "/no/such/page")
    assert status == 404 and "没有找到" in page and "12345" in page
    status, _, body = _get(sample_url, "/chat/api/nothing")
    assert status == 404 and json.loads(body)["error"] == "接口不存在"


# ---- the send endpoint: validation -----------------------------------------------------------

BAD = [
    ("not json", "请求格式错误"),
    ([1, 2], "请求格式错误"),
    ({"openid": OPENID, "type": "text", "content": "你好", "extra": 1}, "不支持的字段：extra"),
    ({"openid": "o<script>", "type": "text", "content": "你好"}, "openid 格式不正确"),
    ({"type": "text", "content": "你好"}, "openid 格式不正确"),
    ({"openid": OPENID, "type": "image", "content": "x"}, "不支持的消息类型"),
    ({"openid": OPENID, "type": "text", "content": "   "}, "消息内容不能为空"),
    ({"openid": OPENID, "type": "text", "content": 12}, "消息内容必须是文字"),
    ({"openid": OPENID, "type": "text", "content": "长" * (chat.MAX_CONTENT + 1)}, "不能超过 2000 字"),
    ({"openid": OPENID, "type": "voice", "content": "长" * (chat.MAX_CONTENT + 1)}, "不能超过 2000 字"),
    ({"openid": OPENID, "type": "location", "latitude": 41.8}, "有效的纬度和经度"),
    ({"openid": OPENID, "type": "location", "latitude": 91, "longitude": 123.4}, "有效的纬度和经度"),
    ({"openid": OPENID, "type": "location", "latitude": True, "longitude": 123.4}, "有效的纬度和经度"),
    ({"openid": OPENID, "type": "location", "latitude": "41.8", "longitude": 123.4}, "有效的纬度和经度"),
    ({"openid": OPENID, "type": "location", "latitude": 41.8, "longitude": 123.4, "label": "长" * 101}, "位置名称"),
    ({"openid": OPENID, "type": "event", "event": "VIEW"}, "不支持的事件类型"),
    ({"openid": OPENID, "type": "event", "event": "CLICK"}, "菜单 key 格式不正确"),
    ({"openid": OPENID, "type": "event", "event": "CLICK", "key": "A B"}, "菜单 key 格式不正确"),
    ({"openid": OPENID, "type": "text", "content": "你好", "mode": "aes"}, "不支持的加密方式"),
    ({"openid": OPENID, "type": "text", "content": "你好", "mode": "safe"}, "没有配置 EncodingAESKey"),
]


@pytest.mark.parametrize("payload,error", BAD, ids=range(len(BAD)))
def test_send_accepts_only_the_documented_fields(sample_url: str, payload: Any, error: str) -> None:
    channel = _channel()

    async def scenario(base: str) -> tuple[int, dict[str, Any]]:
        return await _send(base, payload)

    status, body = _with_channel(sample_url, channel, scenario)
    assert status == 400 and error in body["error"]
    assert channel.received == []  # nothing reached the assistant


def test_send_refuses_a_body_that_is_too_large(sample_url: str) -> None:
    async def scenario(base: str) -> tuple[int, dict[str, Any]]:
        return await _send(base, json.dumps({"openid": OPENID, "type": "text", "content": "字" * 9000}))

    status, body = _with_channel(sample_url, _channel(), scenario)
    assert status == 413 and body["error"] == "请求过大"


# ---- the send endpoint: what reaches the channel and what comes back ---------------------------

def test_each_kind_of_message_is_built_signed_and_answered_like_wechat(sample_url: str) -> None:
    channel = _channel()
    messages = [
        {"openid": OPENID, "type": "event", "event": "subscribe"},
        {"openid": OPENID, "type": "text", "content": "公积金提取找哪个部门 <b>&"},
        {"openid": OPENID, "type": "voice", "content": "开饭店找谁"},
        {"openid": OPENID, "type": "location", "latitude": 41.7968, "longitude": 123.429, "label": "沈阳市人民政府"},
        {"openid": OPENID, "type": "event", "event": "CLICK", "key": "FIND_CONTACT"},
    ]

    async def scenario(base: str) -> list[tuple[int, dict[str, Any]]]:
        return [await _send(base, m) for m in messages]

    results = _with_channel(sample_url, channel, scenario)
    assert [s for s, _ in results] == [200] * 5
    inbound = [parse(xml) for _, xml in channel.received]
    assert [i.msg_type for i in inbound] == ["event", "text", "voice", "location", "event"]
    assert inbound[0].event == "subscribe" and "<MsgId>" not in channel.received[0][1]
    assert inbound[1].text and inbound[1].text.startswith("公积金提取找哪个部门")
    assert inbound[2].text == "开饭店找谁"
    assert "<Recognition><![CDATA[开饭店找谁]]></Recognition>" in channel.received[2][1]
    assert inbound[3].location == (41.7968, 123.429, "沈阳市人民政府")
    assert inbound[4].metadata == {"event": "click", "key": "FIND_CONTACT"}
    assert all(q["openid"] == OPENID and "signature" in q and "encrypt_type" not in q for q, _ in channel.received)
    replies = [body["replies"] for _, body in results]
    assert replies[2] == [{"msgtype": "text", "text": {"content": "收到：开饭店找谁"}}]
    assert all(body["attempts"] == 1 and body["unavailable"] is False for _, body in results)


@pytest.mark.parametrize("mode", ["compatible", "safe"])
def test_encrypted_modes_are_sealed_and_the_reply_opened(sample_url: str, mode: str) -> None:
    channel = _channel(AES_KEY)

    async def scenario(base: str) -> tuple[int, dict[str, Any]]:
        return await _send(base, {"openid": OPENID, "type": "text", "content": "市场监管局电话", "mode": mode})

    status, body = _with_channel(sample_url, channel, scenario, WECHAT_ENCODING_AES_KEY=AES_KEY)
    assert status == 200 and body["replies"] == [{"msgtype": "text", "text": {"content": "收到：市场监管局电话"}}]
    query, _ = channel.received[0]
    assert query["encrypt_type"] == "aes" and "msg_signature" in query


def test_news_transfer_and_success_replies_become_message_bodies(sample_url: str) -> None:
    article = {"title": "服务名片｜张伟 · 沈阳市政务服务中心", "description": "窗口负责人\n电话：024-26474653-101",
               "url": "http://127.0.0.1:18999/cards/cadre/1", "picurl": "http://127.0.0.1:18999/cards/cadre/1/photo.svg"}
    answers = {"卡片": {"news": article}, "人工": {"transfer": True}, "稍后": None}
    channel = _channel(answer=lambda m: answers[m.text or ""])

    async def scenario(base: str) -> list[dict[str, Any]]:
        return [(await _send(base, {"openid": OPENID, "type": "text", "content": word}))[1] for word in answers]

    news, transfer, later = _with_channel(sample_url, channel, scenario)
    assert news["replies"] == [{"msgtype": "news", "news": {"articles": [article]}}]
    assert transfer["replies"] == [{"msgtype": "transfer_customer_service"}]
    assert later["replies"] == [] and later["unavailable"] is False


def test_a_slow_channel_gets_wechats_retries_with_the_same_message(sample_url: str) -> None:
    channel = _channel(delays=[0.5])
    account = simulate.Account("web-test-token", "wxwebtest0000001")
    message = chat.parse_page_message({"openid": OPENID, "type": "text", "content": "慢一点"}, False)
    xml = chat.to_xml(account, message)

    async def run() -> chat.Delivery:
        async with serving(channel.app()) as base, aiohttp.ClientSession() as http:
            return await chat.post_like_wechat(http, base + "/webhooks/wechat/webhook", account, message, xml,
                                               timeout=0.25)

    delivery = asyncio.run(run())
    assert delivery.attempts == 2 and not delivery.gave_up
    assert delivery.replies == [{"msgtype": "text", "text": {"content": "收到：慢一点"}}]
    assert channel.received[0][1] == channel.received[1][1]  # the same MsgId both times
    assert channel.received[0][0]["nonce"] != channel.received[1][0]["nonce"]  # signed afresh


def test_no_answer_in_three_tries_is_reported_like_wechat(sample_url: str) -> None:
    channel = _channel(delays=[0.5, 0.5, 0.5])
    account = simulate.Account("web-test-token", "wxwebtest0000001")
    message = chat.parse_page_message({"openid": OPENID, "type": "text", "content": "很慢"}, False)

    async def run() -> chat.Delivery:
        async with serving(channel.app()) as base, aiohttp.ClientSession() as http:
            return await chat.post_like_wechat(http, base + "/webhooks/wechat/webhook", account, message,
                                               chat.to_xml(account, message), timeout=0.2)

    delivery = asyncio.run(run())
    assert delivery.gave_up and delivery.attempts == 3 and delivery.replies == []


def test_a_refused_or_missing_channel_is_a_502_with_the_reason(sample_url: str) -> None:
    wrong = FakeChannel("another-token", "wxwebtest0000001")

    async def scenario(base: str) -> tuple[int, dict[str, Any]]:
        return await _send(base, {"openid": OPENID, "type": "text", "content": "你好"})

    status, body = _with_channel(sample_url, wrong, scenario)
    assert status == 502 and "HTTP 403" in body["error"]

    async def nobody() -> tuple[int, dict[str, Any]]:
        async with serving(create_app(web_settings(sample_url, SYB_RASA_PORT="9"))) as base:
            return await _send(base, {"openid": OPENID, "type": "text", "content": "你好"})

    status, body = asyncio.run(nobody())
    assert status == 502 and "无法连接助手服务" in body["error"]


# ---- the inbox: messages the assistant sends later by API ------------------------------------

def test_inbox_shows_what_the_assistant_sent_through_the_sandbox(sample_url: str) -> None:
    settings = web_settings(sample_url)

    async def run() -> tuple[list[Any], list[Any], int]:
        async with serving(create_app(settings)) as base, aiohttp.ClientSession() as http:
            api = base + "/sandbox/cgi-bin"
            credentials = {"grant_type": "client_credential", "appid": settings.wechat_app_id,
                           "secret": settings.wechat_app_secret}
            async with http.get(f"{api}/token", params=credentials) as resp:
                token = (await resp.json())["access_token"]
            for text in ("第一条", "第二条"):
                body = {"touser": OPENID, "msgtype": "text", "text": {"content": text}}
                async with http.post(f"{api}/message/custom/send", params={"access_token": token}, json=body) as resp:
                    assert (await resp.json())["errcode"] == 0
            inbox = f"{base}/chat/api/inbox"
            async with http.get(inbox, params={"openid": OPENID}) as resp:
                everything = (await resp.json())["messages"]
            async with http.get(inbox, params={"openid": OPENID, "after": everything[0]["id"]}) as resp:
                later = (await resp.json())["messages"]
            async with http.get(inbox, params={"openid": "x"}) as resp:
                bad = resp.status
            return everything, later, bad

    everything, later, bad = asyncio.run(run())
    assert [m["body"]["text"]["content"] for m in everything] == ["第一条", "第二条"]
    assert all(m["kind"] == "custom" for m in everything)
    assert [m["body"]["text"]["content"] for m in later] == ["第二条"]
    assert bad == 400


def test_with_the_real_wechat_api_there_is_no_chat_page_and_no_sandbox(sample_url: str) -> None:
    env = {"WECHAT_API_BASE": "https://api.weixin.qq.com"}
    assert _get(sample_url, f"/chat/api/inbox?openid={OPENID}", **env)[0] == 404
    assert _get(sample_url, "/sandbox/cgi-bin/token", **env)[0] == 404
    assert _get(sample_url, "/chat", **env)[0] == 404


def test_access_log_skips_polling_and_hides_secrets(caplog: pytest.LogCaptureFixture) -> None:
    class Req:
        remote, method = "127.0.0.1", "GET"

        def __init__(self, path: str, query: dict[str, str]) -> None:
            self.path, self.query = path, query

    access = QuietAccessLogger(logging.getLogger("test.access"), "")
    with caplog.at_level(logging.INFO, "test.access"):
        access.log(Req("/chat/api/inbox", {"openid": OPENID}), web.Response(), 0.01)  # type: ignore[arg-type]
        access.log(Req("/sandbox/cgi-bin/token", {"appid": "wx1", "secret": "s3cret"}), web.Response(), 0.01)  # type: ignore[arg-type]
    assert len(caplog.records) == 1
    line = caplog.records[0].getMessage()
    assert "appid=wx1" in line and "s3cret" not in line and "secret=***" in line
