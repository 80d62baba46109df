"""Inbound WeChat requests: check signatures, decrypt, parse, and turn each into the assistant's input.

wechatpy does the protocol (signatures, AES); this module reads the message itself (with the same
parser wechatpy uses, xmltodict) so that a malformed field is a typed refusal, not an exception
later on, and decides what a message means for the assistant: the words to send it (text, a
voice's recognition, or a ``/intent`` trigger for locations, menu clicks and events) and what to
keep beside them (media ids, places).
"""
from __future__ import annotations

import hashlib
import logging
import math
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Sequence

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from bot.wechat.menu import flow_trigger

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # bytes: WeChat's messages are a few KB even encrypted; anything larger is refused (413)
MAX_SKEW = 300  # seconds: a signed timestamp further from now is refused (a replay, or a clock far off)
MAX_KEY = 128  # the inbound table's dedupe_key column
_ADDRESS = re.compile(r"[A-Za-z0-9_-]{1,64}")  # an OpenID or an account's original id (gh_...)
_INTEGER = re.compile(r"[0-9]{1,20}")  # MsgId (64-bit), CreateTime, a signed timestamp
# The longest value each field may have (the columns it is stored in); longer is malformed.
_LIMITS = {"MsgType": 32, "Event": 32, "MediaId": 128, "EventKey": 256, "Label": 200}


class Rejected(Exception):
    """A request that must not be processed; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class Unreadable(Rejected):
    """A signed message that makes no sense, from a sender who can still be answered."""

    def __init__(self, reason: str, openid: str, account: str) -> None:
        super().__init__(400, reason)
        self.openid = openid
        self.account = account


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

    @property
    def label(self) -> str:
        """How log lines name the message: its type and a digest of its key (no OpenID)."""
        return f"{self.msg_type}#{hashlib.sha256(self.dedupe_key.encode()).hexdigest()[:12]}"


class _Signatures:
    """The signed (timestamp, nonce, signature) triples of the last minutes and the message each carried.

    In plaintext mode the signature does not cover the body: a captured triple replayed with
    another body is refused while this process remembers it. Used from the event loop only.
    """

    def __init__(self, keep: float, max_entries: int = 100_000) -> None:
        self.keep, self.max_entries = keep, max_entries
        self._seen: "OrderedDict[tuple[str, str, str], tuple[float, str]]" = OrderedDict()

    def same_message(self, triple: tuple[str, str, str], xml: str, now: float) -> bool:
        """Remember ``triple`` with ``xml``; False if it came before with another message."""
        while self._seen and (len(self._seen) >= self.max_entries or next(iter(self._seen.values()))[0] < now):
            self._seen.popitem(last=False)
        digest = hashlib.sha256(xml.encode("utf-8", "surrogatepass")).hexdigest()
        seen = self._seen.setdefault(triple, (now + self.keep, digest))
        return seen[1] == digest


class Guard:
    """Checks that a request comes from WeChat, recently, and opens it (plaintext, compatible or safe mode)."""

    def __init__(self, token: str, app_id: str, aes_keys: Sequence[str] = (), *,
                 max_skew: float = MAX_SKEW, clock: Callable[[], float] = time.time) -> None:
        self.token = token
        # The current key first; the previous one stays valid for a while after a rotation.
        self.cryptos = [WeChatCrypto(token, key, app_id) for key in aes_keys if key]
        self.max_skew = max_skew
        self.clock = clock
        # a triple is refused once its timestamp leaves the window: remember it that long at most
        self._signatures = _Signatures(2 * max_skew)

    def _check(self, query: Mapping[str, str]) -> None:
        timestamp = query.get("timestamp", "")
        try:
            check_signature(self.token, query.get("signature", ""), timestamp, query.get("nonce", ""))
        except InvalidSignatureException:
            raise Rejected(403, "bad signature") from None
        if not _INTEGER.fullmatch(timestamp) or abs(int(timestamp) - self.clock()) > self.max_skew:
            raise Rejected(403, "timestamp outside the allowed window")

    def verify_url(self, query: Mapping[str, str]) -> str:
        """The echostr to return for WeChat's server-address check."""
        self._check(query)
        return query.get("echostr", "")

    def open(self, query: Mapping[str, str], body: bytes) -> Envelope:
        """Verify and, for encrypted requests, decrypt; raises Rejected.

        XML with entity declarations (entity expansion, external entities) never gets through:
        xmltodict's expat parser refuses them, and that is a 400 here.
        """
        if len(body) > MAX_BODY:
            raise Rejected(413, "body too large")
        self._check(query)
        envelope = self._decrypt(query, body.decode("utf-8", errors="replace"))
        triple = (query.get("timestamp", ""), query.get("nonce", ""), query.get("signature", ""))
        if not self._signatures.same_message(triple, envelope.xml, self.clock()):
            raise Rejected(403, "signature replayed with another message")
        return envelope

    def _decrypt(self, query: Mapping[str, str], text: str) -> Envelope:
        if query.get("encrypt_type", "raw").lower() != "aes":
            return Envelope(text, None)
        if not self.cryptos:
            raise Rejected(400, "encrypted message but no EncodingAESKey configured")
        for crypto in self.cryptos:
            try:
                xml = crypto.decrypt_message(text, query.get("msg_signature", ""),
                                             query.get("timestamp", ""), query.get("nonce", ""))
            except InvalidSignatureException:
                raise Rejected(403, "bad msg_signature") from None
            except Exception as exc:  # noqa: BLE001 - whatever the ciphertext does, this key cannot open it
                logger.debug("decryption failed with one key: %s", type(exc).__name__)
                continue
            if isinstance(xml, str):
                return Envelope(xml, crypto)
        raise Rejected(400, "cannot decrypt the message")

    @staticmethod
    def seal(envelope: Envelope, reply_xml: str, nonce: str) -> str:
        """Encrypt the reply when the request was encrypted."""
        if envelope.crypto is None:
            return reply_xml
        return envelope.crypto.encrypt_message(reply_xml, nonce, str(int(time.time())))


class _Malformed(Exception):
    """A field that makes no sense (its name and what is wrong; never its value)."""


class _Fields:
    """The message's top-level elements, read strictly: text or absent, within the column's size."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def text(self, name: str, required: bool = False) -> str:
        value = self.root.get(name)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value:
            raise _Malformed(f"{name} missing or not text")
        if len(value) > _LIMITS.get(name, MAX_BODY):
            raise _Malformed(f"{name} too long")
        return value

    def integer(self, name: str) -> str:
        value = self.text(name, required=True)
        if not _INTEGER.fullmatch(value):
            raise _Malformed(f"{name} is not an integer")
        return value

    def coordinate(self, name: str, bound: float) -> float:
        try:
            value = float(self.text(name, required=True))
        except ValueError:
            raise _Malformed(f"{name} is not a number") from None
        if not (math.isfinite(value) and -bound <= value <= bound):
            raise _Malformed(f"{name} out of range")
        return value


def _address(root: Any, name: str) -> str:
    value = root.get(name) if isinstance(root, dict) else None
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise Rejected(400, f"no readable {name}")
    return value


def _bounded(key: str) -> str:
    """A dedupe key that fits its column; a long one keeps its start and a digest of the whole."""
    if len(key) <= MAX_KEY:
        return key
    return key[:MAX_KEY - 41] + ":" + hashlib.sha1(key.encode()).hexdigest()


def user_words(text: str, max_chars: Optional[int]) -> tuple[str, dict[str, Any]]:
    """What the user said and its metadata: a leading "/" is dropped so nobody can type an intent
    trigger; past ``max_chars`` the words are cut and ``overlong`` keeps their full length."""
    words = text.strip().lstrip("/").strip()
    if max_chars is not None and len(words) > max_chars:
        return words[:max_chars], {"overlong": len(words)}
    return words, {}


def parse(xml: str, max_chars: Optional[int] = None) -> Inbound:
    """Turn a message's XML into the assistant's input (words cut to ``max_chars``).

    Raises Unreadable when the message is malformed but says who sent it (the sender gets a polite
    answer), Rejected(400) when not even that can be read.
    """
    try:
        root = xmltodict.parse(xml)["xml"]
    except Exception:  # noqa: BLE001 - expat errors, entities refused, no <xml> root: all malformed
        raise Rejected(400, "malformed XML") from None
    openid, account = _address(root, "FromUserName"), _address(root, "ToUserName")
    try:
        return _inbound(_Fields(root), openid, account, max_chars)
    except _Malformed as exc:
        raise Unreadable(str(exc), openid, account) from None


def _inbound(fields: _Fields, openid: str, account: str, max_chars: Optional[int]) -> Inbound:
    msg_type = fields.text("MsgType", required=True).lower()
    create_time = fields.integer("CreateTime")
    if msg_type == "event":
        # Events have no MsgId: a retry repeats sender, time, event and key; two clicks in one second differ by key.
        event: Optional[str] = fields.text("Event").lower() or None
        key = fields.text("EventKey")
        dedupe_key = f"e:{openid}:{create_time}:{event or msg_type}" + (f":{key}" if key else "")
    else:
        event = None
        # MsgIds have been seen to collide across users: the key is the sender's and the id together
        msg_id = fields.integer("MsgID" if "MsgID" in fields.root else "MsgId")
        dedupe_key = f"m:{openid}:{msg_id}"
    base: dict[str, Any] = {"openid": openid, "account": account, "dedupe_key": _bounded(dedupe_key),
                            "msg_type": msg_type, "event": event}

    if msg_type == "text":
        words, meta = user_words(fields.text("Content"), max_chars)
        return Inbound(**base, text=words or "/help", metadata=meta)
    if msg_type == "voice":
        media_id = fields.text("MediaId") or None
        words, meta = user_words(fields.text("Recognition"), max_chars)
        return Inbound(**base, text=words.rstrip("。") or "/voice_unrecognised", media_id=media_id,
                       metadata={"voice_media_id": media_id, **meta})
    if msg_type == "location":
        lat, lon = fields.coordinate("Location_X", 90), fields.coordinate("Location_Y", 180)
        label = fields.text("Label")
        return Inbound(**base, text="/find_nearby", location=(lat, lon, label),
                       metadata={"location": {"latitude": lat, "longitude": lon, "label": label}})
    if msg_type == "event":
        return _event(fields, base)
    media_id = fields.text("MediaId") or None
    return Inbound(**base, text="/unsupported_message", media_id=media_id,
                   metadata={"media_type": msg_type, **({"media_id": media_id} if media_id else {})})


def _event(fields: _Fields, base: dict[str, Any]) -> Inbound:
    """Events: subscribe/scan start the welcome or a flow, clicks start flows, the rest is recorded."""
    event = base["event"]
    key = fields.text("EventKey")
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
        return Inbound(**base, text=None, location=(fields.coordinate("Latitude", 90),
                                                    fields.coordinate("Longitude", 180), ""))
    return Inbound(**base, text=None)  # VIEW, template delivery reports...
