"""Each WeChat message is processed once: the inbound table's unique key and conditional updates.

States of a message: ``processing`` (one worker holds a short lease) → ``answered`` (the reply is
stored; a retry gets the same reply) or ``async`` (the passive budget ran out: the worker sends the
reply through the API when ready) → ``delivered``. A lease that expires (its worker died) lets a
retry take the message over. Works across processes on SQLite and PostgreSQL.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Optional

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.base import utcnow
from bot.db.wechat import InboundMessage
from bot.wechat.inbound import Inbound

LEASE = timedelta(seconds=8)  # longer than any normal turn, shorter than WeChat's 15 s of retries


@dataclass(frozen=True)
class Claim:
    """What a worker should do with a message: ``process``, ``answered``, ``busy`` or ``later``."""

    state: str
    reply: Optional[list[dict[str, Any]]] = None
    first: bool = False  # ``process`` for the first time (not taking over a dead worker's message)


def claim(session: Session, inbound: Inbound) -> Claim:
    """Record the message and take it, or report what became of an earlier delivery of it."""
    now = utcnow()
    record = InboundMessage(
        dedupe_key=inbound.dedupe_key, openid=inbound.openid, msg_type=inbound.msg_type,
        event=inbound.event, media_id=inbound.media_id, content=inbound.text or "",
        status="processing", lease_until=now + LEASE,
    )
    try:
        with session.begin_nested():
            session.add(record)
        return Claim("process", first=True)
    except IntegrityError:
        pass
    existing = session.scalars(select(InboundMessage).where(InboundMessage.dedupe_key == inbound.dedupe_key)).one()
    if existing.status in ("answered", "failed"):
        return Claim("answered", existing.reply or [])
    if existing.status in ("async", "delivered"):
        return Claim("later")
    # processing: take it over only if its worker's lease has run out
    taken = session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == existing.id, InboundMessage.status == "processing",
               InboundMessage.lease_until < now)
        .values(lease_until=now + LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    return Claim("process") if taken == 1 else Claim("busy")


def _transition(session: Session, key: str, from_states: tuple[str, ...], **values: Any) -> bool:
    return session.execute(
        update(InboundMessage)
        .where(InboundMessage.dedupe_key == key, or_(*(InboundMessage.status == s for s in from_states)))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def finish(session: Session, key: str, reply: list[dict[str, Any]], failed: bool = False) -> bool:
    """Store the reply. True: reply passively; False: the budget ran out, send it by API."""
    if _transition(session, key, ("processing",), status="failed" if failed else "answered",
                   reply=reply, answered_at=utcnow()):
        return True
    _transition(session, key, ("async",), reply=reply, answered_at=utcnow())
    return False


def give_up_passive(session: Session, key: str) -> bool:
    """The passive budget is spent: True if the worker will now send the reply by API."""
    return _transition(session, key, ("processing",), status="async")


def mark_delivered(session: Session, key: str) -> None:
    _transition(session, key, ("async",), status="delivered")


def stored_reply(session: Session, key: str) -> Optional[Claim]:
    """The message's current outcome if it has one (for a worker waiting on another)."""
    record = session.scalars(select(InboundMessage).where(InboundMessage.dedupe_key == key)).first()
    if record is None or record.status == "processing":
        return None
    if record.status in ("answered", "failed"):
        return Claim("answered", record.reply or [])
    return Claim("later")
