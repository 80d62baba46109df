"""The local WeChat API sandbox answers like WeChat, over real HTTP on loopback."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Optional, TypeVar

import aiohttp
import pytest

from bot.web.sandbox import SandboxState, menu_errors, menu_problems
from tests.unit.wechat.sandbox import APP_ID, SECRET, running_sandbox

T = TypeVar("T")
CREDENTIALS = {"grant_type": "client_credential", "appid": APP_ID, "secret": SECRET}


class Api:
    """A bare HTTP caller of the sandbox (no client logic: what WeChat's API would see)."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base = http, base

    async def get(self, path: str, **params: str) -> dict[str, Any]:
        async with self.http.get(self.base + path, params=params) as resp:
            assert resp.status == 200
            return dict(await resp.json())

    async def post(self, path: str, body: Any, token: Optional[str], raw: Optional[bytes] = None) -> dict[str, Any]:
        params = {"access_token": token} if token is not None else {}
        if raw is not None:
            request = self.http.post(self.base + path, params=params, data=raw)
        else:
            request = self.http.post(self.base + path, params=params, json=body)
        async with request as resp:
            assert resp.status == 200
            return dict(await resp.json())

    async def token(self) -> str:
        return str((await self.get("/cgi-bin/token", **CREDENTIALS))["access_token"])


def run(scenario: Callable[[SandboxState, Api], Awaitable[T]]) -> T:
    async def go() -> T:
        async with running_sandbox() as (state, base), aiohttp.ClientSession() as http:
            return await scenario(state, Api(http, base))
    return asyncio.run(go())


def text(openid: str, content: str) -> dict[str, Any]:
    return {"touser": openid, "msgtype": "text", "text": {"content": content}}


def test_token_checks_the_credentials() -> None:
    async def scenario(state: SandboxState, api: Api) -> None:
        assert (await api.get("/cgi-bin/token", **{**CREDENTIALS, "appid": "wxother"}))["errcode"] == 40013
        assert (await api.get("/cgi-bin/token", **{**CREDENTIALS, "secret": "nope"}))["errcode"] == 40125
        assert (await api.get("/cgi-bin/token", **{**CREDENTIALS, "grant_type": "x"}))["errcode"] == 40002
        answer = await api.get("/cgi-bin/token", **CREDENTIALS)
        assert answer["expires_in"] == 7200 and len(answer["access_token"]) >= 32 and "errcode" not in answer
        assert await api.token() != answer["access_token"]  # a new one each time

    run(scenario)


def test_a_replaced_token_works_for_the_overlap_only() -> None:
    async def scenario(state: SandboxState, api: Api) -> None:
        state.overlap = 0.3
        old = await api.token()
        new = await api.token()
        assert (await api.post("/cgi-bin/message/custom/send", text("o1", "旧"), old))["errcode"] == 0
        await asyncio.sleep(0.4)
        assert (await api.post("/cgi-bin/message/custom/send", text("o1", "旧"), old))["errcode"] == 40001
        assert (await api.post("/cgi-bin/message/custom/send", text("o1", "新"), new))["errcode"] == 0

    run(scenario)


def test_unknown_missing_and_expired_tokens_are_refused() -> None:
    async def scenario(state: SandboxState, api: Api) -> None:
        path = "/cgi-bin/message/custom/send"
        assert (await api.post(path, text("o1", "x"), "made-up"))["errcode"] == 40001
        assert (await api.post(path, text("o1", "x"), None))["errcode"] == 41001
        token = await api.token()
        assert (await api.get("/cgi-bin/menu/get", access_token=token))["errcode"] == 46003  # valid, no menu yet
        state.expire_tokens()
        assert (await api.post(path, text("o1", "x"), token))["errcode"] == 42001
        assert (await api.get("/cgi-bin/menu/get", access_token=token))["errcode"] == 42001
        assert state.messages("o1") == []

    run(scenario)


def test_bad_json_is_a_data_format_error() -> None:
    async def scenario(state: SandboxState, api: Api) -> None:
        token = await api.token()
        answer = await api.post("/cgi-bin/message/custom/send", None, token, raw=b'{"touser": "o1", ')
        assert answer["errcode"] == 47001
        assert (await api.post("/cgi-bin/message/custom/send", ["a list"], token))["errcode"] == 47001

    run(scenario)


@pytest.mark.parametrize(("body", "code"), [
    ({"msgtype": "text", "text": {"content": "x"}}, 40003),
    ({"touser": "o1", "msgtype": "telegram", "telegram": {}}, 40008),
    ({"touser": "o1", "msgtype": "text", "text": {"content": ""}}, 44004),
    ({"touser": "o1", "msgtype": "text"}, 44002),
    ({"touser": "o1", "msgtype": "news", "news": {"articles": []}}, 44003),
    ({"touser": "o1", "msgtype": "news", "news": {"articles": [{"title": "a"}, {"title": "b"}]}}, 45008),
    ({"touser": "o1", "msgtype": "image", "image": {}}, 40007),
])
def test_customer_service_messages_are_checked(body: dict[str, Any], code: int) -> None:
    async def scenario(state: SandboxState, api: Api) -> None:
        assert (await api.post("/cgi-bin/message/custom/send", body, await api.token()))["errcode"] == code
        assert state.inbox == []

    run(scenario)


def test_messages_are_kept_per_user_in_order() -> None:
    news = {"touser": "o1", "msgtype": "news", "news": {"articles": [
        {"title": "沈阳市市场监督管理局", "description": "电话 024-2345", "url": "https://e.org/u/1", "picurl": ""}]}}
    template = {"touser": "o1", "template_id": "TPL1", "data": {"thing1": {"value": "已受理"}}}

    async def scenario(state: SandboxState, api: Api) -> None:
        token = await api.token()
        assert (await api.post("/cgi-bin/message/custom/send", text("o1", "一"), token))["errcode"] == 0
        assert (await api.post("/cgi-bin/message/custom/send", text("o2", "别人的"), token))["errcode"] == 0
        assert (await api.post("/cgi-bin/message/custom/send", news, token))["errcode"] == 0
        sent = await api.post("/cgi-bin/message/template/send", template, token)
        assert sent["errcode"] == 0 and isinstance(sent["msgid"], int)
        no_template = await api.post("/cgi-bin/message/template/send", {"touser": "o1", "data": {}}, token)
        assert no_template["errcode"] == 40037
        everything = state.messages("o1")
        assert [m["kind"] for m in everything] == ["custom", "custom", "template"]
        assert [m["body"] for m in everything] == [text("o1", "一"), news, template]
        ids = [m["id"] for m in everything]
        assert ids == sorted(ids) and len(set(ids)) == 3 and sent["msgid"] == ids[2]
        assert state.messages("nobody") == []
        assert [m["body"] for m in state.messages("o2")] == [text("o2", "别人的")]

    run(scenario)


def test_injected_faults_and_the_call_log() -> None:
    async def scenario(state: SandboxState, api: Api) -> None:
        token = await api.token()
        path = "/cgi-bin/message/custom/send"
        state.fail_next(path, errcode=45015, count=2)
        state.fail_next("cgi-bin/message/custom/send", status=500)
        answers = [(await api.post(path, text("o1", str(i)), token))["errcode"] for i in range(2)]
        assert answers == [45015, 45015]
        async with api.http.post(api.base + path, params={"access_token": token}, json=text("o1", "2")) as resp:
            assert resp.status == 500
        assert (await api.post(path, text("o1", "3"), token))["errcode"] == 0
        assert [m["body"]["text"]["content"] for m in state.messages("o1")] == ["3"]
        assert [p for p, _, _ in state.calls] == ["/cgi-bin/token"] + [path] * 4
        assert state.calls[-1][1] == {"access_token": token} and state.calls[-1][2] == text("o1", "3")
        state.fail_next("/cgi-bin/token", errcode=-1)
        assert (await api.get("/cgi-bin/token", **CREDENTIALS))["errcode"] == -1
        with pytest.raises(ValueError):
            state.fail_next(path)

    run(scenario)


def test_the_menu_is_validated_stored_and_read_back() -> None:
    menu = {"button": [
        {"type": "click", "name": "我要找人", "key": "FIND_CONTACT"},
        {"name": "评价投诉", "sub_button": [{"type": "click", "name": "我要评价", "key": "RATE_SERVICE"},
                                         {"type": "view", "name": "办事指南", "url": "https://e.org/guide"}]},
    ]}

    async def scenario(state: SandboxState, api: Api) -> None:
        token = await api.token()
        too_many = {"button": menu["button"] * 2}
        assert (await api.post("/cgi-bin/menu/create", too_many, token))["errcode"] == 40016
        assert state.menu is None
        assert (await api.post("/cgi-bin/menu/create", menu, token))["errcode"] == 0
        assert (await api.get("/cgi-bin/menu/get", access_token=token)) == {"menu": menu}

    run(scenario)


def _sub(n: int, name: str = "子菜单") -> list[dict[str, Any]]:
    return [{"type": "click", "name": f"{name}{i}", "key": f"K{i}"} for i in range(n)]


@pytest.mark.parametrize(("menu", "code"), [
    ({"button": []}, 40016),
    ({"button": [{"type": "click", "name": f"B{i}", "key": "K"} for i in range(4)]}, 40016),
    ({}, 40016),
    ({"button": [{"type": "click", "name": "一二三四五六", "key": "K"}]}, 40018),  # 18 bytes
    ({"button": [{"type": "click", "name": "", "key": "K"}]}, 40018),
    ({"button": [{"type": "click", "name": "找人"}]}, 40019),
    ({"button": [{"type": "click", "name": "找人", "key": "K" * 129}]}, 40019),
    ({"button": [{"type": "view", "name": "网站", "url": "ftp://x"}]}, 40020),
    ({"button": [{"type": "dance", "name": "跳舞"}]}, 40017),
    ({"button": [{"name": "评价投诉", "sub_button": _sub(6)}]}, 40023),
    ({"button": [{"name": "评价投诉", "sub_button": [{"type": "click", "name": "很" * 21, "key": "K"}]}]}, 40025),
    ({"button": [{"name": "评价投诉", "sub_button": [{"type": "dance", "name": "跳舞"}]}]}, 40024),
    ({"button": [{"name": "评价投诉", "sub_button": [{"type": "click", "name": "评价"}]}]}, 40026),
    ({"button": [{"name": "评价投诉", "sub_button": [{"type": "view", "name": "网站", "url": ""}]}]}, 40027),
])
def test_menu_limits(menu: dict[str, Any], code: int) -> None:
    errors = menu_errors(menu)
    assert errors and errors[0][0] == code
    assert menu_problems(menu)


def test_menus_within_the_limits_pass() -> None:
    edge = {"button": [
        {"type": "click", "name": "五个汉字", "key": "K" * 128},  # 12 bytes
        {"name": "评价投诉", "sub_button": _sub(5, "很" * 18)},  # 5 sub-buttons of up to 60 bytes
        {"type": "view", "name": "政策查询", "url": "https://e.org/" + "p" * 1000, "sub_button": []},
    ]}
    assert menu_errors(edge) == [] and menu_problems(edge) == []
    from bot.wechat.menu import MENU

    assert menu_errors(MENU) == []
