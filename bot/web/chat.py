"""WeChat's side of the local chat page: the page's message as WeChat would post it, and the reply.

The page posts a small JSON message; this module checks it, builds the XML WeChat's servers send
(``bot.wechat.simulate``), signs and optionally encrypts it, posts it to the channel with WeChat's
5-second timeout and retries, and turns the passive reply into the same shape as a
customer-service message body, so the page renders both the same way.
"""
from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from dataclasses import dataclass, field, replace
from typing import Any, Optional

import aiohttp

from bot.errors import InvalidInput, Unavailable
from bot.wechat import simulate

logger = logging.getLogger(__name__)

MAX_CONTENT = 2000  # characters of a text or a voice's recognition
MAX_LABEL = 100
MAX_BODY = 16 * 1024  # bytes of the JSON the page posts
TYPES = ("text", "voice", "location", "event")
EVENTS = ("subscribe", "unsubscribe", "CLICK")
FIELDS = frozenset({"openid", "type", "content", "latitude", "longitude", "label", "event", "key", "mode"})
OPENID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
EVENT_KEY = re.compile(r"^[A-Za-z0-9_:\-]{1,64}$")
WECHAT_TIMEOUT = 5.0  # WeChat drops the connection after 5 s ...
WECHAT_TRIES = 3  # ... and tries three times in all

# User-facing messages of the send endpoint.
ERRORS = {
    "json": "请求格式错误：需要 JSON 对象",
    "too_large": "请求过大",
    "fields": "不支持的字段：{names}",
    "openid": "openid 格式不正确（6–64 位字母、数字、下划线或连字符）",
    "type": "不支持的消息类型，可选：文字、语音、位置、事件",
    "content": "消息内容不能为空",
    "content_type": "消息内容必须是文字",
    "content_long": f"消息内容不能超过 {MAX_CONTENT} 字",
    "location": "位置需要有效的纬度和经度",
    "label": f"位置名称必须是文字，且不超过 {MAX_LABEL} 字",
    "event": "不支持的事件类型",
    "key": "菜单 key 格式不正确",
    "mode": "不支持的加密方式，可选：明文、兼容、安全",
    "no_aes": "没有配置 EncodingAESKey，只能使用明文模式",
}

# Places the page offers for "发送位置" (approximate WGS-84 coordinates in Shenyang).
PLACES: tuple[tuple[str, float, float], ...] = (
    ("沈阳市人民政府（市府大路）", 41.7968, 123.4290),
    ("浑南区（浑南中路）", 41.7183, 123.4590),
    ("铁西区（兴华街）", 41.7890, 123.3570),
    ("皇姑区（北陵公园）", 41.8390, 123.4270),
    ("沈阳站", 41.7943, 123.3950),
    ("沈北新区（蒲河路）", 42.0500, 123.5200),
)


@dataclass(frozen=True)
class PageMessage:
    """One message from the chat page, checked."""

    openid: str
    type: str
    content: str = ""
    latitude: float = 0.0
    longitude: float = 0.0
    label: str = ""
    event: str = ""
    key: str = ""
    mode: str = "plain"


@dataclass
class Delivery:
    """What came back from the channel for one message."""

    replies: list[dict[str, Any]] = field(default_factory=list)  # customer-service-like bodies
    attempts: int = 0
    elapsed_ms: int = 0
    gave_up: bool = False  # no answer in three tries: WeChat shows "该公众号暂时无法提供服务"


def _text(payload: dict[str, Any], name: str, limit: int, not_text: str, too_long: str) -> str:
    value = payload.get(name, "")
    if not isinstance(value, str):
        raise InvalidInput(ERRORS[not_text])
    if len(value) > limit:
        raise InvalidInput(ERRORS[too_long])
    return value


def _coordinate(value: Any, bound: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(ERRORS["location"])
    number = float(value)
    if not math.isfinite(number) or abs(number) > bound:
        raise InvalidInput(ERRORS["location"])
    return number


def parse_page_message(payload: Any, encryption_available: bool) -> PageMessage:
    """Check the page's JSON; raises InvalidInput with a message for the user."""
    if not isinstance(payload, dict):
        raise InvalidInput(ERRORS["json"])
    unknown = sorted(str(k) for k in payload if k not in FIELDS)
    if unknown:
        raise InvalidInput(ERRORS["fields"].format(names="、".join(unknown)[:200]))
    openid = payload.get("openid")
    if not isinstance(openid, str) or not OPENID.match(openid):
        raise InvalidInput(ERRORS["openid"])
    kind = payload.get("type")
    if kind not in TYPES:
        raise InvalidInput(ERRORS["type"])
    mode = payload.get("mode", "plain")
    if mode not in simulate.MODES:
        raise InvalidInput(ERRORS["mode"])
    if mode != "plain" and not encryption_available:
        raise InvalidInput(ERRORS["no_aes"])
    content = _text(payload, "content", MAX_CONTENT, "content_type", "content_long")
    label = _text(payload, "label", MAX_LABEL, "label", "label")
    message = PageMessage(openid=openid, type=str(kind), content=content, label=label, mode=str(mode))
    if kind == "text" and not content.strip():
        raise InvalidInput(ERRORS["content"])
    if kind == "location":
        return replace(message, latitude=_coordinate(payload.get("latitude"), 90),
                       longitude=_coordinate(payload.get("longitude"), 180))
    if kind == "event":
        event, key = payload.get("event"), payload.get("key", "")
        if event not in EVENTS:
            raise InvalidInput(ERRORS["event"])
        if not isinstance(key, str) or (key and not EVENT_KEY.match(key)) or (event == "CLICK" and not key):
            raise InvalidInput(ERRORS["key"])
        return replace(message, event=str(event), key=key)
    return message


def to_xml(account: simulate.Account, message: PageMessage) -> str:
    """The message as WeChat's servers post it."""
    if message.type == "text":
        return simulate.text(account, message.openid, message.content)
    if message.type == "voice":  # the page's 语音 mode: the text is the speech recognition
        return simulate.voice(account, message.openid, message.content)
    if message.type == "location":
        return simulate.location(account, message.openid, message.latitude, message.longitude, message.label)
    return simulate.event(account, message.openid, message.event, message.key)


async def post_like_wechat(http: aiohttp.ClientSession, url: str, account: simulate.Account,
                           message: PageMessage, xml: str, timeout: float = WECHAT_TIMEOUT,
                           tries: int = WECHAT_TRIES) -> Delivery:
    """Post ``xml`` as WeChat does (retrying the same message on timeouts and server errors)."""
    started = time.monotonic()
    delivery = Delivery()
    for attempt in range(1, tries + 1):
        delivery.attempts = attempt
        query, body = simulate.request(account, message.openid, xml, message.mode)
        try:
            async with http.post(url, params=query, data=body.encode("utf-8"),
                                 headers={"Content-Type": "text/xml; charset=utf-8"},
                                 timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
                text, status = await resp.text(), resp.status
        except asyncio.TimeoutError:
            logger.info("the channel did not answer in %.1f s (try %d)", timeout, attempt)
            continue
        except aiohttp.ClientError as exc:
            raise Unavailable(f"无法连接助手服务（{url}），请确认 make run 已启动：{type(exc).__name__}") from exc
        if status >= 500:
            logger.warning("the channel answered %d (try %d)", status, attempt)
            continue
        if status != 200:
            raise Unavailable(f"公众号服务器拒绝了消息（HTTP {status}）：{text[:200]}")
        delivery.replies = reply_bodies(simulate.read_reply(account, text, query))
        break
    else:
        delivery.gave_up = True
    delivery.elapsed_ms = int((time.monotonic() - started) * 1000)
    return delivery


def _article(item: dict[str, Any]) -> dict[str, str]:
    return {"title": str(item.get("Title") or ""), "description": str(item.get("Description") or ""),
            "url": str(item.get("Url") or ""), "picurl": str(item.get("PicUrl") or "")}


def reply_bodies(reply: Optional[dict[str, Any]]) -> list[dict[str, Any]]:
    """A passive reply (its XML fields) as customer-service message bodies; [] for success/empty."""
    if not reply:
        return []
    msg_type = str(reply.get("MsgType") or "")
    if msg_type == "text":
        return [{"msgtype": "text", "text": {"content": str(reply.get("Content") or "")}}]
    if msg_type == "news":
        items = (reply.get("Articles") or {}).get("item") or []
        items = [items] if isinstance(items, dict) else list(items)
        return [{"msgtype": "news", "news": {"articles": [_article(i) for i in items if isinstance(i, dict)]}}]
    return [{"msgtype": msg_type or "unknown"}]  # transfer_customer_service, image, music...
