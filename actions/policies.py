"""Policy questions, enterprise registration, recommendations and push subscriptions: read, call bot.policies, reply."""
from __future__ import annotations

import re
from typing import Any, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.answers import policy_answer, policy_categories, reply_from_directory, send_follow_up, send_policy
from actions.common import entity, in_session, in_thread, user_text
from actions.directory import ActionFindContact, continues_contact
from bot import runtime
from bot.errors import InvalidInput
from bot.feedback.answers import declines_phone, is_correction, phone_answer, says_yes
from bot.nlp.text import find_district
from bot.policies import enterprises as ent
from bot.policies.recommend import Recommendation, recommend
from bot.policies.eligibility import reason_text
from bot.policies.subscriptions import subscribe, unsubscribe
from bot.replies import render
from bot.routing import asks_about_policy, asks_aside, asks_for_contact, names_policy
from bot.workdays import china_today

MAX_TEXT = 300
LEAVE = {"stop", "goodbye", "help", "bot_challenge"}  # rules end the form or answer and go on
ENTERPRISE_SLOTS = ["company_name", "credit_code", "enterprise_industry", "enterprise_size", "enterprise_district",
                    "enterprise_founded", "enterprise_tags", "enterprise_contact", "enterprise_confirmed"]
UNKNOWN_YEAR = 0  # "不清楚" when asked the founding year
NO_CONTACT = "-"
_EDIT = re.compile(r"修改|更改|变更|更新|改一下|改成|改为|编辑")


def _intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


class ActionAnswerPolicy(Action):
    """Answer a policy question from the right policy's FAQ, keeping the policy as context for follow-ups.
    A question that asks who handles something or where goes to the directory when no policy fits, when
    it names no policy matter ("燃气开户去哪办" is not about a policy, whatever the FAQ's wording shares
    with it), or when the directory knows the matter it names ("生育津贴在哪申请")."""

    def name(self) -> str:
        return "action_answer_policy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = user_text(tracker)[:MAX_TEXT]
        if not text:
            dispatcher.utter_message(text=render("policy_ask"))
            return []
        if await continues_contact(tracker, text):
            return await ActionFindContact().run(dispatcher, tracker, domain)
        if not tracker.get_slot("policy_code"):  # the last answer was a unit: "要带啥材料" is about it
            follow = await in_thread(lambda: send_follow_up(dispatcher, tracker, text))
            if follow is not None:
                return follow
        answer = await policy_answer(tracker, text)
        if entity(tracker, "service_item") and not (answer.named or answer.sure):  # "法律援助咋申请": a matter
            events = await reply_from_directory(dispatcher, tracker, text, sure_only=True)  # the directory knows
            if events is not None:
                return events + [SlotSet("policy_code", None), SlotSet("policy_question", None)]
        if asks_for_contact(text) and not (answer.found and names_policy(text)):  # "在哪申请": the directory
            events = await reply_from_directory(dispatcher, tracker, text, sure_only=answer.found and asks_about_policy(text))
            if events is not None:
                return events + [SlotSet("policy_code", None), SlotSet("policy_question", None)]
        return await send_policy(dispatcher, answer, text)


# ---- enterprise registration -------------------------------------------------------------------------

def _profile_from_slots(tracker: Tracker) -> ent.Profile:
    founded = tracker.get_slot("enterprise_founded")
    contact = tracker.get_slot("enterprise_contact") or NO_CONTACT
    return ent.Profile(
        name=tracker.get_slot("company_name") or "", credit_code=tracker.get_slot("credit_code") or "",
        industry=tracker.get_slot("enterprise_industry") or "", size=tracker.get_slot("enterprise_size") or "",
        district=tracker.get_slot("enterprise_district") or "",
        founded_year=int(founded) if founded not in (None, UNKNOWN_YEAR) else None,
        tags=list(tracker.get_slot("enterprise_tags") or []),
        contact_phone="" if contact == NO_CONTACT else contact)


def _company_name(text: str, tracker: Tracker) -> Optional[str]:
    named = entity(tracker, "company_name")
    if named and len(named) >= 4:
        return named
    return ent.company_name_in(text)


def _profile_answers(text: str, tracker: Tracker) -> dict[str, Any]:
    """Every registration answer this message gives, whichever question was asked."""
    today = china_today()
    found: dict[str, Any] = {}
    name = _company_name(text, tracker)
    if name:
        found["company_name"] = name
    code = ent.credit_code_in(text)
    if code and ent.valid_credit_code(code):
        found["credit_code"] = code
    industry = ent.industry_of(entity(tracker, "industry") or "") or ent.industry_of(text)
    if industry:
        found["enterprise_industry"] = industry
    size = ent.size_of(text)
    if size:
        found["enterprise_size"] = size
    district = find_district(text)
    if district:
        found["enterprise_district"] = district
    year = ent.founded_year_of(text, today)
    if year:
        found["enterprise_founded"] = year
    tags = ent.tags_of(text)
    if tags:
        found["enterprise_tags"] = tags
    phone, _ = phone_answer(text)
    if phone:
        found["enterprise_contact"] = phone
    return found


class ValidateEnterpriseForm(FormValidationAction):
    """Takes every answer a message gives; re-asks clearly when the asked one is missing or wrong."""

    def name(self) -> str:
        return "validate_enterprise_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        requested = tracker.get_slot("requested_slot")
        intent = _intent(tracker)
        text = user_text(tracker)[:MAX_TEXT]
        slots = _profile_answers(text, tracker)
        if intent in LEAVE or asks_aside(intent or "", text, False) and not slots and not says_yes(text):
            return []  # a rule answers ("取消", "我的投诉怎么样了"); the form asks its question again afterwards
        if requested == "company_name" and "company_name" not in slots:
            if ent.looks_like_code(text):  # a credit code given for the name: say why it is not taken
                dispatcher.utter_message(text=render("company_name_is_code" if "credit_code" in slots else "company_name_not_code"))
            slots["company_name"] = ent.company_name_in(text, whole=True)
        elif requested == "credit_code" and "credit_code" not in slots:
            dispatcher.utter_message(text=render("credit_code_invalid" if ent.credit_code_in(text) else "credit_code_format"))
        elif requested == "enterprise_founded" and "enterprise_founded" not in slots and re.search("不清楚|不知道|忘了|跳过", text):
            slots["enterprise_founded"] = UNKNOWN_YEAR
        elif requested == "enterprise_tags" and "enterprise_tags" not in slots and ent.NO_TAGS.match(text):
            slots["enterprise_tags"] = []
        elif requested == "enterprise_contact" and "enterprise_contact" not in slots:
            if declines_phone(text):
                slots["enterprise_contact"] = NO_CONTACT
            elif phone_answer(text)[1]:
                dispatcher.utter_message(text=render("phone_invalid"))
        elif requested == "enterprise_confirmed":
            if slots:
                dispatcher.utter_message(text=render("enterprise_changed"))
            elif says_yes(text) or _intent(tracker) == "affirm":
                slots["enterprise_confirmed"] = await self._submit(dispatcher, tracker)
            elif is_correction(text) or _intent(tracker) == "deny":
                dispatcher.utter_message(text=render("enterprise_what_to_change"))
        if requested in ENTERPRISE_SLOTS and requested not in slots:
            if requested not in ("credit_code", "enterprise_contact", "enterprise_confirmed"):
                dispatcher.utter_message(text=render(f"{requested}_unclear"))
            slots[requested] = None  # answered, not filled: the form asks again instead of rejecting the turn
        return [SlotSet(k, v) for k, v in slots.items()]

    async def _submit(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[bool]:
        profile = _profile_from_slots(tracker)

        def work(session: Session) -> str:
            return ent.register(session, tracker.sender_id, profile, china_today()).name

        try:
            name = await in_session(work)
        except InvalidInput as exc:
            dispatcher.utter_message(text=render("enterprise_invalid", problems="；".join(exc.problems)))
            return None
        dispatcher.utter_message(text=render("enterprise_registered", name=name))
        return True


class ActionAskEnterpriseConfirmed(Action):
    """Show what will be registered and ask for confirmation."""

    def name(self) -> str:
        return "action_ask_enterprise_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        p = _profile_from_slots(tracker)
        dispatcher.utter_message(text=render(
            "enterprise_summary", name=p.name, code=p.credit_code, industry=p.industry, size=p.size,
            district=p.district, founded=f"{p.founded_year}年" if p.founded_year else "未填写",
            tags="、".join(p.tags) or "无", contact=p.contact_phone or "未留"))
        return []


class ActionStartEnterprise(Action):
    """Start registration clean, or, when the user asks to change a bound enterprise, from its profile."""

    def name(self) -> str:
        return "action_start_enterprise"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        events = [SlotSet(s, None) for s in ENTERPRISE_SLOTS]
        text = user_text(tracker)
        if not _EDIT.search(text):
            return events

        def work(session: Session) -> Optional[ent.Profile]:
            bound = ent.bound_enterprises(session, tracker.sender_id)
            named = next((e for e in bound if e.name in text or e.credit_code in text.upper()), None)
            chosen = named or (bound[0] if bound else None)
            return ent.profile_of(chosen) if chosen else None

        profile = await in_session(work)
        if profile is None:
            return events
        dispatcher.utter_message(text=render("enterprise_editing", name=profile.name))
        values = {"company_name": profile.name, "credit_code": profile.credit_code,
                  "enterprise_industry": profile.industry, "enterprise_size": profile.size,
                  "enterprise_district": profile.district,
                  "enterprise_founded": profile.founded_year or UNKNOWN_YEAR, "enterprise_tags": profile.tags,
                  "enterprise_contact": profile.contact_phone or NO_CONTACT}
        values.update({k: v for k, v in _profile_answers(text, tracker).items() if k != "credit_code"})
        return [SlotSet(k, values.get(k)) for k in ENTERPRISE_SLOTS]


class ActionResetEnterprise(Action):
    def name(self) -> str:
        return "action_reset_enterprise"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        return [SlotSet(s, None) for s in ENTERPRISE_SLOTS]


# ---- recommendations and pushes --------------------------------------------------------------------

class ActionRecommendPolicy(Action):
    """The policies the user's enterprise qualifies for, each with the reason it fits; before registration,
    those fitting what the message says of the enterprise."""

    def name(self) -> str:
        return "action_recommend_policy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = user_text(tracker)
        if await continues_contact(tracker, text):  # "我们在经开区" answers "which district", not "what fits us"
            return await ActionFindContact().run(dispatcher, tracker, domain)
        categories = policy_categories(tracker, text)
        public_url = runtime.settings().public_url
        today = china_today()
        category = categories[0] if len(categories) == 1 else None

        def listed(found: list[Recommendation]) -> str:
            return "\n".join(f"{i}. {r.policy.short_title or r.policy.title}（{reason_text(r.fit)}）\n"
                             f"   {public_url}/policies/{r.policy.code}" for i, r in enumerate(found, 1))

        def work(session: Session) -> Optional[str]:
            bound = ent.bound_enterprises(session, tracker.sender_id)
            if not bound:  # not registered: what the message says of the enterprise, if anything
                profile = ent.described(text, today, entity(tracker, "industry") or "")
                if profile is None:
                    return None
                found = recommend(session, profile, today, limit=5, category=category)
                said = ent.description(profile)
                return render("recommend_described", said=said, lines=listed(found)) if found else render(
                    "recommend_described_none", said=said, url=f"{public_url}/policies")
            enterprise = next((e for e in bound if e.name in text), bound[0])
            found = recommend(session, enterprise, today, limit=5, category=category)
            if not found:
                return render("recommend_none", name=enterprise.name, url=f"{public_url}/policies")
            others = "\n" + render("recommend_others", names="、".join(e.name for e in bound if e is not enterprise)) \
                if len(bound) > 1 else ""
            return render("recommend_list", name=enterprise.name, lines=listed(found)) + others

        reply = await in_session(work)
        dispatcher.utter_message(text=reply or render("register_first"))
        return []


class ActionSubscribePush(Action):
    def name(self) -> str:
        return "action_subscribe_push"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        categories = policy_categories(tracker, user_text(tracker))
        cap = runtime.settings().push_daily_cap
        quiet = runtime.settings().push_quiet_hours

        def work(session: Session) -> Optional[str]:
            if not ent.bound_enterprises(session, tracker.sender_id):
                return None
            sub = subscribe(session, tracker.sender_id, categories)
            which = "、".join(sub.categories) if sub.categories else "全部18类"
            return render("push_subscribed", categories=which, cap=cap, quiet=quiet)

        reply = await in_session(work)
        dispatcher.utter_message(text=reply or render("register_first"))
        return []


class ActionUnsubscribePush(Action):
    def name(self) -> str:
        return "action_unsubscribe_push"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        categories = policy_categories(tracker, user_text(tracker))

        def work(session: Session) -> str:
            sub = unsubscribe(session, tracker.sender_id, categories)
            if sub is None:
                return render("push_not_subscribed")
            if sub.active:
                return render("push_narrowed", removed="、".join(categories), categories="、".join(sub.categories))
            return render("push_unsubscribed")

        dispatcher.utter_message(text=await in_session(work))
        return []
