"""Answers from the directory and from the policy library, shared by the actions that route a question
to either: each finds an answer, sends it, and returns the events that keep its context."""
from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.common import entity, in_session, in_thread
from bot import runtime
from bot.db import session_scope
from bot.db.policies import POLICY_CATEGORIES
from bot.directory import cards
from bot.directory.answers import ContactAnswer, answer_contact, follow_up
from bot.directory.search import UnitHit
from bot.nlp.text import find_district
from bot.policies import enterprises as ent
from bot.policies.answers import PolicyAnswer, answer_question, only_follows
from bot.policies.cards import category_news, policy_news
from bot.replies import render
from bot.workdays import china_today


async def contact_answer(tracker: Tracker, text: str, district: Optional[str]) -> ContactAnswer:
    """The directory's answer to ``text`` with the entities of the latest message."""
    def work(session: Session) -> ContactAnswer:
        return answer_contact(session, runtime.directory_index(), text, district=district,
                              person=entity(tracker, "person"), unit=entity(tracker, "unit"),
                              service_item=entity(tracker, "service_item"))

    return await in_session(work)


def send_contact(dispatcher: CollectingDispatcher, answer: ContactAnswer, text: str,
                 remembered: Optional[str]) -> list[dict[str, Any]]:
    """Reply with a contact answer; the events keep what a follow-up needs (pending question, district,
    the topic and the unit answered)."""
    events: list[dict[str, Any]] = [SlotSet("pending_query", None), SlotSet("pending_choices", None)]
    if answer.district and answer.district != remembered:
        events.append(SlotSet("district", answer.district))
    hotline = runtime.settings().service_hotline
    if answer.kind == "unit" and answer.hit:
        dispatcher.utter_message(text=cards.unit_card(answer.hit, answer.aspects))
        if answer.matter and answer.matter.level == "city" and answer.district:
            dispatcher.utter_message(text=render("city_level", matter=answer.matter.name))
        if answer.district_wanted and answer.topic:
            key = "district_wanted" if answer.matter else "district_units"
            dispatcher.utter_message(text=render(key, matter=answer.topic))
            events[0] = SlotSet("pending_query", answer.topic)
        elif answer.alternatives:
            choices = cards.short_list([h.unit for h in answer.alternatives])
            dispatcher.utter_message(text=render("contact_alternatives", choices=choices))
    elif answer.kind == "bundle" and answer.bundle:
        where = render("bundle_where", where=answer.bundle.where) if answer.bundle.where else ""
        dispatcher.utter_message(text=render("bundle_steps", title=answer.bundle.name,
                                             steps=cards.bundle_steps(answer.steps), where=where))
        if answer.district_wanted:
            dispatcher.utter_message(text=render("district_wanted", matter=answer.bundle.name))
            events[0] = SlotSet("pending_query", answer.bundle.name)
    elif answer.kind == "choose":
        dispatcher.utter_message(text=render("choose_matter", choices=cards.matter_choices(answer.alternatives)))
        events = [SlotSet("pending_query", text), SlotSet("pending_choices", [h.matters[0] for h in answer.alternatives if h.matters])]
    elif answer.kind == "unsure" and answer.hit:
        dispatcher.utter_message(text=render("contact_unsure", card=cards.unit_card(answer.hit), hotline=hotline))
    elif answer.kind == "cadre":
        cadre = answer.cadres[0]
        news = cards.cadre_news(cadre, runtime.settings().public_url)
        dispatcher.utter_message(text=cards.cadre_card(cadre), json_message={"news": news})
    elif answer.kind == "ask_district" and answer.topic:
        key = "ask_district" if answer.matter or answer.bundle else "ask_district_units"
        dispatcher.utter_message(text=render(key, matter=answer.topic))
        events[0] = SlotSet("pending_query", answer.topic)
    elif answer.kind == "ask_unit":
        choices = answer.cadres[:6]
        dispatcher.utter_message(text=render("ask_which_unit", person=answer.person, choices=cards.cadre_choices(choices)))
        events = [SlotSet("pending_query", answer.person), SlotSet("pending_choices", [c.unit.name for c in choices])]
    elif answer.kind == "person_unknown":
        dispatcher.utter_message(text=render("person_unknown", person=answer.person))
    else:
        dispatcher.utter_message(text=render("contact_not_found", hotline=hotline))
    if answer.kind in ("unit", "bundle", "cadre", "unsure"):
        unit = answer.cadres[0].unit if answer.kind == "cadre" else answer.hit.unit  # type: ignore[union-attr]
        events += [SlotSet("contact_unit", str(unit.id)), SlotSet("contact_topic", answer.topic),
                   SlotSet("policy_code", None), SlotSet("policy_question", None)]
    elif answer.topic:
        events.append(SlotSet("contact_topic", answer.topic))
    return events


def contact_unit_id(tracker: Tracker) -> Optional[int]:
    """The id of the unit the last contact answer gave (the contact_unit slot), if any."""
    value = tracker.get_slot("contact_unit")
    return int(value) if str(value or "").isdigit() else None


def send_follow_up(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> Optional[list[dict[str, Any]]]:
    """Answer a follow-up about the unit just given ("几点下班", "电话多少来着", "要带啥材料"), or None
    when the message is no such follow-up or no unit was given. Blocking: run it in a thread."""
    index = runtime.directory_index()
    with session_scope(runtime.sessions()) as session:
        follow = follow_up(session, index, text, contact_unit_id(tracker), tracker.get_slot("contact_topic"))
    if follow is None:
        return None
    unit, matter, aspects = follow
    if "materials" in aspects and matter is not None:
        phone = unit.phones[0] if unit.phones else ""
        if matter.materials:
            dispatcher.utter_message(text=render("matter_materials", matter=matter.name, materials="、".join(matter.materials),
                                                 unit=unit.name, phone=phone))
        else:
            dispatcher.utter_message(text=render("matter_materials_unknown", matter=matter.name, unit=unit.name, phone=phone,
                                                 hotline=runtime.settings().service_hotline))
        return []
    about = (matter.name,) if matter and "duties" not in aspects else ()
    dispatcher.utter_message(text=cards.unit_card(UnitHit(unit, 1.0, about), aspects))
    return []


async def reply_from_directory(dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                               sure_only: bool = False) -> Optional[list[dict[str, Any]]]:
    """Reply with the directory's answer if it has one (events), else say nothing (None); with
    ``sure_only``, only an answer about what the question names."""
    remembered = tracker.get_slot("district")
    follow = await in_thread(lambda: send_follow_up(dispatcher, tracker, text))
    if follow is not None:
        return follow
    answer = await contact_answer(tracker, text, find_district(text) or remembered)
    if not answer.found or sure_only and not answer.sure:
        return None
    return send_contact(dispatcher, answer, text, remembered)


def policy_categories(tracker: Tracker, text: str) -> list[str]:
    """The policy categories the latest message names (entities or words)."""
    named = {str(v) for v in tracker.get_latest_entity_values("policy_category")}
    return [c for c in POLICY_CATEGORIES if c in named or c in text]


async def policy_answer(tracker: Tracker, text: str) -> PolicyAnswer:
    """The policy library's answer to ``text``, with the policy talked about before as context."""
    categories = policy_categories(tracker, text)
    settings = runtime.settings()
    index = await in_thread(runtime.policy_index)
    return answer_question(index, text, china_today(), settings.public_url, settings.service_hotline,
                           context_code=tracker.get_slot("policy_code"),
                           previous=tracker.get_slot("policy_question") or "",
                           category=categories[0] if len(categories) == 1 else None,
                           enterprise=await enterprise_asking(tracker, text))


async def enterprise_asking(tracker: Tracker, text: str) -> Optional[ent.Profile]:
    """The user's enterprise: the one bound most recently, else as the message describes it, else None."""
    def work(session: Session) -> Optional[ent.Profile]:
        bound = ent.bound_enterprises(session, tracker.sender_id)
        return ent.profile_of(bound[0]) if bound else None

    return await in_session(work) or ent.described(text, china_today())


async def send_policy(dispatcher: CollectingDispatcher, answer: PolicyAnswer, text: str) -> list[dict[str, Any]]:
    """Reply with a policy answer and its card; the slots keep the policy for follow-ups."""
    public_url = runtime.settings().public_url
    dispatcher.utter_message(text=answer.text)
    if answer.policy is not None:
        dispatcher.utter_message(json_message={"news": policy_news(answer.policy, public_url)})
        return [SlotSet("policy_code", answer.policy.code), SlotSet("policy_question", answer.question or text),
                SlotSet("contact_unit", None), SlotSet("contact_topic", None)]
    if answer.category is not None:
        index = await in_thread(runtime.policy_index)
        count = sum(1 for p in index.policies if p.category == answer.category)
        dispatcher.utter_message(json_message={"news": category_news(answer.category, count, public_url)})
    return [SlotSet("policy_code", None), SlotSet("policy_question", None)]


async def reply_to_policy_follow_up(dispatcher: CollectingDispatcher, tracker: Tracker,
                                    text: str) -> Optional[list[dict[str, Any]]]:
    """Right after a policy's answer, a follow-up the NLU took for something else ("二套呢" for a contact
    question): answered from that policy when the library stays on it (events), else None."""
    context = tracker.get_slot("policy_code")
    if not context or not only_follows(text):
        return None
    answer = await policy_answer(tracker, text)
    if answer.policy is None or answer.policy.code != context:
        return None
    return await send_policy(dispatcher, answer, text)


async def reply_from_policies(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> Optional[list[dict[str, Any]]]:
    """Reply with the policy library's answer if it has one (events), else say nothing (None)."""
    answer = await policy_answer(tracker, text)
    return await send_policy(dispatcher, answer, text) if answer.found else None
