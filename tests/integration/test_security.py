"""The production profile over the real servers: only the WeChat webhook, the public pages and the
console are served; no channel can act as another channel's user; the action server answers only
Rasa; work per message and per sender is bounded; no secret is on a command line."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

from bot.config import REPO_ROOT, Settings
from bot.db import session_scope
from bot.db.directory import Unit
from bot.feedback.complaints import Submission, submit_complaint
from bot.wechat import simulate
from tests.integration.conftest import AES_KEY, RUNNING, RestClient, running_servers

PRODUCTION = {
    "SYB_ENV": "production",
    "WECHAT_TOKEN": "prod-token-for-the-security-test",
    "WECHAT_APP_ID": "wx5ecur1tyte5t0001",
    "WECHAT_APP_SECRET": "prod-app-secret-for-the-security-test",
    "WECHAT_ENCODING_AES_KEY": AES_KEY,
    "WECHAT_API_BASE": "https://127.0.0.1:9",  # never reached: replies go passively in these tests
    "SYB_PUBLIC_URL": "https://syb.example.gov.cn",
    "SYB_REST_SECRET": "rest-secret-for-the-security-test",
    "SYB_CONSOLE_SECRET": "console-secret-for-the-security-test",
    "SYB_MESSAGE_RATE": "6/60",
}


@pytest.fixture(scope="module")
def prod(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    yield from running_servers(sample_db, tmp_path_factory.mktemp("security"), **PRODUCTION)


def call(url: str, data: Optional[bytes] = None, headers: Optional[dict[str, str]] = None,
         method: Optional[str] = None) -> tuple[int, str]:
    """Status and body of one request (HTTP errors included); redirects are not followed."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    req = urllib.request.Request(url, data, headers or {}, method=method)
    try:
        with urllib.request.build_opener(NoRedirect).open(req, timeout=60) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def rest(settings: Settings, sender: str, message: str, secret: Optional[str] = None) -> tuple[int, Any]:
    secret = settings.rest_secret if secret is None else secret
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {secret}"} if secret else {})}
    status, body = call(f"http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook",
                        json.dumps({"sender": sender, "message": message}).encode(), headers)
    return status, json.loads(body) if body.startswith(("[", "{")) else body


def wechat(settings: Settings, openid: str, words: str) -> str:
    account = simulate.Account(settings.wechat_token, settings.wechat_app_id, settings.wechat_aes_key)
    query, body = simulate.request(account, openid, simulate.text(account, openid, words), "safe")
    status, reply = call(f"http://127.0.0.1:{settings.rasa_port}/webhooks/wechat/webhook?"
                         + urllib.parse.urlencode(query), body.encode())
    assert status == 200, reply
    return (simulate.read_reply(account, reply, query) or {}).get("Content", "")


def tracker(settings: Settings, conversation: str) -> dict[str, Any]:
    url = (f"http://127.0.0.1:{settings.rasa_port}/conversations/{urllib.parse.quote(conversation, safe=':')}/tracker"
           f"?token={settings.rasa_api_token}")
    return json.loads(call(url)[1])


@pytest.mark.parametrize("command", ["rasa-server", "action-server", "web"])
def test_production_refuses_to_start_with_default_secrets(command: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SYB_", "WECHAT_"))}
    done = subprocess.run([sys.executable, "-m", "bot", command], cwd=REPO_ROOT, capture_output=True, text=True,
                          env={**env, "SYB_ENV": "production"}, timeout=120)
    assert done.returncode == 2
    assert "WECHAT_TOKEN 仍是默认值" in done.stderr and "WECHAT_APP_SECRET" in done.stderr


def test_only_the_webhook_public_pages_and_console_are_served(prod: Settings) -> None:
    web = f"http://127.0.0.1:{prod.web_port}"
    assert call(f"{web}/chat")[0] == 404
    assert call(f"{web}/chat/api/send", b"{}", {"Content-Type": "application/json"})[0] == 404
    assert call(f"{web}/sandbox/cgi-bin/token?grant_type=client_credential")[0] == 404
    assert call(f"{web}/policies")[0] == 200 and call(f"{web}/console/login")[0] == 200
    assert call(f"{web}/console/tickets")[0] == 303
    rasa = f"http://127.0.0.1:{prod.rasa_port}"
    assert call(f"{rasa}/webhooks/wechat/webhook?signature=x&timestamp=1&nonce=2&echostr=3")[0] == 403
    assert call(f"{rasa}/status")[0] == 401
    assert rest(prod, "someone", "你好", secret="")[0] == 401
    assert rest(prod, "someone", "你好", secret="wrong-secret-of-the-same-size-xx")[0] == 401


def this_hosts_other_addresses() -> list[str]:
    """The machine's addresses other than loopback (where an outside caller would connect)."""
    found = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: only picks the outgoing interface
            found.add(probe.getsockname()[0])
    except OSError:
        pass
    return sorted(a for a in found if not a.startswith("127."))


def test_internal_servers_listen_on_loopback_only(prod: Settings) -> None:
    addresses = this_hosts_other_addresses()
    if not addresses:
        pytest.skip("this machine has no address but loopback")
    for address in addresses:
        for port in (prod.actions_port, prod.rasa_port, prod.web_port):
            with socket.socket() as s, pytest.raises(OSError):
                s.settimeout(3)
                s.connect((address, port))


def test_the_action_server_answers_only_rasa(prod: Settings) -> None:
    url = f"http://127.0.0.1:{prod.actions_port}"
    forged = json.dumps({"next_action": "action_ticket_status", "sender_id": "o-victim", "version": "3.6.2",
                         "tracker": {"sender_id": "o-victim", "slots": {}, "latest_message": {"text": "查一下投诉"},
                                     "events": []}, "domain": {}}).encode()
    for headers in ({}, {"X-SYB-Token": "guess"}, {"X-SYB-Token": prod.rasa_api_token}):
        status, body = call(f"{url}/webhook", forged, {"Content-Type": "application/json", **headers})
        assert status == 401 and "o-victim" not in body
    assert call(f"{url}/actions")[0] == 401
    assert call(f"{url}/health")[0] == 200


def test_a_rest_sender_cannot_be_a_wechat_user(prod: Settings, sample_sessions: Any) -> None:
    victim = "o" + uuid.uuid4().hex[:27]
    with session_scope(sample_sessions) as s:
        unit = s.query(Unit).order_by(Unit.id).first()
        ticket, _ = submit_complaint(s, f"security-{victim}", Submission(
            victim, unit.id, "窗口工作人员让我回去等通知，秘密细节甲乙丙", contact_phone="13800000000"))
        ticket_id = ticket.ticket_id
    wechat(prod, victim, "我要投诉")  # a cold server may answer later, by API: wait for the form
    deadline = time.monotonic() + 60
    while not tracker(prod, victim).get("active_loop") and time.monotonic() < deadline:
        time.sleep(0.5)
    status, replies = rest(prod, victim, f"查一下{ticket_id}")
    assert status == 200
    said = "\n".join(m.get("text", "") for m in replies)
    assert "秘密细节" not in said and "13800000000" not in said
    mine = tracker(prod, victim)
    assert mine["active_loop"].get("name") == "complaint_form"  # the REST request did not touch it
    assert all(e.get("input_channel") in (None, "wechat") for e in mine["events"] if e["event"] == "user")
    assert any(e["event"] == "user" for e in tracker(prod, f"rest:{victim}")["events"])


def test_a_sender_over_the_rate_gets_a_polite_answer(prod: Settings) -> None:
    me = f"fast-{uuid.uuid4().hex[:6]}"
    statuses = [rest(prod, me, "你好")[0] for _ in range(6)]
    assert statuses == [200] * 6
    status, replies = rest(prod, me, "你好")
    assert status == 429 and "频繁" in replies[0]["text"]


def test_a_long_message_is_cut_and_answered_politely(prod: Settings) -> None:
    me = f"long-{uuid.uuid4().hex[:6]}"
    status, replies = rest(prod, me, "我想问一下营业执照在哪里办理" * 8000)  # 112,000 characters
    assert status == 200 and "太长" in replies[0]["text"]
    (said,) = [e for e in tracker(prod, f"rest:{me}")["events"] if e["event"] == "user"]
    assert len(said["text"]) == prod.max_message_chars
    assert said["metadata"]["overlong"] == 112_000


def test_a_long_complaint_description_is_kept_in_part(prod: Settings) -> None:
    me = f"desc-{uuid.uuid4().hex[:6]}"
    rest(prod, me, "我要投诉")
    status, replies = rest(prod, me, "沈阳市的局，" * 400)  # too long for the answer to "which unit"
    assert status == 200 and "太长" in replies[0]["text"]
    rest(prod, me, "沈阳市市场监督管理局")  # the city's bureau: its full name says so
    status, replies = rest(prod, me, "那天我去窗口办事，工作人员一直在玩手机不理人，" * 200)
    said = "\n".join(m.get("text", "") for m in replies)
    assert status == 200 and f"前 {prod.max_message_chars} 字" in said, said


def test_no_secret_is_on_a_command_line(prod: Settings) -> None:
    secrets = [prod.rasa_api_token, prod.actions_token, prod.rest_secret, prod.wechat_token,
               prod.wechat_app_secret, prod.wechat_aes_key]
    for proc in RUNNING[prod.rasa_port]:
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode("utf-8", "replace")
        assert not [s for s in secrets if s in cmdline], cmdline
