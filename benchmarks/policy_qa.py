"""Policy question answering latency: the index load, then p50/p95/p99 of answer_question over the
held-out questions (each asked fresh, and as a follow-up in context). Run: python -m benchmarks.policy_qa."""
from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path

import yaml

from benchmarks.common import summary_ms
from bot.db import create_db_engine, init_schema, make_session_factory, session_scope
from bot.directory.importer import apply, numbered
from bot.directory.sample import sample_rows
from bot.nlp.dictionary import build_dictionary
from bot.policies.answers import answer_question
from bot.policies.importer import load_sample
from bot.policies.search import PolicyIndex

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 25)
ROUNDS = 5


def main() -> None:
    questions = [q["q"] for f in sorted((ROOT / "tests" / "unit" / "policies").glob("questions_*.yml"))
                 for q in yaml.safe_load(f.read_text(encoding="utf-8"))]
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_db_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        init_schema(engine)
        sessions = make_session_factory(engine)
        with session_scope(sessions) as s:
            apply(s, {k: numbered(v) for k, v in sample_rows().items()})
            load_sample(s)
            build_dictionary(s, Path(tmp) / "jieba")
        started = time.perf_counter()
        with session_scope(sessions) as s:
            index = PolicyIndex.load(s, str(Path(tmp) / "jieba" / "userdict.txt"))
        load_s = time.perf_counter() - started
        engine.dispose()
    answer_question(index, "预热", TODAY, "http://x", "12345")
    fresh, follow = [], []
    for _ in range(ROUNDS):
        for q in questions:
            t = time.perf_counter()
            first = answer_question(index, q, TODAY, "http://x", "12345")
            fresh.append(time.perf_counter() - t)
            code = first.policy.code if first.policy else None
            t = time.perf_counter()
            answer_question(index, "那怎么申请？", TODAY, "http://x", "12345", code, first.question)
            follow.append(time.perf_counter() - t)
    print(f"policies {len(index.policies)}, FAQ pairs {len(index.faq_owner)}, index load {load_s * 1000:.0f} ms")
    print(f"question answering ({len(questions)} held-out questions × {ROUNDS}): {summary_ms(fresh)}")
    print(f"follow-up in context: {summary_ms(follow)}")


if __name__ == "__main__":
    main()
