"""A local stand-in for api.weixin.qq.com: the chat page's "WeChat" and the tests' fake API.

It answers like WeChat (``{"errcode", "errmsg"}`` JSON, HTTP 200), issues expiring access tokens
(a replaced token keeps working for a short overlap), checks message bodies and the menu against
WeChat's limits, keeps every accepted message per user (``SandboxState.messages``, read by the chat
page's ``/chat/api/inbox``), and lets tests inject failures
(``SandboxState.fail_next``). Mount it with
``app.add_subapp("/sandbox", sandbox_app(app_id, app_secret))``; the API base is then ``…/sandbox``.
"""
from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Optional

from aiohttp import web

logger = logging.getLogger(__name__)

TOKEN_TTL = 7200
OVERLAP = 300.0  # a replaced token keeps working this long, as on WeChat
MAX_CALLS = 10_000  # the call log of a long-running local server is trimmed to this many

# WeChat's custom-menu limits (bytes of UTF-8: a Chinese character is 3)
MAX_BUTTONS, MAX_SUB_BUTTONS = 3, 5
NAME_BYTES, SUB_NAME_BYTES, KEY_BYTES, URL_BYTES = 16, 60, 128, 1024
KEY_TYPES = frozenset({"click", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album",
                       "pic_weixin", "location_select"})
MEDIA_TYPES = frozenset({"media_id", "view_limited", "article_id", "article_view_limited"})
CUSTOM_TYPES = frozenset({"text", "image", "voice", "video", "music", "news", "mpnews", "msgmenu", "wxcard",
                          "miniprogrampage"})


@dataclass
class Fault:
    """An injected answer: WeChat's ``errcode`` or an HTTP ``status``, for the next ``count`` calls."""

    errcode: Optional[int]
    status: Optional[int]
    count: int


@dataclass
class _Token:
    expires_at: float  # epoch seconds: later calls get 42001
    revoked_at: Optional[float] = None  # replaced by a newer token: later calls get 40001


@dataclass
class SandboxState:
    """Tokens, received messages, the published menu, injected faults and a log of calls."""

    app_id: str
    app_secret: str
    ttl: int = TOKEN_TTL
    overlap: float = OVERLAP
    tokens: dict[str, _Token] = field(default_factory=dict)
    inbox: list[dict[str, Any]] = field(default_factory=list)
    menu: Optional[dict[str, Any]] = None
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)  # (path, query, json body)
    _next_id: int = 1

    def fail_next(self, path: str, errcode: Optional[int] = None, status: Optional[int] = None,
                  count: int = 1) -> None:
        """Answer the next ``count`` calls of ``path`` (e.g. "/cgi-bin/token") with ``errcode`` or HTTP ``status``."""
        if errcode is None and status is None:
            raise ValueError("fail_next needs an errcode or an HTTP status")
        self.faults.setdefault("/" + path.lstrip("/"), []).append(Fault(errcode, status, count))

    def expire_tokens(self) -> None:
        """Let every issued token expire now (the next call with one gets 42001)."""
        now = time.time()
        for token in self.tokens.values():
            token.expires_at = min(token.expires_at, now - 1)

    def messages(self, openid: str) -> list[dict[str, Any]]:
        """Every accepted message to ``openid`` in order: ``{"id", "openid", "kind", "body"}``."""
        return [m for m in self.inbox if m["openid"] == openid]

    def calls_to(self, path: str) -> int:
        """How many requests reached ``path``."""
        return sum(1 for p, _, _ in self.calls if p == path)

    def token_error(self, token: str) -> Optional[tuple[int, str]]:
        """WeChat's answer to a call made with ``token``, or None when it is valid."""
        if not token:
            return 41001, "access_token missing"
        known = self.tokens.get(token)
        now = time.time()
        if known is None or (known.revoked_at is not None and known.revoked_at < now):
            return 40001, "invalid credential, access_token is invalid or not latest"
        if known.expires_at < now:
            return 42001, "access_token expired"
        return None

    def issue_token(self) -> str:
        """A new token; earlier ones stay valid for the overlap."""
        now = time.time()
        for token, known in list(self.tokens.items()):
            if known.expires_at < now - 3600:
                del self.tokens[token]
            elif known.revoked_at is None:
                known.revoked_at = now + self.overlap
        new = secrets.token_urlsafe(32)
        self.tokens[new] = _Token(now + self.ttl)
        return new

    def store(self, kind: str, body: dict[str, Any]) -> int:
        """Keep an accepted message; returns its id (ids increase)."""
        msg_id = self._next_id
        self._next_id += 1
        self.inbox.append({"id": msg_id, "openid": body["touser"], "kind": kind, "body": body})
        return msg_id

    def _record(self, path: str, query: dict[str, str], body: Any) -> None:
        self.calls.append((path, query, body))
        if len(self.calls) > MAX_CALLS:
            del self.calls[: len(self.calls) - MAX_CALLS]

    def _fault(self, path: str) -> Optional[Fault]:
        queue = self.faults.get(path) or []
        if not queue:
            return None
        fault = queue[0]
        fault.count -= 1
        if fault.count <= 0:
            queue.pop(0)
        return fault


SANDBOX = web.AppKey("sandbox", SandboxState)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(errcode: int, errmsg: str) -> web.Response:
    return web.json_response({"errcode": errcode, "errmsg": errmsg})


def _api_path(request: web.Request) -> str:
    """The path as WeChat names it ("/cgi-bin/…"), wherever the sandbox is mounted."""
    at = request.path.find("/cgi-bin/")
    return request.path[at:] if at >= 0 else request.path


@web.middleware
async def _wechat_like(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Record the call, apply an injected fault, check the JSON body and the access_token."""
    path = _api_path(request)
    if not path.startswith("/cgi-bin/"):
        return await handler(request)
    state = request.app[SANDBOX]
    raw = await request.read() if request.method == "POST" else b""
    body: Any = None
    bad_json = False
    if raw:
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            bad_json = True
    state._record(path, dict(request.query), body)
    fault = state._fault(path)
    if fault is not None:
        if fault.status:
            return web.Response(status=fault.status, text="injected failure")
        return _error(int(fault.errcode if fault.errcode is not None else -1), "injected error")
    if path != "/cgi-bin/token":
        problem = state.token_error(request.query.get("access_token", ""))
        if problem:
            return _error(*problem)
    if bad_json or (request.method == "POST" and not isinstance(body, dict)):
        return _error(47001, "data format error")
    request["json"] = body
    return await handler(request)


async def token(request: web.Request) -> web.Response:
    """GET /cgi-bin/token?grant_type=client_credential&appid=…&secret=…"""
    state = request.app[SANDBOX]
    if request.query.get("grant_type") != "client_credential":
        return _error(40002, "invalid grant_type")
    if request.query.get("appid") != state.app_id:
        return _error(40013, "invalid appid")
    if request.query.get("secret") != state.app_secret:
        return _error(40125, "invalid appsecret")
    return web.json_response({"access_token": state.issue_token(), "expires_in": state.ttl})


def custom_problem(body: dict[str, Any]) -> Optional[tuple[int, str]]:
    """Why WeChat would refuse this customer-service message, or None."""
    if not isinstance(body.get("touser"), str) or not body["touser"]:
        return 40003, "invalid openid"
    msgtype = body.get("msgtype")
    if msgtype not in CUSTOM_TYPES:
        return 40008, "invalid message type"
    content = body.get(msgtype)
    if not isinstance(content, dict):
        return 44002, "empty post data"
    if msgtype == "text" and (not isinstance(content.get("content"), str) or not content["content"]):
        return 44004, "empty content"
    if msgtype == "news":
        articles = content.get("articles")
        if not isinstance(articles, list) or not articles:
            return 44003, "empty news data"
        if len(articles) > 1:  # customer-service news carries one article
            return 45008, "article size out of limit"
        if not all(isinstance(a, dict) and a.get("title") for a in articles):
            return 44003, "empty news data"
    if msgtype in ("image", "voice", "video", "mpnews") and not content.get("media_id"):
        return 40007, "invalid media_id"
    return None


def template_problem(body: dict[str, Any]) -> Optional[tuple[int, str]]:
    """Why WeChat would refuse this template message, or None."""
    if not isinstance(body.get("touser"), str) or not body["touser"]:
        return 40003, "invalid openid"
    if not isinstance(body.get("template_id"), str) or not body["template_id"]:
        return 40037, "invalid template_id"
    if not isinstance(body.get("data"), dict):
        return 47001, "data format error"
    if body.get("url") is not None and not isinstance(body["url"], str):
        return 47001, "data format error"
    return None


async def custom_send(request: web.Request) -> web.Response:
    """POST /cgi-bin/message/custom/send"""
    body = request["json"]
    problem = custom_problem(body)
    if problem:
        return _error(*problem)
    request.app[SANDBOX].store("custom", body)
    return _error(0, "ok")


async def template_send(request: web.Request) -> web.Response:
    """POST /cgi-bin/message/template/send (answers the msgid)."""
    body = request["json"]
    problem = template_problem(body)
    if problem:
        return _error(*problem)
    msg_id = request.app[SANDBOX].store("template", body)
    return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": msg_id})


def _name_bytes(button: dict[str, Any]) -> int:
    name = button.get("name")
    return len(name.encode("utf-8")) if isinstance(name, str) and name else 0


def _action_errors(button: dict[str, Any], sub: bool) -> list[tuple[int, str]]:
    """The type, key and url of a button that does something (no sub-buttons)."""
    bad_type, bad_key, bad_url = (40024, 40026, 40027) if sub else (40017, 40019, 40020)
    level = "sub button" if sub else "button"
    kind, name = button.get("type"), button.get("name")
    key, url = button.get("key"), button.get("url")
    if kind in KEY_TYPES:
        if not isinstance(key, str) or not 0 < len(key.encode("utf-8")) <= KEY_BYTES:
            return [(bad_key, f"invalid {level} key size: {name}")]
    elif kind in ("view", "miniprogram"):
        if not isinstance(url, str) or not 0 < len(url.encode("utf-8")) <= URL_BYTES \
                or not url.startswith(("http://", "https://")):
            return [(bad_url, f"invalid {level} url size: {name}")]
        if kind == "miniprogram" and not (button.get("appid") and button.get("pagepath")):
            return [(bad_type, f"miniprogram {level} needs appid and pagepath: {name}")]
    elif kind in MEDIA_TYPES:
        if not (button.get("media_id") or button.get("article_id")):
            return [(40007, f"invalid media_id: {name}")]
    else:
        return [(bad_type, f"invalid {level} type: {kind}")]
    return []


def menu_errors(menu: Any) -> list[tuple[int, str]]:
    """(errcode, message) for every way ``menu`` breaks WeChat's limits; empty when it is valid.

    1-3 buttons; a button either acts (type with key/url) or holds 1-5 sub-buttons; names at most
    16 bytes (buttons) / 60 bytes (sub-buttons); keys at most 128 bytes; URLs at most 1024 bytes.
    """
    buttons = menu.get("button") if isinstance(menu, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        return [(40016, "invalid button size")]
    errors: list[tuple[int, str]] = []
    for button in buttons:
        if not isinstance(button, dict):
            errors.append((40017, "invalid button type"))
            continue
        if not 0 < _name_bytes(button) <= NAME_BYTES:
            errors.append((40018, f"invalid button name size: {button.get('name')}"))
        subs = button.get("sub_button")
        if not subs:  # absent or [] (menu/get answers an empty list)
            errors.extend(_action_errors(button, sub=False))
            continue
        if not isinstance(subs, list) or len(subs) > MAX_SUB_BUTTONS:
            errors.append((40023, f"invalid sub button size: {button.get('name')}"))
            continue
        for item in subs:
            if not isinstance(item, dict):
                errors.append((40024, "invalid sub button type"))
                continue
            if not 0 < _name_bytes(item) <= SUB_NAME_BYTES:
                errors.append((40025, f"invalid sub button name size: {item.get('name')}"))
            errors.extend(_action_errors(item, sub=True))
    return errors


def menu_problems(menu: Any) -> list[str]:
    """What is wrong with ``menu`` in words (empty when WeChat would accept it)."""
    return [message for _, message in menu_errors(menu)]


async def menu_create(request: web.Request) -> web.Response:
    """POST /cgi-bin/menu/create: validate against WeChat's limits, then publish."""
    errors = menu_errors(request["json"])
    if errors:
        return _error(errors[0][0], "; ".join(message for _, message in errors))
    request.app[SANDBOX].menu = request["json"]
    logger.info("sandbox: menu published (%d buttons)", len(request["json"]["button"]))
    return _error(0, "ok")


async def menu_get(request: web.Request) -> web.Response:
    """GET /cgi-bin/menu/get"""
    menu = request.app[SANDBOX].menu
    return web.json_response({"menu": menu}) if menu else _error(46003, "menu no exist")


def sandbox_app(app_id: str, app_secret: str) -> web.Application:
    """The sandbox as a sub-application (mount it at /sandbox); its state is ``app[SANDBOX]``."""
    app = web.Application(middlewares=[_wechat_like])
    app[SANDBOX] = SandboxState(app_id, app_secret)
    app.router.add_get("/cgi-bin/token", token)
    app.router.add_post("/cgi-bin/message/custom/send", custom_send)
    app.router.add_post("/cgi-bin/message/template/send", template_send)
    app.router.add_post("/cgi-bin/menu/create", menu_create)
    app.router.add_get("/cgi-bin/menu/get", menu_get)
    return app
