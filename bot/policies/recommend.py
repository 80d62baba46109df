"""Policies recommended to an enterprise, best fitting first, with the reasons they fit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional, Union

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import Select

from bot.db.policies import Enterprise, Policy
from bot.policies.eligibility import Fit, Profile, check


@dataclass(frozen=True)
class Recommendation:
    """A policy (issuer loaded) and how the enterprise fits it."""

    policy: Policy
    fit: Fit


def in_force_query(today: date, category: Optional[str] = None) -> Select:
    """SELECT of the policies in force on ``today`` (of one category, or all)."""
    query = select(Policy).where(Policy.effective_on <= today,
                                 or_(Policy.expires_on.is_(None), Policy.expires_on >= today))
    return query.where(Policy.category == category) if category is not None else query


def recommend(session: Session, enterprise: Union[Enterprise, Profile], today: date, limit: int = 5,
              category: Optional[str] = None) -> list[Recommendation]:
    """Up to ``limit`` policies in force that ``enterprise`` is eligible for, by score and then newest."""
    policies = session.scalars(in_force_query(today, category).options(selectinload(Policy.issuer)))
    found = [Recommendation(p, fit) for p in policies if (fit := check(p, enterprise, today)) is not None]
    found.sort(key=lambda r: (-r.fit.score, -r.policy.issued_on.toordinal(), -r.policy.id))
    return found[:limit]

