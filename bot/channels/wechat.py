"""The WeChat Official Account as a Rasa input channel (bot/channels/ alone in bot/ imports Rasa).

Registered in credentials.yml as ``bot.channels.wechat.WeChatInput``; WeChat calls
``/webhooks/wechat/webhook``. Protocol work is in ``bot.wechat``: this module only adapts it to
Rasa (a request in, ``on_new_message`` once, the collected bot messages out).
"""
from __future__ import annotations

import logging
import re
import time
import traceback
from typing import Any, Awaitable, Callable, Coroutine, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import runtime
from bot.ratelimit import RateLimiter
from bot.replies import render
from bot.wechat.api import WeChatClient
from bot.wechat.conversation import Conversation
from bot.wechat.delivery import deliver
from bot.wechat.inbound import Envelope, Guard, Inbound, Rejected, Unreadable, parse
from bot.wechat.render import cs_message, plan, reply_xml

logger = logging.getLogger(__name__)

_REJECTED = {400: "消息格式错误", 403: "签名校验失败", 413: "消息过大"}
SANIC_LOGGERS = ("sanic.error", "sanic.root", "sanic.access")
# A query string, or a signed parameter wherever it appears (e.g. in an exception's text)
_SECRETS = re.compile(r"\?[^\s'\"<>]+"
                      r"|\b(?:msg_signature|signature|timestamp|nonce|echostr|openid|encrypt_type)=[^&\s'\"<>]*")


def strip_query(text: str) -> str:
    """``text`` without query strings or the values of signed parameters."""
    return _SECRETS.sub(lambda m: "?…" if m[0].startswith("?") else m[0].split("=", 1)[0] + "=…", text)


class QueryStringFilter(logging.Filter):
    """Removes query strings from Sanic's log lines: WeChat's carry signatures, nonces and OpenIDs."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - the handler would print the raw arguments instead
            message = f"(a log message that could not be formatted: {record.msg!r})"
        record.msg, record.args = strip_query(message), ()
        if isinstance(getattr(record, "request", None), str):  # the access log's "METHOD URL"
            record.request = strip_query(record.request)  # type: ignore[attr-defined]
        if record.exc_info and not record.exc_text:
            record.exc_text = strip_query(logging.Formatter().formatException(record.exc_info))
        return True


def hide_query_strings() -> None:
    """Install the filter on Sanic's loggers (once)."""
    for name in SANIC_LOGGERS:
        sanic_logger = logging.getLogger(name)
        if not any(isinstance(f, QueryStringFilter) for f in sanic_logger.filters):
            sanic_logger.addFilter(QueryStringFilter())


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
    """WeChat's server-address check (GET) and messages (POST) in plaintext, compatible or safe mode.

    Nothing a request carries is logged: only the path and the reason. No exception reaches Sanic,
    whose error lines would print the signed URL.
    """

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
        self._on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None
        self._conversation: Optional[Conversation] = None

    @property
    def client(self) -> WeChatClient:
        """The outbound API client (created in the server's event loop on first use)."""
        if self._client is None:
            self._client = WeChatClient(self.api_base, self.app_id, self.app_secret, runtime.sessions())
        return self._client

    @property
    def conversation(self) -> Conversation:
        """Exactly-once processing, created on the first message (the database is not touched before)."""
        if self._conversation is None:
            settings = runtime.settings()
            self._conversation = Conversation(runtime.sessions(), self.respond, self.client, self.budget,
                                              self.passive_only, settings.service_hotline,
                                              RateLimiter(*settings.message_rate))
        return self._conversation

    def get_output_channel(self) -> OutputChannel:
        return WeChatOutput(self.client, self.passive_only)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        self._on_new_message = on_new_message
        hide_query_strings()
        webhook = Blueprint("wechat_webhook", __name__)
        webhook.add_route(_route(self.health), "/", methods=["GET"])
        webhook.add_route(_route(self.verify), "/webhook", methods=["GET"])
        webhook.add_route(_route(self.receive), "/webhook", methods=["POST"])
        return webhook

    async def respond(self, inbound: Inbound) -> list[dict[str, Any]]:
        """Run one message through Rasa and collect what the assistant says."""
        assert self._on_new_message is not None, "blueprint() was not called"
        collector = _Collector()
        await self._on_new_message(UserMessage(
            inbound.text, collector, inbound.openid, input_channel=self.name(),
            message_id=inbound.dedupe_key, metadata=inbound.metadata,
        ))
        return collector.messages

    async def health(self, _: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    async def verify(self, request: Request) -> HTTPResponse:
        """WeChat's server-address check: echo ``echostr`` when the signature holds."""
        try:
            return response.text(self.guard.verify_url(_query(request)))
        except Rejected as exc:
            return _refuse(request, exc)
        except Exception as exc:  # noqa: BLE001 - see the class docstring
            _log_failure(request, exc)
            return response.text(_REJECTED[400], status=400)

    async def receive(self, request: Request) -> HTTPResponse:
        """One message: the passive reply (sealed like the request), ``success``, or a refusal."""
        started = time.monotonic()
        try:
            return await self._receive(request, started)
        except Exception as exc:  # noqa: BLE001 - e.g. the database is down: WeChat will retry
            _log_failure(request, exc)
            return response.text("", status=500)

    async def _receive(self, request: Request, started: float) -> HTTPResponse:
        query = _query(request)
        try:
            envelope = self.guard.open(query, request.body or b"")
        except Rejected as exc:
            return _refuse(request, exc)
        try:
            inbound = parse(envelope.xml, runtime.settings().max_message_chars)
        except Unreadable as exc:  # signed, but makes no sense: the sender gets a polite answer
            logger.warning("unreadable WeChat message to %s: %s", request.path, exc)
            first = {"text": render("message_unreadable")}
            return _sealed(envelope, query, reply_xml(first, exc.openid, exc.account))
        except Rejected as exc:
            return _refuse(request, exc)
        return _sealed(envelope, query, await self.conversation.handle(inbound, started))


def _route(method: Callable[[Request], Awaitable[HTTPResponse]]
           ) -> Callable[[Request], Coroutine[Any, Any, HTTPResponse]]:
    """A plain function calling ``method``: Sanic 21 sets attributes on handlers, which a bound method refuses."""
    async def handler(request: Request) -> HTTPResponse:
        return await method(request)
    handler.__name__ = method.__name__
    return handler


def _query(request: Request) -> dict[str, str]:
    return {k: v[0] for k, v in request.args.items() if v}


def _sealed(envelope: Envelope, query: dict[str, str], xml: str) -> HTTPResponse:
    """The reply as WeChat expects it: ``success``, or the reply XML encrypted like the request."""
    if xml == "success":
        return response.text("success")
    body = Guard.seal(envelope, xml, query.get("nonce", "") or "nonce")
    return response.text(body, content_type="application/xml")


def _refuse(request: Request, exc: Rejected) -> HTTPResponse:
    logger.warning("refused a WeChat %s to %s: %s", request.method, request.path, exc)
    return response.text(_REJECTED.get(exc.status, "请求无效"), status=exc.status)


def _log_failure(request: Request, exc: Exception) -> None:
    """The path, the error's type and where it was raised: nothing from the request or the exception's text."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    logger.error("WeChat %s to %s failed: %s%s", request.method, request.path, type(exc).__name__, where)
