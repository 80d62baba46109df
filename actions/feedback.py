"""The rating and complaint forms, and complaint progress: read the turn, call bot.feedback, reply."""
from __future__ import annotations

import re
import uuid
from abc import ABC, abstractmethod
from typing import Any, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.common import entity, in_session, user_text
from actions.directory import chosen
from bot import runtime
from bot.errors import InvalidInput, NotFound
from bot.feedback import answers, complaints, handling, ratings
from bot.feedback.render import complaint_summary, rating_summary, ticket_detail, ticket_line
from bot.feedback.stars import bare_stars, parse_dimension_stars
from bot.feedback.targets import Resolution, Target, parse_key, resolve_target, unit_and_cadre, unit_name
from bot.db.directory import DISTRICTS
from bot.replies import render
from bot.routing import OVERLONG
from bot.workdays import china_today

NONE = "-"  # "nothing to add" for an optional answer (comment, phone)
TARGET_SLOTS = ["feedback_target", "feedback_target_label", "target_choices", "target_query"]
RATING_SLOTS = ["attitude_stars", "proficiency_stars", "rating_comment"]
COMPLAINT_SLOTS = ["complaint_description", "complaint_time", "complaint_anonymous", "complaint_phone",
                   "complaint_evidence"]
MAX_EVIDENCE = 9
ALL_SLOTS = TARGET_SLOTS + RATING_SLOTS + COMPLAINT_SLOTS + ["feedback_confirmed", "submission_key"]
# Intents that leave the form to a rule (cancel, hand off, explain) instead of answering it.
LEAVE = {"stop", "human_handoff", "goodbye", "help", "bot_challenge"}
FREE_TEXT = {"complaint_description", "complaint_time", "rating_comment"}
_BOTH = re.compile("都|全|均|两项|各")
_OPENING_WORDS = re.compile(
    "我要|我想|想|要|投诉|举报|反映|一下|问题|怎么|在哪|哪里|能帮我|吗|的|了|工作人员|窗口|大厅|中心|局|"
    "和平区?|沈河区?|大东区?|皇姑区?|铁西区?|苏家屯区?|浑南区?|沈北新?区?|于洪区?|辽中区?|新民市?|康平县?|法库县?|"
    "[，。！？,.!?\\s]")
DISTRICT_NAMES = re.compile("|".join(DISTRICTS))
_TICKET = re.compile(r"TS\s?\d{12}", re.IGNORECASE)


def _intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


class ValidateFeedbackForm(FormValidationAction, ABC):
    """What both forms share: the target (with choices and corrections), the confirmation."""

    form = ""

    def name(self) -> str:
        return f"validate_{self.form}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        requested = tracker.get_slot("requested_slot")
        intent = _intent(tracker)
        if intent in LEAVE and not (requested in FREE_TEXT and intent not in {"stop", "human_handoff"}):
            return []  # a rule answers; the form asks again afterwards
        if intent == OVERLONG and requested not in FREE_TEXT:  # only free text may be long; a rule answers
            return []
        text = user_text(tracker)
        slots: dict[str, Any] = {}
        if not tracker.get_slot("submission_key"):
            slots["submission_key"] = uuid.uuid4().hex  # one confirmation, one ticket, whatever the retries
        correcting = (requested not in (None, "feedback_target") and answers.is_correction(text)
                      and _corrects_something(tracker, text))
        if requested in (None, "feedback_target") or correcting:
            slots.update(await self._target(dispatcher, tracker, text, requested, correcting))
        slots.update(await self.fill(dispatcher, tracker, text, requested, correcting))
        if requested == "feedback_confirmed" and not correcting:
            slots.update(await self._confirm(dispatcher, tracker, text, intent))
        elif correcting:
            slots.setdefault(requested, tracker.get_slot(requested))  # ask the same question again
        return [SlotSet(k, v) for k, v in slots.items()]

    @abstractmethod
    async def fill(self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                   requested: Optional[str], correcting: bool) -> dict[str, Any]:
        """The form's own slots from this message."""

    @abstractmethod
    async def submit(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        """Store the confirmed rating or complaint (idempotently); False when it could not be stored."""

    async def _target(self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                      requested: Optional[str], correcting: bool) -> dict[str, Any]:
        """Resolve the target from this message; a reply may pick one of the offered choices."""
        choices = tracker.get_slot("target_choices") or []
        query = tracker.get_slot("target_query") or _without_district(tracker.get_slot("feedback_target_label"))
        district = entity(tracker, "district")
        if requested == "feedback_target" and choices:
            labels = [c.split("|", 1)[1] for c in choices]
            picked = chosen(text, labels) or (labels[0] if len(labels) == 1 and answers.says_yes(text) else None)
            if picked:
                key = choices[labels.index(picked)].split("|", 1)[0]
                return self._chosen(key, picked)
        if correcting:
            text = answers.without_denied(text)  # "不是铁西 是于洪区税务局": 于洪区税务局
        if requested == "feedback_target" or correcting:
            if district and query and not entity(tracker, "unit") and not entity(tracker, "person"):
                text = f"{query} {text}"  # "沈河区的" after "市场监管局": the same kind of unit there

        def work(session: Session) -> Resolution:
            return resolve_target(session, runtime.directory_index(), text, person=entity(tracker, "person"),
                                  unit=entity(tracker, "unit"), district=district)

        found = await in_session(work)
        if found.target is not None:
            if correcting:
                dispatcher.utter_message(text=render("target_corrected", label=found.target.label))
            return self._chosen(found.target.key, found.target.label)
        if found.choices:
            dispatcher.utter_message(text=self._choices_text(found.choices))
            return {"feedback_target": None, "target_query": text,
                    "target_choices": [f"{t.key}|{t.label}" for t in found.choices]}
        if requested == "feedback_target":
            key = "target_person_unknown" if found.person else "target_not_found"
            dispatcher.utter_message(text=render(key, person=found.person or "", hotline=runtime.settings().service_hotline))
            return {"feedback_target": None}
        return {}

    @staticmethod
    def _chosen(key: str, label: str) -> dict[str, Any]:
        return {"feedback_target": key, "feedback_target_label": label, "target_choices": None, "target_query": None}

    @staticmethod
    def _choices_text(choices: list[Target]) -> str:
        if len(choices) == 1:
            return render("target_city_or_district", label=choices[0].label)
        lines = "\n".join(f"{i}. {t.label}" for i, t in enumerate(choices, 1))
        return render("target_choices", choices=lines)

    async def _confirm(self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                       intent: Optional[str]) -> dict[str, Any]:
        if intent == "affirm" or answers.says_yes(text):
            return {"feedback_confirmed": True} if await self.submit(dispatcher, tracker) else {"feedback_confirmed": None}
        dispatcher.utter_message(text=render("what_to_change"))
        return {"feedback_confirmed": None}


class ValidateRatingForm(ValidateFeedbackForm):
    form = "rating_form"

    async def fill(self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                   requested: Optional[str], correcting: bool) -> dict[str, Any]:
        slots: dict[str, Any] = {}
        stars_asked = requested in ("attitude_stars", "proficiency_stars")
        if requested is None or stars_asked or correcting:
            found = parse_dimension_stars(text)
            bare = bare_stars(text) if stars_asked else None
            if bare is not None:  # "5" when stars were asked: the stars asked for
                found = {requested.removesuffix("_stars"): bare}
            elif stars_asked and found and not _BOTH.search(text) and not any(w in text for w in ("态度", "熟练", "业务", "效率", "能力", "专业")):
                found = {("attitude" if requested == "attitude_stars" else "proficiency"): found["attitude"]}
            for dimension, stars in found.items():
                slots[f"{dimension}_stars"] = float(stars) if stars is not None else None
            if stars_asked and (not found or None in found.values()):
                dispatcher.utter_message(text=render("stars_invalid"))
                slots.setdefault(requested, None)
        if requested == "rating_comment":
            nothing = answers.declines(text) or answers.is_affirmation(text) or _intent(tracker) == "deny"
            slots["rating_comment"] = NONE if nothing else text[:ratings.MAX_COMMENT]  # "确认" is no comment
        return slots

    async def submit(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        unit_id, cadre_id = parse_key(tracker.get_slot("feedback_target"))
        comment = tracker.get_slot("rating_comment")

        def work(session: Session) -> ratings.Averages:
            ratings.submit_rating(session, tracker.sender_id, int(tracker.get_slot("attitude_stars")),
                                  int(tracker.get_slot("proficiency_stars")), unit_id=unit_id, cadre_id=cadre_id,
                                  comment="" if comment == NONE else comment or "")
            session.flush()
            return ratings.averages(session, unit_id=unit_id, cadre_id=cadre_id)

        try:
            avg = await in_session(work)
        except (NotFound, InvalidInput):
            dispatcher.utter_message(text=render("target_not_found", person="", hotline=runtime.settings().service_hotline))
            return False
        dispatcher.utter_message(text=render("rating_thanks", label=tracker.get_slot("feedback_target_label"),
                                             count=avg.count, attitude=f"{avg.attitude:.1f}", proficiency=f"{avg.proficiency:.1f}"))
        return True


class ValidateComplaintForm(ValidateFeedbackForm):
    form = "complaint_form"

    async def fill(self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                   requested: Optional[str], correcting: bool) -> dict[str, Any]:
        slots: dict[str, Any] = {}
        intent = _intent(tracker)
        metadata = tracker.latest_message.get("metadata") or {}
        media = metadata.get("voice_media_id") or metadata.get("media_id")
        if media:  # a voice message or a picture is kept with the complaint as material
            slots["complaint_evidence"] = [*(tracker.get_slot("complaint_evidence") or []), str(media)][-MAX_EVIDENCE:]
            if not text:
                dispatcher.utter_message(text=render("evidence_received"))
                return {**slots, **({requested: None} if requested else {})}
        if correcting:
            pass  # the message corrects the target or the phone; it does not answer the question asked
        elif requested == "complaint_description" or (requested is None and _substantive(text)):
            if text and not answers.is_affirmation(text):
                slots["complaint_description"] = _told(tracker.get_slot("complaint_description"), text)
                if intent == OVERLONG:  # the channel kept the first part of a long description
                    dispatcher.utter_message(text=render("description_cut", kept=len(text)))
                said = answers.time_answer(text, china_today())
                if said and not tracker.get_slot("complaint_time"):
                    slots["complaint_time"] = said
            else:  # "对" is not what happened
                dispatcher.utter_message(text=render("describe_please"))
                slots["complaint_description"] = None
        elif requested == "complaint_time":
            names = any(entity(tracker, e) for e in ("unit", "person"))  # "于洪区税务局" is no time
            slots["complaint_time"] = self._time(dispatcher, text, names)
        elif requested == "complaint_anonymous":
            choice = answers.anonymity(text)
            if choice is None and intent in ("affirm", "deny"):
                choice = intent == "affirm"
            if choice is None:
                dispatcher.utter_message(text=render("anonymous_please"))
            slots["complaint_anonymous"] = choice
        if requested is None:  # a complaint said all at once: take the phone number too
            if answers.phone_answer(text)[0]:
                slots["complaint_phone"] = answers.phone_answer(text)[0]
        elif requested == "complaint_phone" or correcting:
            phone, has_digits = answers.phone_answer(text)
            if phone:
                slots["complaint_phone"] = phone
            elif has_digits:
                dispatcher.utter_message(text=render("phone_invalid"))
                slots["complaint_phone"] = None
            elif requested == "complaint_phone":
                if answers.declines_phone(text) or intent == "deny":
                    slots["complaint_phone"] = NONE
                else:
                    dispatcher.utter_message(text=render("phone_please"))
                    slots["complaint_phone"] = None
        if requested in ("complaint_time", "complaint_anonymous", "complaint_phone") and not correcting:
            more = answers.without_answers(text)  # "昨天下午 社保窗口 让我来回跑了三趟": the time, and more of what happened
            if _substantive(more) and tracker.get_slot("complaint_description"):
                slots["complaint_description"] = _told(tracker.get_slot("complaint_description"), more)
        said_anonymity = answers.anonymity(text) if (correcting or "匿名" in text) else None
        if requested != "complaint_anonymous" and said_anonymity is not None:
            slots["complaint_anonymous"] = said_anonymity
        return slots

    @staticmethod
    def _time(dispatcher: CollectingDispatcher, text: str, names_someone: bool = False) -> Optional[str]:
        """When it happened: a time expression with its day, "记不清", or the user's words; an affirmation,
        a unit's or a person's name, or a message that says no time is asked again."""
        said = answers.time_answer(text, china_today())
        if said is None and (not text or names_someone or answers.is_affirmation(text)
                             or _substantive(answers.without_answers(text))):
            dispatcher.utter_message(text=render("time_please"))
            return None
        return (said or text)[:answers.MAX_WHEN]

    async def submit(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        phone = tracker.get_slot("complaint_phone")

        def work(session: Session) -> tuple[str, Any, bool]:
            unit_id, cadre_id = unit_and_cadre(session, tracker.get_slot("feedback_target"))
            submission = complaints.Submission(
                user_id=tracker.sender_id, unit_id=unit_id or 0, cadre_id=cadre_id,
                description=tracker.get_slot("complaint_description") or "",
                happened=tracker.get_slot("complaint_time") or "",
                anonymous=bool(tracker.get_slot("complaint_anonymous")),
                contact_phone="" if phone in (None, NONE) else phone,
                evidence=tuple(tracker.get_slot("complaint_evidence") or ()))
            ticket, created = complaints.submit_complaint(session, tracker.get_slot("submission_key"), submission)
            return ticket.ticket_id, ticket.deadline, created

        try:
            ticket_id, deadline, _created = await in_session(work)
        except (NotFound, InvalidInput) as exc:
            problems = "；".join(getattr(exc, "problems", []) or [str(exc)])
            dispatcher.utter_message(text=render("complaint_invalid", problems=problems))
            return False
        dispatcher.utter_message(text=render("complaint_submitted", ticket=ticket_id,
                                             deadline=f"{deadline.month}月{deadline.day}日",
                                             days=complaints.HANDLING_DAYS))
        return True


def _without_district(label: Optional[str]) -> str:
    """"铁西区社会保险事业服务中心" → "社会保险事业服务中心", to look for its namesake elsewhere."""
    return DISTRICT_NAMES.sub("", (label or "").replace("沈阳市", ""))


def _corrects_something(tracker: Tracker, text: str) -> bool:
    """A correction names a new target, stars, phone or anonymity choice ("不对，是沈河区的")."""
    return (any(entity(tracker, e) for e in ("district", "unit", "person"))
            or answers.phone_answer(text)[1] or answers.anonymity(text) is not None
            or bool(parse_dimension_stars(text)))


def _told(before: Optional[str], text: str) -> str:
    """The description with this message's words added (nothing the user says about it is dropped)."""
    if not before or text in before:
        return text if not before else before
    return f"{before}；{text}"


def _substantive(text: str) -> bool:
    """True when the message that opens a complaint already says what happened, not only whom."""
    rest = _OPENING_WORDS.sub("", text or "")
    return len(rest) >= 6


class ActionAskFeedbackTarget(Action):
    """Ask whom the rating or complaint is about."""

    def name(self) -> str:
        return "action_ask_feedback_target"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        if not tracker.get_slot("target_choices"):  # else the choices were just listed
            complaint = (tracker.active_loop or {}).get("name") == "complaint_form"
            dispatcher.utter_message(text=render("ask_complaint_target" if complaint else "ask_rating_target"))
        return []


class ActionAskFeedbackConfirmed(Action):
    """Show the summary and ask to confirm."""

    def name(self) -> str:
        return "action_ask_feedback_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        slot = tracker.get_slot
        if (tracker.active_loop or {}).get("name") == "complaint_form":
            phone = slot("complaint_phone")
            summary = complaint_summary(slot("feedback_target_label"), slot("complaint_description") or "",
                                        slot("complaint_time") or "", bool(slot("complaint_anonymous")),
                                        "" if phone in (None, NONE) else phone, len(slot("complaint_evidence") or []))
        else:
            comment = slot("rating_comment")
            summary = rating_summary(slot("feedback_target_label"), int(slot("attitude_stars") or 0),
                                     int(slot("proficiency_stars") or 0), "" if comment in (None, NONE) else comment)
        dispatcher.utter_message(text=summary)
        return []


class ActionResetFeedback(Action):
    """Forget a finished or abandoned rating or complaint."""

    def name(self) -> str:
        return "action_reset_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        return [SlotSet(name, None) for name in ALL_SLOTS if tracker.get_slot(name) is not None]


class ActionCheckComplaint(Action):
    """The user's own tickets, or one of them by id; never anyone else's."""

    def name(self) -> str:
        return "action_check_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        said = entity(tracker, "ticket_id") or next(iter(_TICKET.findall(user_text(tracker))), None)
        ticket_id = re.sub(r"\s", "", said).upper() if said else None

        def work(session: Session) -> str:
            if ticket_id:
                try:
                    ticket = complaints.user_ticket(session, tracker.sender_id, ticket_id)
                except NotFound:
                    return render("ticket_not_found", ticket=ticket_id)
                return ticket_detail(ticket, unit_name(session, ticket.unit_id), complaints.history(session, ticket))
            tickets = complaints.user_tickets(session, tracker.sender_id, limit=5)
            if not tickets:
                return render("no_tickets")
            lines = "\n".join(ticket_line(t, unit_name(session, t.unit_id)) for t in tickets)
            return render("my_tickets", lines=lines)

        dispatcher.utter_message(text=await in_session(work))
        return []


_DISSATISFIED = re.compile("不满意|不太满意|不满|没解决|没有解决|未解决|不认可|不行|重新办|敷衍")


class ActionHandlingVerdict(Action):
    """满意 / 不满意 after a ticket was closed: recorded; 不满意 reopens it."""

    def name(self) -> str:
        return "action_handling_verdict"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        satisfied = not _DISSATISFIED.search(user_text(tracker))

        def work(session: Session) -> str:
            ticket = handling.awaiting_verdict(session, tracker.sender_id)
            if ticket is None:
                return render("verdict_none")
            ticket = handling.record_verdict(session, ticket, satisfied)
            if satisfied:
                return render("verdict_thanks", ticket=ticket.ticket_id)
            return render("verdict_reopened", ticket=ticket.ticket_id,
                          deadline=f"{ticket.deadline.month}月{ticket.deadline.day}日")

        dispatcher.utter_message(text=await in_session(work))
        return []
