"""When the real assistant misses the passive budget, WeChat gets `success` and the answer arrives
through the customer-service API (here the local sandbox, over HTTP), once, retries included."""
from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

from bot.config import Settings
from bot.replies import render
from bot.wechat import simulate
from tests.integration.conftest import running_servers


@pytest.fixture(scope="module")
def slow_budget(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    # No turn fits in a millisecond: every answer must go by API. Two messages per user per 10 minutes.
    yield from running_servers(sample_db, tmp_path_factory.mktemp("async"), WECHAT_REPLY_BUDGET="0.001",
                               SYB_MESSAGE_RATE="2/600")


def post(settings: Settings, account: simulate.Account, openid: str, xml: str) -> str:
    query, body = simulate.request(account, openid, xml)
    url = f"http://127.0.0.1:{settings.rasa_port}/webhooks/wechat/webhook?" + urllib.parse.urlencode(query)
    with urllib.request.urlopen(urllib.request.Request(url, body.encode(), method="POST"), timeout=30) as resp:
        return resp.read().decode()


def inbox(settings: Settings, openid: str) -> list[dict[str, Any]]:
    url = f"http://127.0.0.1:{settings.web_port}/chat/api/inbox?openid={openid}"
    with urllib.request.urlopen(url, timeout=10) as resp:
        return list(json.loads(resp.read())["messages"])


def test_the_answer_follows_by_api_once(slow_budget: Settings) -> None:
    account = simulate.Account(slow_budget.wechat_token, slow_budget.wechat_app_id)
    user = "o" + uuid.uuid4().hex[:27]
    xml = simulate.text(account, user, "公积金提取找哪个部门")
    assert post(slow_budget, account, user, xml) == "success"
    deadline = time.monotonic() + 30
    while not inbox(slow_budget, user) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert post(slow_budget, account, user, xml) == "success"  # WeChat's retry: nothing more
    time.sleep(1.0)
    sent = inbox(slow_budget, user)
    assert len(sent) == 1 and sent[0]["kind"] == "custom"
    assert "住房公积金" in sent[0]["body"]["text"]["content"]


def test_past_the_rate_limit_a_polite_answer_at_once_and_no_turn(slow_budget: Settings) -> None:
    account = simulate.Account(slow_budget.wechat_token, slow_budget.wechat_app_id)
    user = "o" + uuid.uuid4().hex[:27]
    asked = [simulate.text(account, user, q) for q in ("公积金提取找哪个部门", "市场监管局电话多少", "开饭店找谁")]
    assert post(slow_budget, account, user, asked[0]) == post(slow_budget, account, user, asked[1]) == "success"
    for _ in range(2):  # the message and WeChat's retry of it: the same answer, passively
        reply = simulate.read_reply(account, post(slow_budget, account, user, asked[2]), {})
        assert reply is not None and reply["Content"] == render("too_fast")
    deadline = time.monotonic() + 30
    while len(inbox(slow_budget, user)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    assert len(inbox(slow_budget, user)) == 2  # the first two answered by API, the third never run
