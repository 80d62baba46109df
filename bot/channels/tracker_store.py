"""Rasa's SQL tracker store with a bound on a conversation session's length.

A WeChat user's conversation never ends, and Rasa starts a new session only after
``session_expiration_time`` of silence: a user who writes every half hour keeps one session for
days, and every turn reloads, replays and ships to the action server all of it. When a session
passes ``max_events`` and nothing is in progress (no form, the assistant waiting for the user),
this store starts a new session exactly as Rasa does on expiry (``action_session_start``,
``session_started``, the slots carried over, ``action_listen``), keeping as context the last action
run, so a follow-up to it ("二级呢？") is still understood. Older sessions stay in the database.
"""
from __future__ import annotations

from typing import Any, Optional

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME, REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker


HARD_LIMIT = 3


def _last_action(tracker: DialogueStateTracker) -> Optional[str]:
    """The last action run before the assistant started listening, if any."""
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            return None
        if isinstance(event, ActionExecuted) and event.action_name not in (ACTION_LISTEN_NAME,
                                                                           ACTION_SESSION_START_NAME):
            return event.action_name
    return None


def rollover_events(tracker: DialogueStateTracker, max_events: int) -> list[Event]:
    """The events that start a new session now, or none if the session is short or something is in progress.

    Past ``HARD_LIMIT`` × ``max_events`` a session starts anew even inside a form (the form is left,
    its slots kept): no conversation grows without bound, however it is driven.
    """
    if len(tracker.events) <= max_events or tracker.latest_action_name != ACTION_LISTEN_NAME:
        return []
    hard = len(tracker.events) > HARD_LIMIT * max_events
    if tracker.active_loop_name and not hard:
        return []
    started = SessionStarted()
    at = started.timestamp
    carried = [SlotSet(name, slot.value, timestamp=at) for name, slot in tracker.slots.items()
               if name != REQUESTED_SLOT and slot.value != slot.initial_value]
    last = _last_action(tracker)
    context = [ActionExecuted(last, timestamp=at)] if last else []
    return [ActionExecuted(ACTION_SESSION_START_NAME, timestamp=at - 0.001), started, *carried, *context,
            ActionExecuted(ACTION_LISTEN_NAME, timestamp=at)]


class BoundedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` (type ``SQL``) whose sessions start anew past ``max_events`` events."""

    def __init__(self, domain: Optional[Domain] = None, *, max_events: Any, **kwargs: Any) -> None:
        super().__init__(domain, **kwargs)
        self.max_events = int(max_events)
        if self.max_events < 20:
            raise ValueError(f"max_events must be at least 20, not {self.max_events}")

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the turn's events, then start a new session if this one has grown too long."""
        for event in rollover_events(tracker, self.max_events):
            tracker.update(event)
        await super().save(tracker)
