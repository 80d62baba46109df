"""Directory search latency (p50/p99 over 1,000 realistic queries) with the sample directory and
with a generated directory of 1,000,000 cadres. Run: make bench (or python -m benchmarks.search_latency)."""
from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from bot.db import create_db_engine, init_schema, make_session_factory, session_scope
from bot.db.directory import Cadre, Unit
from bot.directory.answers import answer_contact
from bot.directory.importer import apply, numbered
from bot.directory.sample import sample_rows
from bot.directory.search import DirectoryIndex
from bot.nlp.dictionary import build_dictionary
from benchmarks.common import realistic_queries, summary_ms

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊帆帅旭宁欣悦琳晨阳雪梅婷慧"


def build(folder: Path, extra_cadres: int) -> tuple[str, str]:
    """A database with the sample directory plus ``extra_cadres`` generated cadres."""
    url = f"sqlite:///{folder / 'bench.db'}"
    engine = create_db_engine(url)
    init_schema(engine)
    factory = make_session_factory(engine)
    with session_scope(factory) as s:
        apply(s, {k: numbered(v) for k, v in sample_rows().items()})
    rng = random.Random(1)
    with session_scope(factory) as s:
        unit_ids = list(s.scalars(select(Unit.id)))
        batch = []
        for i in range(extra_cadres):
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            batch.append({"code": f"B{i:07d}", "name": name, "unit_id": rng.choice(unit_ids), "position": "工作人员",
                          "duties": "负责窗口受理和咨询", "phone": "024-22000000-100", "photo": ""})
            if len(batch) == 50_000:
                s.execute(insert(Cadre), batch)
                batch = []
        if batch:
            s.execute(insert(Cadre), batch)
    with session_scope(factory) as s:
        build_dictionary(s, folder / "jieba")
    engine.dispose()
    return url, str(folder / "jieba" / "userdict.txt")


def measure(url: str, dict_file: str, label: str) -> None:
    factory = make_session_factory(create_db_engine(url))
    with session_scope(factory) as s:
        t0 = time.perf_counter()
        index = DirectoryIndex.load(s, dict_file)
        index.search_units("预热")
        load = time.perf_counter() - t0
        queries = realistic_queries(s)
        for q in queries[:50]:
            answer_contact(s, index, q)
        times = []
        for q in queries:
            t = time.perf_counter()
            answer_contact(s, index, q)
            times.append(time.perf_counter() - t)
        cadres = s.scalar(select(Cadre.id).order_by(Cadre.id.desc()).limit(1))
    print(f"[search] {label}（约 {cadres:,} 名干部）：索引加载 {load:.2f} s；{summary_ms(times)}")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url, dict_file = build(Path(tmp), 0)
        measure(url, dict_file, "示例目录")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        url, dict_file = build(Path(tmp), 1_000_000 - 12_000)
        print(f"[search] 生成 100 万干部目录用时 {time.perf_counter() - t0:.1f} s")
        measure(url, dict_file, "100 万干部目录")
    return 0


if __name__ == "__main__":
    sys.exit(main())
