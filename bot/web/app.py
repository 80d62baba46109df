"""The web app: the local chat page, service-card pages and (locally) the WeChat API sandbox."""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.config import Settings
from bot.db import create_db_engine, make_session_factory
from bot.feedback.notify import Notifier
from bot.logsafe import printable
from bot.policies.push import PolicyPusher
from bot.web.keys import HTTP, NOTIFIER, SANDBOX_APP, SESSIONS, SETTINGS
from bot.web.routes import STATIC, setup_routes
from bot.web.views import not_found
from bot.wechat.api import WeChatClient

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CSP = ("default-src 'self'; img-src 'self' data: http: https:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
QUIET_PATHS = ("/chat/api/inbox", "/health")  # polled; not worth a log line when they succeed
SECRET_PARAMS = frozenset({"secret", "access_token", "openid", "signature", "msg_signature"})
LOGGED_URL_CHARS = 500  # the path and query of an access log line (escaped), at most


async def _database(app: web.Application) -> AsyncIterator[None]:
    """One engine for the process, disposed on shutdown."""
    engine = create_db_engine(app[SETTINGS].database_url)
    app[SESSIONS] = make_session_factory(engine)
    yield
    engine.dispose()


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    """One HTTP client session for the process (the chat page's messages to the channel)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        app[HTTP] = session
        yield


@contextlib.asynccontextmanager
async def _running(job: Awaitable[None]) -> AsyncIterator[None]:
    """Run ``job`` as a task while the app serves; cancel it on shutdown."""
    task = asyncio.ensure_future(job)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _notifier(app: web.Application) -> AsyncIterator[None]:
    """Complainants hear of every change to their tickets (bot.feedback.notify)."""
    settings = app[SETTINGS]
    if settings.notify_interval <= 0:
        yield
        return
    async with WeChatClient.from_settings(settings, app[SESSIONS]) as client:
        notifier = Notifier(client, app[SESSIONS], settings.notify_interval, settings.wechat_template_complaint,
                            f"{settings.public_url}/chat")
        app[NOTIFIER] = notifier
        async with _running(notifier.run()):
            yield


async def _policy_pusher(app: web.Application) -> AsyncIterator[None]:
    """Subscribers receive new policies their enterprises fit (bot.policies.push)."""
    settings = app[SETTINGS]
    if settings.push_interval <= 0:
        yield
        return
    async with WeChatClient.from_settings(settings, app[SESSIONS]) as client:
        pusher = PolicyPusher(client, app[SESSIONS], settings.push_interval, settings.public_url,
                              settings.push_quiet_hours, settings.push_daily_cap)
        async with _running(pusher.run()):
            yield


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """No sniffing, no framing, scripts and styles only from this app."""
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.content_type == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP)
    return response


@web.middleware
async def chinese_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unknown pages get the Chinese 404 page; the chat API answers JSON; the sandbox is left alone."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or request.path.startswith("/sandbox/"):
            raise
        if request.path.startswith("/chat/api/"):
            message = "接口不存在" if exc.status == 404 else f"请求无效（HTTP {exc.status}）"
            return web.json_response({"error": message}, status=exc.status)
        if exc.status in (404, 405):
            return not_found(request)
        raise


class QuietAccessLogger(AbstractAccessLogger):
    """Access log without the chat page's polling, without secrets in query strings, one line per request."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if response.status < 400 and request.path in QUIET_PATHS:
            return
        query = "&".join(f"{k}={'***' if k.lower() in SECRET_PARAMS else v}" for k, v in request.query.items())
        target = printable(request.path + (f"?{query}" if query else ""), LOGGED_URL_CHARS)
        self.logger.info("%s %s %s %d %.3fs", request.remote, request.method, target, response.status, time)


async def _page_context(request: web.Request) -> dict[str, str]:
    """What every page may show: the service hotline."""
    return {"hotline": request.app[SETTINGS].service_hotline}


def _static_version() -> str:
    """Changes whenever a static file does (cache busting in the templates)."""
    digest = hashlib.sha1()
    for path in sorted(STATIC.iterdir()):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def create_app(settings: Settings) -> web.Application:
    """Build the app; the WeChat API sandbox is mounted when the assistant is configured to use it."""
    app = web.Application(middlewares=[security_headers, chinese_errors], client_max_size=64 * 1024)
    app[SETTINGS] = settings
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                               undefined=jinja2.StrictUndefined, context_processors=[_page_context])
    env.globals["static_version"] = _static_version()
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_http_client)
    app.cleanup_ctx.append(_notifier)
    app.cleanup_ctx.append(_policy_pusher)
    local = settings.local_wechat
    setup_routes(app, chat_page=local)
    if local:
        from bot.web.sandbox import sandbox_app

        sandbox = sandbox_app(settings.wechat_app_id, settings.wechat_app_secret)
        app.add_subapp("/sandbox", sandbox)
        app[SANDBOX_APP] = sandbox
        logger.info("WeChat API sandbox mounted at %s/sandbox", settings.public_url)
    return app


def main(settings: Settings) -> None:
    """Serve the app on 127.0.0.1:settings.web_port until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logger.info("web app on http://127.0.0.1:%d (chat page: %s/chat)", settings.web_port, settings.public_url)
    web.run_app(create_app(settings), host="127.0.0.1", port=settings.web_port, print=None,
                access_log_class=QuietAccessLogger)
