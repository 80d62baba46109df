"""Tell complainants about every change to their tickets, through the WeChat outbound client.

A change is a committed ``ComplaintEvent`` by staff or the city; this sends each one once (the
delivery's idempotency key is the event), retries a failed send on the next run and gives up after
``MAX_ATTEMPTS``. Outside WeChat's 48-hour window a template message stands in when one is set up.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.db.base import utcnow
from bot.db.feedback import Complaint, ComplaintEvent
from bot.feedback.targets import unit_name
from bot.replies import render
from bot.wechat.api import WeChatClient
from bot.wechat.delivery import Outcome, deliver

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BATCH = 100
GIVE_UP = frozenset({"unsubscribed", "window_closed"})  # and no template stood in


def message(event: ComplaintEvent, complaint: Complaint, unit: str) -> str:
    """The text the complainant receives for one change."""
    note = f"\n办理说明：{event.note}" if event.note else ""
    ask = "\n" + render("verdict_question") if event.to_status == "已办结" else ""
    deadline = complaint.deadline
    return render("ticket_update", ticket=complaint.ticket_id, unit=unit, status=event.to_status, note=note,
                  deadline=f"{deadline.month}月{deadline.day}日", ask=ask)


def template_for(event: ComplaintEvent, complaint: Complaint, template_id: str, link: str) -> Optional[dict[str, Any]]:
    """The template message standing in outside the 48-hour window (when a template is set up)."""
    if not template_id:
        return None
    return {"template_id": template_id, "url": link, "data": {
        "first": {"value": f"您的投诉有新进展（工单 {complaint.ticket_id}）"},
        "keyword1": {"value": complaint.ticket_id},
        "keyword2": {"value": event.to_status},
        "keyword3": {"value": (event.note or "")[:100]},
        "remark": {"value": "回复“查询投诉”查看详情" + ("；请回复“满意”或“不满意”" if event.to_status == "已办结" else "")},
    }}


@dataclass(frozen=True)
class Notice:
    event_id: int
    openid: str
    text: str
    template: Optional[dict[str, Any]]


def pending(session: Session, template_id: str = "", link: str = "", limit: int = BATCH) -> list[Notice]:
    """Changes by staff or the city not yet sent (nor given up on), oldest first."""
    rows = session.execute(
        select(ComplaintEvent, Complaint).join(Complaint, Complaint.id == ComplaintEvent.complaint_id)
        .where(ComplaintEvent.notified_at.is_(None), ComplaintEvent.actor.not_like("user:%"),
               ComplaintEvent.notify_attempts < MAX_ATTEMPTS)
        .order_by(ComplaintEvent.id).limit(limit)).all()
    return [Notice(e.id, c.user_id, message(e, c, unit_name(session, c.unit_id)), template_for(e, c, template_id, link))
            for e, c in rows]


def _settle(sessions: "sessionmaker[Session]", event_id: int, outcome: str, now: datetime) -> None:
    """Record one run's outcome: sent, given up, or to be retried."""
    values: dict[str, Any] = {"notify_attempts": ComplaintEvent.notify_attempts + 1}
    if outcome == "sent":
        values["notified_at"] = now
    elif outcome == "give_up":
        values["notify_attempts"] = MAX_ATTEMPTS
    with session_scope(sessions) as session:
        session.execute(update(ComplaintEvent).where(ComplaintEvent.id == event_id).values(**values))


def _outcome(outcomes: list[Outcome]) -> str:
    if any(o.sent or o.errmsg == "already_sent" for o in outcomes):
        return "sent"
    if outcomes and all(o.errmsg in GIVE_UP for o in outcomes):
        return "give_up"  # the user left or cannot be reached now; they can still ask in the chat
    return "retry"


async def notify_pending(client: WeChatClient, sessions: "sessionmaker[Session]", template_id: str = "",
                         link: str = "", now: Optional[datetime] = None) -> int:
    """Send every pending change once; returns how many went out."""
    notices = await asyncio.to_thread(lambda: _load(sessions, template_id, link))
    sent = 0
    for notice in notices:
        outcomes = await deliver(client, sessions, notice.openid, [{"msgtype": "text", "text": {"content": notice.text}}],
                                 purpose="complaint", idempotency_key=f"complaint-event:{notice.event_id}",
                                 template=notice.template)
        outcome = _outcome(outcomes)
        await asyncio.to_thread(_settle, sessions, notice.event_id, outcome, now or utcnow())
        sent += outcome == "sent"
        if outcome == "retry":
            logger.warning("complaint event %s not delivered yet: %s", notice.event_id, outcomes)
    return sent


def _load(sessions: "sessionmaker[Session]", template_id: str, link: str) -> list[Notice]:
    with session_scope(sessions) as session:
        return pending(session, template_id, link)


class Notifier:
    """Sends pending changes in the background: right after ``kick()`` and every ``interval`` seconds
    (which retries failed sends and picks up changes made by other processes)."""

    def __init__(self, client: WeChatClient, sessions: "sessionmaker[Session]", interval: float,
                 template_id: str = "", link: str = "") -> None:
        self.client, self.sessions, self.interval = client, sessions, interval
        self.template_id, self.link = template_id, link
        self._wake = asyncio.Event()

    def kick(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Until cancelled; a failed run is logged and the next one tries again."""
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            try:
                await notify_pending(self.client, self.sessions, self.template_id, self.link)
            except Exception:  # noqa: BLE001 — the loop must outlive a database or network hiccup
                logger.exception("sending complaint notifications failed; retrying in %.0f s", self.interval)
