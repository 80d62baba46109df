"""Find which of many known phrases a text says, by their first two characters: a text of n characters
costs about n dictionary lookups, however many phrases there are (unit names, matters, bundles)."""
from __future__ import annotations

from typing import Iterable, Iterator


class PhraseIndex:
    """Known phrases of two characters or more."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._by_head: dict[str, list[str]] = {}
        for phrase in set(phrases):
            if len(phrase) >= 2:
                self._by_head.setdefault(phrase[:2], []).append(phrase)
        for same_head in self._by_head.values():
            same_head.sort(key=len, reverse=True)

    def spans(self, text: str, start: int = 0, end: "int | None" = None) -> Iterator[tuple[int, str]]:
        """(position, phrase) for every known phrase that starts in ``text[start:end]``."""
        stop = len(text) - 1 if end is None else min(end, len(text) - 1)
        for i in range(max(start, 0), stop):
            for phrase in self._by_head.get(text[i:i + 2], ()):
                if text.startswith(phrase, i):
                    yield i, phrase

    def found(self, text: str) -> list[str]:
        """The known phrases ``text`` says, longest first."""
        return sorted({phrase for _, phrase in self.spans(text)}, key=lambda p: (-len(p), p))
