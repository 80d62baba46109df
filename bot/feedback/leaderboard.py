"""Every unit's service-quality score for a period (bot.feedback.scoring), ranked, and exported.

Ratings count by the Beijing day they were given; complaints by the Beijing day they were filed.
A complaint is overdue when it was closed after its deadline or is still open past it; a
dissatisfied verdict is a reopening asked for by the complainant.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import IO, Optional

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from bot.db.directory import CATEGORIES, Cadre, Unit
from bot.db.feedback import Complaint, ComplaintEvent, Rating
from bot.feedback.complaints import OPEN
from bot.feedback.scoring import Score, Stats, score
from bot.workdays import CHINA, china_today

NEUTRAL_STARS = 4.0  # the city mean used when nobody rated anything in the period
HEADER = ["排名", "单位", "区县", "类别", "评价数", "平均星级", "投诉数", "属实投诉", "超期办理", "满意", "不满意",
          "评价得分", "投诉得分", "属实得分", "时效得分", "满意度得分", "总分"]


@dataclass(frozen=True)
class UnitScore:
    rank: int
    unit_id: int
    unit_name: str
    district: str
    category: str
    stats: Stats
    score: Score


def month_period(year: int, month: int) -> tuple[date, date]:
    """The first and last day of a month."""
    start = date(year, month, 1)
    end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return start, end


def year_period(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in Beijing, as aware datetimes."""
    return datetime.combine(start, time(), CHINA), datetime.combine(end + timedelta(days=1), time(), CHINA)


def period_stats(session: Session, start: date, end: date, unit_id: Optional[int] = None,
                 per_cadre: bool = False, today: Optional[date] = None) -> tuple[dict[int, Stats], float]:
    """Stats per unit (or per cadre) with any activity in the period, and the city's mean stars in it.

    ``unit_id`` limits it to one unit (and, per cadre, to that unit's cadres).
    """
    lo, hi = _utc_bounds(start, end)
    rating_key = Rating.cadre_id if per_cadre else Rating.unit_id
    complaint_key = Complaint.cadre_id if per_cadre else Complaint.unit_id
    stars = (Rating.attitude + Rating.proficiency) / 2.0
    rated = select(rating_key, func.count(Rating.id), func.sum(stars)).where(
        Rating.rated_on >= start, Rating.rated_on <= end, rating_key.is_not(None)).group_by(rating_key)
    city = session.execute(select(func.count(Rating.id), func.sum(stars)).where(
        Rating.rated_on >= start, Rating.rated_on <= end)).one()
    city_mean = float(city[1]) / city[0] if city[0] else NEUTRAL_STARS

    closed_at = (select(ComplaintEvent.complaint_id, func.min(ComplaintEvent.at).label("at"))
                 .where(ComplaintEvent.to_status == "已办结").group_by(ComplaintEvent.complaint_id).subquery())
    today = today or china_today()  # an open complaint past its deadline on this day is overdue
    late = case((and_(closed_at.c.at.is_not(None), Complaint.status.not_in(OPEN),
                      func.date(closed_at.c.at) > Complaint.deadline), 1),
                (and_(Complaint.status.in_(OPEN), Complaint.deadline < today), 1), else_=0)
    filed = (select(complaint_key, func.count(Complaint.id),
                    func.sum(case((Complaint.substantiated.is_(True), 1), else_=0)),
                    func.sum(late), func.sum(case((Complaint.satisfied.is_(True), 1), else_=0)))
             .outerjoin(closed_at, closed_at.c.complaint_id == Complaint.id)
             .where(Complaint.created_at >= lo, Complaint.created_at < hi, complaint_key.is_not(None))
             .group_by(complaint_key))
    reopened = (select(complaint_key, func.count(ComplaintEvent.id))
                .join(Complaint, Complaint.id == ComplaintEvent.complaint_id)
                .where(ComplaintEvent.to_status == "重新办理", ComplaintEvent.actor.like("user:%"),
                       ComplaintEvent.at >= lo, ComplaintEvent.at < hi, complaint_key.is_not(None))
                .group_by(complaint_key))
    if unit_id is not None:
        rated, filed = rated.where(Rating.unit_id == unit_id), filed.where(Complaint.unit_id == unit_id)
        reopened = reopened.where(Complaint.unit_id == unit_id)

    rows: dict[int, dict[str, float]] = {}
    for uid, n, total in session.execute(rated):
        rows.setdefault(uid, {}).update(ratings=n, star_sum=float(total or 0))
    for uid, n, subst, over, happy in session.execute(filed):
        rows.setdefault(uid, {}).update(complaints=n, substantiated=int(subst or 0), overdue=int(over or 0),
                                        satisfied=int(happy or 0))
    for uid, n in session.execute(reopened):
        rows.setdefault(uid, {}).update(dissatisfied=n)
    return {uid: Stats(**values) for uid, values in rows.items()}, city_mean  # type: ignore[arg-type]


def unit_scores(session: Session, start: date, end: date, today: Optional[date] = None) -> list[UnitScore]:
    """Every unit's score for the period, best first (units without activity score as average)."""
    stats, city_mean = period_stats(session, start, end, today=today)
    units = session.execute(select(Unit.id, Unit.name, Unit.district, Unit.category)).all()
    scored = [(u, stats.get(u.id, Stats()), score(stats.get(u.id, Stats()), city_mean)) for u in units]
    scored.sort(key=lambda t: (-t[2].total, -t[1].ratings, t[0].id))
    return [UnitScore(i, u.id, u.name, u.district or "市级", CATEGORIES.get(u.category, u.category), st, sc)
            for i, (u, st, sc) in enumerate(scored, 1)]


def cadre_scores(session: Session, unit_id: int, start: date, end: date) -> list[tuple[int, str, Stats, Score]]:
    """A unit's cadres with their scores for the period, best first: (cadre id, name, stats, score)."""
    stats, city_mean = period_stats(session, start, end, unit_id=unit_id, per_cadre=True)
    cadres = session.execute(select(Cadre.id, Cadre.name).where(Cadre.unit_id == unit_id).order_by(Cadre.id)).all()
    scored = [(c.id, c.name, stats.get(c.id, Stats()), score(stats.get(c.id, Stats()), city_mean)) for c in cadres]
    return sorted(scored, key=lambda t: -t[3].total)


def score_history(session: Session, unit_id: int, months: int = 12,
                  today: Optional[date] = None) -> list[tuple[str, float]]:
    """The unit's monthly score for the last ``months`` months, oldest first, as ("2026-11", 83.5)."""
    today = today or china_today()
    out = []
    for back in range(months - 1, -1, -1):
        year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
        start, end = month_period(year, month + 1)
        stats, city_mean = period_stats(session, start, end, unit_id=unit_id)
        out.append((f"{year}-{month + 1:02d}", score(stats.get(unit_id, Stats()), city_mean).total))
    return out


def _row(r: UnitScore) -> list[object]:
    s, sc = r.stats, r.score
    mean = round(s.star_sum / s.ratings, 2) if s.ratings else ""
    return [r.rank, r.unit_name, r.district, r.category, s.ratings, mean, s.complaints, s.substantiated, s.overdue,
            s.satisfied, s.dissatisfied, sc.rating, sc.complaints, sc.substantiated, sc.overdue, sc.satisfaction,
            sc.total]


def write_csv(rows: list[UnitScore], stream: IO[str]) -> None:
    """CSV for the annual assessment (UTF-8; callers add a BOM for Excel if they need it)."""
    writer = csv.writer(stream)
    writer.writerow(HEADER)
    writer.writerows(_row(r) for r in rows)


def write_xlsx(rows: list[UnitScore], stream: IO[bytes], title: str = "服务质量排名") -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(HEADER)
    for r in rows:
        sheet.append(_row(r))
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["B"].width = 36
    book.save(stream)


def csv_bytes(rows: list[UnitScore]) -> bytes:
    """The CSV with a BOM, so that Excel opens the Chinese correctly."""
    buffer = io.StringIO()
    write_csv(rows, buffer)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
