"""Policy push subscriptions: a user subscribes to every category or to some, and can stop."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.base import utcnow
from bot.db.policies import POLICY_CATEGORIES, PushSubscription


def find_subscription(session: Session, user_id: str) -> Optional[PushSubscription]:
    return session.scalars(select(PushSubscription).where(PushSubscription.user_id == user_id)).one_or_none()


def subscribe(session: Session, user_id: str, categories: list[str]) -> PushSubscription:
    """Start (or widen) pushes: ``categories`` empty means every category; pushes start from now."""
    wanted = [c for c in POLICY_CATEGORIES if c in categories]
    sub = find_subscription(session, user_id)
    if sub is None:
        sub = PushSubscription(user_id=user_id, categories=wanted, active=True)
        session.add(sub)
    elif not sub.active:
        sub.active, sub.categories, sub.created_at = True, wanted, utcnow()  # what was published meanwhile is not sent
    elif sub.categories and wanted:
        sub.categories = [c for c in POLICY_CATEGORIES if c in set(sub.categories) | set(wanted)]
    else:
        sub.categories = []  # every category
    session.flush()
    return sub


def unsubscribe(session: Session, user_id: str, categories: list[str]) -> Optional[PushSubscription]:
    """Stop pushes of ``categories``, or all pushes when none are named (None when there was no subscription)."""
    sub = find_subscription(session, user_id)
    if sub is None or not sub.active:
        return None
    remaining = [c for c in (sub.categories or POLICY_CATEGORIES) if c not in categories] if categories else []
    if remaining:
        sub.categories = remaining
    else:
        sub.active = False
    session.flush()
    return sub
