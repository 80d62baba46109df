"""The assistant's messages as WeChat replies: one passive reply, the rest as customer-service messages.

Rasa hands a channel a list of bot messages (``text``, ``custom``, ``buttons``, ``image``). A
passive reply can carry one text or one news card, and a text reply has a length limit, so
consecutive texts are joined into one bubble when they fit, split at line or sentence ends (never
inside a phone number) when they do not, and what does not fit the passive reply goes out through
the customer-service API.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from wechatpy.replies import ArticlesReply, TextReply, TransferCustomerServiceReply

TEXT_LIMIT = 2000  # bytes (UTF-8); WeChat's passive text limit is about 2048
_BREAKS = ("\n\n", "\n", "。", "；", "！", "？", "，", "、", " ")
_DIGITS = re.compile(r"[\d\-－]")


@dataclass
class Outgoing:
    """What to send for one turn: the passive reply and the follow-up CS messages."""

    first: Optional[dict[str, Any]] = None  # {"text": ...} | {"news": {...}} | {"transfer": True}
    rest: list[dict[str, Any]] = field(default_factory=list)  # CS API bodies without "touser"


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` UTF-8 bytes at natural breaks, never in a number."""
    parts: list[str] = []
    while _utf8_len(text) > limit:
        cut = _cut_point(text, limit)
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n ")
    if text.strip() or not parts:
        parts.append(text)
    return parts


def _cut_point(text: str, limit: int) -> int:
    """The largest index within ``limit`` bytes ending at a break and not inside a digit run."""
    end = len(text.encode("utf-8")[:limit].decode("utf-8", errors="ignore"))
    window = text[:end]
    for mark in _BREAKS:
        at = window.rfind(mark)
        if at > end // 3:
            return at + len(mark)
    while end > 1 and _DIGITS.match(text[end - 1]) and end < len(text) and _DIGITS.match(text[end]):
        end -= 1  # back out of a number rather than cut it
    return end


def _news_article(card: dict[str, Any]) -> dict[str, str]:
    return {k: str(card.get(k) or "") for k in ("title", "description", "url", "picurl")}


def _items(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each bot message as one item: text (with button titles), news card or transfer."""
    items: list[dict[str, Any]] = []
    for m in messages:
        custom = m.get("custom") if isinstance(m.get("custom"), dict) else {}
        if custom.get("transfer_customer_service"):
            items.append({"transfer": True})
        if custom.get("news"):
            items.append({"news": _news_article(custom["news"])})
            continue  # the card replaces its text version
        text = (m.get("text") or "").strip()
        buttons = [b.get("title", "") for b in m.get("buttons") or [] if b.get("title")]
        if buttons:
            text = (text + "\n" if text else "") + "\n".join(f"· {t}" for t in buttons)
        if m.get("image"):
            text = (text + "\n" if text else "") + str(m["image"])
        if text:
            items.append({"text": text})
    return items


def _join_texts(items: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """Merge consecutive texts into as few bubbles as fit; split the ones that are too long."""
    out: list[dict[str, Any]] = []
    for item in items:
        if "text" not in item:
            out.append(item)
            continue
        if out and "text" in out[-1] and _utf8_len(out[-1]["text"] + "\n\n" + item["text"]) <= limit:
            out[-1] = {"text": out[-1]["text"] + "\n\n" + item["text"]}
        else:
            out += [{"text": part} for part in split_text(item["text"], limit)]
    return out


def cs_message(item: dict[str, Any]) -> dict[str, Any]:
    """A customer-service API body (without touser) for one item."""
    if "news" in item:
        return {"msgtype": "news", "news": {"articles": [item["news"]]}}
    return {"msgtype": "text", "text": {"content": item["text"]}}


def plan(messages: list[dict[str, Any]], passive_only: bool = False, limit: int = TEXT_LIMIT) -> Outgoing:
    """Decide the passive reply and the follow-ups for a turn's bot messages."""
    items = _items(messages)
    transfer = any("transfer" in i for i in items)
    items = [i for i in items if "transfer" not in i]
    if passive_only:
        # No customer-service API: everything in one text; cards become title + link.
        lines = [i["text"] if "text" in i else f"{i['news']['title']}\n{i['news']['description']}\n{i['news']['url']}"
                 for i in items]
        items = [{"text": split_text("\n\n".join(lines), limit)[0]}] if lines else []
        return Outgoing(first={"transfer": True} if transfer else (items[0] if items else None))
    items = _join_texts(items, limit)
    if transfer:  # the hand-over is the passive reply; what the assistant said goes first by API
        return Outgoing(first={"transfer": True}, rest=[cs_message(i) for i in items])
    if not items:
        return Outgoing()
    return Outgoing(first=items[0], rest=[cs_message(i) for i in items[1:]])


def reply_xml(first: Optional[dict[str, Any]], openid: str, account: str) -> str:
    """The passive reply's XML, or "success" when there is nothing to say now."""
    if first is None:
        return "success"
    base = {"source": account, "target": openid}
    if first.get("transfer"):
        return TransferCustomerServiceReply(**base).render()
    if "news" in first:
        reply = ArticlesReply(**base)
        news = first["news"]  # wechatpy names the picture "image"
        reply.add_article({"title": news["title"], "description": news["description"],
                           "image": news["picurl"], "url": news["url"]})
        return reply.render()
    return TextReply(content=first["text"], **base).render()
