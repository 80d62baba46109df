"""What the assistant does with a message whose intent the NLU is unsure of: the directory or the
policy library may still answer it (the wording says which to try first); otherwise ask to rephrase."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import reply_from_directory, reply_from_policies, reply_to_policy_follow_up
from actions.common import user_text
from actions.directory import MAX_TEXT, ActionFindContact, continues_contact
from bot.routing import asks_about_policy


class ActionAnswerUncertain(Action):
    """Answer from the directory or the policies when either finds something, else ask to rephrase."""

    def name(self) -> str:
        return "action_answer_uncertain"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = user_text(tracker)[:MAX_TEXT]
        if text and await continues_contact(tracker, text):
            return await ActionFindContact().run(dispatcher, tracker, domain)
        follow_up = await reply_to_policy_follow_up(dispatcher, tracker, text) if text else None
        if follow_up is not None:  # "那重新认定的呢" right after a policy's answer
            return follow_up
        if text:
            tries = (reply_from_policies, reply_from_directory) if asks_about_policy(text) else (
                reply_from_directory, reply_from_policies)
            for attempt in tries:
                events = await attempt(dispatcher, tracker, text)
                if events is not None:
                    return events
        dispatcher.utter_message(response="utter_default")
        return []
