"""Scores per unit and period from real ratings and complaints, ranked and exported."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.directory import Cadre, Unit
from bot.feedback.complaints import Submission, submit_complaint
from bot.feedback.handling import change_status, record_verdict
from bot.feedback.leaderboard import (cadre_scores, csv_bytes, month_period, score_history, unit_scores, write_xlsx,
                                      year_period)
from bot.feedback.ratings import submit_rating

NOV = datetime(2026, 11, 10, 2, 0, tzinfo=timezone.utc)
OCT = datetime(2026, 10, 10, 2, 0, tzinfo=timezone.utc)


def test_periods() -> None:
    assert month_period(2026, 2) == (date(2026, 2, 1), date(2026, 2, 28))
    assert month_period(2026, 12) == (date(2026, 12, 1), date(2026, 12, 31))
    assert year_period(2026) == (date(2026, 1, 1), date(2026, 12, 31))


def test_ranking_follows_ratings_and_complaints_within_the_period(session: Session) -> None:
    good, bad = session.scalars(select(Unit).order_by(Unit.id).limit(2)).all()
    for i in range(6):
        submit_rating(session, f"lb-good-{i}", 5, 5, unit_id=good.id, now=NOV)
        submit_rating(session, f"lb-bad-{i}", 1, 2, unit_id=bad.id, now=NOV)
        submit_rating(session, f"lb-old-{i}", 1, 1, unit_id=good.id, now=OCT)  # another month
    ticket, _ = submit_complaint(session, "lb-1", Submission("lb-c1", bad.id, "态度差"), now=NOV)
    submit_complaint(session, "lb-2", Submission("lb-c2", bad.id, "推诿"), now=NOV)
    for status in ("已受理", "办理中"):
        ticket = change_status(session, ticket.ticket_id, status, "staff:t", "处理", ticket.version, now=NOV)
    ticket = change_status(session, ticket.ticket_id, "已办结", "staff:t", "已道歉", ticket.version,
                           substantiated=True, now=datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc))
    record_verdict(session, ticket, satisfied=False, now=datetime(2026, 11, 30, 3, 0, tzinfo=timezone.utc))

    rows = unit_scores(session, *month_period(2026, 11), today=date(2026, 11, 30))  # lb-c2 still within its time
    by_id = {r.unit_id: r for r in rows}
    assert len(rows) == session.query(Unit).count() and [r.rank for r in rows[:3]] == [1, 2, 3]
    g, b = by_id[good.id], by_id[bad.id]
    assert g.stats.ratings == 6 and g.stats.star_sum == 30  # October's ratings are not in November
    assert (b.stats.complaints, b.stats.substantiated, b.stats.overdue, b.stats.dissatisfied) == (2, 1, 1, 1)
    assert g.rank < b.rank and g.score.total > b.score.total
    idle = next(r for r in rows if r.stats.ratings == 0 and r.stats.complaints == 0)
    assert b.score.total < idle.score.total < g.score.total  # no activity scores as an average unit

    cadre = session.scalars(select(Cadre).where(Cadre.unit_id == good.id)).first()
    submit_rating(session, "lb-cadre", 5, 5, cadre_id=cadre.id, now=NOV)
    cadres = cadre_scores(session, good.id, *month_period(2026, 11))
    assert cadres[0][0] == cadre.id and cadres[0][2].ratings == 1 and len(cadres) > 1

    history = dict(score_history(session, good.id, months=3, today=date(2026, 11, 25)))
    assert list(history) == ["2026-09", "2026-10", "2026-11"] and history["2026-11"] > history["2026-10"]

    table = list(csv.reader(io.StringIO(csv_bytes(rows).decode("utf-8-sig"))))
    assert table[0][:2] == ["排名", "单位"] and len(table) == len(rows) + 1 and table[1][1] == rows[0].unit_name
    buffer = io.BytesIO()
    write_xlsx(rows, buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert sheet.max_row == len(rows) + 1 and sheet["B2"].value == rows[0].unit_name
