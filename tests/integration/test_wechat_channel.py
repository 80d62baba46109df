"""The WeChat channel on the real Rasa server: messages built and signed exactly as WeChat sends them."""
from __future__ import annotations

import os
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.db.directory import Cadre
from bot.db.wechat import InboundMessage, WeChatUser
from bot.replies import render
from bot.wechat import simulate
from tests.integration.conftest import PREVIOUS_AES_KEY, RUNNING, WeChatServer, openid, tracker_events


def inbound_rows(sample_sessions: Any, user: str) -> list[InboundMessage]:
    with sample_sessions() as s:
        return list(s.scalars(select(InboundMessage).where(InboundMessage.openid == user)))


def user_turns(servers: Settings, user: str) -> list[dict[str, Any]]:
    return [e for e in tracker_events(servers, user) if e["event"] == "user"]


def rasa_log(servers: Settings) -> str:
    """What the Rasa server has written to its log so far (its standard output is the log file)."""
    return Path(os.readlink(f"/proc/{RUNNING[servers.rasa_port][1].pid}/fd/1")).read_text(errors="replace")


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
    assert [e["message_id"] for e in user_turns(servers, user)] == [f"m:{user}:987654321099"]


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
    assert [e["message_id"] for e in user_turns(servers, user)] == [f"m:{user}:987654321012"]


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


def test_two_users_whose_messages_share_a_msg_id_each_get_their_own_answer(wechat: WeChatServer) -> None:
    mine, theirs = openid(), openid()
    first = wechat.send(simulate.text(wechat.account, mine, "公积金提取找哪个部门", msg_id=987654321777))
    second = wechat.send(simulate.text(wechat.account, theirs, "市场监管局电话多少", msg_id=987654321777))
    assert first is not None and "住房公积金" in first["Content"]
    assert second is not None and "市场监督管理局" in second["Content"], second


def test_a_signature_from_2001_is_refused(wechat: WeChatServer, sample_sessions: Any) -> None:
    user = openid()
    xml = simulate.text(wechat.account, user, "你好")
    for mode in ("plain", "safe"):
        query, body = simulate.request(wechat.account, user, xml, mode, timestamp=978307200)
        status, text = wechat.post(query, body)
        assert status == 403 and "签名" in text
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(wechat.url + "?" + urllib.parse.urlencode({**query, "echostr": "echo123"}))
    assert exc.value.code == 403
    assert inbound_rows(sample_sessions, user) == []


def malformed(account: simulate.Account, user: str) -> list[str]:
    """Messages WeChat never sends, signed all the same (as with a leaked token)."""
    text = simulate.text(account, user, "你好")
    place = simulate.location(account, user, 41.8, 123.43, "沈阳")
    return [
        text.replace("<![CDATA[你好]]>", "<a>x</a>"),
        text.replace("</xml>", "<Content>又一条</Content></xml>"),
        place.replace("<Location_X>41.8</Location_X>", "<Location_X>北纬</Location_X>"),
        place.replace("<Location_X>41.8</Location_X>", ""),
        simulate.message_xml(account, user, "event", Event="LOCATION", Latitude="abc", Longitude=123.4),
        text.split("<MsgId>")[0] + "</xml>",
        text.replace("<CreateTime>", "<CreateTime>x"),
    ]


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_malformed_signed_messages_get_a_polite_answer(wechat: WeChatServer, sample_sessions: Any, mode: str) -> None:
    user = openid()
    for xml in malformed(wechat.account, user):
        reply = wechat.send(xml, mode)
        assert reply is not None and reply["Content"] == render("message_unreadable") and reply["ToUserName"] == user
    anonymous = simulate.text(wechat.account, user, "你好").replace(f"<![CDATA[{user}]]>", "<a/>")
    status, text = wechat.post(*simulate.request(wechat.account, user, anonymous, mode))
    assert status == 400 and "格式" in text
    assert inbound_rows(sample_sessions, user) == []


def test_no_signed_query_string_reaches_the_log(wechat: WeChatServer, servers: Settings) -> None:
    user = openid()
    signed = []
    xml = simulate.text(wechat.account, user, "你好")
    for mode in ("plain", "safe"):  # a message that used to end in a 500, a forged one, a stale one
        signed.append(simulate.request(wechat.account, user, malformed(wechat.account, user)[0], mode))
        query, body = simulate.request(wechat.account, user, xml, mode)
        signed += [({**query, "signature": "f" * 40}, body),
                   simulate.request(wechat.account, user, xml, mode, timestamp=978307200)]
    for query, body in signed:
        assert wechat.post(query, body)[0] < 500
    query = {**signed[0][0], "echostr": "echo" + uuid.uuid4().hex}
    for q in (query, {**query, "signature": "0" * 40}):
        try:
            urllib.request.urlopen(wechat.url + "?" + urllib.parse.urlencode(q)).close()
        except urllib.error.HTTPError:
            pass
    time.sleep(0.5)
    log = rasa_log(servers)
    assert "refused a WeChat POST to /webhooks/wechat/webhook" in log  # the reasons are logged
    secrets = {v for q, _ in signed for k, v in q.items() if k in ("signature", "msg_signature", "nonce")}
    secrets |= {query["echostr"], user}
    assert not [s for s in secrets if s in log]
    assert not [k for k in ("signature=", "nonce=", "echostr=", "openid=") if k in log]


def test_a_long_message_reaches_the_assistant_cut_and_marked(wechat: WeChatServer, servers: Settings) -> None:
    user = openid()
    said = "我想咨询" + "开饭店要办哪些证" * 200
    wechat.send(simulate.text(wechat.account, user, said))  # answered now or by API: either is fine here
    deadline = time.monotonic() + 30
    while not (turns := user_turns(servers, user)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(turns) == 1 and turns[0]["text"] == said[:servers.max_message_chars]
    assert turns[0]["metadata"]["overlong"] == len(said)
