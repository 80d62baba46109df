"""The console's URLs under /console, its guard middleware and its template filters."""
from __future__ import annotations

from datetime import datetime

import aiohttp_jinja2
from aiohttp import web

from bot.console import admin, views
from bot.console.lockout import Throttle
from bot.console.web import CLOCK, THROTTLE, admin_only, guard
from bot.db.base import utcnow
from bot.workdays import CHINA

TICKET = r"{ticket:TS\d{12}}"


def beijing(moment: datetime) -> str:
    """A timestamp as people in Shenyang read it: "2026-11-24 10:00"."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def setup_console(app: web.Application) -> None:
    """Register the console on ``app`` (after aiohttp_jinja2.setup, before the app starts)."""
    app[CLOCK] = utcnow
    app[THROTTLE] = Throttle()
    app.middlewares.append(guard)
    aiohttp_jinja2.get_env(app).filters["beijing"] = beijing
    router = app.router
    router.add_get("/console", views.home, name="console")
    router.add_get("/console/login", views.login_page, name="console_login")
    router.add_post("/console/login", views.login, name="console_login")
    router.add_post("/console/logout", views.logout, name="console_logout")
    router.add_get("/console/tickets", views.tickets, name="console_tickets")
    router.add_get(f"/console/tickets/{TICKET}", views.ticket, name="console_ticket")
    router.add_post(f"/console/tickets/{TICKET}/status", views.ticket_status, name="console_ticket_status")
    router.add_post(f"/console/tickets/{TICKET}/reassign", admin_only(views.ticket_reassign),
                    name="console_ticket_reassign")
    router.add_get(r"/console/units/{id:\d{1,9}}", views.unit, name="console_unit")
    router.add_get("/console/accounts", admin.accounts, name="console_accounts")
    router.add_post("/console/accounts", admin.account_create, name="console_accounts")
    router.add_post(r"/console/accounts/{id:\d{1,9}}/active", admin.account_active, name="console_account_active")
    router.add_post(r"/console/accounts/{id:\d{1,9}}/password", admin.account_password,
                    name="console_account_password")
    router.add_get("/console/audit", admin.audit_log, name="console_audit")
    router.add_get("/console/leaderboard", admin.leaderboard, name="console_leaderboard")
    router.add_get("/console/leaderboard.csv", admin.leaderboard_csv, name="console_leaderboard_csv")
    router.add_get("/console/leaderboard.xlsx", admin.leaderboard_xlsx, name="console_leaderboard_xlsx")
