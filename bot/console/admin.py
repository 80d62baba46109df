"""Console pages for city administrators: accounts, the audit log, the leaderboard and its downloads."""
from __future__ import annotations

import asyncio
import io
import math
from dataclasses import dataclass
from datetime import date
from typing import Mapping, Optional
from urllib.parse import quote, urlencode

from aiohttp import web
from sqlalchemy.orm import Session

from bot.console.accounts import create_account, list_accounts, reset_password, set_active
from bot.console.audit import ACTIONS, entries, record
from bot.console.forms import integer, page_number, secret, text
from bot.console.units import unit_by_name, unit_names
from bot.console.web import admin_only, client_ip, me, not_found, now, page
from bot.web.database import in_db
from bot.db.console import ROLES
from bot.errors import Duplicate, InvalidInput, NotFound
from bot.feedback.leaderboard import UnitScore, csv_bytes, month_period, unit_scores, write_xlsx, year_period
from bot.workdays import china_today

AUDIT_PER_PAGE = 50
BOARD_PER_PAGE = 50
YEARS_BACK = 4  # how many past years the period picker offers
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _accounts_page(request: web.Request, error: str = "", status: int = 200,
                         typed: Optional[dict[str, str]] = None) -> web.Response:
    accounts, units = await in_db(request, lambda s: (list_accounts(s), unit_names(s)))
    return page(request, "accounts.html", {"accounts": accounts, "units": units, "roles": ROLES, "error": error,
                                           "typed": typed or {"role": "staff"}, "done": request.query.get("done", ""),
                                           "now_utc": now(request)}, status=status)


@admin_only
async def accounts(request: web.Request) -> web.Response:
    return await _accounts_page(request)


@admin_only
async def account_create(request: web.Request) -> web.Response:
    """A new staff account for a unit (picked by its exact name) or another administrator."""
    form, who, at, ip = await request.post(), me(request), now(request), client_ip(request)
    typed = {"role": text(form, "role"), "login": text(form, "login"), "name": text(form, "name"),
             "unit": text(form, "unit")}

    def create(session: Session) -> None:
        unit = unit_by_name(session, typed["unit"]) if typed["role"] == "staff" else None
        account = create_account(session, typed["login"], typed["name"], secret(form, "password"), typed["role"],
                                 unit.id if unit else None)
        detail = f"{ROLES[account.role]}" + (f"，{unit.name}" if unit else "")
        record(session, who.actor, "account_create", f"account:{account.login}", detail, ip, at)

    try:
        await in_db(request, create)
    except (InvalidInput, Duplicate) as exc:
        return await _accounts_page(request, str(exc), 400, typed)
    raise web.HTTPSeeOther("/console/accounts?done=created")


@admin_only
async def account_active(request: web.Request) -> web.Response:
    """Enable or disable an account (one's own cannot be disabled)."""
    form, who, at, ip = await request.post(), me(request), now(request), client_ip(request)
    account_id, active = int(request.match_info["id"]), text(form, "active") == "1"
    if account_id == who.account_id and not active:
        return await _accounts_page(request, "不能停用自己的账号", 400)

    def change(session: Session) -> None:
        account = set_active(session, account_id, active)
        record(session, who.actor, "account_enable" if active else "account_disable", f"account:{account.login}",
               "", ip, at)

    try:
        await in_db(request, change)
    except NotFound:
        return not_found(request)
    raise web.HTTPSeeOther(f"/console/accounts?done={'enabled' if active else 'disabled'}")


@admin_only
async def account_password(request: web.Request) -> web.Response:
    """Set a new password; the account's sessions end (one's own too: sign in again)."""
    form, who, at, ip = await request.post(), me(request), now(request), client_ip(request)
    account_id, password = int(request.match_info["id"]), secret(form, "password")

    def change(session: Session) -> None:
        account = reset_password(session, account_id, password)
        record(session, who.actor, "password_reset", f"account:{account.login}", "", ip, at)

    try:
        await in_db(request, change)
    except NotFound:
        return not_found(request)
    except InvalidInput as exc:
        return await _accounts_page(request, str(exc), 400)
    raise web.HTTPSeeOther("/console/login" if account_id == who.account_id else "/console/accounts?done=password")


@admin_only
async def audit_log(request: web.Request) -> web.Response:
    """The audit log, newest first, a page at a time."""
    number = page_number(request.query)
    rows, total = await in_db(request, lambda s: entries(s, number, AUDIT_PER_PAGE))
    return page(request, "audit.html", {"rows": rows, "actions": ACTIONS, "page": number,
                                        "pages": max(1, math.ceil(total / AUDIT_PER_PAGE)), "total": total})


@dataclass(frozen=True)
class Period:
    """A month or a year of the leaderboard, as chosen in the page's query string."""

    kind: str  # "month" or "year"
    year: int
    month: int

    @property
    def bounds(self) -> tuple[date, date]:
        return month_period(self.year, self.month) if self.kind == "month" else year_period(self.year)

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月" if self.kind == "month" else f"{self.year}年"

    @property
    def slug(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.kind == "month" else str(self.year)

    @property
    def query(self) -> str:
        params = {"period": self.kind, "year": self.year} | ({"month": self.month} if self.kind == "month" else {})
        return urlencode(params)


def period_of(query: Mapping[str, str], today: date) -> Period:
    """The period asked for; anything missing or out of range falls back to the current month or year."""
    kind = "year" if query.get("period") == "year" else "month"
    year = integer(query.get("year"))
    month = integer(query.get("month"))
    year = year if year is not None and today.year - YEARS_BACK <= year <= today.year else today.year
    month = month if month is not None and 1 <= month <= 12 else today.month
    return Period(kind, year, month)


async def _scores(request: web.Request) -> tuple[Period, list[UnitScore]]:
    period = period_of(request.query, china_today(now(request)))
    start, end = period.bounds
    return period, await in_db(request, lambda s: unit_scores(s, start, end))


@admin_only
async def leaderboard(request: web.Request) -> web.Response:
    """Every unit's score for a month or a year, best first, with CSV and XLSX downloads."""
    period, rows = await _scores(request)
    number = page_number(request.query)
    pages = max(1, math.ceil(len(rows) / BOARD_PER_PAGE))
    number = min(number, pages)
    this_year = china_today(now(request)).year
    return page(request, "leaderboard.html", {
        "period": period, "rows": rows[(number - 1) * BOARD_PER_PAGE:number * BOARD_PER_PAGE], "page": number,
        "pages": pages, "years": list(range(this_year, this_year - YEARS_BACK - 1, -1)), "months": range(1, 13),
        "units": len(rows),
    })


def _download(body: bytes, content_type: str, period: Period, extension: str) -> web.Response:
    """An attachment named in Chinese, with an ASCII name for old browsers (RFC 6266)."""
    name = quote(f"服务质量排名-{period.slug}.{extension}")
    disposition = f"attachment; filename=\"leaderboard-{period.slug}.{extension}\"; filename*=UTF-8''{name}"
    return web.Response(body=body, headers={"Content-Type": content_type, "Content-Disposition": disposition})


@admin_only
async def leaderboard_csv(request: web.Request) -> web.Response:
    period, rows = await _scores(request)
    return _download(csv_bytes(rows), "text/csv; charset=utf-8", period, "csv")


def _xlsx(rows: list[UnitScore], title: str) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(rows, buffer, title=title)
    return buffer.getvalue()


@admin_only
async def leaderboard_xlsx(request: web.Request) -> web.Response:
    period, rows = await _scores(request)
    body = await asyncio.to_thread(_xlsx, rows, f"服务质量排名{period.label}")
    return _download(body, XLSX, period, "xlsx")
