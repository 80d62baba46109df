"""Handlers of the web app: the chat page, its send and inbox endpoints, the service-card pages."""
from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.errors import InvalidInput, Unavailable
from bot.web import cards, chat
from bot.web.database import in_db
from bot.web.keys import HTTP, SANDBOX_APP, SETTINGS
from bot.web.sandbox import SANDBOX
from bot.wechat import simulate
from bot.wechat.menu import MENU

logger = logging.getLogger(__name__)

MAX_INBOX = 50  # messages returned per poll


async def index(_: web.Request) -> web.Response:
    """The root opens the chat page."""
    raise web.HTTPFound("/chat")


async def health(_: web.Request) -> web.Response:
    """Liveness for `python -m bot serve` and the tests."""
    return web.json_response({"status": "ok"})


def _account(request: web.Request) -> simulate.Account:
    settings = request.app[SETTINGS]
    return simulate.Account(settings.wechat_token, settings.wechat_app_id, settings.wechat_aes_key)


@aiohttp_jinja2.template("chat.html")
async def chat_page(request: web.Request) -> dict[str, Any]:
    """The phone-like chat with the Official Account."""
    settings = request.app[SETTINGS]
    config = {
        "sendUrl": "/chat/api/send",
        "inboxUrl": "/chat/api/inbox",
        "encryption": bool(settings.wechat_aes_key),
        "maxContent": chat.MAX_CONTENT,
    }
    places = [{"label": label, "latitude": lat, "longitude": lon} for label, lat, lon in chat.PLACES]
    return {"menu": MENU.get("button", []), "config": config, "places": places,
            "encryption": bool(settings.wechat_aes_key)}


def _bad(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def chat_send(request: web.Request) -> web.Response:
    """Send the page's message to the WeChat channel exactly as WeChat would; return the reply."""
    if request.content_length is not None and request.content_length > chat.MAX_BODY:
        return _bad(chat.ERRORS["too_large"], 413)
    try:
        raw = await request.read()  # the app caps bodies at client_max_size
    except web.HTTPRequestEntityTooLarge:
        return _bad(chat.ERRORS["too_large"], 413)
    if len(raw) > chat.MAX_BODY:
        return _bad(chat.ERRORS["too_large"], 413)
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return _bad(chat.ERRORS["json"])
    settings = request.app[SETTINGS]
    try:
        message = chat.parse_page_message(payload, bool(settings.wechat_aes_key))
    except InvalidInput as exc:
        return _bad(str(exc))
    account = _account(request)
    url = f"http://127.0.0.1:{settings.rasa_port}/webhooks/wechat/webhook"
    try:
        delivery = await chat.post_like_wechat(request.app[HTTP], url, account, message, chat.to_xml(account, message))
    except Unavailable as exc:
        logger.warning("chat page message not delivered: %s", exc)
        return _bad(str(exc), 502)
    return web.json_response({"replies": delivery.replies, "attempts": delivery.attempts,
                              "elapsed_ms": delivery.elapsed_ms, "unavailable": delivery.gave_up})


async def chat_inbox(request: web.Request) -> web.Response:
    """What the assistant sent ``openid`` through the sandbox's API after message ``after``."""
    openid = request.query.get("openid", "")
    if not chat.OPENID.match(openid):
        return _bad(chat.ERRORS["openid"])
    try:
        after = int(request.query.get("after", "0"))
    except ValueError:
        after = 0
    items = [{"id": m["id"], "kind": m["kind"], "body": m["body"]}
             for m in request.app[SANDBOX_APP][SANDBOX].messages(openid) if m["id"] > after]
    return web.json_response({"messages": items[:MAX_INBOX]})


def not_found(request: web.Request, what: str = "") -> web.Response:
    """The Chinese 404 page."""
    return aiohttp_jinja2.render_template("not_found.html", request, {"what": what}, status=404)


async def cadre_card(request: web.Request) -> web.Response:
    """A cadre's electronic service card."""
    cadre_id = int(request.match_info["id"])
    card = await in_db(request, lambda s: cards.load_cadre(s, cadre_id))
    if card is None:
        return not_found(request, "这位服务干部的名片")
    return aiohttp_jinja2.render_template("cadre.html", request, {"cadre": card})


async def cadre_photo(request: web.Request) -> web.Response:
    """The generated avatar with the cadre's surname (for cadres without a photo)."""
    cadre_id = int(request.match_info["id"])
    name = await in_db(request, lambda s: cards.cadre_name(s, cadre_id))
    if name is None:
        return not_found(request, "这位服务干部的头像")
    response = aiohttp_jinja2.render_template(
        "avatar.svg", request, {"text": cards.surname(name), "colour": cards.avatar_colour(f"cadre:{cadre_id}")})
    response.content_type = "image/svg+xml"
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


async def unit_card(request: web.Request) -> web.Response:
    """A unit's service card."""
    unit_id = int(request.match_info["id"])
    card = await in_db(request, lambda s: cards.load_unit(s, unit_id))
    if card is None:
        return not_found(request, "这个单位的名片")
    return aiohttp_jinja2.render_template("unit.html", request, {"unit": card})
