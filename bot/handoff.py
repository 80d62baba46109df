"""Handing a user over to a person: the callback requests staff work through."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.users import CallbackRequest

MAX_MESSAGE = 2000


def record_callback(session: Session, user_id: str, message_id: str, message: str) -> CallbackRequest:
    """Record (once per user message) that ``user_id`` wants a person to get back to them."""
    query = select(CallbackRequest).where(
        CallbackRequest.user_id == user_id, CallbackRequest.message_id == message_id
    )
    existing = session.scalars(query).first()
    if existing is not None:
        return existing
    request = CallbackRequest(user_id=user_id, message_id=message_id, message=message[:MAX_MESSAGE])
    try:
        with session.begin_nested():
            session.add(request)
    except IntegrityError:  # the same message recorded concurrently
        return session.scalars(query).one()
    return request
