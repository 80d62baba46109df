"""The human handoff: WeChat's transfer to human agents in office hours, else a callback request."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.common import in_session
from bot import runtime
from bot.handoff import record_callback
from bot.replies import render
from bot.workdays import office_open


def _recent_user_text(tracker: Tracker, turns: int = 3) -> str:
    texts = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    return "\n".join(t for t in texts[-turns:] if t)


class ActionHumanHandoff(Action):
    def name(self) -> str:
        return "action_human_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        settings = runtime.settings()
        if tracker.get_latest_input_channel() == "wechat" and office_open(settings.office_hours):
            # WeChat hands the user to the account's customer-service agents (多客服).
            dispatcher.utter_message(text=render("handoff_transfer"), json_message={"transfer_customer_service": True})
            return []
        message_id = str(tracker.latest_message.get("message_id") or len(tracker.events))

        def work(session: Session) -> int:
            return record_callback(session, tracker.sender_id, message_id, _recent_user_text(tracker)).id

        request_id = await in_session(work)
        if office_open(settings.office_hours):
            text = render("handoff_recorded", request_id=request_id, hotline=settings.service_hotline)
        else:
            hours = settings.office_hours.replace(",", "、")
            text = render("handoff_after_hours", request_id=request_id, hours=hours, hotline=settings.service_hotline)
        dispatcher.utter_message(text=text)
        return []
