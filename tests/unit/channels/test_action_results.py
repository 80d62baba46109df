"""Rasa's check of action server responses, with the validator built once: same verdicts, same error."""
from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import bot.channels  # noqa: F401  (installs the check, as Rasa's loading of the plug-ins does)
from bot.channels.action_results import _validate_action_result

ACTION = RemoteAction("action_find_contact", EndpointConfig("http://127.0.0.1:9/webhook"))
VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "district", "value": "浑南区"}], "responses": [{"text": "您好"}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "action_listen"}]},
    {},
]
INVALID = [
    {"events": "slot"},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot"}]},  # a slot event without its name
    {"responses": ["您好"]},
]


def test_rasa_uses_the_built_validator() -> None:
    assert RemoteAction._validate_action_result is _validate_action_result


@pytest.mark.parametrize("result", VALID)
def test_valid_responses_pass_as_with_rasa(result: dict[str, Any]) -> None:
    jsonschema.validate(result, RemoteAction.action_response_format_spec())
    assert ACTION._validate_action_result(result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_responses_raise_rasas_error(result: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError) as raised:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response") as ours:
        ACTION._validate_action_result(result)
    assert ours.value.path == raised.value.path
