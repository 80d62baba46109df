"""Units in the console: finding one by its exact name, and a unit's ratings, comments and score history."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console.chart import LineChart, line_chart
from bot.db.directory import CATEGORIES, Cadre, Unit
from bot.db.feedback import Rating
from bot.errors import InvalidInput, NotFound
from bot.feedback.leaderboard import score_history
from bot.feedback.ratings import Averages, averages

COMMENTS = 20  # latest comments shown on a unit's page
HISTORY_MONTHS = 12


def unit_names(session: Session) -> list[str]:
    """Every unit's name, for the pickers (a datalist the browser filters as one types)."""
    return list(session.scalars(select(Unit.name).order_by(Unit.name)))


def unit_by_name(session: Session, name: str) -> Unit:
    """The unit with exactly this name; InvalidInput when there is none or more than one."""
    name = name.strip()
    if not name:
        raise InvalidInput("请选择单位")
    units = list(session.scalars(select(Unit).where(Unit.name == name).limit(2)))
    if not units:
        raise InvalidInput(f"没有名为“{name}”的单位，请从列表中选择")
    if len(units) > 1:
        raise InvalidInput(f"有多个名为“{name}”的单位，请联系系统维护人员")
    return units[0]


@dataclass(frozen=True)
class Comment:
    """A rating with a comment, as the unit reads it (the rater is not shown)."""

    day: date
    attitude: int
    proficiency: int
    text: str
    cadre: str


@dataclass(frozen=True)
class UnitPage:
    unit_id: int
    name: str
    district: str
    category: str
    averages: Averages
    comments: list[Comment]
    history: list[tuple[str, float]]
    chart: LineChart


def latest_comments(session: Session, unit_id: int, limit: int = COMMENTS) -> list[Comment]:
    """The unit's (and its cadres') latest ratings that say something, newest first."""
    rows = session.execute(
        select(Rating.rated_on, Rating.attitude, Rating.proficiency, Rating.comment, Cadre.name)
        .outerjoin(Cadre, Cadre.id == Rating.cadre_id)
        .where(Rating.unit_id == unit_id, Rating.comment != "")
        .order_by(Rating.rated_on.desc(), Rating.id.desc()).limit(limit))
    return [Comment(day, attitude, proficiency, text, cadre or "") for day, attitude, proficiency, text, cadre in rows]


def unit_page(session: Session, unit_id: int, today: Optional[date] = None) -> UnitPage:
    """Ratings, comments and the monthly score over the last year of one unit."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"unit {unit_id}")
    scores = score_history(session, unit_id, months=HISTORY_MONTHS, today=today)
    return UnitPage(unit.id, unit.name, unit.district or "市级", CATEGORIES.get(unit.category, unit.category),
                    averages(session, unit_id=unit_id), latest_comments(session, unit_id), scores, line_chart(scores))
