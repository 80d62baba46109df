"""Reading policies: one by code, the categories, a category's policies, whether one is in force."""
from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from bot.db.policies import POLICY_CATEGORIES, Policy
from bot.errors import NotFound


def in_force(policy: Policy, today: date) -> bool:
    """Effective and not expired on ``today``."""
    return policy.effective_on <= today and (policy.expires_on is None or policy.expires_on >= today)


def expired(policy: Policy, today: date) -> bool:
    return policy.expires_on is not None and policy.expires_on < today


def get_policy(session: Session, code: str) -> Policy:
    """The policy with its issuer and FAQ loaded; NotFound when there is none."""
    policy = session.scalars(
        select(Policy).where(Policy.code == code)
        .options(selectinload(Policy.faqs), selectinload(Policy.issuer))
    ).one_or_none()
    if policy is None:
        raise NotFound(f"没有编号为 {code} 的政策")
    return policy


def find_policy(session: Session, code: str) -> Optional[Policy]:
    try:
        return get_policy(session, code)
    except NotFound:
        return None


def category_counts(session: Session) -> dict[str, int]:
    """Every one of the 18 categories (in the contract's order) with its number of policies."""
    counts = dict(session.execute(select(Policy.category, func.count()).group_by(Policy.category)).all())
    return {c: int(counts.get(c, 0)) for c in POLICY_CATEGORIES}


def list_policies(session: Session, category: Optional[str] = None) -> list[Policy]:
    """Policies (newest first) with their issuer loaded, of one category or all."""
    query = select(Policy).options(selectinload(Policy.issuer)).order_by(Policy.issued_on.desc(), Policy.id)
    if category is not None:
        query = query.where(Policy.category == category)
    return list(session.scalars(query))
