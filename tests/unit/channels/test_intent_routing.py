"""The NLU router: a routed message keeps its intent through Rasa's fallback classifier."""
from __future__ import annotations

from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.channels.intent_routing import ROUTED_FROM, IntentRouter

FALLBACK = {"threshold": 0.45, "ambiguity_threshold": 0.08}  # as config.yml


def parsed(text: str, ranking: list[tuple[str, float]], **data: object) -> Message:
    message = Message({TEXT: text, **data})
    message.set(INTENT, {"name": ranking[0][0], "confidence": ranking[0][1]})
    message.set(INTENT_RANKING_KEY, [{"name": n, "confidence": c} for n, c in ranking])
    return message


def route(message: Message) -> Message:
    router = IntentRouter({"unit": frozenset({"社保中心"}), "matter": frozenset({"老人走了", "低保"}),
                           "person": frozenset({"王建国"})})
    return FallbackClassifier(FALLBACK).process(router.process([message]))[0]


def test_a_routed_question_is_not_made_ambiguous_by_the_intent_it_replaces() -> None:
    message = route(parsed("拖欠工资去哪投诉", [("complain", 0.7), ("find_contact", 0.2), ("greet", 0.1)]))
    assert message.get(INTENT)["name"] == "find_contact"
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["find_contact", "greet"]
    assert message.get(ROUTED_FROM)["name"] == "complain"


def test_an_unsure_routed_question_still_falls_back() -> None:
    message = route(parsed("拖欠工资去哪投诉", [("complain", 0.3), ("find_contact", 0.25)]))
    assert message.get(INTENT)["name"] == "nlu_fallback"


def test_a_message_left_alone_keeps_its_ranking() -> None:
    message = route(parsed("我要投诉", [("complain", 0.9), ("find_contact", 0.05)]))
    assert message.get(INTENT)["name"] == "complain" and message.get(ROUTED_FROM) is None


def test_a_cut_message_is_too_long_whatever_it_says() -> None:
    message = route(parsed("你好" * 600, [("greet", 0.5), ("help", 0.45)], **{METADATA: {"overlong": True}}))
    assert message.get(INTENT) == {"name": "message_too_long", "confidence": 1.0}


def test_a_known_phrase_counts_across_words_and_a_name_only_as_a_word() -> None:
    message = route(parsed("家里老人走了 后事手续都有啥", [("goodbye", 0.8), ("find_contact", 0.1)]))
    assert message.get(INTENT)["name"] == "find_contact"  # 老人走了 is a life event, not a goodbye
    message = route(parsed("王建国庆节快乐", [("greet", 0.9), ("find_contact", 0.05)]))
    assert message.get(INTENT)["name"] == "greet"  # no tokens: 王建国 inside other words is no one


def test_the_rules_read_form_words_outside_the_directory_s_names() -> None:
    router = IntentRouter({"unit": frozenset({"燃气公司"}), "matter": frozenset(), "person": frozenset()})
    message = router.process([parsed("关海梅 燃气公司的", [("complain", 0.8), ("find_contact", 0.1)])])[0]
    assert message.get(INTENT)["name"] == "find_contact"


def test_an_intent_the_rules_confirm_is_sure() -> None:
    message = route(parsed("婚姻登记处的工作人员骂人 太过分了 投诉", [("complain", 0.48), ("check_complaint", 0.44)]))
    assert message.get(INTENT) == {"name": "complain", "confidence": 1.0}


def test_a_bare_number_is_a_sure_answer() -> None:
    message = route(parsed("1", [("goodbye", 0.59), ("inform", 0.3)]))
    assert message.get(INTENT) == {"name": "inform", "confidence": 1.0}
