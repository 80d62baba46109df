"""The bounded SQL tracker store on a real SQLite file with the project's domain."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, ActiveLoop, BotUttered, Event, SessionStarted, SlotSet,
                                     UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.tracker_store import HARD_LIMIT, BoundedSQLTrackerStore
from bot.config import REPO_ROOT

DOMAIN = Domain.load(str(REPO_ROOT / "domain.yml"))
MAX = 40


def turn(text: str, intent: str, action: str) -> list[Event]:
    """One user turn answered by ``action``."""
    return [UserUttered(text, {"name": intent, "confidence": 1.0}), ActionExecuted(action),
            BotUttered(f"答：{text}"), ActionExecuted(ACTION_LISTEN_NAME)]


def opening() -> list[Event]:
    """A session start as Rasa writes it."""
    return [ActionExecuted(ACTION_SESSION_START_NAME), SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME)]


@pytest.fixture()
def store(tmp_path: Path) -> BoundedSQLTrackerStore:
    """The store on its own SQLite file, as endpoints.yml configures it (max_events comes as text)."""
    return BoundedSQLTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'tracker.db'}", max_events=str(MAX))


def save(store: BoundedSQLTrackerStore, sender: str, events: list[Event]) -> None:
    """Append ``events`` to the stored session the way Rasa does: retrieve, update, save."""
    tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker(sender, DOMAIN.slots)
    for event in events:
        tracker.update(event)
    asyncio.run(store.save(tracker))


def retrieve(store: BoundedSQLTrackerStore, sender: str, full: bool = False) -> DialogueStateTracker:
    """The stored tracker: the current session, or every session."""
    found = asyncio.run(store.retrieve_full_tracker(sender) if full else store.retrieve(sender))
    assert found is not None
    return found


def in_session(events: list[Event]) -> int:
    """How many of ``events`` Rasa's retrieve returns: those from the last ``session_started`` on."""
    return len(events) - 1


def long_session() -> list[Event]:
    """A session past MAX events with a district and a policy in the slots, ending on a policy answer."""
    events = opening() + [SlotSet("district", "浑南区")]
    while len(events) <= MAX:
        events += turn("营业执照找谁", "find_contact", "action_find_contact")
    return events + [UserUttered("一级伤残津贴多少钱", {"name": "ask_policy", "confidence": 1.0}),
                     ActionExecuted("action_answer_policy"), SlotSet("policy_code", "P-001"),
                     BotUttered("2481 元/月"), ActionExecuted(ACTION_LISTEN_NAME)]


def test_a_long_idle_session_starts_anew_keeping_slots_and_the_last_action(store: BoundedSQLTrackerStore) -> None:
    before = long_session()
    save(store, "u1", before)
    current = retrieve(store, "u1")
    assert len(current.events) < 10
    assert isinstance(current.events[0], SessionStarted)
    assert current.get_slot("district") == "浑南区" and current.get_slot("policy_code") == "P-001"
    assert current.latest_action_name == ACTION_LISTEN_NAME
    assert [e.action_name for e in current.events if isinstance(e, ActionExecuted)] == [
        "action_answer_policy", ACTION_LISTEN_NAME]
    assert current.active_loop_name is None
    everything = retrieve(store, "u1", full=True)
    assert len(everything.events) == len(before) + len(current.events) + 1  # + action_session_start
    assert sum(isinstance(e, UserUttered) for e in everything.events) == sum(
        isinstance(e, UserUttered) for e in before)


def test_the_next_turns_follow_the_new_session_without_duplicates(store: BoundedSQLTrackerStore) -> None:
    save(store, "u2", long_session())
    started = len(retrieve(store, "u2").events)
    save(store, "u2", turn("那二级呢", "inform", "action_answer_policy"))
    current = retrieve(store, "u2")
    assert len(current.events) == started + 4
    assert [e.text for e in current.events if isinstance(e, UserUttered)] == ["那二级呢"]
    assert current.get_slot("policy_code") == "P-001"


def test_a_session_stays_whole_while_a_form_is_in_progress(store: BoundedSQLTrackerStore) -> None:
    events = long_session() + [UserUttered("我要投诉", {"name": "complain", "confidence": 1.0}),
                               ActionExecuted("complaint_form"), ActiveLoop("complaint_form"),
                               SlotSet("requested_slot", "feedback_target"), BotUttered("请问投诉哪个单位？"),
                               ActionExecuted(ACTION_LISTEN_NAME)]
    save(store, "u3", events)
    current = retrieve(store, "u3")
    assert len(current.events) == in_session(events)
    assert current.active_loop_name == "complaint_form"


def test_a_form_that_never_ends_is_left_past_the_hard_limit(store: BoundedSQLTrackerStore) -> None:
    events = opening() + [UserUttered("我要投诉", {"name": "complain", "confidence": 1.0}),
                          ActionExecuted("complaint_form"), ActiveLoop("complaint_form"),
                          SlotSet("feedback_target_label", "市场监管局"), SlotSet("requested_slot", "complaint_time"),
                          ActionExecuted(ACTION_LISTEN_NAME)]
    while len(events) <= HARD_LIMIT * MAX:  # someone answers the same question wrongly forever
        events += [UserUttered("嗯", {"name": "affirm", "confidence": 1.0}), ActionExecuted("complaint_form"),
                   BotUttered("请问是什么时候发生的？"), ActionExecuted(ACTION_LISTEN_NAME)]
    save(store, "u6", events)
    current = retrieve(store, "u6")
    assert len(current.events) < 10 and current.active_loop_name is None
    assert current.get_slot("feedback_target_label") == "市场监管局" and current.get_slot("requested_slot") is None


def test_a_short_session_is_untouched(store: BoundedSQLTrackerStore) -> None:
    events = opening() + turn("你好", "greet", "utter_greet")
    save(store, "u4", events)
    assert len(retrieve(store, "u4").events) == in_session(events)


def test_a_session_is_not_cut_in_the_middle_of_a_turn(store: BoundedSQLTrackerStore) -> None:
    events = long_session()[:-1]  # the action has run, the assistant is not listening yet
    save(store, "u5", events)
    assert len(retrieve(store, "u5").events) == in_session(events)


def test_a_tiny_bound_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        BoundedSQLTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 't.db'}", max_events="5")
