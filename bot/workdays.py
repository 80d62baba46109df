"""China's working days (public holidays and make-up working days) and the bureau's office hours."""
from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, timezone

import chinese_calendar

logger = logging.getLogger(__name__)

CHINA = timezone(timedelta(hours=8))


def is_working_day(day: date) -> bool:
    """True on a working day per the State Council's calendar (make-up Saturdays included)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year chinesecalendar does not cover (its yearly release adds it)
        logger.warning("chinesecalendar does not know %s yet; assuming Monday to Friday", day.year)
        return day.weekday() < 5


def parse_hours(spec: str) -> list[tuple[time, time]]:
    """``"09:00-12:00,13:00-17:00"`` as a list of (start, end) times."""
    spans = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        start, _, end = part.partition("-")
        spans.append((time.fromisoformat(start.strip()), time.fromisoformat(end.strip())))
    return spans


def office_open(spec: str, now: "datetime | None" = None) -> bool:
    """True when agents are at work: a working day, within one of the spans, Beijing time."""
    local = (now or datetime.now(timezone.utc)).astimezone(CHINA)
    return is_working_day(local.date()) and any(a <= local.time() < b for a, b in parse_hours(spec))


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (holidays skipped, make-up days counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def china_today(now: "datetime | None" = None) -> date:
    """Today's date in Beijing."""
    return (now or datetime.now(timezone.utc)).astimezone(CHINA).date()
