"""Working days and office hours in Beijing time."""
from __future__ import annotations

from datetime import date, datetime, timezone

from bot.workdays import is_working_day, office_open

HOURS = "09:00-12:00,13:00-17:00"


def utc(y: int, m: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=timezone.utc)


def test_holidays_and_make_up_days() -> None:
    assert not is_working_day(date(2026, 10, 1))  # National Day
    assert is_working_day(date(2026, 11, 25))  # a Wednesday
    assert not is_working_day(date(2026, 11, 28))  # a Saturday
    assert is_working_day(date(2026, 1, 4))  # a Sunday worked in lieu of the New Year holiday


def test_office_hours_are_beijing_time() -> None:
    assert office_open(HOURS, utc(2026, 11, 25, 2))  # 10:00 in Beijing
    assert not office_open(HOURS, utc(2026, 11, 25, 4, 30))  # 12:30 lunch
    assert not office_open(HOURS, utc(2026, 11, 25, 10))  # 18:00
    assert not office_open(HOURS, utc(2026, 10, 1, 2))  # holiday morning
