"""Search quality on a labelled question set: top-1 and top-3 accuracy thresholds."""
from __future__ import annotations

from pathlib import Path

import yaml

from bot.directory.answers import answer_contact
from bot.directory.search import DirectoryIndex

QUERIES = yaml.safe_load((Path(__file__).parent / "search_queries.yml").read_text(encoding="utf-8"))
TOP1, TOP3 = 0.85, 0.95


def ranked_names(session, index: DirectoryIndex, query: str) -> list[str]:
    """The answer's unit first, then its alternatives; a district question counts as a miss."""
    answer = answer_contact(session, index, query)
    hits = ([answer.hit] if answer.hit else []) + answer.alternatives
    names = [h.unit.name for h in hits]
    names += [h.unit.name for h in index.search_units(query, limit=3) if h.unit.name not in names]
    return names[:3]


def test_top1_and_top3_accuracy(session, index: DirectoryIndex) -> None:
    top1 = top3 = 0
    misses = []
    for item in QUERIES:
        names = ranked_names(session, index, item["q"])
        if names and item["expect"] in names[0]:
            top1 += 1
        else:
            misses.append(f"{item['q']} -> {names[:3]}")
        if any(item["expect"] in n for n in names[:3]):
            top3 += 1
    n = len(QUERIES)
    assert top1 / n >= TOP1, f"top-1 {top1}/{n}; misses:\n" + "\n".join(misses)
    assert top3 / n >= TOP3, f"top-3 {top3}/{n}; misses:\n" + "\n".join(misses)
