"""Ratings and complaints at scale.

1. Recomputing every unit's score (monthly and annual leaderboards) over 1,000,000 ratings and
   20,000 complaints for the 829 sample units, on SQLite and on PostgreSQL (127.0.0.1:5432).
2. Complaints filed through the WeChat channel with the real servers: whole conversations (target,
   what happened, when, anonymity, phone, confirmation) from concurrent users; every one must end
   with exactly one ticket.
"""
from __future__ import annotations

import asyncio
import os
import random
import resource
import shutil
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import Engine

from benchmarks.common import NO_RATE_LIMIT, rss_mb, summary_ms
from bot.config import REPO_ROOT, Settings
from bot.db import create_db_engine, init_schema, make_session_factory, session_scope
from bot.db.base import utcnow
from bot.db.directory import Unit
from bot.db.feedback import Complaint, Rating
from bot.directory.importer import apply, numbered
from bot.directory.sample import sample_rows
from bot.feedback.leaderboard import month_period, unit_scores, year_period
from bot.serve import free_port, start, stop
from bot.wechat import simulate

RATINGS = 1_000_000
COMPLAINTS = 20_000
CHUNK = 50_000
YEAR = 2026
PG_ADMIN_URL = os.environ.get("SYB_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
AES_KEY = "benchmarkbenchmarkbenchmarkbenchmark0123456"
CONVERSATION = ("我要投诉", "{unit}", "窗口工作人员让我来回跑了三趟，材料齐全还说不行", "昨天下午", "不匿名", "不留", "确认")
UNITS = ("沈河区税务局", "铁西区社保中心", "公积金中心", "车管所", "浑南区市场监督管理局")


def fill(engine: Engine, seed: int = 11) -> float:
    """Load the sample directory and the synthetic feedback; returns the seconds spent inserting."""
    init_schema(engine)
    with session_scope(make_session_factory(engine)) as session:
        apply(session, {name: numbered(rows) for name, rows in sample_rows().items()})
    rng = random.Random(seed)
    with engine.connect() as conn:
        units = conn.execute(select(Unit.id).order_by(Unit.id)).scalars().all()
    t = time.perf_counter()
    start = date(YEAR, 1, 1)
    with engine.begin() as conn:
        for offset in range(0, RATINGS, CHUNK):
            rows = []
            for i in range(offset, offset + CHUNK):
                unit = rng.choice(units)
                rows.append({"user_id": f"o{i}", "target_key": f"unit:{unit}", "unit_id": unit,
                             "attitude": rng.choice((3, 4, 4, 5, 5, 5)), "proficiency": rng.choice((2, 3, 4, 5, 5)),
                             "comment": "", "rated_on": start + timedelta(days=rng.randrange(365)),
                             "created_at": utcnow(), "updated_at": utcnow()})
            conn.execute(insert(Rating), rows)
        statuses = ("已提交", "已受理", "办理中", "已办结", "已办结", "已办结")
        conn.execute(insert(Complaint), [
            {"ticket_id": f"TB{i:012d}", "submission_key": f"bench-{i}",
             "user_id": f"c{i}", "unit_id": rng.choice(units), "description": "投诉", "happened": "",
             "anonymous": False, "contact_phone": "", "evidence": [], "abusive": False,
             "status": rng.choice(statuses), "deadline": start + timedelta(days=rng.randrange(365)),
             "satisfied": rng.choice((None, True, False)), "substantiated": rng.choice((None, True, False)),
             "version": 1, "created_at": utcnow().replace(year=YEAR, month=rng.randrange(1, 13), day=1),
             "updated_at": utcnow()}
            for i in range(COMPLAINTS)])
    return time.perf_counter() - t


def recompute(label: str, engine: Engine) -> None:
    inserted = fill(engine)
    sessions = make_session_factory(engine)
    with session_scope(sessions) as s:
        count = s.scalar(select(func.count(Rating.id)))
    print(f"[scores:{label}] 写入 {count:,} 条评价、{COMPLAINTS:,} 条投诉用时 {inserted:.1f} 秒")
    for name, period in (("年度", year_period(YEAR)), ("月度", month_period(YEAR, 6))):
        times = []
        for _ in range(3):
            t = time.perf_counter()
            with session_scope(sessions) as s:
                rows = unit_scores(s, *period)
            times.append(time.perf_counter() - t)
        print(f"[scores:{label}] {name}排名（{len(rows)} 个单位）重新计算：最快 {min(times):.2f} 秒，"
              f"最慢 {max(times):.2f} 秒；第一名 {rows[0].unit_name} {rows[0].score.total}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"[scores:{label}] 进程峰值内存 {peak:.0f} MB")


def scores() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_db_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        recompute("SQLite", engine)
        engine.dispose()
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    name = f"syb_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        engine = create_db_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
        recompute("PostgreSQL", engine)
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


async def complain(http: aiohttp.ClientSession, url: str, account: simulate.Account, openid: str,
                   unit: str) -> list[float]:
    """One whole complaint conversation through the channel; the latency of each turn."""
    times = []
    for line in CONVERSATION:
        query, body = simulate.request(account, openid, simulate.text(account, openid, line.format(unit=unit)), "safe")
        t = time.perf_counter()
        async with http.post(url, params=query, data=body.encode()) as resp:
            resp.raise_for_status()
            await resp.text()
        times.append(time.perf_counter() - t)
    return times


async def through_channel(settings: Settings, users: int) -> None:
    url = f"http://127.0.0.1:{settings.rasa_port}/webhooks/wechat/webhook"
    account = simulate.Account(settings.wechat_token, settings.wechat_app_id, settings.wechat_aes_key)
    tag = uuid.uuid4().hex[:6]
    async with aiohttp.ClientSession() as http:
        await complain(http, url, account, f"o-warm-{tag}", UNITS[0])
        t = time.perf_counter()
        results = await asyncio.gather(*(complain(http, url, account, f"o-c{tag}-{i}", UNITS[i % len(UNITS)])
                                         for i in range(users)), return_exceptions=True)
        elapsed = time.perf_counter() - t
    ok = [r for r in results if isinstance(r, list)]
    engine = create_db_engine(settings.database_url)
    with session_scope(make_session_factory(engine)) as s:
        tickets = s.scalar(select(func.count(Complaint.id)).where(Complaint.user_id.like(f"o-c{tag}-%")))
    engine.dispose()
    print(f"[complaints] {users} 个用户同时投诉（每次 {len(CONVERSATION)} 轮，安全模式）：{len(ok) / elapsed:.2f} 件/秒，"
          f"每轮 {summary_ms([x for r in ok for x in r])}，失败 {users - len(ok)}，生成工单 {tickets}")


def channel() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "syb.db"
        shutil.copy(REPO_ROOT / "var" / "syb.db", db)  # keep benchmark tickets out of var/syb.db
        env = {**os.environ, "SYB_DATABASE_URL": f"sqlite:///{db}", "SYB_TRACKER_URL": f"sqlite:///{Path(tmp) / 'tracker.db'}",
               "SYB_RASA_PORT": str(free_port()), "SYB_ACTIONS_PORT": str(free_port()),
               "SYB_WEB_PORT": str(free_port()), "WECHAT_ENCODING_AES_KEY": AES_KEY, **NO_RATE_LIMIT}
        settings = Settings.from_env(env)
        procs = start(settings, Path(tmp) / "log")
        try:
            for users in (1, 10):
                asyncio.run(through_channel(settings, users))
            print("[complaints] 内存：" + "，".join(f"{n} {rss_mb(p.pid):.0f} MB"
                                                  for n, p in zip(("动作服务器", "Rasa 服务器"), procs)))
        finally:
            stop(procs)


def main() -> int:
    scores()
    channel()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
