"""Turns through the WeChat channel with the real servers on loopback: signed XML in plaintext and
safe mode, a retried message (answered from the dedupe store), and arrivals at 10 messages/s."""
from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

import aiohttp

from benchmarks.common import NO_RATE_LIMIT, summary_ms
from benchmarks.turn_latency import MESSAGES
from bot.config import Settings
from bot.serve import free_port, start, stop
from bot.wechat import simulate

AES_KEY = "benchmarkbenchmarkbenchmarkbenchmark0123456"


async def send(http: aiohttp.ClientSession, url: str, account: simulate.Account, openid: str, xml: str,
               mode: str) -> float:
    query, body = simulate.request(account, openid, xml, mode)
    t = time.perf_counter()
    async with http.post(url, params=query, data=body.encode()) as resp:
        text = await resp.text()
        resp.raise_for_status()
    elapsed = time.perf_counter() - t
    simulate.read_reply(account, text, query)
    return elapsed


async def run(settings: Settings) -> None:
    url = f"http://127.0.0.1:{settings.rasa_port}/webhooks/wechat/webhook"
    account = simulate.Account(settings.wechat_token, settings.wechat_app_id, settings.wechat_aes_key)
    async with aiohttp.ClientSession() as http:
        for mode in ("plain", "safe"):
            times = [await send(http, url, account, f"o-bench-{mode}", simulate.text(account, f"o-bench-{mode}",
                                MESSAGES[i % len(MESSAGES)]), mode) for i in range(60)]
            print(f"[wechat] 单个用户连续 60 条（{mode}）：{summary_ms(times)}")
        retried = []
        for i in range(30):
            xml = simulate.text(account, "o-bench-retry", MESSAGES[i % len(MESSAGES)])
            await send(http, url, account, "o-bench-retry", xml, "safe")
            retried.append(await send(http, url, account, "o-bench-retry", xml, "safe"))
        print(f"[wechat] 重试消息（直接取已存答复）：{summary_ms(retried)}")
        tasks, start_t = [], time.perf_counter()
        for i in range(200):  # 20 s at 10 messages/s from 50 users
            openid = f"o-bench-load-{i % 50}"
            xml = simulate.text(account, openid, MESSAGES[i % len(MESSAGES)])
            tasks.append(asyncio.ensure_future(send(http, url, account, openid, xml, "safe")))
            await asyncio.sleep(max(0.0, start_t + (i + 1) / 10 - time.perf_counter()))
        results = await asyncio.gather(*tasks, return_exceptions=True)
        ok = [r for r in results if isinstance(r, float)]
        print(f"[wechat] 每秒 10 条到达（50 个用户，安全模式）：{summary_ms(ok)}，失败 {len(results) - len(ok)}，"
              f"超过 4.5 秒（改为客服消息送达）{sum(1 for r in ok if r > 4.5)}")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SYB_TRACKER_URL": f"sqlite:///{Path(tmp) / 'tracker.db'}",
               "SYB_RASA_PORT": str(free_port()), "SYB_ACTIONS_PORT": str(free_port()),
               "SYB_WEB_PORT": str(free_port()), "WECHAT_ENCODING_AES_KEY": AES_KEY, **NO_RATE_LIMIT}
        settings = Settings.from_env(env)
        procs = start(settings, Path(tmp) / "log")
        try:
            asyncio.run(run(settings))
        finally:
            stop(procs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
