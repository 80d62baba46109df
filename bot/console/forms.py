"""Reading the console's query strings and forms: absent or malformed values become None or empty."""
from __future__ import annotations

from typing import Any, Mapping, Optional


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
    """Where to go after signing in: only a console path of this site, never another host."""
    if (value == "/console" or value.startswith(("/console/", "/console?"))) and "\\" not in value \
            and "//" not in value:
        return value
    return "/console/tickets"
