"""The WeChat Official Account as a Rasa input channel (bot/channels/ alone in bot/ imports Rasa).

Registered in credentials.yml as ``bot.channels.wechat.WeChatInput``; WeChat calls
``/webhooks/wechat/webhook``. Protocol work is in ``bot.wechat``: this module only adapts it to
Rasa (a request in, ``on_new_message`` once, the collected bot messages out).
"""
from __future__ import annotations

import logging
import time
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import runtime
from bot.wechat.api import WeChatClient
from bot.wechat.conversation import Conversation
from bot.wechat.delivery import deliver
from bot.wechat.inbound import Guard, Inbound, Rejected, parse
from bot.wechat.render import cs_message, plan

logger = logging.getLogger(__name__)

_REJECTED = {400: "消息格式错误", 403: "签名校验失败", 413: "消息过大"}


class _Collector(OutputChannel):
    """Keeps each bot message whole (text and card together), for the WeChat renderer."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    @classmethod
    def name(cls) -> str:
        return "wechat"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.messages.append(dict(message))


class WeChatOutput(OutputChannel):
    """Messages the assistant sends outside a reply (e.g. Rasa's trigger_intent API)."""

    def __init__(self, client: WeChatClient, passive_only: bool) -> None:
        self.client = client
        self.passive_only = passive_only

    @classmethod
    def name(cls) -> str:
        return "wechat"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        out = plan([message])
        bodies = ([cs_message(out.first)] if out.first and "transfer" not in out.first else []) + out.rest
        await deliver(self.client, runtime.sessions(), recipient_id, bodies, purpose="push")


class WeChatInput(InputChannel):
    """WeChat's server-address check (GET) and messages (POST) in plaintext, compatible or safe mode."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> "WeChatInput":
        if not credentials or not credentials.get("token") or not credentials.get("app_id"):
            cls.raise_missing_credentials_exception()
        return cls(**{k: credentials.get(k) for k in (
            "token", "app_id", "app_secret", "encoding_aes_key", "previous_aes_key", "api_base",
            "reply_budget", "passive_only")})

    def __init__(self, token: str, app_id: str, app_secret: Optional[str] = None,
                 encoding_aes_key: Optional[str] = None, previous_aes_key: Optional[str] = None,
                 api_base: Optional[str] = None, reply_budget: Any = 4.5, passive_only: Any = False) -> None:
        self.guard = Guard(str(token), str(app_id), [str(encoding_aes_key or ""), str(previous_aes_key or "")])
        self.app_id, self.app_secret = str(app_id), str(app_secret or "")
        self.api_base = str(api_base or "https://api.weixin.qq.com").rstrip("/")
        self.budget = float(reply_budget or 4.5)
        self.passive_only = str(passive_only).lower() in ("1", "true", "yes")
        self._client: Optional[WeChatClient] = None

    @property
    def client(self) -> WeChatClient:
        """The outbound API client (created in the server's event loop on first use)."""
        if self._client is None:
            self._client = WeChatClient(self.api_base, self.app_id, self.app_secret, runtime.sessions())
        return self._client

    def get_output_channel(self) -> OutputChannel:
        return WeChatOutput(self.client, self.passive_only)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("wechat_webhook", __name__)
        conversation: Optional[Conversation] = None

        async def respond(inbound: Inbound) -> list[dict[str, Any]]:
            collector = _Collector()
            await on_new_message(UserMessage(
                inbound.text, collector, inbound.openid, input_channel=self.name(),
                message_id=inbound.dedupe_key, metadata=inbound.metadata,
            ))
            return collector.messages

        def get_conversation() -> Conversation:
            nonlocal conversation
            if conversation is None:
                conversation = Conversation(runtime.sessions(), respond, self.client, self.budget,
                                            self.passive_only, runtime.settings().service_hotline)
            return conversation

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            try:
                return response.text(self.guard.verify_url(_query(request)))
            except Rejected as exc:
                return response.text(_REJECTED[exc.status], status=exc.status)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            started = time.monotonic()
            query = _query(request)
            try:
                envelope = self.guard.open(query, request.body or b"")
                inbound = parse(envelope.xml)
            except Rejected as exc:
                logger.warning("rejected a WeChat request: %s", exc)
                return response.text(_REJECTED.get(exc.status, "请求无效"), status=exc.status)
            try:
                xml = await get_conversation().handle(inbound, started)
            except Exception:  # e.g. the database is down: WeChat will retry
                logger.exception("could not handle %s", inbound.dedupe_key)
                return response.text("", status=500)
            if xml == "success":
                return response.text("success")
            body = Guard.seal(envelope, xml, query.get("nonce", "") or "nonce")
            return response.text(body, content_type="application/xml")

        return webhook


def _query(request: Request) -> dict[str, str]:
    return {k: v[0] for k, v in request.args.items() if v}
