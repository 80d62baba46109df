"""The sandbox WeChat API served on loopback inside a test's event loop."""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from aiohttp import web

from bot.web.sandbox import SANDBOX, SandboxState, sandbox_app
from tests.unit.web.conftest import serving

APP_ID, SECRET = "wxtestapp0000001", "test-secret"


@asynccontextmanager
async def running_sandbox() -> AsyncIterator[tuple[SandboxState, str]]:
    """(state, api_base) of a sandbox listening on 127.0.0.1."""
    root = web.Application()
    sub = sandbox_app(APP_ID, SECRET)
    root.add_subapp("/sandbox", sub)
    async with serving(root) as base:
        yield sub[SANDBOX], f"{base}/sandbox"
