"""A dialogue policy that keeps a conversation on the policy just answered.

Right after the policy library answered (the ``policy_code`` slot holds its policy, no form is active),
a message that can only be understood with that policy ("二套呢", "那重新认定的呢", "到退休以后还给吗":
``bot.policies.answers.only_follows``) goes to ``action_answer_uncertain`` whatever DIET read it as
(a greeting, out of scope, a contact question): that action asks the library first, which stays on the
policy, and otherwise tries the directory and the library as for any unsure message. Its priority is above
the rules', so a rule for the intent DIET read does not answer first.
"""
from __future__ import annotations

from typing import Any, Optional

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.answers import only_follows

ACTION = "action_answer_uncertain"
# What DIET reads an elliptical follow-up as; a question about a policy or a complaint keeps its own way.
SWAYED = frozenset({"greet", "out_of_scope", "find_contact", "find_nearby", "inform", "deny", "help", "nlu_fallback"})
PRIORITY = 7  # above RulePolicy's 6


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT], is_trainable=False)
class PolicyFollowUp(Policy):
    """Predicts ``action_answer_uncertain`` for a follow-up about the policy just answered."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": PRIORITY}

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[dict[str, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        result = self._default_predictions(domain)
        message = tracker.latest_message
        if (tracker.latest_action_name == ACTION_LISTEN_NAME and tracker.active_loop_name is None
                and tracker.get_slot("policy_code") and message is not None
                and (message.intent or {}).get("name") in SWAYED and only_follows((message.text or "").strip())):
            result[domain.index_for_action(ACTION)] = 1.0
        return self._prediction(result)
