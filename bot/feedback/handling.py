"""Handling complaints: status changes by unit staff, reassignment by the city, the complainant's verdict.

Every change is one ``ComplaintEvent``; events that the complainant should hear about are left
with ``notified_at`` empty and sent by ``bot.feedback.notify`` after the change is committed.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db.base import utcnow
from bot.db.directory import Unit
from bot.db.feedback import Complaint, ComplaintEvent
from bot.errors import Conflict, InvalidInput, NotFound
from bot.feedback.complaints import HANDLING_DAYS, OPEN, get_ticket, is_overdue, transition
from bot.workdays import add_working_days, china_today

MAX_NOTE = 2000
SATISFIED_NOTE = "投诉人对办理结果表示满意"
DISSATISFIED_NOTE = "投诉人对办理结果不满意，申请重新办理"
VERDICT_DAYS = 30  # the complainant may judge a closed ticket this many days after it was closed


def change_status(session: Session, ticket_id: str, to_status: str, actor: str, note: str,
                  expected_version: int, *, unit_id: Optional[int] = None,
                  substantiated: Optional[bool] = None, now: Optional[datetime] = None) -> Complaint:
    """Move a ticket on; ``unit_id`` (unit staff) refuses another unit's ticket as NotFound."""
    complaint = get_ticket(session, ticket_id)
    if unit_id is not None and complaint.unit_id != unit_id:
        raise NotFound(ticket_id)  # never confirm that another unit's ticket exists
    note = (note or "").strip()
    if to_status in ("已办结", "已退回") and not note:
        raise InvalidInput("请填写办理结果或退回理由")
    complaint = transition(session, ticket_id, to_status, actor, note[:MAX_NOTE], expected_version, now=now)
    if to_status == "已办结":
        complaint.substantiated = substantiated
        complaint.satisfied = None  # the complainant is asked (again)
    if to_status == "重新办理":
        complaint.deadline = add_working_days(china_today(now), HANDLING_DAYS)
    session.flush()
    return complaint


def reassign(session: Session, ticket_id: str, to_unit_id: int, actor: str, note: str,
             expected_version: int, now: Optional[datetime] = None) -> Complaint:
    """The city moves a ticket to the unit that should handle it (status 已转办)."""
    complaint = get_ticket(session, ticket_id)
    unit = session.get(Unit, to_unit_id)
    if unit is None:
        raise InvalidInput("转办单位不存在")
    if complaint.status not in OPEN:
        raise InvalidInput(f"工单状态“{complaint.status}”不能转办")
    if complaint.unit_id == to_unit_id:
        raise InvalidInput("工单已在该单位")
    now = now or utcnow()
    changed = session.execute(
        update(Complaint).where(Complaint.id == complaint.id, Complaint.version == expected_version)
        .values(unit_id=to_unit_id, cadre_id=None, status="已转办", version=Complaint.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise Conflict("工单已被他人更新，请刷新后重试")
    session.add(ComplaintEvent(complaint_id=complaint.id, from_status=complaint.status, to_status="已转办",
                               actor=actor, note=(f"转办至{unit.name}。" + (note or "").strip())[:MAX_NOTE], at=now))
    session.flush()
    session.refresh(complaint)
    return complaint


def awaiting_verdict(session: Session, user_id: str, now: Optional[datetime] = None) -> Optional[Complaint]:
    """The user's most recently closed ticket that they have not judged yet, if any."""
    today = china_today(now)
    closed = session.scalars(
        select(Complaint).where(Complaint.user_id == user_id, Complaint.status == "已办结", Complaint.satisfied.is_(None))
        .order_by(Complaint.updated_at.desc(), Complaint.id.desc())).first()
    if closed is None or (today - china_today(closed.updated_at)).days > VERDICT_DAYS:
        return None
    return closed


def record_verdict(session: Session, complaint: Complaint, satisfied: bool, now: Optional[datetime] = None) -> Complaint:
    """The complainant's verdict; 不满意 reopens the ticket (重新办理) with a new deadline."""
    if satisfied:
        changed = session.execute(
            update(Complaint).where(Complaint.id == complaint.id, Complaint.version == complaint.version)
            .values(satisfied=True, version=Complaint.version + 1)
            .execution_options(synchronize_session=False)).rowcount
        if changed != 1:
            raise Conflict("工单已被他人更新")
        session.add(ComplaintEvent(complaint_id=complaint.id, from_status="已办结", to_status="已办结",
                                   actor=f"user:{complaint.user_id}", note=SATISFIED_NOTE, at=now or utcnow()))
        session.flush()
        session.refresh(complaint)
        return complaint
    # The reopening event by the user is the dissatisfied verdict the score counts.
    return change_status(session, complaint.ticket_id, "重新办理", f"user:{complaint.user_id}",
                         DISSATISFIED_NOTE, complaint.version, now=now)


def unit_tickets(session: Session, unit_id: Optional[int] = None, status: Optional[str] = None,
                 overdue_only: bool = False, limit: int = 50, offset: int = 0) -> list[Complaint]:
    """Tickets newest first; ``unit_id`` None means every unit (city administrators)."""
    query = select(Complaint).order_by(Complaint.created_at.desc(), Complaint.id.desc())
    if unit_id is not None:
        query = query.where(Complaint.unit_id == unit_id)
    if status:
        query = query.where(Complaint.status == status)
    if overdue_only:
        query = query.where(Complaint.status.in_(OPEN), Complaint.deadline < china_today())
    rows = list(session.scalars(query.limit(limit).offset(offset)))
    return [c for c in rows if not overdue_only or is_overdue(c)]
