"""An NLU component that sends questions about the directory to ``find_contact`` whatever DIET said.

It runs after DIET: a form's intent (complaint, enterprise registration, rating) read from a question
that asks where to take a matter, or small talk's intents (human handoff, nearest hall, help, …) for a
message that names a unit, a cadre or a matter, become ``find_contact`` (the rules are
``bot.routing.routed_intent``). What a message names comes from DIET's unit, person and service_item
entities and from its jieba tokens that are names of the directory's (units, matters and bundles,
cadres: read from the database when the model is loaded, so new names count without retraining).
DIET's intent is kept in ``routed_from``, so the logs still show what it thought. A message the
channel cut for its length (metadata ``overlong``) becomes ``message_too_long`` whatever it says.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.phrases import PhraseIndex
from bot.routing import ANSWER, OVERLONG, routed_intent

DIRECTORY_ENTITIES = ("unit", "person", "service_item")
MIN_PHRASE = 3
ROUTED_FROM = "routed_from"  # the parse result's key for what DIET said of a routed message


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class IntentRouter(GraphComponent):
    """Turns an intent into find_contact for messages about the directory."""

    def __init__(self, names: dict[str, frozenset[str]]) -> None:
        self.names = names  # "unit", "matter", "person" -> the directory's names of that sort
        # Names long enough to count wherever they stand, even across jieba's words ("老人走了"); a
        # person's name is counted only as a word of its own (王建国 inside another word is no one).
        self.phrases = {sort: PhraseIndex(n for n in found if len(n) >= MIN_PHRASE)
                        for sort, found in names.items() if sort != "person"}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "IntentRouter":
        from bot import runtime
        from bot.db import session_scope
        from bot.nlp.lookups import directory_names

        with session_scope(runtime.sessions()) as session:
            return cls(directory_names(session))

    def mentions(self, message: Message) -> tuple[set[str], str]:
        """What sorts of the directory's names the message says, and its text without those names."""
        found = {e.get("entity") for e in message.get(ENTITIES) or [] if e.get("entity") in DIRECTORY_ENTITIES}
        tokens = {t.text for t in message.get(TOKENS_NAMES[TEXT]) or []}
        bare = message.get(TEXT) or ""
        found.update(sort for sort, names in self.names.items() if tokens & names)
        for sort, phrases in self.phrases.items():
            said = phrases.found(bare)
            if said:
                found.add(sort)
                for phrase in said:  # longest first
                    bare = bare.replace(phrase, " ")
        if "service_item" in found:
            found.add("matter")
        return found, bare

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            metadata = message.get(METADATA) or {}
            routed = OVERLONG if metadata.get("overlong") else routed_intent(
                message.get(TEXT) or "", intent.get("name") or "", *self.mentions(message))
            if routed:  # a cut message is too long, a bare number an answer, an intent the rules confirm sure
                sure = routed in (OVERLONG, ANSWER, intent.get("name"))
                confidence = 1.0 if sure else float(intent.get("confidence") or 1.0)
                message.set(INTENT, {"name": routed, "confidence": confidence}, add_to_output=True)
                # The intent it replaces leaves the ranking (kept as ``routed_from``): beside it at the same
                # confidence, the fallback would find the routed intent ambiguous.
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
                           if r.get("name") not in (routed, intent.get("name")) and routed != OVERLONG]
                message.set(INTENT_RANKING_KEY, [{"name": routed, "confidence": confidence}, *ranking], add_to_output=True)
                message.set(ROUTED_FROM, intent, add_to_output=True)
        return messages
