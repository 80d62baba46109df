"""The one way the system sends messages to users.

Customer-service (CS) messages are allowed for 48 hours after the user's last message, at most
``CAP`` of them; outside that window a template message may stand in (once per call). Every
attempt is a row in ``wechat_deliveries``: inserted as "pending" and committed before the HTTP
call, updated after, so a crash in between stays visible. An idempotency key makes a rerun send
nothing that was already sent, while it retries what failed or was left pending.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.db.base import utcnow
from bot.db.wechat import Delivery, WeChatUser
from bot.errors import InvalidInput, Unavailable, WeChatAPIError
from bot.wechat.api import WeChatClient

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=48)  # CS messages are allowed this long after the user's last message
CAP = 5  # and at most this many of them in that window
WINDOW_CLOSED_CODES = frozenset({45015, 45047})  # reply time limit exceeded / out of the CS message limit
NOT_FOLLOWING = 43004  # "require subscribe": the user no longer follows the account
# A pending row younger than this may still be in flight in another process: a rerun leaves it alone.
# (Longer than one send with its retries and a token refresh can take.)
PENDING_STALE = timedelta(seconds=120)

_in_flight: set[str] = set()  # idempotency keys this process is sending right now
_in_flight_lock = threading.Lock()


@dataclass(frozen=True)
class Outcome:
    """What became of one message: kind custom|template, status sent|failed|skipped."""

    kind: str
    status: str
    errcode: Optional[int] = None
    errmsg: str = ""
    delivery_id: Optional[int] = None

    @property
    def sent(self) -> bool:
        """True when WeChat accepted the message (in this call)."""
        return self.status == "sent"


# ---- follower state (inside the caller's transaction) --------------------------------------------

def ensure_user(session: Session, openid: str) -> WeChatUser:
    """The follower's row, created if missing (safe when two processes create it at once)."""
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        session.execute(insert(WeChatUser)
                        .values(openid=openid, subscribed=True, sent_in_window=0, updated_at=utcnow())
                        .on_conflict_do_nothing(index_elements=["openid"]))
    elif session.get(WeChatUser, openid) is None:
        session.add(WeChatUser(openid=openid, subscribed=True, sent_in_window=0))
        session.flush()
    user = session.get(WeChatUser, openid)
    if user is None:  # only if the row vanished between the insert and the read
        raise RuntimeError("wechat user row missing after upsert")
    return user


def note_inbound(session: Session, openid: str, at: Optional[datetime] = None) -> WeChatUser:
    """The user wrote to the account: the customer-service window opens anew."""
    user = ensure_user(session, openid)
    user.last_inbound_at = at or utcnow()
    user.sent_in_window = 0
    return user


def note_subscribe(session: Session, openid: str, subscribed: bool, at: Optional[datetime] = None) -> WeChatUser:
    """A subscribe or unsubscribe event; an unsubscribed user is sent nothing."""
    user = ensure_user(session, openid)
    user.subscribed = subscribed
    if subscribed:
        user.subscribed_at = at or utcnow()
    else:
        user.unsubscribed_at = at or utcnow()
    return user


def window_open(user: Optional[WeChatUser], now: Optional[datetime] = None) -> bool:
    """Whether a CS message may be sent to ``user`` now (window open, cap not reached, subscribed)."""
    if user is None or not user.subscribed or user.last_inbound_at is None:
        return False
    return (now or utcnow()) - user.last_inbound_at < WINDOW and (user.sent_in_window or 0) < CAP


# ---- one attempt: claim (commit "pending"), send, finish ---------------------------------------

@dataclass(frozen=True)
class _Claim:
    """A pending row to send (``delivery_id``), or why nothing is sent (``skip``)."""

    delivery_id: Optional[int]
    reserved: bool = False  # a CS slot of the user's window was taken for it
    skip: str = ""


class _Taken(Exception):
    """Another caller claimed the same idempotency key meanwhile."""


def _reserve_slot(s: Session, openid: str) -> bool:
    """Take one CS slot if the window is open (atomic: concurrent senders cannot pass the cap)."""
    return s.execute(
        update(WeChatUser)
        .where(WeChatUser.openid == openid, WeChatUser.subscribed.is_(True),
               WeChatUser.last_inbound_at.is_not(None), WeChatUser.last_inbound_at > utcnow() - WINDOW,
               WeChatUser.sent_in_window < CAP)
        .values(sent_in_window=WeChatUser.sent_in_window + 1)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def _claim(sessions: "sessionmaker[Session]", openid: str, key: Optional[str], kind: str, purpose: str,
           payload: dict[str, Any], blocked: str = "") -> _Claim:
    """Record the attempt (pending, or skipped with the reason) and commit it."""
    try:
        with session_scope(sessions) as s:
            row = s.scalars(select(Delivery).where(Delivery.idempotency_key == key)).first() if key else None
            if row is not None and row.status == "sent":
                return _Claim(None, skip="already_sent")
            if row is not None and row.status == "pending" and row.created_at > utcnow() - PENDING_STALE:
                return _Claim(None, skip="in_progress")
            user = s.get(WeChatUser, openid)
            why, reserved = blocked, False
            if not why and user is not None and not user.subscribed:
                why = "unsubscribed"
            elif not why and kind == "custom":
                reserved = _reserve_slot(s, openid)
                why = "" if reserved else "window_closed"
            values: dict[str, Any] = {
                "kind": kind, "purpose": purpose, "payload": payload, "errcode": None,
                "status": "skipped" if why else "pending", "errmsg": why or None}
            if row is None:
                row = Delivery(idempotency_key=key, openid=openid, attempts=0 if why else 1, **values)
                s.add(row)
                s.flush()
            elif not s.execute(  # compare-and-swap: only one of two concurrent reruns takes the row
                    update(Delivery)
                    .where(Delivery.id == row.id, Delivery.status == row.status, Delivery.attempts == row.attempts)
                    .values(attempts=Delivery.attempts + (0 if why else 1), **values)
                    .execution_options(synchronize_session=False)).rowcount:
                raise _Taken()
            return _Claim(None, skip=why) if why else _Claim(int(row.id), reserved)
    except (IntegrityError, _Taken):
        return _Claim(None, skip="in_progress")


def _finish(sessions: "sessionmaker[Session]", claim: _Claim, openid: str, outcome: Outcome) -> None:
    """Record the outcome; give back an unused CS slot, or close the window when WeChat says it is closed."""
    with session_scope(sessions) as s:
        s.execute(update(Delivery).where(Delivery.id == claim.delivery_id).values(
            status=outcome.status, errcode=outcome.errcode, errmsg=outcome.errmsg[:400] or None,
            sent_at=utcnow() if outcome.sent else None).execution_options(synchronize_session=False))
        if outcome.sent:
            return
        user = update(WeChatUser).where(WeChatUser.openid == openid).execution_options(synchronize_session=False)
        if outcome.errcode in WINDOW_CLOSED_CODES:
            s.execute(user.values(sent_in_window=CAP))
        elif claim.reserved:
            s.execute(user.where(WeChatUser.sent_in_window > 0).values(sent_in_window=WeChatUser.sent_in_window - 1))
        if outcome.errcode == NOT_FOLLOWING:
            s.execute(user.values(subscribed=False, unsubscribed_at=utcnow()))


def _was_sent(sessions: "sessionmaker[Session]", key: str) -> bool:
    with session_scope(sessions) as s:
        return s.scalar(select(Delivery.status).where(Delivery.idempotency_key == key)) == "sent"


async def _send(client: WeChatClient, sessions: "sessionmaker[Session]", openid: str, key: Optional[str],
                kind: str, purpose: str, payload: dict[str, Any], blocked: str = "") -> Outcome:
    if key is not None:
        with _in_flight_lock:
            if key in _in_flight:
                return Outcome(kind, "skipped", None, "in_progress")
            _in_flight.add(key)
    try:
        return await _attempt(client, sessions, openid, key, kind, purpose, payload, blocked)
    finally:
        if key is not None:
            with _in_flight_lock:
                _in_flight.discard(key)


async def _attempt(client: WeChatClient, sessions: "sessionmaker[Session]", openid: str, key: Optional[str],
                   kind: str, purpose: str, payload: dict[str, Any], blocked: str) -> Outcome:
    claim = await asyncio.to_thread(_claim, sessions, openid, key, kind, purpose, payload, blocked)
    if claim.delivery_id is None:
        return Outcome(kind, "skipped", None, claim.skip)
    try:
        if kind == "custom":
            await client.send_custom({**payload, "touser": openid})
        else:
            await client.send_template(openid, payload["template_id"], payload["data"], payload.get("url"))
        outcome = Outcome(kind, "sent", delivery_id=claim.delivery_id)
    except WeChatAPIError as exc:
        outcome = Outcome(kind, "failed", exc.errcode, exc.errmsg, claim.delivery_id)
    except Unavailable as exc:
        outcome = Outcome(kind, "failed", None, str(exc), claim.delivery_id)
    await asyncio.to_thread(_finish, sessions, claim, openid, outcome)
    if not outcome.sent:
        logger.warning("delivery %s (%s, %s) failed: %s %s", claim.delivery_id, kind, purpose,
                       outcome.errcode, outcome.errmsg)
    return outcome


async def deliver(client: WeChatClient, sessions: "sessionmaker[Session]", openid: str,
                  messages: list[dict[str, Any]], purpose: str, idempotency_key: Optional[str] = None,
                  template: Optional[dict[str, Any]] = None) -> list[Outcome]:
    """Send ``messages`` (CS bodies without touser) in order, one outcome each; errors are recorded, not raised.

    Outside the window (or when WeChat answers 45015/45047) ``template`` ({"template_id", "data",
    "url"}) is sent once instead. With ``idempotency_key`` a rerun sends nothing already sent
    (message ``i`` has the key ``<key>:<i>``, the template ``<key>:template``).
    """
    if template is not None and (not template.get("template_id") or not isinstance(template.get("data"), dict)):
        raise InvalidInput("a template needs template_id and data")
    template_key = f"{idempotency_key}:template" if idempotency_key else None
    # a template sent by an earlier run stood in for the messages it did not send: they stay unsent
    replaced = template_key is not None and await asyncio.to_thread(_was_sent, sessions, template_key)
    fallback_used = replaced
    outcomes: list[Outcome] = []
    for i, body in enumerate(messages):
        key = f"{idempotency_key}:{i}" if idempotency_key else None
        outcome = await _send(client, sessions, openid, key, "custom", purpose, body,
                              blocked="template_sent" if replaced else "")
        closed = outcome.errmsg == "window_closed" or outcome.errcode in WINDOW_CLOSED_CODES
        if closed and template is not None and not fallback_used:
            fallback_used = True
            outcome = await _send(client, sessions, openid, template_key, "template", purpose, template)
        outcomes.append(outcome)
    return outcomes
