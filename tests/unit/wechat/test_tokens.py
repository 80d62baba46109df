"""The shared access_token: cached, refreshed early, fetched once across processes, compare-and-swap invalidation."""
from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta
from typing import Optional

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.db import create_db_engine, make_session_factory, session_scope
from bot.db.base import utcnow
from bot.db.wechat import AccessToken
from bot.errors import Unavailable, WeChatAPIError
from bot.wechat.tokens import TokenStore

APP = "wxtokentest00001"


class Fetcher:
    """A token source that counts its calls (WeChat's /cgi-bin/token stands behind it in production)."""

    def __init__(self, *answers: tuple[str, int], delay: float = 0.0, error: Optional[Exception] = None) -> None:
        self.answers = list(answers) or [("tok-1", 7200)]
        self.delay = delay
        self.error = error
        self.calls = 0
        self._lock = threading.Lock()

    async def __call__(self) -> tuple[str, int]:
        with self._lock:
            self.calls += 1
            n = self.calls
        await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return self.answers[min(n, len(self.answers)) - 1]


def row(sessions: "sessionmaker[Session]") -> AccessToken:
    with session_scope(sessions) as s:
        found = s.get(AccessToken, APP)
        assert found is not None
        return found


def set_row(sessions: "sessionmaker[Session]", **values: object) -> None:
    """Put the row into a state another process would leave (creating it if needed)."""
    with session_scope(sessions) as s:
        if s.get(AccessToken, APP) is None:
            s.add(AccessToken(app_id=APP))
            s.flush()
        s.execute(update(AccessToken).where(AccessToken.app_id == APP).values(**values))


def test_token_is_fetched_once_then_cached(empty_engine: Engine) -> None:
    sessions = make_session_factory(empty_engine)
    store, fetch = TokenStore(sessions, APP), Fetcher()

    async def go() -> list[str]:
        return [await store.get(fetch) for _ in range(3)]

    assert asyncio.run(go()) == ["tok-1"] * 3
    assert fetch.calls == 1
    stored = row(sessions)
    assert stored.token == "tok-1" and stored.refreshing_until is None
    assert timedelta(seconds=7190) < stored.expires_at - utcnow() <= timedelta(seconds=7200)


def test_token_is_refreshed_five_minutes_before_it_expires(empty_engine: Engine) -> None:
    store = TokenStore(make_session_factory(empty_engine), APP)
    fetch = Fetcher(("short", 299), ("long", 7200))

    async def go() -> list[str]:
        return [await store.get(fetch) for _ in range(3)]

    assert asyncio.run(go()) == ["short", "long", "long"]
    assert fetch.calls == 2


def _as_processes(url: str, processes: int, per_process: int, fetch: Fetcher) -> list[str]:
    """Each "process" is a thread with its own engine, event loop and store, all on one database."""
    tokens: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(processes)

    def process() -> None:
        engine = create_db_engine(url)
        store = TokenStore(make_session_factory(engine), APP)

        async def go() -> list[str]:
            start.wait()
            return list(await asyncio.gather(*(store.get(fetch) for _ in range(per_process))))

        try:
            tokens.extend(asyncio.run(go()))
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=process) for _ in range(processes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    return tokens


@pytest.mark.parametrize("db", ["empty_engine", "pg_engine"])
def test_concurrent_processes_fetch_once(db: str, request: pytest.FixtureRequest) -> None:
    engine: Engine = request.getfixturevalue(db)
    fetch = Fetcher(("shared", 7200), ("second", 7200), delay=0.3)
    tokens = _as_processes(engine.url.render_as_string(hide_password=False), 3, 4, fetch)
    assert tokens == ["shared"] * 12
    assert fetch.calls == 1


def test_while_another_process_refreshes_early_the_current_token_is_used(empty_engine: Engine) -> None:
    sessions = make_session_factory(empty_engine)
    set_row(sessions, token="current", expires_at=utcnow() + timedelta(seconds=200),
            refreshing_until=utcnow() + timedelta(seconds=10))
    fetch = Fetcher()
    began = time.monotonic()
    assert asyncio.run(TokenStore(sessions, APP).get(fetch)) == "current"
    assert fetch.calls == 0 and time.monotonic() - began < 1


def test_without_a_usable_token_the_process_waits_for_the_one_being_fetched(empty_engine: Engine) -> None:
    sessions = make_session_factory(empty_engine)
    set_row(sessions, token=None, expires_at=None, refreshing_until=utcnow() + timedelta(seconds=10))
    fetch = Fetcher()

    async def other_process_finishes() -> None:
        await asyncio.sleep(0.4)
        await asyncio.to_thread(set_row, sessions, token="theirs",
                                expires_at=utcnow() + timedelta(seconds=7200), refreshing_until=None)

    async def go() -> str:
        store = TokenStore(sessions, APP, poll=0.05)
        token, _ = await asyncio.gather(store.get(fetch), other_process_finishes())
        return token

    began = time.monotonic()
    assert asyncio.run(go()) == "theirs"
    assert fetch.calls == 0 and 0.35 < time.monotonic() - began < 5


def test_a_lease_left_by_a_crashed_process_is_taken_over_when_it_runs_out(empty_engine: Engine) -> None:
    sessions = make_session_factory(empty_engine)
    set_row(sessions, token=None, expires_at=None, refreshing_until=utcnow() + timedelta(seconds=0.5))
    fetch = Fetcher()
    began = time.monotonic()
    assert asyncio.run(TokenStore(sessions, APP, lease=1.0, poll=0.05).get(fetch)) == "tok-1"
    assert fetch.calls == 1 and 0.45 < time.monotonic() - began < 5


def test_a_failed_fetch_releases_the_lease(empty_engine: Engine) -> None:
    sessions = make_session_factory(empty_engine)
    failing = Fetcher(error=WeChatAPIError(40125, "invalid appsecret"))
    with pytest.raises(WeChatAPIError):
        asyncio.run(TokenStore(sessions, APP).get(failing))
    assert row(sessions).refreshing_until is None
    began = time.monotonic()
    assert asyncio.run(TokenStore(sessions, APP).get(Fetcher())) == "tok-1"
    assert time.monotonic() - began < 1  # did not wait out a lease


def test_when_wechat_is_down_a_token_that_has_not_expired_is_still_used(empty_engine: Engine) -> None:
    sessions = make_session_factory(empty_engine)
    set_row(sessions, token="aging", expires_at=utcnow() + timedelta(seconds=120))
    down = Fetcher(error=Unavailable("HTTP 503"))
    assert asyncio.run(TokenStore(sessions, APP).get(down)) == "aging"
    assert down.calls == 1 and row(sessions).token == "aging" and row(sessions).refreshing_until is None
    set_row(sessions, token="gone", expires_at=utcnow() - timedelta(seconds=1))
    with pytest.raises(Unavailable):
        asyncio.run(TokenStore(sessions, APP).get(down))


def test_invalidate_only_clears_the_token_it_names(empty_engine: Engine) -> None:
    sessions = make_session_factory(empty_engine)
    store, fetch = TokenStore(sessions, APP), Fetcher(("first", 7200), ("second", 7200))

    async def go() -> list[str]:
        seen = [await store.get(fetch)]
        await store.invalidate("an-older-token")  # another process already replaced it: keep ours
        seen.append(await store.get(fetch))
        await store.invalidate("first")
        seen.append(await store.get(fetch))
        return seen

    assert asyncio.run(go()) == ["first", "first", "second"]
    assert fetch.calls == 2


def test_a_fetch_that_outlived_its_lease_does_not_overwrite_a_newer_token(empty_engine: Engine) -> None:
    sessions = make_session_factory(empty_engine)
    fetch = Fetcher(("late", 7200), delay=0.5)

    async def other_process_takes_over() -> None:
        await asyncio.sleep(0.2)  # our lease ran out; another process fetched and stored its token
        await asyncio.to_thread(set_row, sessions, token="newer", expires_at=utcnow() + timedelta(seconds=7200),
                                refreshing_until=None)

    async def go() -> str:
        token, _ = await asyncio.gather(TokenStore(sessions, APP).get(fetch), other_process_takes_over())
        return token

    assert asyncio.run(go()) == "late"  # still a valid token for this call
    assert row(sessions).token == "newer"
