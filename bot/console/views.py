"""Console pages for everyone signed in: sign-in and out, tickets, a unit's ratings and scores."""
from __future__ import annotations

from typing import Any, Awaitable, Optional

from aiohttp import web
from sqlalchemy.orm import Session

from bot.console.accounts import TOO_MANY, authenticate
from bot.console.audit import ANONYMOUS, record
from bot.console.auth import (COOKIE, COOKIE_PATH, LOGIN_COOKIE, actor_name, end_session, login_token, new_token,
                              start_session)
from bot.console.forms import integer, page_number, safe_next, secret, text
from bot.console.tickets import (STATUSES, OtherUnit, Reassignment, StatusChange, apply_change, apply_reassign,
                                 ticket_list, ticket_view)
from bot.console.units import unit_names, unit_page
from bot.console.web import (THROTTLE, audit, client_ip, csrf_ok, lifetime, me, not_found, now, page, refuse,
                             secure_cookies)
from bot.errors import Conflict, InvalidInput, NotFound
from bot.feedback.targets import unit_name
from bot.web.database import in_db
from bot.web.keys import NOTIFIER, SESSIONS, SETTINGS
from bot.workdays import china_today

SUBSTANTIATED = {"yes": True, "no": False}


def _set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str) -> None:
    response.set_cookie(name, value, path=COOKIE_PATH, httponly=True, samesite="Strict",
                        secure=secure_cookies(request))


def _login_form(request: web.Request, error: str = "", login: str = "", next_url: str = "",
                status: int = 200) -> web.Response:
    """The sign-in page; its form's CSRF token is signed for this browser's pre-session id (kept in a cookie)."""
    presession = request.cookies.get(LOGIN_COOKIE) or new_token()
    token = login_token(request.app[SETTINGS].console_secret, presession)
    response = page(request, "login.html", {"csrf": token, "error": error, "login": login,
                                            "next": safe_next(next_url)}, status=status)
    _set_cookie(request, response, LOGIN_COOKIE, presession)
    return response


async def login_page(request: web.Request) -> web.Response:
    return _login_form(request, next_url=request.query.get("next", ""))


async def login(request: web.Request) -> web.Response:
    """Check the sign-in; a success starts a session, a refusal is counted; both are audited."""
    form, presession = await request.post(), request.cookies.get(LOGIN_COOKIE, "")
    if not presession or not await csrf_ok(request, login_token(request.app[SETTINGS].console_secret, presession)):
        await audit(request, "bad_csrf", "page:/console/login", "登录表单缺少有效的校验码")
        return page(request, "forbidden.html", {}, status=403)
    name, password, next_url = text(form, "login")[:64], secret(form, "password"), text(form, "next")
    at, span, ip, throttle = now(request), lifetime(request), client_ip(request), request.app[THROTTLE]

    def attempt(session: Session) -> tuple[str, Optional[str]]:
        outcome = authenticate(session, throttle, name, password, ip, at)
        if outcome.account is None:
            record(session, ANONYMOUS, "login_failed", f"account:{name}", outcome.reason, ip, at)
            return outcome.refusal, None
        account = outcome.account
        token = start_session(session, account, at, span)
        record(session, actor_name(account.role, account.login), "login", f"account:{account.login}", "", ip, at)
        return "", token

    refusal, token = await in_db(request, attempt)
    if token is None:
        return _login_form(request, refusal, name, next_url, status=429 if refusal == TOO_MANY else 401)
    response = web.HTTPSeeOther(safe_next(next_url))
    _set_cookie(request, response, COOKIE, token)
    response.del_cookie(LOGIN_COOKIE, path=COOKIE_PATH)
    raise response


async def logout(request: web.Request) -> web.Response:
    """End the session (it is deleted, so a copied cookie is worthless) and go back to the sign-in page."""
    who, token, at, ip = me(request), request.cookies.get(COOKIE, ""), now(request), client_ip(request)

    def sign_out(session: Session) -> None:
        end_session(session, token)
        record(session, who.actor, "logout", f"account:{who.login}", "", ip, at)

    await in_db(request, sign_out)
    response = web.HTTPSeeOther("/console/login")
    response.del_cookie(COOKIE, path=COOKIE_PATH)
    raise response


async def home(_: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/console/tickets")


async def tickets(request: web.Request) -> web.Response:
    """The tickets one may see, newest first, filtered by status and lateness."""
    who, query = me(request), request.query
    status = query.get("status") if query.get("status") in STATUSES else None
    overdue, number = query.get("overdue") == "1", page_number(query)
    unit_id = integer(query.get("unit")) if who.is_admin else None

    def load(session: Session) -> tuple[Any, bool, str]:
        items, more = ticket_list(session, who, status, overdue, number, unit_id)
        return items, more, unit_name(session, unit_id) if unit_id is not None else ""

    items, more, unit_label = await in_db(request, load)
    return page(request, "tickets.html", {
        "items": items, "statuses": STATUSES, "status": status or "", "overdue": overdue, "unit_id": unit_id,
        "unit_label": unit_label, "page": number,
        "prev_url": str(request.rel_url.update_query(page=number - 1)) if number > 1 else "",
        "next_url": str(request.rel_url.update_query(page=number + 1)) if more else "",
    })


async def _ticket_page(request: web.Request, error: str = "", status: int = 200,
                       typed: Optional[dict[str, str]] = None) -> web.Response:
    """The ticket as ``me`` may see it, with ``error`` above its forms and what was typed kept."""
    who, ticket_id = me(request), request.match_info["ticket"]
    try:
        view = await in_db(request, lambda s: ticket_view(s, who, ticket_id))
    except OtherUnit:
        return await refuse(request, f"ticket:{ticket_id}", "其他单位的工单")
    except NotFound:
        return not_found(request)
    units = await in_db(request, unit_names) if view.reassignable else []
    return page(request, "ticket.html", {"t": view, "error": error, "typed": typed or {}, "units": units,
                                         "saved": request.query.get("saved") == "1"}, status=status)


async def ticket(request: web.Request) -> web.Response:
    return await _ticket_page(request)


async def ticket_status(request: web.Request) -> web.Response:
    """Move the ticket on; a stale version (someone else was first) is 409 and changes nothing."""
    form, ticket_id = await request.post(), request.match_info["ticket"]
    typed = {"to_status": text(form, "to_status"), "note": text(form, "note"),
             "substantiated": text(form, "substantiated")}
    version = integer(form.get("version"))
    if version is None:
        return await _ticket_page(request, "表单已失效，请刷新后重试", 400, typed)
    change = StatusChange(ticket_id, typed["to_status"], typed["note"], version,
                          SUBSTANTIATED.get(typed["substantiated"]))
    return await _outcome(request, apply_change(request.app[SESSIONS], me(request), change, client_ip(request)),
                          ticket_id, typed)


async def ticket_reassign(request: web.Request) -> web.Response:
    """An administrator sends the ticket to another unit, picked by its exact name."""
    form, ticket_id = await request.post(), request.match_info["ticket"]
    typed = {"unit": text(form, "unit"), "reassign_note": text(form, "note")}
    version = integer(form.get("version"))
    if version is None:
        return await _ticket_page(request, "表单已失效，请刷新后重试", 400, typed)
    change = Reassignment(ticket_id, typed["unit"], typed["reassign_note"], version)
    return await _outcome(request, apply_reassign(request.app[SESSIONS], me(request), change, client_ip(request)),
                          ticket_id, typed)


async def unit(request: web.Request) -> web.Response:
    """A unit's ratings, latest comments and monthly score; staff see only their own unit."""
    who, unit_id = me(request), int(request.match_info["id"])
    if not who.is_admin and unit_id != who.unit_id:
        return await refuse(request, f"unit:{unit_id}", "其他单位的评价")
    today = china_today(now(request))
    try:
        data = await in_db(request, lambda s: unit_page(s, unit_id, today))
    except NotFound:
        return not_found(request)
    return page(request, "unit.html", {"u": data})


async def _outcome(request: web.Request, change: Awaitable[object], ticket_id: str,
                   typed: dict[str, str]) -> web.Response:
    """Apply a ticket change: back to the ticket when done (and tell the complainant now), else say why."""
    try:
        await change
    except NotFound:  # another unit's ticket: audited by the change itself
        return not_found(request)
    except Conflict as exc:
        return await _ticket_page(request, str(exc), 409)
    except InvalidInput as exc:
        return await _ticket_page(request, str(exc), 400, typed)
    notifier = request.app.get(NOTIFIER)
    if notifier is not None:  # rather than at the next periodic run
        notifier.kick()
    raise web.HTTPSeeOther(f"/console/tickets/{ticket_id}?saved=1")
