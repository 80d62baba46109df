"""Complaints: one ticket per confirmed submission, a recorded workflow, each user sees only their own."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional, Sequence

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.base import utcnow
from bot.db.directory import Cadre, Unit
from bot.db.feedback import Complaint, ComplaintEvent
from bot.errors import Conflict, InvalidInput, NotFound
from bot.feedback.tickets import next_ticket_id
from bot.workdays import add_working_days, china_today

HANDLING_DAYS = 5  # working days to handle a complaint
TRANSITIONS: dict[str, frozenset[str]] = {
    "已提交": frozenset({"已受理", "已退回"}),
    "已受理": frozenset({"已转办", "办理中", "已退回"}),
    "已转办": frozenset({"已受理", "办理中", "已退回"}),
    "办理中": frozenset({"已办结", "已转办"}),
    "已办结": frozenset({"重新办理"}),  # the complainant is not satisfied
    "已退回": frozenset({"重新办理"}),
    "重新办理": frozenset({"已受理", "已转办", "办理中"}),
}
OPEN = frozenset(TRANSITIONS) - {"已办结", "已退回"}
_PHONE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,5})?)$")
# Words that flag a complaint for review; it is still stored and handled.
_ABUSIVE = ("傻逼", "傻B", "操你", "他妈的", "去死", "滚蛋", "王八蛋", "混蛋", "狗东西", "垃圾东西")


@dataclass(frozen=True)
class Submission:
    """What the complaint form collected."""

    user_id: str
    unit_id: int
    description: str
    cadre_id: Optional[int] = None
    happened: str = ""
    anonymous: bool = False
    contact_phone: str = ""
    evidence: Sequence[str] = ()


def valid_phone(text: str) -> Optional[str]:
    """A mobile or landline number without spaces, or None."""
    phone = re.sub(r"[\s()（）]", "", text or "").replace("—", "-").replace("－", "-")
    return phone if _PHONE.match(phone) else None


def is_abusive(text: str) -> bool:
    return any(word in (text or "") for word in _ABUSIVE)


def _check(session: Session, sub: Submission) -> None:
    problems = []
    if not sub.description.strip():
        problems.append("请说明投诉的具体情况")
    if session.get(Unit, sub.unit_id) is None:
        problems.append("被投诉单位不存在")
    if sub.cadre_id is not None:
        cadre = session.get(Cadre, sub.cadre_id)
        if cadre is None or cadre.unit_id != sub.unit_id:
            problems.append("被投诉的工作人员不属于该单位")
    if sub.contact_phone and valid_phone(sub.contact_phone) is None:
        problems.append("联系电话格式不正确")
    if problems:
        raise InvalidInput("投诉信息不完整", problems)


def submit_complaint(session: Session, submission_key: str, sub: Submission,
                     now: Optional[datetime] = None) -> tuple[Complaint, bool]:
    """Create the ticket once per ``submission_key``: (ticket, created). The caller commits."""
    existing = session.scalars(select(Complaint).where(Complaint.submission_key == submission_key)).first()
    if existing is not None:
        return existing, False
    _check(session, sub)
    now = now or utcnow()
    today = china_today(now)
    complaint = Complaint(
        ticket_id=next_ticket_id(session, today), submission_key=submission_key, user_id=sub.user_id,
        unit_id=sub.unit_id, cadre_id=sub.cadre_id, description=sub.description, happened=sub.happened[:100],
        anonymous=sub.anonymous, contact_phone=valid_phone(sub.contact_phone) or "", evidence=list(sub.evidence),
        abusive=is_abusive(sub.description), status="已提交",
        deadline=add_working_days(today, HANDLING_DAYS), version=1, created_at=now, updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(complaint)
            session.flush()
            session.add(ComplaintEvent(complaint_id=complaint.id, from_status=None, to_status="已提交",
                                       actor=f"user:{sub.user_id}", note="", at=now))
    except IntegrityError:  # the same confirmation, submitted concurrently
        session.expunge_all()
        return session.scalars(select(Complaint).where(Complaint.submission_key == submission_key)).one(), False
    return complaint, True


def transition(session: Session, ticket_id: str, to_status: str, actor: str, note: str,
               expected_version: int, now: Optional[datetime] = None) -> Complaint:
    """Move a ticket along the workflow; Conflict if someone changed it since ``expected_version``.

    The version is checked first, on a fresh read: a change based on a stale page is a conflict, whatever
    the status it would now be checked against.
    """
    complaint = get_ticket(session, ticket_id, fresh=True)
    if complaint.version != expected_version:
        raise Conflict("工单已被他人更新，请刷新后重试")
    if to_status not in TRANSITIONS.get(complaint.status, frozenset()):
        raise InvalidInput(f"工单状态“{complaint.status}”不能变为“{to_status}”")
    now = now or utcnow()
    changed = session.execute(
        update(Complaint)
        .where(Complaint.id == complaint.id, Complaint.version == expected_version)
        .values(status=to_status, version=Complaint.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise Conflict("工单已被他人更新，请刷新后重试")
    session.add(ComplaintEvent(complaint_id=complaint.id, from_status=complaint.status, to_status=to_status,
                               actor=actor, note=note, at=now))
    session.flush()
    session.refresh(complaint)
    return complaint


def get_ticket(session: Session, ticket_id: str, fresh: bool = False) -> Complaint:
    """The ticket (``fresh``: re-read from the database even if this session holds it); NotFound otherwise."""
    query = select(Complaint).where(Complaint.ticket_id == ticket_id)
    if fresh:
        query = query.execution_options(populate_existing=True)
    complaint = session.scalars(query).first()
    if complaint is None:
        raise NotFound(ticket_id)
    return complaint


def user_ticket(session: Session, user_id: str, ticket_id: str) -> Complaint:
    """One of the user's own tickets; another user's ticket is NotFound (never shown)."""
    complaint = get_ticket(session, ticket_id)
    if complaint.user_id != user_id:
        raise NotFound(ticket_id)
    return complaint


def user_tickets(session: Session, user_id: str, limit: int = 10) -> list[Complaint]:
    return list(session.scalars(select(Complaint).where(Complaint.user_id == user_id)
                                .order_by(Complaint.created_at.desc(), Complaint.id.desc()).limit(limit)))


def history(session: Session, complaint: Complaint) -> list[ComplaintEvent]:
    return list(session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)
                                .order_by(ComplaintEvent.at, ComplaintEvent.id)))


def is_overdue(complaint: Complaint, today: Optional[date] = None) -> bool:
    """Still open after its deadline."""
    return complaint.status in OPEN and (today or china_today()) > complaint.deadline
