"""Actions that answer "who do I contact" and "where is the nearest service hall"."""
from __future__ import annotations

import re
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import (contact_answer, contact_unit_id, policy_answer, reply_to_policy_follow_up, send_contact,
                             send_follow_up, send_policy)
from actions.common import entity, in_thread, user_text
from bot import runtime
from bot.directory import cards
from bot.directory.answers import ContactAnswer, same_kind_in, says_only_district
from bot.directory.search import UnitHit
from bot.feedback.stars import parse_dimension_stars, without_stars
from bot.nlp.text import canonical_district, find_district
from bot.replies import render
from bot.routing import asks_for_contact, asks_how, asks_rule, names_policy

_ORDINAL = re.compile(r"^(?:第)?([1-9一二三四五六七八九])(?:个|位)?(?:吧|的|那个)?$")
_CN_DIGITS = "一二三四五六七八九"
MAX_TEXT = 500  # a contact question longer than this is cut before searching


def chosen(text: str, choices: Optional[list[str]]) -> Optional[str]:
    """The choice a reply such as “2”, “第二个” or a name picks from ``choices``."""
    if not choices:
        return None
    match = _ORDINAL.match(text.strip())
    if match:
        digit = match.group(1)
        n = int(digit) if digit.isdigit() else _CN_DIGITS.index(digit) + 1
        return choices[n - 1] if n <= len(choices) else None
    return next((c for c in choices if text and (text in c or c in text)), None)


async def continues_contact(tracker: Tracker, text: str) -> bool:
    """True when ``text`` only names a district while a contact question waits for one or was just
    answered: whatever the NLU made of it, the directory answers it."""
    waiting = tracker.get_slot("pending_query") or tracker.get_slot("contact_topic") or tracker.get_slot("contact_unit")
    return bool(waiting) and await in_thread(lambda: says_only_district(runtime.directory_index(), text)) is not None


class ActionFindContact(Action):
    """Find the unit or cadre for a question, asking back for a district or a unit when needed."""

    def name(self) -> str:
        return "action_find_contact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = user_text(tracker)[:MAX_TEXT]
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        pending = tracker.get_slot("pending_query")
        remembered = tracker.get_slot("district")
        if not pending and parse_dimension_stars(text) and len(without_stars(text)) <= 2:
            dispatcher.utter_message(text=render("stars_without_target"))  # "五星" after a form ended: rate what?
            return []
        if not pending:  # "二套呢" right after the housing-fund loan's answer: still that policy
            events = await reply_to_policy_follow_up(dispatcher, tracker, text)
            if events is not None:
                return events
        index = await in_thread(runtime.directory_index)
        only_district = await in_thread(lambda: says_only_district(index, text))
        said_district = only_district or canonical_district(entity(tracker, "district")) or find_district(text)
        topic = tracker.get_slot("contact_topic")
        if pending and only_district:  # the answer to "请问您在哪个区县" (whatever else it says)
            text = f"{pending} {only_district}"
        elif pending and intent == "inform":
            text = f"{pending} {chosen(text, tracker.get_slot('pending_choices')) or text}"
        elif only_district and topic:  # "沈北" after an answer about a matter: that district's unit for it
            text = f"{topic} {only_district}"
        elif only_district and (local := same_kind_in(index, contact_unit_id(tracker), only_district)):
            return send_contact(dispatcher, ContactAnswer("unit", only_district, hit=UnitHit(local, 1.0)), text, remembered)
        elif only_district:
            dispatcher.utter_message(text=render("district_noted", district=only_district))
            return [SlotSet("district", only_district)]
        else:
            follow = await in_thread(lambda: send_follow_up(dispatcher, tracker, text))
            if follow is not None:
                return follow
        district = said_district or remembered
        person = entity(tracker, "person")
        if not text and not person and not entity(tracker, "unit") and not entity(tracker, "service_item"):
            dispatcher.utter_message(text=render("ask_what_to_find"))  # e.g. the menu's 我要找人
            return []

        if intent != "inform" and names_policy(text):  # "这个政策是哪个部门发的": the policy knows its issuer
            policy = await policy_answer(tracker, text)
            if policy.found or not asks_for_contact(text):  # no such policy: say so, unless a unit is asked for
                return await send_policy(dispatcher, policy, text)
        asked = asks_rule(text) if intent != "inform" else frozenset()
        if asked:  # "公积金贷款最多能贷多少", "稳岗返还的钱谁出": the rule, not an office's card
            policy = await policy_answer(tracker, text)
            if policy.found and (policy.sure or "amount" in asked):
                return await send_policy(dispatcher, policy, text)
        elif intent != "inform" and asks_how(text):  # "出口退税咋申请": the named policy's channel and steps
            policy = await policy_answer(tracker, text)
            if policy.policy is not None and policy.named:
                return await send_policy(dispatcher, policy, text)
        answer = await contact_answer(tracker, text, district)
        if intent == "inform" and answer.kind == "not_found":
            dispatcher.utter_message(text=render("ask_rephrase"))
            return []
        return send_contact(dispatcher, answer, text, remembered)


class ActionFindNearby(Action):
    """The nearest halls to a shared location, or a district's halls, or a request for either."""

    def name(self) -> str:
        return "action_find_nearby"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        metadata = tracker.latest_message.get("metadata") or {}
        named = canonical_district(entity(tracker, "district")) or find_district(user_text(tracker))
        # A shared location first; else a named district; else where WeChat last reported the user.
        location = metadata.get("location") or (None if named else metadata.get("reported_location")) or {}
        district = named or tracker.get_slot("district")
        index = await in_thread(runtime.directory_index)
        try:
            lat, lon = float(location["latitude"]), float(location["longitude"])
        except (KeyError, TypeError, ValueError):
            lat = lon = None  # type: ignore[assignment]
        if lat is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
            dispatcher.utter_message(text=render("nearby", places=cards.nearby_list(index.nearest(lat, lon))))
            return []
        if district:
            dispatcher.utter_message(text=render("district_halls", district=district, places=cards.halls_list(index.halls_in(district)[:3])))
            return [SlotSet("district", district)]
        dispatcher.utter_message(text=render("ask_location"))
        return []
