"""The database from request handlers: one unit of work in a worker thread, so the event loop never waits."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from aiohttp import web
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.web.keys import SESSIONS

T = TypeVar("T")


async def in_db(request: web.Request, fn: Callable[[Session], T]) -> T:
    """Run ``fn`` in one committed unit of work (rolled back if it raises), in a worker thread."""
    factory = request.app[SESSIONS]

    def work() -> T:
        with session_scope(factory) as session:
            return fn(session)

    return await asyncio.to_thread(work)
