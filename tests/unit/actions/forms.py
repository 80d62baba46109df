"""Drive a form's validation turn by turn the way Rasa's form loop does (no Rasa server needed)."""
from __future__ import annotations

import asyncio
import uuid
from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import ActionAskFeedbackConfirmed, ValidateComplaintForm, ValidateRatingForm
from actions.policies import ENTERPRISE_SLOTS, ActionAskEnterpriseConfirmed, ValidateEnterpriseForm

FORMS: dict[str, tuple[Any, list[str], Any]] = {  # validation action, required slots, summary action
    "rating_form": (ValidateRatingForm, ["feedback_target", "attitude_stars", "proficiency_stars",
                                         "feedback_confirmed"], ActionAskFeedbackConfirmed),
    "complaint_form": (ValidateComplaintForm, ["feedback_target", "complaint_description", "feedback_confirmed"],
                       ActionAskFeedbackConfirmed),
    "enterprise_form": (ValidateEnterpriseForm, ENTERPRISE_SLOTS, ActionAskEnterpriseConfirmed),
}


class Form:
    """One user's form: each ``say`` runs the validation action and picks the next slot like Rasa does."""

    def __init__(self, form: str, sender: Optional[str] = None) -> None:
        self.form, self.sender = form, sender or f"o{uuid.uuid4().hex[:12]}"
        self.action, self.required = FORMS[form][0](), FORMS[form][1]
        self.slots: dict[str, Any] = {}
        self.requested: Optional[str] = None
        self.metadata: dict[str, Any] = {}

    def tracker(self, text: str, intent: str, entities: list[dict[str, Any]]) -> Tracker:
        latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities,
                  "metadata": self.metadata}
        slots = {**self.slots, "requested_slot": self.requested}
        return Tracker(self.sender, slots, latest, [{"event": "user", "text": text, "parse_data": latest}],
                       False, None, {"name": self.form}, "action_listen")

    def say(self, text: str, intent: str = "inform", metadata: Optional[dict[str, Any]] = None,
            **entities: str) -> tuple[str, list[dict[str, Any]]]:
        """The assistant's messages for this turn (validation, then the next question or summary)."""
        ents = [{"entity": k, "value": v} for k, v in entities.items()]
        self.metadata = metadata or {}
        dispatcher = CollectingDispatcher()
        events = asyncio.run(self.action.run(dispatcher, self.tracker(text, intent, ents), {}))
        for e in events:
            self.slots[e["name"]] = e["value"]
        self.requested = next((s for s in self.required if self.slots.get(s) is None), None)
        if self.requested is not None and self.requested == self.required[-1]:
            asyncio.run(FORMS[self.form][2]().run(dispatcher, self.tracker(text, intent, ents), {}))
        return "\n".join(m.get("text") or "" for m in dispatcher.messages), events
