"""A small Okapi BM25 index over pre-tokenised documents."""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Sequence


class BM25:
    """BM25 scores of a query's tokens against a fixed list of documents."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.lengths = [len(d) for d in docs]
        self.avg = (sum(self.lengths) / len(docs)) if docs else 0.0
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, doc in enumerate(docs):
            for token, tf in Counter(doc).items():
                self.postings[token].append((i, tf))
        n = len(docs)
        self.idf = {
            t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()
        }

    def scores(self, query: Sequence[str]) -> dict[int, float]:
        """Document index -> score, for documents sharing at least one token with the query."""
        out: dict[int, float] = defaultdict(float)
        for token in set(query):
            idf = self.idf.get(token)
            if idf is None:
                continue
            for doc, tf in self.postings[token]:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[doc] / (self.avg or 1))
                out[doc] += idf * tf * (self.k1 + 1) / (tf + norm)
        return out
