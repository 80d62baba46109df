"""Push new policies to the users whose enterprises they fit: one WeChat news message per policy, once.

Who gets what: every active ``PushSubscription`` whose user still follows the account receives each policy
published after the subscription was created, in force today, of the categories it names (none: all) and
fitting at least one of the user's bound enterprises (the best fit is named in the message).

Once only: the ``PolicyPush`` row (unique per user and policy) is committed as "pending" before the message
goes out through ``deliver()`` under the key ``policy-push:<user>:<code>``; a rerun after a crash retries the
rows left pending longer than ``PENDING_STALE`` under the same key, which ``deliver()`` never sends twice.

When: nothing during the quiet hours (Beijing time); at most ``daily_cap`` pushes per user and Beijing
calendar day (sent or in progress), and never more than WeChat's customer-service window allows. Users who
cannot receive customer-service messages now (no message from them in the last 48 hours) are left out:
their matches wait until they write to the account again, as do matches beyond the caps.

Scale: policies are compiled once into bit masks (bit ``i`` = the ``i``-th policy in ranking order); each
distinct enterprise profile is evaluated once against all of them with a few integer operations, and
subscribers are streamed in batches of ``BATCH``.
"""
from __future__ import annotations

import asyncio
import logging
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Callable, Iterator, Optional, Sequence

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.db import session_scope
from bot.db.base import utcnow
from bot.db.policies import Enterprise, EnterpriseBinding, Policy, PolicyPush, PushSubscription
from bot.db.wechat import Delivery, WeChatUser
from bot.policies.eligibility import Fit, Rules, district_of, policy_score, reason_text, years_since
from bot.policies.recommend import in_force_query
from bot.wechat.api import WeChatClient
from bot.wechat.delivery import CAP as WINDOW_CAP
from bot.wechat.delivery import NOT_FOLLOWING, PENDING_STALE, WINDOW, WINDOW_CLOSED_CODES, Outcome, deliver
from bot.workdays import CHINA, parse_hours

logger = logging.getLogger(__name__)

BATCH = 2000  # subscribers planned, claimed and sent together
CONCURRENCY = 8  # users sent to at the same time
MAX_ATTEMPTS = 5  # sends of one push before it is given up ("failed")
PURPOSE = "policy_push"
Echo = Callable[[str], None]


# ---- when ----------------------------------------------------------------------------------------

def quiet(spec: str, now: datetime) -> bool:
    """Whether ``now`` falls in the quiet hours ``spec`` ("22:00-08:00", Beijing time; empty: never)."""
    if spec.strip().lower() in ("", "off", "none"):
        return False
    moment = now.astimezone(CHINA).time()
    for start, end in parse_hours(spec):
        inside = start <= moment < end if start <= end else moment >= start or moment < end
        if inside:
            return True
    return False


def day_start(now: datetime) -> datetime:
    """The start of ``now``'s Beijing calendar day (aware)."""
    return datetime.combine(now.astimezone(CHINA).date(), time(0), tzinfo=CHINA)


# ---- matching in bulk ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Profile:
    """A bound enterprise as eligibility reads it, with its name for the message."""

    id: int
    name: str
    industry: str
    size: str
    district: str
    founded_year: Optional[int]
    tags: tuple[str, ...]

    def signature(self) -> tuple[Any, ...]:
        """What eligibility depends on: enterprises with the same signature fit the same policies."""
        return (self.industry, self.size, district_of(self.district), self.founded_year, self.tags)


@dataclass(frozen=True)
class Card:
    """What a push message shows of a policy."""

    id: int
    code: str
    title: str
    issuer: str


class _ListIndex:
    """One list key of every policy: which policies allow a value (bit masks)."""

    def __init__(self, key: str, rules: Sequence[Rules]) -> None:
        self.open = 0  # policies without this restriction
        self.by_value: dict[str, int] = defaultdict(int)
        for i, rule in enumerate(rules):
            allowed: frozenset[str] = getattr(rule, key)
            if not allowed:
                self.open |= 1 << i
            for value in allowed:
                self.by_value[value] |= 1 << i

    def allowing(self, value: str) -> int:
        """Policies a single value (industry, size, district) satisfies."""
        return self.open | self.by_value.get(value, 0)

    def allowing_any(self, held: Sequence[str]) -> int:
        """Policies satisfied by holding at least one of ``held`` (tags)."""
        mask = self.open
        for value in held:
            mask |= self.by_value.get(value, 0)
        return mask


class Matcher:
    """The candidate policies, ranked (score, then newest), compiled for evaluating profiles in bulk."""

    def __init__(self, policies: Sequence[Policy], today: date) -> None:
        self.today = today
        parsed = [(policy_score(p, today, r), r, p) for p in policies for r in (Rules.parse(p.eligibility),)]
        parsed.sort(key=lambda x: (-x[0], -x[2].issued_on.toordinal(), -x[2].published_at.timestamp(), -x[2].id))
        self.scores = [score for score, _, _ in parsed]
        self.rules = [rules for _, rules, _ in parsed]
        self.policies = [policy for _, _, policy in parsed]
        self.bit_of = {p.id: i for i, p in enumerate(self.policies)}
        self.cards = [Card(p.id, p.code, p.short_title or p.title, p.issuer.name if p.issuer else "")
                      for p in self.policies]
        self._lists = {key: _ListIndex(key, self.rules) for key in ("industries", "sizes", "districts", "tags")}
        self._years_open = sum(1 << i for i, r in enumerate(self.rules) if not r.restricts_years)
        by_time = sorted((p.published_at, i) for i, p in enumerate(self.policies))
        self._times = [t for t, _ in by_time]
        self._after = [0] * (len(by_time) + 1)  # _after[k]: policies from the k-th published on
        for k in range(len(by_time) - 1, -1, -1):
            self._after[k] = self._after[k + 1] | 1 << by_time[k][1]
        self._by_category: dict[str, int] = defaultdict(int)
        for i, p in enumerate(self.policies):
            self._by_category[p.category] |= 1 << i
        self.everything = (1 << len(self.policies)) - 1
        self._tags_used = frozenset(self._lists["tags"].by_value)
        self._cache: dict[tuple[Any, ...], int] = {}
        self._year_cache: dict[Optional[int], int] = {}
        self._category_cache: dict[frozenset[str], int] = {}

    def __len__(self) -> int:
        return len(self.policies)

    def _years_allowing(self, founded_year: Optional[int]) -> int:
        if founded_year not in self._year_cache:
            years = years_since(founded_year, self.today)
            self._year_cache[founded_year] = self._years_open | sum(
                1 << i for i, r in enumerate(self.rules) if r.restricts_years and r.allows_years(years))
        return self._year_cache[founded_year]

    def fit(self, bit: int, profile: Profile) -> Optional[Fit]:
        """check() of policy ``bit`` (in force: candidates are) with its parsed rules and score."""
        reasons = self.rules[bit].reasons(profile, self.today)
        return None if reasons is None else Fit(self.scores[bit], reasons)

    def eligible(self, profile: Profile) -> int:
        """The policies ``profile`` is eligible for (evaluated once per distinct signature)."""
        industry, size, district, founded_year, tags = profile.signature()
        key = (industry, size, district, founded_year, tuple(t for t in tags if t in self._tags_used))
        mask = self._cache.get(key)
        if mask is None:
            mask = (self._lists["industries"].allowing(industry) & self._lists["sizes"].allowing(size)
                    & self._lists["districts"].allowing(district) & self._years_allowing(founded_year)
                    & self._lists["tags"].allowing_any(tags))
            self._cache[key] = mask
        return mask

    def published_after(self, moment: datetime) -> int:
        """The policies published strictly after ``moment``."""
        return self._after[bisect_right(self._times, moment)]

    def in_categories(self, categories: frozenset[str]) -> int:
        """The policies of these categories (empty: all)."""
        if not categories:
            return self.everything
        if categories not in self._category_cache:
            self._category_cache[categories] = sum(self._by_category.get(c, 0) for c in categories)
        return self._category_cache[categories]

    @property
    def signatures(self) -> int:
        """How many distinct enterprise profiles were evaluated."""
        return len(self._cache)


def lowest_bits(mask: int, n: int) -> list[int]:
    """The positions of the ``n`` lowest set bits of ``mask`` (the best ranked policies)."""
    found = []
    while mask and len(found) < n:
        low = mask & -mask
        found.append(low.bit_length() - 1)
        mask ^= low
    return found


# ---- what to send -----------------------------------------------------------------------------

@dataclass
class Subscriber:
    """One subscriber of a batch, with what planning needs to know."""

    user_id: str
    categories: frozenset[str]
    since: datetime
    reachable: bool  # customer-service messages may be sent now
    window_room: int  # how many more the current window allows
    enterprises: list[Profile] = field(default_factory=list)  # newest binding first
    pushed: list[tuple[int, str, datetime, Optional[datetime]]] = field(default_factory=list)  # policy, status…


@dataclass(frozen=True)
class Push:
    """One message to send (or retry): its row, key and body, and why it fits."""

    user_id: str
    policy_id: int
    code: str
    title: str
    enterprise_id: Optional[int]
    enterprise_name: str
    reason: str
    message: dict[str, Any]
    retry: bool = False

    @property
    def key(self) -> str:
        return push_key(self.user_id, self.code)


@dataclass
class Plan:
    """A batch's pushes per user, the rows to give up, and the counts for the summary."""

    pushes: dict[str, list[Push]] = field(default_factory=dict)
    dropped: list[tuple[str, int, str]] = field(default_factory=list)  # (user, policy, reason): skipped
    deferred: int = 0
    unreachable: int = 0


@dataclass
class PushSummary:
    """What one run did (or, in a dry run, would do)."""

    considered: int = 0  # subscribers still following the account
    sent: int = 0  # messages WeChat accepted in this run
    failed: int = 0  # sends that failed (retried by a later run, up to MAX_ATTEMPTS)
    deferred_by_cap: int = 0  # matches waiting for the next day (daily cap or WeChat's window limit)
    skipped: int = 0  # pushes not sent: user left or out of the window, or another run has them
    unreachable: int = 0  # subscribers outside WeChat's 48-hour window: their matches wait
    planned: int = 0  # pushes planned (what a dry run would send)
    quiet: bool = False  # quiet hours: nothing was done
    dry_run: bool = False

    def text(self, quiet_hours: str = "") -> str:
        """The run in one Chinese sentence."""
        if self.quiet:
            return f"当前处于免打扰时段（{quiet_hours}），本次未推送政策"
        head = (f"政策推送试运行：计划推送 {self.planned} 条（未发送、未写入）" if self.dry_run
                else f"政策推送完成：已发送 {self.sent} 条，失败 {self.failed} 条")
        return (f"{head}；订阅用户 {self.considered} 位，其中 {self.unreachable} 位近 48 小时未与公众号互动暂不推送；"
                f"因每日上限顺延 {self.deferred_by_cap} 条，跳过 {self.skipped} 条")


def push_key(user_id: str, code: str) -> str:
    """The idempotency key of one policy pushed to one user."""
    return f"policy-push:{user_id}:{code}"


def news(card: Card, reason: str, enterprise_name: str, several: bool, public_url: str) -> dict[str, Any]:
    """The customer-service news message for one policy (it links to the policy's page); ``reason``: reason_text()."""
    if several:
        reason = f"{enterprise_name}：{reason}"
    description = f"{reason}。发布单位：{card.issuer}" if card.issuer else f"{reason}。"
    return {"msgtype": "news", "news": {"articles": [{
        "title": card.title, "description": description,
        "url": f"{public_url}/policies/{card.code}", "picurl": f"{public_url}/policies/{card.code}/cover.png"}]}}


def _best_fit(matcher: Matcher, bit: int, user: Subscriber,
              masks: list[int]) -> tuple[Optional[Profile], Optional[Fit]]:
    """The user's enterprise fitting policy ``bit`` best (ties: the newest binding)."""
    best: tuple[Optional[Profile], Optional[Fit]] = (None, None)
    for profile, mask in zip(user.enterprises, masks):
        if mask >> bit & 1:
            fit = matcher.fit(bit, profile)
            if fit is not None and (best[1] is None or fit.score > best[1].score):
                best = (profile, fit)
    return best


def _push(matcher: Matcher, bit: int, user: Subscriber, masks: list[int], public_url: str,
          retry: bool = False) -> Optional[Push]:
    """The message pushing policy ``bit`` to ``user``; None when none of their enterprises fits it."""
    profile, fit = _best_fit(matcher, bit, user, masks)
    if profile is None or fit is None:
        return None
    card, reason = matcher.cards[bit], reason_text(fit)
    message = news(card, reason, profile.name, len(user.enterprises) > 1, public_url)
    return Push(user.user_id, card.id, card.code, card.title, profile.id, profile.name, reason, message, retry)


def plan_user(matcher: Matcher, user: Subscriber, now: datetime, daily_cap: int, public_url: str,
              stored: dict[str, dict[str, Any]], plan: Plan, today_starts: Optional[datetime] = None) -> None:
    """Add to ``plan`` what ``user`` gets now: left-over pending pushes first, then the best new matches."""
    today_starts, fresh = today_starts or day_start(now), now - PENDING_STALE
    masks = [matcher.eligible(p) for p in user.enterprises]
    pushed, in_flight, sent_today = 0, 0, 0
    stale: list[tuple[datetime, int]] = []
    for policy_id, status, created_at, sent_at in user.pushed:
        bit = matcher.bit_of.get(policy_id)
        if bit is not None:
            pushed |= 1 << bit
        if status == "sent" and sent_at is not None and sent_at >= today_starts:
            sent_today += 1
        elif status == "pending" and created_at > fresh:
            in_flight += 1  # another run may be sending it right now
        elif status == "pending":
            stale.append((created_at, policy_id))
    room = min(daily_cap - sent_today - in_flight, user.window_room)
    pushes: list[Push] = []
    for _, policy_id in sorted(stale):
        if len(pushes) >= room:
            break
        retry = _retry(matcher, user, policy_id, masks, public_url, stored)
        if retry is None:
            plan.dropped.append((user.user_id, policy_id, "政策已不在有效期内或企业已不符合条件"))
        else:
            pushes.append(retry)
    fits = 0
    for mask in masks:
        fits |= mask
    wanted = fits & matcher.published_after(user.since) & matcher.in_categories(user.categories) & ~pushed
    total = wanted.bit_count()
    chosen = 0
    for bit in lowest_bits(wanted, max(0, room - len(pushes))):
        push = _push(matcher, bit, user, masks, public_url)
        if push is None:  # the bulk matcher and check() disagree: a bug, never a wrong push
            logger.error("policy %s matched user %s in bulk but fits none of their enterprises",
                         matcher.policies[bit].code, user.user_id)
            continue
        pushes.append(push)
        chosen += 1
    plan.deferred += max(0, total - chosen)
    if pushes:
        plan.pushes[user.user_id] = pushes


def _retry(matcher: Matcher, user: Subscriber, policy_id: int, masks: list[int], public_url: str,
           stored: dict[str, dict[str, Any]]) -> Optional[Push]:
    """A pending push left by an earlier run: the message it tried to send, or rebuilt when it never started."""
    bit = matcher.bit_of.get(policy_id)
    if bit is None:
        return None  # no longer in force
    card = matcher.cards[bit]
    payload = stored.get(push_key(user.user_id, card.code))
    push = _push(matcher, bit, user, masks, public_url, retry=True)
    if payload is not None:
        enterprise = (push.enterprise_id, push.enterprise_name, push.reason) if push else (None, "", "")
        return Push(user.user_id, card.id, card.code, card.title, *enterprise, message=payload, retry=True)
    return push


# ---- loading in batches -----------------------------------------------------------------------

def candidate_policies(session: Session, today: date) -> list[Policy]:
    """Every policy in force on ``today``, its issuer loaded."""
    return list(session.scalars(in_force_query(today).options(selectinload(Policy.issuer))))


def subscriber_batches(sessions: "sessionmaker[Session]", now: datetime, latest: datetime,
                       size: int = BATCH) -> Iterator[list[Subscriber]]:
    """Active subscribers still following the account (and older than ``latest``, the newest policy), ``size``
    at a time, with their bound enterprises and earlier pushes."""
    after = ""
    while True:
        with session_scope(sessions) as s:
            batch = _subscribers(s, after, now, latest, size)
            if not batch:
                return
            _attach(s, batch)
        after = batch[-1].user_id
        yield batch


def _subscribers(s: Session, after: str, now: datetime, latest: datetime, size: int) -> list[Subscriber]:
    rows = s.execute(
        select(PushSubscription.user_id, PushSubscription.categories, PushSubscription.created_at,
               WeChatUser.last_inbound_at, WeChatUser.sent_in_window)
        .outerjoin(WeChatUser, WeChatUser.openid == PushSubscription.user_id)
        .where(PushSubscription.active.is_(True), PushSubscription.user_id > after,
               PushSubscription.created_at < latest,
               or_(WeChatUser.subscribed.is_(None), WeChatUser.subscribed.is_(True)))
        .order_by(PushSubscription.user_id).limit(size)).all()
    batch = []
    for user_id, categories, created_at, last_inbound, sent_in_window in rows:
        room = WINDOW_CAP - (sent_in_window or 0)
        reachable = last_inbound is not None and now - last_inbound < WINDOW and room > 0
        batch.append(Subscriber(user_id, frozenset(categories or ()), created_at, reachable, max(0, room)))
    return batch


def _attach(s: Session, batch: list[Subscriber]) -> None:
    """Load the batch's bound enterprises (newest binding first) and their earlier pushes."""
    by_user = {u.user_id: u for u in batch}
    low, high = batch[0].user_id, batch[-1].user_id
    rows = s.execute(
        select(EnterpriseBinding.user_id, Enterprise.id, Enterprise.name, Enterprise.industry, Enterprise.size,
               Enterprise.district, Enterprise.founded_year, Enterprise.tags)
        .join(Enterprise, Enterprise.id == EnterpriseBinding.enterprise_id)
        .where(EnterpriseBinding.user_id >= low, EnterpriseBinding.user_id <= high)
        .order_by(EnterpriseBinding.user_id, EnterpriseBinding.created_at.desc(), EnterpriseBinding.id.desc()))
    for user_id, eid, name, industry, size, district, founded_year, tags in rows:
        if user_id in by_user:
            by_user[user_id].enterprises.append(
                Profile(eid, name, industry, size, district or "", founded_year, tuple(sorted(set(tags or ())))))
    rows = s.execute(select(PolicyPush.user_id, PolicyPush.policy_id, PolicyPush.status, PolicyPush.created_at,
                            PolicyPush.sent_at)
                     .where(PolicyPush.user_id >= low, PolicyPush.user_id <= high))
    for user_id, policy_id, status, created_at, sent_at in rows:
        if user_id in by_user:
            by_user[user_id].pushed.append((policy_id, status, created_at, sent_at))


def _stored_payloads(sessions: "sessionmaker[Session]", keys: list[str]) -> dict[str, dict[str, Any]]:
    """The messages earlier runs started sending, by push key (for retrying pending pushes as they were)."""
    if not keys:
        return {}
    with session_scope(sessions) as s:
        rows = s.execute(select(Delivery.idempotency_key, Delivery.payload)
                         .where(Delivery.idempotency_key.in_([f"{k}:0" for k in keys])))
        return {key[:-2]: payload for key, payload in rows}


def plan_batch(sessions: "sessionmaker[Session]", matcher: Matcher, batch: list[Subscriber], now: datetime,
               daily_cap: int, public_url: str) -> Plan:
    """What to send to a batch of subscribers now."""
    plan = Plan()
    stale_keys = []
    for user in batch:
        for policy_id, status, created_at, _ in user.pushed:
            bit = matcher.bit_of.get(policy_id)
            if status == "pending" and created_at <= now - PENDING_STALE and bit is not None:
                stale_keys.append(push_key(user.user_id, matcher.cards[bit].code))
    stored = _stored_payloads(sessions, stale_keys)
    today_starts = day_start(now)
    for user in batch:
        if not user.reachable:
            plan.unreachable += 1
        elif user.enterprises or user.pushed:
            plan_user(matcher, user, now, daily_cap, public_url, stored, plan, today_starts)
    return plan


# ---- claiming and sending ---------------------------------------------------------------------

def _rows(pushes: list[Push], now: datetime) -> list[dict[str, Any]]:
    return [{"user_id": p.user_id, "policy_id": p.policy_id, "enterprise_id": p.enterprise_id, "status": "pending",
             "reason": p.reason[:200], "created_at": now} for p in pushes if not p.retry]


def _give_up(s: Session, dropped: list[tuple[str, int, str]]) -> None:
    for user_id, policy_id, reason in dropped:
        s.execute(update(PolicyPush).where(PolicyPush.user_id == user_id, PolicyPush.policy_id == policy_id,
                                           PolicyPush.status == "pending")
                  .values(status="skipped", reason=reason).execution_options(synchronize_session=False))


def claim(sessions: "sessionmaker[Session]", plan: Plan) -> tuple[dict[str, list[Push]], int]:
    """Commit the new pushes as pending before anything is sent: (the pushes this run owns, how many it lost).

    One transaction for the batch; when another run claimed some of them meanwhile, user by user, and a
    user whose pushes another run took is left to that run.
    """
    now = utcnow()
    rows = sorted((r for pushes in plan.pushes.values() for r in _rows(pushes, now)),
                  key=lambda r: (r["user_id"], r["policy_id"]))  # one lock order for every run: no deadlock
    try:
        with session_scope(sessions) as s:
            if rows:
                s.execute(insert(PolicyPush), rows)
            _give_up(s, plan.dropped)
        return plan.pushes, 0
    except IntegrityError:
        pass
    with session_scope(sessions) as s:
        _give_up(s, plan.dropped)
    owned: dict[str, list[Push]] = {}
    lost = 0
    for user_id, pushes in plan.pushes.items():
        try:
            with session_scope(sessions) as s:
                mine = _rows(pushes, now)
                if mine:
                    s.execute(insert(PolicyPush), mine)
            owned[user_id] = pushes
        except IntegrityError:
            lost += len(pushes)
    return owned, lost


@dataclass(frozen=True)
class Result:
    """What became of one push in this run: sent | failed | skipped, and the row's new state."""

    push: Push
    counted: str
    row: str  # sent | pending (retry later) | failed | skipped | delete (the match waits)
    note: str = ""


def _result(push: Push, outcome: Outcome, attempts: int) -> Result:
    if outcome.sent:
        return Result(push, "sent", "sent")
    if outcome.errmsg == "already_sent":
        return Result(push, "skipped", "sent")
    if outcome.errmsg == "in_progress":
        return Result(push, "skipped", "pending")
    if outcome.errmsg == "window_closed" or outcome.errcode in WINDOW_CLOSED_CODES:
        return Result(push, "skipped", "delete")  # cannot reach the user now: the match waits
    if outcome.errmsg == "unsubscribed" or outcome.errcode == NOT_FOLLOWING:
        return Result(push, "skipped", "skipped", "用户已取消关注公众号")
    if outcome.status == "skipped":
        return Result(push, "skipped", "skipped", outcome.errmsg)
    note = f"发送失败：{outcome.errcode or ''} {outcome.errmsg}".strip()
    return Result(push, "failed", "failed" if attempts >= MAX_ATTEMPTS else "pending", note)


def _attempts(sessions: "sessionmaker[Session]", delivery_id: Optional[int]) -> int:
    if delivery_id is None:
        return 0
    with session_scope(sessions) as s:
        return int(s.scalar(select(Delivery.attempts).where(Delivery.id == delivery_id)) or 0)


def settle(sessions: "sessionmaker[Session]", results: list[Result]) -> None:
    """Record what became of a user's pushes (one transaction)."""
    with session_scope(sessions) as s:
        for r in results:
            where = (PolicyPush.user_id == r.push.user_id, PolicyPush.policy_id == r.push.policy_id)
            if r.row == "delete":
                s.execute(delete(PolicyPush).where(*where, PolicyPush.status == "pending")
                          .execution_options(synchronize_session=False))
            elif r.row == "sent":
                s.execute(update(PolicyPush).where(*where).values(status="sent", sent_at=utcnow())
                          .execution_options(synchronize_session=False))
            elif r.row != "pending" or r.note:
                values: dict[str, Any] = {"reason": (r.note or r.push.reason)[:200]}
                if r.row != "pending":
                    values["status"] = r.row
                s.execute(update(PolicyPush).where(*where, PolicyPush.status == "pending").values(**values)
                          .execution_options(synchronize_session=False))


async def send_user(client: WeChatClient, sessions: "sessionmaker[Session]", pushes: list[Push]) -> list[Result]:
    """Send one user's pushes in order through deliver() and record the outcomes."""
    results = []
    for push in pushes:
        (outcome,) = await deliver(client, sessions, push.user_id, [push.message], purpose=PURPOSE,
                                   idempotency_key=push.key)
        failed = outcome.status == "failed"
        attempts = await asyncio.to_thread(_attempts, sessions, outcome.delivery_id) if failed else 0
        results.append(_result(push, outcome, attempts))
    await asyncio.to_thread(settle, sessions, results)
    return results


def describe(push: Push) -> str:
    """One planned push as a line of the dry run's output."""
    again = "（重发）" if push.retry else ""
    return f"用户 {push.user_id}｜企业 {push.enterprise_name or '—'}｜政策 {push.code}《{push.title}》{again}｜{push.reason}"


async def push_policies(client: Optional[WeChatClient], sessions: "sessionmaker[Session]", public_url: str,
                        quiet_hours: str = "22:00-08:00", daily_cap: int = 3, dry_run: bool = False,
                        now: Optional[datetime] = None, echo: Optional[Echo] = None,
                        batch_size: int = BATCH) -> PushSummary:
    """One run of the push job (its summary's ``text()`` says what it did).

    A dry run passes each push it would send to ``echo`` (default: print) and writes and sends nothing.
    """
    now = now or utcnow()
    say = echo or print
    summary = PushSummary(dry_run=dry_run)
    if quiet(quiet_hours, now):
        summary.quiet = True
        logger.info("%s", summary.text(quiet_hours))
        return summary
    if client is None and not dry_run:
        raise ValueError("a WeChat client is needed to send")
    today = now.astimezone(CHINA).date()
    matcher = await asyncio.to_thread(_matcher, sessions, today)
    if not len(matcher):
        return summary
    latest = max(p.published_at for p in matcher.policies)
    batches = subscriber_batches(sessions, now, latest, batch_size)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def send(pushes: list[Push]) -> list[Result]:
        async with gate:
            assert client is not None
            return await send_user(client, sessions, pushes)

    while (batch := await asyncio.to_thread(next, batches, None)) is not None:
        summary.considered += len(batch)
        plan = await asyncio.to_thread(plan_batch, sessions, matcher, batch, now, daily_cap, public_url)
        summary.unreachable += plan.unreachable
        summary.deferred_by_cap += plan.deferred
        summary.planned += sum(len(p) for p in plan.pushes.values())
        if dry_run:
            for pushes in plan.pushes.values():
                for push in pushes:
                    say(describe(push))
            continue
        owned, lost = await asyncio.to_thread(claim, sessions, plan)
        summary.skipped += lost
        for results in await asyncio.gather(*(send(p) for p in owned.values())):
            for r in results:
                summary.sent += r.counted == "sent"
                summary.failed += r.counted == "failed"
                summary.skipped += r.counted == "skipped"
    logger.info("policy push: %d policies in force, %d enterprise profiles evaluated", len(matcher),
                matcher.signatures)
    return summary


def _matcher(sessions: "sessionmaker[Session]", today: date) -> Matcher:
    with session_scope(sessions) as s:
        return Matcher(candidate_policies(s, today), today)


class PolicyPusher:
    """Runs the push job in the background every ``interval`` seconds."""

    def __init__(self, client: WeChatClient, sessions: "sessionmaker[Session]", interval: float, public_url: str,
                 quiet_hours: str = "22:00-08:00", daily_cap: int = 3) -> None:
        self.client, self.sessions, self.interval = client, sessions, interval
        self.public_url, self.quiet_hours, self.daily_cap = public_url, quiet_hours, daily_cap

    async def run(self) -> None:
        """Until cancelled; a failed run is logged and the next one tries again."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                summary = await push_policies(self.client, self.sessions, self.public_url, self.quiet_hours,
                                              self.daily_cap)
                logger.info("%s", summary.text(self.quiet_hours))
            except Exception:  # noqa: BLE001 — the loop must outlive a database or network hiccup
                logger.exception("pushing policies failed; retrying in %.0f s", self.interval)
