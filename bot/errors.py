"""The one error tree of the application."""
from __future__ import annotations


class BotError(Exception):
    """Base of every error the application raises on purpose."""


class NotFound(BotError):
    """A unit, cadre, matter or record does not exist."""


class InvalidInput(BotError):
    """Input that fails validation; ``problems`` lists each one."""

    def __init__(self, message: str, problems: "list[str] | None" = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class Duplicate(BotError):
    """A write that would store the same thing twice."""


class Unavailable(BotError):
    """A dependency (database, WeChat API) cannot be reached."""


class WeChatAPIError(BotError):
    """WeChat's API answered with an error code."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class Conflict(BotError):
    """A write based on a stale read: someone else changed the record first."""
