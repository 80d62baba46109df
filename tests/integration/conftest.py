"""The real Rasa server and action server on loopback, with the trained model."""
from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from bot.config import REPO_ROOT, Settings
from bot.serve import start, stop

MODEL = REPO_ROOT / "models" / "syb.tar.gz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RestClient:
    """Talks to Rasa's REST channel like a chat client would."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"

    def send(self, sender: str, message: str, metadata: "dict[str, Any] | None" = None) -> list[str]:
        body: dict[str, Any] = {"sender": sender, "message": message}
        if metadata:
            body["metadata"] = metadata
        req = urllib.request.Request(self.url, json.dumps(body).encode(), {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return [m.get("text", "") for m in json.loads(resp.read())]


@pytest.fixture(scope="session")
def servers(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    if not MODEL.exists():
        pytest.fail("models/syb.tar.gz is missing: run the tests through `make test`, which trains it")
    tmp = tmp_path_factory.mktemp("servers")
    settings = Settings.from_env({
        "SYB_DATABASE_URL": f"sqlite:///{sample_db / 'syb.db'}",
        "SYB_TRACKER_DB": str(tmp / "tracker.db"),
        "SYB_DICT_DIR": str(sample_db / "jieba"),
        "SYB_RASA_PORT": str(free_port()),
        "SYB_ACTIONS_PORT": str(free_port()),
        "SYB_MODEL_DIR": str(MODEL.parent),
    })
    procs = start(settings, tmp / "log")
    try:
        yield settings
    finally:
        stop(procs)


@pytest.fixture(scope="session")
def chat(servers: Settings) -> RestClient:
    return RestClient(servers.rasa_port)
