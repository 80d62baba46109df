"""Request plumbing of the console: who is signed in, the CSRF check on every form, pages, the database.

``guard`` runs for every request under /console: it resumes the session from the cookie (or sends
the browser to the sign-in page) and refuses any POST whose hidden ``csrf`` field does not match the
session's token, before a handler sees it.
"""
from __future__ import annotations

import functools
import ipaddress
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Optional
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from bot.console.audit import ANONYMOUS, record
from bot.console.auth import COOKIE, COOKIE_PATH, Lifetime, Principal, resume, same_token
from bot.console.lockout import Throttle
from bot.web.database import in_db
from bot.web.keys import SETTINGS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Clock = Callable[[], datetime]

CLOCK: web.AppKey[Clock] = web.AppKey("console_clock")  # tests move time forward through it
THROTTLE = web.AppKey("console_throttle", Throttle)  # failed sign-ins per address and per account
PRINCIPAL = "console_principal"  # request key: the signed-in Principal
PUBLIC_ROUTES = frozenset({"console_login"})


def now(request: web.Request) -> datetime:
    return request.app[CLOCK]()


def lifetime(request: web.Request) -> Lifetime:
    settings = request.app[SETTINGS]
    return Lifetime(timedelta(minutes=settings.console_idle_minutes), timedelta(hours=settings.console_max_hours))


def secure_cookies(request: web.Request) -> bool:
    """Cookies only over HTTPS when the console is served over HTTPS."""
    return request.app[SETTINGS].public_url.startswith("https://")


def client_ip(request: web.Request) -> str:
    """The client's address. The app listens on loopback behind a reverse proxy, so from a loopback peer
    the last X-Forwarded-For entry (the address the proxy saw, appended by it) is the client's."""
    remote = request.remote or ""
    forwarded = ",".join(request.headers.getall("X-Forwarded-For", [])).rsplit(",", 1)[-1].strip()
    try:
        proxied = bool(forwarded) and ipaddress.ip_address(remote).is_loopback
        return str(ipaddress.ip_address(forwarded)) if proxied else remote
    except ValueError:
        return remote


def me(request: web.Request) -> Principal:
    return request[PRINCIPAL]  # type: ignore[no-any-return]


async def audit(request: web.Request, action: str, target: str = "", detail: str = "") -> None:
    """Record something on its own (a sign-in, a refusal); changes record theirs in their own transaction."""
    who: Optional[Principal] = request.get(PRINCIPAL)
    actor = who.actor if who else ANONYMOUS
    at, ip = now(request), client_ip(request)
    await in_db(request, lambda s: record(s, actor, action, target, detail, ip, at))


def page(request: web.Request, template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    """A console page; every template gets the signed-in person as ``me``."""
    context = {"me": request.get(PRINCIPAL), **context}
    return aiohttp_jinja2.render_template(f"console/{template}", request, context, status=status)


def not_found(request: web.Request) -> web.Response:
    return page(request, "not_found.html", {}, status=404)


async def refuse(request: web.Request, target: str, detail: str) -> web.Response:
    """Answer as not found, and keep the attempt in the audit log."""
    await audit(request, "refused", target, detail)
    return not_found(request)


def admin_only(handler: Handler) -> Handler:
    """City administrators only; for anyone else the page does not exist (and the attempt is audited)."""
    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        if not me(request).is_admin:
            return await refuse(request, f"page:{request.path}"[:80], "非管理员访问管理页面")
        return await handler(request)
    return wrapped


def _to_login(request: web.Request) -> web.HTTPSeeOther:
    target = request.path_qs if request.method == "GET" else "/console"
    return web.HTTPSeeOther(f"/console/login?next={quote(target, safe='')}")


async def csrf_ok(request: web.Request, expected: str) -> bool:
    """True when the form's hidden ``csrf`` field matches ``expected``."""
    form = await request.post()
    token = form.get("csrf")
    return same_token(expected, token if isinstance(token, str) else None)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Sign-in required under /console; every POST must carry the session's CSRF token."""
    if request.path != COOKIE_PATH and not request.path.startswith(COOKIE_PATH + "/"):
        return await handler(request)
    if request.match_info.route.name not in PUBLIC_ROUTES:
        token = request.cookies.get(COOKIE)
        at, span = now(request), lifetime(request)
        who = await in_db(request, lambda s: resume(s, token, at, span)) if token else None
        if who is None:
            raise _to_login(request)
        request[PRINCIPAL] = who
        if request.method == "POST" and not await csrf_ok(request, who.csrf):
            await audit(request, "bad_csrf", f"page:{request.path}"[:80], "表单缺少有效的校验码")
            return page(request, "forbidden.html", {}, status=403)
    response = await handler(request)
    response.headers["Cache-Control"] = "no-store"
    return response
