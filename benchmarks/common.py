"""Shared by the benchmarks: percentiles, realistic queries, memory readings."""
from __future__ import annotations

import random
import statistics
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.directory import Cadre, Matter, Unit
from bot.nlp.text import DISTRICT_FORMS

TEMPLATES_MATTER = ("{m}找哪个部门", "请问{m}去哪办", "{d}{m}在哪儿办啊", "想{m}咋整", "{m}，找谁")
TEMPLATES_UNIT = ("{u}电话多少", "{u}在哪", "{u}几点上班", "{u}的地址", "{u}网址")
TEMPLATES_CADRE = ("{c}负责什么", "{c}电话", "找一下{c}")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary_ms(values_s: list[float]) -> str:
    ms = [v * 1000 for v in values_s]
    return (f"p50 {percentile(ms, 50):.2f} ms, p95 {percentile(ms, 95):.2f} ms, p99 {percentile(ms, 99):.2f} ms, "
            f"mean {statistics.mean(ms):.2f} ms (n={len(ms)})")


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1:]


def realistic_queries(session: Session, n: int = 1000, seed: int = 7) -> list[str]:
    """Questions as users type them: matters, unit names, cadre names, some with a typo."""
    rng = random.Random(seed)
    matters = [w for name, syns in session.execute(select(Matter.name, Matter.synonyms)) for w in (name, *syns)]
    units = [w for name, short, aliases in session.execute(select(Unit.name, Unit.short_name, Unit.aliases))
             for w in (name, short, *aliases) if w]
    cadres = list(session.scalars(select(Cadre.name).order_by(Cadre.id).limit(5000)))
    districts = list(DISTRICT_FORMS)
    out = []
    for i in range(n):
        kind = i % 10
        if kind < 5:
            q = rng.choice(TEMPLATES_MATTER).format(m=rng.choice(matters), d=rng.choice(districts))
        elif kind < 8:
            q = rng.choice(TEMPLATES_UNIT).format(u=rng.choice(units))
        else:
            q = rng.choice(TEMPLATES_CADRE).format(c=rng.choice(cadres))
        out.append(_typo(q, rng) if rng.random() < 0.15 else q)
    return out


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (Linux /proc)."""
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


# Benchmarks measure capacity, so the per-sender message rate limit is lifted (a few senders send
# hundreds of messages); everything else is the `make run` configuration.
NO_RATE_LIMIT = {"SYB_MESSAGE_RATE": "1000000/60"}
