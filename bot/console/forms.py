"""Reading the console's query strings and forms: absent or malformed values become None or empty."""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional

HOME = "/console/tickets"
_SEGMENT = r"/[A-Za-z0-9_-]+(?:\.[A-Za-z0-9]+)?"  # "tickets", "leaderboard.csv"
_ESCAPE = r"%(?![01]|7[Ff]|2[5EeFf]|5[Cc])[0-9A-Fa-f]{2}"  # not a control, "%", ".", "/" or a backslash
_NEXT = re.compile(rf"/console(?:{_SEGMENT})*(?:\?(?:[A-Za-z0-9_.~=&+-]|{_ESCAPE})*)?")


def text(form: Mapping[str, Any], name: str) -> str:
    """A text field, stripped; "" when absent or not text (a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def secret(form: Mapping[str, Any], name: str) -> str:
    """A password field exactly as typed."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def integer(value: Any) -> Optional[int]:
    """A non-negative integer of at most nine digits, else None."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    return None


def page_number(query: Mapping[str, str]) -> int:
    number = integer(query.get("page"))
    return number if number and number > 0 else 1


def safe_next(value: str) -> str:
    """Where to go after signing in: a plain console path (no "..", escaped dots or slashes, controls,
    backslashes, "//" or scheme), else the ticket list."""
    return value if _NEXT.fullmatch(value) and ".." not in value else HOME
