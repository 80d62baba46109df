"""Rasa's REST channel, made safe to expose: its own conversations, a secret, bounded work.

- A REST sender is the conversation ``rest:<sender>``: no request can continue a WeChat user's
  conversation (those are the bare OpenIDs) or read their tickets and enterprise data.
- With ``SYB_REST_SECRET`` set, requests need ``Authorization: Bearer <secret>``; in production
  without it the channel answers 404 (it is off).
- A message longer than ``SYB_MAX_MESSAGE_CHARS`` is cut before NLU and marked
  (``metadata.overlong``: its full length); senders and addresses are rate limited; of the
  client's metadata only a reported location is kept.
"""
from __future__ import annotations

import hmac
import math
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import runtime
from bot.ratelimit import RateLimiter
from bot.replies import render

PREFIX = "rest:"
MAX_SENDER = 64


def conversation_id(sender: str) -> str:
    """The conversation a REST sender talks in (never a WeChat OpenID)."""
    return PREFIX + sender


def _location(metadata: Any) -> Optional[dict[str, Any]]:
    """A reported location from the client's metadata, checked; None when absent or malformed."""
    place = metadata.get("location") if isinstance(metadata, dict) else None
    if not isinstance(place, dict):
        return None
    try:
        lat, lon = float(place["latitude"]), float(place["longitude"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return {"latitude": lat, "longitude": lon, "label": str(place.get("label") or "")[:100]}


class RestInput(RasaRestInput):
    """POST /webhooks/rest/webhook {"sender": "...", "message": "...", "metadata": {"location": …}}."""

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> "RestInput":
        return cls()

    def __init__(self) -> None:
        settings = runtime.settings()
        self.secret = settings.rest_secret.encode()
        self.enabled = bool(self.secret) or not settings.production
        self.max_chars = settings.max_message_chars
        count, seconds = settings.message_rate
        self.per_sender = RateLimiter(count, seconds)
        self.per_address = RateLimiter(count * 5, seconds)

    def _refusal(self, request: Request) -> Optional[HTTPResponse]:
        """Why this request is not served, as the response; None when it is."""
        if not self.enabled:
            return response.json({"error": "not found"}, status=404)
        if self.secret:
            given = request.headers.get("Authorization", "").removeprefix("Bearer ").encode()
            if not hmac.compare_digest(given, self.secret):
                return response.json({"error": "unauthorized"}, status=401)
        if request.method != "POST":
            return None
        body = request.json if request.body else None  # Sanic answers invalid JSON with 400 itself
        sender, text = (body.get("sender"), body.get("message")) if isinstance(body, dict) else (None, None)
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER \
                or not isinstance(text, str):
            return response.json({"error": "需要 JSON：{\"sender\": 不超过 64 个字符, \"message\": 文本}"}, status=400)
        if not self.per_address.allow(request.remote_addr or request.ip) or not self.per_sender.allow(sender):
            return response.json([{"recipient_id": sender, "text": render("too_fast")}], status=429)
        return None

    async def _extract_sender(self, req: Request) -> Optional[str]:
        return conversation_id(req.json["sender"])

    def _extract_message(self, req: Request) -> Optional[str]:
        return req.json["message"][:self.max_chars]

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()  # the client does not choose (actions treat "wechat" differently)

    def get_metadata(self, request: Request) -> Optional[dict[str, Any]]:
        text, place = request.json["message"], _location(request.json.get("metadata"))
        metadata = {"location": place} if place else {}
        if len(text) > self.max_chars:
            metadata["overlong"] = len(text)
        return metadata or None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def check(request: Request) -> Optional[HTTPResponse]:
            return self._refusal(request)

        return webhook
