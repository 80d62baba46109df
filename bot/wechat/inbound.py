"""Inbound WeChat requests: check signatures, decrypt, parse, and turn each into the assistant's input.

wechatpy does the protocol (signatures, AES, message classes); this module decides what a message
means for the assistant: the words to send it (text, a voice's recognition, or a ``/intent``
trigger for locations, menu clicks and events) and what to keep beside them (media ids, places).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence
from xml.parsers.expat import ExpatError

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

from bot.wechat.menu import flow_trigger

logger = logging.getLogger(__name__)

MAX_TEXT = 5000  # a complaint may be long; WeChat itself caps a text message near this
MAX_BODY = 64 * 1024  # bytes: WeChat's messages are a few KB even encrypted; anything larger is refused (413)


class Rejected(Exception):
    """A request that must not be processed; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class Envelope:
    """A verified request: the message XML and how to seal the reply."""

    xml: str
    crypto: Optional[WeChatCrypto]  # the key that opened it; None in plaintext mode


@dataclass(frozen=True)
class Inbound:
    """One WeChat message or event, as the assistant sees it."""

    openid: str
    account: str  # the Official Account's original id (ToUserName)
    dedupe_key: str
    msg_type: str
    event: Optional[str]
    text: Optional[str]  # what goes to the assistant; None: nothing to answer
    metadata: dict[str, Any] = field(default_factory=dict)
    media_id: Optional[str] = None
    subscribed: Optional[bool] = None  # True on subscribe, False on unsubscribe
    location: Optional[tuple[float, float, str]] = None  # latitude, longitude, label


class Guard:
    """Checks that a request comes from WeChat and opens it (plaintext, compatible or safe mode)."""

    def __init__(self, token: str, app_id: str, aes_keys: Sequence[str] = ()) -> None:
        self.token = token
        # The current key first; the previous one stays valid for a while after a rotation.
        self.cryptos = [WeChatCrypto(token, key, app_id) for key in aes_keys if key]

    def _check(self, query: Mapping[str, str]) -> None:
        try:
            check_signature(self.token, query.get("signature", ""), query.get("timestamp", ""),
                            query.get("nonce", ""))
        except InvalidSignatureException:
            raise Rejected(403, "bad signature") from None

    def verify_url(self, query: Mapping[str, str]) -> str:
        """The echostr to return for WeChat's server-address check."""
        self._check(query)
        return query.get("echostr", "")

    def open(self, query: Mapping[str, str], body: bytes) -> Envelope:
        """Verify and, for encrypted requests, decrypt; raises Rejected.

        XML with entity declarations (entity expansion, external entities) never gets through:
        wechatpy parses with xmltodict, whose expat parser refuses them, and that is a 400 here.
        """
        if len(body) > MAX_BODY:
            raise Rejected(413, "body too large")
        self._check(query)
        text = body.decode("utf-8", errors="replace")
        if query.get("encrypt_type", "raw").lower() != "aes":
            return Envelope(text, None)
        if not self.cryptos:
            raise Rejected(400, "encrypted message but no EncodingAESKey configured")
        for crypto in self.cryptos:
            try:
                xml = crypto.decrypt_message(text, query.get("msg_signature", ""),
                                             query.get("timestamp", ""), query.get("nonce", ""))
                return Envelope(xml, crypto)
            except InvalidSignatureException:
                raise Rejected(403, "bad msg_signature") from None
            except (InvalidAppIdException, ValueError, KeyError, ExpatError, UnicodeDecodeError) as exc:
                logger.debug("decryption failed with one key: %s", type(exc).__name__)
        raise Rejected(400, "cannot decrypt the message")

    @staticmethod
    def seal(envelope: Envelope, reply_xml: str, nonce: str) -> str:
        """Encrypt the reply when the request was encrypted."""
        if envelope.crypto is None:
            return reply_xml
        return envelope.crypto.encrypt_message(reply_xml, nonce, str(int(time.time())))


def user_words(text: Optional[str]) -> str:
    """What the user said, capped; a leading "/" is dropped so nobody can type an intent trigger."""
    return (text or "").strip().lstrip("/").strip()[:MAX_TEXT]


def parse(xml: str) -> Inbound:
    """Turn a message's XML into the assistant's input; raises Rejected(400) on malformed XML."""
    try:
        msg = parse_message(xml)
    except (ExpatError, KeyError, ValueError, TypeError, AttributeError):
        raise Rejected(400, "malformed XML") from None
    if msg is None or not getattr(msg, "source", None):
        raise Rejected(400, "not a WeChat message")
    raw: dict[str, Any] = msg._data
    create_time = str(raw.get("CreateTime", ""))
    msg_id = raw.get("MsgId") or raw.get("MsgID")
    event = str(raw.get("Event", "")).lower() or None if msg.type == "event" else None
    # Events have no MsgId: a retry repeats sender, time, event and key; two clicks in one second differ by key.
    event_key = str(raw.get("EventKey") or "")
    dedupe_key = f"m:{msg_id}" if msg_id else f"e:{msg.source}:{create_time}:{event or msg.type}" + (
        f":{event_key}" if event_key else "")
    base = dict(openid=msg.source, account=msg.target, dedupe_key=dedupe_key[:128], msg_type=msg.type, event=event)

    if msg.type == "text":
        return Inbound(**base, text=user_words(msg.content) or "/help")
    if msg.type == "voice":
        words = user_words(getattr(msg, "recognition", None)).rstrip("。")
        if words:
            return Inbound(**base, text=words, media_id=msg.media_id,
                           metadata={"voice_media_id": msg.media_id})
        return Inbound(**base, text="/voice_unrecognised", media_id=msg.media_id,
                       metadata={"voice_media_id": msg.media_id})
    if msg.type == "location":
        lat, lon = msg.location
        place = {"latitude": float(lat), "longitude": float(lon), "label": msg.label or ""}
        return Inbound(**base, text="/find_nearby", metadata={"location": place},
                       location=(float(lat), float(lon), msg.label or ""))
    if msg.type == "event":
        return _event(msg, raw, base)
    media_id = raw.get("MediaId")
    return Inbound(**base, text="/unsupported_message", media_id=media_id,
                   metadata={"media_type": msg.type, **({"media_id": media_id} if media_id else {})})


def _event(msg: Any, raw: dict[str, Any], base: dict[str, Any]) -> Inbound:
    """Events: subscribe/scan start the welcome or a flow, clicks start flows, the rest is recorded."""
    event = base["event"]
    key = str(raw.get("EventKey") or "")
    if event in ("subscribe", "subscribe_scan"):
        trigger = flow_trigger(key) if key else None
        return Inbound(**base, text=trigger or "/subscribe_account", subscribed=True,
                       metadata={"event": "subscribe", **({"scene": key} if key else {})})
    if event == "unsubscribe":
        return Inbound(**base, text=None, subscribed=False)
    if event == "scan":
        return Inbound(**base, text=flow_trigger(key) or "/greet", metadata={"event": "scan", "scene": key})
    if event == "click":
        return Inbound(**base, text=flow_trigger(key) or "/help", metadata={"event": "click", "key": key})
    if event == "location":
        lat, lon = float(raw.get("Latitude", 0)), float(raw.get("Longitude", 0))
        return Inbound(**base, text=None, location=(lat, lon, ""))
    return Inbound(**base, text=None)  # VIEW, template delivery reports...
