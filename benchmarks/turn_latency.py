"""End-to-end turn latency through Rasa's REST channel with the real servers on loopback:
a lone conversation (p50), open-loop arrivals at 20 messages/s (p50/p95/p99), saturation
throughput, the servers' memory, a conversation's 500th turn against its first, and what
100,000-character messages sent back to back cost everyone else."""
from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from benchmarks.common import NO_RATE_LIMIT, percentile, rss_mb, summary_ms
from bot.config import REPO_ROOT, Settings
from bot.serve import free_port, start, stop

MESSAGES = ("开饭店要办什么证找谁", "和平区", "公积金提取找哪个部门", "市场监管局电话多少", "谢谢", "你好",
            "沈河区税务局在哪", "离我最近的政务服务中心", "浑南区社保在哪办", "你能干什么")


async def turn(http: aiohttp.ClientSession, url: str, sender: str, text: str) -> float:
    t = time.perf_counter()
    async with http.post(url, data=json.dumps({"sender": sender, "message": text})) as resp:
        await resp.read()
        resp.raise_for_status()
    return time.perf_counter() - t


async def lone(http: aiohttp.ClientSession, url: str, n: int = 60) -> list[float]:
    return [await turn(http, url, "lone", MESSAGES[i % len(MESSAGES)]) for i in range(n)]


async def open_loop(http: aiohttp.ClientSession, url: str, rate: float, seconds: float) -> tuple[list[float], int]:
    """Send at a fixed arrival rate whatever the replies do; returns latencies and failures."""
    tasks = []
    start_t = time.perf_counter()
    i = 0
    while time.perf_counter() - start_t < seconds:
        sender = f"user-{i % 200}"
        tasks.append(asyncio.ensure_future(turn(http, url, sender, MESSAGES[i % len(MESSAGES)])))
        i += 1
        await asyncio.sleep(max(0.0, start_t + i / rate - time.perf_counter()))
    results = await asyncio.gather(*tasks, return_exceptions=True)
    ok = [r for r in results if isinstance(r, float)]
    return ok, len(results) - len(ok)


async def saturation(http: aiohttp.ClientSession, url: str, concurrency: int, seconds: float) -> float:
    """Closed loop with ``concurrency`` users: completed turns per second."""
    done = 0
    stop_at = time.perf_counter() + seconds

    async def worker(k: int) -> None:
        nonlocal done
        j = 0
        while time.perf_counter() < stop_at:
            await turn(http, url, f"sat-{k}", MESSAGES[j % len(MESSAGES)])
            done += 1
            j += 1

    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    return done / seconds


async def beside_long_messages(http: aiohttp.ClientSession, url: str, seconds: float = 20.0) -> tuple[list[float], int]:
    """Other users' turns at 10 messages/s while one sender posts 100,000-character messages back to back."""
    long_text = "我想反映一下窗口办事的情况，" * 7200
    stop_at = time.perf_counter() + seconds
    sent = 0

    async def flood() -> None:
        nonlocal sent
        while time.perf_counter() < stop_at:
            await turn(http, url, "flood", long_text)
            sent += 1

    flooding = asyncio.ensure_future(flood())
    others, _ = await open_loop(http, url, 10.0, seconds)
    await flooding
    return others, sent


SESSION_BREAK = [  # what Rasa records when a session expires (domain.yml: 60 minutes of silence)
    {"event": "action", "name": "action_session_start"},
    {"event": "session_started"},
    {"event": "action", "name": "action_listen"},
]


async def long_history(http: aiohttp.ClientSession, base: str, token: str, sender: str, turns: int = 500,
                       session_every: int = 0) -> tuple[float, float]:
    """p50 of the first 20 and the last 20 of ``turns`` turns; with ``session_every``, a session
    break is recorded after every that many turns, as when a user comes back later."""
    url = f"{base}/webhooks/rest/webhook"
    times = []
    for i in range(turns):
        if session_every and i and i % session_every == 0:
            async with http.post(f"{base}/conversations/rest:{sender}/tracker/events?token={token}", data=json.dumps(SESSION_BREAK)) as r:
                r.raise_for_status()
        times.append(await turn(http, url, sender, MESSAGES[i % len(MESSAGES)]))
    return percentile(times[:20], 50), percentile(times[-20:], 50)


async def run(port: int, token: str, procs_pids: list[int]) -> None:
    url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    async with aiohttp.ClientSession(headers={"Content-Type": "application/json"},
                                     timeout=aiohttp.ClientTimeout(total=60)) as http:
        await lone(http, url, 20)  # warm up
        print(f"[turn] 单个会话：{summary_ms(await lone(http, url))}")
        lat, failed = await open_loop(http, url, 20.0, 30.0)
        print(f"[turn] 20 条/秒开环到达（30 秒）：{summary_ms(lat)}，失败 {failed}")
        others, sent = await beside_long_messages(http, url)
        print(f"[turn] 另一用户连续发送 10 万字消息（20 秒内 {sent} 条，均截为 SYB_MAX_MESSAGE_CHARS 字）时，"
              f"其他用户 10 条/秒：{summary_ms(others)}")
        for c in (4, 16):
            print(f"[turn] 饱和吞吐（{c} 个并发用户闭环）：{await saturation(http, url, c, 15.0):.1f} 轮/秒")
        base = f"http://127.0.0.1:{port}"
        first, last = await long_history(http, base, token, "history-sessions", session_every=20)
        print(f"[turn] 一个用户 500 轮、每 20 轮一次会话（超时 60 分钟后新会话）：第 1-20 轮 p50 {first * 1000:.1f} ms，"
              f"第 481-500 轮 p50 {last * 1000:.1f} ms")
        first, last = await long_history(http, base, token, "history-burst")
        print(f"[turn] 一个用户连续 500 轮、从不停顿（会话满 SYB_SESSION_MAX_EVENTS 个事件后重开）：第 1-20 轮 p50 {first * 1000:.1f} ms，第 481-500 轮 p50 {last * 1000:.1f} ms")
    print("[turn] 内存：" + "，".join(f"{name} {rss_mb(pid):.0f} MB" for name, pid in zip(("动作服务器", "Rasa 服务器"), procs_pids)))


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SYB_RASA_PORT": str(free_port()), "SYB_ACTIONS_PORT": str(free_port()),
               "SYB_WEB_PORT": str(free_port()), **NO_RATE_LIMIT}
        if "SYB_DATABASE_URL" not in os.environ:  # keep benchmark conversations out of var/syb.db
            env["SYB_TRACKER_URL"] = f"sqlite:///{Path(tmp) / 'tracker.db'}"
        settings = Settings.from_env(env)
        procs = start(settings, Path(tmp) / "log")
        try:
            asyncio.run(run(settings.rasa_port, settings.rasa_api_token, [p.pid for p in procs]))
        finally:
            stop(procs)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT))
    sys.exit(main())
