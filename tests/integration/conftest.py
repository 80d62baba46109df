"""The real Rasa server and action server on loopback, with the trained model."""
from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

from bot.config import REPO_ROOT, Settings
from bot.serve import actions_ready, free_port, start, start_actions, stop
from bot.wechat import simulate

MODEL = REPO_ROOT / "models" / "syb.tar.gz"
RUNNING: dict[int, list[subprocess.Popen]] = {}  # rasa port → [actions, rasa, web]
AES_KEY = "integrationtestkeyintegrationtestkey0123456"
PREVIOUS_AES_KEY = "previouskeypreviouskeypreviouskey0123456789"


class RestClient:
    """Talks to Rasa's REST channel like a chat client would (with the channel's secret when there is one)."""

    def __init__(self, port: int, secret: str = "") -> None:
        self.url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        self.headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {secret}"} if secret else {})}

    def send(self, sender: str, message: str, metadata: "dict[str, Any] | None" = None) -> list[str]:
        body: dict[str, Any] = {"sender": sender, "message": message}
        if metadata:
            body["metadata"] = metadata
        req = urllib.request.Request(self.url, json.dumps(body).encode(), self.headers)
        with urllib.request.urlopen(req, timeout=60) as resp:
            return [m["text"] for m in json.loads(resp.read()) if m.get("text")]


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.fail("浏览器测试需要 /usr/bin/chromium：请运行 scripts/ensure-chromium.sh")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def running_servers(sample_db: Path, tmp: Path, **env: str) -> Iterator[Settings]:
    """The three servers on free loopback ports over the sample directory; ``env`` overrides settings."""
    if not MODEL.exists():
        pytest.fail("models/syb.tar.gz is missing: run the tests through `make test`, which trains it")
    settings = Settings.from_env({
        "SYB_DATABASE_URL": f"sqlite:///{sample_db / 'syb.db'}",
        "SYB_TRACKER_URL": f"sqlite:///{tmp / 'tracker.db'}",
        "SYB_DICT_DIR": str(sample_db / "jieba"),
        "SYB_MODEL_DIR": str(MODEL.parent),
        "SYB_RASA_PORT": str(free_port()),
        "SYB_ACTIONS_PORT": str(free_port()),
        "SYB_WEB_PORT": str(free_port()),
        # Tests run the push job and the complaint notifier themselves: background ones in these servers
        # would race the unit tests that share the sample database (the servers live for the session).
        "SYB_PUSH_INTERVAL": "0",
        "SYB_NOTIFY_INTERVAL": "0",
        "SYB_MESSAGE_RATE": "100000/60",  # every test talks from 127.0.0.1; test_security checks the limit
        **env,
    })
    procs = start(settings, tmp / "log")
    RUNNING[settings.rasa_port] = procs
    try:
        yield settings
    finally:
        stop(RUNNING.pop(settings.rasa_port))


def restart_actions(settings: Settings, log_dir: Path) -> None:
    """Stop the action server of running servers and start a new one on the same port."""
    procs = RUNNING[settings.rasa_port]
    stop([procs[0]])
    procs[0] = start_actions(settings, log_dir)
    assert actions_ready(settings, procs[0]), "the action server did not come back"


def stop_actions(settings: Settings) -> None:
    stop([RUNNING[settings.rasa_port][0]])


@pytest.fixture(scope="session")
def servers(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    yield from running_servers(sample_db, tmp_path_factory.mktemp("servers"),
                               WECHAT_ENCODING_AES_KEY=AES_KEY, WECHAT_PREVIOUS_AES_KEY=PREVIOUS_AES_KEY)


@pytest.fixture(scope="session")
def chat(servers: Settings) -> RestClient:
    return RestClient(servers.rasa_port)


class WeChatServer:
    """Plays WeChat's servers against the channel."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = f"http://127.0.0.1:{settings.rasa_port}/webhooks/wechat/webhook"
        self.account = simulate.Account(settings.wechat_token, settings.wechat_app_id, settings.wechat_aes_key)

    def post(self, query: dict[str, str], body: str) -> tuple[int, str]:
        req = urllib.request.Request(self.url + "?" + urllib.parse.urlencode(query), body.encode(), method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def send(self, xml: str, mode: str = "safe", account: Optional[simulate.Account] = None) -> Optional[dict[str, Any]]:
        account = account or self.account
        openid = xml.split("<FromUserName><![CDATA[", 1)[1].split("]]>", 1)[0]
        query, body = simulate.request(account, openid, xml, mode)
        status, text = self.post(query, body)
        assert status == 200, text
        return simulate.read_reply(account, text, query)

    def say(self, openid: str, text: str, mode: str = "safe") -> str:
        reply = self.send(simulate.text(self.account, openid, text), mode)
        assert reply is not None and reply["MsgType"] == "text", reply
        return str(reply["Content"])


@pytest.fixture(scope="module")
def wechat(servers: Settings) -> WeChatServer:
    """The channel after one turn: a fresh server's first turns (models and indexes loading) miss the budget."""
    server, user = WeChatServer(servers), openid()
    server.send(simulate.text(server.account, user, "公积金提取找哪个部门"))
    deadline = time.monotonic() + 60
    while not [e for e in tracker_events(servers, user) if e["event"] == "bot"] and time.monotonic() < deadline:
        time.sleep(0.2)
    return server


def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


def tracker_events(servers: Settings, user: str) -> list[dict[str, Any]]:
    """The events of ``user``'s conversation, from Rasa's HTTP API."""
    url = f"http://127.0.0.1:{servers.rasa_port}/conversations/{user}/tracker?token={servers.rasa_api_token}"
    with urllib.request.urlopen(url) as resp:
        return list(json.loads(resp.read())["events"])
