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
from actions.answers import contact_unit_id
from actions.directory import chosen
from bot import runtime
from bot.errors import InvalidInput, NotFound
from bot.feedback import answers, complaints, handling, ratings, reading
from bot.feedback.render import complaint_summary, rating_summary, ticket_detail, ticket_line
from bot.feedback.stars import bare_stars, names_dimension, parse_dimension_stars, without_stars
from bot.feedback.targets import Resolution, parse_key, resolve_target, unit_and_cadre, unit_name, unit_target
from bot.db.directory import DISTRICTS
from bot.nlp.text import find_district
from bot.replies import render
from bot.routing import OVERLONG, asks_aside
from bot.workdays import china_today

NONE = "-"  # "no phone", said at the summary
TARGET_SLOTS = ["feedback_target", "feedback_target_label", "target_choices", "target_query"]
RATING_SLOTS = ["attitude_stars", "proficiency_stars", "rating_comment"]
COMPLAINT_SLOTS = ["complaint_opening", "complaint_description", "complaint_time", "complaint_anonymous",
                   "complaint_phone", "complaint_evidence"]
MAX_EVIDENCE = 9
ALL_SLOTS = TARGET_SLOTS + RATING_SLOTS + COMPLAINT_SLOTS + ["feedback_confirmed", "submission_key"]
# Details the summary shows and a message changes at any step; a change shows the summary again.
DETAILS = ("feedback_target", "attitude_stars", "proficiency_stars", "rating_comment", "complaint_description",
           "complaint_time", "complaint_anonymous", "complaint_phone", "complaint_evidence")
# Intents a rule answers inside a form (data/rules): stop and goodbye end it, the others are answered and
# the form asks its pending question again. Where the form asks what happened, only stop leaves it.
LEAVE = {"stop", "goodbye", "help", "bot_challenge"}
FREE_TEXT = {"complaint_description"}
_BOTH = re.compile("都|全|均|两项|各")
DISTRICT_NAMES = re.compile("|".join(DISTRICTS))
_TICKET = re.compile(r"TS\s?\d{12}", re.IGNORECASE)


def _intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _names(tracker: Tracker) -> list[str]:
    """The directory's names the message says (to read what it says besides them)."""
    said = [str(e.get("value") or "") for e in tracker.latest_message.get("entities") or []
            if e.get("entity") in ("unit", "person", "district", "service_item")]
    return [n for n in said if n] + [tracker.get_slot("feedback_target_label") or ""]


class ValidateFeedbackForm(FormValidationAction, ABC):
    """What both forms share: the target (with choices and corrections), requests set aside, the
    summary that any detail can change, the confirmation."""

    form = ""
    what = ""  # "投诉" or "评价", in replies
    noted = ""  # the reply that says what a message told besides whom is kept
    long_text: frozenset[str] = frozenset()  # the questions a message cut for its length still answers

    def name(self) -> str:
        return f"validate_{self.form}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        requested = tracker.get_slot("requested_slot")
        intent = _intent(tracker)
        text = user_text(tracker)
        if self._sets_aside(tracker, requested, text, intent):
            return []  # a rule answers; the form asks its pending question again afterwards
        slots: dict[str, Any] = {}
        if not tracker.get_slot("submission_key"):
            slots["submission_key"] = uuid.uuid4().hex  # one confirmation, one ticket, whatever the retries
        correcting = (requested not in (None, "feedback_target") and answers.is_correction(text)
                      and _corrects_something(tracker, text))
        describes = self.describes(tracker, text, requested)
        if requested in (None, "feedback_target") or correcting:
            slots.update(await self._target(dispatcher, tracker, text, requested, correcting, describes))
        slots.update(await self.fill(dispatcher, tracker, text, requested, correcting, describes))
        if requested == "feedback_confirmed":
            if any(k in slots for k in DETAILS) or correcting:
                slots["feedback_confirmed"] = None  # changed: the summary again
            else:
                slots.update(await self._confirm(dispatcher, tracker, text, intent))
        elif correcting:
            slots.setdefault(requested, tracker.get_slot(requested))  # ask the same question again
        return [SlotSet(k, v) for k, v in slots.items()]

    def _sets_aside(self, tracker: Tracker, requested: Optional[str], text: str, intent: Optional[str]) -> bool:
        """Whether a rule answers this message instead of the form: leaving, help, or another request
        ("我刚才那个投诉现在啥进度", "沈阳明天下雨不") that gives the form nothing."""
        if intent == OVERLONG:  # the channel cut the message: taken where a long story is welcome, else a rule answers
            return requested not in self.long_text
        if requested is None:
            return False  # the message that opened the form
        if intent == "goodbye" and not reading.says_farewell(text):
            return False  # "就这些", "就这样": the form's answer, not a farewell
        if intent == "stop" or intent in LEAVE and requested not in FREE_TEXT:
            return True
        return asks_aside(intent or "", text, requested in FREE_TEXT) and not self.answers_something(tracker, text, requested)

    @staticmethod
    def answers_something(tracker: Tracker, text: str, requested: Optional[str]) -> bool:
        """The message gives the form something: a name where whom is asked, stars, a phone, a yes."""
        names = requested == "feedback_target" and any(entity(tracker, e) for e in ("unit", "person", "district"))
        return (names or reading.gives_detail(text) or answers.is_affirmation(text) or answers.is_correction(text))

    @abstractmethod
    def describes(self, tracker: Tracker, text: str, requested: Optional[str]) -> bool:
        """True when the message tells what happened (or what the user thinks), not only whom."""

    @abstractmethod
    async def fill(self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                   requested: Optional[str], correcting: bool, describes: bool) -> dict[str, Any]:
        """The form's own slots from this message, whatever was asked."""

    @abstractmethod
    async def submit(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        """Store the confirmed rating or complaint (idempotently); False when it could not be stored."""

    async def _target(self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                      requested: Optional[str], correcting: bool, describes: bool) -> dict[str, Any]:
        """Resolve the target from this message; a reply may pick one of the offered choices. A message
        that tells what happened instead is kept (by ``fill``) and the question is asked again."""
        choices = tracker.get_slot("target_choices") or []
        query = tracker.get_slot("target_query") or _without_district(tracker.get_slot("feedback_target_label"))
        district = entity(tracker, "district") or find_district(text)
        labels = [c.split("|", 1)[1] for c in choices]
        if requested == "feedback_target" and choices:
            picked = chosen(text, labels) or (labels[0] if len(labels) == 1 and answers.says_yes(text) else None)
            if picked:
                key = choices[labels.index(picked)].split("|", 1)[0]
                return self._chosen(key, picked)
        names = any(entity(tracker, e) for e in ("unit", "person", "district"))
        if requested == "feedback_target" and not names and (describes or reading.gives_detail(text)):
            return self._ask_again(dispatcher, tracker, labels)  # "态度一星", "8月3号上午", a story: kept; whom is asked again
        if requested == "feedback_target" and answers.is_affirmation(text):  # "确认" before whom is known
            return self._ask_again(dispatcher, tracker, labels, noted=False)
        if correcting:
            text = answers.without_denied(text)  # "不是铁西 是于洪区税务局": 于洪区税务局
        if requested == "feedback_target" or correcting:
            if district and query and not entity(tracker, "unit") and not entity(tracker, "person"):
                text = f"{query} {text}"  # "沈河区的" after "市场监管局": the same kind of unit there

        recent = _unit_just_given(tracker) if requested is None else None

        def work(session: Session) -> Resolution:
            index = runtime.directory_index()
            found = resolve_target(session, index, text, person=entity(tracker, "person"),
                                   unit=entity(tracker, "unit"), district=district)
            if found.found or recent is None or not index.has_unit(recent):
                return found
            return Resolution(choices=[unit_target(index.unit(recent))])  # "就是投诉" after the unit's card

        found = await in_session(work)
        if found.target is not None:
            if correcting:
                dispatcher.utter_message(text=render("target_corrected", label=found.target.label))
            elif found.person:  # "皇姑区政务服务中心的刘敏", who is not listed there: the unit
                dispatcher.utter_message(text=render("target_person_not_listed", person=found.person, label=found.target.label))
            return self._chosen(found.target.key, found.target.label)
        if found.choices and len(found.choices) == 1 and found.choices[0].unit_id == recent:
            dispatcher.utter_message(text=render("target_just_given", label=found.choices[0].label, what=self.what))
        elif found.choices:
            dispatcher.utter_message(text=self._choices_text([t.label for t in found.choices]))
        if found.choices:
            # What a district said next narrows: the unit's name, not the story told with it.
            named = entity(tracker, "unit") or (_without_district(found.choices[0].label) if len(found.choices) == 1 else text)
            named = None if found.choices[0].unit_id == recent else named
            return {"feedback_target": None, "target_query": named,
                    "target_choices": [f"{t.key}|{t.label}" for t in found.choices]}
        if requested == "feedback_target" and (describes or reading.gives_detail(text)):
            return self._ask_again(dispatcher, tracker, labels)  # "他们窗口让我跑了三趟": kept; whom is asked again
        if requested == "feedback_target":
            key = "target_person_unknown" if found.person else "target_not_found"
            dispatcher.utter_message(text=render(key, person=found.person or "", hotline=runtime.settings().service_hotline))
            return {"feedback_target": None}
        return {}

    def _ask_again(self, dispatcher: CollectingDispatcher, tracker: Tracker, labels: list[str],
                   noted: bool = True) -> dict[str, Any]:
        """Say that what the message told is kept, and offer the choices again if there were any."""
        if noted:
            dispatcher.utter_message(text=render(self.noted))
        if len(labels) == 1 and not tracker.get_slot("target_query"):  # the unit just given
            dispatcher.utter_message(text=render("target_just_given", label=labels[0], what=self.what))
        elif labels:
            dispatcher.utter_message(text=self._choices_text(labels))
        return {"feedback_target": None}

    @staticmethod
    def _chosen(key: str, label: str) -> dict[str, Any]:
        return {"feedback_target": key, "feedback_target_label": label, "target_choices": None, "target_query": None}

    @staticmethod
    def _choices_text(labels: list[str]) -> str:
        if len(labels) == 1:
            return render("target_city_or_district", label=labels[0])
        lines = "\n".join(f"{i}. {label}" for i, label in enumerate(labels, 1))
        return render("target_choices", choices=lines)

    async def _confirm(self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                       intent: Optional[str]) -> dict[str, Any]:
        if reading.confirms(text, intent):
            return {"feedback_confirmed": True} if await self.submit(dispatcher, tracker) else {"feedback_confirmed": None}
        if not dispatcher.messages:  # else the message was answered (a phone number's format)
            dispatcher.utter_message(text=render("what_to_change"))
        return {"feedback_confirmed": None}


class ValidateRatingForm(ValidateFeedbackForm):
    form = "rating_form"
    what, noted = "评价", "remark_noted"

    def describes(self, tracker: Tracker, text: str, requested: Optional[str]) -> bool:
        """A remark about the service ("小姑娘挺热情 一会就办完了"), besides stars and names."""
        if answers.is_affirmation(text) or answers.declines(text) or answers.is_correction(text) \
                or requested == "feedback_confirmed" and reading.confirms(text, _intent(tracker)):
            return False
        return len(reading.remark_left(text, _names(tracker))) >= reading.MIN_REMARK

    async def fill(self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                   requested: Optional[str], correcting: bool, describes: bool) -> dict[str, Any]:
        slots: dict[str, Any] = {}
        stars_asked = requested in ("attitude_stars", "proficiency_stars")
        found = parse_dimension_stars(text)
        bare = bare_stars(text) if stars_asked else None
        if bare is not None:  # "5" when stars were asked: the stars asked for
            found = {requested.removesuffix("_stars"): bare}
        elif stars_asked and found and not _BOTH.search(text) and not names_dimension(text):
            found = {("attitude" if requested == "attitude_stars" else "proficiency"): found["attitude"]}
        for dimension, stars in found.items():
            slots[f"{dimension}_stars"] = float(stars) if stars is not None else None
        if describes:  # what the user thinks of the service, said at any step, is the comment
            remark = without_stars(text)[:ratings.MAX_COMMENT]
            slots["rating_comment"] = reading.told(tracker.get_slot("rating_comment"), remark)[:ratings.MAX_COMMENT]
        if stars_asked and (not found or None in found.values()):
            if describes and not found:
                dispatcher.utter_message(text=render("remark_noted"))
            else:
                dispatcher.utter_message(text=render("stars_invalid"))
            slots.setdefault(requested, None)
        return slots

    async def submit(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        unit_id, cadre_id = parse_key(tracker.get_slot("feedback_target"))
        comment = tracker.get_slot("rating_comment") or ""

        def work(session: Session) -> ratings.Averages:
            ratings.submit_rating(session, tracker.sender_id, int(tracker.get_slot("attitude_stars")),
                                  int(tracker.get_slot("proficiency_stars")), unit_id=unit_id, cadre_id=cadre_id,
                                  comment=comment)
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
    what, noted = "投诉", "description_noted"
    long_text = frozenset({"complaint_description", "feedback_confirmed"})

    def describes(self, tracker: Tracker, text: str, requested: Optional[str]) -> bool:
        """What happened, besides whom, when, anonymity and a phone ("办个体户执照的时候说话特别冲");
        where the form asks for it, a few words do ("态度太差了")."""
        if not text or answers.is_affirmation(text) or answers.declines(text):
            return False
        if requested == "feedback_confirmed" and reading.confirms(text, _intent(tracker)):
            return False
        left = reading.story_left(text, _names(tracker))
        if requested == "complaint_description":
            return len(left) >= reading.MIN_ANSWER
        # At the summary, a message that changes a detail or corrects tells more only with more words besides.
        more = requested == "feedback_confirmed" and (reading.gives_detail(text) or answers.is_correction(text))
        return len(left) >= reading.MIN_STORY * (2 if more else 1)

    async def fill(self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                   requested: Optional[str], correcting: bool, describes: bool) -> dict[str, Any]:
        slots: dict[str, Any] = {}
        metadata = tracker.latest_message.get("metadata") or {}
        media = metadata.get("voice_media_id") or metadata.get("media_id")
        if media:  # a voice message or a picture is kept with the complaint as material
            slots["complaint_evidence"] = [*(tracker.get_slot("complaint_evidence") or []), str(media)][-MAX_EVIDENCE:]
            if not text:
                dispatcher.utter_message(text=render("evidence_received"))
                return {**slots, **({requested: None} if requested == "complaint_description" else {})}
        told = tracker.get_slot("complaint_description") or tracker.get_slot("complaint_opening")
        if requested == "complaint_description" and not correcting and not describes:
            dispatcher.utter_message(text=render("describe_please"))  # "对" is not what happened
            slots["complaint_description"] = None
        elif describes:  # every message about what happened is kept, whatever was asked
            slots["complaint_description"] = reading.told(told, text)
            if _intent(tracker) == OVERLONG:  # the channel cut a long description; it kept the first part
                dispatcher.utter_message(text=render("description_cut", kept=len(text)))
        elif requested in (None, "feedback_target") and len(reading.story_left(text, _names(tracker))) >= reading.MIN_ANSWER:
            slots["complaint_opening"] = reading.told(told, text)  # "…窗口态度差": kept; what happened is still asked
        slots.update(self._details(dispatcher, tracker, text, requested, describes))
        return slots

    @staticmethod
    def _details(dispatcher: CollectingDispatcher, tracker: Tracker, text: str, requested: Optional[str],
                 describes: bool) -> dict[str, Any]:
        """When, anonymity and a phone, taken from any message; the summary shows and changes them."""
        slots: dict[str, Any] = {}
        at_summary = requested == "feedback_confirmed"
        about_time = "时间" in text or not describes  # "时间是上周三", "上周三": a change; a story's 昨天 sets it once
        said = answers.time_answer(text, china_today()) if (at_summary and about_time) else None
        if said is None and answers.when(text):
            said = answers.time_answer(text, china_today())
        if said and (not tracker.get_slot("complaint_time") or at_summary and about_time):
            slots["complaint_time"] = said[:answers.MAX_WHEN]
        choice = answers.says_anonymity(text)
        if choice is None and at_summary and not describes:  # "公开就行" answers the summary's line
            choice = answers.anonymity(text)
        if choice is not None:
            slots["complaint_anonymous"] = choice
        phone, has_digits = answers.phone_answer(text)
        asks_phone = re.search("电话|手机|号码|联系", text)
        if phone:
            slots["complaint_phone"] = phone
        elif has_digits and (at_summary or asks_phone):
            dispatcher.utter_message(text=render("phone_invalid"))
        elif asks_phone and answers.declines_phone(text) and not describes:
            slots["complaint_phone"] = NONE
        return slots

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
    """A correction names a new target, or gives a detail or digits of a phone ("不对，是沈河区的")."""
    return (any(entity(tracker, e) for e in ("district", "unit", "person"))
            or reading.gives_detail(text) or answers.phone_answer(text)[1])


def _unit_just_given(tracker: Tracker) -> Optional[int]:
    """The unit whose card answered the message before this one ("沈北新区政务服务中心", then "就是投诉 …")."""
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    if len(users) < 2:
        return None
    before = tracker.events[users[-2]:users[-1]]
    if not any(e.get("event") == "action" and e.get("name") == "action_find_contact" for e in before):
        return None
    return contact_unit_id(tracker)


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
            summary = rating_summary(slot("feedback_target_label"), int(slot("attitude_stars") or 0),
                                     int(slot("proficiency_stars") or 0), slot("rating_comment") or "")
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
