"""Start the action server and the Rasa server, wait until both answer, stop both on Ctrl-C."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.config import REPO_ROOT, Settings


def rasa_env(settings: Settings) -> dict[str, str]:
    """The environment endpoints.yml reads (action server URL, tracker store file)."""
    env = {**os.environ, **settings.to_env()}
    env["SYB_ACTIONS_URL"] = f"http://127.0.0.1:{settings.actions_port}/webhook"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def latest_model(settings: Settings) -> Path:
    models = sorted(settings.model_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit("没有找到训练好的模型：请先运行 make train（make run 会自动训练）。")
    return models[-1]


def _wait(url: str, proc: subprocess.Popen, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def start(settings: Settings, log_dir: Path) -> list[subprocess.Popen]:
    """Start both servers in the background; raise if either does not come up."""
    bindir = Path(sys.executable).parent
    env = rasa_env(settings)
    log_dir.mkdir(parents=True, exist_ok=True)
    actions = subprocess.Popen(
        [str(bindir / "rasa"), "run", "actions", "--port", str(settings.actions_port), "--actions", "actions"],
        cwd=REPO_ROOT, env=env, stdout=open(log_dir / "actions.log", "ab"), stderr=subprocess.STDOUT,
    )
    rasa = subprocess.Popen(
        [str(bindir / "rasa"), "run", "--port", str(settings.rasa_port), "--model", str(latest_model(settings)),
         "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
         "--enable-api", "--auth-token", settings.rasa_api_token],
        cwd=REPO_ROOT, env=env, stdout=open(log_dir / "rasa.log", "ab"), stderr=subprocess.STDOUT,
    )
    procs = [actions, rasa]
    ok = _wait(f"http://127.0.0.1:{settings.actions_port}/health", actions, 120) and _wait(
        f"http://127.0.0.1:{settings.rasa_port}/status?token={settings.rasa_api_token}", rasa, 300
    )
    if not ok:
        stop(procs)
        raise SystemExit(f"服务启动失败，请查看日志：{log_dir}")
    return procs


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def serve(settings: Settings) -> int:
    """Run until Ctrl-C or until a server dies."""
    log_dir = REPO_ROOT / "var" / "log"
    procs = start(settings, log_dir)
    port = settings.rasa_port
    print(
        "\n@沈阳营商 助手已启动：\n"
        f"  REST 对话接口：POST http://127.0.0.1:{port}/webhooks/rest/webhook  "
        '{"sender": "me", "message": "开饭店找谁"}\n'
        f"  动作服务器：http://127.0.0.1:{settings.actions_port}/health\n"
        f"  终端对话：另开终端运行 make shell\n  日志：{log_dir}\n按 Ctrl-C 停止。",
        flush=True,
    )
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(1)
        print(f"有服务意外退出，请查看日志：{log_dir}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n正在停止……", flush=True)
        return 0
    finally:
        stop(procs)
