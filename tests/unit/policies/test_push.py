"""The policy push job over real HTTP against the WeChat API sandbox: once per user and policy, whatever happens."""
from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, timezone
from itertools import count
from pathlib import Path
from typing import Any, Optional, TypeVar

import pytest
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import runtime
from bot.__main__ import main
from bot.db import create_db_engine, init_schema, make_session_factory, session_scope
from bot.db.base import utcnow
from bot.db.directory import DISTRICTS, Unit
from bot.db.policies import (INDUSTRIES, SIZES, TAGS, Enterprise, EnterpriseBinding, Policy, PolicyPush,
                             PushSubscription)
from bot.db.wechat import Delivery
from bot.policies import push as push_module
from bot.policies.eligibility import check
from bot.policies.push import Matcher, Profile, PushSummary, push_key, push_policies, quiet
from bot.serve import free_port
from bot.web.app import create_app
from bot.web.keys import SANDBOX_APP
from bot.web.sandbox import SANDBOX, SandboxState
from bot.wechat.api import WeChatClient
from bot.wechat.delivery import note_inbound, note_subscribe
from tests.unit.web.conftest import web_settings
from tests.unit.wechat.sandbox import APP_ID, SECRET, running_sandbox

SEND = "/cgi-bin/message/custom/send"
URL = "https://syb.example.org"
T = TypeVar("T")
_codes = count(1)


def noon(day: Optional[date] = None) -> datetime:
    """Beijing noon of ``day`` (today by default) as an aware UTC time: outside the quiet hours."""
    day = day or (utcnow() + timedelta(hours=8)).date()
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=timezone.utc)


# ---- data ------------------------------------------------------------------------------------------

def issuer(sessions: "sessionmaker[Session]") -> int:
    """The issuing unit (created once per database)."""
    with session_scope(sessions) as s:
        unit = s.scalars(select(Unit).where(Unit.code == "C-DEPT-HRSS")).first()
        if unit is None:
            unit = Unit(code="C-DEPT-HRSS", name="沈阳市人力资源和社会保障局", category="city_department", level="city")
            s.add(unit)
            s.flush()
        return int(unit.id)


def add_policy(sessions: "sessionmaker[Session]", eligibility: Optional[dict[str, Any]] = None,
               category: str = "补助补贴", published: Optional[datetime] = None, **kw: Any) -> str:
    """A policy published an hour ago (in force since 2020) unless told otherwise; its code."""
    code = kw.pop("code", f"P-{next(_codes):04d}")
    unit = issuer(sessions)
    with session_scope(sessions) as s:
        s.add(Policy(code=code, title=f"关于{code}的通知", short_title=kw.pop("short_title", f"{code}扶持政策"),
                     category=category, issuer_id=unit, issued_on=kw.pop("issued_on", date(2026, 1, 1)),
                     effective_on=kw.pop("effective_on", date(2020, 1, 1)), expires_on=kw.pop("expires_on", None),
                     full_text="正文", interpretation="解读", eligibility=eligibility or {}, answer_phone="12333",
                     published_at=published or utcnow() - timedelta(hours=1), **kw))
    return code


def add_user(sessions: "sessionmaker[Session]", openid: str, *companies: dict[str, Any],
             categories: Optional[list[str]] = None, active: bool = True, follows: bool = True, wrote: bool = True,
             subscribed_at: Optional[datetime] = None) -> None:
    """A follower with bound enterprises (the last one bound most recently) and a push subscription from a day ago."""
    now = utcnow()
    with session_scope(sessions) as s:
        for i, company in enumerate(companies or ({},)):
            fields = {"name": f"{openid}公司{i + 1}", "industry": "制造业", "size": "小型", "district": "浑南区",
                      "founded_year": 2023, "tags": [], **company}
            ent = Enterprise(credit_code=f"91{next(_codes):016d}", **fields)
            s.add(ent)
            s.flush()
            s.add(EnterpriseBinding(user_id=openid, enterprise_id=ent.id, created_at=now - timedelta(days=9 - i)))
        s.add(PushSubscription(user_id=openid, categories=categories or [], active=active,
                               created_at=subscribed_at or now - timedelta(days=1)))
        if wrote:
            note_inbound(s, openid)
        if not follows:
            note_subscribe(s, openid, False)


def run(engine: Engine, scenario: Callable[[SandboxState, WeChatClient, "sessionmaker[Session]"], Awaitable[T]]) -> T:
    async def go() -> T:
        sessions = make_session_factory(engine)
        async with running_sandbox() as (state, base):
            async with WeChatClient(base, APP_ID, SECRET, sessions, retries=1, backoff=0.01) as client:
                return await scenario(state, client, sessions)
    return asyncio.run(go())


async def push(client: Optional[WeChatClient], sessions: "sessionmaker[Session]", **kw: Any) -> PushSummary:
    """One run now, without quiet hours unless told otherwise."""
    kw.setdefault("now", utcnow())
    kw.setdefault("quiet_hours", "")
    return await push_policies(client, sessions, URL, **kw)


def articles(state: SandboxState, openid: str) -> list[dict[str, Any]]:
    return [m["body"]["news"]["articles"][0] for m in state.messages(openid)]


def titles(state: SandboxState, openid: str) -> list[str]:
    return [a["title"] for a in articles(state, openid)]


def pushes(sessions: "sessionmaker[Session]", openid: Optional[str] = None) -> list[tuple[str, str, str]]:
    """(user, policy code, status) of every PolicyPush row."""
    with session_scope(sessions) as s:
        query = (select(PolicyPush.user_id, Policy.code, PolicyPush.status)
                 .join(Policy, Policy.id == PolicyPush.policy_id))
        if openid is not None:
            query = query.where(PolicyPush.user_id == openid)
        return [tuple(r) for r in s.execute(query.order_by(PolicyPush.id))]


# ---- one push, once --------------------------------------------------------------------------------

def test_a_matching_new_policy_is_pushed_once(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        add_user(sessions, "oMaker", {"size": "小型", "district": "浑南区", "name": "沈阳甲机械有限公司"})
        add_user(sessions, "oBank", {"industry": "金融业", "size": "大型", "district": "和平区"})
        fits = add_policy(sessions, {"sizes": ["微型", "小型"], "districts": ["浑南区"]}, short_title="小微企业房租补贴")
        add_policy(sessions, {"tags": ["高新技术企业"]})  # nobody holds the tag
        summary = await push(client, sessions)
        assert (summary.considered, summary.sent, summary.failed, summary.skipped) == (2, 1, 0, 0)
        (article,) = articles(state, "oMaker")
        assert article == {"title": "小微企业房租补贴",
                           "description": "贵公司属于小微企业、位于浑南区。发布单位：沈阳市人力资源和社会保障局",
                           "url": f"{URL}/policies/{fits}", "picurl": f"{URL}/policies/{fits}/cover.png"}
        assert state.messages("oBank") == []
        again = await push(client, sessions)
        assert again.sent == 0 and len(state.messages("oMaker")) == 1

    run(empty_engine, scenario)
    sessions = make_session_factory(empty_engine)
    assert [(u, s) for u, _, s in pushes(sessions)] == [("oMaker", "sent")]
    with session_scope(sessions) as s:
        (delivery,) = s.scalars(select(Delivery)).all()
        assert delivery.purpose == "policy_push" and delivery.idempotency_key.startswith("policy-push:oMaker:")


def test_the_best_fitting_enterprise_is_named_when_a_user_has_several(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        add_user(sessions, "oTwo", {"name": "甲建筑公司", "industry": "建筑业", "tags": ["高新技术企业"]},
                 {"name": "乙建筑公司", "industry": "建筑业"}, {"name": "丙软件公司", "industry": "金融业"})
        add_policy(sessions, {"tags": ["高新技术企业"]}, short_title="高企认定奖励")
        add_policy(sessions, {"industries": ["建筑业"]}, short_title="建筑业稳岗")
        await push(client, sessions)
        found = {a["title"]: a["description"] for a in articles(state, "oTwo")}
        assert found["高企认定奖励"].startswith("甲建筑公司：贵公司具有高新技术企业资质")
        assert found["建筑业稳岗"].startswith("乙建筑公司：贵公司属于建筑业")  # the newest binding of equal fits

    run(empty_engine, scenario)


# ---- interruptions --------------------------------------------------------------------------------

def test_a_run_interrupted_by_a_crash_is_finished_by_the_next_without_sending_anything_twice(
        empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        add_user(sessions, "oCrash")
        started, claimed, fresh = add_policy(sessions), add_policy(sessions), add_policy(sessions)
        long_ago = utcnow() - timedelta(minutes=10)
        with session_scope(sessions) as s:  # what a crash leaves: rows claimed, one message half sent
            ids = dict(s.execute(select(Policy.code, Policy.id)).all())
            for code in (started, claimed):
                s.add(PolicyPush(user_id="oCrash", policy_id=ids[code], status="pending", created_at=long_ago))
            s.add(Delivery(idempotency_key=push_key("oCrash", started) + ":0", openid="oCrash", kind="custom",
                           purpose="policy_push", status="pending", attempts=1, created_at=long_ago, payload={
                               "msgtype": "news", "news": {"articles": [{"title": "崩溃前的消息", "url": URL}]}}))
        first = await push(client, sessions)
        assert first.sent == 3
        assert sorted(titles(state, "oCrash")) == sorted(["崩溃前的消息", f"{claimed}扶持政策", f"{fresh}扶持政策"])
        again = await push(client, sessions)
        assert again.sent == 0 and len(state.messages("oCrash")) == 3

    run(empty_engine, scenario)
    assert {s for *_, s in pushes(make_session_factory(empty_engine), "oCrash")} == {"sent"}


def test_a_send_that_fails_mid_run_is_retried_later_and_sent_once(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        for user in ("oA", "oB", "oC"):
            add_user(sessions, user)
        codes = [add_policy(sessions, {"industries": ["制造业"]}), add_policy(sessions)]
        state.fail_next(SEND, errcode=45009)  # WeChat refuses one message (not retried at once)
        first = await push(client, sessions)
        assert (first.sent, first.failed) == (5, 1)
        soon = await push(client, sessions)  # the failed push is still pending: left alone for a while
        assert soon.sent == 0
        later = await push(client, sessions, now=utcnow() + timedelta(minutes=5))
        assert later.sent == 1
        assert (await push(client, sessions, now=utcnow() + timedelta(minutes=10))).sent == 0
        for user in ("oA", "oB", "oC"):
            assert sorted(titles(state, user)) == sorted(f"{c}扶持政策" for c in codes)

    run(empty_engine, scenario)
    assert {s for *_, s in pushes(make_session_factory(empty_engine))} == {"sent"}


# ---- what is never pushed -------------------------------------------------------------------------

def test_expired_future_and_earlier_policies_are_never_pushed(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        add_user(sessions, "oNew")
        today = noon().date()
        add_policy(sessions, short_title="已失效", expires_on=today - timedelta(days=1))
        add_policy(sessions, short_title="未生效", effective_on=today + timedelta(days=1))
        add_policy(sessions, short_title="订阅前发布", published=utcnow() - timedelta(days=2))
        add_policy(sessions, short_title="今天最后一天", expires_on=today)
        await push(client, sessions)
        assert titles(state, "oNew") == ["今天最后一天"]

    run(empty_engine, scenario)


def test_unsubscribed_and_unfollowed_users_get_nothing(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        add_user(sessions, "oStopped", active=False)
        add_user(sessions, "oGone", follows=False)
        add_user(sessions, "oHere")
        add_policy(sessions)
        summary = await push(client, sessions)
        assert summary.considered == 1 and summary.sent == 1
        assert state.messages("oStopped") == [] and state.messages("oGone") == []

    run(empty_engine, scenario)
    assert [u for u, *_ in pushes(make_session_factory(empty_engine))] == ["oHere"]


def test_users_outside_the_window_wait_until_they_write(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        add_user(sessions, "oSilent", wrote=False)
        code = add_policy(sessions)
        summary = await push(client, sessions)
        assert (summary.unreachable, summary.sent) == (1, 0) and pushes(sessions) == []
        with session_scope(sessions) as s:
            note_inbound(s, "oSilent")
        assert (await push(client, sessions)).sent == 1
        assert titles(state, "oSilent") == [f"{code}扶持政策"]

    run(empty_engine, scenario)


# ---- when and how many ----------------------------------------------------------------------------

@pytest.mark.parametrize("hour, is_quiet", [(22, True), (23, True), (0, True), (7, True), (8, False), (12, False),
                                            (21, False)])
def test_quiet_hours_are_beijing_time_across_midnight(hour: int, is_quiet: bool) -> None:
    beijing = datetime(2026, 6, 1, hour, 30, tzinfo=timezone(timedelta(hours=8)))
    assert quiet("22:00-08:00", beijing) is is_quiet
    assert quiet("", beijing) is False


def test_nothing_is_sent_in_the_quiet_hours(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        add_user(sessions, "oNight")
        add_policy(sessions)
        night = noon() + timedelta(hours=11)  # 23:00 in Beijing
        summary = await push(client, sessions, now=night, quiet_hours="22:00-08:00")
        assert summary.quiet and summary.sent == 0 and "免打扰" in summary.text("22:00-08:00")
        assert state.messages("oNight") == [] and pushes(sessions) == []
        assert (await push(client, sessions, now=night + timedelta(hours=10), quiet_hours="22:00-08:00")).sent == 1

    run(empty_engine, scenario)


def test_the_daily_cap_defers_the_rest_to_the_next_day_best_ranked_first(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        add_user(sessions, "oBusy", {"tags": ["高新技术企业"]})
        for i in range(3):
            add_policy(sessions, short_title=f"普惠{i}")  # no restriction: the newest first
        add_policy(sessions, {"industries": ["制造业"]}, short_title="制造业专项")
        add_policy(sessions, {"industries": ["制造业"], "districts": ["浑南区"], "tags": ["高新技术企业"]},
                   short_title="浑南高企专项")
        now = utcnow()
        first = await push(client, sessions, now=now)
        assert (first.sent, first.deferred_by_cap) == (3, 2)
        assert titles(state, "oBusy") == ["浑南高企专项", "制造业专项", "普惠2"]
        same_day = await push(client, sessions, now=now)
        assert (same_day.sent, same_day.deferred_by_cap) == (0, 2)
        next_day = await push(client, sessions, now=now + timedelta(days=1))
        assert (next_day.sent, next_day.deferred_by_cap) == (2, 0)
        assert titles(state, "oBusy")[3:] == ["普惠1", "普惠0"]

    run(empty_engine, scenario)


def test_the_cap_is_a_setting(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        add_user(sessions, "oOne")
        for _ in range(3):
            add_policy(sessions)
        assert (await push(client, sessions, daily_cap=1)).sent == 1

    run(empty_engine, scenario)


# ---- dry run and categories --------------------------------------------------------------------------

def test_a_dry_run_prints_the_plan_and_sends_and_writes_nothing(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        add_user(sessions, "oPlan", {"name": "沈阳乙科技有限公司", "district": "浑南区"})
        add_policy(sessions, {"districts": ["浑南区"]}, code="P-PLAN", short_title="浑南区扶持")
        lines: list[str] = []
        summary = await push(None, sessions, dry_run=True, echo=lines.append)
        assert summary.planned == 1 and summary.sent == 0 and summary.dry_run
        (line,) = lines
        for part in ("oPlan", "沈阳乙科技有限公司", "P-PLAN", "浑南区扶持", "位于浑南区"):
            assert part in line
        assert "试运行" in summary.text()
        assert state.calls == [] and pushes(sessions) == []
        with session_scope(sessions) as s:
            assert s.scalar(select(func.count()).select_from(Delivery)) == 0
        assert (await push(client, sessions)).sent == 1  # the real run sends what the dry run showed

    run(empty_engine, scenario)


def test_a_subscription_to_some_categories_gets_only_those(empty_engine: Engine) -> None:
    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        add_user(sessions, "oTech", categories=["科技创新", "人才引进"])
        add_user(sessions, "oAll")
        add_policy(sessions, category="科技创新", short_title="科技")
        add_policy(sessions, category="人才引进", short_title="人才")
        add_policy(sessions, category="减税降费", short_title="减税")
        await push(client, sessions)
        assert sorted(titles(state, "oTech")) == ["人才", "科技"]
        assert sorted(titles(state, "oAll")) == ["人才", "减税", "科技"]

    run(empty_engine, scenario)


def test_the_command_line_dry_run_prints_the_plan_and_a_chinese_summary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SYB_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SYB_PUSH_QUIET_HOURS", "")
    runtime.reset()
    try:
        init_schema(runtime.engine())
        add_user(runtime.sessions(), "oCli")
        add_policy(runtime.sessions(), code="P-CLI", short_title="命令行政策")
        assert main(["push-policies", "--dry-run"]) == 0
        out = capsys.readouterr().out
        assert "oCli" in out and "P-CLI" in out and "命令行政策" in out and "计划推送 1 条" in out
        assert pushes(runtime.sessions()) == []
    finally:
        runtime.reset()


def test_the_web_app_pushes_in_the_background(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    engine = create_db_engine(url)
    init_schema(engine)
    sessions = make_session_factory(engine)
    add_user(sessions, "oWeb")
    code = add_policy(sessions)
    port = free_port()
    app = create_app(web_settings(url, SYB_WEB_PORT=str(port), SYB_PUSH_INTERVAL="0.1", SYB_PUSH_QUIET_HOURS=""))

    async def scenario() -> list[dict[str, Any]]:
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            state = app[SANDBOX_APP][SANDBOX]
            for _ in range(100):
                if state.messages("oWeb"):
                    break
                await asyncio.sleep(0.05)
            return state.messages("oWeb")
        finally:
            await runner.cleanup()

    (message,) = asyncio.run(scenario())
    assert message["body"]["news"]["articles"][0]["url"] == f"http://127.0.0.1:{port}/policies/{code}"
    engine.dispose()


# ---- the bulk matcher agrees with check() --------------------------------------------------------

def test_the_bulk_matcher_agrees_with_check() -> None:
    rng = random.Random(5)
    today = date(2026, 6, 1)

    def pick(pool: tuple[str, ...], n: int) -> list[str]:
        return rng.sample(pool, rng.randint(1, n))

    policies = []
    for i in range(300):
        rules: dict[str, Any] = {}
        for key, pool, n in (("industries", INDUSTRIES, 4), ("sizes", SIZES, 2), ("districts", DISTRICTS, 3),
                             ("tags", TAGS, 2)):
            if rng.random() < 0.4:
                rules[key] = pick(pool, n)
        if rng.random() < 0.3:
            rules["min_years"] = rng.randint(0, 5)
        if rng.random() < 0.3:
            rules["max_years"] = rng.randint(3, 15)
        policies.append(Policy(id=i + 1, code=f"M-{i}", short_title="", title="", category="补助补贴",
                               issued_on=date(2025, 1, 1) + timedelta(days=rng.randint(0, 500)),
                               effective_on=date(2020, 1, 1), expires_on=None, eligibility=rules,
                               published_at=utcnow() - timedelta(minutes=rng.randint(0, 999))))
    matcher = Matcher(policies, today)
    for n in range(400):
        profile = Profile(n, "", rng.choice(INDUSTRIES), rng.choice(SIZES), rng.choice(DISTRICTS + ("浑南",)),
                          rng.choice((None, *range(2005, 2027))), tuple(sorted(rng.sample(TAGS, rng.randint(0, 2)))))
        mask = matcher.eligible(profile)
        for bit, policy in enumerate(matcher.policies):
            fit = check(policy, profile, today)
            assert bool(mask >> bit & 1) == (fit is not None), (profile, policy.eligibility)
            assert matcher.fit(bit, profile) == fit
    scores = [check(p, Profile(0, "", "", "", "", None, ()), today) for p in matcher.policies if not p.eligibility]
    assert all(s is not None and s.score < 1 for s in scores)


# ---- PostgreSQL: concurrent runs --------------------------------------------------------------------

def test_two_concurrent_runs_push_each_policy_once_on_postgresql(pg_engine: Engine,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    users = [f"oPg{i:03d}" for i in range(60)]
    url = pg_engine.url.render_as_string(hide_password=False)
    together = threading.Barrier(2, timeout=30)
    claim, calls, lock = push_module.claim, count(), threading.Lock()

    def claim_together(*args: Any) -> Any:
        """Both runs plan their first batch before either claims it: the database must pick one."""
        with lock:
            first = next(calls) < 2
        if first:
            together.wait()
        return claim(*args)

    monkeypatch.setattr(push_module, "claim", claim_together)

    def one_run(base: str) -> PushSummary:
        """A run with its own engine, client and event loop, as another process would have."""
        engine = create_db_engine(url)
        try:
            own = make_session_factory(engine)

            async def go() -> PushSummary:
                async with WeChatClient(base, APP_ID, SECRET, own, retries=1, backoff=0.01) as client:
                    return await push(client, own, batch_size=7)
            return asyncio.run(go())
        finally:
            engine.dispose()

    async def scenario(state: SandboxState, client: WeChatClient, sessions: "sessionmaker[Session]") -> None:
        for user in users:
            add_user(sessions, user)
        codes = [add_policy(sessions), add_policy(sessions, {"industries": ["制造业"]})]
        one, two = await asyncio.gather(asyncio.to_thread(one_run, client.api_base),
                                        asyncio.to_thread(one_run, client.api_base))
        assert one.sent + two.sent == len(users) * len(codes)
        assert one.skipped + two.skipped >= 7 * len(codes)  # the first batch went to one run only
        for user in users:
            assert sorted(titles(state, user)) == sorted(f"{c}扶持政策" for c in codes)
        assert (await push(client, sessions)).sent == 0

    run(pg_engine, scenario)
    rows = pushes(make_session_factory(pg_engine))
    assert len(rows) == len(users) * 2 and {s for *_, s in rows} == {"sent"}
