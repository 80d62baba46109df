"""Policy pushes at scale.

1. Planning: 1,000 policies (varied categories and eligibility, just published) against 100,000
   enterprises, each bound to its own subscribed follower; a dry run of the push job computes every push
   it would send. Printed: wall seconds, pushes planned, distinct enterprise profiles evaluated, the
   process's peak memory (the dry run runs in a fresh process so the figure is the job's own).
2. Sending: a real run for 1,000 of those users against the WeChat API sandbox in this process (over
   loopback): messages per second; a second run must send nothing.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import func, insert, select

from benchmarks.common import rss_mb
from bot.config import REPO_ROOT
from bot.db import create_db_engine, init_schema, make_session_factory, session_scope
from bot.db.base import utcnow
from bot.db.directory import DISTRICTS, Unit
from bot.db.policies import (INDUSTRIES, POLICY_CATEGORIES, SIZES, TAGS, Enterprise, EnterpriseBinding, Policy,
                             PolicyPush, PushSubscription)
from bot.db.wechat import WeChatUser
from bot.policies.push import push_policies
from bot.web.sandbox import SANDBOX, sandbox_app
from bot.wechat.api import WeChatClient

POLICIES = 1_000
ENTERPRISES = 100_000
SEND_USERS = 1_000
CHUNK = 10_000
URL = "https://syb.example.org"
APP_ID, SECRET = "wxbenchpush00001", "bench-secret"


def _eligibility(rng: random.Random) -> dict[str, Any]:
    """Rules like real policies: a fifth for everyone, the rest with one to three restrictions."""
    if rng.random() < 0.2:
        return {}
    rules: dict[str, Any] = {}
    options = ["industries", "sizes", "districts", "tags", "years"]
    for key in rng.sample(options, rng.randint(1, 3)):
        if key == "industries":
            rules[key] = rng.sample(INDUSTRIES, rng.randint(1, 5))
        elif key == "sizes":
            rules[key] = rng.choice((["微型", "小型"], ["小型", "中型"], ["微型"], ["中型", "大型"]))
        elif key == "districts":
            rules[key] = rng.sample(DISTRICTS, rng.randint(1, 4))
        elif key == "tags":
            rules[key] = rng.sample(TAGS, rng.randint(1, 3))
        else:
            low = rng.choice((None, 1, 2, 3))
            rules.update({"min_years": low} if low else {})
            rules["max_years"] = rng.choice((3, 5, 8, 10))
    return rules


def fill(db: Path, enterprises: int, seed: int = 17) -> float:
    """The synthetic policies, enterprises, bindings, subscriptions and followers; seconds spent."""
    rng = random.Random(seed)
    engine = create_db_engine(f"sqlite:///{db}")
    init_schema(engine)
    t = time.perf_counter()
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(insert(Unit), [{"code": "C-DEPT-HRSS", "name": "沈阳市人力资源和社会保障局", "aliases": [],
                                     "category": "city_department", "level": "city", "duties": "", "phones": [],
                                     "address": "", "hours": "", "website": ""}])
        unit = conn.execute(select(Unit.id)).scalar_one()
        conn.execute(insert(Policy), [{
            "code": f"B-{i:05d}", "title": f"关于第{i}号扶持政策的通知", "short_title": f"扶持政策{i}", "doc_number": "",
            "category": POLICY_CATEGORIES[i % len(POLICY_CATEGORIES)], "issuer_id": unit,
            "issued_on": date(2025, 1, 1) + timedelta(days=rng.randrange(500)), "effective_on": date(2025, 1, 1),
            "expires_on": None if rng.random() < 0.95 else date(2025, 12, 31), "full_text": "正文",
            "interpretation": "解读", "keywords": [], "highlights": [], "steps": [], "eligibility": _eligibility(rng),
            "answer_phone": "12345", "source_url": "", "published_at": now - timedelta(minutes=rng.randrange(1, 60))}
            for i in range(POLICIES)])
        for start in range(0, enterprises, CHUNK):
            ids = range(start, min(start + CHUNK, enterprises))
            conn.execute(insert(Enterprise), [{
                "id": i + 1, "credit_code": f"91210100{i:010d}", "name": f"沈阳第{i}号企业有限公司",
                "industry": rng.choice(INDUSTRIES), "size": rng.choice(SIZES), "district": rng.choice(DISTRICTS),
                "founded_year": None if rng.random() < 0.05 else rng.randint(1990, 2026),
                "tags": rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2))), "contact_name": "", "contact_phone": "",
                "created_at": now, "updated_at": now} for i in ids])
            conn.execute(insert(EnterpriseBinding), [
                {"user_id": f"oB{i:06d}", "enterprise_id": i + 1, "created_at": now} for i in ids])
            conn.execute(insert(PushSubscription), [{
                "user_id": f"oB{i:06d}", "active": True, "created_at": now - timedelta(days=1), "updated_at": now,
                "categories": [] if rng.random() < 0.7 else rng.sample(POLICY_CATEGORIES, rng.randint(1, 3))}
                for i in ids])
            conn.execute(insert(WeChatUser), [{
                "openid": f"oB{i:06d}", "subscribed": True, "subscribed_at": now, "last_inbound_at": now,
                "sent_in_window": 0, "updated_at": now} for i in ids])
    engine.dispose()
    return time.perf_counter() - t


def measure(db: Path) -> None:
    """The dry run over ``db`` (run in a fresh process): time, pushes planned, peak memory."""
    sessions = make_session_factory(create_db_engine(f"sqlite:///{db}"))
    before = rss_mb(os.getpid())
    lines = 0

    def count(_: str) -> None:
        nonlocal lines
        lines += 1

    t = time.perf_counter()
    summary = asyncio.run(push_policies(None, sessions, URL, quiet_hours="", dry_run=True, echo=count))
    wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with session_scope(sessions) as s:
        written = s.scalar(select(func.count()).select_from(PolicyPush))
    print(f"[push] 试运行：{summary.considered:,} 位订阅用户 × {POLICIES:,} 条政策，用时 {wall:.2f} 秒；"
          f"计划推送 {summary.planned:,} 条（打印 {lines:,} 行），因每日上限顺延 {summary.deferred_by_cap:,} 条；"
          f"写入 {written} 行")
    print(f"[push] 内存：开始时 {before:.0f} MB，进程峰值 {peak:.0f} MB")


async def send(db: Path) -> None:
    """A real run for SEND_USERS users against the sandbox on loopback, then a rerun."""
    sessions = make_session_factory(create_db_engine(f"sqlite:///{db}"))
    root = web.Application()
    sandbox = sandbox_app(APP_ID, SECRET)
    root.add_subapp("/sandbox", sandbox)
    runner = web.AppRunner(root, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}/sandbox"
    try:
        async with WeChatClient(base, APP_ID, SECRET, sessions) as client:
            t = time.perf_counter()
            first = await push_policies(client, sessions, URL, quiet_hours="")
            wall = time.perf_counter() - t
            t = time.perf_counter()
            second = await push_policies(client, sessions, URL, quiet_hours="")
            rerun = time.perf_counter() - t
        received = len(sandbox[SANDBOX].inbox)
    finally:
        await runner.cleanup()
    print(f"[push] 实际发送（{SEND_USERS:,} 位用户，本地沙箱）：发送 {first.sent:,} 条，用时 {wall:.2f} 秒，"
          f"{first.sent / wall:.0f} 条/秒，失败 {first.failed}；重跑发送 {second.sent} 条（{rerun:.2f} 秒）；沙箱共收到 {received:,} 条")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.policy_push")
    parser.add_argument("--measure", help="(internal) dry-run the job over this database file")
    args = parser.parse_args()
    if args.measure:
        measure(Path(args.measure))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "push.db"
        print(f"[push] 生成 {POLICIES:,} 条政策、{ENTERPRISES:,} 家企业（绑定、订阅、关注）用时 {fill(big, ENTERPRISES):.1f} 秒")
        code = subprocess.run([sys.executable, "-m", "benchmarks.policy_push", "--measure", str(big)],
                              cwd=REPO_ROOT).returncode
        small = Path(tmp) / "send.db"
        fill(small, SEND_USERS)
        asyncio.run(send(small))
    return code


if __name__ == "__main__":
    raise SystemExit(main())
