"""Ratings: one per user, target and day (a second one that day replaces the first), and averages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.base import utcnow
from bot.db.directory import Cadre, Unit
from bot.db.feedback import Rating
from bot.errors import InvalidInput, NotFound
from bot.workdays import china_today

MAX_COMMENT = 2000


@dataclass(frozen=True)
class Averages:
    """A target's rating count and mean stars per dimension."""

    count: int
    attitude: float
    proficiency: float


def _target(session: Session, unit_id: Optional[int], cadre_id: Optional[int]) -> tuple[str, int, Optional[int]]:
    if cadre_id is not None:
        cadre = session.get(Cadre, cadre_id)
        if cadre is None:
            raise NotFound(f"cadre {cadre_id}")
        return f"cadre:{cadre_id}", int(cadre.unit_id), cadre_id
    if unit_id is None or session.get(Unit, unit_id) is None:
        raise NotFound(f"unit {unit_id}")
    return f"unit:{unit_id}", unit_id, None


def submit_rating(session: Session, user_id: str, attitude: int, proficiency: int, *,
                  unit_id: Optional[int] = None, cadre_id: Optional[int] = None, comment: str = "",
                  now: Optional[datetime] = None) -> Rating:
    """Store a rating (replacing the user's rating of the same target today); the caller commits."""
    problems = [f"{name}须为 1 到 5 星" for name, v in (("服务态度", attitude), ("熟练程度", proficiency))
                if not isinstance(v, int) or not 1 <= v <= 5]
    if problems:
        raise InvalidInput("评分无效", problems)
    key, unit, cadre = _target(session, unit_id, cadre_id)
    day = china_today(now)
    rating = session.scalars(select(Rating).where(
        Rating.user_id == user_id, Rating.target_key == key, Rating.rated_on == day)).first()
    if rating is None:
        rating = Rating(user_id=user_id, target_key=key, unit_id=unit, cadre_id=cadre, rated_on=day)
        session.add(rating)
    rating.attitude, rating.proficiency = attitude, proficiency
    rating.comment = (comment or "")[:MAX_COMMENT]
    rating.updated_at = now or utcnow()
    session.flush()
    return rating


def averages(session: Session, *, unit_id: Optional[int] = None, cadre_id: Optional[int] = None) -> Averages:
    """Mean stars of a cadre, or of a unit including its cadres' ratings."""
    query = select(func.count(Rating.id), func.avg(Rating.attitude), func.avg(Rating.proficiency))
    query = query.where(Rating.cadre_id == cadre_id) if cadre_id is not None else query.where(Rating.unit_id == unit_id)
    count, attitude, proficiency = session.execute(query).one()
    return Averages(int(count), round(float(attitude or 0), 2), round(float(proficiency or 0), 2))
