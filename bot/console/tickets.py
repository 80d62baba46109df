"""Complaint tickets in the console: who may see which, what a page shows, and the one place they change.

Staff see only their unit's tickets; another unit's ticket is answered as not found (and audited),
so guessing ticket ids confirms nothing. Every change made in the console goes through
``apply_change`` or ``apply_reassign``: the change and its audit row are one transaction.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.console.audit import record
from bot.console.auth import Principal
from bot.console.units import unit_by_name
from bot.db import session_scope
from bot.db.console import ConsoleAccount
from bot.db.directory import Cadre, Unit
from bot.db.feedback import Complaint
from bot.errors import Conflict, InvalidInput, NotFound
from bot.feedback.complaints import OPEN, TRANSITIONS, get_ticket, history, is_overdue
from bot.feedback.handling import change_status, reassign, unit_tickets

STATUSES: tuple[str, ...] = tuple(TRANSITIONS)
PER_PAGE = 20
EXCERPT = 60


class OtherUnit(NotFound):
    """Another unit's ticket asked for by staff: answered as not found, and audited."""


@dataclass(frozen=True)
class TicketSummary:
    """One line of the ticket list."""

    ticket_id: str
    unit_name: str
    status: str
    created_at: datetime
    deadline: date
    overdue: bool
    excerpt: str
    anonymous: bool


@dataclass(frozen=True)
class Step:
    """One entry of a ticket's history, with the actor named for the reader."""

    at: datetime
    from_status: Optional[str]
    to_status: str
    who: str
    note: str


@dataclass(frozen=True)
class TicketView:
    """Everything the ticket page shows; the complainant is left out where the reader may not see them."""

    ticket_id: str
    version: int
    unit_id: int
    unit_name: str
    cadre_name: str
    status: str
    description: str
    happened: str
    created_at: datetime
    deadline: date
    overdue: bool
    anonymous: bool
    complainant_phone: str  # empty when not given or hidden
    complainant_id: str  # administrators only
    evidence: int
    abusive: bool
    substantiated: Optional[bool]
    satisfied: Optional[bool]
    history: list[Step]
    transitions: list[str]
    reassignable: bool


@dataclass(frozen=True)
class StatusChange:
    """What the status form sent."""

    ticket_id: str
    to_status: str
    note: str
    expected_version: int
    substantiated: Optional[bool] = None


@dataclass(frozen=True)
class Reassignment:
    """What the reassignment form sent: the unit by its exact name."""

    ticket_id: str
    unit_name: str
    note: str
    expected_version: int


def visible_ticket(session: Session, who: Principal, ticket_id: str) -> Complaint:
    """The ticket if ``who`` may see it; NotFound if it does not exist, OtherUnit if it is not theirs."""
    complaint = get_ticket(session, ticket_id)
    if who.scope is not None and complaint.unit_id != who.scope:
        raise OtherUnit(ticket_id)
    return complaint


def _unit_names(session: Session, ids: set[int]) -> dict[int, str]:
    rows = session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))) if ids else []
    return {unit_id: name for unit_id, name in rows}


def ticket_list(session: Session, who: Principal, status: Optional[str], overdue: bool, page: int,
                unit_id: Optional[int] = None) -> tuple[list[TicketSummary], bool]:
    """One page of the tickets ``who`` may see, newest first, and whether there are more."""
    scope = who.scope if who.scope is not None else unit_id
    rows = unit_tickets(session, scope, status, overdue, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    names = _unit_names(session, {c.unit_id for c in rows})
    items = [TicketSummary(c.ticket_id, names.get(c.unit_id, ""), c.status, c.created_at, c.deadline, is_overdue(c),
                           c.description[:EXCERPT] + ("……" if len(c.description) > EXCERPT else ""), c.anonymous)
             for c in rows[:PER_PAGE]]
    return items, len(rows) > PER_PAGE


def actor_label(actor: str, names: dict[str, str]) -> str:
    """"staff:li" → "单位工作人员 李力"; the complainant is never named."""
    kind, _, login = actor.partition(":")
    if kind == "user":
        return "投诉人"
    if kind == "staff":
        return f"单位工作人员 {names.get(login, login)}"
    if kind == "admin":
        return f"市级管理员 {names.get(login, login)}"
    return "系统" if actor == "system" else actor


def ticket_view(session: Session, who: Principal, ticket_id: str) -> TicketView:
    """The ticket page for ``who`` (NotFound / OtherUnit as ``visible_ticket``)."""
    c = visible_ticket(session, who, ticket_id)
    events = history(session, c)
    logins = {e.actor.partition(":")[2] for e in events if e.actor.startswith(("staff:", "admin:"))}
    rows = session.execute(select(ConsoleAccount.login, ConsoleAccount.display_name)
                           .where(ConsoleAccount.login.in_(logins))) if logins else []
    names = {login: name for login, name in rows}
    cadre = session.get(Cadre, c.cadre_id) if c.cadre_id is not None else None
    reveal = who.is_admin or not c.anonymous
    return TicketView(
        ticket_id=c.ticket_id, version=c.version, unit_id=c.unit_id,
        unit_name=_unit_names(session, {c.unit_id}).get(c.unit_id, ""), cadre_name=cadre.name if cadre else "",
        status=c.status, description=c.description, happened=c.happened, created_at=c.created_at,
        deadline=c.deadline, overdue=is_overdue(c), anonymous=c.anonymous,
        complainant_phone=c.contact_phone if reveal else "", complainant_id=c.user_id if who.is_admin else "",
        evidence=len(c.evidence or []), abusive=c.abusive, substantiated=c.substantiated, satisfied=c.satisfied,
        history=[Step(e.at, e.from_status, e.to_status, actor_label(e.actor, names), e.note) for e in events],
        transitions=sorted(TRANSITIONS.get(c.status, frozenset()), key=STATUSES.index),
        reassignable=who.is_admin and c.status in OPEN,
    )


def _current(complaint: Complaint, expected_version: int) -> Complaint:
    """The ticket, unless it changed since the form was loaded (then what the form offers may no longer apply)."""
    if complaint.version != expected_version:
        raise Conflict("工单已被他人更新，请刷新后重试")
    return complaint


def _short(note: str, limit: int = 200) -> str:
    """A note as the audit log keeps it (the ticket's history has it whole)."""
    note = " ".join(note.split())
    return note if len(note) <= limit else note[:limit] + "……"


def _refuse(sessions: "sessionmaker[Session]", who: Principal, ticket_id: str, client_ip: str) -> None:
    with session_scope(sessions) as session:
        record(session, who.actor, "refused", f"ticket:{ticket_id}", "其他单位的工单", client_ip)


def _change(sessions: "sessionmaker[Session]", who: Principal, change: StatusChange, client_ip: str) -> Complaint:
    try:
        with session_scope(sessions) as session:
            before = _current(visible_ticket(session, who, change.ticket_id), change.expected_version).status
            if change.to_status == "已办结" and change.substantiated is None:
                raise InvalidInput("办结时请选择投诉是否属实")
            complaint = change_status(session, change.ticket_id, change.to_status, who.actor, change.note,
                                      change.expected_version, unit_id=who.scope, substantiated=change.substantiated)
            record(session, who.actor, "status_change", f"ticket:{change.ticket_id}",
                   f"{before} → {change.to_status}" + (f"：{_short(change.note)}" if change.note.strip() else ""),
                   client_ip)
            return complaint
    except OtherUnit:
        _refuse(sessions, who, change.ticket_id, client_ip)
        raise


def _reassign(sessions: "sessionmaker[Session]", who: Principal, change: Reassignment, client_ip: str) -> Complaint:
    if not who.is_admin:
        raise NotFound(change.ticket_id)
    with session_scope(sessions) as session:
        before = _current(get_ticket(session, change.ticket_id), change.expected_version)
        from_unit = _unit_names(session, {before.unit_id}).get(before.unit_id, "")
        unit = unit_by_name(session, change.unit_name)
        complaint = reassign(session, change.ticket_id, unit.id, who.actor, change.note, change.expected_version)
        record(session, who.actor, "reassign", f"ticket:{change.ticket_id}", f"{from_unit} → {unit.name}",
               client_ip)
        return complaint


async def apply_change(sessions: "sessionmaker[Session]", who: Principal, change: StatusChange,
                       client_ip: str) -> Complaint:
    """Change a ticket's status from the console: the change and its audit row, committed together.

    Raises NotFound (OtherUnit for another unit's ticket, audited), InvalidInput or Conflict; then
    nothing changed.
    """
    return await asyncio.to_thread(_change, sessions, who, change, client_ip)


async def apply_reassign(sessions: "sessionmaker[Session]", who: Principal, change: Reassignment,
                         client_ip: str) -> Complaint:
    """An administrator moves a ticket to another unit: the change and its audit row, committed together.

    Raises NotFound, InvalidInput (unknown unit, closed ticket, same unit) or Conflict; then nothing changed.
    """
    return await asyncio.to_thread(_reassign, sessions, who, change, client_ip)
