"""The WeChat channel on the real Rasa server: messages built and signed exactly as WeChat sends them."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.db.directory import Cadre
from bot.db.wechat import InboundMessage, WeChatUser
from bot.wechat import simulate
from tests.integration.conftest import PREVIOUS_AES_KEY


class WeChatServer:
    """Plays WeChat's servers against the channel."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = f"http://127.0.0.1:{settings.rasa_port}/webhooks/wechat/webhook"
        self.account = simulate.Account(settings.wechat_token, settings.wechat_app_id, settings.wechat_aes_key)

    def post(self, query: dict[str, str], body: str) -> tuple[int, str]:
        req = urllib.request.Request(self.url + "?" + urllib.parse.urlencode(query), body.encode(), method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def send(self, xml: str, mode: str = "safe", account: Optional[simulate.Account] = None) -> Optional[dict[str, Any]]:
        account = account or self.account
        openid = xml.split("<FromUserName><![CDATA[", 1)[1].split("]]>", 1)[0]
        query, body = simulate.request(account, openid, xml, mode)
        status, text = self.post(query, body)
        assert status == 200, text
        return simulate.read_reply(account, text, query)

    def say(self, openid: str, text: str, mode: str = "safe") -> str:
        reply = self.send(simulate.text(self.account, openid, text), mode)
        assert reply is not None and reply["MsgType"] == "text", reply
        return str(reply["Content"])


@pytest.fixture(scope="module")
def wechat(servers: Settings) -> WeChatServer:
    return WeChatServer(servers)


def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


def inbound_rows(sample_sessions: Any, user: str) -> list[InboundMessage]:
    with sample_sessions() as s:
        return list(s.scalars(select(InboundMessage).where(InboundMessage.openid == user)))


@pytest.mark.parametrize("mode", simulate.MODES)
def test_a_question_in_every_mode(wechat: WeChatServer, mode: str) -> None:
    assert "住房公积金" in wechat.say(openid(), "公积金提取找哪个部门", mode)


def test_server_address_check(wechat: WeChatServer) -> None:
    query, _ = simulate.request(wechat.account, "o", "<xml/>")
    query = {k: v for k, v in query.items() if k != "openid"}
    with urllib.request.urlopen(wechat.url + "?" + urllib.parse.urlencode({**query, "echostr": "echo123"})) as resp:
        assert resp.read() == b"echo123"
    bad = urllib.parse.urlencode({**query, "signature": "0" * 40, "echostr": "echo123"})
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(wechat.url + "?" + bad)
    assert exc.value.code == 403


def test_forged_and_malformed_requests_are_refused_and_leave_nothing(wechat: WeChatServer, sample_sessions: Any) -> None:
    user = openid()
    query, body = simulate.request(wechat.account, user, simulate.text(wechat.account, user, "你好"), "plain")
    status, text = wechat.post({**query, "signature": "f" * 40}, body)
    assert status == 403 and "签名" in text
    status, _ = wechat.post({k: v for k, v in query.items() if k != "signature"}, body)
    assert status == 403
    forged = simulate.Account("wrong-token", wechat.account.app_id, wechat.account.aes_key)
    q2, b2 = simulate.request(forged, user, simulate.text(forged, user, "你好"), "safe")
    assert wechat.post(q2, b2)[0] == 403
    q3, _ = simulate.request(wechat.account, user, "<xml/>", "plain")
    status, text = wechat.post(q3, "<xml><ToUserName>broken")
    assert status == 400 and "格式" in text
    assert inbound_rows(sample_sessions, user) == []


def test_a_1_mb_body_and_entity_declarations_are_refused_and_leave_nothing(wechat: WeChatServer, sample_sessions: Any) -> None:
    user = openid()
    query, body = simulate.request(wechat.account, user, simulate.text(wechat.account, user, "长" * 350_000), "plain")
    assert len(body.encode()) > 1_000_000
    status, text = wechat.post(query, body)
    assert status == 413 and "过大" in text
    xxe = simulate.text(wechat.account, user, "&x;").replace("<xml>", '<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml>', 1)
    for mode in ("plain", "safe"):
        query, body = simulate.request(wechat.account, user, xxe, mode)
        assert wechat.post(query, body)[0] == 400
    assert inbound_rows(sample_sessions, user) == []


def test_the_same_message_three_times_at_once_is_processed_once(wechat: WeChatServer, servers: Settings) -> None:
    user = openid()
    query, body = simulate.request(wechat.account, user, simulate.text(wechat.account, user, "公积金提取找谁",
                                                                       msg_id=987654321099), "safe")
    with ThreadPoolExecutor(3) as pool:
        replies = list(pool.map(lambda _: wechat.post(query, body), range(3)))
    assert [status for status, _ in replies] == [200, 200, 200]
    contents = {str((simulate.read_reply(wechat.account, text, query) or {}).get("Content")) for _, text in replies}
    assert len(contents) == 1 and "公积金" in contents.pop()
    tracker_url = (f"http://127.0.0.1:{servers.rasa_port}/conversations/{user}/tracker"
                   f"?token={servers.rasa_api_token}")
    with urllib.request.urlopen(tracker_url) as resp:
        events = json.loads(resp.read())["events"]
    assert [e["message_id"] for e in events if e["event"] == "user"] == ["m:987654321099"]


def test_the_previous_aes_key_still_works_during_rotation(wechat: WeChatServer) -> None:
    old = simulate.Account(wechat.account.token, wechat.account.app_id, PREVIOUS_AES_KEY)
    user = openid()
    reply = wechat.send(simulate.text(old, user, "市场监管局电话多少"), "safe", account=old)
    assert reply is not None and "市场监督管理局" in reply["Content"]


def test_a_retried_message_is_processed_once_and_answered_the_same(wechat: WeChatServer, servers: Settings) -> None:
    user = openid()
    xml = simulate.text(wechat.account, user, "我要转人工", msg_id=987654321012)
    first = wechat.send(xml)
    again = wechat.send(xml)
    assert first is not None and again is not None
    assert first.get("Content") == again.get("Content") and first["MsgType"] == again["MsgType"]
    tracker_url = (f"http://127.0.0.1:{servers.rasa_port}/conversations/{user}/tracker"
                   f"?token={servers.rasa_api_token}")
    with urllib.request.urlopen(tracker_url) as resp:
        events = json.loads(resp.read())["events"]
    user_turns = [e for e in events if e["event"] == "user"]
    assert len(user_turns) == 1 and user_turns[0]["message_id"] == "m:987654321012"


def test_events_and_other_message_types(wechat: WeChatServer, sample_sessions: Any) -> None:
    user = openid()
    welcome = wechat.send(simulate.event(wechat.account, user, "subscribe"))
    assert welcome is not None and "欢迎关注" in welcome["Content"]
    click = wechat.send(simulate.event(wechat.account, user, "CLICK", "FIND_CONTACT"))
    assert click is not None and "请问您要办什么事" in click["Content"]
    near = wechat.send(simulate.location(wechat.account, user, 41.7968, 123.4290, "沈阳市人民政府"))
    assert near is not None and "离您最近" in near["Content"] and "米" in near["Content"]
    heard = wechat.send(simulate.voice(wechat.account, user, "公积金提取找哪个部门。"))
    assert heard is not None and "住房公积金" in heard["Content"]
    silent = wechat.send(simulate.voice(wechat.account, user, "", media_id="VOICE-EVIDENCE-1"))
    assert silent is not None and "打字" in silent["Content"]
    image = wechat.send(simulate.message_xml(wechat.account, user, "image", PicUrl="http://p/1.jpg", MediaId="IMG-1"))
    assert image is not None and "文字" in image["Content"]
    assert wechat.send(simulate.event(wechat.account, user, "unsubscribe")) is None
    with sample_sessions() as s:
        assert s.get(WeChatUser, user).subscribed is False
    media = {r.media_id for r in inbound_rows(sample_sessions, user)}
    assert {"VOICE-EVIDENCE-1", "IMG-1"} <= media


def test_a_cadre_answer_is_a_news_card(wechat: WeChatServer, sample_sessions: Any, servers: Settings) -> None:
    with sample_sessions() as s:
        name = s.scalars(select(Cadre.name).group_by(Cadre.name).having(func.count() == 1)
                         .order_by(Cadre.name).limit(1)).one()
    reply = wechat.send(simulate.text(wechat.account, openid(), f"{name}负责什么"))
    assert reply is not None and reply["MsgType"] == "news", reply
    item = reply["Articles"]["item"]
    assert name in item["Title"] and item["Url"].startswith(f"{servers.public_url}/cards/cadre/")
    with urllib.request.urlopen(item["Url"]) as resp:  # the card page, served by the web app
        page = resp.read().decode()
    assert name in page and 'href="tel:' in page and "示例数据" in page
