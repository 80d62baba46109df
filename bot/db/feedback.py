"""The feedback aggregate: ratings of units and cadres, complaint tickets and their history."""
from __future__ import annotations

from sqlalchemy import (JSON, Boolean, CheckConstraint, Column, Date, ForeignKey, Integer, String, Text,
                        UniqueConstraint)

from bot.db.base import Base, UTCDateTime, utcnow


class Rating(Base):
    """One user's stars for a unit or a cadre on one day (a second rating that day replaces it)."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("user_id", "target_key", "rated_on"),
        CheckConstraint("attitude BETWEEN 1 AND 5", name="attitude_range"),
        CheckConstraint("proficiency BETWEEN 1 AND 5", name="proficiency_range"),
    )

    id = Column(Integer, primary_key=True)
    user_id = Column(String(64), nullable=False, index=True)  # WeChat OpenID
    target_key = Column(String(40), nullable=False)  # "unit:<id>" or "cadre:<id>"
    unit_id = Column(ForeignKey("units.id", ondelete="CASCADE"), nullable=False, index=True)
    cadre_id = Column(ForeignKey("cadres.id", ondelete="CASCADE"), nullable=True, index=True)
    attitude = Column(Integer, nullable=False)  # 服务态度
    proficiency = Column(Integer, nullable=False)  # 熟练程度
    comment = Column(Text, nullable=False, default="")
    rated_on = Column(Date, nullable=False, index=True)  # Beijing date
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class TicketCounter(Base):
    """The last sequence number of complaint tickets issued on one day."""

    __tablename__ = "ticket_counters"

    day = Column(Date, primary_key=True)
    last = Column(Integer, nullable=False, default=0)


class Complaint(Base):
    """A complaint ticket; ``version`` guards against two staff updating it at once."""

    __tablename__ = "complaints"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(String(14), nullable=False, unique=True)  # TS + yyyymmdd + 4 digits
    submission_key = Column(String(160), nullable=False, unique=True)  # a retried confirmation is one ticket
    user_id = Column(String(64), nullable=False, index=True)
    unit_id = Column(ForeignKey("units.id", ondelete="RESTRICT"), nullable=False, index=True)
    cadre_id = Column(ForeignKey("cadres.id", ondelete="SET NULL"), nullable=True)
    description = Column(Text, nullable=False)  # kept whole, whatever its length
    happened = Column(String(100), nullable=False, default="")  # when, in the user's words
    anonymous = Column(Boolean, nullable=False, default=False)  # hide the user from the unit
    contact_phone = Column(String(20), nullable=False, default="")
    evidence = Column(JSON, nullable=False, default=list)  # WeChat media ids (voice, images)
    abusive = Column(Boolean, nullable=False, default=False)  # stored, flagged for review
    status = Column(String(8), nullable=False, default="已提交", index=True)
    deadline = Column(Date, nullable=False)
    satisfied = Column(Boolean, nullable=True)  # the complainant's verdict after 已办结
    substantiated = Column(Boolean, nullable=True)  # the unit's finding when closing: was it justified?
    version = Column(Integer, nullable=False, default=1)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)


class ComplaintEvent(Base):
    """One step of a ticket's handling: who moved it where, when, and why."""

    __tablename__ = "complaint_events"

    id = Column(Integer, primary_key=True)
    complaint_id = Column(ForeignKey("complaints.id", ondelete="CASCADE"), nullable=False, index=True)
    from_status = Column(String(8), nullable=True)
    to_status = Column(String(8), nullable=False)
    actor = Column(String(64), nullable=False)  # "user:<openid>", "staff:<login>", "system"
    note = Column(Text, nullable=False, default="")
    at = Column(UTCDateTime, nullable=False, default=utcnow)
    # Sending the change to the complainant (bot/feedback/notify.py): empty until it went out or gave up.
    notified_at = Column(UTCDateTime, nullable=True, index=True)
    notify_attempts = Column(Integer, nullable=False, default=0)
