"""The web app's URLs."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.console.routes import setup_console
from bot.web import views
from bot.web.policy_views import add_policy_routes

STATIC = Path(__file__).parent / "static"


def setup_routes(app: web.Application, chat_page: bool) -> None:
    """Register the service cards, health, static files, the console, and the local chat page when asked.

    The chat page signs messages as WeChat for any openid: it exists only beside the sandbox.
    """
    router = app.router
    router.add_get("/health", views.health, name="health")
    if chat_page:
        router.add_get("/", views.index, name="index")
        router.add_get("/chat", views.chat_page, name="chat")
        router.add_post("/chat/api/send", views.chat_send, name="chat_send")
        router.add_get("/chat/api/inbox", views.chat_inbox, name="chat_inbox")
    router.add_get(r"/cards/cadre/{id:\d{1,9}}", views.cadre_card, name="cadre_card")
    router.add_get(r"/cards/cadre/{id:\d{1,9}}/photo.svg", views.cadre_photo, name="cadre_photo")
    router.add_get(r"/cards/unit/{id:\d{1,9}}", views.unit_card, name="unit_card")
    add_policy_routes(router)
    router.add_static("/static", STATIC, name="static")
    setup_console(app)
