"""One WeChat message through the assistant, exactly once, within WeChat's 5-second budget.

The assistant itself is a callable (the Rasa channel passes one that runs the message through
Rasa), so this module stays Rasa-free and testable on its own.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any, Awaitable, Callable, Optional

from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.db.base import utcnow
from bot.db.wechat import WeChatUser
from bot.ratelimit import RateLimiter
from bot.replies import render
from bot.wechat import dedupe
from bot.wechat.delivery import deliver, note_inbound, note_subscribe
from bot.wechat.inbound import Inbound
from bot.wechat.render import cs_message, plan, reply_xml

logger = logging.getLogger(__name__)

Respond = Callable[[Inbound], Awaitable[list[dict[str, Any]]]]
RECENT_LOCATION = timedelta(minutes=15)
POLL = 0.1


class Conversation:
    """Runs messages through the assistant once each and decides passive reply or later delivery."""

    def __init__(self, sessions: "sessionmaker[Session]", respond: Respond, client: Any,
                 budget: float = 4.5, passive_only: bool = False, hotline: str = "12345",
                 limiter: Optional[RateLimiter] = None) -> None:
        self.sessions = sessions
        self.respond = respond
        self.client = client  # bot.wechat.api.WeChatClient
        self.budget = budget
        self.passive_only = passive_only
        self.limiter = limiter  # messages per OpenID that the assistant runs
        self.apology = [{"text": render("system_busy", hotline=hotline)}]
        self.too_fast = [{"text": render("too_fast")}]
        self._tasks: set[asyncio.Task[None]] = set()

    async def _db(self, fn: Callable[[Session], Any]) -> Any:
        def work() -> Any:
            with session_scope(self.sessions) as session:
                return fn(session)
        return await asyncio.to_thread(work)

    async def handle(self, inbound: Inbound, started: Optional[float] = None) -> str:
        """The passive reply XML (plain) for a message, or "success"."""
        deadline = (started or time.monotonic()) + self.budget
        inbound = await self._db(lambda s: self._note(s, inbound))
        if inbound.text is None:
            return "success"
        claimed = await self._db(lambda s: dedupe.claim(s, inbound))
        if claimed.state == "answered":
            return self._passive(inbound, claimed.reply or [])
        if claimed.state == "later":
            return "success"
        if claimed.state == "process":
            if claimed.first and not self._allowed(inbound):
                # stored as the answer: a retry gets the same reply and is not counted again
                await self._db(lambda s: dedupe.finish(s, inbound.dedupe_key, self.too_fast))
                return self._passive(inbound, self.too_fast)
            task = asyncio.create_task(self._process(inbound))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            # shield: a dropped connection must not cancel the turn (its reply then goes by API)
            await asyncio.wait({asyncio.shield(task)}, timeout=max(0.0, deadline - time.monotonic()))
        return await self._await_answer(inbound, deadline)

    def _allowed(self, inbound: Inbound) -> bool:
        if self.limiter is None or self.limiter.allow(inbound.openid):
            return True
        logger.info("%s not run: its sender is over the rate limit", inbound.label)
        return False

    def _note(self, session: Session, inbound: Inbound) -> Inbound:
        """Record the follower's state; add a recently reported location to a question about places."""
        if inbound.subscribed is not None:
            note_subscribe(session, inbound.openid, inbound.subscribed)
        if inbound.text is not None:
            note_inbound(session, inbound.openid)
        user = session.get(WeChatUser, inbound.openid)
        if user is None:
            return inbound
        if inbound.location is not None:
            user.latitude, user.longitude, user.location_label = inbound.location
            user.located_at = utcnow()
        elif inbound.text and user.located_at and utcnow() - user.located_at < RECENT_LOCATION:
            place = {"latitude": user.latitude, "longitude": user.longitude, "label": user.location_label or ""}
            return replace(inbound, metadata={**inbound.metadata, "reported_location": place})
        return inbound

    async def _await_answer(self, inbound: Inbound, deadline: float) -> str:
        """Wait for the reply until the budget is spent; then hand the reply to the API path."""
        key = inbound.dedupe_key
        while time.monotonic() < deadline:
            outcome = await self._db(lambda s: dedupe.stored_reply(s, key))
            if outcome is not None:
                return self._passive(inbound, outcome.reply or []) if outcome.state == "answered" else "success"
            await asyncio.sleep(POLL)
        if await self._db(lambda s: dedupe.give_up_passive(s, key)):
            logger.info("reply to %s goes out by API: passive budget spent", inbound.label)
            return "success"
        outcome = await self._db(lambda s: dedupe.stored_reply(s, key))
        return self._passive(inbound, outcome.reply or []) if outcome and outcome.state == "answered" else "success"

    def _passive(self, inbound: Inbound, reply: list[dict[str, Any]]) -> str:
        """The passive reply; the rest of the turn follows by API (once, whatever the retries)."""
        out = plan(reply, self.passive_only)
        if out.rest:
            self._spawn(self._send(inbound, out.rest, f"reply:{inbound.dedupe_key}:rest"))
        return reply_xml(out.first, inbound.openid, inbound.account)

    async def _process(self, inbound: Inbound) -> None:
        """Run the assistant; store the reply, or send it by API if the passive budget ran out."""
        failed = False
        try:
            reply = await self.respond(inbound)
        except Exception:  # the user still gets an answer; the error is logged with its trace
            logger.exception("the assistant failed on %s", inbound.label)
            reply, failed = self.apology, True
        if not reply:  # Rasa answers nothing when one of its actions failed
            logger.warning("the assistant had no answer to %s", inbound.label)
            reply, failed = self.apology, True
        if await self._db(lambda s: dedupe.finish(s, inbound.dedupe_key, reply, failed)):
            return
        out = plan(reply, self.passive_only)
        messages = ([cs_message(out.first)] if out.first and "transfer" not in out.first else []) + out.rest
        await self._send(inbound, messages, f"reply:{inbound.dedupe_key}:all")
        await self._db(lambda s: dedupe.mark_delivered(s, inbound.dedupe_key))

    async def _send(self, inbound: Inbound, messages: list[dict[str, Any]], key: str) -> None:
        if not messages or self.passive_only:
            return
        await asyncio.sleep(0.2)  # let the passive reply reach the user first
        await deliver(self.client, self.sessions, inbound.openid, messages, purpose="reply", idempotency_key=key)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for background work (replies still being computed or sent)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
