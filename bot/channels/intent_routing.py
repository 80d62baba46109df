"""An NLU component that keeps questions about where to take a matter out of the forms.

It runs after DIET: when the intent would start a form (complaint, enterprise registration, rating)
but the message asks where to go with a matter and says nothing of how a window served the user,
the intent becomes ``find_contact`` (the rule is ``bot.routing.routed_intent``). The NLU's own
ranking is kept below it, so the fallback and the logs still show what DIET thought.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.routing import routed_intent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class IntentRouter(GraphComponent):
    """Turns a form intent into find_contact for "where do I take this" questions."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "IntentRouter":
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            routed = routed_intent(message.get(TEXT) or "", intent.get("name") or "")
            if routed:
                confidence = float(intent.get("confidence") or 1.0)
                message.set(INTENT, {"name": routed, "confidence": confidence}, add_to_output=True)
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != routed]
                message.set(INTENT_RANKING_KEY, [{"name": routed, "confidence": confidence}, *ranking], add_to_output=True)
        return messages
