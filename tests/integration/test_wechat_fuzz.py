"""Random and mutated requests against the real WeChat endpoint (Rasa server, action server, database).

Whatever arrives: never a 5xx, and a request that fails a check (refused, or signed but unreadable)
leaves no row in the inbound table. Examples are derived from a fixed seed, so CI runs the same ones.
"""
from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Optional

import xmltodict
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.config import Settings
from bot.db.wechat import InboundMessage
from bot.replies import render
from bot.wechat import simulate

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEW = settings(FUZZ, max_examples=25)
Request = tuple[dict[str, str], bytes]

FIELDS = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "Event", "EventKey",
          "Location_X", "Location_Y", "Scale", "Label", "Latitude", "Longitude", "MediaId", "Recognition"]
names = st.one_of(st.sampled_from(FIELDS), st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True))
values = st.one_of(
    st.text(max_size=40), st.integers().map(str), st.floats().map(str), st.just(""),
    st.sampled_from(["text", "event", "location", "voice", "image", "subscribe", "CLICK", "LOCATION",
                     "FIND_CONTACT", "qrscene_RATE_SERVICE:U0001", "/help", "]]>", "&amp;", "<a>"]),
)
nested = st.recursive(values, lambda inner: st.dictionaries(names, inner, min_size=1, max_size=3), max_leaves=6)


def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


def messages(account: simulate.Account, user: str) -> list[str]:
    """One of each kind WeChat sends."""
    return [simulate.text(account, user, "公积金提取找哪个部门"),
            simulate.voice(account, user, "开饭店找谁。"),
            simulate.location(account, user, 41.8, 123.43, "沈阳市政府"),
            simulate.message_xml(account, user, "image", PicUrl="http://p/1.jpg", MediaId="IMG-1"),
            simulate.event(account, user, "subscribe", "qrscene_RATE_SERVICE:U0001"),
            simulate.event(account, user, "CLICK", "FIND_CONTACT"),
            simulate.message_xml(account, user, "event", Event="LOCATION", Latitude=41.8, Longitude=123.4)]


@st.composite
def mutated(draw: st.DrawFn, account: simulate.Account, user: str) -> str:
    """A real message with fields dropped, replaced, nested, repeated or added."""
    fields: dict[str, Any] = dict(xmltodict.parse(draw(st.sampled_from(messages(account, user))))["xml"])
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.one_of(st.sampled_from(sorted(fields)), names))
        change = draw(st.sampled_from(["drop", "value", "nested", "repeat"]))
        if change == "drop":
            fields.pop(name, None)
        elif change == "repeat":
            fields[name] = [fields.get(name) or draw(values), draw(values)]
        else:
            fields[name] = draw(values if change == "value" else nested)
    return xmltodict.unparse({"xml": fields}, full_document=False)


def resign(account: simulate.Account, query: dict[str, str], encrypt: str) -> dict[str, str]:
    """The query with a msg_signature that holds for ``encrypt`` (as a leaked token would allow)."""
    return {**query, "msg_signature": simulate.sign(account.token, query["timestamp"], query["nonce"], encrypt)}


def encode(request: tuple[dict[str, str], str]) -> Request:
    return request[0], request[1].encode("utf-8", errors="surrogatepass")


class Endpoint:
    """Posts to the channel and says whether a request left a trace in the inbound table."""

    def __init__(self, servers: Settings, sample_sessions: Any) -> None:
        self.url = f"http://127.0.0.1:{servers.rasa_port}/webhooks/wechat/webhook"
        self.account = simulate.Account(servers.wechat_token, servers.wechat_app_id, servers.wechat_aes_key)
        self.sessions = sample_sessions

    def rows(self) -> int:
        with self.sessions() as s:
            return int(s.scalar(select(func.count()).select_from(InboundMessage)))

    def post(self, query: dict[str, str], body: bytes) -> tuple[int, str]:
        req = urllib.request.Request(self.url + "?" + urllib.parse.urlencode(query), body, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def unreadable(self, query: dict[str, str], text: str) -> bool:
        """True if ``text`` is the polite answer to a signed message that makes no sense."""
        try:
            reply = simulate.read_reply(self.account, text, query)
        except Exception:  # noqa: BLE001 - not a reply this test can read: checked by status alone
            return False
        return reply is not None and reply.get("Content") == render("message_unreadable")

    def check(self, query: dict[str, str], body: bytes, *, refused: Optional[bool] = None) -> int:
        """Post; never a 5xx; nothing stored when refused (or when ``refused`` says it must be)."""
        before = self.rows()
        status, text = self.post(query, body)
        assert status < 500, (status, text)
        failed = status >= 400 or self.unreadable(query, text)
        if refused is not None:
            assert failed == refused, (status, text)
        if failed:
            assert self.rows() == before
        event(f"HTTP {status}" + (" unreadable" if failed and status < 400 else ""))  # in --hypothesis-show-statistics
        return status


@FUZZ
@given(data=st.data())
def test_any_request_is_answered_without_a_5xx_and_refusals_leave_nothing(servers: Settings, sample_sessions: Any,
                                                                          data: st.DataObject) -> None:
    endpoint = Endpoint(servers, sample_sessions)
    account, user = endpoint.account, openid()
    kind = data.draw(st.sampled_from(["mutated", "random xml", "random bytes", "encoding", "size", "unsigned"]))
    mode = data.draw(st.sampled_from(simulate.MODES))
    if kind == "mutated":
        endpoint.check(*encode(simulate.request(account, user, data.draw(mutated(account, user)), mode)))
    elif kind == "random xml":
        root = data.draw(st.dictionaries(names, nested, max_size=12))
        xml = xmltodict.unparse({"xml": root or None}, full_document=False)
        endpoint.check(*encode(simulate.request(account, user, xml, mode)))
    elif kind == "random bytes":
        query, _ = simulate.request(account, user, "<xml/>")
        endpoint.check(query, data.draw(st.binary(max_size=3000)), refused=True)
    elif kind == "encoding":
        xml = simulate.text(account, user, "营业执照办理")
        encoding = data.draw(st.sampled_from(["gbk", "utf-16", "utf-32", "latin-1", "big5"]))
        declaration = f'<?xml version="1.0" encoding="{encoding}"?>' if data.draw(st.booleans()) else ""
        query, _ = simulate.request(account, user, xml)
        endpoint.check(query, (declaration + xml).encode(encoding, errors="replace"))
    elif kind == "size":
        size = data.draw(st.sampled_from([0, 1, 64 * 1024 + 1, 300_000]))
        query, _ = simulate.request(account, user, "<xml/>")
        endpoint.check(query, (b"<xml><Content>" + b"a" * size)[:size], refused=True)
    else:  # a good message whose signature does not hold: forged, stale, or missing
        query, body = encode(simulate.request(account, user, simulate.text(account, user, "你好"), mode))
        change = data.draw(st.sampled_from(["signature", "timestamp", "nonce", "msg_signature", "drop"]))
        if change == "drop":
            query = {k: v for k, v in query.items() if k not in ("signature", "msg_signature")}
        elif change == "timestamp":
            query = {**query, "timestamp": str(int(query["timestamp"]) + data.draw(
                st.sampled_from([-10**9, -400, 400, 10**9])))}
        else:
            query = {**query, change: data.draw(st.text(min_size=1, max_size=40))}
        if change == "msg_signature" and mode == "plain":
            return  # plaintext does not read msg_signature
        endpoint.check(query, body, refused=True)


@FEW
@given(change=st.sampled_from(["user", "text", "type", "whitespace"]), mode=st.sampled_from(simulate.MODES))
def test_a_signature_replayed_with_another_body_is_refused(servers: Settings, sample_sessions: Any, change: str,
                                                           mode: str) -> None:
    endpoint = Endpoint(servers, sample_sessions)
    account, user = endpoint.account, openid()
    query, body = encode(simulate.request(account, user, simulate.text(account, user, "我的投诉进展", msg_id=1), mode))
    assert endpoint.check(query, body, refused=False) == 200
    assert endpoint.check(query, body, refused=False) == 200  # WeChat's retry
    other = {"user": simulate.text(account, openid(), "取消推送", msg_id=1),
             "text": simulate.text(account, user, "取消推送", msg_id=1),
             "type": simulate.event(account, user, "unsubscribe"),
             "whitespace": body.decode().replace("</xml>", " </xml>")}[change]
    plain = {k: v for k, v in query.items() if k not in ("encrypt_type", "msg_signature")}
    assert endpoint.check(plain, other.encode(), refused=True) == 403


@FEW
@given(data=st.data())
def test_tampered_ciphertext_is_refused(servers: Settings, sample_sessions: Any, data: st.DataObject) -> None:
    endpoint = Endpoint(servers, sample_sessions)
    account, user = endpoint.account, openid()
    query, body = simulate.request(account, user, simulate.text(account, user, "你好"), "safe")
    encrypt = xmltodict.parse(body)["xml"]["Encrypt"]
    raw = bytearray(base64.b64decode(encrypt))
    how = data.draw(st.sampled_from(["flip", "truncate", "random", "garbage"]))
    if how == "flip":
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] ^= data.draw(st.integers(1, 255))
        tampered = base64.b64encode(bytes(raw)).decode()
    elif how == "truncate":
        tampered = base64.b64encode(bytes(raw[:data.draw(st.integers(0, len(raw) - 1))])).decode()
    elif how == "random":
        tampered = base64.b64encode(data.draw(st.binary(max_size=400))).decode()
    else:
        tampered = data.draw(st.text(max_size=200))
    envelope = xmltodict.unparse({"xml": {"ToUserName": account.original_id, "Encrypt": tampered}},
                                 full_document=False)
    endpoint.check(query, envelope.encode(), refused=True)  # msg_signature no longer holds: 403
    endpoint.check(resign(account, query, tampered), envelope.encode(), refused=True)  # it holds: cannot decrypt
