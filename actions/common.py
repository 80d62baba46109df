"""What every action needs: entity values, and database work in one unit of work off the event loop."""
from __future__ import annotations

import asyncio
from typing import Callable, Optional, TypeVar

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from bot import runtime
from bot.db import session_scope

T = TypeVar("T")


def entity(tracker: Tracker, name: str) -> Optional[str]:
    """The first value of entity ``name`` in the latest message, if any."""
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value not in (None, "") else None


def user_text(tracker: Tracker) -> str:
    """What the user typed; empty for a trigger such as ``/find_contact`` (a menu click)."""
    text = (tracker.latest_message.get("text") or "").strip()
    return "" if text.startswith("/") else text


async def in_session(fn: Callable[[Session], T]) -> T:
    """Run ``fn`` in one committed unit of work (rolled back if it raises), in a worker thread."""
    def work() -> T:
        with session_scope(runtime.sessions()) as session:
            return fn(session)

    return await in_thread(work)


async def in_thread(fn: Callable[[], T]) -> T:
    """Run blocking database work in a worker thread."""
    return await asyncio.get_running_loop().run_in_executor(None, fn)
