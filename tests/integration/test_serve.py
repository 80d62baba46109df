"""`make run`'s last step, `python -m bot serve`: it prints where to chat, answers, and Ctrl-C (SIGINT to the
terminal's process group) stops every server it started."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from bot.config import REPO_ROOT
from bot.serve import free_port
from tests.integration.conftest import MODEL, RestClient

READY = "按 Ctrl-C 停止"


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_serve_prints_where_to_chat_answers_and_stops_on_ctrl_c(sample_db: Path, tmp_path: Path) -> None:
    shutil.copy(sample_db / "syb.db", tmp_path / "syb.db")
    ports = {name: free_port() for name in ("SYB_RASA_PORT", "SYB_ACTIONS_PORT", "SYB_WEB_PORT")}
    env = {**os.environ, **{k: str(v) for k, v in ports.items()},
           "SYB_DATABASE_URL": f"sqlite:///{tmp_path / 'syb.db'}", "SYB_DICT_DIR": str(sample_db / "jieba"),
           "SYB_MODEL_DIR": str(MODEL.parent), "SYB_PUSH_INTERVAL": "0", "SYB_NOTIFY_INTERVAL": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=REPO_ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if READY in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert ready.wait(300), "".join(lines[-20:])
        banner = "".join(lines)
        assert f"http://127.0.0.1:{ports['SYB_WEB_PORT']}/chat" in banner and "/webhooks/wechat/webhook" in banner
        assert RestClient(ports["SYB_RASA_PORT"]).send("serve-test", "公积金提取找哪个部门")
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        assert proc.wait(timeout=90) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "正在停止" in "".join(lines)
    assert not any(port_open(port) for port in ports.values())
