"""Score policy answers on a labelled question set (tests/unit/policies/questions_*.yml).

Each item is a question as people write it (``q``, with ``after`` the question before it in the same
conversation) labelled with what answers it: ``policy`` (a code, or "A|B" when two policies answer it) and ``expect`` (the figure or fact the
answer must contain, one string or several; "a|b" when it may be said either way), or ``category`` (a "what exists" question: the answer lists
that category), or ``none: true`` (no policy is about its subject: the answer must say so rather than
present another policy). ``type`` is the kind of question (amount, time, payer, …; list for categories).

An answer is right when it comes from the labelled policy and holds every expected string; a listing
when it lists the labelled category; a ``none`` question when no policy is presented as the answer.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml

from bot.policies.answers import PolicyAnswer, answer_question
from bot.policies.search import PolicyIndex

QUESTIONS_DIR = Path(__file__).resolve().parents[2] / "tests" / "unit" / "policies"
LABELLED_ON = date(2026, 11, 25)  # the day the labels hold for (which policies are in force)


def load_questions(folder: Path = QUESTIONS_DIR) -> list[dict[str, Any]]:
    return [q for f in sorted(folder.glob("questions_*.yml")) for q in yaml.safe_load(f.read_text(encoding="utf-8"))]


def labelled(item: dict[str, Any]) -> list[str]:
    """The codes of the policies that answer ``item`` ("A|B" when two in the library do)."""
    return str(item["policy"]).split("|")


def expected(item: dict[str, Any]) -> list[str]:
    value = item.get("expect")
    return [] if value is None else [str(v) for v in (value if isinstance(value, list) else [value])]


@dataclass
class Outcome:
    item: dict[str, Any]
    answer: PolicyAnswer
    right: bool
    exact: Optional[bool]  # every expected figure in the answer (None: nothing expected)


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def share(self, rows: Iterable[Outcome], key: str = "right") -> float:
        values = [bool(getattr(o, key)) for o in rows]
        return sum(values) / len(values) if values else 0.0

    @property
    def right(self) -> float:
        return self.share(self.outcomes)

    @property
    def exact(self) -> float:
        return self.share([o for o in self.outcomes if o.exact is not None], "exact")

    def of(self, label: str) -> list[Outcome]:
        return [o for o in self.outcomes if label in o.item]

    def by_type(self) -> dict[str, list[Outcome]]:
        table: dict[str, list[Outcome]] = defaultdict(list)
        for o in self.outcomes:
            table[str(o.item.get("type", "?"))].append(o)
        return dict(sorted(table.items()))

    def misses(self) -> list[str]:
        return [f"{o.item['q']} → {o.answer.policy.code if o.answer.policy else o.answer.category or '无'}："
                f"{o.answer.text.splitlines()[1] if len(o.answer.text.splitlines()) > 1 else o.answer.text}"
                for o in self.outcomes if not o.right]

    def table(self) -> str:
        lines = [f"政策问答 {len(self.outcomes)} 问：回答正确 {self.right:.3f}，数字准确 {self.exact:.3f}"
                 f"（{sum(o.exact is not None for o in self.outcomes)} 问），"
                 f"类别列表正确 {self.share(self.of('category')):.3f}（{len(self.of('category'))} 问），"
                 f"无对应政策时如实说明 {self.share(self.of('none')):.3f}（{len(self.of('none'))} 问）"]
        lines += [f"  {kind:<12} {self.share(rows):.3f}  ({len(rows)})" for kind, rows in self.by_type().items()]
        return "\n".join(lines)


def evaluate(index: PolicyIndex, items: list[dict[str, Any]], today: date) -> Report:
    """Every item asked as a user would (its ``after`` question first), scored."""
    report = Report()
    for item in items:
        context, previous = None, ""
        if item.get("after"):
            first = _ask(index, item["after"], today)
            context, previous = (first.policy.code if first.policy else None), first.question
        answer = _ask(index, item["q"], today, context, previous)
        wanted = expected(item)
        exact = all(any(way in answer.text for way in w.split("|")) for w in wanted) if wanted else None
        if "category" in item:
            right = answer.category == item["category"]
        elif item.get("none"):
            right = answer.policy is None and (answer.weak or not answer.found)
        else:
            right = answer.policy is not None and answer.policy.code in labelled(item) and exact is not False
        report.outcomes.append(Outcome(item, answer, right, exact))
    return report


def _ask(index: PolicyIndex, question: str, today: date, context: Optional[str] = None,
         previous: str = "") -> PolicyAnswer:
    return answer_question(index, question, today, "https://syb.example", "12345", context, previous)
