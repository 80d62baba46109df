"""Start the web app, the action server and the Rasa server; wait until they answer; stop all on Ctrl-C."""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.config import REPO_ROOT, Settings, connectable


def rasa_env(settings: Settings) -> dict[str, str]:
    """The settings plus what endpoints.yml and credentials.yml read (stores, workers, WeChat)."""
    env = {**os.environ, **settings.to_env(), **settings.endpoints_env()}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def free_port() -> int:
    """A free loopback port below Linux's ephemeral range (32768+), so that no outgoing
    connection can take it between choosing it and a server binding it."""
    while True:
        port = random.randrange(20000, 32768)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


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


class StartError(RuntimeError):
    """A server did not come up; the message names it and ends with its log."""


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "（没有日志）"


def _server(command: str, settings: Settings, log: Path) -> subprocess.Popen:
    """``python -m bot <command>`` in the background; its settings (secrets too) go by environment only."""
    log.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([sys.executable, "-m", "bot", command], cwd=REPO_ROOT, env=rasa_env(settings),
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT)


def start_actions(settings: Settings, log_dir: Path) -> subprocess.Popen:
    """The action server in the background (not waited for)."""
    return _server("action-server", settings, log_dir / "actions.log")


def actions_ready(settings: Settings, proc: subprocess.Popen, seconds: float = 120) -> bool:
    return _wait(f"http://{connectable(settings.actions_host)}:{settings.actions_port}/health", proc, seconds)


def start(settings: Settings, log_dir: Path) -> list[subprocess.Popen]:
    """Start the three servers in the background; raise if one does not come up."""
    problems = settings.production_problems()
    if problems:
        raise StartError("生产环境配置不安全，未启动：\n" + "\n".join(f"  - {p}" for p in problems))
    latest_model(settings)
    actions = start_actions(settings, log_dir)
    rasa = _server("rasa-server", settings, log_dir / "rasa.log")
    web = _server("web", settings, log_dir / "web.log")
    procs = [actions, rasa, web]
    rasa_host = connectable(settings.rasa_host)
    checks = [
        ("web", web, f"http://127.0.0.1:{settings.web_port}/health", 60),
        ("actions", actions, f"http://{connectable(settings.actions_host)}:{settings.actions_port}/health", 120),
        ("rasa", rasa, f"http://{rasa_host}:{settings.rasa_port}/status?token={settings.rasa_api_token}", 300),
    ]
    for name, proc, url, seconds in checks:
        if not _wait(url, proc, seconds):
            stop(procs)
            log = log_dir / f"{name}.log"
            raise StartError(f"服务 {name} 启动失败（退出码 {proc.poll()}），日志 {log} 的最后几行：\n{_log_tail(log)}")
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


def banner(settings: Settings, log_dir: Path) -> str:
    """Where to chat and what listens where, for the operator."""
    web, rasa = f"http://127.0.0.1:{settings.web_port}", f"http://{connectable(settings.rasa_host)}:{settings.rasa_port}"
    lines = ["", "@沈阳营商 助手已启动（生产模式）：" if settings.production else "@沈阳营商 助手已启动："]
    if settings.local_wechat:
        lines.append(f"  在浏览器中打开 {web}/chat 与助手对话（本地模拟公众号）")
    lines += [f"  工作台（投诉办理、评价、排行榜）：{web}/console（首个管理员：.venv/bin/python -m bot create-admin --login admin）",
              f"  政策库（图解、解读、问答）：{web}/policies",
              f"  微信公众号服务器地址：{settings.public_url}/webhooks/wechat/webhook"
              f"（由反向代理转发到 {rasa}/webhooks/wechat/webhook）"]
    if settings.rest_secret or not settings.production:
        auth = "，需带 Authorization: Bearer <SYB_REST_SECRET>" if settings.rest_secret else ""
        lines.append(f"  REST 对话接口：POST {rasa}/webhooks/rest/webhook{auth}  " + '{"sender": "me", "message": "开饭店找谁"}')
    lines += [f"  动作服务器（仅内部）：http://{connectable(settings.actions_host)}:{settings.actions_port}/health",
              "  终端对话：另开终端运行 make shell", f"  日志：{log_dir}", "按 Ctrl-C 停止。"]
    return "\n".join(lines)


def serve(settings: Settings) -> int:
    """Run until Ctrl-C or until a server dies."""
    log_dir = REPO_ROOT / "var" / "log"
    try:
        procs = start(settings, log_dir)
    except StartError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(banner(settings, log_dir), flush=True)
    for sig in (signal.SIGINT, signal.SIGTERM):  # also when started with SIGINT ignored (in the background)
        signal.signal(sig, _interrupt)
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
