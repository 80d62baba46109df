"""A change made in the console reaches the complainant through the WeChat API (the local sandbox)."""
from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.serve import free_port
from bot.web.app import create_app
from bot.web.keys import SANDBOX_APP
from bot.web.sandbox import SANDBOX
from bot.wechat.delivery import note_inbound
from tests.unit.console.conftest import Client, World, version_in
from tests.unit.web.conftest import web_settings


def test_a_status_change_is_sent_to_the_complainant(console_url: str, sessions: "sessionmaker[Session]",
                                                    world: World) -> None:
    openid = "oworld-1"  # the complainant of the world's ticket
    with session_scope(sessions) as s:
        note_inbound(s, openid)  # wrote to the account recently: the customer-service window is open
    port = free_port()
    app = create_app(web_settings(console_url, SYB_WEB_PORT=str(port), SYB_NOTIFY_INTERVAL="30"))

    async def scenario() -> list[str]:
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            async with Client(f"http://127.0.0.1:{port}") as staff:
                await staff.login("staff_a")
                _, page = await staff.get(f"/console/tickets/{world.ticket}")
                status, _ = await staff.post(f"/console/tickets/{world.ticket}/status",
                                             {"to_status": "已受理", "note": "已安排专人核实", "version": version_in(page)})
                assert status == 303
            state = app[SANDBOX_APP][SANDBOX]
            for _ in range(100):  # sent at once (the change kicks the notifier), not after 30 s
                if state.messages(openid):
                    break
                await asyncio.sleep(0.05)
            return [m["body"]["text"]["content"] for m in state.messages(openid)]
        finally:
            await runner.cleanup()

    (message,) = asyncio.run(scenario())
    assert world.ticket in message and "已受理" in message and "已安排专人核实" in message
