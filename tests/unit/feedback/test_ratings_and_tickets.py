"""Ratings (same-day replacement, averages, star parsing), ticket ids and working-day deadlines."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.db import make_session_factory, session_scope
from bot.db.directory import Cadre, Unit
from bot.db.feedback import Rating
from bot.errors import InvalidInput, NotFound
from bot.feedback.ratings import Averages, averages, submit_rating
from bot.feedback.stars import parse_stars
from bot.feedback.tickets import next_ticket_id
from bot.workdays import add_working_days, china_today


@pytest.mark.parametrize("text,stars", [("五星", 5), ("给3分", 3), ("两颗星", 2), ("５星", 5), ("一星", 1),
                                        ("十星", None), ("10分", None), ("0星", None), ("很好", None), ("", None)])
def test_star_parsing(text: str, stars: "int | None") -> None:
    assert parse_stars(text) == stars


@pytest.mark.parametrize("text,stars", [("5", 5), ("四", 4), ("3星", 3), ("10", None), ("我5", None), ("0", None)])
def test_a_bare_number_is_stars_only_from_one_to_five(text: str, stars: "int | None") -> None:
    from bot.feedback.stars import bare_stars

    assert bare_stars(text) == stars


def test_a_second_rating_the_same_day_replaces_the_first(session: Session) -> None:
    unit = session.scalars(select(Unit).order_by(Unit.id)).first()
    morning = datetime(2026, 11, 25, 1, 0, tzinfo=timezone.utc)
    evening = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)  # 20:00 in Beijing, same day
    first = submit_rating(session, "oRater", 2, 3, unit_id=unit.id, now=morning)
    second = submit_rating(session, "oRater", 5, 4, unit_id=unit.id, comment="态度很好", now=evening)
    assert first.id == second.id and (second.attitude, second.proficiency) == (5, 4)
    next_day = submit_rating(session, "oRater", 1, 1, unit_id=unit.id,
                             now=datetime(2026, 11, 25, 17, 0, tzinfo=timezone.utc))  # 01:00 next day in Beijing
    assert next_day.id != first.id
    assert averages(session, unit_id=unit.id) == Averages(2, 3.0, 2.5)


def test_cadre_ratings_count_for_the_unit_too(session: Session) -> None:
    cadre = session.scalars(select(Cadre).order_by(Cadre.id)).first()
    submit_rating(session, "oA", 4, 5, cadre_id=cadre.id)
    submit_rating(session, "oB", 2, 3, cadre_id=cadre.id)
    assert averages(session, cadre_id=cadre.id).count == 2
    assert averages(session, cadre_id=cadre.id).attitude == 3.0
    assert averages(session, unit_id=cadre.unit_id).count >= 2
    rows = session.scalars(select(Rating).where(Rating.cadre_id == cadre.id)).all()
    assert {r.unit_id for r in rows} == {cadre.unit_id}


def test_bad_ratings_are_refused(session: Session) -> None:
    unit = session.scalars(select(Unit)).first()
    with pytest.raises(InvalidInput) as exc:
        submit_rating(session, "oX", 10, 0, unit_id=unit.id)
    assert len(exc.value.problems) == 2
    with pytest.raises(NotFound):
        submit_rating(session, "oX", 5, 5, unit_id=10**9)
    with pytest.raises(NotFound):
        submit_rating(session, "oX", 5, 5, cadre_id=10**9)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue("empty_engine" if request.param == "sqlite" else "pg_engine")


def test_ticket_ids_are_sequential_per_day_and_unique_under_concurrency(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    day = date(2026, 11, 24)

    def issue(_: int) -> str:
        with session_scope(sessions) as s:
            return next_ticket_id(s, day)

    with ThreadPoolExecutor(6) as pool:
        ids = list(pool.map(issue, range(30)))
    assert sorted(ids) == [f"TS20261124{n:04d}" for n in range(1, 31)]
    with session_scope(sessions) as s:
        assert next_ticket_id(s, date(2026, 11, 25)) == "TS202611250001"


def test_a_rolled_back_submission_does_not_burn_a_number(empty_engine: Engine) -> None:
    sessions = make_session_factory(empty_engine)
    with pytest.raises(RuntimeError):
        with session_scope(sessions) as s:
            next_ticket_id(s, date(2026, 12, 1))
            raise RuntimeError("crash before commit")
    with session_scope(sessions) as s:
        assert next_ticket_id(s, date(2026, 12, 1)) == "TS202612010001"


def test_working_day_deadlines() -> None:
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)  # over the National Day holiday
    assert add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)  # a make-up Saturday
    assert add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)  # Friday → Monday
    assert add_working_days(date(2026, 11, 25), 0) == date(2026, 11, 25)
    assert china_today(datetime(2026, 11, 25, 16, 30, tzinfo=timezone.utc)) == date(2026, 11, 26)


@pytest.mark.parametrize("text,expected", [
    ("态度五星业务三星", {"attitude": 5, "proficiency": 3}),
    ("服务态度4分，熟练程度5分", {"attitude": 4, "proficiency": 5}),
    ("业务两星", {"proficiency": 2}),
    ("都给五星", {"attitude": 5, "proficiency": 5}),
    ("四星", {"attitude": 4, "proficiency": 4}),
    ("态度十星", {"attitude": None}),
    ("很好", {}),
    ("办了3次", {}), ("给和平区政务服务中心的某某评个价", {}), ("小姑娘挺热情 一会就办完了", {}),
    ("态度5 业务4", {"attitude": 5, "proficiency": 4}), ("满分", {"attitude": 5, "proficiency": 5}), ("打了3次电话", {}),
])
def test_stars_per_dimension(text: str, expected: dict) -> None:
    from bot.feedback.stars import parse_dimension_stars

    assert parse_dimension_stars(text) == expected


@pytest.mark.parametrize("text, rest", [
    ("态度五星，小姑娘挺热情", "小姑娘挺热情"), ("态度5 业务4 很好的服务", "很好的服务"), ("满分！", ""),
    ("小姑娘挺热情 一会就办完了", "小姑娘挺热情 一会就办完了"), ("办得挺快的 服务5分 业务4分", "办得挺快的"),
    ("办事效率挺高 10分钟搞定", "办事效率挺高 10分钟搞定"), ("服务态度五星 熟练程度也五星", ""),
])
def test_what_a_rating_says_besides_its_stars(text: str, rest: str) -> None:
    from bot.feedback.stars import without_stars
    assert without_stars(text) == rest
