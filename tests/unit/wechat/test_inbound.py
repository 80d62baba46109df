"""Inbound requests built exactly as WeChat's servers send them (bot.wechat.simulate)."""
from __future__ import annotations

import time

import pytest

from bot.wechat import inbound, simulate
from bot.wechat.inbound import Guard, Rejected, parse

KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OLD_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
ACCOUNT = simulate.Account("tok-123", "wx1234567890abcd", KEY)
GUARD = Guard(ACCOUNT.token, ACCOUNT.app_id, [KEY])


@pytest.mark.parametrize("mode", simulate.MODES)
def test_every_mode_opens_to_the_same_message(mode: str) -> None:
    xml = simulate.text(ACCOUNT, "oUser1", "公积金提取找哪个部门", msg_id=42)
    query, body = simulate.request(ACCOUNT, "oUser1", xml, mode)
    envelope = GUARD.open(query, body.encode())
    inbound = parse(envelope.xml)
    assert (inbound.openid, inbound.text, inbound.dedupe_key) == ("oUser1", "公积金提取找哪个部门", "m:oUser1:42")
    assert (envelope.crypto is None) == (mode == "plain")


def test_bad_or_missing_signature_is_refused() -> None:
    query, body = simulate.request(ACCOUNT, "o1", simulate.text(ACCOUNT, "o1", "你好"))
    with pytest.raises(Rejected) as exc:
        GUARD.open({**query, "signature": "0" * 40}, body.encode())
    assert exc.value.status == 403
    with pytest.raises(Rejected):
        GUARD.open({}, body.encode())


def test_tampered_ciphertext_signature_is_refused() -> None:
    query, body = simulate.request(ACCOUNT, "o1", simulate.text(ACCOUNT, "o1", "你好"), "safe")
    with pytest.raises(Rejected) as exc:
        GUARD.open({**query, "msg_signature": "f" * 40}, body.encode())
    assert exc.value.status == 403


def test_previous_key_still_opens_after_rotation() -> None:
    old = simulate.Account(ACCOUNT.token, ACCOUNT.app_id, OLD_KEY)
    query, body = simulate.request(old, "o1", simulate.text(old, "o1", "你好"), "safe")
    with pytest.raises(Rejected):
        GUARD.open(query, body.encode())
    rotated = Guard(ACCOUNT.token, ACCOUNT.app_id, [KEY, OLD_KEY])
    envelope = rotated.open(query, body.encode())
    assert parse(envelope.xml).text == "你好"
    reply = Guard.seal(envelope, "<xml><Content>ok</Content></xml>", "n1")
    assert simulate.read_reply(old, reply, query) == {"Content": "ok"}


def test_message_from_another_app_id_is_refused() -> None:
    other = simulate.Account(ACCOUNT.token, "wxOTHERAPP0000000", KEY)
    query, body = simulate.request(other, "o1", simulate.text(other, "o1", "你好"), "safe")
    with pytest.raises(Rejected) as exc:
        GUARD.open(query, body.encode())
    assert exc.value.status == 400


@pytest.mark.parametrize("body", [b"", b"<xml><Content>no type", b"not xml at all", b"<xml></xml>",
                                  b"<xml><MsgType>text</MsgType></xml>"])
def test_malformed_xml_is_a_400(body: bytes) -> None:
    query, _ = simulate.request(ACCOUNT, "o1", "<xml/>")
    with pytest.raises(Rejected) as exc:
        parse(GUARD.open(query, body).xml)
    assert exc.value.status == 400


MESSAGE = ("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>"
           "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>&x;</Content>"
           "<MsgId>1</MsgId></xml>")
ENTITY_ATTACKS = {
    "expansion": '<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                 '<!ENTITY x "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>' + MESSAGE,
    "external": '<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + MESSAGE,
}


@pytest.mark.parametrize("mode", simulate.MODES)
@pytest.mark.parametrize("attack", ENTITY_ATTACKS)
def test_entity_declarations_are_refused(mode: str, attack: str) -> None:
    query, body = simulate.request(ACCOUNT, "o1", ENTITY_ATTACKS[attack], mode)
    with pytest.raises(Rejected) as exc:
        parse(GUARD.open(query, body.encode()).xml)
    assert exc.value.status == 400


def test_a_body_past_the_limit_is_refused_before_anything_else() -> None:
    query, body = simulate.request(ACCOUNT, "o1", simulate.text(ACCOUNT, "o1", "你" * 400_000), "plain")
    with pytest.raises(Rejected) as exc:
        GUARD.open(query, body.encode())
    assert exc.value.status == 413


def test_voice_uses_recognition_or_keeps_the_media_id() -> None:
    said = parse(simulate.voice(ACCOUNT, "o1", "开饭店找谁。", media_id="MEDIA1"))
    assert said.text == "开饭店找谁" and said.metadata["voice_media_id"] == "MEDIA1"
    silent = parse(simulate.voice(ACCOUNT, "o1", "", media_id="MEDIA2"))
    assert silent.text == "/voice_unrecognised" and silent.media_id == "MEDIA2"


def test_location_goes_to_find_nearby_with_coordinates() -> None:
    inbound = parse(simulate.location(ACCOUNT, "o1", 41.8, 123.43, "沈阳市政府"))
    assert inbound.text == "/find_nearby"
    assert inbound.metadata["location"] == {"latitude": 41.8, "longitude": 123.43, "label": "沈阳市政府"}


def test_events() -> None:
    sub = parse(simulate.event(ACCOUNT, "o1", "subscribe", create_time=1700000000))
    assert (sub.text, sub.subscribed, sub.dedupe_key) == ("/subscribe_account", True, "e:o1:1700000000:subscribe")
    scene = parse(simulate.event(ACCOUNT, "o1", "subscribe", "qrscene_RATE_SERVICE:U0001"))
    assert scene.text == '/rate_service{"unit_code":"U0001"}' and scene.subscribed
    assert parse(simulate.event(ACCOUNT, "o1", "unsubscribe")).subscribed is False
    assert parse(simulate.event(ACCOUNT, "o1", "unsubscribe")).text is None
    assert parse(simulate.event(ACCOUNT, "o1", "CLICK", "COMPLAIN")).text == "/complain"
    assert parse(simulate.event(ACCOUNT, "o1", "CLICK", "NO_SUCH_KEY")).text == "/help"
    assert parse(simulate.event(ACCOUNT, "o1", "VIEW", "https://example.org")).text is None


def test_other_types_get_the_unsupported_answer() -> None:
    xml = simulate.message_xml(ACCOUNT, "o1", "image", PicUrl="http://x/p.jpg", MediaId="IMG1")
    inbound = parse(xml)
    assert inbound.text == "/unsupported_message" and inbound.metadata == {"media_type": "image", "media_id": "IMG1"}


def test_user_cannot_type_an_intent_trigger() -> None:
    assert parse(simulate.text(ACCOUNT, "o1", '/rate_service{"star":"10"}')).text == 'rate_service{"star":"10"}'
    assert parse(simulate.text(ACCOUNT, "o1", "   ")).text == "/help"


def test_url_verification() -> None:
    query, _ = simulate.request(ACCOUNT, "o1", "<xml/>")
    assert GUARD.verify_url({**query, "echostr": "12345"}) == "12345"
    with pytest.raises(Rejected):
        GUARD.verify_url({**query, "signature": "x", "echostr": "12345"})


def test_markup_characters_reach_the_assistant_unchanged() -> None:
    said = "沈阳A&B<机械>有限公司]]>投诉"
    assert parse(simulate.text(ACCOUNT, "o1", said)).text == said


@pytest.mark.parametrize("timestamp", [978307200, -400, 400, "abc"])  # 2001; or six-odd minutes off now
def test_a_signature_outside_five_minutes_is_refused(timestamp: "int | str") -> None:
    when = timestamp if isinstance(timestamp, str) or timestamp > 10**6 else int(time.time()) + timestamp
    query, body = simulate.request(ACCOUNT, "o1", simulate.text(ACCOUNT, "o1", "你好"), "safe", timestamp=0)
    query = {**query, "timestamp": str(when), "signature": simulate.sign(ACCOUNT.token, str(when), query["nonce"])}
    for check in (lambda: GUARD.open(query, body.encode()), lambda: GUARD.verify_url({**query, "echostr": "1"})):
        with pytest.raises(Rejected) as exc:
            check()
        assert exc.value.status == 403


def test_a_signature_within_five_minutes_is_accepted() -> None:
    for offset in (-200, 200):
        query, body = simulate.request(ACCOUNT, "o1", simulate.text(ACCOUNT, "o1", "你好"),
                                       timestamp=int(time.time()) + offset)
        assert parse(GUARD.open(query, body.encode()).xml).text == "你好"


@pytest.mark.parametrize("mode", ["plain", "compatible"])
def test_a_captured_signature_with_another_body_is_refused(mode: str) -> None:
    guard = Guard(ACCOUNT.token, ACCOUNT.app_id, [KEY])
    query, body = simulate.request(ACCOUNT, "oVictim", simulate.text(ACCOUNT, "oVictim", "查询投诉"), mode)
    assert guard.open(query, body.encode()).xml == guard.open(query, body.encode()).xml  # WeChat's retry
    plain = {k: v for k, v in query.items() if k not in ("encrypt_type", "msg_signature")}  # signed alike
    with pytest.raises(Rejected) as exc:
        guard.open(plain, simulate.text(ACCOUNT, "oVictim", "取消推送").encode())
    assert exc.value.status == 403


def _mangled(xml: str, old: str, new: str) -> str:
    assert old in xml
    return xml.replace(old, new, 1)


TEXT = simulate.text(ACCOUNT, "o1", "你好", msg_id=77, create_time=1764000000)
PLACE = simulate.location(ACCOUNT, "o1", 41.8, 123.43, "沈阳", msg_id=78, create_time=1764000000)
REPORT = simulate.message_xml(ACCOUNT, "o1", "event", Event="LOCATION", Latitude=41.8, Longitude=123.4,
                              create_time=1764000000)
MALFORMED = {
    "nested Content": _mangled(TEXT, "<![CDATA[你好]]>", "<a>x</a>"),
    "two Contents": _mangled(TEXT, "</xml>", "<Content>又一个</Content></xml>"),
    "Content with an attribute": _mangled(TEXT, "<Content>", '<Content lang="zh">'),
    "nested MsgType": _mangled(TEXT, "<![CDATA[text]]>", "<t>text</t>"),
    "no MsgType": _mangled(TEXT, "<MsgType><![CDATA[text]]></MsgType>", ""),
    "no MsgId": _mangled(TEXT, "<MsgId>77</MsgId>", ""),
    "MsgId not a number": _mangled(TEXT, "<MsgId>77</MsgId>", "<MsgId>七十七</MsgId>"),
    "no CreateTime": _mangled(TEXT, "<CreateTime>1764000000</CreateTime>", ""),
    "CreateTime not a number": _mangled(TEXT, "<CreateTime>1764000000</CreateTime>", "<CreateTime>昨天</CreateTime>"),
    "Location_X not a number": _mangled(PLACE, "<Location_X>41.8</Location_X>", "<Location_X>北纬</Location_X>"),
    "Location_X not finite": _mangled(PLACE, "<Location_X>41.8</Location_X>", "<Location_X>nan</Location_X>"),
    "no Location_X": _mangled(PLACE, "<Location_X>41.8</Location_X>", ""),
    "Location_Y out of range": _mangled(PLACE, "<Location_Y>123.43</Location_Y>", "<Location_Y>1e308</Location_Y>"),
    "Latitude not a number": _mangled(REPORT, "<Latitude>41.8</Latitude>", "<Latitude>x</Latitude>"),
    "no Latitude": _mangled(REPORT, "<Latitude>41.8</Latitude>", ""),
    "nested Event": _mangled(REPORT, "<![CDATA[LOCATION]]>", "<e/>"),
    "MediaId too long": simulate.message_xml(ACCOUNT, "o1", "image", MediaId="M" * 129),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_a_malformed_message_from_a_readable_sender_can_be_answered(name: str) -> None:
    with pytest.raises(inbound.Unreadable) as exc:
        parse(MALFORMED[name])
    assert (exc.value.status, exc.value.openid, exc.value.account) == (400, "o1", ACCOUNT.original_id)


@pytest.mark.parametrize("xml", [
    _mangled(TEXT, "<![CDATA[o1]]>", "<a>o1</a>"),
    _mangled(TEXT, "<FromUserName><![CDATA[o1]]></FromUserName>", ""),
    _mangled(TEXT, "<![CDATA[o1]]>", "o" * 65),
    _mangled(TEXT, "<![CDATA[o1]]>", "<![CDATA[o 1]]>"),
    _mangled(TEXT, "<ToUserName><![CDATA[gh_syb_local]]></ToUserName>", ""),
    "<xml>text only</xml>",
    "<notxml><FromUserName>o1</FromUserName></notxml>",
])
def test_a_message_without_a_readable_sender_is_a_400(xml: str) -> None:
    with pytest.raises(Rejected) as exc:
        parse(xml)
    assert exc.value.status == 400 and not isinstance(exc.value, inbound.Unreadable)


def test_a_long_message_is_cut_and_marked_with_its_length() -> None:
    long = parse(simulate.text(ACCOUNT, "o1", "  " + "长" * 1500), max_chars=1000)
    assert long.text == "长" * 1000 and long.metadata == {"overlong": 1500}
    heard = parse(simulate.voice(ACCOUNT, "o1", "说" * 1200, media_id="V1"), max_chars=1000)
    assert heard.text == "说" * 1000 and heard.metadata == {"voice_media_id": "V1", "overlong": 1200}
    exact = parse(simulate.text(ACCOUNT, "o1", "长" * 1000), max_chars=1000)
    assert exact.text == "长" * 1000 and "overlong" not in exact.metadata
