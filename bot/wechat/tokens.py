"""The account's access_token, shared by every process through the ``wechat_tokens`` table.

A token is refreshed five minutes before it expires. One process at a time fetches: it takes a
short lease with a conditional UPDATE (the same statement works on SQLite and PostgreSQL) and
stores the new token only while it still holds that lease. The others keep using the current
token while it is still good, or poll until the new one appears. Database work runs in a thread.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Optional

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.db.base import utcnow
from bot.db.wechat import AccessToken
from bot.errors import Unavailable

logger = logging.getLogger(__name__)

EARLY = timedelta(minutes=5)  # refresh this long before the token expires
USABLE = timedelta(seconds=60)  # while another process refreshes, a token this far from expiry is still used
LEASE_SECONDS = 30.0  # longer than one fetch with its retries takes (5 s timeout, backoff)
POLL_SECONDS = 0.1

Fetch = Callable[[], Awaitable[tuple[str, int]]]


@dataclass(frozen=True)
class _Seen:
    """The stored token as one read saw it."""

    token: Optional[str]
    expires_at: Optional[datetime]

    def valid_for(self, margin: timedelta) -> Optional[str]:
        """The token if it stays valid for more than ``margin``."""
        if self.token and self.expires_at is not None and self.expires_at - margin > utcnow():
            return self.token
        return None


class TokenStore:
    """``get()`` returns a valid token, fetching a new one when needed (once across processes)."""

    def __init__(self, sessions: "sessionmaker[Session]", app_id: str, *,
                 lease: float = LEASE_SECONDS, poll: float = POLL_SECONDS) -> None:
        self.sessions = sessions
        self.app_id = app_id
        self.lease = timedelta(seconds=lease)
        self.poll = poll
        self._row_ready = False

    # ---- database work (run in a thread) -------------------------------------------------------

    def _ensure_row(self) -> None:
        """Create the account's row once; another process may have created it first."""
        if self._row_ready:
            return
        try:
            with session_scope(self.sessions) as s:
                if s.get(AccessToken, self.app_id) is None:
                    s.add(AccessToken(app_id=self.app_id))
        except IntegrityError:
            pass
        self._row_ready = True

    def _read(self) -> _Seen:
        self._ensure_row()
        with session_scope(self.sessions) as s:
            row = s.get(AccessToken, self.app_id)
            if row is not None:
                return _Seen(row.token, row.expires_at)
        self._row_ready = False  # the row was deleted: create it again
        self._ensure_row()
        return _Seen(None, None)

    def _take_lease(self) -> Optional[datetime]:
        """The lease's end if this process may fetch now; None if another holds a lease or just stored a token."""
        now = utcnow()
        until = now + self.lease
        with session_scope(self.sessions) as s:
            taken = s.execute(
                update(AccessToken)
                .where(AccessToken.app_id == self.app_id,
                       or_(AccessToken.refreshing_until.is_(None), AccessToken.refreshing_until < now),
                       # not if another process stored a good token since we looked
                       or_(AccessToken.token.is_(None), AccessToken.expires_at.is_(None),
                           AccessToken.expires_at <= now + EARLY))
                .values(refreshing_until=until)
                .execution_options(synchronize_session=False)
            ).rowcount
        return until if taken == 1 else None

    def _store(self, lease: datetime, token: str, expires_in: int) -> bool:
        """Store the fetched token if this process still holds ``lease``."""
        with session_scope(self.sessions) as s:
            return s.execute(
                update(AccessToken)
                .where(AccessToken.app_id == self.app_id, AccessToken.refreshing_until == lease)
                .values(token=token, expires_at=utcnow() + timedelta(seconds=expires_in), refreshing_until=None)
                .execution_options(synchronize_session=False)
            ).rowcount == 1

    def _release(self, lease: datetime) -> None:
        with session_scope(self.sessions) as s:
            s.execute(update(AccessToken)
                      .where(AccessToken.app_id == self.app_id, AccessToken.refreshing_until == lease)
                      .values(refreshing_until=None)
                      .execution_options(synchronize_session=False))

    def _clear(self, bad_token: str) -> bool:
        with session_scope(self.sessions) as s:
            return s.execute(
                update(AccessToken)
                .where(and_(AccessToken.app_id == self.app_id, AccessToken.token == bad_token))
                .values(token=None, expires_at=None)
                .execution_options(synchronize_session=False)
            ).rowcount == 1

    # ---- the async API -------------------------------------------------------------------------

    async def get(self, fetch: Fetch) -> str:
        """A token valid for more than five more minutes (or, while another process refreshes, one still usable)."""
        deadline = time.monotonic() + 2 * self.lease.total_seconds() + 5
        while True:
            seen = await asyncio.to_thread(self._read)
            token = seen.valid_for(EARLY)
            if token:
                return token
            lease = await asyncio.to_thread(self._take_lease)
            if lease is not None:
                return await self._refresh(fetch, lease, seen)
            token = seen.valid_for(USABLE)
            if token:  # another process is refreshing early; the current token still works meanwhile
                return token
            if time.monotonic() > deadline:
                raise Unavailable("access_token: timed out waiting for another process's refresh")
            await asyncio.sleep(self.poll)

    async def _refresh(self, fetch: Fetch, lease: datetime, seen: _Seen) -> str:
        """Fetch under ``lease``; on failure release it (and fall back to a still-valid token if WeChat is down)."""
        try:
            token, expires_in = await fetch()
        except Unavailable:
            await asyncio.to_thread(self._release, lease)
            usable = seen.valid_for(timedelta(0))
            if usable:
                logger.warning("access_token refresh failed; using the current token until it expires")
                return usable
            raise
        except BaseException:
            await asyncio.to_thread(self._release, lease)
            raise
        if not await asyncio.to_thread(self._store, lease, token, expires_in):
            logger.warning("access_token lease expired during the fetch; another process's token is kept")
        else:
            logger.info("access_token refreshed for %s (valid %d s)", self.app_id, expires_in)
        return token

    async def invalidate(self, bad_token: str) -> None:
        """Forget ``bad_token`` unless another process already replaced it (compare-and-swap)."""
        if await asyncio.to_thread(self._clear, bad_token):
            logger.info("access_token of %s invalidated", self.app_id)
