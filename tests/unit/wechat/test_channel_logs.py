"""Sanic's log lines lose the signed query strings WeChat's requests carry."""
from __future__ import annotations

import logging

import pytest

from bot.channels.wechat import SANIC_LOGGERS, WeChatInput

URL = ("http://127.0.0.1:5005/webhooks/wechat/webhook?signature=5f1e0c2a9b&timestamp=1764000000"
       "&nonce=n0nce42&openid=oSecretUser&encrypt_type=aes&msg_signature=77aa")
SECRETS = ("5f1e0c2a9b", "1764000000", "n0nce42", "oSecretUser", "77aa")


async def _ignore(_: object) -> None:
    return None


@pytest.fixture()
def channel_installed() -> None:
    WeChatInput("tok", "wxapp").blueprint(_ignore)
    WeChatInput("tok", "wxapp").blueprint(_ignore)  # a second channel adds no second filter
    assert all(len(logging.getLogger(name).filters) == 1 for name in SANIC_LOGGERS)


def test_sanic_log_lines_lose_the_query_string(channel_installed: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        try:
            raise ValueError(f"while reading {URL}")
        except ValueError:
            logging.getLogger("sanic.error").exception("Exception occurred while handling uri: %s", repr(URL))
        logging.getLogger("sanic.root").info(f"Request: POST {URL} stopped. Transport is closed.")
        logging.getLogger("sanic.access").info("", extra={"request": f"POST {URL}", "host": "h", "status": 200,
                                                          "byte": 7})
        logging.getLogger("sanic.root").info("answered %s?", "what")
    access = caplog.records[2]
    seen = caplog.text + access.request  # type: ignore[attr-defined]
    assert "/webhooks/wechat/webhook" in seen and "answered what?" in seen
    assert not [s for s in SECRETS if s in seen]
