"""Find which of many known phrases a text says, by their first two characters: a text of n characters
costs about n dictionary lookups, however many phrases there are (unit names, matters, bundles); and
phrases said with a filler word put inside them ("水电气咋开户" says 水电气开户)."""
from __future__ import annotations

from typing import Any, Iterable, Iterator


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


MAX_GAP = 2  # characters people put inside a known phrase ("水电气咋开户", "流浪的老头")
MIN_GAPPED = 4  # a phrase this long or longer is still found with a gap inside it
FILLER = frozenset("的了个咋怎么啥都也还就要得给把这那些一下儿呢吗啊呀吧去来能想")  # what such a gap may hold: no content


class PhraseTable:
    """Items by their names (a matter's or a bundle's names and everyday words), found in a text whole or
    with a filler word put inside them at one place ("水电气开户" in "水电气咋开户", not "房子过户" in "房子继承过户"); both halves
    of a split phrase have at least two characters, so a phrase is never found from scattered characters."""

    def __init__(self, forms: Iterable[tuple[str, Any]]) -> None:
        self._items: dict[str, list[Any]] = {}
        for form, item in forms:
            if len(form) >= 2:
                self._items.setdefault(form, []).append(item)
        self._phrases = PhraseIndex(self._items)
        self._longest = max((len(f) for f in self._items), default=0)

    def found(self, norm: str) -> list[tuple[str, Any]]:
        """(form, item) said in ``norm``, longest form first."""
        said = set(self._phrases.found(norm)) | self._gapped(norm)
        return [(form, item) for form in sorted(said, key=lambda f: (-len(f), f)) for item in self._items[form]]

    def _gapped(self, norm: str) -> set[str]:
        """Forms of MIN_GAPPED characters or more said with filler characters inside at one place."""
        found: set[str] = set()
        for i in range(2, len(norm) - 2):
            for gap in range(1, MAX_GAP + 1):
                if not set(norm[i:i + gap]) <= FILLER:
                    break
                joined = norm[:i] + norm[i + gap:]  # the text without this gap
                for start, form in self._phrases.spans(joined, i - self._longest + 2, i - 1):
                    if len(form) >= MIN_GAPPED and start + len(form) >= i + 2:
                        found.add(form)
        return found
