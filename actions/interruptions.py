"""Back to a form after a request answered inside it (data/rules/interruptions.yml)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.replies import render

FORMS = {"complaint_form": "投诉", "rating_form": "评价", "enterprise_form": "企业登记"}


class ActionResumeForm(Action):
    """"我们接着刚才的投诉。" before the form asks its pending question again."""

    def name(self) -> str:
        return "action_resume_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        form = FORMS.get((tracker.active_loop or {}).get("name") or "")
        if form:
            dispatcher.utter_message(text=render("resume_form", form=form))
        return []
