"""The users aggregate: what the service records about the people who chat with it."""
from __future__ import annotations

from sqlalchemy import Column, Integer, String, Text, UniqueConstraint

from bot.db.base import Base, UTCDateTime, utcnow


class CallbackRequest(Base):
    """A user asked for a person; staff call or message back."""

    __tablename__ = "callback_requests"
    # A retried message must not record the request twice.
    __table_args__ = (UniqueConstraint("user_id", "message_id"),)

    id = Column(Integer, primary_key=True)
    user_id = Column(String(64), nullable=False, index=True)  # WeChat OpenID or channel sender id
    message_id = Column(String(64), nullable=False)
    message = Column(Text, nullable=False, default="")
    status = Column(String(16), nullable=False, default="待回电")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
