"""The outbound client over real HTTP against the sandbox API on loopback; the wechat-menu command."""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy.engine import Engine

from bot import runtime
from bot.__main__ import main
from bot.config import Settings
from bot.db import create_db_engine, make_session_factory
from bot.errors import Unavailable, WeChatAPIError
from bot.web.sandbox import SandboxState
from bot.wechat.api import WeChatClient
from tests.unit.wechat.sandbox import APP_ID, SECRET, running_sandbox

SEND = "/cgi-bin/message/custom/send"
TOKEN = "/cgi-bin/token"
TEXT = {"touser": "oUser1", "msgtype": "text", "text": {"content": "您好"}}


def client(base: str, engine: Engine, secret: str = SECRET, app_id: str = APP_ID, **kw: Any) -> WeChatClient:
    options: dict[str, Any] = {"retries": 2, "backoff": 0.01, **kw}
    return WeChatClient(base, app_id, secret, make_session_factory(engine), **options)


def test_token_is_fetched_once_and_cached(empty_engine: Engine) -> None:
    async def go() -> None:
        async with running_sandbox() as (state, base), client(base, empty_engine) as c:
            first = await c.access_token()
            assert await c.access_token() == first
            await c.send_custom(TEXT)
            await c.send_custom(TEXT)
            assert state.calls_to(TOKEN) == 1
            _, query, _ = state.calls[0]
            assert query == {"grant_type": "client_credential", "appid": APP_ID, "secret": SECRET}
            assert [q["access_token"] for p, q, _ in state.calls if p == SEND] == [first, first]
    asyncio.run(go())


@pytest.mark.parametrize("db", ["empty_engine", "pg_engine"])
def test_two_clients_share_one_token(db: str, request: pytest.FixtureRequest) -> None:
    engine: Engine = request.getfixturevalue(db)

    async def go() -> None:
        async with running_sandbox() as (state, base):
            # two clients with their own engines, as two processes would have
            engine_b = create_db_engine(engine.url.render_as_string(hide_password=False))
            try:
                async with client(base, engine) as a, client(base, engine_b) as b:
                    tokens = await asyncio.gather(*(c.access_token() for c in (a, b, a, b, a, b)))
                    assert len(set(tokens)) == 1 and state.calls_to(TOKEN) == 1
                    await asyncio.gather(a.send_custom(TEXT), b.send_custom(TEXT))
                    assert state.calls_to(TOKEN) == 1 and len(state.messages("oUser1")) == 2
            finally:
                engine_b.dispose()
    asyncio.run(go())


@pytest.mark.parametrize("code", [40001, 40014, 42001])
def test_a_rejected_token_is_refreshed_and_the_call_retried_exactly_once(empty_engine: Engine, code: int) -> None:
    async def go() -> None:
        async with running_sandbox() as (state, base), client(base, empty_engine) as c:
            old = await c.access_token()
            state.fail_next(SEND, errcode=code)
            await c.send_custom(TEXT)
            sends = [q["access_token"] for p, q, _ in state.calls if p == SEND]
            assert len(sends) == 2 and sends[0] == old and sends[1] != old
            assert state.calls_to(TOKEN) == 2 and len(state.messages("oUser1")) == 1
            state.fail_next(SEND, errcode=code, count=3)
            with pytest.raises(WeChatAPIError) as exc:
                await c.send_custom(TEXT)
            assert exc.value.errcode == code
            assert state.calls_to(SEND) == 4 and state.calls_to(TOKEN) == 3  # one retry, not three
    asyncio.run(go())


def test_tokens_expired_at_wechat_are_replaced(empty_engine: Engine) -> None:
    async def go() -> None:
        async with running_sandbox() as (state, base), client(base, empty_engine) as c:
            await c.access_token()
            state.expire_tokens()
            await c.send_custom(TEXT)
            assert state.calls_to(TOKEN) == 2 and len(state.messages("oUser1")) == 1
    asyncio.run(go())


def test_server_errors_and_busy_answers_are_retried_with_backoff(empty_engine: Engine) -> None:
    async def go() -> float:
        async with running_sandbox() as (state, base), client(base, empty_engine, retries=3, backoff=0.1) as c:
            await c.access_token()
            state.fail_next(SEND, status=500)
            state.fail_next(SEND, errcode=-1)
            began = time.monotonic()
            await c.send_custom(TEXT)
            elapsed = time.monotonic() - began
            assert state.calls_to(SEND) == 3 and len(state.messages("oUser1")) == 1
            return elapsed
    assert asyncio.run(go()) >= 0.1 + 0.2  # waited backoff, then twice that


def test_retries_end_in_unavailable(empty_engine: Engine) -> None:
    async def go() -> None:
        async with running_sandbox() as (state, base), client(base, empty_engine, retries=2) as c:
            await c.access_token()
            state.fail_next(SEND, status=502, count=2)
            state.fail_next(SEND, errcode=-1)
            with pytest.raises(Unavailable):
                await c.send_custom(TEXT)
            assert state.calls_to(SEND) == 3 and state.messages("oUser1") == []
    asyncio.run(go())


def test_other_error_codes_are_raised_at_once(empty_engine: Engine) -> None:
    async def go() -> None:
        async with running_sandbox() as (state, base), client(base, empty_engine) as c:
            with pytest.raises(WeChatAPIError) as exc:
                await c.send_custom({**TEXT, "text": {"content": ""}})
            assert (exc.value.errcode, exc.value.errmsg) == (44004, "empty content")
            assert state.calls_to(SEND) == 1
    asyncio.run(go())


@pytest.mark.parametrize(("app_id", "secret", "code"), [
    (APP_ID, "wrong-secret", 40125), ("wxnotthisapp0000", SECRET, 40013)])
def test_bad_credentials_are_an_api_error(empty_engine: Engine, app_id: str, secret: str, code: int) -> None:
    async def go() -> None:
        async with running_sandbox() as (state, base), client(base, empty_engine, secret, app_id) as c:
            with pytest.raises(WeChatAPIError) as exc:
                await c.send_custom(TEXT)
            assert exc.value.errcode == code
            assert state.calls_to(TOKEN) == 1 and state.calls_to(SEND) == 0
    asyncio.run(go())


def test_an_unreachable_api_is_unavailable(empty_engine: Engine) -> None:
    async def go() -> None:
        async with running_sandbox() as (_, base):
            pass  # the port is free again: nothing listens there
        async with client(base, empty_engine) as c:
            with pytest.raises(Unavailable):
                await c.access_token()
    asyncio.run(go())


def test_a_slow_api_times_out_and_is_unavailable(empty_engine: Engine) -> None:
    hits: list[float] = []

    async def slow(_: web.Request) -> web.Response:
        hits.append(time.monotonic())
        await asyncio.sleep(2)
        return web.json_response({"access_token": "never", "expires_in": 7200})

    async def go() -> None:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", slow)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            async with client(base, empty_engine, retries=1, timeout=0.2) as c:
                with pytest.raises(Unavailable):
                    await c.access_token()
        finally:
            await runner.cleanup()

    began = time.monotonic()
    asyncio.run(go())
    assert len(hits) == 2 and time.monotonic() - began < 1.9


def test_a_wrong_api_base_is_not_retried(empty_engine: Engine) -> None:
    async def go() -> None:
        async with running_sandbox() as (state, base), client(base + "/nowhere", empty_engine, retries=3) as c:
            began = time.monotonic()
            with pytest.raises(Unavailable, match="HTTP 404"):
                await c.access_token()
            assert time.monotonic() - began < 0.5
    asyncio.run(go())


def test_template_menu_and_their_answers(empty_engine: Engine) -> None:
    menu = {"button": [{"type": "click", "name": "我要找人", "key": "FIND_CONTACT"}]}

    async def go() -> None:
        async with running_sandbox() as (state, base), client(base, empty_engine) as c:
            sent = await c.send_template("oUser1", "TPL1", {"thing1": {"value": "已受理"}}, "https://example.org/t/1")
            assert sent["errcode"] == 0 and sent["msgid"] == 1
            assert state.messages("oUser1")[0]["body"] == {
                "touser": "oUser1", "template_id": "TPL1", "data": {"thing1": {"value": "已受理"}},
                "url": "https://example.org/t/1"}
            await c.send_template("oUser1", "TPL1", {})
            assert "url" not in state.messages("oUser1")[1]["body"]
            with pytest.raises(WeChatAPIError) as exc:
                await c.get_menu()
            assert exc.value.errcode == 46003
            await c.create_menu(menu)
            assert (await c.get_menu())["menu"] == menu
            with pytest.raises(WeChatAPIError) as exc:
                await c.create_menu({"button": menu["button"] * 4})
            assert exc.value.errcode == 40016 and (await c.get_menu())["menu"] == menu
    asyncio.run(go())


def test_neither_secret_nor_token_is_logged(empty_engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    async def go() -> list[str]:
        async with running_sandbox() as (state, base), client(base, empty_engine) as c:
            state.fail_next(TOKEN, status=500)
            state.fail_next(SEND, errcode=40001)
            state.fail_next(SEND, status=503)
            await c.send_custom(TEXT)
            return [t for t in state.tokens]

    with caplog.at_level(logging.DEBUG):
        tokens = asyncio.run(go())
    # the client's own records (the test server's access log is not the client's)
    text = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot."))
    assert "retry" in text and "rejected" in text  # the failures were logged
    assert SECRET not in text and not any(t in text for t in tokens)


def test_the_session_is_created_lazily_and_closed(empty_engine: Engine) -> None:
    async def go() -> None:
        async with running_sandbox() as (_, base):
            c = client(base, empty_engine)
            assert c._http is None
            await c.access_token()
            http = c._http
            assert http is not None and not http.closed
            await c.close()
            assert http.closed and c._http is None
            await c.close()  # twice is harmless
    asyncio.run(go())
    settings = Settings.from_env({"WECHAT_API_BASE": "http://h/sandbox/", "WECHAT_APP_ID": "wxfromsettings01"})
    made = WeChatClient.from_settings(settings, make_session_factory(empty_engine), retries=1)
    assert (made.api_base, made.app_id, made.retries) == ("http://h/sandbox", "wxfromsettings01", 1)
    assert "local-secret" not in repr(made)


# ---- python -m bot wechat-menu -----------------------------------------------------------------

@pytest.fixture()
def sandbox_thread() -> Iterator[tuple[SandboxState, str]]:
    """A sandbox served from its own thread and loop (the command runs asyncio.run itself)."""
    ready, done = threading.Event(), threading.Event()
    found: dict[str, Any] = {}

    def serve() -> None:
        async def go() -> None:
            async with running_sandbox() as (state, base):
                found.update(state=state, base=base)
                ready.set()
                while not done.is_set():
                    await asyncio.sleep(0.02)
        asyncio.run(go())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield found["state"], found["base"]
    finally:
        done.set()
        thread.join(5)


@pytest.fixture()
def menu_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             sandbox_thread: tuple[SandboxState, str]) -> Iterator[SandboxState]:
    state, base = sandbox_thread
    monkeypatch.setenv("SYB_DATABASE_URL", f"sqlite:///{tmp_path / 'menu.db'}")
    monkeypatch.setenv("WECHAT_API_BASE", base)
    monkeypatch.setenv("WECHAT_APP_ID", APP_ID)
    monkeypatch.setenv("WECHAT_APP_SECRET", SECRET)
    runtime.reset()
    yield state
    runtime.reset()


def test_wechat_menu_publishes_the_menu(menu_env: SandboxState, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.wechat.menu import MENU

    assert main(["wechat-menu"]) == 0
    assert menu_env.menu == MENU
    out = capsys.readouterr().out
    assert "菜单已发布" in out and "我要找人" in out


def test_wechat_menu_reports_a_menu_wechat_refuses(menu_env: SandboxState, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import bot.wechat.menu

    four = {"button": [{"type": "click", "name": f"按钮{i}", "key": f"K{i}"} for i in range(4)]}
    monkeypatch.setattr(bot.wechat.menu, "MENU", four)
    assert main(["wechat-menu"]) == 1
    captured = capsys.readouterr()
    assert "菜单发布失败" in captured.err and "40016" in captured.err and captured.out == ""
    assert menu_env.menu is None


def test_wechat_menu_reports_a_wrong_secret(menu_env: SandboxState, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WECHAT_APP_SECRET", "wrong")
    runtime.reset()
    assert main(["wechat-menu"]) == 1
    err = capsys.readouterr().err
    assert "AppSecret 无效" in err and "wrong" not in err


def test_wechat_menu_reports_an_unreachable_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SYB_DATABASE_URL", f"sqlite:///{tmp_path / 'menu.db'}")
    monkeypatch.setenv("WECHAT_API_BASE", "http://127.0.0.1:9/sandbox")
    runtime.reset()
    try:
        assert main(["wechat-menu"]) == 1
    finally:
        runtime.reset()
    assert "无法连接微信接口" in capsys.readouterr().err
