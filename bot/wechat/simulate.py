"""What WeChat's servers do: build a user's message as signed (and optionally encrypted) XML, and
read the reply. Used by the local chat page, the tests and the benchmarks, never by the channel.
"""
from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass
from typing import Any, Optional

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

MODES = ("plain", "compatible", "safe")
_msg_ids = itertools.count(int(time.time() * 1000) % 10**12 * 1000)


@dataclass(frozen=True)
class Account:
    """The Official Account as WeChat knows it: what signs and encrypts its messages."""

    token: str
    app_id: str
    aes_key: str = ""
    original_id: str = "gh_syb_local"  # the account's 原始ID, ToUserName of every message


def _field(name: str, value: Any) -> str:
    if isinstance(value, (int, float)):
        return f"<{name}>{value}</{name}>"
    return f"<{name}><![CDATA[{str(value).replace(']]>', ']]]]><![CDATA[>')}]]></{name}>"


def message_xml(account: Account, openid: str, msg_type: str, create_time: Optional[int] = None,
                msg_id: Optional[int] = None, **fields: Any) -> str:
    """One message or event as WeChat posts it; events carry no MsgId."""
    parts = [
        _field("ToUserName", account.original_id),
        _field("FromUserName", openid),
        _field("CreateTime", create_time or int(time.time())),
        _field("MsgType", msg_type),
    ]
    parts += [_field(k, v) for k, v in fields.items()]
    if msg_type != "event":
        parts.append(_field("MsgId", msg_id or next(_msg_ids)))
    return "<xml>" + "".join(parts) + "</xml>"


def text(account: Account, openid: str, content: str, **kw: Any) -> str:
    return message_xml(account, openid, "text", Content=content, **kw)


def voice(account: Account, openid: str, recognition: str, media_id: Optional[str] = None, **kw: Any) -> str:
    return message_xml(account, openid, "voice", MediaId=media_id or secrets.token_hex(16),
                       Format="amr", Recognition=recognition, **kw)


def location(account: Account, openid: str, latitude: float, longitude: float, label: str = "", **kw: Any) -> str:
    return message_xml(account, openid, "location", Location_X=latitude, Location_Y=longitude,
                       Scale=15, Label=label, **kw)


def event(account: Account, openid: str, name: str, key: str = "", **kw: Any) -> str:
    fields: dict[str, Any] = {"Event": name}
    if key:
        fields["EventKey"] = key
    return message_xml(account, openid, "event", **fields, **kw)


def sign(token: str, timestamp: str, nonce: str, *extra: str) -> str:
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce, *extra)
    return signer.signature


def request(account: Account, openid: str, xml: str, mode: str = "plain", *, timestamp: Optional[int] = None,
            nonce: Optional[str] = None) -> tuple[dict[str, str], str]:
    """The query string and body WeChat would POST for ``xml`` in ``mode`` (signed now, or at ``timestamp``)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    stamp, nonce = str(int(time.time()) if timestamp is None else timestamp), nonce or secrets.token_hex(5)
    query = {"signature": sign(account.token, stamp, nonce), "timestamp": stamp,
             "nonce": nonce, "openid": openid}
    if mode == "plain":
        return query, xml
    envelope = xmltodict.parse(WeChatCrypto(account.token, account.aes_key, account.app_id)
                               .encrypt_message(xml, nonce, stamp))["xml"]
    query.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
    encrypted = _field("Encrypt", envelope["Encrypt"])
    if mode == "safe":
        return query, f"<xml>{_field('ToUserName', account.original_id)}{encrypted}</xml>"
    return query, xml.replace("</xml>", encrypted + "</xml>")


def read_reply(account: Account, body: str, query: dict[str, str]) -> Optional[dict[str, Any]]:
    """The reply as a dict of its XML fields, decrypted when the request was; None for success/empty."""
    if body.strip() in ("", "success"):
        return None
    if query.get("encrypt_type") == "aes":
        envelope = xmltodict.parse(body)["xml"]
        body = WeChatCrypto(account.token, account.aes_key, account.app_id).decrypt_message(
            body, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
    return dict(xmltodict.parse(body)["xml"])
