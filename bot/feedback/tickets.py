"""Complaint ticket ids: ``TS`` + Beijing date + a 4-digit sequence of that day, never reused."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.feedback import TicketCounter
from bot.errors import Unavailable

MAX_PER_DAY = 9999


def next_ticket_id(session: Session, day: date) -> str:
    """Reserve the next id of ``day``; the counter row stays locked until the caller commits."""
    if session.get(TicketCounter, day) is None:
        try:
            with session.begin_nested():
                session.add(TicketCounter(day=day, last=0))
        except IntegrityError:  # another submission created the day's counter first
            pass
    session.execute(update(TicketCounter).where(TicketCounter.day == day)
                    .values(last=TicketCounter.last + 1).execution_options(synchronize_session=False))
    number = session.scalars(select(TicketCounter.last).where(TicketCounter.day == day)).one()
    if number > MAX_PER_DAY:
        raise Unavailable("今日投诉编号已用完")
    return f"TS{day:%Y%m%d}{number:04d}"
