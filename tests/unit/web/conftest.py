"""The web app served on loopback inside a test's event loop, against the sample database."""
from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Optional

import pytest
from aiohttp import web

from bot.config import Settings


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """The base URL of ``app`` listening on 127.0.0.1 (a free port), cleaned up afterwards."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@contextmanager
def serving_in_thread(app: web.Application) -> Iterator[str]:
    """``serving`` on an event loop in a thread of its own, for synchronous callers (the browser tests)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = serving(app)
    base = asyncio.run_coroutine_threadsafe(server.__aenter__(), loop).result(timeout=30)
    try:
        yield base
    finally:
        asyncio.run_coroutine_threadsafe(server.__aexit__(None, None, None), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def web_settings(database: str, **env: Optional[str]) -> Settings:
    """Settings of a web app on ``database``; ``env`` adds or (with None) drops variables."""
    base = {"SYB_DATABASE_URL": database, "SYB_WEB_PORT": "18999", "SYB_RASA_PORT": "9",
            "WECHAT_TOKEN": "web-test-token", "WECHAT_APP_ID": "wxwebtest0000001", "SYB_NOTIFY_INTERVAL": "0",
            "SYB_PUSH_INTERVAL": "0"}
    base.update({k: v for k, v in env.items() if v is not None})
    return Settings.from_env(base)


@pytest.fixture()
def sample_url(sample_db: Path) -> str:
    """SQLAlchemy URL of the sample directory database."""
    return f"sqlite:///{sample_db / 'syb.db'}"
